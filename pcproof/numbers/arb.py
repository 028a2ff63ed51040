"""Rigorous ball arithmetic (python-flint's arb): every value is a ball [m ± r]
guaranteed to contain the true real number.

python-flint keeps **one global working precision** (``flint.ctx.prec``), so an
:class:`ArbOps` re-asserts its own precision at the start of every operation:
two systems at different digits can be used side by side.  Balls made while
another precision was in force stay valid (they only carry a wider radius).

What equality means for balls (``equal`` / ``different`` / ``undecided``) is
decided in one place, :mod:`pcproof.numbers.compare`.
"""
from __future__ import annotations

import math
from operator import add as _add, mul as _mul, sub as _sub
from fractions import Fraction
from functools import lru_cache

import flint
import sympy as sp
from sympy.printing.pycode import MpmathPrinter

from ..model.activations import Activation, x as _x
from .ops import ListOps

arb = flint.arb
_ZERO = arb(0)


def bits_for(digits: int) -> int:
    """Working precision in bits for ``digits`` decimal digits (as python-flint's ``ctx.dps``)."""
    return max(2, int(math.ceil(digits * math.log2(10))) + 3)


def ipow(a, n: int):
    """a**n for an integer n by repeated products.

    python-flint's ``arb ** int`` goes through exp(n log a) when the ball contains 0
    and returns nan (so tanh' = 1 − tanh² was nan near x = 0); products stay tight."""
    if n == 2:
        return a * a
    if n < 0:
        return 1 / ipow(a, -n)
    out, base = arb(1), a
    while n:
        if n & 1:
            out = out * base
        n >>= 1
        if n:
            base = base * base
    return out


class _BallPrinter(MpmathPrinter):
    """sympy's mpmath printer, with integer powers printed as ``ipow(base, n)``."""

    def _print_Pow(self, expr, rational=False):
        if expr.exp.is_Integer:
            return f"ipow({self._print(expr.base)}, {int(expr.exp)})"
        return super()._print_Pow(expr, rational=rational)


#: functions sympy's printer may write, each computed by arb (rigorous); nothing else is
#: allowed: an unknown name must fail, never fall back to 15-digit floats or mpmath
BALL_FUNCTIONS = ("exp", "log", "sqrt", "sin", "cos", "tan", "sec", "csc", "cot", "asin", "acos", "atan",
                  "sinh", "cosh", "tanh", "sech", "csch", "coth", "asinh", "acosh", "atanh", "erf", "erfc")


def _ball_namespace() -> dict:
    ns = {}
    for name in BALL_FUNCTIONS:
        method = getattr(arb, name)
        ns[name] = lambda a, _m=method: _m(a if type(a) is arb else arb(a))
    ns["sign"] = lambda a: (a if type(a) is arb else arb(a)).sgn()
    old = flint.ctx.prec
    try:  # constants once, at 1000 digits (a ball of them stays valid at any precision)
        flint.ctx.prec = 3400
        ns.update(pi=arb.pi(), e=arb.const_e(), E=arb.const_e())
    finally:
        flint.ctx.prec = old
    ns.update(mpf=arb, ipow=ipow)
    return ns


@lru_cache(maxsize=64)
def _compiled(activation: Activation):
    """f and f' of the activation's one sympy expression, compiled for balls (cached:
    ``lambdify`` costs far more than a whole fuzz case).

    Only arb's own functions are in scope (no mpmath fallback); an activation using
    anything else is refused with :class:`~pcproof.model.ActivationError`."""
    from ..model import ActivationError
    act = activation.concrete()
    allowed = {getattr(sp, n) for n in BALL_FUNCTIONS} | {sp.Abs, sp.sign}
    for e in (act.expr, act.dexpr):
        bad = sorted({type(g).__name__ for g in e.atoms(sp.Function) if type(g) not in allowed}
                     | {t.__name__ for t in (sp.Max, sp.Min) if e.has(t)})
        if bad:
            raise ActivationError(f"activation {activation.name!r} uses {', '.join(bad)}, which ball arithmetic "
                                  f"here does not provide; use --system mpmath")
    printer = _BallPrinter({"fully_qualified_modules": False, "inline": True,
                            "allow_unknown_functions": True, "user_functions": {}})
    ns = _ball_namespace()
    compile_ = lambda e: sp.lambdify(_x, e, modules=[ns], printer=printer)  # noqa: E731
    fn, dfn = compile_(act.expr), compile_(act.dexpr)
    # a constant expression (f' of the identity) compiles to a function returning a number
    if not act.expr.free_symbols:
        c = arb(fn(0)); fn = lambda a: c  # noqa: E731
    if not act.dexpr.free_symbols:
        dc = arb(dfn(0)); dfn = lambda a: dc  # noqa: E731
    probe = arb(1) / 3
    for which, g in (("f", fn), ("f'", dfn)):
        try:
            value = g(probe)
        except (NameError, TypeError, AttributeError) as exc:
            raise ActivationError(f"activation {activation.name!r}: {which} uses something ball arithmetic "
                                  f"does not provide ({exc}); use --system mpmath") from None
        if not isinstance(value, arb):
            raise ActivationError(f"activation {activation.name!r}: {which} does not evaluate to a ball "
                                  f"(got {type(value).__name__}); use --system mpmath")
    return fn, dfn


