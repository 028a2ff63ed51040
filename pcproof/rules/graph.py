"""BP and predictive coding on a computational graph (Salvatori et al., AAAI 2022;
docs/notation.md, "Graphs"), derived from the primitives' vector–Jacobian products.

* BP (:class:`GraphANN`): x̄_v = g_v(x̄_parents, θ) in topological order; δ_v = −∂E/∂x̄_v by
  reverse mode, δ_v = [s_v − x̄_v if v is an output] + Σ_{c ∈ children(v)} (∂g_c/∂x_v)ᵀ δ_c;
  Δθ = Σ_{v uses θ} α (∂g_v/∂θ)ᵀ δ_v.
* PC (:class:`GraphPCN`): μ_v = g_v(x_parents, θ), ε_v = x_v − μ_v, F = ½ Σ_v ‖ε_v‖²; inputs
  and outputs clamped; a hidden vertex moves by x_v ← x_v + γ(−ε_v + Σ_c (∂g_c/∂x_v)ᵀ ε_c)
  (= x_v − γ ∂F/∂x_v); vertex v's parameters learn by α (∂g_v/∂θ)ᵀ ε_v (= −α ∂F/∂θ, v's term).
* Z-IL (:class:`GraphZIL`): C1 start at x̄, C3 γ = 1, C2 generalised: vertex v's parameters
  learn at t = d(v).  A parameter shared by several vertices learns once per vertex; with
  ``shared_updates="immediate"`` each update is applied at once (later predictions see it),
  with ``"deferred"`` they are accumulated and applied after the run.

Timing is docs/notation.md's: an update and the inference step made at t both read the state at t.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any

from ..conditions import SHARED_UPDATES
from .base import FOREVER, Rule, Trajectory, _own, from_trajectory
from . import equations as eq
from .primitives import PRIMITIVES

SCHEDULES = tuple(SHARED_UPDATES)   # immediate, deferred (pcproof.conditions)


def _prim(v):
    return PRIMITIVES[v.primitive]


class GraphANN:
    """The feed-forward values x̄_v and BP's error terms δ_v of one graph at one point.

    ``label``: how a vertex is indexed in displayed names (x̄^{label(v)}, δ^{label(v)});
    the layered facade (rules.bp.ANN) shows the layer number."""

    def __init__(self, graph, point, ops, label=None):
        self.graph, self.point, self.ops = graph, point, ops
        shown = (lambda v: v) if label is None else label
        x_bar: dict[str, Any] = {}
        for v in graph.vertices:
            if v.is_input:
                x_bar[v.name] = point.inputs[v.name]
            else:
                x_bar[v.name] = ops.name(_prim(v).value(ops, [x_bar[p] for p in v.parents],
                                                      [point.theta[p] for p in v.params], v), r"\bar{x}", shown(v.name))
        delta: dict[str, Any] = {}
        outs = set(graph.outputs)
        for v in reversed(graph.vertices):
            if v.is_input:
                continue
            terms = [ops.sub(point.targets[v.name], x_bar[v.name])] if v.name in outs else []
            for c in graph.children[v.name]:
                cv = graph.by_name[c]
                for i, p in enumerate(cv.parents):
                    if p == v.name:
                        terms.append(self.vjp(cv, i, [x_bar[q] for q in cv.parents],
                                              [point.theta[q] for q in cv.params], delta[c]))
            total = terms[0]
            for t in terms[1:]:
                total = ops.add(total, t)
            delta[v.name] = ops.name(total, r"\delta", shown(v.name))
        self.x_bar, self.delta = x_bar, delta

    def vjp(self, cv, i, xs, ps, e):
        """(∂g_c/∂x_{u_i})ᵀ e, the reverse pass's one local step (a subclass may swap the matrix
        it reads: feedback alignment, pcproof.rules.zoo.graph_fa).  Called from ``__init__``."""
        return _prim(cv).vjp(self.ops, i, xs, ps, cv, e)

    def vertex_updates(self, v, alpha) -> list:
        """BP's update of each of vertex v's parameters (its own term, before sharing)."""
        vx = self.graph.by_name[v]
        xs, ps = [self.x_bar[q] for q in vx.parents], [self.point.theta[q] for q in vx.params]
        return [_prim(vx).update(self.ops, j, xs, ps, vx, self.delta[v], alpha) for j in range(len(vx.params))]

    def updates(self, alpha) -> dict:
        """BP's update of every parameter, summed over the vertices that share it."""
        ops, out = self.ops, {}
        for v in self.graph.vertices:
            for p, d in zip(v.params, self.vertex_updates(v.name, alpha)):
                out[p] = d if p not in out else _plus(ops, out[p], d, self.graph.shapes[p])
        return out


