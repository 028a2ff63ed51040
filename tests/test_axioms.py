"""Every axiom the all-depth prover assumes (pcproof.check.induction.AXIOMS) holds
numerically: the same lambdas that build the z3 formula are run over exact
rationals and over mpmath, at random widths and values drawn by hypothesis.

z3's Vec and Mat hold vectors of *every* width at once, so an axiom is also
instantiated with operands whose widths differ.  The model that justifies this
(docs/verdicts.md) gives a mismatched operation a value by resizing the second
operand to the first one's shape; every axiom must hold there too, for all
widths, unless its guard (``same_width``) excludes the mismatch.  The number
systems themselves refuse mismatched shapes (ShapeError)."""
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from pcproof.check.induction import AXIOMS, POWER_AXIOMS, Axiom, same_shape
from pcproof.model import get_activation
from pcproof.numbers import ArbOps, MpmathOps, RationalOps, ShapeError, SymbolicOps

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


# ---------------------------------------------------------------------------------
# mismatched widths
# ---------------------------------------------------------------------------------
def resize(v, n):
    """v cut or zero-padded to width n."""
    return tuple(v[:n]) + (Fraction(0),) * max(0, n - len(v))


class ResizeOps(RationalOps):
    """The model of docs/verdicts.md: an operation on mismatched operands first resizes the
    second operand to the first one's shape (a well-typed operation is unchanged)."""

    def add(self, u, v): return super().add(u, resize(v, len(u)))
    def sub(self, u, v): return super().sub(u, resize(v, len(u)))
    def mul(self, u, v): return super().mul(u, resize(v, len(u)))
    def matvec(self, W, v): return super().matvec(W, resize(v, len(W[0])))
    def rmatvec(self, W, v): return super().rmatvec(W, resize(v, len(W)))

    def mat_add(self, A, B):
        B = resize(tuple(resize(r, len(A[0])) for r in B), len(A))
        return super().mat_add(A, tuple(r if isinstance(r, tuple) else (Fraction(0),) * len(A[0]) for r in B))

    for _m in (add, sub, mul, matvec, rmatvec, mat_add):
        _m._shape_checked = True    # resize, do not refuse: this is the model, not a number system


RESIZE = ResizeOps(get_activation("poly"))


def draw_any_widths(data, ax: Axiom):
    """One value per variable, every vector and matrix with its own, independent shape."""
    out = []
    for shape in ax.shapes.values():
        kind = shape.partition(":")[0]
        if kind == "real":
            out.append(data.draw(rationals))
        elif kind == "vec":
            out.append(tuple(data.draw(rationals) for _ in range(data.draw(st.integers(1, 4)))))
        else:
            r, c = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
            out.append(tuple(tuple(data.draw(rationals) for _ in range(c)) for _ in range(r)))
    return out


@pytest.mark.parametrize("ax", AXIOMS, ids=lambda a: a.name)
@settings(max_examples=15)
@given(data=st.data())
def test_axiom_holds_or_is_guarded_at_mismatched_widths(ax, data):
    ops = RESIZE
    args = draw_any_widths(data, ax)
    names = list(ax.shapes)
    if ax.same_width:
        a, b = (names.index(n) for n in ax.same_width)
        if not same_shape(ops, args[a], args[b], ax.shapes[ax.same_width[0]]):
            return      # the guard excludes these widths: z3 never uses the axiom here
    assert same(ax.lhs(ops, *args), ax.rhs(ops, *args), lambda x, y: x == y)


def test_the_six_width_sensitive_axioms_are_guarded():
    """Without their guard these fail at mismatched widths under plain zip truncation (issue 9)."""
    guarded = {a.name for a in AXIOMS if a.same_width}
    assert {"sub-zero", "add-zero", "mul-zero", "mat-add-zero", "dim-sub", "dim-mul", "add-sub"} <= guarded


def test_an_unguarded_width_sensitive_axiom_would_be_caught():
    """The mismatched-width check can fail: (u + v) − u = v without its guard."""
    ax = next(a for a in AXIOMS if a.name == "add-sub")
    u, v = (Fraction(1),), (Fraction(2), Fraction(3))
    assert not same(ax.lhs(RESIZE, u, v), ax.rhs(RESIZE, u, v), lambda x, y: x == y)
    assert not same_shape(RESIZE, u, v, "vec:n")


NUMBER_SYSTEMS = [RationalOps(get_activation("poly")), MpmathOps(get_activation("tanh"), 30),
                  ArbOps(get_activation("tanh"), 30), SymbolicOps(get_activation("tanh"))]


@pytest.mark.parametrize("ops", NUMBER_SYSTEMS, ids=lambda o: o.system)
def test_number_systems_refuse_mismatched_shapes(ops):
    n = ops.number
    u, v = (n(1),), (n(1), n(2))
    W = ((n(1), n(2)), (n(3), n(4)), (n(5), n(6)))      # 3 × 2
    ragged = ((n(1), n(2)), (n(3),))
    for op, args in [("add", (u, v)), ("sub", (u, v)), ("mul", (v, u)), ("matvec", (W, (n(1),) * 3)),
                     ("rmatvec", (W, v)), ("matvec", (ragged, v)), ("mat_add", (W, W[:2])),
                     ("mat_add", (W, tuple(r[:1] for r in W)))]:
        with pytest.raises(ShapeError):
            getattr(ops, op)(*args)
    assert len(ops.matvec(W, v)) == 3 and len(ops.rmatvec(W, (n(1),) * 3)) == 2   # well-shaped: fine
    assert issubclass(ShapeError, ValueError)
