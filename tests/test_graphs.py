"""Issue 10: PC and Z-IL on computational graphs (Salvatori et al., AAAI 2022).

The provers decide; these tests pin what they found, check the derived BP against
calculus, and check that the MLP family on the graph engine is docs/notation.md's network."""
from fractions import Fraction

import mpmath
import pytest
import sympy as sp

from pcproof.check.concrete import prove as prove_layered
from pcproof.check.graphs import prove, symbolic_instance
from pcproof.model import Architecture, get_activation
from pcproof.model.families import attention, cnn, mlp, residual, rnn
from pcproof.model.graph import Graph, GraphError, GraphPoint, Vertex, level, symbolic_point
from pcproof.numbers import SymbolicOps
from pcproof.rules.graph import GraphANN
from pcproof.theorem import Setting, get

U = get_activation("uninterpreted")
EPS, UPD = get("graph-eps"), get("graph-updates")


def test_distances_and_levelling():
    g = residual(U, blocks=3, width=2)
    assert not g.levelled
    # the skip x1 → x2 is two vertices shorter than x1 → h1 → y1 → x2
    assert g.distance["x1"] == g.distance["x2"] + 1 and g.longest["x1"] == g.longest["x2"] + 3
    lg = level(g)
    assert lg.levelled and all(lg.distance[v] == lg.longest[v] for v in lg.computed)
    assert sum(v.primitive == "identity" for v in lg.vertices) == 2 * (3 - 1)   # block 0's skip leaves the input
    assert mlp(U, 4, 2).levelled and rnn(U, 3, 2).levelled and not rnn(U, 3, 2, outputs="all").levelled


def _gates():
    """A small graph of the primitives no family uses: W x, f(x), x ⊙ y (a gated unit)."""
    from pcproof.model.graph import Graph, Vertex
    return Graph((Vertex("x", "input", width=2), Vertex("a", "linear", ("x",), ("W",), 2),
                  Vertex("h", "act", ("a",), (), 2), Vertex("g", "mul", ("h", "a"), (), 2),
                  Vertex("y", "dense", ("g",), ("V",), 1)),
                 ("y",), (("W", (2, 2)), ("V", (1, 2))), U, family="gates")


GRADIENT_CHECKED = [mlp(U, 2, 2, bias=True), residual(U, 1, 1), cnn(U, 4, 2), cnn(U, 3, 2, dims=2), rnn(U, 2, 1),
                    level(residual(U, 2, 1)), _gates(), cnn(U, 5, 2, pool=2), cnn(U, 4, 2, dims=2, pool=2)]
ATTENTION_GRADIENT_CHECKED = [attention(U, 2, 2), attention(U, 3, 2, out=1),
                              attention(U, 3, 2, out=1, heads=2, causal=True), attention(U, 3, 2, out=1, causal=True)]


def test_every_primitive_has_its_vjps_checked_against_derivatives():
    """Z-IL = BP on a graph cannot catch a wrong VJP (both are derived from the same lines), so
    "BP" is reverse differentiation only if each primitive's VJPs are its value's derivatives:
    the two gradient tests below must reach every primitive in the registry."""
    from pcproof.rules.primitives import PRIMITIVES
    reached = {v.primitive for g in GRADIENT_CHECKED + ATTENTION_GRADIENT_CHECKED for v in g.vertices if not v.is_input}
    assert set(PRIMITIVES) <= reached, sorted(set(PRIMITIVES) - reached)


@pytest.mark.parametrize("graph", GRADIENT_CHECKED,
                         ids=["mlp", "residual", "cnn", "cnn2d", "rnn", "levelled-residual", "gates", "cnn-pool",
                              "cnn2d-pool"])
