"""The trusted kernel: only it makes verdicts, and it says 'proved' only with complete evidence."""
import pytest

import pcproof.kernel as kernel
from pcproof.check import induction
from pcproof.model import get_activation
from pcproof.theorem import Setting, get


def test_verdicts_cannot_be_forged():
    with pytest.raises(PermissionError):
        kernel.Verdict(theorem="thm-3.2", verdict="proved", method="trust me", seconds=0)


def test_a_refutation_needs_a_counterexample():
    with pytest.raises(ValueError):
        kernel._verdict(theorem="thm-3.2", verdict="refuted", method="m", seconds=0)


# ---------------------------------------------------------------------------------
# the all-depth kernel: it forms the obligations, types the facts, checks vacuity
# ---------------------------------------------------------------------------------
import z3  # noqa: E402


def sequence(step):
    """a(0) = 0, a(n+1) = step(a(n)) for n ≥ 0, as typed definitions."""
    ctx = z3.Context()
    a, n = z3.Function("a", z3.IntSort(ctx), z3.IntSort(ctx)), z3.Int("n", ctx)
    facts = [kernel.fact("definition", "a(0)", a(0) == 0),
             kernel.fact("definition", "a(n+1)", z3.ForAll([n], z3.Implies(n >= 0, a(n + 1) == step(a(n))),
                                                           patterns=[a(n + 1)]))]
    return ctx, a, facts


def test_induct_forms_base_and_step_from_one_predicate():
    ctx, a, facts = sequence(lambda v: v)      # a(n) = 0
    proof = kernel.Proof(ctx, 5000)
    lemma = proof.induct("even", lambda n: a(n) % 2 == 0, facts, var="n")
    assert lemma is not None and lemma.kind == "lemma" and proof.failure is None
    g = proof.groups["even"]
    assert g["base"]["claim"] == "P(0)" and g["step"]["claim"] == "P(n) → P(n+1)" and "IH P(n)" in g["step"]["unsat_core"]


def test_induct_catches_a_wrong_step():
    """P(0) holds, P(n) → P(n+1) does not (a(n) = 2n is not always 0): the kernel, which forms
    P(n+1) from the same P, says so, and the run yields no lemma and no proof."""
    ctx, a, facts = sequence(lambda v: v + 2)
    proof = kernel.Proof(ctx, 5000)
    assert proof.induct("zero", lambda n: a(n) == 0, facts, var="n") is None
    assert proof.groups["zero"]["base"]["z3"] == "unsat" and proof.groups["zero"]["step"]["z3"] != "unsat"
    assert "zero (step" in proof.failure
    v = kernel.decide_induction(dict(theorem="t", depth=None, widths=None, hypotheses=[]), proof, lambda: None)
    assert v.verdict == "unknown" and "step" in v.note


def test_inconsistent_facts_are_vacuous_not_proved():
    """x ≥ 1 and x ≤ 0 prove anything; the kernel checks the core's facts have a model first."""
    ctx = z3.Context()
    x = z3.Int("x", ctx)
    facts = [kernel.fact("hypothesis", "x ≥ 1", x >= 1), kernel.fact("hypothesis", "x ≤ 0", x <= 0)]
    proof = kernel.Proof(ctx, 5000)
    assert proof.prove("false", x == 42, facts) is None
    assert "the facts are inconsistent" in proof.failure and proof.groups["false"]["direct"]["z3"] == "unsat, vacuous"
    consistent = kernel.Proof(ctx, 5000)
    assert consistent.prove("true", x >= 0, facts[:1]) is not None


def test_an_inconsistent_fact_in_the_real_proof_is_unknown(monkeypatch):
    real = induction.common_facts

    def poisoned(w):    # an inconsistent hypothesis slipped into the facts: L ≥ 1 and L ≤ 0
        return real(w) + [kernel.fact("hypothesis", "L ≤ 0", w.L <= 0)]
    monkeypatch.setattr(induction, "common_facts", poisoned)
    v = induction.prove_all_depths(get("thm-3.2"), Setting(), activation=get_activation("uninterpreted"),
                                   max_refute_depth=1)
    assert v.verdict == "unknown" and "the facts are inconsistent" in v.note


def test_lemmas_are_made_by_the_kernel_only():
    ctx, a, facts = sequence(lambda v: v)
    with pytest.raises(PermissionError):
        kernel.Fact("lemma", "forged", a(3) == 6)
    with pytest.raises(ValueError):
        kernel.fact("belief", "b", a(3) == 6)
    other = kernel.Proof(ctx, 5000)
    lemma = other.induct("even", lambda n: a(n) % 2 == 0, facts)
    with pytest.raises(PermissionError):   # proved in another run: not a lemma of this one
        kernel.Proof(ctx, 5000).prove("uses", a(4) % 2 == 0, [*facts, lemma])


def test_a_direct_step_generalises_only_over_fresh_constants():
    ctx = z3.Context()
    x, y = z3.Int("x", ctx), z3.Int("y", ctx)
    proof = kernel.Proof(ctx, 5000)
    assert proof.prove("bad", x == 3, [kernel.fact("hypothesis", "x = 3", x == 3)], over=(x,)) is None
    assert "cannot generalise over x" in proof.failure
    assert kernel.Proof(ctx, 5000).prove("ok", y + 0 == y, [kernel.fact("hypothesis", "x = 3", x == 3)],
                                         over=(y,)) is not None


def test_the_theorem_must_be_a_lemma_of_this_run():
    ctx, a, facts = sequence(lambda v: v)
    lemma = kernel.Proof(ctx, 5000).induct("even", lambda n: a(n) % 2 == 0, facts)
    meta = dict(theorem="t", depth=None, widths=None, hypotheses=[])
    v = kernel.decide_induction(meta, kernel.Proof(ctx, 5000), lambda: None, theorem=lemma)
    assert v.verdict == "unknown" and "not a lemma this kernel proved in this run" in v.note


def test_a_fact_name_means_one_fact():
    """The unsat core reports names: two facts under one name would let one hide behind the other."""
    ctx = z3.Context()
    x = z3.Int("x", ctx)
    with pytest.raises(ValueError):
        kernel.Proof(ctx, 2000).prove("p", x >= 0, [kernel.fact("hypothesis", "h", x >= 1),
                                                    kernel.fact("hypothesis", "h", x <= 0)])


def test_a_z3_check_that_overruns_its_time_is_interrupted_and_unknown():
    """z3 can ignore its own timeout (seen with model-based instantiation for minutes in
    an all-depth consistency check): the kernel's checks are interrupted by a watchdog and
    answer unknown, never hang and never prove."""
    import z3

    from pcproof.kernel import _bounded_check
    ctx = z3.Context()
    x, y, z = z3.Ints("x y z", ctx)
    s = z3.Solver(ctx=ctx)                     # no timeout of its own: only the watchdog stops it
    s.add(x > 1, y > 1, z > 1, x * x * x + y * y * y == z * z * z)
    assert _bounded_check(s, ctx, 100) == z3.unknown and s.reason_unknown() == "interrupted"
    easy = z3.Solver(ctx=ctx)
    easy.add(x > 1)
    assert _bounded_check(easy, ctx, 100) == z3.sat
