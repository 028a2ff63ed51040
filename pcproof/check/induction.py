"""The all-depth prover: a theorem for every depth L ≥ 1 and every width, by
induction over layers (and over inference time for the wavefront lemma), each
base case, inductive step and direct step an obligation the kernel forms and
z3 discharges (:class:`pcproof.kernel.Proof`).

How the step relations are obtained ("the thing proved is the thing run").
Nothing of the PCN or the rule is written again here.  A :class:`GenericPCN` is
:class:`pcproof.rules.pc.PCN` — the graph engine :class:`~pcproof.rules.graph.GraphPCN`
on the ``mlp`` family, :class:`~pcproof.model.families.Layers` — at a *symbolic* depth,
with layer and time indices that are z3 integers (:class:`Idx`) and vectors that are z3
terms (:class:`pcproof.numbers.z3terms.Z3Ops`).  Its state ``x(l, t)``, ``eps(l, t)``,
``theta(k, t)``, ``b(l, t)`` are uninterpreted functions of the indices; the
relations between them are obtained by running the *same* code — the engine's methods
(``x``, ``eps``, ``mu``, ``param``, ``gate``, ``delta`` …, reached through PCN's
layered names ``theta``, ``b``, ``delta_theta``, ``delta_b``) and, through
the rule object, the rule's own ``inference_step``, ``gate``, ``steps`` and
``update_step`` — once, at a generic (l, t) and a symbolic depth L.  A rule that
overrides anything else that reaches its updates (``updates``, ``trajectory`` …)
is not run here: the answer is ``unknown`` naming the method (:func:`unrunnable`).
Where the code branches on an index (``l == L``, ``t == 0``, ``t == l + offset`` …)
the branch is explored both ways (:class:`IndexSpace`) and each path becomes a
guarded definition, after checking that it reads only strictly earlier states
(:meth:`World.check_causal`).  The run's horizon (``rule.steps(L)``, run at the
symbolic L) is a lemma proved for every L.

The ANN's recursion (docs/notation.md: x̄^l = θ^{l+1} f(x̄^{l+1}) (+ b^l), δ^0 = s_out − x̄^0,
δ^l = f'(x̄^l) ⊙ (θ^l)ᵀ δ^{l-1}) is built from the same functions of
:mod:`pcproof.rules.equations` that :class:`pcproof.rules.bp.ANN` calls; only its
index wiring (which layer feeds which) is restated, in :meth:`World.ann_facts`.

What is assumed is listed in the verdict: the axioms (:data:`AXIOMS`, each
tested numerically in tests/test_axioms.py, also at mismatched widths), the
theorem's hypotheses (C1 as x^l_0 = x̄^l, the network's shape), and the generic
statement of each theorem (:data:`STATEMENTS`, cross-checked against the concrete
prover at depths 1 … 12 in the tests).
"""
from __future__ import annotations

import builtins
import numbers
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable

import sys

import z3

from .. import kernel
from ..model import Architecture
from ..numbers.z3terms import Z3Ops
from ..rules import equations as eq
from ..model.families import LayerPoint, Layers
from ..rules.pc import PCN, PCRule
from ..conditions import C1
from ..theorem import Setting, Theorem


# ---------------------------------------------------------------------------------
# symbolic indices, and exploring the branches code takes on them
# ---------------------------------------------------------------------------------
class SymbolicIndexError(TypeError):
    """Code asked for something a symbolic index cannot give (a loop bound, say)."""


class IndexSpace:
    """Decides comparisons between symbolic indices under the current assumptions;
    when a comparison is undecided it branches, and :meth:`explore` runs a piece of
    code once per branch, returning ``[(path condition, result)]``."""

    MAX_PATHS = 64

    def __init__(self, ctx: z3.Context):
        self.ctx = ctx
        self.floats: list = []      # Python floats met while rule code ran (taken exactly)
        self.power = None           # base ** Idx, set by the World (γ^n)
        self.assumptions: list = []
        self._solver = z3.Solver(ctx=ctx)
        self._trace: list | None = None
        self._forced: list = []

    def int(self, name: str) -> "Idx":
        return Idx(z3.Int(name, self.ctx), self)

    def decide(self, cond) -> bool:
        s = self._solver
        s.push()
        s.add(*self.assumptions, *[c if v else z3.Not(c) for c, v in (self._trace or [])])
        try:
            if s.check(z3.Not(cond)) == z3.unsat:
                return True
            if s.check(cond) == z3.unsat:
                return False
        finally:
            s.pop()
        if self._trace is None:
            raise SymbolicIndexError(f"cannot decide {cond} for a generic index")
        i = len(self._trace)
        choice = self._forced[i] if i < len(self._forced) else True
        self._trace.append((cond, choice))
        return choice

    def explore(self, thunk: Callable[[], Any], *assume) -> list[tuple[list, Any]]:
        saved = self.assumptions
        self.assumptions = [*saved, *assume]
        out, pending = [], [()]
        with _rule_code(self):
            return self._explore(thunk, saved, out, pending)

    def _explore(self, thunk, saved, out, pending):
        try:
            while pending:
                forced = pending.pop()
                self._forced, self._trace = list(forced), []
                result = thunk()
                trace = self._trace
                out.append(([c if v else z3.Not(c) for c, v in trace], result))
                for i in range(len(forced), len(trace)):
                    pending.append(tuple(v for _, v in trace[:i]) + (not trace[i][1],))
                if len(out) > self.MAX_PATHS:
                    raise SymbolicIndexError("too many branches on symbolic indices")
        finally:
            self._trace, self._forced, self.assumptions = None, [], saved
        return out


@contextmanager
def _rule_code(space: "IndexSpace"):
    """While rule code runs over z3 terms:

    * ``bool(term)`` must not fall back on z3's *syntactic* equality (``bool(a == b)``
      is ``a.eq(b)`` in z3py): a rule that branches on the values of its vectors (a
      gate ϕ reading ε, say) then fails loudly instead of being decided by how its
      terms happen to be written;
    * a Python float means its exact binary value (as in the ball system), not the
      decimal z3 would read from its repr (0.3 would become 3/10); each is recorded;
    * ``γ ** l`` at a symbolic l is the uninterpreted γ^l (``space.power``);
    * ``isinstance(index, …)`` cannot be answered as for the concrete int, so it refuses."""
    truth, real_val, power, is_instance = z3.AstRef.__bool__, z3.z3.RealVal, z3.ArithRef.__pow__, builtins.isinstance

    def strict(self):
        if z3.is_true(self):
            return True
        if z3.is_false(self):
            return False
        raise SymbolicIndexError(f"the rule branches on the value of {self}, which a generic proof cannot decide")

    def exact(val, ctx=None):
        if isinstance(val, float):
            space.floats.append(val)
            q = Fraction(val)
            val = f"{q.numerator}/{q.denominator}"
        return real_val(val, ctx)

    def pow_(self, other):
        if type(other) is Idx:
            if space.power is None:
                raise SymbolicIndexError(f"cannot raise {self} to the symbolic power {other}")
            return space.power(self, other)
        return power(self, other)

    def typed(obj, cls):
        # ``isinstance(t, int)`` is True for the concrete index and would be False here:
        # code that asks cannot be run generically
        if type(obj) is Idx and cls is not Idx:
            raise SymbolicIndexError(f"the rule inspects the type of the symbolic index {obj}")
        return is_instance(obj, cls)

    z3.AstRef.__bool__, z3.z3.RealVal, z3.ArithRef.__pow__, builtins.isinstance = strict, exact, pow_, typed
    try:
        yield
    finally:
        z3.AstRef.__bool__, z3.z3.RealVal, z3.ArithRef.__pow__, builtins.isinstance = truth, real_val, power, is_instance


