"""mpmath at a chosen number of decimal digits, in a private context (the global
``mpmath.mp`` precision is left alone)."""
from __future__ import annotations

import mpmath
import sympy as sp

from ..model.activations import Activation
from .ops import ListOps


class MpmathOps(ListOps):
    system = "mpmath"

    def __init__(self, activation: Activation, digits: int = 50):
        ctx = mpmath.MPContext()
        ctx.dps = digits
        self.ctx, self.digits = ctx, digits
        ns = {name: getattr(ctx, name) for name in ("mpf", "exp", "log", "tanh", "cosh", "sinh", "sqrt", "atan",
                                                      "atanh", "asinh", "acosh")}
        super().__init__(activation, namespace=ns)

    def number(self, q):
        if isinstance(q, sp.Rational):
            return self.ctx.mpf(q.p) / q.q
        if hasattr(q, "numerator"):
            return self.ctx.mpf(q.numerator) / q.denominator
        return self.ctx.mpf(q)

    def matvec(self, W, v):
        return tuple(self.ctx.fdot(row, v) for row in W)

    def rmatvec(self, W, v):
        return tuple(self.ctx.fdot([W[i][j] for i in range(len(W))], v) for j in range(len(W[0])))