def test_bp_on_the_graph_is_minus_alpha_grad_of_the_loss(graph):
    """Reverse mode, derived from the primitives' VJPs, against sympy's own derivative of E."""
    act = get_activation("tanh")
    from dataclasses import replace
    g = replace(graph, activation=act)
    ops = SymbolicOps(act, atoms=False)
    point = symbolic_point(g)
    ann = GraphANN(g, point, ops)
    E = sum(sum((sp.sympify(s) - sp.sympify(x)) ** 2 for s, x in zip(point.targets[o], ann.x_bar[o])) / 2
            for o in g.outputs)
    alpha = sp.Symbol("alpha")
    upd = ann.updates(alpha)
    syms = sorted(E.free_symbols, key=str)
    at = [mpmath.mpf(sum(map(ord, s.name)) % 17 - 8) / 8 for s in syms]
    for name, val in point.theta.items():
        flat_p = [c for r in val for c in (r if isinstance(r, tuple) else (r,))]
        flat_u = [c for r in upd[name] for c in (r if isinstance(r, tuple) else (r,))]
        for p, u in zip(flat_p, flat_u):
            with mpmath.workdps(40):
                got = sp.lambdify([alpha] + syms, sp.sympify(u), "mpmath")(mpmath.mpf("0.1"), *at)
                want = sp.lambdify([alpha] + syms, -alpha * sp.diff(E, p), "mpmath")(mpmath.mpf("0.1"), *at)
                assert abs(got - want) < mpmath.mpf(10) ** -30, (name, p)


def test_the_mlp_family_is_maths_network():
    """BP and Z-IL on the graph MLP make the layered engine's updates, exactly, at random points."""
    import random
    from pcproof.model import random_params
    from pcproof.numbers import RationalOps
    from pcproof.rules import BP, ZIL, rule_updates
    from pcproof.rules.graph import GraphZIL
    act = get_activation("poly")
    arch = Architecture((2, 3, 1, 2), act, bias=True)
    g = mlp(act, widths=arch.widths, bias=True)
    ops = RationalOps(act)
    for seed in range(3):
        p = random_params(arch, random.Random(seed))
        point = GraphPoint({**{f"theta{k}": W for k, W in p.theta.items()}, **{f"b{l}": b for l, b in p.b.items()}},
                           {f"x{arch.L}": p.s_in}, {"x0": p.s_out})
        alpha = Fraction(1, 10)
        for layered, graph_rule in ((BP(), None), (ZIL(), GraphZIL())):
            a = rule_updates(layered, arch, p, ops, alpha)
            b = GraphANN(g, point, ops).updates(alpha) if graph_rule is None else \
                rule_updates(graph_rule, g, point, ops, alpha)
            for (kind, i), val in a.items():
                assert b[f"theta{i}" if kind == "theta" else f"b{i}"] == val


@pytest.mark.parametrize("graph", [mlp(U, 4, 2), mlp(U, 3, 2, bias=True), level(residual(U, 3, 2)),
                                   cnn(U, 5, 2), cnn(U, 3, 2, dims=2)],
                         ids=["mlp", "mlp-bias", "residual-levelled", "cnn", "cnn2d"])
@pytest.mark.parametrize("theorem", [EPS, UPD], ids=lambda t: t.name)
def test_levelled_graphs_are_proved(graph, theorem):
    v = prove(theorem, graph)
    assert v.verdict == "proved", v
    assert v.conditions["levelled"]


@pytest.mark.parametrize("theorem", [EPS, UPD], ids=lambda t: t.name)
def test_a_skip_connection_is_refuted_and_levelling_restores_it(theorem):
    g = residual(U, blocks=4, width=2)
    v = prove(theorem, g)
    assert v.verdict == "refuted" and not v.conditions["levelled"]
    assert v.counterexample["system"] in ("rational", "arb")
    assert prove(theorem, level(g)).verdict == "proved"


@pytest.mark.parametrize("schedule,verdict", [("immediate", "refuted"), ("deferred", "proved")])
def test_shared_rnn_weights_depend_on_when_updates_apply(schedule, verdict):
    """θ and U are used at every step, at distances 1 … T: applied at once, the updates made at
    t = 1 change the predictions the later errors are measured against."""
    g = rnn(U, steps=3, width=2)
    assert prove(UPD, g, Setting(shared_updates=schedule)).verdict == verdict


def test_an_rnn_with_a_loss_at_every_step_is_not_levelled_and_is_refuted():
    g = rnn(U, steps=3, width=2, outputs="all")
    for schedule in ("immediate", "deferred"):
        assert prove(UPD, g, Setting(shared_updates=schedule)).verdict == "refuted"