def _is_numpy_integer(o) -> bool:
    """A numpy integer (numpy is not imported for this: if it is not loaded, o is not one)."""
    np = sys.modules.get("numpy")
    return np is not None and isinstance(o, np.integer)


def _is_sympy_rational(o) -> bool:
    """A sympy Rational (the same, for sympy)."""
    sp = sys.modules.get("sympy")
    return sp is not None and isinstance(o, sp.Rational)


class Idx:
    """A layer or time index that is a z3 integer term.  Arithmetic gives indices;
    comparisons are decided by :class:`IndexSpace` (or branch while exploring)."""

    __slots__ = ("term", "space")

    def __init__(self, term, space: IndexSpace):
        self.term, self.space = term, space

    def _lift(self, o):
        if type(o) is Idx:
            return o.term
        if isinstance(o, int) or _is_numpy_integer(o):
            return z3.IntVal(int(o), self.space.ctx)
        return None

    def _lift_number(self, o):
        """A comparison operand: also exact rationals and floats (3.0 == t holds at t = 3, as in
        Python; without this Python would fall back on identity and call it False)."""
        other = self._lift(o)
        if other is not None:
            return other
        if isinstance(o, float):
            self.space.floats.append(o)
        sympy_rational = _is_sympy_rational(o)
        if isinstance(o, (float, numbers.Rational)) or sympy_rational:
            q = Fraction(int(o.p), int(o.q)) if sympy_rational else Fraction(o)
            return z3.RealVal(f"{q.numerator}/{q.denominator}", self.space.ctx)
        return None

    def _arith(self, o, fn):
        other = self._lift(o)
        return NotImplemented if other is None else Idx(fn(self.term, other), self.space)

    def __add__(self, o): return self._arith(o, lambda a, b: a + b)
    def __radd__(self, o): return self._arith(o, lambda a, b: b + a)
    def __sub__(self, o): return self._arith(o, lambda a, b: a - b)
    def __rsub__(self, o): return self._arith(o, lambda a, b: b - a)
    def __neg__(self): return Idx(-self.term, self.space)

    def __mul__(self, o):
        """Times a Python integer (an affine index such as 3(n − k) + 1); Idx × Idx is not linear."""
        if isinstance(o, numbers.Integral) and not isinstance(o, bool):
            return Idx(self.term * int(o), self.space)
        return NotImplemented

    __rmul__ = __mul__

    def _cmp(self, o, fn):
        other = self._lift_number(o)
        return NotImplemented if other is None else self.space.decide(fn(self.term, other))

    def __eq__(self, o): return self._same(o) or self._cmp(o, lambda a, b: a == b)
    def __ne__(self, o): return not self._same(o) and self._cmp(o, lambda a, b: a != b)

    def _same(self, o) -> bool:
        """The very same term (z3 hash-conses them): equal without asking the solver."""
        other = self._lift(o)
        return other is not None and self.term.eq(other)
    def __lt__(self, o): return self._cmp(o, lambda a, b: a < b)
    def __le__(self, o): return self._cmp(o, lambda a, b: a <= b)
    def __gt__(self, o): return self._cmp(o, lambda a, b: a > b)
    def __ge__(self, o): return self._cmp(o, lambda a, b: a >= b)
    def __hash__(self): return self.term.hash()

    def __index__(self):
        raise SymbolicIndexError(f"the symbolic index {self} cannot be used as a Python integer")

    __int__ = __index__

    def __bool__(self):
        """``if l:`` is ``l != 0``, as for a Python int (not always true, as for an object)."""
        return self.space.decide(self.term != 0)

    def __repr__(self):
        return str(z3.simplify(self.term))


def term_of(i, ctx):
    return i.term if isinstance(i, Idx) else z3.IntVal(int(i), ctx)


# ---------------------------------------------------------------------------------
# axioms: facts of linear algebra taken without proof (each tested numerically)
# ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Axiom:
    """``∀ vars. [shape a = shape b →] lhs = rhs``, written once against the op algebra so
    the same lambdas build the z3 formula and the numeric test (tests/test_axioms.py).

    ``shapes``: variable → "real", "vec:n", "vec:m" or "mat:n,m" (n × m).
    ``same_width``: two variables whose widths (vectors) or shapes (matrices) the
    axiom needs equal; z3 gets it as a guard, and the test checks every axiom with
    mismatched widths too, where it must hold or its guard must exclude them."""

    name: str
    text: str
    shapes: dict
    lhs: Callable
    rhs: Callable
    same_width: tuple[str, str] | None = None
    kind: str = "linear algebra"
    weight: int = 0     # z3 instantiation weight: > 0 delays an axiom that can chain without end

    def to_dict(self) -> dict:
        return {"name": self.name, "statement": self.text, "kind": self.kind}


def zero(ops, v):
    """0_v, the zero vector of v's width: z3's ``zero`` for terms, 0·v for numbers."""
    return ops.Zero(v) if isinstance(ops, Z3Ops) else ops.scale(ops.number(0), v)


def mat_zero(ops, A):
    """0_A, the zero matrix of A's shape: z3's ``mat_zero`` for terms, 0·A for numbers."""
    return ops.MatZero(A) if isinstance(ops, Z3Ops) else ops.mat_scale(ops.number(0), A)


def dim(ops, v):
    """The width of a vector: z3's ``dim`` for terms, ``len`` for a tuple."""
    return ops.Dim(v) if isinstance(ops, Z3Ops) else len(v)


def rows(ops, A):
    """The row count of a matrix."""
    return ops.Rows(A) if isinstance(ops, Z3Ops) else len(A)


def cols(ops, A):
    """The column count of a matrix."""
    return ops.Cols(A) if isinstance(ops, Z3Ops) else len(A[0])


