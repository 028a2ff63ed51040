"""The all-size prover of the graph families (pcproof.check.graph_induction, issue 10).

Both directions: the levelled residual chain and the RNN with deferred shared updates are
proved for every size; the residual as built (not levelled), the RNN with immediate shared
updates or a loss at every step, C1 or C2 broken, and rules whose firing time is off by one
at some distance are not."""
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from pcproof import kernel
from pcproof.check import graph_induction as gi
from pcproof.cli import main
from pcproof.model import get_activation
from pcproof.model.families import residual
from pcproof.model.graph import level
from pcproof.numbers import RationalOps
from pcproof.rules.graph import GraphZIL
from pcproof.theorem import Setting, all_theorems, get

all_theorems()
UPD, EPS = get("graph-updates"), get("graph-eps")
ACT = get_activation("uninterpreted")


def prove(theorem=UPD, family="residual", level=True, **kw):
    setting = Setting(**{k: v for k, v in kw.items() if k in ("rule", "shared_updates", "init_noise", "update_offset")})
    options = {k: v for k, v in kw.items() if k in ("width", "outputs")}
    return gi.prove_all_sizes(theorem, family, setting, level=level, timeout=120, **options)


# -- proved ------------------------------------------------------------------------------
@pytest.mark.parametrize("theorem", [UPD, EPS], ids=lambda t: t.name)
def test_the_levelled_residual_chain_is_proved_for_every_number_of_blocks(theorem):
    v = prove(theorem)
    assert v.verdict == kernel.PROVED, v.note
    ind = v.induction
    assert ind["theorem"] == gi.STATEMENTS[theorem.name]
    # the block pattern's first size (n = 1, whose one block is first and last) is proved concretely
    assert [c["verdict"] for c in ind["cases"]] == ["proved"]
    assert "GraphPCN.drive" in v.note and "GraphZIL.fires" in v.note
    assert "assumed: the builder makes at every size" in v.note


@pytest.mark.parametrize("theorem", [UPD, EPS], ids=lambda t: t.name)
def test_the_rnn_with_deferred_shared_updates_is_proved_for_every_number_of_steps(theorem):
    v = prove(theorem, "rnn", level=False, shared_updates="deferred")
    assert v.verdict == kernel.PROVED, v.note
    assert "cases" not in v.induction      # the RNN's pattern holds from n = 1


# -- not proved ----------------------------------------------------------------------------
def test_the_residual_chain_as_built_is_refuted_where_z3_finds_it_unlevelled():
    v = prove(level=False)
    assert v.verdict == kernel.REFUTED
    assert "not levelled: at size 2" in v.note and "residual blocks=2" in v.note
    assert v.counterexample["system"] in ("rational", "arb")


def test_the_rnn_with_immediate_shared_updates_is_refuted():
    v = prove(family="rnn", level=False, shared_updates="immediate")
    assert v.verdict == kernel.REFUTED
    assert "shared by a number of vertices that grows" in v.note


def test_the_rnn_with_a_loss_at_every_step_is_not_proved():
    v = prove(family="rnn", level=False, shared_updates="deferred", outputs="all")
    assert v.verdict == kernel.REFUTED
    assert "not levelled" in v.note


@pytest.mark.parametrize("broken", [dict(init_noise=True), dict(update_offset=1)], ids=["C1", "C2"])
def test_a_broken_condition_is_not_proved(broken):
    v = prove(**broken)
    assert v.verdict == kernel.REFUTED


class FiresLateAtDistanceFive(GraphZIL):
    """A seeded mutant: the vertices at distance 5 (y_{n-2} in the levelled chain, d(y_k) = 3(n−k) − 1)
    learn one step late.  (At a distance only add vertices have, 3m + 1, such a rule is Z-IL.)"""

    name = "late-at-5"

    def fires(self, pcn, v, t):
        d = pcn.graph.distance[v]
        return t == d + (1 if d == 5 else 0)


class FiresLateFarAway(GraphZIL):
    """The same mutant at distance 41 (y_{n-14}): no size the refuter tries has such a vertex, so
    only the induction can see it; it must not be proved."""

    name = "late-at-41"

    def fires(self, pcn, v, t):
        d = pcn.graph.distance[v]
        return t == d + (1 if d == 41 else 0)


class FiresTwiceFarAway(GraphZIL):
    """Fires at t = d(v) as Z-IL does, and again at d(v) + 1 at distance 41: the update made at
    t = d(v) is BP's, but the total is not; the gate lemma (one firing per vertex) must catch it."""

    name = "twice-at-41"

    def fires(self, pcn, v, t):
        d = pcn.graph.distance[v]
        return t == d or (d == 41 and t == d + 1)


def test_a_rule_firing_twice_beyond_the_sizes_tried_is_not_proved():
    v = prove(rule=FiresTwiceFarAway)
    assert v.verdict == kernel.UNKNOWN
    assert "gate" in v.note


def test_the_kernel_proves_nothing_when_a_size_below_the_induction_is_not_proved():
    import z3
    meta = dict(theorem="graph-updates", hypotheses=[])
    proof = kernel.Proof(z3.Context())
    lemma = proof.prove("claim", z3.BoolVal(True, proof.ctx), [])
    unknown = kernel.decide_induction(meta, None, lambda: None, why="not decided")
    assert kernel.decide_induction(meta, proof, lambda: None, theorem=lemma).verdict == kernel.PROVED
    v = kernel.decide_induction(meta, proof, lambda: None, theorem=lemma, cases=[unknown])
    assert v.verdict == kernel.UNKNOWN and "below the induction" in v.note


