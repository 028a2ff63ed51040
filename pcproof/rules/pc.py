"""Predictive-coding networks and their inference-learning rules (docs/notation.md, "PCN
trained with inference learning", "Z-IL").

:class:`PCN` is the inference trajectory of one network on one training pair.  It
is *lazy*: ``x(l, t)``, ``eps(l, t)``, ``theta(l+1, t)`` … are computed when first
asked for and then remembered, with exactly the semantics of running inference
from t = 0 (so asking for the state at t = 20 runs the 20 steps it depends on).
Asking only for what an update reads keeps the symbolic proof linear in depth.

Timing (docs/notation.md): at a step t where θ^{l+1} learns, its update and the inference
step both read the state at t (old weights); both are applied for t + 1.

One engine.  The layered PCN *is* the graph engine (:class:`~pcproof.rules.graph.GraphPCN`) on
the ``mlp`` family, read by arithmetic on the layer number (:class:`~pcproof.model.families.Layers`:
vertex l is layer l, its parameters θ^{l+1} and b^l): ``x``, ``mu``, ``eps``, ``gated_eps`` are
the engine's, keyed by l.  What this class adds is the layered names of the user's API, one line
each onto the engine's parameter and update methods (``theta``, ``b``, ``delta_theta``,
``delta_b``), and the layered rule's gate; the engine reads parameters and updates back through
those names (``param``, ``delta``), so a subclass's override of any of them is what runs.  The
all-depth prover (check/induction.py) runs these same methods at a symbolic layer and time.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any

from . import equations as eq
from .base import Rule, _own, from_trajectory, Updates
from .graph import GraphPCN
from ..model.families import LayerPoint, layers


class PCN(GraphPCN):
    """The inference trajectory of a PCN, with learning interleaved as the rule says."""

    _SCHEDULED = ("gate", "delta", "delta_theta", "delta_b", "theta", "b", "param")

    def __init__(self, arch, params, ops, rule: "PCRule", alpha, steps: int):
        self.arch, self.params = arch, params
        super().__init__(layers(tuple(arch.widths), params.b is not None), LayerPoint(params, arch.L),
                         ops, rule, alpha, steps)

    def _step_reads(self):
        """PCRule's own inference step reads x^l, ε^l, ε^{l-1} and θ^l at t."""
        if not _own(self.rule, "inference_step", PCRule):
            return None
        return lambda l: (("x", l, 1), ("eps", l, 1), ("eps", l - 1, 1), ("param", ("theta", l), 1))

    def _clock(self, l):
        """The steps at which θ^{l+1} and b^l learn when the rule's gate is pcproof's own clock
        (Z-IL: t = l + offset = d(l) + offset; IL: t = t_c + offset); None: ask the gate."""
        rule = self.rule
        if isinstance(rule, ZIL) and _own(rule, "gate", ZIL) and _own(rule, "update_step", ZIL):
            return (rule.update_step(l),)
        if isinstance(rule, IL) and _own(rule, "gate", IL):
            return (rule.t_c + rule.update_offset,)
        return None

    # -- the layered names: one line each onto the engine -----------------------------------
    def theta(self, k, t):
        """θ^k_t: the weights in force at step t (updates made at t-1 and before applied)."""
        return GraphPCN.theta(self, ("theta", k), t)

    def b(self, l, t):
        """b^l_t (None without biases)."""
        return None if self.params.b is None else GraphPCN.theta(self, ("b", l), t)

    def delta_theta(self, l, t):
        """Δθ^{l+1} made at step t (None if θ^{l+1} does not learn at t)."""
        return GraphPCN.delta(self, l, ("theta", l + 1), t)

    def delta_b(self, l, t):
        """Δb^l made at step t (None without biases, or if b^l does not learn at t)."""
        return None if self.params.b is None else GraphPCN.delta(self, l, ("b", l), t)

    def param(self, p, t):
        """The engine reads θ^k and b^l through the layered names (so overrides run)."""
        return self.theta(p[1], t) if p[0] == "theta" else self.b(p[1], t)

    def delta(self, l, p, t):
        """The engine reads the updates through the layered names (so overrides run)."""
        return self.delta_theta(l, t) if p[0] == "theta" else self.delta_b(l, t)

    def gate(self, l, t):
        """What the rule says about θ^{l+1} at step t: None (no update) or the gate (1 or ϕ per node)."""
        if t < 0 or t >= self.steps:
            return None
        key = ("gate", l, t)
        if key not in self._memo:  # a gate may legitimately be None, so no _cached here
            self._memo[key] = self.rule.gate(self, l, t)
        return self._memo[key]


PCN._engine = PCN


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
