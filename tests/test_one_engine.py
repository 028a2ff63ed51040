"""The layered network is the ``mlp`` family of graphs: the layered PCN and the graph PCN make
the same updates, exactly; and the work of a trajectory is linear in depth (counted inference
steps, never timed), while a user's own inference step is run at every step it is asked for."""
import random
from fractions import Fraction

import pytest

from pcproof.model import Architecture, get_activation, random_params, symbolic_params
from pcproof.model.families import mlp, residual
from pcproof.model.graph import GraphPoint, level, symbolic_point
from pcproof.numbers import RationalOps, SymbolicOps
from pcproof.rules import IL, PCN, ZIL, PCRule, rule_updates
from pcproof.rules import equations as eq
from pcproof.rules.graph import GraphIL, GraphPCN, GraphPCRule, GraphZIL
from pcproof.rules.primitives import PRIMITIVES

ACT = get_activation("poly")


def graph_point(arch, p):
    theta = {f"theta{k}": W for k, W in p.theta.items()}
    theta.update({f"b{l}": b for l, b in (p.b or {}).items()})
    return GraphPoint(theta, {f"x{arch.L}": p.s_in}, {"x0": p.s_out},
                      {f"x{l}": v for l, v in p.extra.get("eta", {}).items()})


class FlippedLeakIL(IL):
    """x + γ(+ε^l + f'(x) ⊙ (θ^l)ᵀ ε^{l-1}): a user's inference step (not BP's updates)."""

    def inference_step(self, pcn, l, t):
        ops, x = pcn.ops, pcn.x(l, t)
        drive = ops.add(eq.backward(ops, x, pcn.theta(l, t), pcn.eps(l - 1, t)), pcn.eps(l, t))
        return ops.add(x, ops.scale(pcn.gamma, drive))


class FlippedLeakGraphIL(GraphIL):
    """The same user's step written on the graph: drive + 2ε = +ε + Σ_c vjp."""

    def inference_step(self, pcn, v, t):
        ops = pcn.ops
        drive = ops.add(pcn.drive(v, t), ops.scale(ops.number(2), pcn.eps(v, t)))
        return ops.add(pcn.x(v, t), ops.scale(pcn.gamma, drive))


PAIRS = {
    "z-il": (lambda: ZIL(), lambda: GraphZIL()),
    "z-il-noise": (lambda: ZIL(init_noise=True), lambda: GraphZIL(init_noise=True)),
    "z-il-offset": (lambda: ZIL(update_offset=1), lambda: GraphZIL(update_offset=1)),
    "il": (lambda: IL(gamma=Fraction(1, 2), t_c=3), lambda: GraphIL(gamma=Fraction(1, 2), t_c=3)),
    "user-step": (lambda: FlippedLeakIL(gamma=Fraction(1, 2), t_c=3),
                  lambda: FlippedLeakGraphIL(gamma=Fraction(1, 2), t_c=3)),
}


@pytest.mark.parametrize("bias", [False, True], ids=["no-bias", "bias"])
@pytest.mark.parametrize("pair", sorted(PAIRS))
def test_layered_and_graph_pcn_make_the_same_updates(pair, bias):
    layered, graph_rule = (make() for make in PAIRS[pair])
    arch = Architecture((2, 3, 1, 2), ACT, bias=bias)
    g = mlp(ACT, widths=arch.widths, bias=bias)
    ops, alpha = RationalOps(ACT), Fraction(1, 10)
    for seed in range(2):
        p = random_params(arch, random.Random(seed), extra_vectors=("eta",))
        a = rule_updates(layered, arch, p, ops, alpha)
        b = rule_updates(graph_rule, g, graph_point(arch, p), ops, alpha)
        assert {f"theta{i}" if kind == "theta" else f"b{i}": v for (kind, i), v in a.items()} == b


def test_the_user_step_changes_the_updates():
    """The comparison above can fail: the user's step makes other updates than IL's."""
    arch = Architecture((2, 3, 1, 2), ACT)
    p = random_params(arch, random.Random(0))
    ops, alpha = RationalOps(ACT), Fraction(1, 10)
    assert rule_updates(IL(gamma=Fraction(1, 2), t_c=3), arch, p, ops, alpha) != \
        rule_updates(FlippedLeakIL(gamma=Fraction(1, 2), t_c=3), arch, p, ops, alpha)


class _Counting:
    """Counts the calls of a rule's inference_step (pcproof's own one, called through the rule)."""

    def __init__(self, monkeypatch, cls):
        self.n = 0
        own = cls.inference_step

        def counted(rule, *a):
            self.n += 1
            return own(rule, *a)
        monkeypatch.setattr(cls, "inference_step", counted)


def _zil_steps(monkeypatch, L, width=2):
    count = _Counting(monkeypatch, PCRule)
    arch = Architecture.make(get_activation("uninterpreted"), depth=L, width=width)
    ops = SymbolicOps(arch.activation)
    rule_updates(ZIL(), arch, symbolic_params(arch), ops, ops.number(Fraction(1, 10)))
    return count.n


