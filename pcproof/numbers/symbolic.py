"""The symbolic number system: sympy expressions, hash-consed into atoms.

Why atoms.  Unrolled, the error of layer l is a sum over all n^l paths to the
output and the feed-forward value nests f(θ f(θ f(…))) l times, so expanding
explodes with depth.  Instead every computed sum is split as *content × primitive*
(content: the common monomial factor and rational gcd; primitive: the rest, with a
canonical sign) and the primitive is replaced by an **atom**, a fresh symbol whose
definition is recorded.  Equal primitives get the same atom, so BP and the PCN,
computing the same quantity by the same operations, meet in the same atom: the
PCN's first prediction θ^{l+1} f(x̄^{l+1}) *is* the atom x̄^l, and ε^l_l = γ^l δ^l
shows up as γ^l × (the atom δ^l is built from).

Soundness.  An atom only ever replaces the expression it is defined as, so a
difference that expands to 0 with atoms treated as free symbols is 0 for every
value of the original symbols (and for every f, f' when they are uninterpreted).
The converse fails: a non-zero difference in atoms may still vanish once
unfolded, which is why the kernel re-checks every refutation numerically and
answers "unknown" when it cannot confirm one.

Every operation is also memoised on its operands, so the many inference steps
that leave a layer at its feed-forward value cost a dictionary look-up each.
"""
from __future__ import annotations

from fractions import Fraction

import sympy as sp

from ..model.activations import Activation
from ..model.network import symbol_latex
from .ops import ListOps


def split_content(e: sp.Add):
    """Write a sum as ``content * primitive`` with a canonical primitive.

    content: gcd of the rational coefficients times every factor b**k (integer k)
    common to all terms at its lowest power; primitive: the quotient, its sign
    fixed by sympy's ``could_extract_minus_sign``."""
    coeffs, powers = [], []
    for term in e.args:
        c, m = term.as_coeff_Mul()
        coeffs.append(c)
        d: dict = {}
        for fac in sp.Mul.make_args(m):
            if fac == 1:
                continue
            base, k = fac.as_base_exp()
            if not k.is_Integer:
                base, k = fac, sp.Integer(1)
            d[base] = d.get(base, 0) + int(k)
        powers.append(d)
    common = {}
    for base in set(powers[0]).intersection(*powers[1:]):
        k = min(d[base] for d in powers)
        if k:
            common[base] = k
    if all(c.is_Rational for c in coeffs):
        num = sp.igcd(*[c.p for c in coeffs]) if len(coeffs) > 1 else abs(coeffs[0].p)
        den = sp.ilcm(*[c.q for c in coeffs]) if len(coeffs) > 1 else coeffs[0].q
        g = sp.Rational(num, den)
    else:
        g = sp.Integer(1)
    content = sp.Mul(g, *[b**k for b, k in common.items()])
    prim = sp.Add(*[sp.Mul(c / g, *[b**(k - common.get(b, 0)) for b, k in d.items()])
                    for c, d in zip(coeffs, powers)])
    if prim.could_extract_minus_sign():
        prim, content = -prim, -content
    return content, prim


def _has_sum_factor(e) -> bool:
    if e.is_Mul:
        return any(a.is_Add or (a.is_Pow and a.base.is_Add and a.exp.is_Integer and a.exp > 0) for a in e.args)
    return e.is_Pow and e.base.is_Add and e.exp.is_Integer and e.exp > 0


class SymbolicValueError(ValueError):
    """Rule code asked for a Python number (``float``, ``int``, an index) of a symbolic value."""


