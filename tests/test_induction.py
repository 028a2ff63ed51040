"""The all-depth prover (pcproof.check.induction) against the concrete prover:
for every theorem, with and without biases, and for every broken condition, the
two agree at depths 1 … 12; and the verdict carries its evidence."""
import json
import os
from fractions import Fraction

import pytest
import z3
from click.testing import CliRunner

from pcproof.check import induction
from pcproof.check.concrete import prove as prove_concrete
from pcproof.check.induction import IndexSpace, Idx, SymbolicIndexError, prove_all_depths
from pcproof.cli import cli, main
from pcproof.model import Architecture, get_activation
from pcproof.rules import ZIL
from pcproof.theorem import Setting, get

U = get_activation("uninterpreted")
THEOREMS = ("thm-3.1", "thm-3.2", "cor-gamma")


def widths(L):
    """Small, unequal widths (1, 2, 1, 2, …): every layer its own width, cheap at depth 12."""
    return tuple(1 + (i % 2) for i in range(L + 1))


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("name", THEOREMS)
def test_all_depths_agrees_with_concrete_depths_1_to_12(name, bias):
    thm = get(name)
    v = prove_all_depths(thm, Setting(), activation=U, bias=bias)
    assert v.verdict == "proved", v.note
    for L in range(1, 13):
        c = prove_concrete(thm, Architecture(widths(L), U, bias), Setting())
        assert c.verdict == v.verdict, (L, c.note)


BROKEN = [  # (theorem, setting): a condition broken, the claim false from some depth on
    ("thm-3.1", Setting(gamma=Fraction(1, 2))),
    ("thm-3.2", Setting(gamma=Fraction(2))),
    ("thm-3.2", Setting(update_offset=1)),
    ("thm-3.2", Setting(update_offset=-1)),
    ("thm-3.2", Setting(init_noise=True)),
    ("cor-gamma", Setting(init_noise=True)),
]


@pytest.mark.parametrize("name,setting", BROKEN, ids=lambda x: x if isinstance(x, str) else
                         f"g{x.gamma}-o{x.update_offset}-n{int(x.init_noise)}")
def test_refutation_names_the_smallest_depth_and_agrees_to_depth_12(name, setting):
    thm = get(name)
    v = prove_all_depths(thm, setting, activation=U)
    assert v.verdict == "refuted"
    d = v.counterexample["depth"]
    assert f"depth L = {d}" in v.note and v.counterexample["equation"]
    for L in range(1, 13):
        c = prove_concrete(thm, Architecture(widths(L), U), setting)
        assert c.verdict == ("proved" if L < d else "refuted"), (L, d)


@pytest.mark.parametrize("offset", [-1, 1, 2])
def test_theorem_3_1_survives_moved_updates_and_agrees_to_depth_12(offset):
    """ε^l_l does not depend on when the weights learn (an update at t = l - 1 is a zero
    update, by the wavefront lemma), so Theorem 3.1 still holds without C2 — both provers agree."""
    thm, setting = get("thm-3.1"), Setting(update_offset=offset)
    assert prove_all_depths(thm, setting, activation=U).verdict == "proved"
    for L in range(1, 13):
        assert prove_concrete(thm, Architecture(widths(L), U), setting).verdict == "proved", L


def test_plain_il_is_not_proved():
    from pcproof.rules import IL
    v = prove_all_depths(get("thm-3.2"), Setting(rule=IL), activation=U, max_refute_depth=2)
    assert v.verdict == "refuted" and v.counterexample["depth"] >= 1