def test_a_rule_firing_one_step_late_at_one_distance_is_refuted():
    v = prove(rule=FiresLateAtDistanceFive)
    assert v.verdict == kernel.REFUTED


def test_a_rule_firing_late_only_beyond_the_sizes_tried_is_not_proved():
    v = prove(rule=FiresLateFarAway)
    assert v.verdict == kernel.UNKNOWN
    assert "gate" in v.note or "fires" in v.note


def test_the_mutant_really_differs_from_bp_at_the_size_that_has_that_distance():
    """The far-away mutant is wrong (not merely unprovable): at 14 blocks the concrete prover refutes it."""
    from pcproof.check.graphs import prove as prove_graph
    g = level(residual(ACT, blocks=14, width=1))
    assert g.distance["y0"] == 41
    v = prove_graph(UPD, g, Setting(rule=FiresLateFarAway), timeout=300)
    assert v.verdict == kernel.REFUTED


def _induction_lemma(theorem=UPD):
    build = gi.family_builder("residual", ACT, True)
    t = gi.learn(build)
    w = gi.GWorld(t, Setting(), 1, ACT, gi.check_template(t, build))
    gi.check_levelled(w)
    return gi.build_proof(theorem, w, 20000)[1]


def test_what_is_proved_is_the_engine_as_it_runs(monkeypatch):
    """A seeded engine bug — the inference drive forgets a vertex's last child — makes the
    induction itself fail: it runs GraphPCN.drive, not a copy of it."""
    from pcproof.rules.graph import GraphPCN, _prim
    assert _induction_lemma() is not None

    def forgetful(self, v, t):
        ops, g = self.ops, self.graph
        total = ops.scale(ops.number(-1), self.eps(v, t))
        for c in tuple(g.children[v])[:-1]:
            cv = g.by_name[c]
            for i, p in enumerate(cv.parents):
                if p == v:
                    total = ops.add(total, _prim(cv).vjp(ops, i, *self._args(cv, t), cv, self.eps(c, t)))
        return total
    monkeypatch.setattr(GraphPCN, "drive", forgetful)
    assert _induction_lemma() is None


# -- the block pattern ------------------------------------------------------------------------
def test_the_template_is_the_builders_graph_at_every_size_checked():
    build = gi.family_builder("residual", ACT, True, width=2)
    t = gi.learn(build)
    assert gi.check_template(t, build) == 2
    for n in range(2, 12):
        g = build(n)
        assert set(gi.instantiate(t, n)) == set(g.by_name)


def test_a_builder_that_changes_beyond_the_sizes_read_is_not_proved(monkeypatch):
    """A family whose block changes at n = 9 (past the sizes the pattern is read from): the
    comparison with the builder fails and nothing is proved."""
    from pcproof.model import families

    real = families.FAMILIES["residual"]

    def odd(activation, blocks=2, width=2, **kw):
        return residual(activation, blocks=blocks, width=width if blocks < 9 else 1)
    monkeypatch.setitem(families.FAMILIES, "residual", families.Family("residual", odd, real.text, real.options))
    v = prove()
    assert v.verdict == kernel.UNKNOWN
    assert "not the builder's graph" in v.note


# -- the extra axioms hold numerically (as tests/test_axioms.py does for AXIOMS) ----------------------
@pytest.mark.parametrize("ax", gi.GRAPH_AXIOMS, ids=lambda a: a.name)
@settings(max_examples=30, deadline=None)
@given(data=st.data(), n=st.integers(1, 4))
def test_graph_axiom_holds_exactly(ax, data, n):
    ops = RationalOps(get_activation("poly"))
    q = st.fractions(min_value=-4, max_value=4, max_denominator=16)
    args = [tuple(ops.number(data.draw(q)) for _ in range(n)) for _ in ax.shapes]
    assert ax.lhs(ops, *args) == ax.rhs(ops, *args)


# -- CLI ------------------------------------------------------------------------------------
def run(capsys, *argv):
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_cli_all_depths_on_graph_families(capsys):
    import json
    code, out, _ = run(capsys, "prove", "graph-updates", "--model", "residual", "--level", "--all-depths", "--json")
    d = json.loads(out)
    assert code == 0 and d["verdict"] == "proved" and d["model"].startswith("residual, every blocks n ≥ 1")
    code, out, _ = run(capsys, "prove", "graph-updates", "--model", "rnn", "--all-depths")
    assert code == 1 and "REFUTED" in out and "rnn steps=2" in out


@pytest.mark.parametrize("args, msg", [
    (["--model", "cnn"], "needs --model residual or rnn"),
    (["--model", "residual", "--blocks", "3"], "drop --blocks"),
    (["--model", "rnn", "--steps", "3"], "drop --steps"),
])
def test_cli_all_depths_bad_input_is_one_line(capsys, args, msg):
    code, out, err = run(capsys, "prove", "graph-updates", "--all-depths", *args)
    assert code == 2 and msg in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
