"""The seeded-bug catalog (issue 9, item 8): every rule in tests/catalog/ through the
concrete prover at a ragged and a deep shape, the all-depth prover and the fuzzer,
the outcome asserted against the truth derived by hand: no false *proved*, no false
*refuted*, no crash (an ill-formed rule is a user error, never a verdict).

``python scripts/catalog.py`` prints the same runs as a table.
"""
from fractions import Fraction

import pytest

from catalog import correct, exact, mutants
from catalog.entries import CATALOG, FAILS, HOLDS, ILL, MUTANTS, PROVERS, USER_ERROR, Entry
from catalog.runner import classify, run
from pcproof.rules import PCRule, ZIL
from pcproof.theorem import TheoremError


@pytest.mark.parametrize("prover", PROVERS)
@pytest.mark.parametrize("entry", CATALOG, ids=lambda e: e.id)
def test_catalog(entry, prover):
    r = run(entry, prover)
    assert r.ok, (f"{entry.id} through {prover}: {r.outcome!r}, allowed {sorted(r.allowed)}. "
                  f"Truth: {entry.why} {entry.fuzz_why if prover == 'fuzz' else entry.unknown_ok} | {r.note}")


def test_catalog_size():
    """At least 40 mutant rules and 10 correct rules written unusually (issue 9, item 8)."""
    mutant_rules = {e.rule for e in MUTANTS}
    unusual = {c for c in vars(correct).values() if isinstance(c, type) and c.__module__ == correct.__name__
               and issubclass(c, PCRule)}
    assert len(mutant_rules) >= 40 and len(unusual) >= 10, (len(mutant_rules), len(unusual))
    assert {e.rule for e in CATALOG} >= unusual, "every correct rule is in the catalog"
    assert all(isinstance(getattr(mutants, n), type) for n in ("FaZIL4", "StepCap66", "CircularStep"))


def _checkable(e):
    return e.activation in ("uninterpreted", "identity", "poly") and not e.user_error_ok.startswith("a float")


@pytest.mark.parametrize("shape", ("ragged", "deep"))
@pytest.mark.parametrize("entry", [e for e in CATALOG if _checkable(e)], ids=lambda e: e.id)
def test_truth_agrees_with_exact_rationals(entry, shape):
    """The hand-derived truth against the rule's own code in exact rationals (polynomial f,
    random and degenerate points, a strict number system): no prover involved."""
    truth = entry.ragged if shape == "ragged" else entry.deep
    found = exact.evidence(entry, shape)
    assert exact.agrees(truth, found), (entry.id, shape, truth, found)


def test_float_truths():
    """The float entries' truth: Python floats as their exact binary values."""
    assert Fraction(0.3) + Fraction(0.7) == 1 - Fraction(1, 2**54)     # float-0.3+0.7 fails
    assert Fraction(0.5) + Fraction(0.5) == 1                           # float-halves holds
    assert Fraction(1e-30) != 0                                         # tiny-float-gate fails


def test_a_wrong_outcome_is_flagged():
    """The runner can fail: Z-IL stated (wrongly) as a mutant is flagged, and so are crashes."""
    wrong = Entry("z-il-as-mutant", ZIL, "deliberately wrong truth", ragged=FAILS)
    assert not run(wrong, "ragged").ok
    assert run(Entry("z-il", ZIL, "", ragged=HOLDS), "ragged").ok
    assert classify(TheoremError("no such theorem")) == USER_ERROR
    assert classify(RecursionError("maximum recursion depth exceeded")).startswith("crash")
    assert classify(ValueError("not enough values to unpack")).startswith("crash")  # not pcproof's
    assert Entry("x", ZIL, "", ragged=ILL).allowed("ragged") == {USER_ERROR}