def test_zil_runs_a_number_of_inference_steps_linear_in_depth(monkeypatch):
    # L(L−1)/2 without the shortcut: 1953 steps at L = 63, against 2L − 3 = 123
    counts = {L: _zil_steps(monkeypatch, L) for L in (8, 16, 63)}
    for L, n in counts.items():
        assert n <= 2 * L, counts
    assert counts[63] - counts[16] == 2 * (63 - 16), counts


def test_graph_zil_runs_a_number_of_inference_steps_linear_in_depth(monkeypatch):
    counts = {}
    for blocks in (4, 16):
        count = _Counting(monkeypatch, GraphPCRule)
        g = level(residual(get_activation("uninterpreted"), blocks=blocks, width=2))
        ops = SymbolicOps(g.activation)
        rule_updates(GraphZIL(), g, symbolic_point(g), ops, ops.number(Fraction(1, 10)))
        counts[g.depth] = count.n
        monkeypatch.undo()
    for depth, n in counts.items():
        assert n <= 4 * depth, counts


class OwnStepZIL(ZIL):
    """Z-IL with an inference step that is the user's own (the same maths): never shortcut."""

    def inference_step(self, pcn, l, t):
        return eq.inference_step(pcn.ops, pcn.gamma, pcn.x(l, t), pcn.eps(l, t), pcn.eps(l - 1, t),
                                 pcn.theta(l, t))


def test_a_users_inference_step_is_run_at_every_step(monkeypatch):
    count = _Counting(monkeypatch, OwnStepZIL)
    L = 12
    arch = Architecture.make(get_activation("uninterpreted"), depth=L, width=2)
    ops = SymbolicOps(arch.activation)
    rule_updates(OwnStepZIL(), arch, symbolic_params(arch), ops, ops.number(Fraction(1, 10)))
    assert count.n == L * (L - 1) // 2


@pytest.mark.parametrize("L", [1, 2, 5])
def test_shortcut_and_full_run_agree_symbolically(L):
    """The shortcut answers exactly what running every step answers (a user's copy of the step)."""
    arch = Architecture.make(get_activation("uninterpreted"), depth=L, width=2, bias=True)
    ops = SymbolicOps(arch.activation)
    p, alpha = symbolic_params(arch), ops.number(Fraction(1, 10))
    fast, full = rule_updates(ZIL(), arch, p, ops, alpha), rule_updates(OwnStepZIL(), arch, p, ops, alpha)
    for key in fast:
        for r, s in zip(fast[key] if key[0] == "theta" else [fast[key]], full[key] if key[0] == "theta" else [full[key]]):
            assert all(ops.tidy(a - b) == 0 for a, b in zip(r, s))


class LateBiasedMuPCN(PCN):
    """A user's μ, memoised under PCN's own key, that adds ½ from t = 1 on: never taken for
    PCN.mu by the shortcut (the shortcut knows what PCN.mu reads, not what this reads)."""

    def mu(self, l, t):
        def late():
            mu = eq.prediction(self.ops, self.theta(l + 1, t), self.x(l + 1, t), self.b(l, t))
            return mu if t == 0 else self.ops.add(mu, tuple(self.ops.number(Fraction(1, 2)) for _ in mu))
        return self._cached(("mu", l, t), late)


class LateBiasedMu(ZIL):
    def trajectory(self, arch, params, ops, alpha):
        return LateBiasedMuPCN(arch, params, ops, self, alpha, self.steps(arch.L))


@pytest.mark.parametrize("L", [3, 6])
def test_an_overridden_state_method_is_never_shortcut(L):
    from pcproof.check.concrete import prove
    from pcproof.theorem import Setting, get
    arch = Architecture.make(get_activation("uninterpreted"), depth=L, width=2)
    v = prove(get("thm-3.2"), arch, Setting(rule=LateBiasedMu))
    assert v.verdict == "refuted", v


class LateBiasedErrorGraphPCN(GraphPCN):
    """A user's μ on the graph, memoised under GraphPCN's own key, that adds ½ from t = 1 on
    (μ_v at t = d(v) is still in its quiet time: the shortcut would answer μ_v at 0)."""

    def mu(self, v, t):
        vx = self.graph.by_name[v]

        def late():
            m = PRIMITIVES[vx.primitive].value(self.ops, *self._args(vx, t), vx)
            return m if t == 0 else self.ops.add(m, tuple(self.ops.number(Fraction(1, 2)) for _ in m))
        return self._cached(("mu", v, t), late)


class LateBiasedErrorGraphZIL(GraphZIL):
    def trajectory(self, graph, point, ops, alpha):
        return LateBiasedErrorGraphPCN(graph, point, ops, self, alpha, self.steps(graph))


def test_an_overridden_graph_state_method_is_never_shortcut():
    from pcproof.check.graphs import prove
    from pcproof.theorem import Setting, get
    g = level(residual(get_activation("uninterpreted"), blocks=3, width=2))
    assert prove(get("graph-updates"), g).verdict == "proved"
    v = prove(get("graph-updates"), g, Setting(rule=LateBiasedErrorGraphZIL))
    assert v.verdict == "refuted", v
