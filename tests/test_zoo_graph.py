"""The zoo on computational graphs (issue 13, docs/zoo.md "On graphs"): feedback alignment on a
graph checked against BP's reverse mode at exact rationals and against its defining equation,
the kernel's card on a graph (exact under B = θᵀ, refuted without it; Z-IL exact on a levelled
graph and not BP on an unlevelled one), seeded bugs that flip a verdict, and the command line."""
from __future__ import annotations

import json
import random
import subprocess
import sys
from fractions import Fraction

import pytest

from pcproof import kernel
from pcproof.check.graph_judge import (FEEDBACK_TRANSPOSE, graph_point, judge_graph_condition,
                                       prove_graph_updates)
from pcproof.check.validate import validate_graph
from pcproof.check.zoo_graph import GRAPH_ZOO
from pcproof.model import get_activation
from pcproof.model.families import attention, cnn, mlp, residual, rnn
from pcproof.model.graph import level
from pcproof.numbers import RationalOps
from pcproof.rules import rule_updates
from pcproof.rules.graph import GraphANN, GraphZIL
from pcproof.rules.zoo.graph_fa import FeedbackReverse, GraphFA, feedback_shapes, transpose

U = get_activation("uninterpreted")
POLY = get_activation("poly")          # polynomial: every value an exact rational
ALPHA = Fraction(1, 10)


def _transposed(graph, point):
    """The point with B := θᵀ imposed by hand (independent of graph_judge's substitution)."""
    point.matrices = {"B": {p: transpose(point.theta[p]) for p in point.matrices["B"]}}
    return point


GRAPHS = [lambda f: mlp(f, 3, 2), lambda f: mlp(f, widths=(2, 3, 1)), lambda f: residual(f, 2, 2),
          lambda f: rnn(f, 3, 2), lambda f: rnn(f, 2, 2, outputs="all"), lambda f: cnn(f)]


# -- the rule: which weights get a feedback matrix, and the swap ----------------------------
def test_feedback_matrices_have_the_shape_of_theta_transposed_and_only_where_an_error_flows():
    g = residual(U, 2, 3, out=2)
    # h0 reads the input x0: θ0a sends no error, so it has no B (the layered FA's B^1 … B^{L−1})
    assert feedback_shapes(g) == {"theta0b": (3, 3), "theta1a": (3, 3), "theta1b": (3, 3), "theta_out": (3, 2)}
    assert feedback_shapes(mlp(U, widths=(2, 3, 4))) == {"theta1": (3, 2)}
    assert feedback_shapes(rnn(U, 3, 2)) == {"theta": (2, 2), "V": (2, 2)}   # one B for the shared θ; U reads inputs
    assert GraphFA.matrices(g) == {"B": feedback_shapes(g)}


@pytest.mark.parametrize("build", GRAPHS)
def test_fa_with_B_equal_theta_transposed_is_bp_at_exact_rationals(build):
    g = build(POLY)
    ops = RationalOps(POLY)
    for seed in range(3):
        p = _transposed(g, graph_point(g, GraphFA(), random.Random(seed)))
        assert rule_updates(GraphFA(), g, p, ops, ALPHA) == GraphANN(g, p, ops).updates(ALPHA)


@pytest.mark.parametrize("build", GRAPHS[:5])
def test_fa_with_its_own_B_is_not_bp_at_exact_rationals(build):
    g = build(POLY)
    ops = RationalOps(POLY)
    p = graph_point(g, GraphFA(), random.Random(0))
    assert rule_updates(GraphFA(), g, p, ops, ALPHA) != GraphANN(g, p, ops).updates(ALPHA)


def _defining_equation(rule, seed=4):
    """FA's δ on the mlp family against δ^l = f'(x̄^l) ⊙ B^l δ^{l−1} (Lillicrap et al. 2016), by hand."""
    g = mlp(POLY, widths=(2, 3, 2, 2))
    ops = RationalOps(POLY)
    p = graph_point(g, rule, random.Random(seed))
    fa = rule.reverse(g, p, ops)
    d0 = ops.sub(p.targets["x0"], fa.x_bar["x0"])
    B = p.matrices["B"]
    d1 = ops.mul(ops.df(fa.x_bar["x1"]), ops.matvec(B["theta1"], d0))
    d2 = ops.mul(ops.df(fa.x_bar["x2"]), ops.matvec(B["theta2"], d1))
    return (fa.delta["x0"], fa.delta["x1"], fa.delta["x2"]) == (d0, d1, d2)


