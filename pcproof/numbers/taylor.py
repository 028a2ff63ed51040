"""Truncated Taylor (Laurent) series in one small parameter ε: the number system the kernel's
"exact to order k in a knob" judgement runs a rule in (pcproof.check.judge.judge_knob_order,
pcproof.kernel.decide_series_order; docs/zoo.md, "Orders in a knob").

A scalar is ``Σ_{j=v}^{p−1} c_j ε^j + O(ε^p)`` (:class:`Series`), its coefficients in one of two
fields, so the same arithmetic serves the proof and its witness:

* ``field="sympy"``: sympy expressions in the point's symbols and in f, f′, f″, … of an
  *uninterpreted* f (independent unknown functions, related only through the expansion
  done here: f(a₀ + h) = Σ f⁽ⁿ⁾(a₀) hⁿ/n!), so a coefficient that expands to 0 vanishes for
  every f;
* ``field="rational"``: exact Fractions at a rational point with a polynomial f, the witness
  that a coefficient is not identically 0.

A rule's knob enters as a sympy polynomial in the symbol :data:`EPS` (GAIT-prop's γ = ε,
AR's η = 1 − ε): :meth:`TaylorOps.number` turns it into an exact series; the point's own
numbers are constants.  Division by ε (GAIT-prop's γ^{−l} rescaling) gives a Laurent series;
the absolute precision ``p`` is carried through every operation, so a coefficient is
computed only where it is known (the judge raises the working order until the entries it
asks for are known).

f⁻¹ is the inverse *function* (the idea of the former test-local ``TaylorOps``): f⁻¹(z) for
z₀ = f(a₀), a value this system computed with f, is a₀ + Σ g_n hⁿ/n! with g₁ = 1/f′(a₀) and
g_{n+1} = (d g_n/da) g₁ (so G(F(a)) = a and G′ = 1/F′∘G); for any other z₀ (sympy field) an
opaque ``finv(z₀)``, about which nothing is assumed but G′ = 1/F′∘G.

Branches.  A comparison of series (rule code's ``if gamma == 0``, ``if eta > 0.5``) is
decided only when its difference is known exactly in rational numbers, and then only by a
non-zero constant term (its sign is the same for every small |ε|: a decision valid in a
neighbourhood of ε = 0) or by being identically 0; anything else is recorded
(:attr:`TaylorOps.branches`) and answered generically, and the kernel then answers
"undecided".  Python floats met are recorded too (a rounded number: :meth:`TaylorOps.inexact`).
"""
from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache

import sympy as sp

from ..model.activations import Activation, x as _x
from ..rules.base import RuleError
from .ops import ListOps

class NotExpandable(ArithmeticError):
    """What the series system cannot do (a Python number of a value depending on ε, f of a
    pole, an f⁻¹ with no exact inverse at a witness): the judgement is then "undecided"."""


def identically_zero(c) -> bool:
    """A coefficient (sympy) is 0 identically: with every application f⁽ⁿ⁾(s), finv(z) taken as a
    free symbol (an identity in free symbols holds for every f), over one common denominator
    (Cayley's quotients, 1/f′), the numerator expands to 0 and the denominator does not
    (sound wherever the denominators are defined)."""
    import symengine as se
    if c == 0:
        return True
    apps = {a: sp.Dummy(f"_app{i}") for i, a in enumerate(c.atoms(sp.Function))}
    num, den = sp.fraction(sp.together(c.xreplace(apps)))
    return se.expand(se.sympify(num)) == 0 and se.expand(se.sympify(den)) != 0


#: the small parameter of every series
EPS = sp.Symbol("epsilon", real=True)
INF = math.inf


@lru_cache(maxsize=None)
def derivative_function(n: int):
    """f⁽ⁿ⁾ of the uninterpreted f as a sympy function (f and f′ are pcproof's own)."""
    from ..model import activations as A
    A._sympy()
    if n == 0:
        return A.f
    if n == 1:
        return A.fprime
    return sp.Function("f" + "'" * n)


#: the opaque inverse applied to a value not known to be an f(a)
FINV = sp.Function("finv")


