"""The all-depth prover: a theorem for every depth L ≥ 1 and every width, by
induction over layers (and over inference time for the wavefront lemma), each
base case and each inductive step an unsat query discharged by z3.

How the step relations are obtained ("the thing proved is the thing run").
Nothing of the PCN or the rule is written again here.  A :class:`GenericPCN`
stands in for :class:`pcproof.rules.pc.PCN` with *symbolic* layer and time
indices (:class:`Idx`, z3 integers) and vectors that are z3 terms
(:class:`pcproof.numbers.z3terms.Z3Ops`).  Its state ``x(l, t)``, ``eps(l, t)``,
``theta(k, t)``, ``b(l, t)`` are uninterpreted functions of the indices; the
relations between them are obtained by running the *same* code — ``PCN.x``,
``PCN.eps``, ``PCN.mu``, ``PCN.theta``, ``PCN.delta_theta``, the rule's own
``inference_step`` and ``gate`` — once, at a generic (l, t).  Where that code
branches on an index (``l == L``, ``t == 0``, ``t == l + offset`` …) the branch
is explored both ways (:class:`IndexSpace`) and each path becomes a guarded
relation.  A bug seeded into a rule therefore changes what z3 sees.

The ANN's recursion (MATH.md: x̄^l = θ^{l+1} f(x̄^{l+1}) (+ b^l), δ^0 = s_out − x̄^0,
δ^l = f'(x̄^l) ⊙ (θ^l)ᵀ δ^{l-1}) is built from the same functions of
:mod:`pcproof.rules.equations` that :class:`pcproof.rules.bp.ANN` calls; only its
index wiring (which layer feeds which) is restated, in :meth:`World.ann_facts`.

What is assumed is listed in the verdict: the axioms (:data:`AXIOMS`, each
tested numerically in tests/test_axioms.py), the theorem's hypotheses (C1 as
x^l_0 = x̄^l), and the generic statement of each theorem (:data:`STATEMENTS`,
cross-checked against the concrete prover at depths 1 … 12 in the tests).
pcproof applies the induction principle itself:
P(0) and ∀n ≥ 0 (P(n) → P(n+1)) give ∀n ≥ 0 P(n).
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable

import z3

from .. import kernel
from ..model import Architecture
from ..numbers.z3terms import Z3Ops
from ..rules import equations as eq
from ..rules.pc import PCN, PCRule
from ..theorem import Setting, Theorem, gamma as GAMMA


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
        with _strict_z3_truth():
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
def _strict_z3_truth():
    """While rule code runs over z3 terms, ``bool(term)`` must not fall back on z3's
    *syntactic* equality (``bool(a == b)`` is ``a.eq(b)`` in z3py): a rule that
    branches on the values of its vectors (a gate ϕ reading ε, say) then fails
    loudly instead of being decided by how its terms happen to be written."""
    original = z3.AstRef.__bool__

    def strict(self):
        if z3.is_true(self):
            return True
        if z3.is_false(self):
            return False
        raise SymbolicIndexError(f"the rule branches on the value of {self}, which a generic proof cannot decide")

    z3.AstRef.__bool__ = strict
    try:
        yield
    finally:
        z3.AstRef.__bool__ = original


class Idx:
    """A layer or time index that is a z3 integer term.  Arithmetic gives indices;
    comparisons are decided by :class:`IndexSpace` (or branch while exploring)."""

    __slots__ = ("term", "space")

    def __init__(self, term, space: IndexSpace):
        self.term, self.space = term, space

    def _lift(self, o):
        if isinstance(o, Idx):
            return o.term
        if isinstance(o, int):
            return z3.IntVal(o, self.space.ctx)
        return None

    def _arith(self, o, fn):
        other = self._lift(o)
        return NotImplemented if other is None else Idx(fn(self.term, other), self.space)

    def __add__(self, o): return self._arith(o, lambda a, b: a + b)
    def __radd__(self, o): return self._arith(o, lambda a, b: b + a)
    def __sub__(self, o): return self._arith(o, lambda a, b: a - b)
    def __rsub__(self, o): return self._arith(o, lambda a, b: b - a)
    def __neg__(self): return Idx(-self.term, self.space)

    def _cmp(self, o, fn):
        other = self._lift(o)
        return NotImplemented if other is None else self.space.decide(fn(self.term, other))

    def __eq__(self, o): return self._cmp(o, lambda a, b: a == b)
    def __ne__(self, o): return self._cmp(o, lambda a, b: a != b)
    def __lt__(self, o): return self._cmp(o, lambda a, b: a < b)
    def __le__(self, o): return self._cmp(o, lambda a, b: a <= b)
    def __gt__(self, o): return self._cmp(o, lambda a, b: a > b)
    def __ge__(self, o): return self._cmp(o, lambda a, b: a >= b)
    def __hash__(self): return self.term.hash()

    def __index__(self):
        raise SymbolicIndexError(f"the symbolic index {self} cannot be used as a Python integer")

    __int__ = __index__

    def __repr__(self):
        return str(z3.simplify(self.term))


def term_of(i, ctx):
    return i.term if isinstance(i, Idx) else z3.IntVal(int(i), ctx)


# ---------------------------------------------------------------------------------
# axioms: facts of linear algebra taken without proof (each tested numerically)
# ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Axiom:
    """``∀ vars. [dim u = dim v →] lhs = rhs``, written once against the op algebra so
    the same lambdas build the z3 formula and the numeric test (tests/test_axioms.py).

    ``shapes``: variable → "real", "vec:n", "vec:m" or "mat:n,m" (n × m)."""

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


WEIGHT = 5
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
    Axiom("sub-zero", "u − 0_v = u", {"u": "vec:n", "v": "vec:n"},
          lambda o, u, v: o.sub(u, zero(o, v)), lambda o, u, v: u),
    Axiom("add-zero", "u + 0_v = u", {"u": "vec:n", "v": "vec:n"},
          lambda o, u, v: o.add(u, zero(o, v)), lambda o, u, v: u),
    Axiom("rmatvec-zero", "Wᵀ 0_v = 0_{Wᵀv}", {"W": "mat:n,m", "v": "vec:n"},
          lambda o, W, v: o.rmatvec(W, zero(o, v)), lambda o, W, v: zero(o, o.rmatvec(W, v))),
    Axiom("mul-zero", "u ⊙ 0_v = 0_u", {"u": "vec:n", "v": "vec:n"},
          lambda o, u, v: o.mul(u, zero(o, v)), lambda o, u, v: zero(o, u)),
    Axiom("scale-zero", "c 0_v = 0_v", {"c": "real", "v": "vec:n"},
          lambda o, c, v: o.scale(c, zero(o, v)), lambda o, c, v: zero(o, v)),
    Axiom("outer-zero", "0_u vᵀ = 0_{u vᵀ}", {"u": "vec:n", "v": "vec:m"},
          lambda o, u, v: o.outer(zero(o, u), v), lambda o, u, v: mat_zero(o, o.outer(u, v))),
    Axiom("mat-scale-zero", "c 0_A = 0_A", {"c": "real", "A": "mat:n,m"},
          lambda o, c, A: o.mat_scale(c, mat_zero(o, A)), lambda o, c, A: mat_zero(o, A)),
    Axiom("mat-add-zero", "A + 0_B = A", {"A": "mat:n,m", "B": "mat:n,m"},
          lambda o, A, B: o.mat_add(A, mat_zero(o, B)), lambda o, A, B: A),
    Axiom("add-sub", "(u + v) − u = v  when dim u = dim v", {"u": "vec:n", "v": "vec:n"},
          lambda o, u, v: o.sub(o.add(u, v), u), lambda o, u, v: v, same_width=("u", "v")),
    Axiom("dim-scale", "dim(c v) = dim v", {"c": "real", "v": "vec:n"},
          lambda o, c, v: dim(o, o.scale(c, v)), lambda o, c, v: dim(o, v), kind="width"),
    Axiom("dim-sub", "dim(u − v) = dim u", {"u": "vec:n", "v": "vec:n"},
          lambda o, u, v: dim(o, o.sub(u, v)), lambda o, u, v: dim(o, u), kind="width"),
    Axiom("dim-mul", "dim(u ⊙ v) = dim u", {"u": "vec:n", "v": "vec:n"},
          lambda o, u, v: dim(o, o.mul(u, v)), lambda o, u, v: dim(o, u), kind="width"),
    Axiom("dim-df", "dim f'(v) = dim v", {"v": "vec:n"},
          lambda o, v: dim(o, o.df(v)), lambda o, v: dim(o, v), kind="width"),
)

#: the defining axioms of the uninterpreted power function γ^n (tracked like the others)
POWER_AXIOMS = (
    {"name": "pow-zero", "statement": "γ^0 = 1", "kind": "definition of γ^n"},
    {"name": "pow-succ", "statement": "γ^(n+1) = γ · γ^n for n ≥ 0", "kind": "definition of γ^n"},
)


def z3_axiom(ops: Z3Ops, ax: Axiom):
    ctx = ops.ctx
    sort = {"real": z3.RealSort(ctx), "vec": ops.Vec, "mat": ops.Mat}
    vs = {name: z3.Const(name, sort[shape.split(":")[0]]) for name, shape in ax.shapes.items()}
    args = list(vs.values())
    lhs, rhs = ax.lhs(ops, *args), ax.rhs(ops, *args)
    body = lhs == rhs
    if ax.same_width:
        a, b = ax.same_width
        body = z3.Implies(ops.Dim(vs[a]) == ops.Dim(vs[b]), body)
    return z3.ForAll(args, body, patterns=[lhs], qid=ax.name, weight=ax.weight)


# ---------------------------------------------------------------------------------
# the generic network: a PCN and an ANN at symbolic depth, layer and time
# ---------------------------------------------------------------------------------
class _Lazy:
    """``params.theta[k]`` and friends at a symbolic index."""

    def __init__(self, fn, ctx):
        self.fn, self.ctx = fn, ctx

    def __getitem__(self, i):
        return self.fn(term_of(i, self.ctx))


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


class GenericPCN:
    """Duck-typed :class:`PCN` whose state at (l, t) is an uninterpreted function of
    the symbolic indices, so that running ``PCN``'s and the rule's code at a generic
    index gives the one-step relation instead of unrolling the trajectory."""

    def __init__(self, world: "World", rule: PCRule, c1: bool):
        self.world, self.rule = world, rule
        w = world
        self.ops, self.arch, self.params = w.ops, w.arch, w.params
        self.alpha, self.gamma = w.alpha, w.gamma
        self.x0 = _Lazy(w.X0, w.ctx)    # x^l_0: constrained only by the hypothesis C1, if assumed
        self._memo: dict = {}

    # the abstract state
    def x(self, l, t): return self.world.X(term_of(l, self.world.ctx), term_of(t, self.world.ctx))
    def eps(self, l, t): return self.world.E(term_of(l, self.world.ctx), term_of(t, self.world.ctx))
    def theta(self, k, t): return self.world.Th(term_of(k, self.world.ctx), term_of(t, self.world.ctx))
    def b(self, l, t):
        return None if self.params.b is None else self.world.B(term_of(l, self.world.ctx), term_of(t, self.world.ctx))

    # computed exactly as PCN computes them (the same methods)
    def mu(self, l, t): return PCN.mu(self, l, t)
    def gated_eps(self, l, t): return PCN.gated_eps(self, l, t)
    def delta_theta(self, l, t): return PCN.delta_theta(self, l, t)
    def delta_b(self, l, t): return PCN.delta_b(self, l, t)

    def gate(self, l, t):
        """The rule's gate (PCN.gate without the finite horizon: the run is taken to
        last past the last scheduled update)."""
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
        self.s_in, self.s_out = ops.vec("s_in"), ops.vec("s_out")
        self.alpha = ops.real("alpha")
        self.gamma = ops.number(gamma_value)
        self.arch = _Arch(Idx(self.L, self.space), bias, activation)
        self.params = _Params(theta=_Lazy(self.Theta0, ctx), b=_Lazy(self.b0, ctx) if bias else None,
                              s_in=self.s_in, s_out=self.s_out)
        self.rule = setting.rule(gamma=self.gamma, init_noise=setting.init_noise,
                                 update_offset=setting.update_offset)
        # C1 is assumed only for a rule that starts as PCRule does, without noise
        self.c1 = not setting.init_noise and type(self.rule).initial_values is PCRule.initial_values
        self.pcn = GenericPCN(self, self.rule, self.c1)
        self.zero = ops.zero_like

    def idx(self, name):
        return self.space.int(name)

    # -- facts -----------------------------------------------------------------------
    def guarded(self, name, vars_, guard, paths, lhs, text):
        """One named fact per explored path: ∀ vars. guard ∧ path → lhs = result."""
        out = []
        for conds, result in paths:
            cond = z3.And(guard, *conds) if conds else guard
            body = z3.Implies(cond, lhs == result)
            where = ", ".join(str(z3.simplify(c)) for c in conds)
            out.append((f"{name}[{where}]" if where else name,
                        z3.ForAll([v.term for v in vars_], body, patterns=[lhs], qid=name),
                        text + (f" (case {where})" if where else "")))
        return out

    def pcn_facts(self) -> list:
        """The PCN's step relations, by running PCN's and the rule's code at a generic index."""
        ops, pcn, L = self.ops, self.pcn, self.L
        l, t, k = self.idx("l"), self.idx("t"), self.idx("k")
        facts = []
        in_x = z3.And(l.term >= 0, l.term <= L, t.term >= 0)
        facts += self.guarded("def x", (l, t), in_x, self.space.explore(lambda: PCN.x(pcn, l, t), in_x),
                              pcn.x(l, t), "x^l_t as PCN.x and the rule's inference_step compute it")
        in_e = z3.And(l.term >= 0, l.term <= L - 1, t.term >= 0)
        facts += self.guarded("def eps", (l, t), in_e, self.space.explore(lambda: PCN.eps(pcn, l, t), in_e),
                              pcn.eps(l, t), "ε^l_t = x^l_t − μ^l_t as PCN.eps computes it")
        in_th = z3.And(k.term >= 1, k.term <= L, t.term >= 0)
        facts += self.guarded("def theta", (k, t), in_th, self.space.explore(lambda: PCN.theta(pcn, k, t), in_th),
                              pcn.theta(k, t), "θ^k_t as PCN.theta and the rule's gate compute it")
        if self.params.b is not None:
            facts += self.guarded("def b", (l, t), in_e, self.space.explore(lambda: PCN.b(pcn, l, t), in_e),
                                  pcn.b(l, t), "b^l_t as PCN.b and the rule's gate compute it")
        return facts

    def ann_facts(self) -> list:
        """The ANN's recursion, from the functions ANN calls (rules/equations.py)."""
        ops, L, ctx = self.ops, self.L, self.ctx
        l = z3.Int("l", ctx)
        b = (lambda i: self.b0(i)) if self.params.b is not None else (lambda i: None)
        fwd = eq.prediction(ops, self.Theta0(l + 1), self.Xbar(l + 1), b(l))
        back = eq.backward(ops, self.Xbar(l), self.Theta0(l), self.Delta(l - 1))
        return [
            ("def x_bar[l = L]", self.Xbar(L) == self.s_in, "x̄^L = s_in"),
            ("def x_bar", z3.ForAll([l], z3.Implies(z3.And(l >= 0, l <= L - 1), self.Xbar(l) == fwd),
                                    patterns=[self.Xbar(l)], qid="def x_bar"), "x̄^l = θ^{l+1} f(x̄^{l+1}) (+ b^l)"),
            ("def delta[l = 0]", self.Delta(0) == eq.error(ops, self.s_out, self.Xbar(0)), "δ^0 = s_out − x̄^0"),
            ("def delta", z3.ForAll([l], z3.Implies(z3.And(l >= 1, l <= L - 1), self.Delta(l) == back),
                                    patterns=[self.Delta(l)], qid="def delta"), "δ^l = f'(x̄^l) ⊙ (θ^l)ᵀ δ^{l-1}"),
        ]

    def power_facts(self) -> list:
        n = z3.Int("n", self.ctx)
        return [
            ("pow-zero", self.Pow(0) == 1, "γ^0 = 1"),
            ("pow-succ", z3.ForAll([n], z3.Implies(n >= 0, self.Pow(n + 1) == self.gamma * self.Pow(n)),
                                   patterns=[self.Pow(n + 1)], qid="pow-succ"), "γ^(n+1) = γ γ^n"),
        ]

    def axiom_facts(self) -> list:
        return [(ax.name, z3_axiom(self.ops, ax), ax.text) for ax in AXIOMS]

    def hypothesis_facts(self) -> list:
        l = z3.Int("l", self.ctx)
        facts = [("L ≥ 1", self.L >= 1, "the depth is at least 1")]
        if self.c1:
            facts.append(("C1", z3.ForAll([l], z3.Implies(z3.And(l >= 1, l <= self.L - 1), self.X0(l) == self.Xbar(l)),
                                          patterns=[self.X0(l)], qid="C1"), "x^l_0 = x̄^l for hidden l"))
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
# the proof plan: every query the kernel must see unsat
# ---------------------------------------------------------------------------------
@dataclass
class Query:
    """One z3 question.  ``facts`` are (name, formula, text); ``goal`` is asserted
    negated; the claim holds iff the kernel's check answers unsat."""

    lemma: str
    part: str           # "base", "step" or "direct"
    claim: str
    facts: list
    goal: Any
    ctx: Any
    statement: str = ""
    variable: str | None = None     # the induction variable (None: a direct proof)
    timeout_ms: int = 20000