WEIGHT = 5
_W = "width"
AXIOMS: tuple[Axiom, ...] = (
    Axiom("rmatvec-scale", "Wᵀ(c v) = c Wᵀv", {"W": "mat:n,m", "c": "real", "v": "vec:n"},
          lambda o, W, c, v: o.rmatvec(W, o.scale(c, v)), lambda o, W, c, v: o.scale(c, o.rmatvec(W, v))),
    Axiom("mul-scale", "u ⊙ (c v) = c (u ⊙ v)", {"u": "vec:n", "c": "real", "v": "vec:n"},
          lambda o, u, c, v: o.mul(u, o.scale(c, v)), lambda o, u, c, v: o.scale(c, o.mul(u, v))),
    Axiom("scale-scale", "a (b v) = (a b) v", {"a": "real", "b": "real", "v": "vec:n"},
          lambda o, a, b, v: o.scale(a, o.scale(b, v)), lambda o, a, b, v: o.scale(a * b, v), weight=WEIGHT),
    Axiom("scale-one", "1 v = v", {"v": "vec:n"},
          lambda o, v: o.scale(o.number(1), v), lambda o, v: v),
    Axiom("sub-self", "u − u = 0_u", {"u": "vec:n"},
          lambda o, u: o.sub(u, u), lambda o, u: zero(o, u)),
    Axiom("sub-zero", "u − 0_v = u  when dim u = dim v", {"u": "vec:n", "v": "vec:n"},
          lambda o, u, v: o.sub(u, zero(o, v)), lambda o, u, v: u, same_width=("u", "v")),
    Axiom("add-zero", "u + 0_v = u  when dim u = dim v", {"u": "vec:n", "v": "vec:n"},
          lambda o, u, v: o.add(u, zero(o, v)), lambda o, u, v: u, same_width=("u", "v")),
    Axiom("rmatvec-zero", "Wᵀ 0_v = 0_{Wᵀv}", {"W": "mat:n,m", "v": "vec:n"},
          lambda o, W, v: o.rmatvec(W, zero(o, v)), lambda o, W, v: zero(o, o.rmatvec(W, v))),
    Axiom("mul-zero", "u ⊙ 0_v = 0_u  when dim u = dim v", {"u": "vec:n", "v": "vec:n"},
          lambda o, u, v: o.mul(u, zero(o, v)), lambda o, u, v: zero(o, u), same_width=("u", "v")),
    Axiom("scale-zero", "c 0_v = 0_v", {"c": "real", "v": "vec:n"},
          lambda o, c, v: o.scale(c, zero(o, v)), lambda o, c, v: zero(o, v)),
    Axiom("outer-zero", "0_u vᵀ = 0_{u vᵀ}", {"u": "vec:n", "v": "vec:m"},
          lambda o, u, v: o.outer(zero(o, u), v), lambda o, u, v: mat_zero(o, o.outer(u, v))),
    Axiom("mat-scale-zero", "c 0_A = 0_A", {"c": "real", "A": "mat:n,m"},
          lambda o, c, A: o.mat_scale(c, mat_zero(o, A)), lambda o, c, A: mat_zero(o, A)),
    Axiom("mat-add-zero", "A + 0_B = A  when A and B have one shape", {"A": "mat:n,m", "B": "mat:n,m"},
          lambda o, A, B: o.mat_add(A, mat_zero(o, B)), lambda o, A, B: A, same_width=("A", "B")),
    Axiom("add-sub", "(u + v) − u = v  when dim u = dim v", {"u": "vec:n", "v": "vec:n"},
          lambda o, u, v: o.sub(o.add(u, v), u), lambda o, u, v: v, same_width=("u", "v")),
    Axiom("dim-scale", "dim(c v) = dim v", {"c": "real", "v": "vec:n"},
          lambda o, c, v: dim(o, o.scale(c, v)), lambda o, c, v: dim(o, v), kind=_W),
    Axiom("dim-add", "dim(u + v) = dim u  when dim u = dim v", {"u": "vec:n", "v": "vec:n"},
          lambda o, u, v: dim(o, o.add(u, v)), lambda o, u, v: dim(o, u), same_width=("u", "v"), kind=_W),
    Axiom("dim-sub", "dim(u − v) = dim u  when dim u = dim v", {"u": "vec:n", "v": "vec:n"},
          lambda o, u, v: dim(o, o.sub(u, v)), lambda o, u, v: dim(o, u), same_width=("u", "v"), kind=_W),
    Axiom("dim-mul", "dim(u ⊙ v) = dim u  when dim u = dim v", {"u": "vec:n", "v": "vec:n"},
          lambda o, u, v: dim(o, o.mul(u, v)), lambda o, u, v: dim(o, u), same_width=("u", "v"), kind=_W),
    Axiom("dim-f", "dim f(v) = dim v", {"v": "vec:n"},
          lambda o, v: dim(o, o.f(v)), lambda o, v: dim(o, v), kind=_W),
    Axiom("dim-df", "dim f'(v) = dim v", {"v": "vec:n"},
          lambda o, v: dim(o, o.df(v)), lambda o, v: dim(o, v), kind=_W),
    Axiom("dim-zero", "dim 0_v = dim v", {"v": "vec:n"},
          lambda o, v: dim(o, zero(o, v)), lambda o, v: dim(o, v), kind=_W),
    Axiom("dim-matvec", "dim(W v) = rows W", {"W": "mat:n,m", "v": "vec:m"},
          lambda o, W, v: dim(o, o.matvec(W, v)), lambda o, W, v: rows(o, W), kind=_W),
    Axiom("dim-rmatvec", "dim(Wᵀ v) = cols W", {"W": "mat:n,m", "v": "vec:n"},
          lambda o, W, v: dim(o, o.rmatvec(W, v)), lambda o, W, v: cols(o, W), kind=_W),
    Axiom("rows-outer", "rows(u vᵀ) = dim u", {"u": "vec:n", "v": "vec:m"},
          lambda o, u, v: rows(o, o.outer(u, v)), lambda o, u, v: dim(o, u), kind=_W),
    Axiom("cols-outer", "cols(u vᵀ) = dim v", {"u": "vec:n", "v": "vec:m"},
          lambda o, u, v: cols(o, o.outer(u, v)), lambda o, u, v: dim(o, v), kind=_W),
    Axiom("rows-mat-scale", "rows(c A) = rows A", {"c": "real", "A": "mat:n,m"},
          lambda o, c, A: rows(o, o.mat_scale(c, A)), lambda o, c, A: rows(o, A), kind=_W),
    Axiom("cols-mat-scale", "cols(c A) = cols A", {"c": "real", "A": "mat:n,m"},
          lambda o, c, A: cols(o, o.mat_scale(c, A)), lambda o, c, A: cols(o, A), kind=_W),
    Axiom("rows-mat-add", "rows(A + B) = rows A  when A and B have one shape", {"A": "mat:n,m", "B": "mat:n,m"},
          lambda o, A, B: rows(o, o.mat_add(A, B)), lambda o, A, B: rows(o, A), same_width=("A", "B"), kind=_W),
    Axiom("cols-mat-add", "cols(A + B) = cols A  when A and B have one shape", {"A": "mat:n,m", "B": "mat:n,m"},
          lambda o, A, B: cols(o, o.mat_add(A, B)), lambda o, A, B: cols(o, A), same_width=("A", "B"), kind=_W),
)

#: the defining axioms of the uninterpreted power function γ^n (tracked like the others)
POWER_AXIOMS = (
    {"name": "pow-zero", "statement": "γ^0 = 1", "kind": "definition of γ^n"},
    {"name": "pow-succ", "statement": "γ^(n+1) = γ · γ^n for n ≥ 0", "kind": "definition of γ^n"},
)


def same_shape(ops, a, b, shape: str):
    """dim a = dim b for vectors, rows and columns equal for matrices (z3 terms or tuples)."""
    if shape.startswith("mat"):
        r, c = (rows(ops, a) == rows(ops, b)), (cols(ops, a) == cols(ops, b))
        return z3.And(r, c) if isinstance(ops, Z3Ops) else (r and c)
    return dim(ops, a) == dim(ops, b)


def z3_axiom(ops: Z3Ops, ax: Axiom):
    ctx = ops.ctx
    sort = {"real": z3.RealSort(ctx), "vec": ops.Vec, "mat": ops.Mat}
    vs = {name: z3.Const(name, sort[shape.split(":")[0]]) for name, shape in ax.shapes.items()}
    args = list(vs.values())
    lhs, rhs = ax.lhs(ops, *args), ax.rhs(ops, *args)
    body = lhs == rhs
    if ax.same_width:
        a, b = ax.same_width
        body = z3.Implies(same_shape(ops, vs[a], vs[b], ax.shapes[a]), body)
    return z3.ForAll(args, body, patterns=[lhs], qid=ax.name, weight=ax.weight)


