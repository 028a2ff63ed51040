"""Exact rational arithmetic (python's Fraction): equality means equal as fractions.

Only polynomial activations (identity, poly, or any polynomial ``expr:``) stay
rational; others are refused with :class:`NotExact`."""
from __future__ import annotations

from fractions import Fraction

from ..model.activations import Activation
from .ops import ListOps


class NotExact(ValueError):
    """The activation takes rationals out of the rationals."""


class RationalOps(ListOps):
    system = "rational"

    def __init__(self, activation: Activation):
        act = activation.concrete()
        if not act.is_polynomial:
            raise NotExact(f"activation {act.name!r} is not polynomial: exact rationals need identity or a polynomial")
        # a polynomial with rational coefficients evaluates exactly on Fractions
        # (sympy prints a rational coefficient as mpf(p)/mpf(q): make that an exact Fraction)
        super().__init__(activation, namespace={"mpf": Fraction})

    def compile(self, var, expr):
        if not expr.is_polynomial(var):
            raise NotExact(f"{expr} takes rationals out of the rationals")
        return super().compile(var, expr)

    def tidy(self, c):
        if type(c) is Fraction:
            return c
        if isinstance(c, float):  # Fraction ∘ float is float arithmetic: already rounded
            raise NotExact(f"the rule's code mixes a Python float into exact arithmetic (got {c!r}); "
                           "exact rationals cannot hold its rounded result")
        return Fraction(c)
