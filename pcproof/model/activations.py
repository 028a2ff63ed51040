"""Activation functions f, each written once as a sympy expression in ``x``.

f' is derived by sympy (never typed by hand), and every number system gets its
f and f' from these expressions (``lambdify``), so there is one place for each
activation.  The *uninterpreted* activation leaves f and f' opaque: a proof with
it holds for every activation.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp

x = sp.Symbol("x", real=True)


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
        return sp.diff(self.expr, x)

    @property
    def is_polynomial(self) -> bool:
        return self.expr is not None and self.expr.is_polynomial(x)

    def concrete(self) -> "Activation":
        """This activation, or the one that stands for it in numeric evaluation."""
        return get(self.numeric_instance) if self.uninterpreted else self

    def symbolic_f(self, a):
        return f(a) if self.expr is None else self.expr.xreplace({x: a})

    def symbolic_df(self, a):
        return fprime(a) if self.expr is None else self.dexpr.xreplace({x: a})

    def latex(self) -> str:
        return r"f \text{ uninterpreted}" if self.expr is None else r"f(x) = " + sp.latex(self.expr)


BUILTIN: dict[str, Activation] = {
    "uninterpreted": Activation("uninterpreted", None, numeric_instance="tanh"),
    "sigmoid": Activation("sigmoid", 1 / (1 + sp.exp(-x))),
    "tanh": Activation("tanh", sp.tanh(x)),
    "identity": Activation("identity", x),
    "softplus": Activation("softplus", sp.log(1 + sp.exp(x))),
    # A polynomial activation: exact rational arithmetic applies to it.
    "poly": Activation("poly", x + x**2 / 2),
}


def get(name: str) -> Activation:
    """Look up an activation by name, or parse ``expr:<sympy expression in x>``."""
    if name in BUILTIN:
        return BUILTIN[name]
    if name.startswith("expr:"):
        text = name[len("expr:"):]
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
