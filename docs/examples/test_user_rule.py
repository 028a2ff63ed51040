"""A user's own PC rule checked against BP with pcproof's strategies (docs/strategies.md).

Run: pytest docs/examples/test_user_rule.py
"""
from hypothesis import given, settings

from pcproof.rules import PCRule
from pcproof.strategies import Space, cases


class LayerTimedIL(PCRule):
    """My rule: θ^{l+1} learns once, at inference step t = l (written from scratch)."""

    name = "layer-timed"

    def gate(self, pcn, l, t):
        return 1 if t == l else None      # None: θ^{l+1} does not learn at step t

    def steps(self, L):
        return L                           # run inference for t = 0 … L-1


SMALL = Space(max_depth=4, max_width=4)


@settings(max_examples=50)
@given(cases("thm-3.2", rule=LayerTimedIL, space=SMALL))
def test_my_rule_makes_bp_updates(case):
    case.check().assert_holds()           # Theorem 3.2 for my rule: every update equals BP's


@settings(max_examples=30)
@given(cases("thm-3.1", rule=LayerTimedIL, space=SMALL))
def test_my_rule_errors_are_bp_errors(case):
    case.check().assert_holds()           # Theorem 3.1: ε^l at t = l equals δ^l