# ---------------------------------------------------------------------------------
# which of the rule's code the prover can run, and a record of what it ran
# ---------------------------------------------------------------------------------
#: the rule's methods the all-depth prover runs symbolically (through the rule object,
#: so overrides are what runs); ``initial_values`` is not run but, when overridden,
#: C1 is not assumed (x^l_0 is left arbitrary, which only weakens the hypotheses)
RUN_SYMBOLICALLY = ("inference_step", "gate", "steps", "update_step", "initial_values")
#: PCN's methods run at a generic index when the trajectory is PCN itself, by their layered
#: names (x, eps, mu, gated_eps are GraphPCN's on the mlp family; the engine's param, delta and
#: _args, which these reach, are not listed, so that the verdict's note reads as before)
PCN_RUN = ("x", "eps", "mu", "theta", "b", "gate", "gated_eps", "delta_theta", "delta_b")
_HARMLESS = {"__init__", "describe", "name", "__module__", "__qualname__", "__doc__", "__dict__", "__weakref__",
             "__annotations__", "__firstlineno__", "__static_attributes__", "__abstractmethods__", "_abc_impl",
             "__slots__", "__repr__", "__str__", "__orig_bases__", "__parameters__"}


def _framework_names() -> set:
    """Every method through which PCN, PCRule or Rule could reach a rule's updates or errors."""
    from ..rules.base import Rule
    names = {n for cls in (PCN, PCRule, Rule) for n in dir(cls) if callable(getattr(cls, n, None))}
    return (names | {"__getattr__", "__getattribute__", "__setattr__", "__call__"}) - _HARMLESS - set(RUN_SYMBOLICALLY)


def unrunnable(rule) -> str | None:
    """Why the all-depth prover cannot run ``rule`` symbolically, or None: the rule must be a
    PCRule whose classes (its MRO up to PCRule) override only the methods it runs."""
    if not isinstance(rule, PCRule):
        return (f"the rule {type(rule).__name__} is not a PCRule, so it has no error nodes the induction "
                f"could run: cannot run {type(rule).__name__}.updates symbolically")
    framework = _framework_names()
    for cls in type(rule).__mro__:
        if cls is PCRule:
            break
        for name in vars(cls):
            if name in framework:
                return f"cannot run {cls.__qualname__}.{name} symbolically (only {', '.join(RUN_SYMBOLICALLY)} are run)"
    for name in vars(rule):
        if name in framework or name in RUN_SYMBOLICALLY:
            return f"cannot run the rule's instance attribute {name!r} symbolically"
    return None


def _record_calls(rule, ran: set) -> None:
    """Wrap the rule object's methods so that ``ran`` collects each one run (Owner.method)."""
    import inspect
    for name in dir(type(rule)):
        if name.startswith("__"):
            continue
        static = inspect.getattr_static(type(rule), name)
        if not inspect.isfunction(static):
            continue
        owner = next(c for c in type(rule).__mro__ if name in vars(c))
        bound = static.__get__(rule)

        def rec(*a, _b=bound, _n=f"{owner.__qualname__}.{name}", **k):
            ran.add(_n)
            return _b(*a, **k)
        setattr(rule, name, rec)


# ---------------------------------------------------------------------------------
# the generic network: a PCN and an ANN at symbolic depth, layer and time
# ---------------------------------------------------------------------------------
class _Lazy:
    """``params.theta[k]`` and friends at a symbolic index."""

    def __init__(self, fn, ctx):
        self.fn, self.ctx = fn, ctx

    def __getitem__(self, i):
        return self.fn(term_of(i, self.ctx))


class _Unmemo(dict):
    """PCN.gate's memo, made to forget: a key of symbolic indices must not be compared."""

    def __contains__(self, key):
        return False

    def __setitem__(self, key, value):
        self.last = value

    def __getitem__(self, key):
        return self.last


@dataclass
class _Arch:
    L: Idx
    bias: bool
    activation: Any


@dataclass
class _Params:
    theta: Any
    b: Any
    s_in: Any
    s_out: Any
    extra: dict = field(default_factory=dict)


class CausalityError(SymbolicIndexError):
    """A definition reads a state that is not strictly earlier (or reads before t = 0)."""


_SYMBOL = {"x": "x", "eps": "ε", "theta": "θ", "b": "b"}
#: the layer range of each state function (as PCN defines it)
_LAYERS = {"x": (0, 0), "eps": (0, -1), "theta": (1, 0), "b": (0, -1)}


class GenericPCN(PCN):
    """:class:`PCN` whose state at (l, t) is an uninterpreted function of the symbolic indices,
    so that running the engine's and the rule's code at a generic index gives the one-step
    relation instead of unrolling the trajectory.  Only the four states are replaced (``x``,
    ``eps``, ``theta``, ``b`` read z3 functions); everything else — ``mu``, ``param``,
    ``gate``, ``gated_eps``, ``delta``, ``delta_theta``, ``delta_b`` — is the engine's own,
    inherited, on :class:`~pcproof.model.families.Layers` at the symbolic depth (the same
    graph protocol the concrete run reads).  Every read of the state is recorded (``reads``)
    for the causality check."""

    def __init__(self, world: "World", rule: PCRule, c1: bool):
        self.world, self.rule = world, rule
        w = world
        self.ops, self.arch, self.params = w.ops, w.arch, w.params
        self.graph = Layers(w.arch.L, None, w.params.b is not None)
        self.point = LayerPoint(w.params, w.arch.L)
        self.alpha = w.alpha
        # as GraphPCN.__init__: the rule's own γ (a rule's __init__ may change it)
        self.gamma = w.ops.number(rule.gamma) if not hasattr(rule.gamma, "free_symbols") else rule.gamma
        self.x0 = _Lazy(w.X0, w.ctx)    # x^l_0: constrained only by the hypothesis C1, if assumed
        self._memo = _Unmemo()
        self.reads: list | None = None

    @property
    def steps(self):
        """rule.steps(L) at the symbolic depth (its branches on L are explored like any other)."""
        return self.rule.steps(self.arch.L)

    def _read(self, kind, l, t, fn):
        lt, tt = term_of(l, self.world.ctx), term_of(t, self.world.ctx)
        if self.reads is not None:
            self.reads.append((kind, lt, tt))
        return fn(lt, tt)

    # the abstract state
    def x(self, l, t): return self._read("x", l, t, self.world.X)
    def eps(self, l, t): return self._read("eps", l, t, self.world.E)
    def theta(self, k, t): return self._read("theta", k, t, self.world.Th)
    def b(self, l, t): return None if self.params.b is None else self._read("b", l, t, self.world.B)

    def rule_gate(self, l, t):
        """The rule's gate without the run's horizon (whose own lemma is proved apart)."""
        return None if t < 0 else self.rule.gate(self, l, t)

    def _cached(self, key, compute):
        return compute()