@lru_cache(maxsize=None)
def inverse_derivatives(n: int) -> tuple:
    """(g_1 … g_n): the derivatives of f⁻¹ at f(a) as expressions in d_k = f⁽ᵏ⁾(a):
    g_1 = 1/d_1, g_{m+1} = (Σ_k ∂g_m/∂d_k d_{k+1}) g_1 (the chain rule through a = f⁻¹(y))."""
    d = sp.symbols(f"d1:{n + 2}")
    out = [1 / d[0]]
    while len(out) < n:
        g = out[-1]
        out.append(sp.together(sum(sp.diff(g, d[k]) * d[k + 1] for k in range(n)) * out[0]))
    return d, tuple(out)


class Series:
    """Σ c[i] ε^(v+i) + O(ε^prec); ``prec`` INF: exact (no remainder)."""

    __slots__ = ("v", "c", "prec", "ops")

    def __init__(self, ops, v: int, c, prec=INF):
        """``c``: every coefficient from ε^v up to min(prec, the value's own end) — an operation
        never truncates at the working order itself: this does, and then says so in ``prec``
        (a finite precision beyond the working order, or an exact value with terms there,
        becomes O(ε^order): coefficients not computed are never taken for known)."""
        self.ops = ops
        c = list(c)
        while c and ops.is_zero(c[0]):
            c.pop(0)
            v += 1
        while c and ops.is_zero(c[-1]):
            c.pop()
        cap = ops.order
        if prec > cap and (prec != INF or (c and v + len(c) > cap)):
            prec = cap
        if prec != INF:
            c = c[:max(0, prec - v)]
        self.v, self.c, self.prec = (v if c else 0), tuple(c), prec

    # -- structure ------------------------------------------------------------------------
    @property
    def valuation(self):
        """The lowest order that may be non-zero (a lower bound: a coefficient stored may be 0
        without being written 0)."""
        return self.v if self.c else self.prec

    def coeff(self, j):
        i = j - self.v
        return self.c[i] if 0 <= i < len(self.c) else self.ops.zero

    def known(self, j) -> bool:
        return j < self.prec

    def _s(self, o) -> "Series":
        return o if isinstance(o, Series) else self.ops.number(o)

    # -- arithmetic ------------------------------------------------------------------------
    def __add__(self, o):
        o = self._s(o)
        prec = min(self.prec, o.prec)
        lo = min(self.valuation, o.valuation)
        hi = min(prec, max(self.v + len(self.c), o.v + len(o.c)))
        if lo == INF:
            return Series(self.ops, 0, (), prec)
        return Series(self.ops, lo, [self.coeff(j) + o.coeff(j) for j in range(lo, hi)], prec)

    __radd__ = __add__

    def __neg__(self):
        return Series(self.ops, self.v, [-a for a in self.c], self.prec)

    def __sub__(self, o):
        return self + (-self._s(o))

    def __rsub__(self, o):
        return self._s(o) + (-self)

    def __mul__(self, o):
        o = self._s(o)
        va, vb = self.valuation, o.valuation
        prec = min(self.prec + vb, o.prec + va)
        if not self.c or not o.c:
            return Series(self.ops, 0, (), prec)
        lo = va + vb
        hi = min(prec, lo + len(self.c) + len(o.c) - 1)
        out = []
        for j in range(lo, hi):
            terms = [self.c[i] * o.c[j - lo - i] for i in range(len(self.c)) if 0 <= j - lo - i < len(o.c)]
            out.append(sum(terms[1:], terms[0]) if terms else self.ops.zero)
        return Series(self.ops, lo, out, prec)

    __rmul__ = __mul__

    def inverse(self):
        """1/self = ε^{−v} (1/c_v)(1 − r + r² …): its lowest stored coefficient must be non-zero."""
        if not self.c:
            raise ZeroDivisionError("division by a series known to be O(ε^p) only, or 0")
        ops = self.ops
        b0 = self.c[0]
        ops.check_divisor(b0)
        inv0 = ops.one / b0
        if len(self.c) == 1 and self.prec == INF:
            return Series(ops, -self.v, [inv0], INF)
        rel = self.prec - self.v                          # relative precision, kept by 1/b
        count = int(min(rel, ops.order + self.v))         # orders −v … min(rel − v, order) − 1
        d = [inv0]
        for m in range(1, max(count, 0)):
            terms = [self.c[i] * d[m - i] for i in range(1, min(m, len(self.c) - 1) + 1)]
            d.append(-(sum(terms[1:], terms[0]) if terms else ops.zero) * inv0)
        return Series(ops, -self.v, d[:max(count, 0)], min(rel - self.v, ops.order))

    def __truediv__(self, o):
        return self * self._s(o).inverse()

    def __rtruediv__(self, o):
        return self._s(o) * self.inverse()

    def __pow__(self, k):
        if not isinstance(k, int) or isinstance(k, bool):
            raise NotExpandable(f"a series to the power {k!r}: only whole powers are Taylor-expanded here")
        base = self if k >= 0 else self.inverse()
        out = self.ops.number(1)
        for _ in range(abs(k)):
            out = out * base
        return out

    def __pos__(self):
        return self

    # -- comparisons: decided only where valid for every small |ε| ---------------------------
    def _cmp(self, op, o):
        return self.ops.decide(op, self - self._s(o))

    def __eq__(self, o): return self._cmp("==", o)
    def __ne__(self, o): return self._cmp("!=", o)
    def __lt__(self, o): return self._cmp("<", o)
    def __le__(self, o): return self._cmp("<=", o)
    def __gt__(self, o): return self._cmp(">", o)
    def __ge__(self, o): return self._cmp(">=", o)
    def __bool__(self): return self.ops.decide("!=", self)
    __hash__ = None

    def _number(self, kind):
        raise NotExpandable(f"the rule asks for a Python {kind} of a value in the Taylor series system "
                            "(its code cannot be expanded in ε)")

    def __float__(self): return self._number("float")
    def __int__(self): return self._number("int")
    def __index__(self): return self._number("int")

    def __repr__(self):
        terms = " + ".join(f"({c})·ε^{self.v + i}" for i, c in enumerate(self.c)) or "0"
        return terms + ("" if self.prec == INF else f" + O(ε^{self.prec})")


