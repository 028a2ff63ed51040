"""Issue 5, items 1, 2, 7: strategies that shrink, property tests per theorem in
exact rationals and rigorous balls, and a broken rule caught and shrunk."""
import os
import re
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from pcproof.rules import PCRule, ZIL
from pcproof.numbers.compare import DIFFERENT, EQUAL
from pcproof.strategies import (ACTIVATIONS, Space, architectures, cases, rational_values, rationals,
                                widths)
from pcproof.theorem import all_theorems, get

DOCS = Path(__file__).resolve().parent.parent / "docs"
SMALL = Space(max_depth=4, max_width=4)
FIND = settings(database=None, max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))


# -- shrinking ------------------------------------------------------------------------
def test_architectures_shrink_to_fewest_layers_and_width_one():
    arch = find(architectures(), lambda a: a.L >= 3, settings=FIND)
    assert arch.widths == (1, 1, 1, 1) and not arch.bias and arch.activation.name == ACTIVATIONS[0]


def test_widths_shrink_to_smallest():
    w = find(widths(), lambda w: max(w) >= 4, settings=FIND)
    assert sorted(w) == [1, 4]


def test_rationals_shrink_to_zero_then_one():
    assert find(rationals(), lambda q: True, settings=FIND) == 0
    assert find(rationals(), lambda q: q != 0, settings=FIND) == 1
    assert find(rationals(), lambda q: q.denominator > 1, settings=FIND) == Fraction(1, 2)


def test_rational_values_are_small_and_simplest_first():
    vals = rational_values()
    assert vals[:5] == (0, 1, -1, 2, -2)
    assert len(set(vals)) == len(vals) and all(abs(q) <= 2 for q in vals)
    assert all(q.denominator in (1, 2, 3, 4, 8) for q in vals)


@given(st.data())
def test_sampler_and_strategy_draw_from_the_same_space(data):
    """The seeded sampler stays inside the space the strategies describe, and both keep
    the theorem's hypotheses."""
    import random
    seed = data.draw(st.integers(0, 10**6))
    for name in ("thm-3.2", "cor-gamma"):
        thm = get(name)
        for case in (SMALL.sample(random.Random(seed), thm), data.draw(cases(name, space=SMALL))):
            assert 1 <= case.arch.L <= 4 and all(1 <= n <= 4 for n in case.arch.widths)
            assert case.arch.activation.name in SMALL.activations
            point = case.params.scalars()
            # s_out may be the network's own output x̄^0 (the zero-error special point)
            assert {v for k, v in point.items() if not k.startswith("s_out")} <= set(rational_values())
            assert all(isinstance(v, Fraction) for v in point.values())
            if name == "thm-3.2":  # C1, C2, C3 all hold
                assert case.gamma == 1 and case.setting.update_offset == 0 and not case.setting.init_noise
            else:                  # only C1 is assumed; γ and the update step are drawn
                assert not case.setting.init_noise and case.gamma in SMALL.gammas


# -- a property test per theorem (CI profile: a few hundred cases in all) ----------------
@pytest.mark.parametrize("theorem", [t.name for t in all_theorems()])
@given(data=st.data())
def test_theorem_holds_on_random_networks(theorem, data):
    """Each theorem's own claim, at random networks: exact fractions for identity and
    polynomial f, rigorous balls (50 digits) for sigmoid, tanh and softplus."""
    case = data.draw(cases(theorem, space=SMALL))
    out = case.check()
    assert out.system == ("rational" if case.arch.activation.is_polynomial else "arb")
    out.assert_holds()


@settings(max_examples=40)
@given(cases("thm-3.2", space=Space(max_depth=3, max_width=3, activations=("identity", "poly"))))
def test_exact_rationals_give_identical_fractions(case):
    """Z-IL and BP updates are equal as fractions, entry by entry (not approximately)."""
    from pcproof.check.fuzz import make_ops
    inst = case.instance(make_ops("rational", case.arch.activation, 50))
    for key, bp in inst.bp_updates.items():
        zil = inst.rule_updates[key]
        flat = lambda m: [c for row in m for c in (row if isinstance(row, tuple) else (row,))]  # noqa: E731
        assert all(type(c) is Fraction for c in flat(zil) + flat(bp))
        assert flat(zil) == flat(bp)


# -- a deliberately broken rule ---------------------------------------------------------
class LateOutputZIL(ZIL):
    """Broken on purpose: θ^1 (the output weights) learns at t = 1 instead of t = 0."""

    name = "late-output"

    def gate(self, pcn, l, t):
        return 1 if t == (1 if l == 0 else l) else None

    def steps(self, L):
        return max(L, 2)


def test_broken_rule_is_caught_and_shrunk_to_at_most_two_hidden_units():
    minimal = find(cases("thm-3.2", rule=LateOutputZIL, space=Space(max_depth=3, max_width=3)),
                   lambda c: c.check().status == DIFFERENT, settings=FIND)
    hidden = sum(minimal.arch.widths[1:-1])
    assert minimal.arch.L >= 2 and hidden <= 2, minimal
    assert minimal.check().status == DIFFERENT
    # the same network with the correct rule is fine: the failure is the rule's
    from dataclasses import replace
    from pcproof.theorem import Setting
    fixed = replace(minimal, setting=Setting(gamma=minimal.gamma, rule=ZIL))
    assert fixed.check().status == EQUAL


def test_pc_rule_written_from_scratch_is_checked_like_a_builtin():
    class MyZIL(PCRule):
        name = "mine"

        def gate(self, pcn, l, t):
            return 1 if t == l else None

        def steps(self, L):
            return L

    import random
    for i in range(20):
        SMALL.sample(random.Random(i), "thm-3.2", MyZIL).check().assert_holds()


# -- the documented example is a working test ---------------------------------------------
def test_docs_example_matches_the_file_and_passes():
    """docs/strategies.md shows docs/examples/test_user_rule.py; both must agree, and it must pass."""
    md = (DOCS / "strategies.md").read_text()
    block = re.search(r"```python\n(.*?)```", md, re.S).group(1)
    source = (DOCS / "examples" / "test_user_rule.py").read_text()
    assert block.strip() in source
    namespace: dict = {}
    exec(compile(source, "test_user_rule.py", "exec"), namespace)
    tests = [f for name, f in namespace.items() if name.startswith("test_")]
    assert len(tests) == 2
    for test in tests:
        test()


@pytest.mark.skipif(os.environ.get("HYPOTHESIS_PROFILE") != "deep", reason="long run: HYPOTHESIS_PROFILE=deep")
@pytest.mark.parametrize("theorem", [t.name for t in all_theorems()])
@given(data=st.data())
def test_deep_theorem_holds_on_large_networks(theorem, data):
    data.draw(cases(theorem)).check().assert_holds()
