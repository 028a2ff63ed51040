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

    ``x(v, t)``, ``mu(v, t)``, ``eps(v, t)``, ``theta(p, t)`` are computed on first use."""

    def __init__(self, graph, point, ops, rule: "GraphPCRule", alpha, steps: int):
        self.graph, self.point, self.ops, self.rule = graph, point, ops, rule
        self.alpha, self.gamma, self.steps = alpha, ops.number(rule.gamma), steps
        self._start_memo(graph.depth + steps)
        self._skip_unchanged()
        self.x0 = rule.initial_values(self)

    def _skip_unchanged(self):
        """Which definitions are pcproof's own and what each reads (see base.Trajectory): x by
        GraphPCRule.inference_step through GraphPCN.drive, μ and ε by GraphPCN's."""
        own = lambda name: _own(self, name, GraphPCN)     # noqa: E731
        g = self.graph
        if all(map(own, ("x", "drive", "_args"))) and _own(self.rule, "inference_step", GraphPCRule):
            def x_reads(v):
                out = [("x", v, 1), ("eps", v, 1)]
                for c in g.children[v]:
                    cv = g.by_name[c]
                    out.append(("eps", c, 1))
                    out += [("x", q, 1) for q in cv.parents] + [("theta", q, 1) for q in cv.params]
                return tuple(out)
            self._deps["x"], self._first["x"] = x_reads, 1
        if own("mu") and own("_args"):
            self._deps["mu"] = lambda v: tuple([("x", q, 0) for q in g.by_name[v].parents]
                                               + [("theta", q, 0) for q in g.by_name[v].params])
            self._first["mu"] = 0
        if own("eps"):
            self._deps["eps"] = lambda v: (("x", v, 0), ("mu", v, 0))
            self._first["eps"] = 0
        self._sched: dict = {}
        self._scheduled = all(map(own, ("fires", "delta", "theta")))

    def _fire_times(self, v):
        """The steps at which vertex v learns when the rule is Z-IL on pcproof's own clock
        (t = d(v) + offset); None: ask the rule at every step."""
        if not self._scheduled:
            return None
        s = self._sched.get(v, self)      # (self: not worked out yet; None is an answer)
        if s is self:
            rule, s = self.rule, None
            if isinstance(rule, GraphZIL) and _own(rule, "fires", GraphZIL):
                t = self.graph.distance[v] + rule.update_offset
                s = (t,) if 0 <= t < self.steps else ()
            self._sched[v] = s
        return s

    def _changes(self, p):
        """The steps after which parameter p may have changed (immediate schedule), or None."""
        times = set()
        for u in self.graph.users(p):
            s = self._fire_times(u)
            if s is None:
                return None
            times.update(s)
        return sorted(times)

    def _jump(self, kind, where, t):
        """θ_p at t is θ_p as the last update made before t left it."""
        if kind != "theta":
            return None
        s = self._changes(where)
        if s is None:
            return None
        last = max((u + 1 for u in s if u + 1 <= t), default=0)
        return None if last == t else self.theta(where, last)

    def _source(self, kind, where):
        if kind == "x" and (where in self.point.inputs or where in self.point.targets) and _own(self, "x", GraphPCN):
            return FOREVER      # clamped
        if kind == "theta":
            if self.rule.shared_updates == "deferred" and _own(self, "theta", GraphPCN):
                return FOREVER
            s = self._changes(where)
            return None if s is None else (s[0] if s else FOREVER)
        return None

    def x(self, v, t):
        g = self.graph
        if v in self.point.inputs:
            return self.point.inputs[v]
        if v in self.point.targets:
            return self.point.targets[v]
        if t == 0:
            return self.x0[v]
        return self._cached(("x", v, t), lambda: self.ops.name(self.rule.inference_step(self, v, t - 1), "x", v, t))

    def _args(self, vx, t):
        return [self.x(p, t) for p in vx.parents], [self.theta(p, t) for p in vx.params]

    def mu(self, v, t):
        vx = self.graph.by_name[v]
        return self._cached(("mu", v, t), lambda: _prim(vx).value(self.ops, *self._args(vx, t), vx))

    def eps(self, v, t):
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

    # -- parameters over time ------------------------------------------------------------
    def fires(self, v, t) -> bool:
        return 0 <= t < self.steps and self.rule.fires(self, v, t)

    def delta(self, v, p, t):
        """The update vertex v makes to its parameter p at step t (None if it does not learn then)."""
        if not self.fires(v, t):
            return None
        vx = self.graph.by_name[v]
        j = vx.params.index(p)
        return self._cached(("delta", (v, p), t), lambda: _prim(vx).update(
            self.ops, j, *self._args(vx, t), vx, self.eps(v, t), self.alpha))

    def theta(self, p, t):
        """θ_p in force at step t: updates made before t applied (``immediate``), or none
        until the run ends (``deferred``)."""
        if t == 0 or self.rule.shared_updates == "deferred":
            return self.point.theta[p]

        def compute():
            cur = self.theta(p, t - 1)
            for v in self.graph.users(p):
                d = self.delta(v, p, t - 1)
                if d is not None:
                    cur = _plus(self.ops, cur, d, self.graph.shapes[p])
            return cur
        return self._cached(("theta", p, t), compute)

    def total_updates(self) -> dict:
        """Σ_t Σ_v of every update made during the run, per parameter."""
        ops, out = self.ops, {}
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
