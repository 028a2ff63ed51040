"""One engine: the layered PCN *is* the graph engine (GraphPCN) on the ``mlp`` family, read by
arithmetic on the layer number (model.families.Layers), for the concrete provers and for the
all-depth prover alike.  What "one" means here, each checked so that it can fail: PCN defines no
state equation of its own; Layers answers what the ``mlp`` graph answers, also at a symbolic
layer; a bug seeded in the engine changes the layered updates *and* the all-depth verdict; and
the layered and graph PCN make the same updates, exactly.  The work of a trajectory is linear
in depth (counted inference steps, never timed), while a user's own inference step is run at
every step it is asked for."""
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
from pcproof.model.families import Layers, LayerPoint
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


# -- one engine --------------------------------------------------------------------------------
#: the engine's state equations: the layered PCN and the all-depth prover's GenericPCN inherit them
ENGINE = ("x", "mu", "eps", "drive", "energy", "_args", "gated_eps")


def test_the_layered_pcn_is_the_graph_engine_with_no_state_equation_of_its_own():
    from pcproof.check.induction import GenericPCN
    assert issubclass(PCN, GraphPCN) and issubclass(GenericPCN, PCN)
    for name in ENGINE:
        assert name not in vars(PCN), f"PCN.{name} is a second copy of the engine's"
        if name not in ("x", "eps"):     # its two z3 states; their definitions run PCN.x, PCN.eps
            assert getattr(GenericPCN, name) is getattr(GraphPCN, name), name
    # the all-depth prover replaces the four states only; every other method is PCN's own
    assert {n for n in vars(GenericPCN) if callable(getattr(GenericPCN, n)) and not n.startswith("__")} \
        == {"x", "eps", "theta", "b", "rule_gate", "_read", "_cached"}


def test_bp_and_pc_run_on_one_layered_graph():
    """The layered BP (GraphANN) and PCN (GraphPCN) run on the same Layers object, made once."""
    from pcproof.rules import ANN
    arch = Architecture((2, 3, 1, 2), ACT, bias=True)
    p, ops = random_params(arch, random.Random(0)), RationalOps(ACT)
    run = ZIL().trajectory(arch, p, ops, Fraction(1, 10))
    assert isinstance(run.graph, Layers) and ANN(arch, p, ops).graph is run.graph
    assert ANN(arch, p, ops).x_bar(1) == run.x(1, 0)        # C1: the run starts at BP's x̄


@pytest.mark.parametrize("bias", [False, True])
def test_layers_answers_what_the_mlp_graph_answers(bias):
    widths = (2, 3, 1, 2)
    g, lay = mlp(ACT, widths=widths, bias=bias), Layers(len(widths) - 1, widths, bias)
    name = lambda l: f"x{l}"                                            # noqa: E731
    pname = lambda p: f"theta{p[1]}" if p[0] == "theta" else f"b{p[1]}"  # noqa: E731
    for l in range(len(widths) - 1):
        v, w = g.by_name[name(l)], lay.by_name[l]
        assert (v.primitive, v.parents, v.params, v.width) == \
            (w.primitive, tuple(map(name, w.parents)), tuple(map(pname, w.params)), w.width)
        assert g.children[name(l)] == tuple(map(name, lay.children[l]))
        assert g.distance[name(l)] == lay.distance[l]
        for p in w.params:
            assert g.users(pname(p)) == tuple(map(name, lay.users(p)))
            assert g.shapes[pname(p)] == lay.shapes[p]
    assert g.children[name(len(widths) - 1)] == tuple(map(name, lay.children[len(widths) - 1]))
    assert {pname(p): s for p, s in lay.param_shapes} == dict(g.param_shapes)
    # the parameters are the layered update keys, with their shapes
    arch = Architecture(widths, ACT, bias)
    assert dict(lay.param_shapes) == arch.update_shapes(random_params(arch, random.Random(0)))


def test_layers_answers_at_a_symbolic_layer_by_arithmetic():
    """Vertex l at a z3 layer: parents, children, parameters and the clamps are decided by the
    IndexSpace (under its assumptions), never looked up by the index."""
    import z3
    from pcproof.check.induction import IndexSpace, SymbolicIndexError
    space = IndexSpace(z3.Context())
    L, l = space.int("L"), space.int("l")
    lay, point = Layers(L, None, True), LayerPoint(_Sym(), L)
    space.assumptions = [L.term >= 2, l.term >= 1, l.term <= L.term - 1]
    v = lay.by_name[l]
    assert v.parents[0] == l + 1 and v.params[0][1] == l + 1 and v.params[1] == ("b", l)
    assert lay.children[l][0] == l - 1 and lay.distance[l] == l and lay.users(("theta", l + 1)) == (l,)
    assert l not in point.inputs and l not in point.targets       # hidden: 1 ≤ l ≤ L − 1
    assert L in point.inputs and (l - l) in point.targets
    space.assumptions = [L.term >= 1, l.term >= 0, l.term <= L.term]
    with pytest.raises(SymbolicIndexError, match="cannot decide"):      # l may be the input: undecided, never guessed
        l in point.inputs                                       # noqa: B015


class _Sym:
    theta = b = s_in = s_out = None
    extra: dict = {}


def test_a_bug_seeded_in_the_engine_changes_the_layered_updates(monkeypatch):
    """The layered PCN runs GraphPCN's own equations: flipping the sign of GraphPCN.eps changes
    its updates (and the layered Z-IL stops being BP)."""
    arch = Architecture((2, 3, 1, 2), ACT)
    p, ops, alpha = random_params(arch, random.Random(1)), RationalOps(ACT), Fraction(1, 10)
    from pcproof.rules import BP
    assert rule_updates(ZIL(), arch, p, ops, alpha) == rule_updates(BP(), arch, p, ops, alpha)
    own = GraphPCN.eps

    def flipped(self, v, t):
        e = own(self, v, t)
        return self.ops.scale(self.ops.number(-1), e)
    monkeypatch.setattr(GraphPCN, "eps", flipped)
    assert rule_updates(ZIL(), arch, p, ops, alpha) != rule_updates(BP(), arch, p, ops, alpha)


def test_a_bug_seeded_in_the_engine_is_seen_by_the_all_depth_prover(monkeypatch):
    """The all-depth prover runs the engine's code at a symbolic layer: a wrong prediction in
    GraphPCN.mu (μ = g_v + g_v) makes thm-3.1 no longer proved."""
    from pcproof.check.induction import prove_all_depths
    from pcproof.theorem import get
    U = get_activation("uninterpreted")
    assert prove_all_depths(get("thm-3.1"), activation=U).verdict == "proved"
    own = GraphPCN.mu

    def doubled(self, v, t):
        m = own(self, v, t)
        return self.ops.add(m, m)
    monkeypatch.setattr(GraphPCN, "mu", doubled)
    assert prove_all_depths(get("thm-3.1"), activation=U).verdict != "proved"
