"""Activation functions f, each written once as a sympy expression in ``x``.

f' is derived by sympy (never typed by hand), and every number system gets its
f and f' from these expressions (``lambdify``), so there is one place for each
activation.  float64 arrays get them in an efficient form (:func:`array_form`): an
expression recognised in a small table, each entry tested against the expression it
stands for, or a polynomial, else ``lambdify`` too.  The *uninterpreted* activation
leaves f and f' opaque: a proof with it holds for every activation.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Callable


def _sympy():
    """sympy, and this module's symbols in it (``x``, the uninterpreted ``f`` and ``f'``), made on
    first use: an all-depth proof with an uninterpreted f never needs sympy (start-up)."""
    import sympy as sp
    if "x" not in globals():
        _make_symbols(sp)
    return sp


def _make_symbols(sp):
    class f(sp.Function):
        """The uninterpreted activation f."""

        def _latex(self, printer, exp=None):
            s = r"f\!\left(%s\right)" % printer._print(self.args[0])
            return s if exp is None else r"%s^{%s}" % (s, exp)

    class fprime(sp.Function):
        """The uninterpreted derivative f' (an opaque function: nothing links it to f,
        so an identity proved with it needs no property of derivatives)."""

        def _latex(self, printer, exp=None):
            s = r"f'\!\left(%s\right)" % printer._print(self.args[0])
            return s if exp is None else r"\left(%s\right)^{%s}" % (s, exp)

    for cls in (f, fprime):
        cls.__qualname__ = cls.__name__   # pickled by name, as a module-level class would be
    globals().update(f=f, fprime=fprime, x=sp.Symbol("x", real=True))


def __getattr__(name):
    """``x``, ``f``, ``fprime``: made with sympy on first use (see :func:`_sympy`)."""
    if name in ("x", "f", "fprime"):
        _sympy()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class ActivationError(ValueError):
    """Unknown or malformed activation (a user error: exit code 2)."""


@dataclass(frozen=True)
class Activation:
    """An activation: ``expr`` is f(x) as a sympy expression, or None if uninterpreted."""

    name: str
    expr: sp.Expr | None
    # Concrete function used wherever numbers are needed for an uninterpreted f
    # (a counterexample with f := tanh refutes a claim "for every f").
    numeric_instance: str | None = field(default=None, compare=False)

    @property
    def uninterpreted(self) -> bool:
        return self.expr is None

    @cached_property
    def dexpr(self) -> sp.Expr:
        """f'(x), derived by sympy."""
        if self.expr is None:
            raise ActivationError("the uninterpreted activation has no expression")
        return _sympy().diff(self.expr, x)

    @property
    def is_polynomial(self) -> bool:
        if self.expr is None:
            return False
        _sympy()
        return self.expr.is_polynomial(x)

    def concrete(self) -> "Activation":
        """This activation, or the one that stands for it in numeric evaluation."""
        return get(self.numeric_instance) if self.uninterpreted else self

    def symbolic_f(self, a):
        _sympy()
        return f(a) if self.expr is None else self.expr.xreplace({x: a})

    def symbolic_df(self, a):
        _sympy()
        return fprime(a) if self.expr is None else self.dexpr.xreplace({x: a})

    def latex(self) -> str:
        return r"f \text{ uninterpreted}" if self.expr is None else r"f(x) = " + _sympy().latex(self.expr)


#: The built-in activations, each f(x) written once (in sympy, over x).
_BUILTIN_EXPR: dict[str, Callable | None] = {
    "uninterpreted": None,
    "sigmoid": lambda sp, x: 1 / (1 + sp.exp(-x)),
    "tanh": lambda sp, x: sp.tanh(x),
    "identity": lambda sp, x: x,
    "softplus": lambda sp, x: sp.log(1 + sp.exp(x)),
    # A polynomial activation: exact rational arithmetic applies to it.
    "poly": lambda sp, x: x + x**2 / 2,
}


class _Builtins(Mapping):
    """name → :class:`Activation`, each made on first look-up (the uninterpreted one needs no sympy)."""

    def __init__(self):
        self._made: dict[str, Activation] = {}

    def __getitem__(self, name: str) -> Activation:
        if name not in self._made:
            build = _BUILTIN_EXPR[name]
            self._made[name] = (Activation(name, None, numeric_instance="tanh") if build is None
                                else Activation(name, build(_sympy(), x)))
        return self._made[name]

    def __iter__(self):
        return iter(_BUILTIN_EXPR)

    def __len__(self):
        return len(_BUILTIN_EXPR)


BUILTIN: Mapping[str, Activation] = _Builtins()


