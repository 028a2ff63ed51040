"""The small algebra every learning rule is written against (DESIGN.md, "the thing
proved is the thing run").

A rule calls only these operations; each number system (sympy, exact rationals,
mpmath, arb balls, numpy floats) implements them once.  Vectors are columns; a
matrix W has rows indexed by the layer it maps *to*.

:class:`ListOps` implements the algebra over tuples of scalars for every system
whose scalars support ``+ - *``; a system then only says how to apply f and f'
(compiled from the activation's one sympy expression) and how to tidy a result.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any

import sympy as sp

from ..model.activations import Activation, x as _x


class Ops:
    """Interface of a number system.  Subclasses override what they compute faster."""

    #: short name shown in verdicts and reports
    system = "abstract"

    def __init__(self, activation: Activation):
        self.activation = activation

    def number(self, q) -> Any:
        """This system's value of an exact number (int, Fraction or sympy Rational)."""
        raise NotImplementedError

    # vectors
    def matvec(self, W, v): """W v"""; raise NotImplementedError
    def rmatvec(self, W, v): """Wᵀ v"""; raise NotImplementedError
    def add(self, u, v): """u + v"""; raise NotImplementedError
    def sub(self, u, v): """u − v"""; raise NotImplementedError
    def mul(self, u, v): """u ⊙ v (elementwise)"""; raise NotImplementedError
    def scale(self, c, v): """c v for a scalar c"""; raise NotImplementedError
    def f(self, v): """f(v) elementwise"""; raise NotImplementedError
    def df(self, v): """f'(v) elementwise"""; raise NotImplementedError
    def sqnorm(self, v): """‖v‖²"""; raise NotImplementedError
    # matrices
    def outer(self, u, v): """u vᵀ"""; raise NotImplementedError
    def mat_add(self, A, B): """A + B"""; raise NotImplementedError
    def mat_scale(self, c, A): """c A"""; raise NotImplementedError

    def name(self, v, stem: str, *index):
        """Tell the system that ``v`` is the paper's quantity ``stem^{index}``.

        Only the symbolic system uses it (for display); numbers pass through."""
        return v


class ListOps(Ops):
    """The algebra over tuples of scalars; matrices are tuples of rows."""

    system = "list"

    def __init__(self, activation: Activation, namespace: dict | None = None):
        super().__init__(activation)
        if namespace is not None:  # numeric system: f, f' compiled from the one sympy expression
            act = activation.concrete()
            mods = [namespace, "mpmath"]
            self._fn = sp.lambdify(_x, act.expr, modules=mods)
            self._dfn = sp.lambdify(_x, act.dexpr, modules=mods)

    def tidy(self, c):
        """Hook applied to every computed scalar (the symbolic system expands here)."""
        return c

    def operand(self, v):
        """Hook applied to a vector (or matrix row) before it is multiplied or fed to f:
        the symbolic system replaces sums by atoms here."""
        return v

    def _vec(self, it):
        t = self.tidy
        return tuple(t(c) for c in it)

    def number(self, q):
        return Fraction(q.p, q.q) if isinstance(q, sp.Rational) else Fraction(q)

    def matvec(self, W, v):
        v, p = self.operand(v), self.operand
        return self._vec(sum((w * c for w, c in zip(p(row), v)), 0) for row in W)

    def rmatvec(self, W, v):
        v = self.operand(v)
        W = [self.operand(row) for row in W]
        return self._vec(sum((W[i][j] * v[i] for i in range(len(W))), 0) for j in range(len(W[0])))

    def add(self, u, v):
        return self._vec(a + b for a, b in zip(u, v))

    def sub(self, u, v):
        return self._vec(a - b for a, b in zip(u, v))

    def mul(self, u, v):
        return self._vec(a * b for a, b in zip(self.operand(u), self.operand(v)))

    def scale(self, c, v):
        return self._vec(c * a for a in v)

    def f(self, v):
        return self._vec(self._fn(a) for a in self.operand(v))

    def df(self, v):
        return self._vec(self._dfn(a) for a in self.operand(v))

    def sqnorm(self, v):
        v = self.operand(v)
        return self.tidy(sum((a * a for a in v), 0))

    def outer(self, u, v):
        u, v = self.operand(u), self.operand(v)
        return tuple(self._vec(a * b for b in v) for a in u)

    def mat_add(self, A, B):
        return tuple(self._vec(a + b for a, b in zip(r, s)) for r, s in zip(A, B))

    def mat_scale(self, c, A):
        return tuple(self._vec(c * a for a in r) for r in A)