class Sym:
    """A scalar of the symbolic system as rule code sees it: a sympy expression that
    knows which system made it.

    Arithmetic delegates to sympy.  What sympy would decide by how expressions happen
    to be *written* is decided here by what they *are*:

    * **comparisons** (``==``, ``!=``, ``<`` …, and truth tests such as ``if eps[0]:``)
      expand the difference: identically 0 or a non-zero constant decides it for every
      point; anything else is a *branch on values*: the system records it
      (:attr:`SymbolicOps.value_branches`) and answers the generic choice (``≠``), and
      the kernel then never says "proved" from that run alone;
    * a **Python float** is taken as its exact binary value (``Fraction(0.3)``), as the
      ball system takes it, never rounded to sympy's 15-digit ``Float``; the system
      records that floats were met (:attr:`SymbolicOps.floats`).
    """

    __slots__ = ("e", "ops")

    def __init__(self, e, ops: "SymbolicOps"):
        self.e, self.ops = e, ops

    def _sympy_(self):
        return self.e

    def _o(self, other):
        return self.ops._raw_scalar(other)

    def __add__(self, o): return Sym(self.e + self._o(o), self.ops)
    def __radd__(self, o): return Sym(self._o(o) + self.e, self.ops)
    def __sub__(self, o): return Sym(self.e - self._o(o), self.ops)
    def __rsub__(self, o): return Sym(self._o(o) - self.e, self.ops)
    def __mul__(self, o): return Sym(self.e * self._o(o), self.ops)
    def __rmul__(self, o): return Sym(self._o(o) * self.e, self.ops)
    def __truediv__(self, o): return Sym(self.e / self._o(o), self.ops)
    def __rtruediv__(self, o): return Sym(self._o(o) / self.e, self.ops)
    def __pow__(self, o): return Sym(self.e ** self._o(o), self.ops)
    def __rpow__(self, o): return Sym(self._o(o) ** self.e, self.ops)
    def __neg__(self): return Sym(-self.e, self.ops)
    def __pos__(self): return self
    def __abs__(self): return Sym(abs(self.e), self.ops)

    def __eq__(self, o): return self.ops._decide("==", self.e, self._o(o))
    def __ne__(self, o): return self.ops._decide("!=", self.e, self._o(o))
    def __lt__(self, o): return self.ops._decide("<", self.e, self._o(o))
    def __le__(self, o): return self.ops._decide("<=", self.e, self._o(o))
    def __gt__(self, o): return self.ops._decide(">", self.e, self._o(o))
    def __ge__(self, o): return self.ops._decide(">=", self.e, self._o(o))
    def __bool__(self): return self.ops._decide("!=", self.e, sp.S.Zero)
    def __hash__(self): return hash(self.e)

    def _number(self, kind):
        e = self.ops.tidy(self.e)
        if e.is_Number:
            return e
        raise SymbolicValueError(f"the rule asks for {kind}({e}) of a symbolic value; "
                                 "a proof for every point cannot give one number")

    def __float__(self): return float(self._number("float"))
    def __int__(self): return int(self._number("int"))
    def __index__(self):
        n = self._number("index")
        if not n.is_Integer:
            raise TypeError(f"{n} is not an integer")
        return int(n)

    def __repr__(self): return repr(self.e)
    def __str__(self): return str(self.e)


_COMPARE = {"==": lambda d: d == 0, "!=": lambda d: d != 0, "<": lambda d: d < 0, "<=": lambda d: d <= 0,
            ">": lambda d: d > 0, ">=": lambda d: d >= 0}
#: the generic answer to an undecided comparison (a difference that is not identically 0 is
#: non-zero at almost every point); orderings have none, and any choice is recorded anyway
_GENERIC = {"==": False, "!=": True, "<": False, "<=": False, ">": True, ">=": True}