class World:
    """All z3 symbols of one all-depth proof, and the facts that define them."""

    def __init__(self, setting: Setting, gamma_value, activation, bias: bool):
        self.ops = ops = Z3Ops(activation)
        self.ctx = ctx = ops.ctx
        I, V, M, R = z3.IntSort(ctx), ops.Vec, ops.Mat, z3.RealSort(ctx)
        self.space = IndexSpace(ctx)
        self.L = z3.Int("L", ctx)
        self.X = z3.Function("x", I, I, V)
        self.E = z3.Function("eps", I, I, V)
        self.Th = z3.Function("theta", I, I, M)
        self.B = z3.Function("b", I, I, V)
        self.Xbar = z3.Function("x_bar", I, V)
        self.Delta = z3.Function("delta", I, V)
        self.Theta0 = z3.Function("theta_init", I, M)
        self.b0 = z3.Function("b_init", I, V)
        self.X0 = z3.Function("x_init", I, V)       # x^l_0 when C1 is not assumed
        self.Pow = z3.Function("gamma_pow", I, R)   # γ^n
        self.N = z3.Function("width", I, I)         # n_l, the width of layer l
        self.s_in, self.s_out = ops.vec("s_in"), ops.vec("s_out")
        self.alpha = ops.real("alpha")
        self.gamma = ops.number(gamma_value)
        self.space.power = self.power
        self.arch = _Arch(Idx(self.L, self.space), bias, activation)
        self.params = _Params(theta=_Lazy(self.Theta0, ctx), b=_Lazy(self.b0, ctx) if bias else None,
                              s_in=self.s_in, s_out=self.s_out)
        self.ran: set = set()
        self.proof = None
        with _rule_code(self.space):
            self.rule = setting.rule(gamma=self.gamma, init_noise=setting.init_noise,
                                     update_offset=setting.update_offset)
        why = unrunnable(self.rule)
        if why:
            raise SymbolicIndexError(why)
        # C1 is assumed only for a rule that starts as PCRule does, without noise
        self.own_initial = type(self.rule).initial_values is not PCRule.initial_values
        self.c1 = not getattr(self.rule, "init_noise", True) and not self.own_initial
        _record_calls(self.rule, self.ran)
        self.pcn = GenericPCN(self, self.rule, self.c1)
        self.zero = ops.zero_like

    def idx(self, name):
        return self.space.int(name)

    def power(self, base, n: Idx):
        """base ** n at a symbolic n: the uninterpreted γ^n, defined by pow-zero and pow-succ."""
        if z3.is_expr(base) and base.eq(self.gamma):
            return self.Pow(n.term)
        raise SymbolicIndexError(f"cannot raise {base} to the symbolic power {n} (only γ^n is defined)")

    def ran_text(self) -> str:
        return ", ".join(sorted(self.ran) + [f"PCN.{m}" for m in PCN_RUN])

    # -- facts -----------------------------------------------------------------------
    def definition(self, kind: str, vars_, guard, lhs, thunk, text) -> list:
        """The definition of one state function at a generic index: the code is run once per
        branch (``thunk`` under ``guard``), every state it reads is checked to come strictly
        earlier (:meth:`check_causal`), and each path becomes one guarded definition."""
        paths = self.space.explore(lambda: reading(self.pcn, thunk), guard)
        l, t = vars_
        out = []
        for conds, (result, reads) in paths:
            self.check_causal(kind, l.term, t.term, z3.And(guard, *conds), reads)
            cond = z3.And(guard, *conds) if conds else guard
            where = ", ".join(str(z3.simplify(c)) for c in conds)
            name = f"def {kind}[{where}]" if where else f"def {kind}"
            out.append(kernel.fact("definition", name,
                                   z3.ForAll([l.term, t.term], z3.Implies(cond, lhs == result), patterns=[lhs], qid=name),
                                   text + (f" (case {where})" if where else "")))
        return out

    def check_causal(self, kind, l, t, where, reads) -> None:
        """x(·,t) and θ, b(·,t) read only states at times ≤ t-1; ε(l,t) reads x, θ, b at
        times ≤ t and ε at times ≤ t-1; no read is at a negative time or outside the layers."""
        ctx, L = self.ctx, self.L
        own = "l" if kind != "theta" else "k"
        base = t if kind == "eps" else t - 1      # the step the definition is written from

        def show(k, li, ti):
            dl, dt = z3.simplify(li - l), z3.simplify(ti - base)
            lay = own if dl.as_long() == 0 else f"{own}{dl.as_long():+d}" if z3.is_int_value(dl) else str(z3.simplify(li))
            tim = "t" if dt.as_long() == 0 else f"t{dt.as_long():+d}" if z3.is_int_value(dt) else str(z3.simplify(ti))
            return f"{_SYMBOL[k]}^{{{lay}}}_{{{tim}}}"

        me = show(kind, l, t)

        def faults(rk, li, ti):
            latest = t if (kind == "eps" and rk != "eps") else t - 1
            lo, hi = _LAYERS[rk]
            return ((ti > latest, "circular (a definition may read only strictly earlier states)"),
                    (ti < 0, "before the run starts (a negative time)"),
                    (z3.Or(li < lo, li > L + hi), "outside the network's layers"))
        reads = list({(rk, li.get_id(), ti.get_id()): (rk, li, ti) for rk, li, ti in reads}.values())  # z3 ids: hash-consed
        # one query for every read of the path; only if it is not unsat is each read asked apart
        s = z3.Solver(ctx=ctx)
        s.add(where, z3.Or([bad for read in reads for bad, _ in faults(*read)] or [z3.BoolVal(False, ctx)]))
        if s.check() == z3.unsat:
            return
        for rk, li, ti in reads:
            for bad, why in faults(rk, li, ti):
                s = z3.Solver(ctx=ctx)
                s.add(where, bad)
                r = s.check()
                if r != z3.unsat:
                    at = ""
                    if r == z3.sat:
                        m = s.model()
                        at = f" (e.g. at L = {m.eval(L, True)}, {own} = {m.eval(l, True)}, t = {m.eval(base, True)})"
                    raise CausalityError(f"the rule's definition of {me} reads {show(rk, li, ti)}: {why}{at}")

    def pcn_facts(self) -> list:
        """The PCN's step relations, by running PCN's and the rule's code at a generic index."""
        pcn, L = self.pcn, self.L
        l, t, k = self.idx("l"), self.idx("t"), self.idx("k")
        facts = []
        in_x = z3.And(l.term >= 0, l.term <= L, t.term >= 0)
        facts += self.definition("x", (l, t), in_x, pcn.x(l, t), lambda: PCN.x(pcn, l, t),
                                 "x^l_t as PCN.x and the rule's inference_step compute it")
        in_e = z3.And(l.term >= 0, l.term <= L - 1, t.term >= 0)
        facts += self.definition("eps", (l, t), in_e, pcn.eps(l, t), lambda: PCN.eps(pcn, l, t),
                                 "ε^l_t = x^l_t − μ^l_t as PCN.eps computes it")
        in_th = z3.And(k.term >= 1, k.term <= L, t.term >= 0)
        facts += self.definition("theta", (k, t), in_th, pcn.theta(k, t), lambda: PCN.theta(pcn, k, t),
                                 "θ^k_t as PCN.theta and the rule's gate compute it")
        if self.params.b is not None:
            facts += self.definition("b", (l, t), in_e, pcn.b(l, t), lambda: PCN.b(pcn, l, t),
                                     "b^l_t as PCN.b and the rule's gate compute it")
        return facts

    def ann_facts(self) -> list:
        """The ANN's recursion, from the functions ANN calls (rules/equations.py)."""
        ops, L, ctx = self.ops, self.L, self.ctx
        l = z3.Int("l", ctx)
        b = (lambda i: self.b0(i)) if self.params.b is not None else (lambda i: None)
        fwd = eq.prediction(ops, self.Theta0(l + 1), self.Xbar(l + 1), b(l))
        back = eq.backward(ops, self.Xbar(l), self.Theta0(l), self.Delta(l - 1))
        d = lambda *a: kernel.fact("definition", *a)
        return [
            d("def x_bar[l = L]", self.Xbar(L) == self.s_in, "x̄^L = s_in"),
            d("def x_bar", z3.ForAll([l], z3.Implies(z3.And(l >= 0, l <= L - 1), self.Xbar(l) == fwd),
                                     patterns=[self.Xbar(l)], qid="def x_bar"), "x̄^l = θ^{l+1} f(x̄^{l+1}) (+ b^l)"),
            d("def delta[l = 0]", self.Delta(0) == eq.error(ops, self.s_out, self.Xbar(0)), "δ^0 = s_out − x̄^0"),
            d("def delta", z3.ForAll([l], z3.Implies(z3.And(l >= 1, l <= L - 1), self.Delta(l) == back),
                                     patterns=[self.Delta(l)], qid="def delta"), "δ^l = f'(x̄^l) ⊙ (θ^l)ᵀ δ^{l-1}"),
        ]

    def power_facts(self) -> list:
        n = z3.Int("n", self.ctx)
        return [
            kernel.fact("definition", "pow-zero", self.Pow(0) == 1, "γ^0 = 1"),
            kernel.fact("definition", "pow-succ",
                        z3.ForAll([n], z3.Implies(n >= 0, self.Pow(n + 1) == self.gamma * self.Pow(n)),
                                  patterns=[self.Pow(n + 1)], qid="pow-succ"), "γ^(n+1) = γ γ^n"),
        ]

    def axiom_facts(self) -> list:
        return [kernel.fact("axiom", ax.name, z3_axiom(self.ops, ax), ax.text) for ax in AXIOMS]

    def hypothesis_facts(self) -> list:
        l, k = z3.Int("l", self.ctx), z3.Int("k", self.ctx)
        ops, L, N = self.ops, self.L, self.N
        h = lambda *a: kernel.fact("hypothesis", *a)
        shape = [ops.Dim(self.s_in) == N(L), ops.Dim(self.s_out) == N(0),
                 z3.ForAll([k], z3.Implies(z3.And(k >= 1, k <= L), z3.And(
                     ops.Rows(self.Theta0(k)) == N(k - 1), ops.Cols(self.Theta0(k)) == N(k))),
                     patterns=[self.Theta0(k)], qid="shape theta")]
        if self.params.b is not None:
            shape.append(z3.ForAll([l], z3.Implies(z3.And(l >= 0, l <= L - 1), ops.Dim(self.b0(l)) == N(l)),
                                   patterns=[self.b0(l)], qid="shape b"))
        facts = [h("L ≥ 1", L >= 1, "the depth is at least 1"),
                 h("network shape", z3.And(*shape),
                   "s_in, s_out, θ^k (n_{k-1} × n_k) and b^l have the widths n_0 … n_L of one network")]
        if self.c1:
            facts.append(h(C1.name, C1.z3(self), "x^l_0 = x̄^l for hidden l"))
        return facts