def test_fa_defining_equation_on_an_mlp_graph():
    assert _defining_equation(GraphFA())


def test_fa_on_attention_is_bp_under_B_equal_theta_transposed_in_balls():
    """Attention leaves the rationals (softmax's exp): compared in arb balls that must agree."""
    from pcproof.numbers.arb import ArbOps
    g = attention(POLY, skip=True)
    ops = ArbOps(POLY, 60)
    p = _transposed(g, graph_point(g, GraphFA(), random.Random(2))).map(ops.number)
    fa, bp = rule_updates(GraphFA(), g, p, ops, ops.number(ALPHA)), GraphANN(g, p, ops).updates(ops.number(ALPHA))
    flat = lambda v: [c for r in v for c in (r if isinstance(r, tuple) else (r,))]  # noqa: E731
    for name in bp:
        for a, b in zip(flat(fa[name]), flat(bp[name])):
            assert (a - b).contains(0) and abs(float((a - b).mid())) < 1e-40


# -- the kernel's judgements on a graph --------------------------------------------------------
@pytest.mark.parametrize("graph", [residual(U, 2, 2), rnn(U, 3, 2)], ids=["residual", "rnn"])
def test_fa_is_exact_under_B_equal_theta_transposed_and_refuted_without(graph):
    plain = prove_graph_updates(GraphFA(), graph)
    assert plain.verdict == kernel.REFUTED and plain.counterexample["system"] in kernel.RIGOROUS
    j = judge_graph_condition(GraphFA(), graph, FEEDBACK_TRANSPOSE, plain)
    assert j.kind == kernel.EXACT_UNDER, j.statement
    assert [e["verdict"] for e in j.evidence] == [kernel.PROVED, kernel.REFUTED, kernel.REFUTED]  # under, without, vacuity
    assert "B=theta^T" in j.evidence[0]["hypotheses"] and not j.evidence[1]["hypotheses"]


def test_fa_refutation_is_rechecked_at_exact_rationals():
    """The kernel's witnesses come from rigorous systems; at a polynomial f they are rationals."""
    g = residual(POLY, 1, 2)
    v = prove_graph_updates(GraphFA(), g)
    assert v.verdict == kernel.REFUTED and v.counterexample["system"] == "rational"


def test_graph_zil_card_exact_when_levelled_and_not_bp_when_not():
    g = residual(U, 2, 2)
    exact = validate_graph(GraphZIL(), level(g), GRAPH_ZOO["z-il"])
    assert exact.headline.kind == kernel.EXACT and exact.exit_code == 0
    assert "on residual blocks=2, levelled" in exact.headline.statement and "every depth" not in exact.headline.statement
    broken = validate_graph(GraphZIL(), g, GRAPH_ZOO["z-il"])
    assert broken.headline.kind == kernel.NOT_BP and broken.exit_code == 1 and broken.smallest


# -- seeded bugs flip the verdict -----------------------------------------------------------------
class TransposedB(GraphFA):
    """Bug: the vjp reads B where it should read Bᵀ (so θᵀ → Bᵀ)."""

    name = "fa-transposed-B"

    def reverse(self, graph, point, ops):
        return FeedbackReverse(graph, point, ops, {p: transpose(B) for p, B in point.matrices["B"].items()})


class OneVertexOnly(GraphFA):
    """Bug: the feedback matrix is swapped in at one weight only; the others keep θᵀ."""

    name = "fa-one-vertex"

    def reverse(self, graph, point, ops):
        first = next(iter(point.matrices["B"]))
        return FeedbackReverse(graph, point, ops, {first: point.matrices["B"][first]})


class NoFeedback(GraphFA):
    """Bug: B is never read (the reverse pass is BP's)."""

    name = "fa-no-feedback"

    def reverse(self, graph, point, ops):
        return FeedbackReverse(graph, point, ops, {})


def test_seeded_transposed_B_is_not_bp_even_under_the_condition():
    card = validate_graph(TransposedB(), residual(U, 2, 2), GRAPH_ZOO["fa"])
    assert card.headline.kind == kernel.NOT_BP
    assert any(j.condition and j.condition["name"] == "B=theta^T" and j.kind == kernel.NOT_BP for j in card.judgements)
    assert validate_graph(GraphFA(), residual(U, 2, 2), GRAPH_ZOO["fa"]).headline.kind == kernel.EXACT_UNDER


def test_seeded_feedback_at_one_vertex_breaks_the_defining_equation():
    assert not _defining_equation(OneVertexOnly())