def get(name: str) -> Activation:
    """Look up an activation by name, or parse ``expr:<sympy expression in x>``."""
    if name in BUILTIN:
        return BUILTIN[name]
    if name.startswith("expr:"):
        text = name[len("expr:"):]
        sp = _sympy()
        try:
            expr = sp.parse_expr(text, local_dict={"x": x})
        except Exception as exc:  # sympy raises many kinds on bad text
            raise ActivationError(f"cannot parse activation expression {text!r}: {exc}") from None
        if not isinstance(expr, sp.Expr) or not expr.free_symbols <= {x}:
            raise ActivationError(f"activation expression {text!r} must be an expression in x alone")
        return Activation(name, expr)
    raise ActivationError(
        f"unknown activation {name!r} (choose from {', '.join(BUILTIN)}, or expr:<expression in x>)"
    )


# -- efficient float64 forms ------------------------------------------------------------------
@dataclass(frozen=True)
class ArrayForm:
    """f and f' of one activation for float64 numpy arrays, derived from its sympy expression.

    ``df_from_f(s)``, when given, is f'(x) computed from s = f(x) of the same x (sigmoid′ =
    s(1 − s), tanh′ = 1 − t²): a caller that has just computed f(x) gets f'(x) for one
    elementwise product instead of a second ``exp``.  ``identity``: f(x) = x and f' = 1, so
    f returns its operand and f' a read-only broadcast 1 (nothing is allocated).

    These forms agree with the sympy expression to float64 round-off in *absolute* terms
    near f' = 0 (s(1 − s) is 0 once s rounds to 1, for x > 37, where σ′ < 1e-16)."""

    kind: str                  # which pattern matched: a name from _FORMS, "polynomial" or "lambdify"
    f: Callable
    df: Callable
    df_from_f: Callable | None = None
    identity: bool = False


def array_form(act: Activation) -> ArrayForm:
    """The efficient float64 form of ``act`` (its numeric instance if uninterpreted): a table
    of known expressions, then polynomials (Horner, no powers), else ``sympy.lambdify``."""
    return _array_form(act.concrete().expr)


@lru_cache(maxsize=None)
def _array_form(expr: sp.Expr) -> ArrayForm:
    import numpy as np
    sp = _sympy()

    known = _forms(np).get(expr)
    if known is not None:
        return known
    if expr.is_polynomial(x):
        try:
            f_c = [float(c) for c in sp.Poly(expr, x).all_coeffs()]
            df_c = [float(c) for c in sp.Poly(sp.diff(expr, x), x).all_coeffs()]
        except (TypeError, ValueError, sp.PolynomialError):
            pass                # a coefficient with no float value: lambdify says what it can
        else:
            return ArrayForm("polynomial", _horner(np, f_c), _horner(np, df_c))
    return ArrayForm("lambdify", _lambdified(np, expr), _lambdified(np, sp.diff(expr, x)))


def _forms(np) -> dict:
    """Known activations (each keyed by its own expression, written here independently of
    BUILTIN, so a changed definition no longer matches and falls back to lambdify) and
    their efficient forms; ``tests/test_train.py`` checks each against the expression."""
    sp = _sympy()

    def sigmoid(v):            # 1/(1 + e^{-x}), in place on one new array (divide: np.reciprocal is slower)
        s = np.exp(np.negative(v, dtype=float))
        s += 1.0
        return np.divide(1.0, s, out=s)

    def sigmoid_d(s):          # σ′ = σ(1 − σ)
        d = np.subtract(1.0, s)
        d *= s
        return d

    def tanh_d(t):             # tanh′ = 1 − tanh²
        d = np.multiply(t, t)
        return np.subtract(1.0, d, out=d)

    def ident(v):
        return np.asarray(v, dtype=float)

    def ones(v):
        return np.broadcast_to(1.0, np.shape(v))

    return {
        1 / (1 + sp.exp(-x)): ArrayForm("sigmoid", sigmoid, lambda v: sigmoid_d(sigmoid(v)), sigmoid_d),
        sp.tanh(x): ArrayForm("tanh", np.tanh, lambda v: tanh_d(np.tanh(v)), tanh_d),
        sp.log(1 + sp.exp(x)): ArrayForm("softplus", lambda v: np.logaddexp(0.0, v), sigmoid),
        x: ArrayForm("identity", ident, ones, identity=True),
    }


def _horner(np, coeffs):
    """Σ c_k x^k by Horner's rule (coefficients highest first): products and sums only."""
    lead, rest = coeffs[0], coeffs[1:]

    def fn(v):
        v = np.asarray(v, dtype=float)
        if not rest:
            return np.full(v.shape, lead)
        r = np.multiply(lead, v)
        for i, c in enumerate(rest):
            if c:
                r += c
            if i < len(rest) - 1:
                r *= v
        return r

    return fn


def _lambdified(np, expr):
    fn = _sympy().lambdify(x, expr, modules="numpy")
    # lambdify of a constant (f' of a linear f) returns a scalar: broadcast it
    return lambda v: np.broadcast_to(fn(v), np.shape(v)).astype(float)