# ---------------------------------------------------------------------------------
# the statements proved, at a generic layer
# ---------------------------------------------------------------------------------
def _gamma_is_one(w: World) -> bool:
    return z3.is_rational_value(w.gamma) and w.gamma.as_fraction() == 1


def eps_claim(w: World, theorem_name: str):
    """ε^l_l as the theorem states it: δ^l (Theorem 3.1) or γ^l δ^l (corollary)."""
    if theorem_name == "thm-3.1" or (theorem_name == "thm-3.2" and _gamma_is_one(w)):
        return (lambda l: w.E(l, l) == w.Delta(l)), "ε^l_{t=l} = δ^l"
    return (lambda l: w.E(l, l) == w.ops.scale(w.Pow(l), w.Delta(l))), "ε^l_{t=l} = γ^l δ^l"


def wavefront(w: World, t):
    """P(t): for t < l ≤ L-1, x^l_t = x̄^l and ε^l_t = 0; for t ≤ k-1, θ^k_t = θ^k (and b^l_t = b^l for t ≤ l)."""
    ctx, L = w.ctx, w.L
    l, k = z3.Int("l", ctx), z3.Int("k", ctx)
    parts = [
        z3.ForAll([l], z3.Implies(z3.And(t < l, l <= L - 1), w.X(l, t) == w.Xbar(l)), patterns=[w.X(l, t)]),
        z3.ForAll([l], z3.Implies(z3.And(t < l, l <= L - 1), w.E(l, t) == w.zero(w.Xbar(l))), patterns=[w.E(l, t)]),
        z3.ForAll([k], z3.Implies(z3.And(k >= 1, k <= L, t <= k - 1), w.Th(k, t) == w.Theta0(k)),
                  patterns=[w.Th(k, t)]),
    ]
    if w.params.b is not None:
        parts.append(z3.ForAll([l], z3.Implies(z3.And(l >= 0, l <= L - 1, t <= l), w.B(l, t) == w.b0(l)),
                               patterns=[w.B(l, t)]))
    return z3.And(*parts)


def wavefront_all(w: World):
    """The wavefront lemma as a usable fact: ∀ t ≥ 0 P(t), with one trigger per state function."""
    ctx, L = w.ctx, w.L
    l, k, t = z3.Int("l", ctx), z3.Int("k", ctx), z3.Int("t", ctx)
    facts = [
        z3.ForAll([l, t], z3.Implies(z3.And(t >= 0, t < l, l <= L - 1), w.X(l, t) == w.Xbar(l)), patterns=[w.X(l, t)]),
        z3.ForAll([l, t], z3.Implies(z3.And(t >= 0, t < l, l <= L - 1), w.E(l, t) == w.zero(w.Xbar(l))),
                  patterns=[w.E(l, t)]),
        z3.ForAll([k, t], z3.Implies(z3.And(t >= 0, k >= 1, k <= L, t <= k - 1), w.Th(k, t) == w.Theta0(k)),
                  patterns=[w.Th(k, t)]),
    ]
    if w.params.b is not None:
        facts.append(z3.ForAll([l, t], z3.Implies(z3.And(t >= 0, l >= 0, l <= L - 1, t <= l), w.B(l, t) == w.b0(l)),
                               patterns=[w.B(l, t)]))
    return z3.And(*facts)


WAVEFRONT_TEXT = ("for 0 ≤ t < l ≤ L-1: x^l_t = x̄^l and ε^l_t = 0; θ^k_t = θ^k for t ≤ k-1"
                  "; b^l_t = b^l for t ≤ l")


#: The generic statement of each theorem the all-depth prover knows.
STATEMENTS = {
    "thm-3.1": "for every L ≥ 1 and 0 ≤ l ≤ L-1: ε^l_{t=l} = δ^l",
    "thm-3.2": "for every L ≥ 1 and 0 ≤ l ≤ L-1: ΣΔθ^{l+1} (all updates the rule makes) = α δ^l f(x̄^{l+1})ᵀ"
               " (and Σ Δb^l = α δ^l with biases)",
    "cor-gamma": "for every L ≥ 1 and 0 ≤ l ≤ L-1: ε^l_{t=l} = γ^l δ^l",
}


