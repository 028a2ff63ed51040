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

import sys
from fractions import Fraction
from typing import Any

from ..model.activations import Activation


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
    # concrete functions of graph primitives (softmax attention), not the activation f
    def exp(self, v): """exp(v) elementwise"""; raise NotImplementedError
    def recip(self, v): """1/v elementwise (undefined where an entry is 0)"""; raise NotImplementedError
    # matrices
    def outer(self, u, v): """u vᵀ"""; raise NotImplementedError
    def mat_add(self, A, B): """A + B"""; raise NotImplementedError
    def mat_scale(self, c, A): """c A"""; raise NotImplementedError

    def name(self, v, stem: str, *index):
        """Tell the system that ``v`` is the paper's quantity ``stem^{index}``.

        Only the symbolic system uses it (for display); numbers pass through."""
        return v


def _is_sympy_rational(q) -> bool:
    """A sympy Rational, asked without importing sympy (if it is not loaded, q is not one)."""
    sp = sys.modules.get("sympy")
    return sp is not None and isinstance(q, sp.Rational)


class ShapeError(ValueError):
    """Two operands whose shapes do not fit (u + v with dim u ≠ dim v, W v with v not
    of W's column count, a ragged matrix): the op is undefined, so it refuses."""


def _width_of_matrix(W, op):
    """W's column count, after checking every row has it (a ragged W is no matrix)."""
    if not len(W):
        return 0
    cols = len(W[0])
    if any(len(r) != cols for r in W):
        raise ShapeError(f"{op}: ragged matrix (row lengths {sorted({len(r) for r in W})})")
    return cols


def _check_shapes(op, args):
    """Raise :class:`ShapeError` unless ``op``'s operands fit (no silent ``zip`` truncation)."""
    if op in ("add", "sub", "mul"):
        u, v = args
        if len(u) != len(v):
            raise ShapeError(f"{op}: vectors of widths {len(u)} and {len(v)}")
    elif op == "matvec":
        W, v = args
        if _width_of_matrix(W, op) != len(v) and len(W):
            raise ShapeError(f"matvec: a {len(W)}×{len(W[0])} matrix times a vector of width {len(v)}")
    elif op == "rmatvec":
        W, v = args
        _width_of_matrix(W, op)
        if len(W) != len(v):
            raise ShapeError(f"rmatvec: the transpose of a {len(W)}-row matrix times a vector of width {len(v)}")
    elif op == "mat_add":
        A, B = args
        if len(A) != len(B) or _width_of_matrix(A, op) != _width_of_matrix(B, op):
            raise ShapeError(f"mat_add: matrices of shapes {len(A)}×{len(A[0]) if len(A) else 0} "
                             f"and {len(B)}×{len(B[0]) if len(B) else 0}")


#: the operations of two operands whose shapes must agree
_SHAPED = ("add", "sub", "mul", "matvec", "rmatvec", "mat_add")


def _shape_checked(op, fn):
    def checked(self, a, b):
        _check_shapes(op, (a, b))
        return fn(self, a, b)
    checked.__name__, checked.__doc__, checked.__wrapped__ = fn.__name__, fn.__doc__, fn
    checked._shape_checked = True
    return checked


class ListOps(Ops):
    """The algebra over tuples of scalars; matrices are tuples of rows.

    Operands of mismatched shapes raise :class:`ShapeError`, in this class and in
    every subclass that overrides an operation (the check is wrapped around the
    override here, so a faster ``add`` cannot bring ``zip``'s truncation back)."""

    system = "list"

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        for op in _SHAPED:
            fn = cls.__dict__.get(op)
            if fn is not None and not getattr(fn, "_shape_checked", False):
                setattr(cls, op, _shape_checked(op, fn))

    def __init__(self, activation: Activation, namespace: dict | None = None):
        super().__init__(activation)
        self._namespace = namespace
        if namespace is not None:  # numeric system: f, f' compiled from the one sympy expression
            import sympy as sp
            from ..model.activations import x as _x
            act = activation.concrete()
            mods = [namespace, "mpmath"]
            self._fn = sp.lambdify(_x, act.expr, modules=mods)
            self._dfn = sp.lambdify(_x, act.dexpr, modules=mods)
        self._exp = (namespace or {}).get("exp")   # the system's own exp, if it has one

    def compile(self, var, expr):
        """``expr``, a sympy expression in ``var``, as a function on this system's scalars: how a
        rule evaluates a function of its own (GAIT-prop's f⁻¹) in the arithmetic it runs in."""
        if self._namespace is None:
            raise NotImplementedError(f"the {self.system} system compiles no expressions")
        import sympy as sp
        return sp.lambdify(var, expr, modules=[self._namespace, "mpmath"])

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
        return Fraction(q.p, q.q) if _is_sympy_rational(q) else Fraction(q)

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

    def exp(self, v):
        if self._exp is None:   # exact rationals: exp of a rational is not one (ArithmeticError: skipped)
            raise ArithmeticError(f"{self.system}: exp takes values out of this number system")
        return self._vec(self._exp(a) for a in self.operand(v))

    def recip(self, v):
        return self._vec(1 / a for a in self.operand(v))

    def outer(self, u, v):
        u, v = self.operand(u), self.operand(v)
        return tuple(self._vec(a * b for b in v) for a in u)

    def mat_add(self, A, B):
        return tuple(self._vec(a + b for a, b in zip(r, s)) for r, s in zip(A, B))

    def mat_scale(self, c, A):
        return tuple(self._vec(c * a for a in r) for r in A)


for _op in _SHAPED:
    setattr(ListOps, _op, _shape_checked(_op, getattr(ListOps, _op)))