class _Plan:
    def __init__(self, w: World, timeout_ms: int):
        self.w, self.timeout_ms = w, timeout_ms
        self.common = w.hypothesis_facts() + w.axiom_facts() + w.power_facts() + w.ann_facts() + w.pcn_facts()
        if w.c1:
            self.c1_text = "C1: x^l_0 = x̄^l (the rule starts from the feed-forward values)"
        else:
            self.c1_text = None
        self.queries: list[Query] = []

    def add(self, lemma, part, claim, extra, goal, statement, variable=None):
        self.queries.append(Query(lemma, part, claim, self.common + extra, goal, self.w.ctx,
                                  statement, variable, self.timeout_ms))


def build_plan(theorem: Theorem, setting: Setting, gamma_value, activation, bias: bool, timeout_ms: int):
    w = World(setting, gamma_value, activation, bias)
    plan = _Plan(w, timeout_ms)
    ctx, L = w.ctx, w.L
    t0, l0 = z3.Int("t0", ctx), z3.Int("l0", ctx)

    # Lemma (wavefront), by induction on t.
    plan.add("wavefront", "base", "P(0)", [], wavefront(w, z3.IntVal(0, ctx)), "P(t): " + WAVEFRONT_TEXT, "t")
    plan.add("wavefront", "step", "P(t) → P(t+1)",
             [("t ≥ 0", t0 >= 0, "t ≥ 0"), ("IH P(t)", wavefront(w, t0), "induction hypothesis")],
             wavefront(w, t0 + 1), "P(t): " + WAVEFRONT_TEXT, "t")
    lemma_w = ("wavefront lemma", wavefront_all(w), WAVEFRONT_TEXT)

    # ε^l_l, by induction on l.
    claim, claim_text = eps_claim(w, theorem.name)
    eps_name = "eps-lemma" if theorem.name == "thm-3.2" else theorem.name
    q = lambda l: z3.Implies(l <= L - 1, claim(l))
    qtext = f"Q(l): l ≤ L-1 → {claim_text}"
    plan.add(eps_name, "base", "Q(0)", [lemma_w], q(z3.IntVal(0, ctx)), qtext, "l")
    plan.add(eps_name, "step", "Q(l) → Q(l+1)",
             [lemma_w, ("l ≥ 0", l0 >= 0, "l ≥ 0"), ("IH Q(l)", q(l0), "induction hypothesis")], q(l0 + 1),
             qtext, "l")
    plan.eps_text = claim_text

    if theorem.name == "thm-3.2":
        li = z3.Int("l", ctx)
        lemma_q = ("ε lemma", z3.ForAll([li], z3.Implies(z3.And(li >= 0, li <= L - 1), claim(li)),
                                        patterns=[w.E(li, li)]), claim_text)
        in_range = ("0 ≤ l ≤ L-1", z3.And(l0 >= 0, l0 <= L - 1), "a generic layer")
        extra, goal = update_claim(w, l0)
        plan.add("thm-3.2", "direct", "Σ_t Δθ^{l+1}_t = α δ^l f(x̄^{l+1})ᵀ",
                 [lemma_w, lemma_q, in_range, *extra], goal, STATEMENTS["thm-3.2"])
    return w, plan