_OPS = {"==": lambda s: s == 0, "!=": lambda s: s != 0, "<": lambda s: s < 0, "<=": lambda s: s <= 0,
        ">": lambda s: s > 0, ">=": lambda s: s >= 0}


#: the generic answer to an undecided comparison (as pcproof.numbers.symbolic's; recorded anyway)
_GENERIC = {"==": False, "!=": True, "<": False, "<=": False, ">": True, ">=": True}


class TaylorOps(ListOps):
    """The rule's algebra over :class:`Series` with coefficients in ``field`` ("sympy" or
    "rational"), truncated at absolute order ``order`` (ε^order and beyond dropped)."""

    system = "taylor"

    def __init__(self, activation: Activation, field: str = "sympy", order: int = 4):
        if field not in ("sympy", "rational"):
            raise ValueError(f"field must be sympy or rational, got {field!r}")
        if field == "rational" and not activation.is_polynomial:
            raise NotExpandable(f"exact rational Taylor coefficients need a polynomial f, not {activation.name}")
        super().__init__(activation)
        self.field, self.order = field, order
        self.zero, self.one = (sp.Integer(0), sp.Integer(1)) if field == "sympy" else (Fraction(0), Fraction(1))
        self.branches: list = []          # undecided comparisons: (op, difference as text)
        self.floats: list = []            # Python floats the rule's code computed with
        self.opaque_inverse = 0           # f⁻¹ applied to a value not known to be an f(a)
        self._preimage: dict = {}         # f(a₀) → a₀ (f⁻¹ as the inverse function)
        self._ambiguous: set = set()
        self._derivs: dict = {}
        self._args: dict = {}             # f's arguments → the symbols standing for them
        self.inverted = False             # f⁻¹ was taken (the witness's f must then be invertible)
        self._span = None                 # (least, greatest) rational argument f was applied at

    # -- the coefficient field --------------------------------------------------------------
    def is_zero(self, c) -> bool:
        """Written 0 (sympy: the expression 0; rationals: 0).  Soundness never rests on it:
        a coefficient kept that is 0 only lowers the valuation and so the precision."""
        return c == 0 if self.field == "rational" else (c is sp.S.Zero or c == 0)

    def check_divisor(self, c):
        if self.field == "rational":
            if c == 0:
                raise ZeroDivisionError("division by a series whose lowest coefficient is 0 at this point")
        elif identically_zero(c):
            raise ZeroDivisionError("division by a series whose lowest coefficient is identically 0")

    def _coef(self, q):
        if self.field == "rational":
            if isinstance(q, sp.Basic):
                if not q.is_Rational:
                    raise NotExpandable(f"a coefficient {q} is not a rational number")
                return Fraction(int(q.p), int(q.q))
            return Fraction(q)
        return sp.Rational(q.numerator, q.denominator) if isinstance(q, Fraction) else sp.sympify(q)

    # -- scalars ----------------------------------------------------------------------------
    def number(self, q):
        if isinstance(q, Series):
            return q
        if isinstance(q, bool):
            raise RuleError(f"a number was expected, got {q!r}")
        if isinstance(q, float):
            self.floats.append(repr(q))
            q = Fraction(q)                  # its exact binary value; the kernel then says "undecided"
        if isinstance(q, sp.Basic) and q.has(sp.Float):
            self.floats.append(str(q))
        if isinstance(q, sp.Basic) and q.has(EPS):
            try:
                poly = sp.Poly(sp.expand(q), EPS)
            except sp.PolynomialError:
                raise NotExpandable(f"the knob's value {q} is not a polynomial in ε") from None
            coeffs = poly.all_coeffs()[::-1]
            return Series(self, 0, [self._coef(c) for c in coeffs])
        return Series(self, 0, [self._coef(q)])

    def tidy(self, c):
        return c if isinstance(c, Series) else self.number(c)

    def inexact(self) -> bool:
        return bool(self.floats)

    def decide(self, op, d: Series) -> bool:
        """A comparison ``d op 0``: decided by an exact rational d that is identically 0 or has a
        non-zero constant term (same sign for every small |ε|), else recorded and answered
        generically (≠)."""
        rational = all(isinstance(c, Fraction) or (isinstance(c, sp.Basic) and c.is_Rational) for c in d.c)
        if rational:
            if not d.c and d.prec == INF:
                return _OPS[op](0)
            c0 = d.coeff(0)
            if d.v >= 0 and d.known(0) and c0 != 0:
                return _OPS[op](c0)
        self.branches.append((op, repr(d)[:200]))
        return _GENERIC[op]

    # -- f, f′ and f⁻¹ by Taylor expansion ---------------------------------------------------
    def derivative(self, n: int, a0):
        """f⁽ⁿ⁾(a₀) in the field."""
        act = self.activation
        if act.uninterpreted:
            if self.field == "rational":
                raise NotExpandable("an uninterpreted f has no rational values")
            return derivative_function(n)(self._argument(a0))
        key = n
        if key not in self._derivs:
            self._derivs[key] = sp.diff(act.expr, _x, n)
        e = self._derivs[key]
        if self.field == "sympy":
            return e.xreplace({_x: a0})
        return self._coef(e.xreplace({_x: sp.Rational(a0.numerator, a0.denominator)}))

    def _argument(self, a0):
        """f's argument as a symbol standing for it (hash-consed on the expression, so BP and
        the rule, computing x̄ by the same code, meet in one symbol).  Sound: an identity in
        f⁽ⁿ⁾(s) for a free s holds for s = a₀; it keeps expansion from entering the argument."""
        if a0.is_Symbol or a0.is_Number:
            return a0
        s = self._args.get(a0)
        if s is None:
            s = self._args[a0] = sp.Dummy(f"xi{len(self._args)}", real=True)   # never a point's name
        return s

    def _compose(self, a: Series, coeff_of) -> Series:
        """Σ coeff_of(n) hⁿ with a = a₀ + h (a₀ the constant term), to a's precision."""
        if a.valuation < 0:
            raise NotExpandable("f of a value with a pole in ε (its series starts at a negative power)")
        a0 = a.coeff(0)
        h = a - Series(self, 0, [a0])
        if not h.c:
            return Series(self, 0, [coeff_of(0)], h.prec) if h.prec < INF else Series(self, 0, [coeff_of(0)])
        vh = h.valuation
        cap = min(h.prec, self.order)
        out, power, n = Series(self, 0, [coeff_of(0)]), Series(self, 0, [self.one]), 0
        while (n + 1) * vh < cap:
            n += 1
            power = power * h
            out = out + Series(self, 0, [coeff_of(n)]) * power
        return Series(self, out.v, out.c, min(out.prec, (n + 1) * vh))

    def _fvalue(self, a: Series, shift: int) -> Series:
        a0 = a.coeff(0)
        if self.field == "rational":
            lo, hi = self._span or (a0, a0)
            self._span = (min(lo, a0), max(hi, a0))
        out = self._compose(a, lambda n: self.derivative(n + shift, a0) / math.factorial(n))
        if shift == 0:
            y0 = out.coeff(0)
            prev = self._preimage.get(y0)
            if prev is not None and prev != a0:
                self._ambiguous.add(y0)
            self._preimage[y0] = a0
        return out

    def f(self, v):
        return tuple(self._fvalue(self.tidy(a), 0) for a in v)

    def df(self, v):
        return tuple(self._fvalue(self.tidy(a), 1) for a in v)

    def finv(self, v):
        """f⁻¹ elementwise, the inverse function's Taylor expansion about z₀ = f(a₀)."""
        return tuple(self._inverse(self.tidy(z)) for z in v)

    def _inverse(self, z: Series) -> Series:
        z0 = z.coeff(0)
        if self.activation.expr is not None and self.activation.expr == _x:
            return z
        if z0 in self._ambiguous:
            raise NotExpandable("f⁻¹ of a value f takes at two points of this computation: which branch is meant?")
        self.inverted = True
        a0 = self._preimage.get(z0)
        if a0 is None:
            if self.field == "rational":
                raise NotExpandable("f⁻¹ of a rational that f was not seen to produce (no exact inverse here)")
            self.opaque_inverse += 1
            a0 = FINV(z0)
        need = max(1, self.order)
        ds, gs = inverse_derivatives(need)
        values = {ds[k]: self.derivative(k + 1, a0) for k in range(need + 1)}
        if self.field == "rational" and values[ds[0]] == 0:
            raise ZeroDivisionError("f′ = 0 where f⁻¹ is taken: no local inverse")

        def g(n):
            if n == 0:
                return a0
            e = gs[n - 1].xreplace({k: (sp.Rational(v.numerator, v.denominator) if isinstance(v, Fraction) else v)
                                    for k, v in values.items()})
            return (self._coef(e) if self.field == "rational" else e) / math.factorial(n)
        return self._compose(z, g)


    def unfolded(self, c, F=None):
        """A sympy coefficient with every argument symbol replaced by the expression it stands
        for and f⁽ⁿ⁾(a) written as the n-th derivative of one sympy function ``F`` (default:
        pcproof's f): what sympy's own differentiation of a composition gives."""
        F = F or derivative_function(0)
        back = {s: e for e, s in self._args.items()}
        xi = sp.Dummy("xi")

        def deriv(n):
            return (lambda a: F(a)) if n == 0 else (lambda a: sp.Subs(sp.Derivative(F(xi), (xi, n)), xi, a))
        for _ in range(len(back) + 1):          # arguments may contain other arguments' symbols
            if not (c.free_symbols & set(back)):
                break
            c = c.xreplace(back)
        order_of = {derivative_function(n): n for n in range(self.order + 2)}
        return c.replace(lambda e: isinstance(e, sp.Function) and e.func in order_of,
                         lambda e: deriv(order_of[e.func])(*e.args))

    def invertible_span(self) -> bool:
        """At a witness: f′ has no real root between the least and greatest argument f was
        applied at, so f is strictly monotone there (poly: f′ = 1 + x, arguments above −1) and
        the local inverse f⁻¹ took is that of an invertible f (extended monotonically)."""
        if self._span is None or self.activation.expr == _x:
            return True
        lo, hi = (sp.Rational(q.numerator, q.denominator) for q in self._span)
        d = sp.Poly(sp.diff(self.activation.expr, _x), _x)
        return d.count_roots(lo, hi) == 0 and d.eval(lo) != 0


def coefficients(s: Series, orders) -> list:
    """The coefficients of ``s`` at ``orders`` (each must be known: j < s.prec)."""
    out = []
    for j in orders:
        if not s.known(j):
            raise ArithmeticError(f"the ε^{j} coefficient is not known (precision O(ε^{s.prec}))")
        out.append(s.coeff(j))
    return out
