"""Rigorous ball arithmetic (python-flint's arb): every value is an interval that
is guaranteed to contain the true real number."""
from __future__ import annotations

import flint

from ..model.activations import Activation
from .ops import ListOps


class ArbOps(ListOps):
    system = "arb"

    def __init__(self, activation: Activation, digits: int = 50):
        self.digits = digits
        flint.ctx.dps = digits  # python-flint keeps one global working precision
        ns = {"exp": lambda a: a.exp(), "log": lambda a: a.log(), "tanh": lambda a: a.tanh(),
              "cosh": lambda a: a.cosh(), "sinh": lambda a: a.sinh(), "sqrt": lambda a: a.sqrt(),
              "mpf": flint.arb}
        super().__init__(activation, namespace=ns)

    def number(self, q):
        if hasattr(q, "p") and hasattr(q, "q"):
            return flint.arb(flint.fmpq(int(q.p), int(q.q)))
        if hasattr(q, "numerator"):
            return flint.arb(flint.fmpq(q.numerator, q.denominator))
        return flint.arb(q)

    def tidy(self, c):
        return c if isinstance(c, flint.arb) else flint.arb(c)