def firing_time(w: World, l: Idx):
    """The one step at which the rule's gate lets θ^{l+1} learn, as t = l + d or t = c:
    found from a model of the explored gate, then checked to be the only one."""
    t = w.idx("t_gate")
    ctx = w.ctx
    in_range = z3.And(l.term >= 0, l.term <= w.L - 1, t.term >= 0, w.L >= 1)
    paths = w.space.explore(lambda: w.pcn.gate(l, t), in_range)
    fires = z3.Or(*[z3.And(*c) if c else z3.BoolVal(True, ctx) for c, r in paths if r is not None]) \
        if any(r is not None for _, r in paths) else z3.BoolVal(False, ctx)
    s = z3.Solver(ctx=ctx)
    s.add(in_range, fires)
    if s.check() != z3.sat:
        return None  # never learns
    m = s.model()
    tv, lv = m.eval(t.term).as_long(), m.eval(l.term).as_long()
    for cand in (l.term + (tv - lv), z3.IntVal(tv, ctx)):
        chk = z3.Solver(ctx=ctx)
        chk.add(in_range, z3.Not(fires == (t.term == cand)))
        if chk.check() == z3.unsat:
            return Idx(cand, w.space)
    raise SymbolicIndexError("the rule's gate does not fire at a single step t = l + d or t = c")


