"""Predictive-coding networks and their inference-learning rules (docs/notation.md, "PCN
trained with inference learning", "Z-IL").

:class:`PCN` is the inference trajectory of one network on one training pair.  It
is *lazy*: ``x(l, t)``, ``eps(l, t)``, ``theta(l+1, t)`` … are computed when first
asked for and then remembered, with exactly the semantics of running inference
from t = 0 (so asking for the state at t = 20 runs the 20 steps it depends on).
Asking only for what an update reads keeps the symbolic proof linear in depth.

Timing (docs/notation.md): at a step t where θ^{l+1} learns, its update and the inference
step both read the state at t (old weights); both are applied for t + 1.

One engine.  The layered network is the ``mlp`` family of graphs (layer l = vertex ``x{l}``,
θ^{l+1} = its parameter): BP runs on the graph engine (:class:`~pcproof.rules.bp.ANN`), and the
trajectory machinery — memo, circularity, the linear-work shortcuts, the sums of updates — is
:class:`~pcproof.rules.base.Trajectory`'s, shared with :class:`~pcproof.rules.graph.GraphPCN`.
What stays here is the layered state equations (``x``, ``mu``, ``eps``, ``theta``, ``b``,
``gate``, ``gated_eps``, ``delta_theta``, ``delta_b``), because (1) they are the user's API: a
PCN subclass overrides them and a run must execute the override, and (2) the all-depth prover
runs exactly these methods at a *symbolic* layer and time (check/induction.py, ``PCN_RUN``),
which a vertex-keyed engine cannot.  Both give identical updates on the mlp family
(tests/test_one_engine.py).
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any

from . import equations as eq
from .base import FOREVER, Rule, RuleError, Trajectory, _own, from_trajectory, Updates


class PCN(Trajectory):
    """The inference trajectory of a PCN, with learning interleaved as the rule says."""

    def __init__(self, arch, params, ops, rule: "PCRule", alpha, steps: int):
        self.arch, self.params, self.ops, self.rule = arch, params, ops, rule
        self.alpha = alpha
        self.gamma = ops.number(rule.gamma)
        self.steps = steps          # inference runs for t = 0 … steps-1
        self._start_memo(arch.L + steps)
        self._skip_unchanged()
        self.x0 = rule.initial_values(self)

    def _skip_unchanged(self):
        """Which of this run's definitions are pcproof's own, and what each reads (base.Trajectory):
        x by PCRule.inference_step, μ and ε by PCN's; never a user's override."""
        own = lambda name: _own(self, name, PCN)     # noqa: E731
        if own("x") and _own(self.rule, "inference_step", PCRule):
            self._deps["x"] = lambda l: (("x", l, 1), ("eps", l, 1), ("eps", l - 1, 1), ("theta", l, 1))
            self._first["x"] = 1
        if own("mu"):
            self._deps["mu"] = lambda l: (("theta", l + 1, 0), ("x", l + 1, 0), ("b", l, 0))
            self._first["mu"] = 0
        if own("eps"):
            self._deps["eps"] = lambda l: (("x", l, 0), ("mu", l, 0))
            self._first["eps"] = 0
        self._sched: dict = {}
        self._scheduled = all(own(n) for n in ("gate", "delta_theta", "delta_b", "theta", "b"))

    def _schedule(self, l):
        """The steps at which θ^{l+1} and b^l can learn, when the rule's gate is pcproof's own
        clock (Z-IL: t = l + offset; IL: t = t_c + offset); None: ask the gate at every step."""
        if not self._scheduled:
            return None
        s = self._sched.get(l, self)     # (self: not worked out yet; None is an answer)
        if s is self:
            rule, s = self.rule, None
            if isinstance(rule, ZIL) and _own(rule, "gate", ZIL) and _own(rule, "update_step", ZIL):
                s = (rule.update_step(l),)
            elif isinstance(rule, IL) and _own(rule, "gate", IL):
                s = (rule.t_c + rule.update_offset,)
            if s is not None:
                s = tuple(sorted(t for t in set(s) if 0 <= t < self.steps))
            self._sched[l] = s
        return s

    def _jump(self, kind, where, t):
        """θ^k_t (b^l_t) is θ^k (b^l) as the last scheduled update before t left it."""
        if kind not in ("theta", "b"):
            return None
        s = self._schedule(where - 1 if kind == "theta" else where)
        if s is None:
            return None
        last = max((u + 1 for u in s if u + 1 <= t), default=0)
        return None if last == t else getattr(self, kind)(where, last)

    def _source(self, kind, where):
        L = self.arch.L
        if kind == "x" and (where == L or where == 0) and _own(self, "x", PCN):
            return FOREVER      # clamped
        if kind == "b" and self.params.b is None and _own(self, "b", PCN):
            return FOREVER
        if kind in ("theta", "b"):
            s = self._schedule(where - 1 if kind == "theta" else where)
            return None if s is None else (s[0] if s else FOREVER)
        return None

    # -- state ---------------------------------------------------------------
    def x(self, l, t):
        """x^l_t.  Input and output are clamped; hidden layers follow the inference step."""
        L = self.arch.L
        if l == L:
            return self.params.s_in
        if l == 0:
            return self.params.s_out
        if t == 0:
            return self.x0[l]
        if t < 0:
            raise RuleError(f"the rule reads x^{l}_{t}, before the run starts at t = 0")
        return self._cached(("x", l, t), lambda: self.ops.name(
            self.rule.inference_step(self, l, t - 1), "x", l, t))

    def mu(self, l, t):
        """μ^l_t = θ^{l+1}_t f(x^{l+1}_t) (+ b^l_t)."""
        return self._cached(("mu", l, t), lambda: eq.prediction(
            self.ops, self.theta(l + 1, t), self.x(l + 1, t), self.b(l, t)))

    def eps(self, l, t):
        """ε^l_t = x^l_t − μ^l_t."""
        return self._cached(("eps", l, t), lambda: self.ops.name(
            eq.error(self.ops, self.x(l, t), self.mu(l, t)), r"\varepsilon", l, t))

    def energy(self, t):
        """F_t = ½ Σ_l ‖ε^l_t‖²."""
        return eq.energy(self.ops, [self.eps(l, t) for l in range(self.arch.L)])

    # -- parameters over time ---------------------------------------------------
    def gate(self, l, t):
        """What the rule says about θ^{l+1} at step t: None (no update) or the gate (1 or ϕ per node)."""
        if t < 0 or t >= self.steps:
            return None
        key = ("gate", l, t)
        if key not in self._memo:  # a gate may legitimately be None, so no _cached here
            self._memo[key] = self.rule.gate(self, l, t)
        return self._memo[key]

    def gated_eps(self, l, t):
        """ϕ ⊙ ε^l_t: the error as the learning step sees it (a gate is 1, a scalar — a
        layer's own learning-rate factor — or a vector, one gate per error node)."""
        g = self.gate(l, t)
        e = self.eps(l, t)
        if g is None or (isinstance(g, int) and g == 1):
            return e
        return self.ops.mul(g, e) if isinstance(g, (tuple, list)) or getattr(g, "ndim", 0) else self.ops.scale(g, e)

    def delta_theta(self, l, t):
        """Δθ^{l+1} made at step t (None if θ^{l+1} does not learn at t)."""
        if self.gate(l, t) is None:
            return None
        return self._cached(("dtheta", l, t), lambda: eq.weight_update(
            self.ops, self.alpha, self.gated_eps(l, t), self.x(l + 1, t)))

    def delta_b(self, l, t):
        if self.params.b is None or self.gate(l, t) is None:
            return None
        return self._cached(("db", l, t), lambda: eq.bias_update(self.ops, self.alpha, self.gated_eps(l, t)))

    def theta(self, k, t):
        """θ^k_t: the weights in force at step t (updates made at t-1 and before applied)."""
        if t == 0:
            return self.params.theta[k]
        return self._cached(("theta", k, t), lambda: _updated(
            self.theta(k, t - 1), self.delta_theta(k - 1, t - 1), self.ops.mat_add))

    def b(self, l, t):
        if self.params.b is None:
            return None
        if t == 0:
            return self.params.b[l]
        return self._cached(("b", l, t), lambda: _updated(self.b(l, t - 1), self.delta_b(l, t - 1), self.ops.add))

    # -- what one training pair changes ----------------------------------------------
    def total_updates(self) -> Updates:
        """Σ_t of every update made during the run, per parameter."""
        out: Updates = {}
        for l in range(self.arch.L):
            for key, fn in ((("theta", l + 1), self.delta_theta), (("b", l), self.delta_b)):
                if key[0] == "b" and self.params.b is None:
                    continue
                when = self._schedule(l)
                made = [d for t in (range(self.steps) if when is None else when) if (d := fn(l, t)) is not None]
                kind, i = key
                out[key] = self._total(made, self.params.theta[i] if kind == "theta" else self.params.b[i],
                                       kind == "theta")
        return out


def _updated(prev, update, add):
    """A parameter after the update made at the previous step (if there was one)."""
    return prev if update is None else add(prev, update)


class PCRule(Rule):
    """Inference learning on a PCN.  Subclasses say when each layer learns (``gate``)
    and may change the start (``initial_values``) or the dynamics (``inference_step``).

    ``gamma`` is the inference step γ; ``init_noise`` breaks C1 by starting each hidden
    layer at x̄^l + η^l, with η^l the point's ``extra["eta"][l]``; ``update_offset`` = k
    moves a layer-timed update from t = l to t = l + k (the C2 ablation).  Every PC
    rule, built-in or a user's, is constructed with these three keywords.
    """

    name = "pc"

    def __init__(self, gamma: Any = 1, init_noise: bool = False, update_offset: int = 0):
        self.gamma = gamma
        self.init_noise = init_noise
        self.update_offset = update_offset

    # -- the three places a PC variant differs --------------------------------------
    def initial_values(self, pcn: PCN) -> dict:
        """x^l_0 for hidden l: the feed-forward prediction from the input (C1), plus η^l if asked."""
        ops, x0 = pcn.ops, {}
        prev = pcn.params.s_in
        b = pcn.params.b
        for l in range(pcn.arch.L - 1, 0, -1):
            prev = eq.prediction(ops, pcn.params.theta[l + 1], prev, None if b is None else b[l])
            x0[l] = prev
        if self.init_noise:
            eta = pcn.params.extra["eta"]
            x0 = {l: ops.add(v, eta[l]) for l, v in x0.items()}
        return x0

    def inference_step(self, pcn: PCN, l: int, t: int):
        """x^l_{t+1} from the state at t (docs/notation.md's inference equation)."""
        return eq.inference_step(pcn.ops, pcn.gamma, pcn.x(l, t), pcn.eps(l, t),
                                 pcn.eps(l - 1, t), pcn.theta(l, t))

    def gate(self, pcn: PCN, l: int, t: int):
        """None if θ^{l+1} does not learn at step t; else 1 (or a vector ϕ, one gate per error node)."""
        raise NotImplementedError

    def steps(self, L: int) -> int:
        """How many inference steps to run (at least until the last scheduled update)."""
        raise NotImplementedError

    # -- Rule ------------------------------------------------------------------------
    def trajectory(self, arch, params, ops, alpha) -> PCN:
        return PCN(arch, params, ops, self, alpha, self.steps(arch.L))

    @from_trajectory
    def updates(self, arch, params, ops, alpha) -> Updates:
        return self.trajectory(arch, params, ops, alpha).total_updates()


class ZIL(PCRule):
    """Zero-divergence inference learning: θ^{l+1} learns at t = l (C2).

    ``update_offset`` = k moves it to t = l + k (the C2 ablation)."""

    name = "z-il"

    def update_step(self, l: int) -> int:
        return l + self.update_offset

    def gate(self, pcn, l, t):
        return 1 if t == self.update_step(l) else None

    def steps(self, L):
        return L + self.update_offset     # = max(update_step(l) for l < L) + 1, also at a symbolic L


class IL(PCRule):
    """Plain inference learning: every θ learns once, at t = t_c (20 in the paper).

    ``output_precision`` π_0 = Σ_hidden / Σ_0 (default 1): the output layer's precision
    relative to the hidden layers' (Whittington & Bogacz 2017, whose errors are precision-
    weighted, ε^l = Σ_l⁻¹(x^l − μ^l)).  The output error enters inference and learning as
    π_0 ε^0: x^1 moves by γ(−ε^1 + f'(x^1) ⊙ (θ^1)ᵀ π_0 ε^0) and Δθ^1 = α π_0 ε^0 f(x^1)ᵀ.
    Their limit for IL to approach BP is π_0 → 0 (a weak output precision), where every
    update is π_0 times BP's to first order (measured by :func:`pcproof.check.align.il_limits`)."""

    name = "il"

    def __init__(self, gamma: Any = Fraction(1, 10), init_noise: bool = False, update_offset: int = 0,
                 t_c: int = 20, output_precision: Any = 1):
        super().__init__(gamma, init_noise, update_offset)
        self.t_c = t_c
        if isinstance(output_precision, (int, float, Fraction)) and not output_precision > 0:
            raise ValueError(f"output_precision must be positive, got {output_precision}")
        self.output_precision = output_precision

    def gate(self, pcn, l, t):
        if t != self.t_c + self.update_offset:
            return None
        return pcn.ops.number(self.output_precision) if l == 0 and self.output_precision != 1 else 1

    def inference_step(self, pcn, l, t):
        if l != 1 or self.output_precision == 1:
            return super().inference_step(pcn, l, t)
        ops = pcn.ops
        weighted = ops.scale(ops.number(self.output_precision), pcn.eps(0, t))    # π_0 ε^0
        return eq.inference_step(ops, pcn.gamma, pcn.x(1, t), pcn.eps(1, t), weighted, pcn.theta(1, t))

    def steps(self, L):
        return self.t_c + self.update_offset + 1