# ---------------------------------------------------------------------------------
# the proof: predicates and facts handed to the kernel, which forms the obligations
# ---------------------------------------------------------------------------------
class HorizonError(SymbolicIndexError):
    """The run stops before a scheduled update, at the depth ``depth`` z3 found."""

    def __init__(self, msg, depth):
        super().__init__(msg)
        self.depth = depth


def common_facts(w: World) -> list:
    return w.hypothesis_facts() + w.axiom_facts() + w.power_facts() + w.ann_facts() + w.pcn_facts()


def build_proof(theorem: Theorem, w: World, timeout_ms: int):
    """Run the all-depth proof of ``theorem`` through the kernel; return (proof, theorem's lemma, eps text)."""
    ctx, L = w.ctx, w.L
    proof = w.proof = kernel.Proof(ctx, timeout_ms, label=theorem.name)   # kept for a verdict if code raises later
    facts = common_facts(w)

    # Lemma (wavefront), by induction on t.
    lemma_w = proof.induct("wavefront", lambda t: wavefront(w, t), facts, var="t", pred="P",
                           statement="P(t): " + WAVEFRONT_TEXT, use=wavefront_all(w))
    if lemma_w is None:
        return proof, None, None
    pow_lemma = []
    if theorem.name == "thm-3.2" and z3.is_rational_value(w.gamma) and w.gamma.as_fraction() != 0:
        # γ^n = 1 (γ = 1) or γ^n ≠ 0, for a rule that divides by γ^l (a learning rate α / γ^l)
        n = z3.Int("n", ctx)
        G = (lambda m: w.Pow(m) == 1) if _gamma_is_one(w) else (lambda m: w.Pow(m) != 0)
        pow_lemma.append(proof.induct("pow-one" if _gamma_is_one(w) else "pow-nonzero", G, facts, var="n", pred="G",
                                       statement="G(n): γ^n = 1" if _gamma_is_one(w) else "G(n): γ^n ≠ 0",
                                       use=z3.ForAll([n], z3.Implies(n >= 0, G(n)), patterns=[w.Pow(n)])))
        if pow_lemma[-1] is None:
            return proof, None, None
    # ε^l_l, by induction on l.
    claim, claim_text = eps_claim(w, theorem.name)
    eps_name = "eps-lemma" if theorem.name == "thm-3.2" else theorem.name
    li = z3.Int("l", ctx)
    lemma_q = proof.induct(eps_name, lambda l: z3.Implies(l <= L - 1, claim(l)), [*facts, lemma_w], var="l", pred="Q",
                           statement=f"Q(l): l ≤ L-1 → {claim_text}",
                           use=z3.ForAll([li], z3.Implies(z3.And(li >= 0, li <= L - 1), claim(li)),
                                         patterns=[w.E(li, li)]))
    if theorem.name != "thm-3.2" or lemma_q is None:
        return proof, lemma_q, claim_text
    return proof, update_lemma(w, proof, facts, lemma_w, *pow_lemma, lemma_q), claim_text


def firing_time(w: World, proof: kernel.Proof, facts: list):
    """The one step t* at which the rule's gate lets θ^{l+1} learn, as t* = l + d or t* = c:
    a candidate from a model of the explored gate, proved (by the kernel) to be the only one.
    Returns (t*, the lemma) or (None, None) if the gate never fires."""
    l, t = w.idx("l_gate"), w.idx("t_gate")
    ctx = w.ctx
    in_range = z3.And(l.term >= 0, l.term <= w.L - 1, t.term >= 0, w.L >= 1)
    paths = w.space.explore(lambda: w.pcn.rule_gate(l, t), in_range)
    fires = z3.Or(*[z3.And(*c) if c else z3.BoolVal(True, ctx) for c, r in paths if r is not None]) \
        if any(r is not None for _, r in paths) else z3.BoolVal(False, ctx)
    s = z3.Solver(ctx=ctx)
    s.add(in_range, fires)
    answer = s.check()
    if answer == z3.unsat:
        return None, None  # never learns (θ's total update is then its zero, as PCN's _sum)
    if answer != z3.sat:   # z3 gave up: "never learns" would be an assumption, not a fact
        raise SymbolicIndexError(f"z3 could not decide when the rule's gate fires ({s.reason_unknown()})")
    m = s.model()
    tv, lv = m.eval(t.term).as_long(), m.eval(l.term).as_long()
    for cand in (l.term + (tv - lv), z3.IntVal(tv, ctx)):
        chk = z3.Solver(ctx=ctx)
        chk.add(in_range, z3.Not(fires == (t.term == cand)))
        if chk.check() == z3.unsat:
            lemma = proof.prove("gate", z3.Implies(in_range, fires == (t.term == cand)), facts,
                                over=(l.term, t.term), statement=f"the rule's gate fires for θ^{{l+1}} only at t = {cand}")
            return (lambda li: z3.substitute(cand, (l.term, li))), lemma
    raise SymbolicIndexError("the rule's gate does not fire at a single step t = l + d or t = c")


def horizon_lemma(w: World, proof: kernel.Proof, facts: list, tstar):
    """∀ L ≥ 1, 0 ≤ l ≤ L-1: t*(l) ≥ 0 → t*(l) < rule.steps(L), with steps run at the symbolic L.
    If it fails, z3's model names a depth at which the run stops before an update."""
    ctx, L = w.ctx, w.L
    lh = z3.FreshInt("l", ctx)
    paths = w.space.explore(lambda: w.pcn.steps, L >= 1)
    goal = z3.And(*[z3.Implies(z3.And(*conds, lh >= 0, lh <= L - 1, tstar(lh) >= 0), tstar(lh) < term_of(S, ctx))
                    for conds, S in paths])
    s = z3.Solver(ctx=ctx)
    s.add(L >= 1, z3.Not(goal))
    if s.check() == z3.sat:
        m = s.model()
        depth, layer = m.eval(L, True).as_long(), m.eval(lh, True).as_long()
        steps = w.rule.steps(depth)
        raise HorizonError(f"at depth L = {depth} the run stops (t < {steps}) before θ^{layer + 1} "
                           f"learns at t = {z3.simplify(tstar(z3.IntVal(layer, ctx)))}", depth)
    return proof.prove("horizon", goal, facts, over=(lh,),
                       statement="for every L ≥ 1: the run lasts past the last update (t* < rule.steps(L))")