@pytest.mark.parametrize("setting", [Setting(update_offset=1), Setting(init_noise=True),
                                     Setting(gamma=Fraction(1, 2))], ids=["C2", "C1", "C3"])
def test_each_broken_condition_is_refuted_on_a_levelled_graph(setting):
    assert prove(UPD, level(residual(U, 2, 2)), setting).verdict == "refuted"


@pytest.mark.parametrize("make,text", [
    (lambda: Graph((Vertex("a", "input"), Vertex("b", "identity", ("c",)), Vertex("c", "identity", ("b",))),
                   ("c",), (), U), "cycle"),
    (lambda: Graph((Vertex("a", "input"), Vertex("b", "identity", ("a",)), Vertex("c", "identity", ("a",))),
                   ("c",), (), U), "no path"),
    (lambda: Graph((Vertex("a", "input", width=2), Vertex("b", "dense", ("a",), ("W",), 3)),
                   ("b",), (("W", (3, 3)),), U), "shape"),
    (lambda: Graph((Vertex("a", "input"), Vertex("b", "softsign", ("a",))), ("b",), (), U), "unknown primitive"),
])
def test_bad_graphs_are_one_clear_error(make, text):
    with pytest.raises(GraphError, match=text):
        make()


# -- attention ------------------------------------------------------------------------------
def test_the_symbolic_exp_is_exact():
    """exp is an atom standing for sympy's exp (no float enters), exp(0) is the number 1."""
    ops = SymbolicOps(U)
    a = sp.Symbol("a", real=True)
    e = ops.exp((ops.number(a), ops.number(0), ops.number(Fraction(1, 2))))
    assert [ops.view(c) for c in e] == [sp.exp(a), 1, sp.exp(sp.Rational(1, 2))]
    assert not ops.inexact()
    r = ops.recip(ops.add(e, e))   # 1/(2 e^a): a Laurent monomial in the atom, exact
    assert sp.simplify(ops.view(ops.tidy(r[0] * e[0] * 2)) - 1) == 0


@pytest.mark.parametrize("graph", ATTENTION_GRADIENT_CHECKED, ids=["2x2", "3x2", "3x2-heads2-causal", "3x2-causal"])
def test_bp_through_attention_is_minus_alpha_grad_of_the_loss(graph):
    """Reverse mode through tokens, matmul and softmax against central differences of E,
    which read only the primitives' values (at 60 digits, step 10^-25: error ~10^-50)."""
    import random
    from dataclasses import replace
    from pcproof.model.graph import random_point
    from pcproof.numbers import MpmathOps
    act = get_activation("tanh")
    g = replace(graph, activation=act)
    ops = MpmathOps(act, digits=60)
    point = random_point(g, random.Random(1)).map(ops.number)
    alpha = ops.number(1)
    upd = GraphANN(g, point, ops).updates(alpha)

    def loss(p):
        xb = GraphANN(g, p, ops).x_bar
        return sum(ops.sqnorm(ops.sub(p.targets[o], xb[o])) for o in g.outputs) / 2
    h = ops.ctx.mpf(10) ** -25
    for name, val in point.theta.items():
        for i, row in enumerate(val):
            for j, _ in enumerate(row):
                def at(dx):
                    th = dict(point.theta)
                    th[name] = tuple(tuple(c + dx if (a, b) == (i, j) else c for b, c in enumerate(r))
                                     for a, r in enumerate(val))
                    return loss(GraphPoint(th, point.inputs, point.targets))
                grad = (at(h) - at(-h)) / (2 * h)
                assert abs(upd[name][i][j] + grad) < ops.ctx.mpf(10) ** -35, (name, i, j)


@pytest.mark.parametrize("graph", [attention(U, 2, 2), attention(U, 3, 2), attention(U, 2, 4, out=1)],
                         ids=["2x2", "3x2", "2x4"])
@pytest.mark.parametrize("theorem", [EPS, UPD], ids=lambda t: t.name)
def test_an_attention_block_is_levelled_and_proved(graph, theorem):
    assert graph.levelled
    v = prove(theorem, graph)
    assert v.verdict == "proved", v