def test_seeded_rule_that_ignores_B_is_plain_exact_not_exact_under():
    """The refutation without the condition is checked, not assumed: BP in FA's clothes is 'exact'."""
    card = validate_graph(NoFeedback(), residual(U, 1, 2), GRAPH_ZOO["fa"])
    assert card.headline.kind == kernel.EXACT and not card.exact_under()


# -- the command line -------------------------------------------------------------------------------
def _run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "pcproof", *args], capture_output=True, text=True, cwd=cwd)


def test_cli_validate_fa_on_a_residual_graph(tmp_path):
    r = _run("validate", "--rule", "fa", "--model", "residual", "--blocks", "2", "--width", "2", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    card = json.loads(r.stdout)
    assert card["verdict"] == kernel.EXACT_UNDER and card["exact_under"][0]["name"] == "B=theta^T"
    assert card["model"].startswith("residual blocks=2") and card["model"].endswith("width 2")
    # the same family at width 1 is tried first: the smallest counterexample is there
    assert card["smallest_counterexample"]["model"].endswith("width 1")
    assert (tmp_path / "reports" / "validate-fa-residual.md").is_file()


def test_cli_validate_a_users_graph_rule(tmp_path):
    (tmp_path / "mine.py").write_text(
        "from pcproof.rules.zoo.graph_fa import GraphFA\n"
        "class MyFA(GraphFA):\n    name = 'my-fa'\n", encoding="utf-8")
    r = _run("validate", "mine.py:MyFA", "--model", "rnn", "--steps", "2", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "exact under B = θᵀ" in r.stdout and "rnn steps=2" in r.stdout


@pytest.mark.parametrize("args, message", [
    (("--rule", "nosuch", "--model", "mlp"), "unknown zoo rule 'nosuch' on a graph"),
    (("--rule", "dfa", "--model", "residual"), "runs on the layered network only"),
    (("--rule", "fa", "--blocks", "2"), "describes a graph: give --model"),
    (("--rule", "fa", "--model", "nosuch"), "unknown model"),
])
def test_cli_validate_bad_graph_input_is_one_line_exit_2(args, message, tmp_path):
    r = _run("validate", *args, cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and message in r.stderr, r.stderr


def test_cli_validate_a_users_layered_rule_on_a_graph_is_one_line_exit_2(tmp_path):
    (tmp_path / "mine.py").write_text(
        "from pcproof.rules import Rule\nfrom pcproof.rules.zoo import FA\n"
        "class MyFA(FA):\n    name = 'mine'\n"
        "class Layers(Rule):\n    name = 'layers'\n"
        "    @classmethod\n    def matrices(cls, arch):\n        return {'B': {l: (l, l - 1) for l in range(1, arch.L)}}\n"
        "    def updates(self, model, point, ops, alpha):\n        return {}\n", encoding="utf-8")
    for target, message in (("mine.py:MyFA", "is a layered rule (a FA)"), ("mine.py:Layers", "matrices(graph) failed")):
        r = _run("validate", target, "--model", "residual", cwd=tmp_path)
        assert r.returncode == 2 and r.stderr.count("\n") == 1 and message in r.stderr, r.stderr


def test_cli_zoo_has_graph_rows(tmp_path):
    r = _run("zoo", "--only", "z-il", "--no-align", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "On graphs" in r.stdout
    page = (tmp_path / "out" / "zoo.md").read_text(encoding="utf-8")
    rows = [line for line in page.splitlines() if line.startswith("| z-il | residual")]
    assert len(rows) == 2 and "| proved |" in rows[0] and "| not BP |" in rows[1]


# -- relaxed PC with learned backward weights on a graph --------------------------------------------
def test_relaxed_pc_learned_makes_fa_updates_on_a_levelled_graph():
    """Z-IL's wavefront with B in the drive reaches FA's δ_v at t = d(v) (exact rationals)."""
    from pcproof.rules.zoo.graph_relaxed_pc import GraphRelaxedPC
    ops = RationalOps(POLY)
    for g, rule in ((mlp(POLY, widths=(2, 3, 2, 2)), GraphRelaxedPC()), (level(residual(POLY, 2, 2)), GraphRelaxedPC()),
                    (rnn(POLY, 3, 2), GraphRelaxedPC(shared_updates="deferred"))):
        p = graph_point(g, GraphFA(), random.Random(3))
        assert rule_updates(rule, g, p, ops, ALPHA) == rule_updates(GraphFA(), g, p, ops, ALPHA)
        assert rule_updates(rule, g, p, ops, ALPHA) != GraphANN(g, p, ops).updates(ALPHA)


def test_relaxed_pc_learned_card_exact_under_B_when_levelled_not_bp_even_under_it_when_not():
    from pcproof.rules.zoo.graph_relaxed_pc import GraphRelaxedPC
    entry = GRAPH_ZOO["relaxed-pc-learned"]
    assert validate_graph(GraphRelaxedPC(), level(residual(U, 2, 2)), entry).headline.kind == kernel.EXACT_UNDER
    card = validate_graph(GraphRelaxedPC(), residual(U, 2, 2), entry)
    assert card.headline.kind == kernel.NOT_BP
    assert [j.kind for j in card.judgements if j.condition] == [kernel.NOT_BP]


def test_cli_validate_shared_updates(tmp_path):
    r = _run("validate", "--rule", "z-il", "--model", "rnn", "--shared-updates", "deferred", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["model"].endswith("shared parameters updated deferred")
    r = _run("validate", "--rule", "z-il", "--model", "rnn", "--json", cwd=tmp_path)
    assert r.returncode == 1 and json.loads(r.stdout)["verdict"] == kernel.NOT_BP
    r = _run("validate", "--rule", "fa", "--model", "rnn", "--shared-updates", "deferred", cwd=tmp_path)
    assert r.returncode == 2 and "not a PC rule" in r.stderr


def test_fa_on_a_convolution_reads_a_feedback_kernel():
    """A conv after a hidden vertex: its vjp builds Tᵀ from the feedback kernel b (b = k is BP)."""
    from pcproof.model.families import conv_index
    from pcproof.model.graph import Graph, Vertex
    g = Graph((Vertex("x", "input", width=3), Vertex("h", "dense", ("x",), ("theta_h",), 5),
               Vertex("c", "conv", ("h",), ("k",), 4, conv_index((5,), (2,))),
               Vertex("out", "dense", ("c",), ("theta_out",), 2)),
              ("out",), (("theta_h", (5, 3)), ("k", (2,)), ("theta_out", (2, 4))), POLY)
    assert feedback_shapes(g) == {"k": (2,), "theta_out": (4, 2)}
    ops = RationalOps(POLY)
    p = graph_point(g, GraphFA(), random.Random(5))
    assert rule_updates(GraphFA(), g, p, ops, ALPHA) != GraphANN(g, p, ops).updates(ALPHA)
    p.matrices = {"B": {"k": p.theta["k"], "theta_out": transpose(p.theta["theta_out"])}}
    assert rule_updates(GraphFA(), g, p, ops, ALPHA) == GraphANN(g, p, ops).updates(ALPHA)
    assert prove_graph_updates(GraphFA(), g, FEEDBACK_TRANSPOSE).verdict == kernel.PROVED


def test_a_feedback_matrix_named_like_a_parameter_is_refused_not_tied_to_it():
    """B for θ is the symbol family B_theta_*: a graph parameter called B_theta would make B and
    that parameter one symbol, a proof at a point that is not generic; refused, one line."""
    from pcproof.model.graph import Graph, GraphError, Vertex
    g = Graph((Vertex("x", "input", width=1), Vertex("h", "dense", ("x",), ("B_theta",), 1),
               Vertex("y", "dense", ("h",), ("theta",), 1)), ("y",), (("B_theta", (1, 1)), ("theta", (1, 1))), U)
    with pytest.raises(GraphError, match="named like scalars"):
        prove_graph_updates(GraphFA(), g)


# -- the graph rules' seeded-bug catalog (tests/catalog/zoo_graph.py; scripts/catalog.py --zoo) ------
from catalog.entries import FAILS as _FAILS, HOLDS as _HOLDS   # noqa: E402
from catalog.zoo_graph import GRAPH_ZOO_CATALOG, exact_truth   # noqa: E402


@pytest.mark.parametrize("entry", GRAPH_ZOO_CATALOG, ids=lambda e: e.id)
def test_graph_zoo_catalog(entry):
    assert exact_truth(entry) == entry.truth, "the hand-derived truth disagrees with exact rationals"
    rule, graph = entry.build(), entry.graph(U)
    j = judge_graph_condition(rule, graph, FEEDBACK_TRANSPOSE, prove_graph_updates(rule, graph))
    if entry.truth == _HOLDS:
        assert j.kind == kernel.EXACT_UNDER, j.statement
    else:
        assert entry.truth == _FAILS and j.kind == kernel.NOT_BP and j.counterexample, j.statement