def _plus(ops, a, b, shape):
    """a + b for two values of a parameter of ``shape``."""
    return ops.mat_add(a, b) if len(shape) == 2 else ops.add(a, b)


class GraphPCN(Trajectory):
    """The inference trajectory of PC on a graph, with learning interleaved as the rule says.

    ``x(v, t)``, ``mu(v, t)``, ``eps(v, t)``, ``param(p, t)`` are computed on first use.  This
    is the one PC trajectory: the layered :class:`~pcproof.rules.pc.PCN` is this class on the
    ``mlp`` family, vertex l being layer l.

    The graph is read only through ``by_name[v]`` (primitive, parents, params), ``children[v]``,
    ``distance[v]``, ``users(p)``, ``shapes[p]`` and the point's ``inputs``/``targets``
    (``v in …``) and ``theta[p]``: a :class:`~pcproof.model.graph.Graph` answers from its
    vertices, :class:`~pcproof.model.families.Layers` by arithmetic on the layer number, which
    also holds at the all-depth prover's symbolic layer.  Every state is read through a method
    of ``self`` (``x``, ``eps``, ``param``, ``gate``, ``delta`` …), so a subclass's override is
    what runs."""

    #: the methods that must all be the engine's own for parameters to follow the rule's clock
    _SCHEDULED = ("fires", "gate", "delta", "theta", "param")

    def __init__(self, graph, point, ops, rule, alpha, steps: int):
        self.graph, self.point, self.ops, self.rule = graph, point, ops, rule
        self.alpha, self.gamma, self.steps = alpha, ops.number(rule.gamma), steps
        self._start_memo(graph.depth + steps)
        self._skip_unchanged()
        self.x0 = rule.initial_values(self)

    def _is_own(self, name) -> bool:
        """``name`` is the engine's own definition (GraphPCN's, or PCN's for a layered run)."""
        return _own(self, name, self._engine)

    def _skip_unchanged(self):
        """Which definitions are pcproof's own and what each reads (see base.Trajectory): x by
        the rule's own inference step (:meth:`_step_reads`), μ and ε by the engine's."""
        own, g = self._is_own, self.graph
        step = self._step_reads()
        if own("x") and step is not None:
            self._deps["x"], self._first["x"] = _remembered(step), 1
        if own("mu") and own("_args"):
            self._deps["mu"] = _remembered(lambda v: tuple([("x", q, 0) for q in g.by_name[v].parents]
                                                           + [("param", q, 0) for q in g.by_name[v].params]))
            self._first["mu"] = 0
        if own("eps"):
            self._deps["eps"] = lambda v: (("x", v, 0), ("mu", v, 0))
            self._first["eps"] = 0
        self._sched: dict = {}
        self._scheduled = all(map(own, self._SCHEDULED))

    def _step_reads(self):
        """What the rule's inference step reads at v, as ``(kind, where, offset)``, when it is
        pcproof's own (GraphPCRule's, through the engine's drive); None: a user's step."""
        # (a vjp of a subclass may read more than the children's states: no shortcut then)
        if not (own := self._is_own)("drive") or not own("_args") or not own("vjp") \
                or not _own(self.rule, "inference_step", GraphPCRule):
            return None
        g = self.graph

        def x_reads(v):
            out = [("x", v, 1), ("eps", v, 1)]
            for c in g.children[v]:
                cv = g.by_name[c]
                out.append(("eps", c, 1))
                out += [("x", q, 1) for q in cv.parents] + [("param", q, 1) for q in cv.params]
            return tuple(out)
        return x_reads

    def _fire_times(self, v):
        """The steps at which vertex v learns when the rule's gate is pcproof's own clock
        (:meth:`_clock`); None: ask the gate at every step."""
        if not self._scheduled:
            return None
        s = self._sched.get(v, self)      # (self: not worked out yet; None is an answer)
        if s is self:
            s = self._clock(v)
            if s is not None:
                s = tuple(sorted(t for t in set(s) if 0 <= t < self.steps))
            self._sched[v] = s
        return s

    def _clock(self, v):
        """Z-IL's clock: vertex v learns at t = d(v) + offset (None: not a clock pcproof knows)."""
        rule = self.rule
        if isinstance(rule, GraphZIL) and _own(rule, "fires", GraphZIL):
            return (self.graph.distance[v] + rule.update_offset,)
        return None

    def _changes(self, p):
        """The steps after which parameter p may have changed (immediate schedule), or None."""
        s = self._sched.get(("param", p), self)      # (self: not worked out yet; None is an answer)
        if s is self:
            times = set()
            for u in self.graph.users(p):
                f = self._fire_times(u)
                if f is None:
                    times = None
                    break
                times.update(f)
            s = self._sched[("param", p)] = None if times is None else sorted(times)
        return s

    def _jump(self, kind, where, t):
        """θ_p at t is θ_p as the last update made before t left it."""
        if kind != "param":
            return None
        s = self._changes(where)
        if s is None:
            return None
        last = max((u + 1 for u in s if u + 1 <= t), default=0)
        return None if last == t else self.param(where, last)

    def _source(self, kind, where):
        if kind == "x" and (where in self.point.inputs or where in self.point.targets) and self._is_own("x"):
            return FOREVER      # clamped
        if kind == "param":
            if _deferred(self.rule) and self._is_own("theta") and self._is_own("param"):
                return FOREVER
            s = self._changes(where)
            return None if s is None else (s[0] if s else FOREVER)
        return None

    # -- state ------------------------------------------------------------------------------
    def x(self, v, t):
        """x_v(t).  Inputs and outputs are clamped; a hidden vertex follows the rule's step."""
        point = self.point
        if v in point.inputs:
            return point.inputs[v]
        if v in point.targets:
            return point.targets[v]
        if t == 0:
            return self.x0[v]
        return self._cached(("x", v, t), lambda: self.ops.name(self.rule.inference_step(self, v, t - 1), "x", v, t))

    def _args(self, vx, t):
        """A primitive's parent values and parameters at t, each read when the primitive indexes
        it: a primitive reads exactly what its formula needs, in its formula's order (Δθ of a
        dense vertex does not read b; the all-depth prover checks every read for causality)."""
        return _OnDemand(self.x, vx.parents, t), _OnDemand(self.param, vx.params, t)

    def mu(self, v, t):
        """μ_v(t) = g_v(x_parents(t), θ(t))."""
        def compute():
            vx = self.graph.by_name[v]
            return _prim(vx).value(self.ops, *self._args(vx, t), vx)
        return self._cached(("mu", v, t), compute)

    def eps(self, v, t):
        """ε_v(t) = x_v(t) − μ_v(t)."""
        return self._cached(("eps", v, t), lambda: self.ops.name(
            self.ops.sub(self.x(v, t), self.mu(v, t)), r"\varepsilon", v, t))

    def vjp(self, cv, i, xs, ps, e):
        """(∂g_c/∂x_{u_i})ᵀ e, the drive's one local step (as GraphANN.vjp: a subclass may swap
        the matrix it reads, pcproof.rules.zoo.graph_fa.FeedbackPCN)."""
        return _prim(cv).vjp(self.ops, i, xs, ps, cv, e)

    def drive(self, v, t):
        """−∂F_t/∂x_v: −ε_v + Σ_{c ∈ children(v)} (∂g_c/∂x_v)ᵀ ε_c."""
        ops, g = self.ops, self.graph
        total = ops.scale(ops.number(-1), self.eps(v, t))
        for c in g.children[v]:
            cv = g.by_name[c]
            for i, p in enumerate(cv.parents):
                if p == v:
                    total = ops.add(total, self.vjp(cv, i, *self._args(cv, t), self.eps(c, t)))
        return total

    def energy(self, t):
        """F_t = ½ Σ_v ‖ε_v(t)‖²."""
        return eq.energy(self.ops, [self.eps(v, t) for v in self.graph.computed])

    # -- parameters over time ------------------------------------------------------------
    def fires(self, v, t) -> bool:
        return 0 <= t < self.steps and self.rule.fires(self, v, t)

    def gate(self, v, t):
        """What the rule says about vertex v's parameters at step t: None (no update) or the
        gate ϕ (1, a scalar, or a vector of one gate per error node)."""
        return 1 if self.fires(v, t) else None

    def gated_eps(self, v, t):
        """ϕ ⊙ ε_v(t): the error as the learning step sees it (a gate is 1, a scalar — a
        vertex's own learning-rate factor — or a vector, one gate per error node)."""
        g = self.gate(v, t)
        e = self.eps(v, t)
        if g is None or (isinstance(g, int) and g == 1):
            return e
        return self.ops.mul(g, e) if isinstance(g, (tuple, list)) or getattr(g, "ndim", 0) else self.ops.scale(g, e)

    def delta(self, v, p, t):
        """The update vertex v makes to its parameter p at step t (None if it does not learn then):
        α (∂g_v/∂θ_p)ᵀ ϕ ⊙ ε_v(t), all at t."""
        if self.gate(v, t) is None:
            return None

        def compute():
            vx = self.graph.by_name[v]
            return _prim(vx).update(self.ops, vx.params.index(p), *self._args(vx, t), vx, self.gated_eps(v, t),
                                    self.alpha)
        return self._cached(("delta", (v, p), t), compute)

    def param(self, p, t):
        """θ_p in force at step t, as the engine reads it (a layered run reads θ^k, b^l here)."""
        return self.theta(p, t)

    def theta(self, p, t):
        """θ_p in force at step t: updates made before t applied (``immediate``), or none
        until the run ends (``deferred``)."""
        if t == 0:
            return self.point.theta[p]

        def compute():
            if _deferred(self.rule):
                return self.point.theta[p]
            cur = self.param(p, t - 1)
            for v in self.graph.users(p):
                d = self.delta(v, p, t - 1)
                if d is not None:
                    cur = _plus(self.ops, cur, d, self.graph.shapes[p])
            return cur
        return self._cached(("param", p, t), compute)

    def total_updates(self) -> dict:
        """Σ_t Σ_v of every update made during the run, per parameter."""
        out = {}
        for p, _shape in self.graph.param_shapes:
            users = self.graph.users(p)
            sched = [self._fire_times(v) for v in users]
            if None in sched:
                made = [d for t in range(self.steps) for v in users if (d := self.delta(v, p, t)) is not None]
            else:   # the same updates in the same order, without asking the steps nothing fires at
                made = [d for t, i in sorted((t, i) for i, s in enumerate(sched) for t in s)
                        if (d := self.delta(users[i], p, t)) is not None]
            out[p] = self._total(made, self.point.theta[p], len(_shape) == 2)
        return out