@pytest.mark.parametrize("act", ["uninterpreted", "identity"])
def test_attention_with_c2_broken_is_refuted_in_balls(act):
    """A softmax leaves the rationals whatever f is, so the witness is an arb ball excluding 0
    (with f = identity too, which would otherwise be tried in exact rationals)."""
    v = prove(UPD, attention(get_activation(act), 2, 2), Setting(update_offset=1))
    assert v.verdict == "refuted" and v.counterexample["system"] == "arb"


# -- multi-head attention and a causal mask ------------------------------------------------------
def test_the_causal_softmax_is_a_softmax_over_the_allowed_positions():
    """Row i of A is the softmax of S's row i over j ≤ i and exactly 0 after: against numpy's
    softmax of the scores with −∞ on the masked ones (floats, here only), and symbolically the
    masked entries are the number 0 and row 0 is the number 1 (no −∞, no float)."""
    import numpy as np
    from pcproof.numbers import NumpyOps
    from pcproof.rules.primitives import CAUSAL_SOFTMAX
    T = 4
    v = Vertex("A", "causal_softmax", ("S",), (), T * T, (T,))
    S = np.random.default_rng(0).normal(size=(T, T))
    got = np.array(CAUSAL_SOFTMAX.value(NumpyOps(get_activation("tanh")), (tuple(S.ravel()),), (), v)).reshape(T, T)
    masked = np.where(np.tril(np.ones((T, T))) > 0, S, -np.inf)
    want = np.exp(masked) / np.exp(masked).sum(axis=1, keepdims=True)
    assert np.allclose(got, want, rtol=1e-14, atol=0) and (got[np.triu_indices(T, 1)] == 0).all()
    ops = SymbolicOps(U)
    s = [ops.number(sp.Symbol(f"s{k}", real=True)) for k in range(T * T)]
    A = CAUSAL_SOFTMAX.value(ops, (tuple(s),), (), v)
    assert all(ops.view(A[i * T + j]) == 0 for i in range(T) for j in range(i + 1, T))
    assert ops.view(ops.tidy(A[0])) == 1


def test_multi_head_attention_is_built_of_heads_and_a_concatenation():
    g = attention(U, 3, 4, heads=2, causal=True)
    assert [v.name for v in g.vertices if v.primitive == "causal_softmax"] == ["A1", "A2"]
    assert g.by_name["O"].primitive == "concat" and g.by_name["O"].parents == ("O1", "O2")
    assert g.shapes["W_q1"] == (2, 4) and g.by_name["S1"].attrs == (3, 2, 3, True, Fraction(1, 2))
    assert g.levelled and g.distance["Q1"] == g.distance["Q2"] == 5 and g.distance["V2"] == 3
    assert [v.name for v in attention(U, 2, 2, heads=1).vertices] == ["x", "Q", "K", "V", "S", "A", "O", "y"]


@pytest.mark.parametrize("graph", [attention(U, 2, 2, heads=2, causal=True), attention(U, 3, 4, heads=2, causal=True),
                                   attention(U, 3, 4, heads=2), attention(U, 4, 4, heads=4, causal=True)],
                         ids=["2x2-h2-causal", "3x4-h2-causal", "3x4-h2", "4x4-h4-causal"])
@pytest.mark.parametrize("theorem", [EPS, UPD], ids=lambda t: t.name)
def test_multi_head_causal_attention_is_levelled_and_proved(graph, theorem):
    assert graph.levelled
    v = prove(theorem, graph)
    assert v.verdict == "proved", v


def test_the_mask_stops_errors_at_the_softmax_not_before():
    """docs/graphs.md's account of why the mask changes nothing: under Z-IL the masked entries of
    A carry errors at t = d(A) (A is a vertex like any other), the causal softmax sends none back,
    so the masked scores' error nodes are still 0 at t = d(S) and move only at t = d(S) + 1."""
    T = 3
    g = attention(U, T, 2, heads=2, causal=True)
    inst = symbolic_instance(UPD, g, Setting())
    pcn, ops = inst.pcn, inst.ops

    def nonzero(v, t):
        return {k for k, c in enumerate(pcn.eps(v, t)) if ops.tidy(c) != 0}
    masked = {i * T + j for i in range(T) for j in range(i + 1, T)}
    dA, dS = g.distance["A1"], g.distance["S1"]
    assert masked <= nonzero("A1", dA)
    assert all(not nonzero("S1", t) & masked for t in range(dS + 1)) and nonzero("S1", dS) - masked
    assert masked <= nonzero("S1", dS + 1)