HORIZON_CHECKED = 64


def check_horizon(w: World, l: Idx, tstar) -> None:
    """PCN.total_updates sums the updates made at t < rule.steps(L); the generic proof
    takes the run to last past the firing time t* (= l + d or a constant c).  ``steps``
    is a Python function of a concrete L, so this is checked for L = 1 … HORIZON_CHECKED
    (and stated in the verdict)."""
    if tstar is None:
        return
    d = z3.simplify(tstar.term - l.term)
    c = z3.simplify(tstar.term)
    at = (lambda li: li + d.as_long()) if z3.is_int_value(d) else (lambda li: c.as_long())
    for L in range(1, HORIZON_CHECKED + 1):
        steps = w.rule.steps(L)
        late = [li for li in range(L) if at(li) >= 0 and not at(li) < steps]
        if late:
            raise SymbolicIndexError(f"at depth {L} the run stops (t < {steps}) before θ^{late[0] + 1} "
                                     f"learns at t = {at(late[0])}")


def update_claim(w: World, l0):
    """Facts naming the total update U^{l+1} (and U_b^l) the rule makes, and the claim U = BP's."""
    ops, ctx = w.ops, w.ctx
    l = Idx(l0, w.space)
    in_range = z3.And(l0 >= 0, l0 <= w.L - 1, w.L >= 1)
    tstar = firing_time(w, l)
    check_horizon(w, l, tstar)
    U = z3.Const("U_theta", ops.Mat)
    zero_theta = ops.mat_scale(ops.number(0), w.Theta0(l0 + 1))   # as PCN's _sum: a zero of θ's shape
    facts, goals = [], []
    bp_theta = eq.weight_update(ops, w.alpha, w.Delta(l0), w.Xbar(l0 + 1))

    def total(fn, zero, name, var):
        if tstar is None:
            facts.append((f"{name} (never learns)", var == zero, f"{name}: the gate never fires"))
            return
        paths = w.space.explore(lambda: fn(l, tstar), in_range)
        for conds, r in paths:
            where = ", ".join(str(z3.simplify(c)) for c in conds)
            facts.append((f"{name} at t={tstar}" + (f"[{where}]" if where else ""),
                          z3.Implies(z3.And(*conds) if conds else z3.BoolVal(True, ctx), var == (zero if r is None else r)),
                          f"the only update of {name}, made at t = {tstar}"))

    total(w.pcn.delta_theta, zero_theta, "Δθ^{l+1}", U)
    goals.append(U == bp_theta)
    if w.params.b is not None:
        Ub = z3.Const("U_b", ops.Vec)
        total(w.pcn.delta_b, ops.scale(ops.number(0), w.b0(l0)), "Δb^l", Ub)
        goals.append(Ub == eq.bias_update(ops, w.alpha, w.Delta(l0)))
    return facts, z3.And(*goals)


