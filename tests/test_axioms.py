"""Every axiom the all-depth prover assumes (pcproof.check.induction.AXIOMS) holds
numerically: the same lambdas that build the z3 formula are run over exact
rationals and over mpmath, at random widths and values drawn by hypothesis."""
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from pcproof.check.induction import AXIOMS, POWER_AXIOMS, Axiom
from pcproof.model import get_activation
from pcproof.numbers import MpmathOps, RationalOps

rationals = st.fractions(min_value=-4, max_value=4, max_denominator=16)
EXACT = RationalOps(get_activation("poly"))
MP = MpmathOps(get_activation("tanh"), 30)


def draw_args(data, ax: Axiom, n: int, m: int):
    """One value per variable, of the shape the axiom declares (vec:n, vec:m, mat:n,m, real)."""
    size = {"n": n, "m": m}
    args = []
    for shape in ax.shapes.values():
        kind, _, dims = shape.partition(":")
        if kind == "real":
            args.append(data.draw(rationals))
        elif kind == "vec":
            args.append(tuple(data.draw(rationals) for _ in range(size[dims])))
        else:
            r, c = (size[d] for d in dims.split(","))
            args.append(tuple(tuple(data.draw(rationals) for _ in range(c)) for _ in range(r)))
    return args


def same(a, b, close):
    if isinstance(a, tuple):
        return len(a) == len(b) and all(same(x, y, close) for x, y in zip(a, b))
    return close(a, b)


@pytest.mark.parametrize("ax", AXIOMS, ids=lambda a: a.name)
@settings(max_examples=30)
@given(data=st.data(), n=st.integers(1, 4), m=st.integers(1, 4))
def test_axiom_holds_exactly(ax, data, n, m):
    ops = EXACT
    args = [ops.number(a) if isinstance(a, Fraction) else a for a in draw_args(data, ax, n, m)]
    assert same(ax.lhs(ops, *args), ax.rhs(ops, *args), lambda a, b: a == b)


@pytest.mark.parametrize("ax", AXIOMS, ids=lambda a: a.name)
@settings(max_examples=30)
@given(data=st.data(), n=st.integers(1, 4), m=st.integers(1, 4))
def test_axiom_holds_in_mpmath_with_tanh(ax, data, n, m):
    ops = MP
    conv = lambda v: tuple(conv(c) for c in v) if isinstance(v, tuple) else ops.number(v)
    args = [conv(a) for a in draw_args(data, ax, n, m)]
    tol = ops.ctx.mpf(10) ** -25
    assert same(ax.lhs(ops, *args), ax.rhs(ops, *args),
                lambda a, b: abs(a - b) <= tol * (1 + abs(a) + abs(b)))


@given(gamma=rationals, n=st.integers(0, 30))
def test_power_axioms_define_gamma_to_the_n(gamma, n):
    assert {a["name"] for a in POWER_AXIOMS} == {"pow-zero", "pow-succ"}
    assert gamma ** 0 == 1 and gamma ** (n + 1) == gamma * gamma ** n


def test_a_false_axiom_would_be_caught():
    """The check can fail: u − v = v − u is not a law of vectors."""
    bad = Axiom("sub-comm", "u − v = v − u", {"u": "vec:n", "v": "vec:n"},
                lambda o, u, v: o.sub(u, v), lambda o, u, v: o.sub(v, u))
    ops = RationalOps(get_activation("poly"))
    u, v = (Fraction(1), Fraction(2)), (Fraction(0), Fraction(5))
    assert not same(bad.lhs(ops, u, v), bad.rhs(ops, u, v), lambda a, b: a == b)