def test_json_carries_lemmas_axioms_core_and_induction():
    r = CliRunner().invoke(cli, ["prove", "thm-3.2", "--all-depths", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["verdict"] == "proved" and d["depth"] is None
    names = [g["name"] for g in d["lemmas"]]
    assert names[0] == "wavefront" and d["lemmas"][0]["by"] == "induction on t"
    ind = d["induction"]
    assert ind["base"]["z3"] == ind["step"]["z3"] == "unsat" and "IH Q(l)" in ind["step"]["unsat_core"]
    assert ind["then"]["direct"]["z3"] == "unsat" and "principle" in ind
    assert {"rmatvec-scale", "add-sub", "pow-succ"} <= {a["name"] for a in d["axioms"]}
    assert {"wavefront", "add-sub", "C1"} <= set(d["unsat_core"])  # the kernel-proved lemma, by name
    used = {a["name"] for a in d["axioms"] if a["used"]}
    assert used <= set(d["unsat_core"])


def test_human_output_reads_as_a_proof():
    r = CliRunner().invoke(cli, ["prove", "cor-gamma", "--all-depths"])
    assert r.exit_code == 0, r.output
    for word in ("PROVED", "every depth L ≥ 1", "lemma", "induction", "base", "step", "therefore", "axioms"):
        assert word in r.output


def test_exit_codes_and_counterexample_on_the_cli(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["prove", "thm-3.2", "--all-depths", "--bias"])
    assert exc.value.code == 0 and "PROVED" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["prove", "thm-3.1", "--all-depths", "--gamma", "0.5", "--json"])
    assert exc.value.code == 1
    d = json.loads(capsys.readouterr().out)
    assert d["verdict"] == "refuted" and d["counterexample"]["depth"] == 2


def test_undecided_query_is_unknown_and_saved(monkeypatch, tmp_path):
    """Without the axiom (u + v) − u = v the ε step cannot be shown: unknown, never proved,
    and the SMT-LIB text of the undecided query is saved for a person to rerun."""
    monkeypatch.setenv("PCPROOF_SMT_DIR", str(tmp_path))
    monkeypatch.setattr(induction, "AXIOMS", tuple(a for a in induction.AXIOMS if a.name != "add-sub"))
    v = prove_all_depths(get("thm-3.1"), Setting(), activation=U, timeout=30, max_refute_depth=2)
    assert v.verdict == "unknown"
    files = list(tmp_path.glob("*.smt2"))
    assert len(files) == 1 and str(files[0]) in v.note
    text = files[0].read_text()
    assert "(check-sat)" in text and "declare-sort Vec" in text


def test_step_relations_come_from_the_rule_code():
    """A rule's inference_step is what z3 sees: changing it changes the 'def x' facts."""
    class Doubled(ZIL):
        def inference_step(self, pcn, l, t):
            return pcn.ops.scale(2, super().inference_step(pcn, l, t))

    def facts(rule):
        w = induction.World(Setting(rule=rule), Fraction(1), U, False)
        return {f.name: f.formula.sexpr() for f in w.pcn_facts()}

    a, b = facts(ZIL), facts(Doubled)
    assert a.keys() == b.keys()
    changed = {n for n in a if a[n] != b[n]}
    assert changed and all(n.startswith("def x") for n in changed)


def test_symbolic_indices_branch_and_refuse_loops():
    space = IndexSpace(z3.Context())
    l, t = space.int("l"), space.int("t")
    paths = space.explore(lambda: "fire" if t == l + 1 else None, l.term >= 0, t.term >= 0)
    assert sorted(str(r) for _, r in paths) == ["None", "fire"]
    space.assumptions = [l.term >= 1]
    assert (l + 1 > 0) is True and (l == 0) is False
    with pytest.raises(SymbolicIndexError):
        range(l)


def test_unknown_theorem_statement_is_unknown():
    from dataclasses import replace
    thm = replace(get("thm-3.1"), name="user-thm")
    v = prove_all_depths(thm, Setting(), activation=U, max_refute_depth=1)
    assert v.verdict == "unknown" and "no all-depth statement" in v.note


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=25)
@given(name=st.sampled_from(THEOREMS), gamma=st.sampled_from([None, Fraction(1), Fraction(1, 2), Fraction(2)]),
       offset=st.integers(-1, 2), noise=st.booleans(), bias=st.booleans())
def test_all_depth_verdict_is_consistent_with_concrete_depths(name, gamma, offset, noise, bias):
    """Whatever the setting: `proved` for all depths means proved at every concrete depth
    tried; `refuted` at depth d means proved below d and refuted at d; never `unknown` here."""
    thm, setting = get(name), Setting(gamma=gamma, update_offset=offset, init_noise=noise)
    v = prove_all_depths(thm, setting, activation=U, bias=bias, max_refute_depth=4)
    assert v.verdict in ("proved", "refuted"), v.note
    d = v.counterexample["depth"] if v.verdict == "refuted" else 6
    for L in range(1, min(d, 5) + 1):
        ws = tuple(v.counterexample["widths"]) if L == d else widths(L)
        c = prove_concrete(thm, Architecture(ws, U, bias), setting)
        assert c.verdict == ("refuted" if L == d else "proved"), (L, d, c.note)


