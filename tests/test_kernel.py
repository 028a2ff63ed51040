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


@pytest.mark.parametrize("dropped", ["step", "base"])
def test_incomplete_induction_is_not_proved(monkeypatch, dropped):
    real = kernel.decide_induction

    def without(meta, queries, *args, **kw):  # a prover that forgot half of an induction
        return real(meta, [q for q in queries if q.part != dropped], *args, **kw)

    monkeypatch.setattr(induction.kernel, "decide_induction", without)
    v = induction.prove_all_depths(get("thm-3.2"), Setting(), activation=get_activation("uninterpreted"),
                                   bias=False, timeout=60)
    assert v.verdict == "unknown" and "incomplete" in v.note
    monkeypatch.setattr(induction.kernel, "decide_induction", real)
    assert induction.prove_all_depths(get("thm-3.2"), Setting(), activation=get_activation("uninterpreted"),
                                      bias=False, timeout=60).verdict == "proved"