# ---------------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------------
def _gamma(theorem: Theorem, setting: Setting):
    if setting.gamma is not None:
        return setting.gamma
    return GAMMA if theorem.free_gamma else Fraction(1)


def meta_for(theorem: Theorem, setting: Setting, activation, bias: bool) -> dict:
    g = _gamma(theorem, setting)
    return dict(theorem=theorem.name, depth=None, widths=None, activation=activation.name, bias=bias,
                gamma=str(g), rule=setting.rule_name(), hypotheses=[c.name for c in theorem.hypotheses],
                conditions=theorem.conditions_held(setting, g))


def refuter(theorem: Theorem, setting: Setting, activation, bias: bool, max_depth: int = 6,
            deadline: float | None = None):
    """Search concrete depths 1, 2, … (widths 1 then 2 per layer) with the concrete prover;
    return its first ``refuted`` verdict (counterexample re-checked in mpmath) or None."""
    from .concrete import prove as prove_concrete

    def search():
        for L in range(1, max_depth + 1):
            for n in (1, 2):
                left = None if deadline is None else deadline - time.perf_counter()
                if left is not None and left <= 0:
                    return None
                arch = Architecture((n,) * (L + 1), activation, bias)
                try:
                    v = prove_concrete(theorem, arch, setting, timeout=left)
                except (ValueError, TypeError, IndexError):  # a rule ill-typed at these widths
                    continue
                if v.verdict == kernel.REFUTED:
                    return v
        return None
    return search