@pytest.mark.parametrize("theorem", [EPS, UPD], ids=lambda t: t.name)
def test_multi_head_causal_attention_with_a_skip_is_refuted_and_levelling_restores_it(theorem):
    g = attention(U, 2, 2, heads=2, causal=True, skip=True)
    assert not g.levelled
    v = prove(theorem, g)
    assert v.verdict == "refuted" and v.counterexample["system"] == "arb", v
    assert prove(theorem, level(g)).verdict == "proved"


def test_multi_head_causal_attention_with_c2_broken_is_refuted_in_balls():
    v = prove(UPD, attention(U, 2, 2, heads=2, causal=True), Setting(update_offset=1))
    assert v.verdict == "refuted" and v.counterexample["system"] == "arb"


def test_heads_and_causal_on_the_command_line(capsys):
    import json
    from pcproof.cli import main
    for argv, code, verdict in ((["--heads", "2", "--causal"], 0, "proved"),
                                (["--heads", "2", "--causal", "--skip"], 1, "refuted")):
        with pytest.raises(SystemExit) as exc:
            main(["prove", "graph-updates", "--model", "attention", "--json", *argv])
        out, _ = capsys.readouterr()
        assert exc.value.code == code and json.loads(out)["verdict"] == verdict
        assert "heads=2, causal" in json.loads(out)["model"]


@pytest.mark.parametrize("argv,text", [
    (["--model", "attention", "--heads", "3"], "heads ≥ 1 dividing dim, got heads=3, dim=2"),
    (["--model", "attention", "--heads", "0"], "'--heads': 0 is not in the range 1<=x<=64"),
    (["--model", "attention", "--heads", "-2", "--dim", "4"], "'--heads': -2 is not in the range"),
    (["--model", "residual", "--heads", "2"], "--heads do not apply to --model residual"),
    (["--model", "cnn", "--causal"], "--causal do not apply to --model cnn"),
])
def test_bad_heads_are_one_line_and_exit_2(capsys, argv, text):
    """(heads < 1 stops at the option: 0 would otherwise read as "not given", the default 1.)"""
    from pcproof.cli import main
    with pytest.raises(SystemExit) as exc:
        main(["prove", "graph-updates", *argv])
    out, err = capsys.readouterr()
    assert exc.value.code == 2 and not out
    assert err.count("\n") == 1 and err.startswith("pcproof: error: ") and text in err, err


# -- bad input on the command line: one line, exit 2, never a traceback -------------------------
BUILDERS = '''
from pcproof.model.graph import Graph, Vertex
def cycle(act, **kw):
    return Graph((Vertex("a", "input"), Vertex("b", "identity", ("c",)), Vertex("c", "identity", ("b",))), ("c",), (), act)
def lost(act, **kw):
    return Graph((Vertex("a", "input"), Vertex("b", "identity", ("a",)), Vertex("c", "identity", ("a",))), ("c",), (), act)
def shapes(act, **kw):
    return Graph((Vertex("a", "input", width=2), Vertex("b", "dense", ("a",), ("W",), 3)), ("b",), (("W", (3, 3)),), act)
def product(act, **kw):   # a 2×2 times 3×1 product
    return Graph((Vertex("a", "input", width=4), Vertex("c", "input", width=3),
                  Vertex("b", "matmul", ("a", "c"), (), 2, (2, 2, 1, False, 1))), ("b",), (), act)
def unknown(act, **kw):
    return Graph((Vertex("a", "input"), Vertex("b", "softsign", ("a",))), ("b",), (), act)
def raises(act, **kw):
    return [1][3]
def no_activation():
    return None
def not_a_graph(act, **kw):
    return 3
'''