def update_lemma(w: World, proof: kernel.Proof, facts: list, *lemmas):
    """Theorem 3.2's direct step: the total update of θ^{l+1} (and b^l) the run makes equals BP's."""
    ops, ctx = w.ops, w.ctx
    l0 = z3.FreshInt("l", ctx)
    l = Idx(l0, w.space)
    in_range = z3.And(l0 >= 0, l0 <= w.L - 1, w.L >= 1)
    tstar, gate_lemma = firing_time(w, proof, facts)
    used = [*facts, *lemmas]
    goals = []
    bp_theta = eq.weight_update(ops, w.alpha, w.Delta(l0), w.Xbar(l0 + 1))
    zero_theta = ops.mat_scale(ops.number(0), w.Theta0(l0 + 1))   # as PCN's _sum: a zero of θ's shape
    if tstar is None:
        goals.append(zero_theta == bp_theta)
        if w.params.b is not None:
            goals.append(ops.scale(ops.number(0), w.b0(l0)) == eq.bias_update(ops, w.alpha, w.Delta(l0)))
    else:
        if gate_lemma is None:
            return None
        horizon = horizon_lemma(w, proof, facts, tstar)
        if horizon is None:
            return None
        used += [gate_lemma, horizon]
        t_at = Idx(tstar(l0), w.space)

        def total(fn, zero, bp):
            # the only update of the run is the one made at t*: PCN.delta_θ / delta_b there
            for conds, r in w.space.explore(lambda: fn(l, t_at), in_range):
                goals.append(z3.Implies(z3.And(*conds) if conds else z3.BoolVal(True, ctx),
                                        (zero if r is None else r) == bp))
        total(w.pcn.delta_theta, zero_theta, bp_theta)
        if w.params.b is not None:
            total(w.pcn.delta_b, ops.scale(ops.number(0), w.b0(l0)), eq.bias_update(ops, w.alpha, w.Delta(l0)))
    return proof.prove("thm-3.2", z3.Implies(in_range, z3.And(*goals)), used, over=(l0,),
                       statement=STATEMENTS["thm-3.2"], claim="Σ_t Δθ^{l+1}_t = α δ^l f(x̄^{l+1})ᵀ")


# ---------------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------------
def _gamma(theorem: Theorem, setting: Setting):
    return theorem.resolve_gamma(setting)


def meta_for(theorem: Theorem, setting: Setting, activation, bias: bool) -> dict:
    g = _gamma(theorem, setting)
    return dict(theorem=theorem.name, depth=None, widths=None, activation=activation.name, bias=bias,
                gamma=str(g), rule=setting.rule_name(), hypotheses=[c.name for c in theorem.hypotheses],
                conditions=theorem.conditions_held(setting, g))


def refuter(theorem: Theorem, setting: Setting, activation, bias: bool, max_depth: int = 6,
            deadline: float | None = None, first: int | None = None):
    """Search concrete depths (``first``, if given — a depth z3 named —, then 1, 2, …, widths
    1 then 2 per layer) with the concrete prover; return its first ``refuted`` verdict or None."""
    def shapes():
        if first is not None:
            yield first, 1
        for L in range(1, max_depth + 1):
            for n in (1, 2):
                yield L, n

    def search():
        from .concrete import prove as prove_concrete   # loaded only when a refutation is searched
        for L, n in shapes():
            left = None if deadline is None else deadline - time.perf_counter()
            if left is not None and left <= 0:
                return None
            arch = Architecture((n,) * (L + 1), activation, bias)
            try:
                v = prove_concrete(theorem, arch, setting, timeout=left)
            except Exception:  # a rule that cannot run at these widths gives no counterexample
                continue
            if v.verdict == kernel.REFUTED:
                return v
        return None
    return search


def reading(pcn, thunk):
    """Run ``thunk`` (a state's definition) and return its value with the states it read, as
    recorded by ``pcn`` (the causality check reads them)."""
    pcn.reads = []
    try:
        return thunk(), pcn.reads
    finally:
        pcn.reads = None

def _where(exc: BaseException) -> str:
    """' at FILE:LINE (in FUNCTION)' of the rule's own code in ``exc``'s traceback: the deepest
    frame outside pcproof's machinery and z3 (a built-in rule's frame counts as the rule's)."""
    import os
    import sysconfig
    import traceback
    pkg = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    rules = os.path.join(pkg, "rules")
    skip = (os.path.dirname(os.path.abspath(z3.__file__)), sysconfig.get_paths()["stdlib"])
    for fr in reversed(traceback.extract_tb(exc.__traceback__)):
        f = os.path.abspath(fr.filename)
        if f.startswith(skip) or (f.startswith(pkg) and not f.startswith(rules)):
            continue
        return f" at {fr.filename}:{fr.lineno} (in {fr.name})"
    return ""


def prove_all_depths(theorem: Theorem, setting: Setting = Setting(), activation=None, bias: bool = False,
                     timeout: float | None = 60, max_refute_depth: int = 6) -> kernel.Verdict:
    """Prove ``theorem`` for every depth L ≥ 1 and all widths, or refute it at a concrete depth.
    Never raises for a rule's error: a rule that cannot be run symbolically is ``unknown``."""
    from ..model import get_activation
    activation = activation or get_activation("uninterpreted")
    start = time.perf_counter()
    meta = meta_for(theorem, setting, activation, bias)
    deadline = None if not timeout else start + timeout
    refute = refuter(theorem, setting, activation, bias, max_refute_depth, deadline)
    if theorem.name not in STATEMENTS:
        return kernel.decide_induction(meta, None, refute, start=start,
                                       why=f"no all-depth statement of {theorem.name} (known: {', '.join(STATEMENTS)})")
    axioms = [ax.to_dict() for ax in AXIOMS] + list(POWER_AXIOMS)
    info = dict(statement=STATEMENTS[theorem.name], wavefront=WAVEFRONT_TEXT, axioms=axioms)
    w = None
    try:
        w = World(setting, _gamma(theorem, setting), activation, bias)
        proof, lemma, eps_text = build_proof(theorem, w, timeout_ms=int(1000 * min(timeout or 20, 20)))
    except HorizonError as exc:
        info.update(ran=w.ran_text(), note=_floats_note(w), found_by="the concrete prover at the depth z3's model of the failed "
                                               "horizon lemma names")
        return kernel.decide_induction(meta, w.proof, refuter(theorem, setting, activation, bias, max_refute_depth,
                                                              deadline, first=exc.depth),
                                       start=start, info=info, why=f"the horizon fails: {exc}")
    except Exception as exc:  # the rule's code (or what it asked of a symbolic index) cannot run generically
        where = _where(exc)
        what = (str(exc) if isinstance(exc, SymbolicIndexError)
                else f"{type(exc).__name__}: {exc}".rstrip(": "))
        if w is not None:
            info.update(ran=w.ran_text(), note=_floats_note(w))
        return kernel.decide_induction(meta, getattr(w, "proof", None), refute, start=start, info=info,
                                       why=f"the rule's code cannot run at a generic index: {what}{where}")
    info.update(eps_claim=eps_text, ran=w.ran_text(),
                c1=("C1: x^l_0 = x̄^l (the rule starts from the feed-forward values)" if w.c1 else
                    f"C1 not assumed ({'the rule overrides initial_values, not run: x^l_0 is arbitrary' if w.own_initial else 'the run perturbs x^l_0'})"),
                hypotheses=["L ≥ 1", "network shape"], note=_floats_note(w))
    return kernel.decide_induction(meta, proof, refute, start=start, info=info, theorem=lemma)


def _floats_note(w: World) -> str:
    """What the verdict must say about how the rule's code was read: floats met, initial values not run."""
    out = []
    if w.own_initial:
        out.append(f"{type(w.rule).__qualname__}.initial_values not run: x^l_0 taken as arbitrary (C1 not assumed)")
    met = w.space.floats + w.ops.floats
    if met:
        shown = ", ".join(repr(f) for f in list(dict.fromkeys(met))[:4])
        out.append(f"floats met in the rule's code ({shown}): each taken as its exact binary value")
    return "; ".join(out)