class SymbolicOps(ListOps):
    """sympy scalars; with ``atoms=True`` (default) every sum is hash-consed into an atom."""

    system = "sympy"

    def __init__(self, activation: Activation, atoms: bool = True):
        super().__init__(activation)
        self.atoms = atoms
        self.definitions: dict[sp.Symbol, sp.Expr] = {}   # atom -> its primitive
        self._atom_of: dict[sp.Expr, sp.Symbol] = {}       # primitive -> atom
        self.display: dict[sp.Symbol, str] = {}            # atom -> LaTeX name
        self.rewrites: dict[sp.Expr, sp.Symbol] = {}       # content*atom -> display symbol
        self._memo: dict = {}
        self._fs_cache: dict = {}
        # f(a), f'(a) of a transcendental activation are atoms too: sympy's expand would
        # otherwise push rationals into their denominators and hide common factors.
        self._opaque = atoms and not activation.uninterpreted and not activation.is_polynomial
        self.applications: set[sp.Symbol] = set()  # atoms that stand for f(a) or f'(a)
        self.value_branches: list[tuple[str, sp.Expr]] = []  # undecided comparisons the code made
        self.floats: dict[str, str] = {}                     # Python floats met → their exact value
        self.comparisons = 0                                 # value comparisons the code made

    # -- the boundary between rule code (Sym) and the system's own sympy expressions ---------
    def _raw_scalar(self, q):
        """The sympy expression of a scalar rule code handed in (a Sym, a sympy number,
        an int, a Fraction, or a float taken as its exact binary value)."""
        if type(q) is Sym:
            return q.e
        if isinstance(q, sp.Basic):
            return q
        if isinstance(q, int):
            return sp.Integer(q)
        if isinstance(q, float):
            if q != q or q in (float("inf"), float("-inf")):
                raise SymbolicValueError(f"the rule computes with the float {q!r}, which is not a real number")
            exact = Fraction(q)
            if exact.denominator != 1 or abs(exact) >= 2**53:
                self.floats.setdefault(repr(q), str(exact))
            return sp.Rational(exact.numerator, exact.denominator)
        if isinstance(q, Fraction):
            return sp.Rational(q.numerator, q.denominator)
        try:
            exact = Fraction(q)          # Decimal, numpy integers, …
        except (TypeError, ValueError):
            raise SymbolicValueError(f"the symbolic system cannot compute with {type(q).__name__} {q!r}") from None
        return sp.Rational(exact.numerator, exact.denominator)

    def _rv(self, v):
        return tuple([c.e if type(c) is Sym else self._raw_scalar(c) for c in v])

    def _rm(self, W):
        return tuple([self._rv(r) for r in W])

    def _wv(self, v):
        return tuple([Sym(c, self) for c in v])

    def _wm(self, W):
        return tuple([self._wv(r) for r in W])

    def raw(self, v):
        """The sympy expressions of a scalar, vector or matrix of this system."""
        if isinstance(v, (tuple, list)):
            return tuple(self.raw(c) for c in v)
        return self._raw_scalar(v)

    def _decide(self, op: str, a, b) -> bool:
        """A comparison rule code makes: decided when the expanded difference is a
        number (then it holds at every point), else recorded and answered generically."""
        self.comparisons += 1
        d = self.tidy(a - b)
        if d.is_Number:
            return bool(_COMPARE[op](d))
        self.value_branches.append((op, d))
        return _GENERIC[op]

    def branch_texts(self, limit: int = 3) -> list[str]:
        """The first undecided comparisons, as ``<difference> op 0`` in the paper's names."""
        return [f"{self.latex(d)} {op} 0" for op, d in self.value_branches[:limit]]

    def vanishes(self, d, max_ops: int = 20000) -> bool:
        """Whether ``d`` expands to 0 once every atom is replaced by its definition (sound:
        an atom only stands for its definition).  Atoms hide structure when two computations
        group the same sum differently; unfolding is exponential in depth, so it stops (False,
        "not shown") as soon as the expression grows past ``max_ops`` operations."""
        e = sp.sympify(d)
        for _ in range(len(self.definitions) + 1):
            atoms = [a for a in e.free_symbols if a in self.definitions]
            if not atoms:
                break
            e = e.xreplace({a: self.definitions[a] for a in atoms})
            if sp.count_ops(e) > max_ops:
                return False
        e = sp.expand(e)
        return e == 0

    def inexact(self) -> bool:
        """True if a sympy Float (a rounded number) entered the computation anyway
        (rule code that builds sympy objects itself): such a run proves nothing."""
        return any(d.has(sp.Float) for d in self.definitions.values())

    # -- scalars -----------------------------------------------------------------
    def number(self, q):
        return q if type(q) is Sym else Sym(self._raw_scalar(q), self)

    def tidy(self, c):
        """Expanded form.  Operands are monomials in atoms, so products stay monomials
        and sums collect like terms by themselves; only a product with a sum factor
        (c·(u + v), from ``scale``) needs sympy's expand."""
        c = c.e if type(c) is Sym else (c if isinstance(c, sp.Basic) else self._raw_scalar(c))
        if _has_sum_factor(c) or (c.is_Add and any(_has_sum_factor(t) for t in c.args)):
            return sp.expand(c)
        return c

    def atomize(self, c):
        """A sum as content × atom (the atom shared by every equal primitive); other terms as they are."""
        if not self.atoms or not c.is_Add:
            return c
        content, prim = split_content(c)
        atom = self._atom_of.get(prim)
        if atom is None:
            atom = sp.Symbol(f"_a{len(self.definitions)}", real=True)
            self._atom_of[prim] = atom
            self.definitions[atom] = prim
        return content * atom

    def operand(self, v):
        return self._memo_call("atoms", v, lambda: tuple(self.atomize(c) for c in v))

    def _atom(self, e):
        """The hash-consed atom that stands for ``e`` (made on first sight)."""
        atom = self._atom_of.get(e)
        if atom is None:
            atom = sp.Symbol(f"_a{len(self.definitions)}", real=True)
            self._atom_of[e] = atom
            self.definitions[atom] = e
        return atom

    def _apply(self, fn, v):
        out = []
        for a in self.operand(v):
            if self.atoms and not (a.is_Symbol or a.is_Number):
                # a product fed to f becomes an atom too (its numeric coefficient stays outside, so
                # tanh(−a) is still −tanh(a)): with width 1 nothing is a sum, and f(θ f(θ f(…)))
                # would otherwise nest as deep as the network (sympy recurses on it)
                c, m = a.as_coeff_Mul()
                if not m.is_Symbol:
                    a = c * self._atom(m)
            e = fn(a)
            if self._opaque and not e.is_Number:
                atom = self._atom_of.get(e)
                if atom is None:
                    atom = sp.Symbol(f"_a{len(self.definitions)}", real=True)
                    self._atom_of[e] = atom
                    self.definitions[atom] = e
                    self.applications.add(atom)
                e = atom
            out.append(e)
        return self._vec(out)

    def f(self, v):
        v = self._rv(v)
        return self._wv(self._memo_call("f", v, lambda: self._apply(self.activation.symbolic_f, v)))

    def df(self, v):
        v = self._rv(v)
        return self._wv(self._memo_call("df", v, lambda: self._apply(self.activation.symbolic_df, v)))

    # -- memoised vector operations ------------------------------------------------
    def _memo_call(self, op, key, thunk):
        k = (op, key)
        r = self._memo.get(k)
        if r is None:
            r = self._memo[k] = thunk()
        return r

    def matvec(self, W, v):
        W, v = self._rm(W), self._rv(v)
        return self._wv(self._memo_call("mv", (W, v), lambda: ListOps.matvec(self, W, v)))

    def rmatvec(self, W, v):
        W, v = self._rm(W), self._rv(v)
        return self._wv(self._memo_call("rmv", (W, v), lambda: ListOps.rmatvec(self, W, v)))

    def add(self, u, v):
        u, v = self._rv(u), self._rv(v)
        return self._wv(self._memo_call("add", (u, v), lambda: ListOps.add(self, u, v)))

    def sub(self, u, v):
        u, v = self._rv(u), self._rv(v)
        return self._wv(self._memo_call("sub", (u, v), lambda: ListOps.sub(self, u, v)))

    def mul(self, u, v):
        u, v = self._rv(u), self._rv(v)
        return self._wv(self._memo_call("mul", (u, v), lambda: ListOps.mul(self, u, v)))

    def scale(self, c, v):
        c, v = self._raw_scalar(c), self._rv(v)
        return self._wv(self._memo_call("scale", (c, v), lambda: ListOps.scale(self, self.atomize(sp.expand(c)), v)))

    def sqnorm(self, v):
        return Sym(ListOps.sqnorm(self, self._rv(v)), self)

    def outer(self, u, v):
        return self._wm(ListOps.outer(self, self._rv(u), self._rv(v)))

    def mat_add(self, A, B):
        return self._wm(ListOps.mat_add(self, self._rm(A), self._rm(B)))

    def mat_scale(self, c, A):
        return self._wm(ListOps.mat_scale(self, self._raw_scalar(c), self._rm(A)))

    # -- names and display -----------------------------------------------------------
    def name(self, v, stem, *index):
        """Name ``v`` as ``stem^{l}_{t,i}`` (index = (l,) or (l, t)) for display."""
        sup, sub = (str(index[0]), [str(i) for i in index[1:]]) if index else ("", [])
        for i, c in enumerate(self._rv(v)):
            tex = stem + (f"^{{{sup}}}" if sup else "") + "_{" + ",".join(sub + [str(i)]) + "}"
            if not (c.is_Add or c.is_Mul) or c in self.rewrites:
                continue
            a = self.atomize(c) if c.is_Add else None
            if a is not None and a in self.definitions:  # the sum *is* an atom: name the atom
                self.display.setdefault(a, tex)
                self.rewrites[c] = a
            else:
                self.rewrites[c] = sp.Symbol(f"_n{len(self.rewrites)}", real=True)
                self.display[self.rewrites[c]] = tex
        return v

    def readable(self, e, itself: str | None = None):
        """``e`` with named sums and products replaced by their names (display only).

        ``itself`` is the name of the quantity being shown, which is not used, so that
        ε^1_1 shows as γ δ^1 rather than as ε^1_1.  A name replaces an exact sub-sum
        c·k of a sum or an exact sub-product of a term (cheaper than sympy's subs)."""
        e = sp.sympify(e)
        fs = e.free_symbols
        rw = [(k, v) for k, v in self.rewrites.items()
              if self.display.get(v) != itself and self._symbols_of(k) <= fs]
        if not rw:
            return e
        # longest names first: δ^0 = s_out − x̄^0 before the x̄^0 inside it
        sums = sorted(((k, v) for k, v in rw if k.is_Add), key=lambda kv: -len(kv[0].args))
        prods = sorted(((k, v) for k, v in rw if not k.is_Add), key=lambda kv: -len(kv[0].args))
        return self._rewrite(e, sums, prods)

    def _rewrite(self, e, sums, prods):
        if e.is_Atom:
            return e
        if e.is_Add:
            terms = dict(t.as_coeff_Mul()[::-1] for t in e.args)  # monomial -> coefficient
            for k, name in sums:
                kt = [t.as_coeff_Mul()[::-1] for t in k.args]
                m0, c0 = kt[0]
                if m0 not in terms:
                    continue
                r = terms[m0] / c0
                if all(terms.get(m) == r * c for m, c in kt):
                    for m, _ in kt:
                        del terms[m]
                    terms[name] = terms.get(name, 0) + r
            return sp.Add(*[self._rewrite_term(c * m, prods, sums) for m, c in terms.items()])
        return self._rewrite_term(e, prods, sums)

    def _rewrite_term(self, t, prods, sums):
        c, m = t.as_coeff_Mul()
        if m.is_Mul or m.is_Symbol:
            have = m.as_powers_dict()
            for k, name in prods:
                kc, km = k.as_coeff_Mul()
                need = km.as_powers_dict()
                if all(have.get(b, 0) == x or (have.get(b, 0) > x if x > 0 else False)
                       for b, x in need.items()):
                    for b, x in need.items():
                        have[b] -= x
                    have[name] = have.get(name, 0) + 1
                    c = c / kc
            m = sp.Mul(*[b**x for b, x in have.items() if x != 0])
        if m.is_Function or m.is_Mul:  # names inside f(…) arguments too
            m = m.func(*[self._rewrite(a, sums, prods) for a in m.args])
        return c * m

    def _symbols_of(self, k):
        got = self._fs_cache.get(k)
        if got is None:
            got = self._fs_cache[k] = k.free_symbols
        return got

    def latex(self, e, itself: str | None = None) -> str:
        """LaTeX of a scalar, in the paper's names, through sympy's one printer."""
        e = self.readable(e, itself)
        for _ in range(3):  # unnamed atoms (e.g. updated weights) read better unfolded
            unnamed = {a: self.definitions[a] for a in sp.sympify(e).free_symbols
                       if a in self.definitions and a not in self.display and a not in self.applications
                       and len(self.definitions[a].args) <= 4}
            if not unnamed:
                break
            e = self.readable(sp.sympify(e).xreplace(unnamed), itself)
        if self.applications:  # show σ(a) rather than the atom that stands for it
            e = sp.sympify(e).xreplace({a: self.definitions[a] for a in self.applications})
        names = {}
        for s in sp.sympify(e).free_symbols:
            shown = self.display.get(s)
            if shown == itself and s in self.definitions:  # show what the quantity is, not its name
                return self.latex(self.definitions[s], itself)
            names[s] = shown or (symbol_latex(s.name) if not s.name.startswith("_") else rf"a_{{{s.name[2:]}}}")
        return sp.latex(e, symbol_names=names)

    def evaluate(self, exprs, values: dict, digits: int = 50) -> list:
        """The values of ``exprs`` at a point (symbol name → number), atoms unfolded in
        the order they were made; an uninterpreted f is read as its numeric instance."""
        from ..model.activations import f as f_, fprime as fp_, get as get_activation
        inst = get_activation(self.activation.numeric_instance) if self.activation.uninterpreted else None

        def concrete(expr):
            expr = sp.sympify(expr)
            if inst is None:
                return expr
            return expr.replace(f_, lambda a: inst.symbolic_f(a)).replace(fp_, lambda a: inst.symbolic_df(a))

        def bind(expr):
            return {s: sp.Rational(str(values[s.name])) for s in expr.free_symbols
                    if s not in env and s.name in values}

        env: dict = {}
        for atom, definition in self.definitions.items():  # definitions only use earlier atoms
            d = concrete(definition)
            env.update(bind(d))
            env[atom] = d.xreplace(env).evalf(digits + 10)
        out = []
        for e in exprs:
            e = concrete(e)
            env.update(bind(e))
            out.append(e.xreplace(env).evalf(digits))
        return out

    def unfold(self, e, depth: int = 1):
        """Replace atoms by their definitions ``depth`` times (for display of small cases)."""
        for _ in range(depth):
            e = sp.sympify(e).xreplace(self.definitions)
        return e