@pytest.mark.parametrize("builder,text", [
    ("cycle", "cycle"), ("lost", "no path to an output"), ("shapes", "needs (3, 2)"),
    ("product", "does not fit"), ("unknown", "unknown primitive 'softsign'"),
    ("raises", "builders.py:15 (raises) raised IndexError"), ("no_activation", "must accept (activation"),
    ("not_a_graph", "not a pcproof.model.graph.Graph"), ("absent", "defines no builder named 'absent'"),
])
def test_a_bad_graph_on_the_command_line_is_one_line_and_exit_2(tmp_path, capsys, builder, text):
    from pcproof.cli import main
    f = tmp_path / "builders.py"
    f.write_text(BUILDERS)
    with pytest.raises(SystemExit) as exc:
        main(["prove", "graph-updates", "--model", f"{f}:{builder}"])
    out, err = capsys.readouterr()
    assert exc.value.code == 2 and not out
    assert err.count("\n") == 1 and err.startswith("pcproof: error: ") and text in err, err
    assert "Traceback" not in err


def test_graph_figure_is_drawn_and_colours_by_distance(tmp_path):
    from pcproof.report.graph_figure import graph_figure
    for g in (residual(U, 2, 2), level(residual(U, 2, 2)), attention(U, 2, 2)):
        out = graph_figure(g, tmp_path / "g.png")
        assert out.stat().st_size > 5000 and out.read_bytes()[:4] == b"\x89PNG"
    out = graph_figure(mlp(U, 2, 1), tmp_path / "g.svg")
    text = out.read_text()
    assert "d=0" in text and "d=1" in text and "input" in text   # labels: primitive and d(v)


@pytest.mark.parametrize("theorem", [EPS, UPD], ids=lambda t: t.name)
def test_attention_with_a_residual_skip_is_refuted_and_levelling_restores_it(theorem):
    g = attention(U, 2, 2, skip=True)
    assert not g.levelled
    v = prove(theorem, g)
    assert v.verdict == "refuted" and v.counterexample["system"] == "arb", v
    assert prove(theorem, level(g)).verdict == "proved"


def test_attention_on_the_command_line(capsys):
    import json
    from pcproof.cli import main
    for argv, code, verdict in ((["--tokens", "3", "--dim", "2"], 0, "proved"), (["--skip"], 1, "refuted"),
                                (["--skip", "--level"], 0, "proved")):
        with pytest.raises(SystemExit) as exc:
            main(["prove", "graph-eps", "--model", "attention", "--json", *argv])
        out, _ = capsys.readouterr()
        assert exc.value.code == code and json.loads(out)["verdict"] == verdict


def test_a_layered_rule_on_a_graph_theorem_is_one_line_and_exit_2(tmp_path, capsys):
    """A PCRule's hooks speak of layers: on a graph it is bad input, not an internal error."""
    from pcproof.cli import main
    f = tmp_path / "layered.py"
    f.write_text("from pcproof.rules import ZIL\n\n\nclass MyRule(ZIL):\n    pass\n")
    with pytest.raises(SystemExit) as exc:
        main(["prove", "graph-updates", "--model", "residual", "--blocks", "2", "--rule", f"{f}:MyRule"])
    out, err = capsys.readouterr()
    assert exc.value.code == 2 and not out
    assert err.count("\n") == 1 and "'MyRule' is a layered PC rule" in err and "GraphPCRule" in err, err


# -- average pooling in the CNN ------------------------------------------------------------------
def test_pooling_windows_and_a_pooled_cnn_proved_and_refuted_without_c2():
    from pcproof.model.families import pool_index
    assert pool_index((5,), 2) == ((0, 0), (0, 1), (1, 2), (1, 3))            # the last entry fits no window
    assert pool_index((4, 4), 2)[:4] == ((0, 0), (0, 1), (0, 4), (0, 5))       # the top-left 2×2 window
    g = cnn(U, 5, 2, dims=2, pool=2)
    assert g.levelled and g.by_name["p"].width == 4
    assert prove(UPD, g).verdict == "proved"
    assert prove(UPD, g, Setting(update_offset=1)).verdict == "refuted"
    with pytest.raises(GraphError):
        cnn(U, 5, 2, pool=5)