# ---------------------------------------------------------------------------------
# the prover runs the rule, or says it cannot (issue 9)
# ---------------------------------------------------------------------------------
from pcproof.rules.pc import PCN  # noqa: E402


class DoubledUpdates(ZIL):
    """Z-IL with its updates doubled, through the documented Rule contract."""
    name = "doubled-updates"

    def updates(self, arch, params, ops, alpha):
        u = super().updates(arch, params, ops, alpha)
        return {k: ops.mat_scale(2, v) if k[0] == "theta" else ops.scale(2, v) for k, v in u.items()}


class OwnTrajectory(ZIL):
    """A PCN subclass as the trajectory: its methods are not the ones the prover runs."""
    name = "own-trajectory"

    def trajectory(self, arch, params, ops, alpha):
        return type("MyPCN", (PCN,), {})(arch, params, ops, self, alpha, self.steps(arch.L))


@pytest.mark.parametrize("rule,method", [(DoubledUpdates, "DoubledUpdates.updates"),
                                         (OwnTrajectory, "OwnTrajectory.trajectory")])
def test_a_rule_overriding_what_the_prover_cannot_run_is_unknown(rule, method):
    v = prove_all_depths(get("thm-3.2"), Setting(rule=rule), activation=U, max_refute_depth=1)
    assert v.verdict != "proved" and f"cannot run {method} symbolically" in v.note


def test_a_rule_that_is_not_a_pc_rule_is_unknown():
    from pcproof.rules.base import Rule
    from pcproof.rules.bp import BP

    class BPRule(Rule):     # exactly BP, but with no error nodes the induction could run
        name = "bp-rule"

        def __init__(self, **kw):
            pass

        def updates(self, arch, params, ops, alpha):
            return BP().updates(arch, params, ops, alpha)
    v = prove_all_depths(get("thm-3.2"), Setting(rule=BPRule), activation=U, max_refute_depth=1)
    assert v.verdict == "unknown" and "not a PCRule" in v.note


def test_the_verdict_lists_what_ran_symbolically():
    v = prove_all_depths(get("thm-3.2"), Setting(), activation=U)
    assert v.verdict == "proved"
    for m in ("PCRule.inference_step", "ZIL.gate", "ZIL.steps", "ZIL.update_step", "PCN.delta_theta"):
        assert m in v.note


class Capped(ZIL):
    """Learns at t = l, but the run is cut at 5 steps: wrong from depth 6 on."""
    name = "capped"

    def gate(self, pcn, l, t):
        return 1 if t == l else None

    def steps(self, L):
        return min(L, 5)


def test_a_step_cap_is_refuted_at_the_depth_z3_names():
    """The horizon is a lemma for every L (not a check up to 64): its failure gives z3 a model,
    whose depth the concrete prover then refutes — never 'proved'."""
    v = prove_all_depths(get("thm-3.2"), Setting(rule=Capped), activation=U, max_refute_depth=1)
    assert v.verdict == "refuted" and "horizon" in v.note, v.note
    assert v.counterexample["depth"] == 6 and "z3's model" in v.counterexample["found_by"]


class Circular(ZIL):
    """x^l_{t+1} read inside its own definition (added and taken away: zero in value)."""
    name = "circular"

    def inference_step(self, pcn, l, t):
        ops = pcn.ops
        return ops.add(super().inference_step(pcn, l, t), ops.sub(pcn.x(l, t + 1), pcn.x(l, t + 1)))


class Premature(ZIL):
    """Reads ε^l_{t-1}, which at t = 0 is before the run starts."""
    name = "premature"

    def inference_step(self, pcn, l, t):
        ops = pcn.ops
        return ops.add(super().inference_step(pcn, l, t), ops.sub(pcn.eps(l, t - 1), pcn.eps(l, t - 1)))


@pytest.mark.parametrize("rule,why", [(Circular, "reads x^{l}_{t+1}: circular"),
                                      (Premature, "reads ε^{l}_{t-1}: before the run starts")])
def test_a_definition_reading_a_later_or_negative_time_is_unknown(rule, why):
    v = prove_all_depths(get("thm-3.2"), Setting(rule=rule), activation=U, max_refute_depth=1)
    assert v.verdict == "unknown" and why in v.note, v.note


