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
from pcproof.strategies import (ACTIVATIONS, SPECIAL, Space, architectures, cases, rational_values, rationals,
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


def _shape(g):
    return [(v.primitive, v.parents, v.width) for v in g.vertices]


def test_graph_strategies_are_exported_and_shrink_to_the_minimal_graph():
    """Issue 10 item 5: ``pcproof.strategies`` exports the random-DAG strategy (the same object
    as its old home, pcproof.strategies_graph), and hypothesis' ``find`` shrinks it to the
    fewest vertices of width 1 (or the width asked), every computed vertex a dense layer
    reading the first input unless the predicate needs otherwise."""
    import pcproof.strategies as strategies
    import pcproof.strategies_graph as old
    from pcproof.strategies import GraphSpace, dags
    assert strategies.dags is old.dags and strategies.graph_cases is old.graph_cases
    space = GraphSpace(levelled=False)
    g = find(dags(space), lambda g: len(g.computed) >= 3, settings=FIND)
    assert _shape(g) == [("input", (), 1)] + [("dense", ("i0",), 1)] * 3
    g = find(dags(space), lambda g: max(v.width for v in g.vertices) >= 2, settings=FIND)
    assert _shape(g) == [("input", (), 2), ("dense", ("i0",), 2)]
    g = find(dags(space), lambda g: any(v.primitive == "mul" for v in g.vertices), settings=FIND)
    assert _shape(g) == [("input", (), 1), ("dense", ("i0",), 1), ("mul", ("i0", "v0"), 1)]
    g = find(dags(GraphSpace()), lambda g: len(g.outputs) >= 2, settings=FIND)   # levelled by default
    assert _shape(g) == [("input", (), 1), ("dense", ("i0",), 1), ("dense", ("i0",), 1)] and g.levelled


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


# -- special points (issue 9 item 3) ----------------------------------------------------
def special_structures(case) -> set:
    """Which of SPECIAL's structures a case's point has, read off the point itself."""
    from pcproof.model import get_activation
    from pcproof.numbers import RationalOps
    from pcproof.rules import ANN
    p, arch, found = case.params, case.arch, set()
    zero = lambda v: all(c == 0 for c in v)  # noqa: E731
    zero_mats = [all(zero(row) for row in W) for W in p.theta.values()]
    found |= {"zero-matrix"} if any(zero_mats) else set()
    found |= {"zero-weights"} if all(zero_mats) else set()
    weights = [c for W in p.theta.values() for row in W for c in row] + [c for v in (p.b or {}).values() for c in v]
    found |= {"sparse"} if len(weights) >= 4 and 0 < weights.count(0) >= 0.4 * len(weights) else set()
    found |= {"zero-bias"} if p.b is not None and all(zero(v) for v in p.b.values()) else set()
    found |= {"zero-input"} if zero(p.s_in) else set()
    if len(set(p.s_out)) == 1 < len(p.s_out) and any(
            len({c for row in W for c in row}) == 1 < len(W) * len(W[0]) for W in p.theta.values()):
        found.add("equal")
    if arch.activation.is_polynomial or zero_mats[0]:  # then x̄^0 is exact (θ^1 = 0: f plays no part)
        f = arch.activation if arch.activation.is_polynomial else get_activation("identity")
        if tuple(ANN(arch, p, RationalOps(f)).x_bar(0)) == tuple(p.s_out):
            found.add("zero-error")
    return found


def test_sampler_draws_every_special_point_often():
    """About a quarter of the cases are special, spread over the structures: each shows up
    in at least 2 % of the draws (by chance alone, at most 0.3 %)."""
    import random
    space, thm = Space(max_depth=4, max_width=4, bias=True), get("thm-3.2")
    counts = dict.fromkeys(SPECIAL, 0)
    for seed in range(1000):
        for kind in special_structures(space.sample(random.Random(seed), thm)):
            counts[kind] += 1
    assert all(n >= 20 for n in counts.values()), counts


def test_strategy_finds_fazil_counterexample_and_shrinks_it():
    """Fa-Z-IL (t_d = 4) with biases: hypothesis reaches the point of issue 9 — depth 3,
    width 1, θ = 0, b¹ = 1 — where Δb¹ = −1 against BP's 0 (ordinary draws never do)."""
    from pcproof.rules import FaZIL
    space = Space(max_depth=3, max_width=1, activations=("identity",), bias=True)
    case = find(cases("thm-3.2", rule=FaZIL, space=space), lambda c: c.check().status == DIFFERENT,
                settings=settings(FIND, max_examples=300, derandomize=True))
    point = case.params.scalars()
    assert case.arch.widths == (1, 1, 1, 1) and all(v == 0 for k, v in point.items() if k.startswith("theta"))
    assert point["b1_0"] != 0 and case.check().comparison.failure.label.startswith(r"\Delta b^{1}")


# -- a property test per theorem (CI profile: a few hundred cases in all) ----------------
@pytest.mark.parametrize("theorem", [t.name for t in all_theorems() if not t.graph])
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
@pytest.mark.parametrize("theorem", [t.name for t in all_theorems() if not t.graph])
@given(data=st.data())
def test_deep_theorem_holds_on_large_networks(theorem, data):
    data.draw(cases(theorem)).check().assert_holds()