def prove_all_depths(theorem: Theorem, setting: Setting = Setting(), activation=None, bias: bool = False,
                     timeout: float | None = 60, max_refute_depth: int = 6) -> kernel.Verdict:
    """Prove ``theorem`` for every depth L ≥ 1 and all widths, or refute it at the smallest depth."""
    from ..model import get_activation
    activation = activation or get_activation("uninterpreted")
    start = time.perf_counter()
    meta = meta_for(theorem, setting, activation, bias)
    deadline = None if not timeout else start + timeout
    refute = refuter(theorem, setting, activation, bias, max_refute_depth, deadline)
    if theorem.name not in STATEMENTS:
        return kernel.decide_induction(meta, None, refute, start=start,
                                       why=f"no all-depth statement of {theorem.name} (known: {', '.join(STATEMENTS)})")
    try:
        w, plan = build_plan(theorem, setting, _gamma(theorem, setting), activation, bias,
                             timeout_ms=int(1000 * min(timeout or 20, 20)))
    except SymbolicIndexError as exc:
        return kernel.decide_induction(meta, None, refute, start=start,
                                       why=f"the rule's code cannot run at a generic index: {exc}")
    axioms = [ax.to_dict() for ax in AXIOMS] + list(POWER_AXIOMS)
    hyps = ["L ≥ 1"] + ([f"the run lasts past the last update (rule.steps checked for L ≤ {HORIZON_CHECKED})"]
                        if theorem.name == "thm-3.2" else [])
    info = dict(statement=STATEMENTS[theorem.name], eps_claim=plan.eps_text, wavefront=WAVEFRONT_TEXT,
                c1=plan.c1_text or "C1 not assumed (the run perturbs x^l_0 or the rule starts its own way)",
                hypotheses=hyps, axioms=axioms, timeout_ms=plan.timeout_ms)
    return kernel.decide_induction(meta, plan.queries, refute, start=start, info=info)