class Raising(ZIL):
    name = "raising"

    def gate(self, pcn, l, t):
        return {}[l]        # a bug in the user's rule


def test_a_rule_that_raises_is_unknown_naming_its_file_and_line():
    v = prove_all_depths(get("thm-3.2"), Setting(rule=Raising), activation=U, max_refute_depth=1)
    assert v.verdict == "unknown" and "KeyError" in v.note and f"{__file__}:" in v.note and "(in gate)" in v.note


def test_the_shipped_rescaled_example_runs_and_is_proved():
    """γ^{-l} at a symbolic l is the uninterpreted γ^l; the rule runs (no z3 parser error) and,
    with the kernel-proved lemma γ^n ≠ 0 (γ^n = 1 at γ = 1), is proved for every depth."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("rescaled_zil", os.path.join(
        os.path.dirname(__file__), "..", "docs", "examples", "rescaled_zil.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for gamma in (Fraction(1, 2), None):
        v = prove_all_depths(get("thm-3.2"), Setting(rule=mod.RescaledZIL, gamma=gamma), activation=U,
                             max_refute_depth=2)
        assert v.verdict == "proved" and "RescaledZIL.gate" in v.note, v.note


class FloatGate(ZIL):
    name = "float-gate"

    def gate(self, pcn, l, t):
        return pcn.gamma * 0.1 * 10 if t == l else None     # 0.1 · 10 ≠ 1 in exact binary value


def test_floats_mean_their_exact_binary_value():
    v = prove_all_depths(get("thm-3.2"), Setting(rule=FloatGate), activation=U, max_refute_depth=1)
    assert v.verdict != "proved" and "0.1" in v.note
    from pcproof.numbers.z3terms import Z3Ops
    ops = Z3Ops()
    assert ops.number(0.1).as_fraction() == Fraction(0.1) != Fraction(1, 10) and ops.floats == [0.1]


class SkipsOutputLayer(ZIL):
    """θ^1 never learns: ``and l`` is false at l = 0, as for a Python int."""
    name = "skips-layer-0"

    def gate(self, pcn, l, t):
        return 1 if t == l and l else None


class FloatTimeBug(ZIL):
    """A wrong first step, guarded by a float comparison (t == 0.0 holds at t = 0)."""
    name = "float-time-bug"

    def inference_step(self, pcn, l, t):
        x = super().inference_step(pcn, l, t)
        return pcn.ops.scale(2, x) if t == 0.0 else x


class TypeSniffingBug(ZIL):
    """A bug only where the index is a Python int: the generic run must not skip it."""
    name = "type-sniffing-bug"

    def inference_step(self, pcn, l, t):
        x = super().inference_step(pcn, l, t)
        return pcn.ops.scale(2, x) if isinstance(t, int) else x


@pytest.mark.parametrize("rule", [SkipsOutputLayer, FloatTimeBug, TypeSniffingBug], ids=lambda r: r.name)
def test_an_index_behaves_as_the_python_int_it_stands_for(rule):
    """Truth, float comparison and type tests of an index: each either means what it means for the
    concrete int or stops the generic run — never a proof of a rule the concrete prover refutes."""
    v = prove_all_depths(get("thm-3.2"), Setting(rule=rule), activation=U, max_refute_depth=2)
    assert v.verdict != "proved", v.note
    assert prove_concrete(get("thm-3.2"), Architecture((1, 1, 1), U), Setting(rule=rule)).verdict == "refuted"


class OwnStart(ZIL):
    """The same start as PCRule, but through an override the prover does not run."""
    name = "own-start"

    def initial_values(self, pcn):
        return super().initial_values(pcn)


def test_an_overridden_initial_values_is_not_assumed_to_be_c1():
    """x^l_0 is then arbitrary: Theorem 3.2 needs C1, so no proof (and no false refutation)."""
    v = prove_all_depths(get("thm-3.2"), Setting(rule=OwnStart), activation=U, max_refute_depth=2)
    assert v.verdict == "unknown" and "OwnStart.initial_values not run" in v.note, v.note
    assert prove_concrete(get("thm-3.2"), Architecture((1, 2, 1), U), Setting(rule=OwnStart)).verdict == "proved"
