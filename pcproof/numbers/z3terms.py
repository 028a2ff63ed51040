"""The z3 number system: every vector and matrix is a *term*, not a value
(DESIGN.md, "the thing proved is the thing run").

Vectors and matrices are elements of the uninterpreted z3 sorts ``Vec`` and
``Mat``; the operations of the algebra (:mod:`pcproof.numbers.ops`) are
uninterpreted functions, so no width is ever fixed and ``f``, ``f'`` are
arbitrary.  Scalars are z3 reals.  Running a rule's code over :class:`Z3Ops`
therefore yields the term that rule computes, for every width at once; the
all-depth prover (:mod:`pcproof.check.induction`) turns those terms into the
step relations z3 reasons about.  Which algebraic facts z3 may use about these
functions is *not* decided here: they are the axioms listed in
:data:`pcproof.check.induction.AXIOMS`, each reported in the verdict.

>>> ops = Z3Ops()
>>> v = ops.vec("v"); W = ops.mat("W")
>>> ops.rmatvec(W, ops.scale(2, v))
rmatvec(W, scale(2, v))
"""
from __future__ import annotations

import sys
from fractions import Fraction

import z3

from ..model.activations import get as get_activation
from .ops import Ops


class Z3Ops(Ops):
    """The op algebra over z3 terms of sorts ``Vec``, ``Mat`` and ``Real``."""

    system = "z3"

    def __init__(self, activation=None, ctx: z3.Context | None = None):
        super().__init__(activation or get_activation("uninterpreted"))
        self.ctx = ctx or z3.Context()
        c = self.ctx
        self.Vec = z3.DeclareSort("Vec", c)
        self.Mat = z3.DeclareSort("Mat", c)
        R, V, M = z3.RealSort(c), self.Vec, self.Mat
        fn = lambda name, *sig: z3.Function(name, *sig)
        self.MatVec = fn("matvec", M, V, V)     # W v
        self.RMatVec = fn("rmatvec", M, V, V)   # Wᵀ v
        self.Add = fn("add", V, V, V)
        self.Sub = fn("sub", V, V, V)
        self.Mul = fn("mul", V, V, V)           # ⊙
        self.Scale = fn("scale", R, V, V)
        self.F = fn("f", V, V)
        self.DF = fn("df", V, V)                # f'
        self.SqNorm = fn("sqnorm", V, R)
        self.Outer = fn("outer", V, V, M)       # u vᵀ
        self.MatAdd = fn("mat_add", M, M, M)
        self.MatScale = fn("mat_scale", R, M, M)
        self.Dim = fn("dim", V, z3.IntSort(c))  # the width of a vector
        self.Rows = fn("rows", M, z3.IntSort(c))  # a matrix's shape
        self.Cols = fn("cols", M, z3.IntSort(c))
        self.floats: list = []                  # Python floats met (each taken as its exact binary value)
        self.Zero = fn("zero", V, V)            # the zero vector of the argument's width
        self.MatZero = fn("mat_zero", M, M)     # the zero matrix of the argument's shape

    # -- scalars ----------------------------------------------------------------
    def number(self, q):
        """A z3 real for an exact number; a sympy symbol (the free γ, α) becomes a z3 real constant;
        a Python float is its exact binary value (``Fraction(0.3)``, not 3/10), and is recorded."""
        if isinstance(q, z3.ExprRef):
            return q
        if isinstance(q, float):
            self.floats.append(q)
        sp = sys.modules.get("sympy")   # a sympy number exists only if sympy is loaded
        if sp is not None and isinstance(q, sp.Symbol):
            return z3.Real(q.name, self.ctx)
        if sp is not None and isinstance(q, sp.Rational):
            q = Fraction(q.p, q.q)
        q = Fraction(q)
        return z3.RealVal(f"{q.numerator}/{q.denominator}", self.ctx)

    def vec(self, name: str):
        return z3.Const(name, self.Vec)

    def mat(self, name: str):
        return z3.Const(name, self.Mat)

    def real(self, name: str):
        return z3.Real(name, self.ctx)

    # -- the algebra -------------------------------------------------------------
    def matvec(self, W, v): return self.MatVec(W, v)
    def rmatvec(self, W, v): return self.RMatVec(W, v)
    def add(self, u, v): return self.Add(u, v)
    def sub(self, u, v): return self.Sub(u, v)
    def mul(self, u, v): return self.Mul(u, v)
    def scale(self, c, v): return self.Scale(self.number(c), v)
    def f(self, v): return self.F(v)
    def df(self, v): return self.DF(v)
    def sqnorm(self, v): return self.SqNorm(v)
    def outer(self, u, v): return self.Outer(u, v)
    def mat_add(self, A, B): return self.MatAdd(A, B)
    def mat_scale(self, c, A): return self.MatScale(self.number(c), A)

    def is_matrix(self, a) -> bool:
        """Is the term ``a`` of sort Mat (the graph engine adds matrices and vectors apart)?"""
        return a.sort() == self.Mat

    def zero_like(self, v):
        """The zero vector of ``v``'s width (there is no width-free zero)."""
        return self.Zero(v)