class ArbOps(ListOps):
    """Balls at ``digits`` decimal digits; the rule code runs unchanged on them."""

    system = "arb"

    def __init__(self, activation: Activation, digits: int = 50):
        super().__init__(activation)  # no namespace: f, f' come from the cache below
        self.digits = digits
        self.prec = bits_for(digits)
        self._fn, self._dfn = _compiled(activation)
        self._by_id: dict = {}    # id(Fraction) → (the Fraction, its ball at this precision)
        self._mats: dict = {}     # id(W) → (W, arb_mat)
        self._applied: dict = {}  # (id(v), f or f') → (v, result)
        self._enter()


    def compile(self, var, expr):
        """``expr`` in ball arithmetic (arb's own functions only, as for f)."""
        printer = _BallPrinter({"fully_qualified_modules": False, "inline": True,
                                "allow_unknown_functions": True, "user_functions": {}})
        return sp.lambdify(var, expr, modules=[_ball_namespace()], printer=printer)
    def _enter(self):
        """Make this system's precision the working one (python-flint's is global)."""
        if flint.ctx.prec != self.prec:
            flint.ctx.prec = self.prec

    # -- scalars -------------------------------------------------------------------
    def number(self, q):
        hit = self._by_id.get(id(q))  # the strategies draw from one table of Fractions
        if hit is not None and hit[0] is q:
            return hit[1]
        self._enter()
        if type(q) is Fraction:  # remembered (by identity, holding q so its id stays its own)
            v = arb(flint.fmpq(q.numerator, q.denominator))
            if len(self._by_id) > 4096:
                self._by_id.clear()
            self._by_id[id(q)] = (q, v)
            return v
        if isinstance(q, arb):
            return q
        if hasattr(q, "numerator") and hasattr(q, "denominator") and not isinstance(q, float):
            return arb(flint.fmpq(int(q.numerator), int(q.denominator)))
        if isinstance(q, sp.Rational):
            return arb(flint.fmpq(int(q.p), int(q.q)))
        if isinstance(q, sp.Basic):
            raise TypeError(f"arb cannot represent the symbolic value {q!r}")
        return arb(q)  # int, float (exact) or a decimal string

    def tidy(self, c):
        return c if isinstance(c, arb) else arb(c)

    # -- the algebra, without per-scalar hooks (balls need no tidying) ----------------
    # Precision is re-asserted where new values enter (number, matvec, rmatvec, f, f');
    # a ball computed at another precision is still rigorous, only wider.
    def _matrix(self, W, transpose: bool):
        """W (or Wᵀ) as a flint ``arb_mat``, remembered while W is alive: a rule applies
        the same θ^{l+1}_t many times (every inference step until it learns)."""
        key = (id(W), transpose)
        hit = self._mats.get(key)
        if hit is not None and hit[0] is W:
            return hit[1]
        if len(self._mats) > 512:
            self._mats.clear()
        M = flint.arb_mat(W)
        if transpose:
            M = M.transpose()
        self._mats[key] = (W, M)
        return M

    def matvec(self, W, v):
        """W v: flint's matrix product for larger W, a Python sum for small ones."""
        self._enter()
        if len(v) < 3:
            return tuple([sum(map(_mul, row, v), _ZERO) for row in W])
        return tuple((self._matrix(W, False) * flint.arb_mat([[c] for c in v])).entries())

    def rmatvec(self, W, v):
        """Wᵀ v."""
        self._enter()
        if len(v) < 3:
            return tuple([sum(map(_mul, col, v), _ZERO) for col in zip(*W)])
        return tuple((self._matrix(W, True) * flint.arb_mat([[c] for c in v])).entries())

    def add(self, u, v):
        return tuple(map(_add, u, v))

    def sub(self, u, v):
        return tuple(map(_sub, u, v))

    def mul(self, u, v):
        return tuple(map(_mul, u, v))

    def scale(self, c, v):
        return tuple([c * a for a in v])

    def _apply(self, fn, v, tag):
        """fn elementwise, remembered for the same vector object (a rule asks for f(x^{l+1}_t)
        both for the prediction μ^l_t and for the update Δθ^{l+1}: one set of exp/tanh)."""
        key = (id(v), tag)
        hit = self._applied.get(key)
        if hit is not None and hit[0] is v:
            return hit[1]
        self._enter()
        out = tuple(map(fn, v))
        if len(self._applied) > 1024:
            self._applied.clear()
        self._applied[key] = (v, out)
        return out

    def f(self, v):
        return self._apply(self._fn, v, 0)

    def df(self, v):
        return self._apply(self._dfn, v, 1)

    def sqnorm(self, v):
        return sum(map(_mul, v, v), _ZERO)

    def exp(self, v):
        self._enter()
        return tuple([(a if type(a) is arb else arb(a)).exp() for a in v])

    def recip(self, v):
        self._enter()
        return tuple([1 / a for a in v])

    def outer(self, u, v):
        return tuple([tuple([a * b for b in v]) for a in u])

    def mat_add(self, A, B):
        return tuple([tuple(map(_add, r, s)) for r, s in zip(A, B)])

    def mat_scale(self, c, A):
        return tuple([tuple([c * a for a in r]) for r in A])