GraphPCN._engine = GraphPCN


class _OnDemand:
    """A primitive's parent values or parameters at t, each read from the trajectory (which
    remembers it) when indexed: ``read(keys[i], t)``."""

    __slots__ = ("read", "keys", "t")

    def __init__(self, read, keys, t):
        self.read, self.keys, self.t = read, keys, t

    def __len__(self):
        return len(self.keys)

    def __getitem__(self, i):
        return self.read(self.keys[i], self.t)


def _remembered(reads):
    """``reads`` (what a definition reads at a vertex: a function of the graph alone), worked
    out once per vertex of a concrete run."""
    known: dict = {}

    def at(v):
        r = known.get(v)
        if r is None:
            r = known[v] = reads(v)
        return r
    return at


def _deferred(rule) -> bool:
    """A shared parameter's updates wait for the end of the run (a layered rule shares none)."""
    return getattr(rule, "shared_updates", "immediate") == "deferred"


class GraphPCRule(Rule):
    """Inference learning on a graph.  Subclasses say when each vertex learns (``fires``).

    ``gamma`` the inference step; ``init_noise`` starts hidden vertices at x̄_v + η_v (C1
    broken); ``update_offset`` k moves learning from t = d(v) to t = d(v) + k (C2 broken);
    ``shared_updates`` "immediate" or "deferred" (when a shared parameter's updates apply)."""

    name = "graph-pc"

    def __init__(self, gamma: Any = 1, init_noise: bool = False, update_offset: int = 0,
                 shared_updates: str = "immediate"):
        if shared_updates not in SCHEDULES:
            raise ValueError(f"shared_updates must be one of {', '.join(SCHEDULES)}, got {shared_updates!r}")
        self.gamma, self.init_noise, self.update_offset = gamma, init_noise, update_offset
        self.shared_updates = shared_updates

    def initial_values(self, pcn: GraphPCN) -> dict:
        """x_v(0) for hidden v: the feed-forward values (C1), plus η_v if asked."""
        ann = GraphANN(pcn.graph, pcn.point, pcn.ops)
        x0 = {v: ann.x_bar[v] for v in pcn.graph.hidden}
        if self.init_noise:
            x0 = {v: pcn.ops.add(x, pcn.point.extra[v]) for v, x in x0.items()}
        return x0

    def inference_step(self, pcn: GraphPCN, v, t):
        """x_v(t+1) = x_v(t) + γ (−ε_v + Σ_c (∂g_c/∂x_v)ᵀ ε_c), all at t."""
        return pcn.ops.add(pcn.x(v, t), pcn.ops.scale(pcn.gamma, pcn.drive(v, t)))

    def fires(self, pcn: GraphPCN, v, t) -> bool:
        raise NotImplementedError

    def steps(self, graph) -> int:
        raise NotImplementedError

    def trajectory(self, graph, point, ops, alpha) -> GraphPCN:
        return GraphPCN(graph, point, ops, self, alpha, self.steps(graph))

    @from_trajectory
    def updates(self, graph, point, ops, alpha) -> dict:
        return self.trajectory(graph, point, ops, alpha).total_updates()


class GraphZIL(GraphPCRule):
    """Z-IL on a graph: the parameters of vertex v learn at t = d(v) (+ ``update_offset``)."""

    name = "z-il"

    def fires(self, pcn, v, t):
        return t == pcn.graph.distance[v] + self.update_offset

    def steps(self, graph):
        return max(graph.distance[v] for v in graph.computed) + self.update_offset + 1


class GraphIL(GraphPCRule):
    """Plain inference learning on a graph: every vertex learns once, at t = t_c (the layered
    :class:`~pcproof.rules.pc.IL` on the ``mlp`` family)."""

    name = "il"

    def __init__(self, gamma: Any = Fraction(1, 10), init_noise: bool = False, update_offset: int = 0,
                 shared_updates: str = "immediate", t_c: int = 20):
        super().__init__(gamma, init_noise, update_offset, shared_updates)
        self.t_c = t_c

    def fires(self, pcn, v, t):
        return t == self.t_c + self.update_offset

    def steps(self, graph):
        return self.t_c + self.update_offset + 1


class GraphBP(Rule):
    """Backpropagation on the graph (reverse mode), as a rule."""

    name = "bp"

    def updates(self, graph, point, ops, alpha) -> dict:
        return GraphANN(graph, point, ops).updates(alpha)
