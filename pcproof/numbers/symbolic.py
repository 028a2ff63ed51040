"""The symbolic number system: polynomials in atoms, computed by symengine, shown by sympy.

Why atoms.  Unrolled, the error of layer l is a sum over all n^l paths to the
output and the feed-forward value nests f(θ f(θ f(…))) l times, so expanding
explodes with depth.  Instead every computed sum is split as *content × primitive*
(content: the common monomial factor and rational gcd; primitive: the rest, with a
canonical sign) and the primitive is replaced by an **atom**, a fresh symbol whose
definition is recorded.  Equal primitives get the same atom, so BP and the PCN,
computing the same quantity by the same operations, meet in the same atom: the
PCN's first prediction θ^{l+1} f(x̄^{l+1}) *is* the atom x̄^l, and ε^l_l = γ^l δ^l
shows up as γ^l × (the atom δ^l is built from).  An application f(a) or f'(a) of a
non-polynomial f is an atom too, hash-consed on (f or f', a).

Soundness.  An atom only ever replaces the expression it is defined as, so a
difference that expands to 0 with atoms treated as free symbols is 0 for every
value of the original symbols (and for every f, f' when they are uninterpreted).
The converse fails: a non-zero difference in atoms may still vanish once
unfolded, which is why the kernel re-checks every refutation numerically and
answers "unknown" when it cannot confirm one.

Engine.  The algebra runs on symengine (C++): the whole proof takes 5–18× less CPU
than on sympy (``benchmarks/bench_prove.py --compare-with``), and python-flint's
fmpq_mpoly, whose fixed set of variables fits a growing set of atoms badly, was
slower than sympy (``benchmarks/bench_engines.py``; docs/speed.md).  Only
operations whose meaning symengine and sympy share exactly are done there: sums,
products and integer powers of (Laurent) polynomials with rational coefficients.
Anything else (a non-integer or symbolic power, ``abs``, a sympy function the
rule's code built itself) is kept as sympy wrote it, behind an atom that stands for
that sympy object.  sympy is the printer: the display path (``latex``, ``readable``,
``evaluate``, ``unfold``, ``definitions``) converts to sympy when something is shown,
and the paper's names given with ``name()`` are only worked out then.

Every vector operation is memoised on small integer ids of hash-consed vectors, so
the many inference steps that leave a layer at its feed-forward value cost a
dictionary look-up each.
"""
from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from math import gcd

import symengine as se
import sympy as sp

from ..model.activations import Activation, x as _x
from ..model.network import symbol_latex
from .ops import ListOps

_ZERO, _ONE = se.Integer(0), se.Integer(1)


def _fraction(c) -> Fraction | None:
    """An engine number as a Fraction (None unless it is an exact rational)."""
    if c.is_Integer:
        return Fraction(int(c))
    if c.is_Rational:
        p, q = c.get_num_den()
        return Fraction(int(p), int(q))
    return None


def _engine_rational(q: Fraction):
    return se.Integer(q.numerator) if q.denominator == 1 else se.Rational(q.numerator, q.denominator)


def _powers(m) -> dict:
    """base → exponent of a monomial (engine)."""
    if m.is_Mul:
        out = {}
        for f in m.args:
            if f.is_Pow:
                b, k = f.args
                out[b] = k
            else:
                out[f] = _ONE
        return out
    if m.is_Pow:
        b, k = m.args
        return {b: k}
    return {} if m.is_Number else {m: _ONE}


def split_content(e):
    """Write an expanded engine sum as ``(content, primitive, (negative, positive))``.

    content: gcd of the rational coefficients times every factor b**k (integer k)
    common to all terms at its lowest power; primitive: the quotient, expanded (so
    equal sums, and sums that differ by such a factor, have equal primitives);
    (negative, positive): how many of the primitive's coefficients have each sign,
    from which the caller fixes the sign (so that P and -P share one atom)."""
    num, den, negative, terms = 0, 1, 0, 0
    exact = True
    common = None
    for m, c in e.as_coefficients_dict().items():
        if c.is_Integer:
            p, q = int(c), 1
        elif c.is_Rational:
            p, q = c.get_num_den()
            p, q = int(p), int(q)
        else:   # a coefficient that is not a rational number (sqrt 2): no rational content
            exact, p, q = False, 1, 1
        if p == 0:
            continue
        terms += 1
        negative += p < 0
        num = gcd(num, p)
        den = den * q // gcd(den, q)
        if common is None:
            common = {b: int(k) for b, k in _powers(m).items() if k.is_Integer}
        elif common:    # (once nothing is common to the terms so far, no term's factors matter)
            powers = _powers(m)
            for b in list(common):
                k = powers.get(b)
                if k is None or not k.is_Integer:
                    del common[b]
                elif int(k) < common[b]:
                    common[b] = int(k)
    g = (se.Integer(num) if den == 1 else se.Rational(num, den)) if exact else _ONE
    content = se.Mul(g, *[b ** k for b, k in common.items() if k])
    prim = se.expand(e * (_ONE / content))
    return content, prim, (negative, terms - negative)


class SymbolicValueError(ValueError):
    """Rule code asked for a Python number (``float``, ``int``, an index) of a symbolic value."""


class Sym:
    """A scalar of the symbolic system as rule code sees it: an engine expression that
    knows which system made it (``sympy.sympify`` of it gives its sympy expression).

    Arithmetic delegates to the engine.  What an algebra system would decide by how
    expressions happen to be *written* is decided here by what they *are*:

    * **comparisons** (``==``, ``!=``, ``<`` …, and truth tests such as ``if eps[0]:``)
      expand the difference: identically 0 or a non-zero constant decides it for every
      point; anything else is a *branch on values*: the system records it
      (:attr:`SymbolicOps.value_branches`) and answers the generic choice (``≠``), and
      the kernel then never says "proved" from that run alone;
    * a **Python float** is taken as its exact binary value (``Fraction(0.3)``), as the
      ball system takes it, never rounded to a 15-digit float; the system records that
      floats were met (:attr:`SymbolicOps.floats`);
    * a power with an exponent that is not an integer, and ``abs``, are computed by
      sympy (real symbols) and kept behind an atom: symengine simplifies, e.g.,
      (1/x)^(1/2) to x^(-1/2), which is false for x < 0.
    """

    __slots__ = ("e", "ops")

    def __init__(self, e, ops: "SymbolicOps"):
        self.e, self.ops = e, ops

    def _sympy_(self):
        return self.ops.view(self.e)

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
    def __pow__(self, o): return Sym(self.ops._power(self.e, self._o(o)), self.ops)
    def __rpow__(self, o): return Sym(self.ops._power(self._o(o), self.e), self.ops)
    def __neg__(self): return Sym(-self.e, self.ops)
    def __pos__(self): return self
    def __abs__(self): return Sym(self.ops._by_sympy(sp.Abs, self.e), self.ops)

    def __eq__(self, o): return self.ops._decide("==", self.e, self._o(o))
    def __ne__(self, o): return self.ops._decide("!=", self.e, self._o(o))
    def __lt__(self, o): return self.ops._decide("<", self.e, self._o(o))
    def __le__(self, o): return self.ops._decide("<=", self.e, self._o(o))
    def __gt__(self, o): return self.ops._decide(">", self.e, self._o(o))
    def __ge__(self, o): return self.ops._decide(">=", self.e, self._o(o))
    def __bool__(self): return self.ops._decide("!=", self.e, _ZERO)
    def __hash__(self): return hash(self.e)

    def _number(self, kind):
        e = self.ops.tidy(self.e)
        q = _fraction(e) if e.is_Number else None
        if q is not None:
            return sp.Rational(q.numerator, q.denominator)
        raise SymbolicValueError(f"the rule asks for {kind}({self}) of a symbolic value; "
                                 "a proof for every point cannot give one number")

    def __float__(self): return float(self._number("float"))
    def __int__(self): return int(self._number("int"))
    def __index__(self):
        n = self._number("index")
        if not n.is_Integer:
            raise TypeError(f"{n} is not an integer")
        return int(n)

    def __repr__(self): return repr(self.ops.view(self.e))
    def __str__(self): return str(self.ops.view(self.e))


_COMPARE = {"==": lambda d: d == 0, "!=": lambda d: d != 0, "<": lambda d: d < 0, "<=": lambda d: d <= 0,
            ">": lambda d: d > 0, ">=": lambda d: d >= 0}
#: the generic answer to an undecided comparison (a difference that is not identically 0 is
#: non-zero at almost every point); orderings have none, and any choice is recorded anyway
_GENERIC = {"==": False, "!=": True, "<": False, "<=": False, ">": True, ">=": True}


class _Vec(tuple):
    """A vector the symbolic system computed (a tuple of Sym) with its hash-consed id, so
    that handing it back costs no hashing of its entries."""


class _Mat(tuple):
    """A matrix the symbolic system computed (a tuple of _Vec rows) with its id."""


class _Rewrites(dict):
    """sympy expression → display symbol; looked up with a Sym or engine expression too."""

    def __init__(self, ops):
        super().__init__()
        self._ops = ops

    def _key(self, k):
        if type(k) is Sym:
            return k.ops.view(k.e)
        return self._ops.view(k) if isinstance(k, se.Basic) else k

    def get(self, k, default=None):
        return dict.get(self, self._key(k), default)

    def __contains__(self, k):
        return dict.__contains__(self, self._key(k))

    def __getitem__(self, k):
        return dict.__getitem__(self, self._key(k))


#: Printed size (expression nodes) up to which ``SymbolicOps.latex(…, unfold=True)`` unfolds atoms.
UNFOLD_NODES = 20000


def _nodes_over(e, cap: int) -> bool:
    """Whether the expression tree of ``e`` has more than ``cap`` nodes (stops counting there)."""
    n = 0
    for _ in sp.preorder_traversal(e):
        n += 1
        if n > cap:
            return True
    return False


def _terms_bound(e, cap: int) -> int:
    """An upper bound on the number of terms ``expand(e)`` makes (sums add, products and integer
    powers multiply), stopping as soon as it passes ``cap``: expanding is bounded by it."""
    if e.is_Add:
        n = 0
        for a in e.args:
            n += _terms_bound(a, cap)
            if n > cap:
                return n
        return n
    if e.is_Mul:
        n = 1
        for a in e.args:
            n *= _terms_bound(a, cap)
            if n > cap:
                return n
        return n
    if e.is_Pow and e.exp.is_Integer and e.exp > 0:
        return min(cap + 1, _terms_bound(e.base, cap) ** int(e.exp))
    if e.is_Function:   # f(…): its argument is expanded inside it too
        return max([1] + [_terms_bound(a, cap) for a in e.args])
    return 1


@lru_cache(maxsize=64)
def _parity(activation, kind: str) -> str | None:
    """"odd" or "even" when sympy shows f(−x) = ∓f(x) (for ``kind`` "f", or "df" for f′);
    None otherwise (and for an uninterpreted f, which has no parity)."""
    if activation.expr is None:
        return None
    e = activation.expr if kind == "f" else activation.dexpr
    flipped = e.xreplace({_x: -_x})
    if sp.simplify(flipped + e) == 0:
        return "odd"
    if sp.simplify(flipped - e) == 0:
        return "even"
    return None


class SymbolicOps(ListOps):
    """Exact symbolic scalars; with ``atoms=True`` (default) every sum is hash-consed into an atom."""

    system = "sympy"

    def __init__(self, activation: Activation, atoms: bool = True):
        super().__init__(activation)
        self.atoms = atoms
        # f(a), f'(a) of a transcendental activation are atoms with a definition (shown as
        # σ(a)); for an uninterpreted f (or without atoms) they are shown inline as f(a).
        self._opaque = atoms and not activation.uninterpreted and not activation.is_polynomial
        self._poly = None if activation.uninterpreted or not activation.is_polynomial else activation
        self.value_branches_raw: list = []                   # undecided comparisons (op, engine difference)
        self.floats: dict[str, str] = {}                     # Python floats met → their exact value
        self.comparisons = 0                                 # value comparisons the code made
        self._inexact = False                                # a rounded number (sympy Float) met
        # engine symbols: what each stands for, in the order they were made
        self._n = 0                                          # engine symbols made
        self._a = 0                                          # atoms numbered _a0, _a1, … (as shown)
        self._atom_of: dict = {}                             # primitive (engine) → atom
        self._defs: dict = {}                                # atom → its definition (engine)
        self._app_of: dict = {}                              # (f or df, argument) → atom
        self._made: list = []                                # (engine symbol, kind, payload)
        self._in: dict = {}                                  # sympy symbol or object → engine symbol
        self._vmap: dict = {}                                # plain sympy symbol → sympy view
        self._vshown = self._dshown = 0                      # _made entries already in the views
        self._definitions: dict = {}                         # sympy atom → sympy definition
        self._applications: set = set()
        self._branches_shown: list = []
        # display names, worked out when something is shown
        self._pending_names: list = []
        self._display: dict = {}
        self._rewrites = _Rewrites(self)
        self._fs_cache: dict = {}
        # memo: vectors and matrices hash-consed to integer ids
        self._vids: dict = {}                                # engine tuple → id
        self._by_vec: dict = {}                              # id(tuple object) → (object, vector id)
        self._by_mat: dict = {}                              # id(tuple object) → (object, matrix id, rows)
        self._mids: dict = {}                                # tuple of row ids → matrix id
        self._atomized: dict = {}                            # vector id → its operand form
        self._m_f, self._m_df, self._m_mv, self._m_rmv = {}, {}, {}, {}
        self._m_add, self._m_sub, self._m_mul, self._m_scale = {}, {}, {}, {}
        if self._poly is not None:   # a polynomial f is computed in the engine
            self._x = se.Symbol("_x")
            self._fx = self._from_sympy(activation.expr).xreplace({self._from_sympy(_x): self._x})
            self._dfx = self._from_sympy(activation.dexpr).xreplace({self._from_sympy(_x): self._x})

    # -- engine symbols and their sympy views -------------------------------------------------
    def _symbol(self, kind, payload, shown: bool):
        """A fresh engine symbol; ``shown``: it is an atom named _aN in displays."""
        if shown:
            name = f"_a{self._a}"
            self._a += 1
        else:
            name = f"_s{self._n}"
        self._n += 1
        s = se.Symbol(name)
        self._made.append((s, kind, payload))
        return s

    def _atom(self, e):
        """The hash-consed atom that stands for the engine expression ``e`` (made on first sight)."""
        atom = self._atom_of.get(e)
        if atom is None:
            atom = self._atom_of[e] = self._symbol("atom", e, True)
            self._defs[atom] = e
        return atom

    def _finish_vmap(self):
        """Bring the map engine symbol → sympy view up to date (display and sign ties only)."""
        while self._vshown < len(self._made):
            s, kind, payload = self._made[self._vshown]
            self._vshown += 1
            plain = sp.Symbol(s.name)
            if kind in ("symbol", "object"):
                self._vmap[plain] = payload
            elif kind in ("atom", "atom-app"):
                self._vmap[plain] = sp.Symbol(s.name, real=True)
            else:  # f(a) shown inline: its value, or f applied to the view of its argument
                fn, arg, value = payload
                self._vmap[plain] = value if value is not None else fn(self._view_now(arg))

    def _view_now(self, e):
        return e._sympy_().xreplace(self._vmap)

    def view(self, e):
        """The sympy expression of an engine expression (a Sym or a sympy object passes through)."""
        if type(e) is Sym:
            e = e.e
        if not isinstance(e, se.Basic):
            return sp.sympify(e)
        self._finish_vmap()
        return self._view_now(e)

    @property
    def definitions(self) -> dict:
        """atom → its definition, as sympy expressions, in the order the atoms were made."""
        self._flush_names()
        self._finish_vmap()
        while self._dshown < len(self._made):
            s, kind, payload = self._made[self._dshown]
            self._dshown += 1
            if kind == "atom":
                self._definitions[self._vmap[sp.Symbol(s.name)]] = self._view_now(payload)
            elif kind == "atom-app":
                fn, arg, value = payload
                atom = self._vmap[sp.Symbol(s.name)]
                self._definitions[atom] = value if value is not None else fn(self._view_now(arg))
                self._applications.add(atom)
        return self._definitions

    @property
    def applications(self) -> set:
        """The atoms (sympy symbols) that stand for f(a) or f'(a) of a transcendental f."""
        self.definitions
        return self._applications

    @property
    def value_branches(self) -> list:
        """The undecided comparisons the rule's code made: (op, difference as sympy)."""
        while len(self._branches_shown) < len(self.value_branches_raw):
            op, d = self.value_branches_raw[len(self._branches_shown)]
            self._branches_shown.append((op, self.view(d)))
        return self._branches_shown

    # -- the boundary between rule code (Sym) and the engine ------------------------------
    def _from_sympy(self, e):
        """A sympy object in the engine: polynomial structure natively, anything else
        (functions, non-integer powers of symbols, constants) behind an atom that stands for it."""
        if e.is_Symbol:
            s = self._in.get(e)
            if s is None:
                s = self._in[e] = self._symbol("symbol", e, False)
            return s
        if e.is_Integer:
            return se.Integer(int(e))
        if e.is_Rational:
            return se.Rational(int(e.p), int(e.q))
        if e.is_Float:     # a rounded number: taken as its exact binary value, and remembered
            self._inexact = True
            r = sp.Rational(e)             # the binary value the Float holds, exactly
            return _engine_rational(Fraction(int(r.p), int(r.q)))
        if e.is_Add:
            return se.Add(*[self._from_sympy(a) for a in e.args])
        if e.is_Mul:
            return se.Mul(*[self._from_sympy(a) for a in e.args])
        if e.is_Pow and e.exp.is_Integer:
            return self._from_sympy(e.base) ** int(e.exp)
        if e.is_Pow and e.base.is_Rational and e.exp.is_Rational:
            return se.Rational(int(e.base.p), int(e.base.q)) ** se.Rational(int(e.exp.p), int(e.exp.q))
        if isinstance(e, sp.Basic) and e.has(sp.Float):
            self._inexact = True
        s = self._in.get(e)
        if s is None:
            s = self._in[e] = self._symbol("object", e, False)
        return s

    def _by_sympy(self, fn, *args):
        """fn computed by sympy on the sympy views of engine expressions, back in the engine."""
        return self._from_sympy(fn(*[self.view(a) for a in args]))

    def _power(self, base, exp):
        """base ** exp: in the engine for an integer exponent (or a rational power of a
        rational), else by sympy (with its real symbols) behind an atom."""
        if exp.is_Integer or (base.is_Rational and exp.is_Rational):
            return base ** exp
        return self._by_sympy(lambda b, k: b ** k, base, exp)

    def _raw_scalar(self, q):
        """The engine expression of a scalar rule code handed in (a Sym, a sympy object,
        an int, a Fraction, or a float taken as its exact binary value)."""
        if type(q) is Sym:
            return q.e
        if isinstance(q, se.Basic):
            return q
        if isinstance(q, sp.Basic):
            return self._from_sympy(q)
        if isinstance(q, int):
            return se.Integer(q)
        if isinstance(q, float):
            if q != q or q in (float("inf"), float("-inf")):
                raise SymbolicValueError(f"the rule computes with the float {q!r}, which is not a real number")
            exact = Fraction(q)
            if exact.denominator != 1 or abs(exact) >= 2**53:
                self.floats.setdefault(repr(q), str(exact))
            return _engine_rational(exact)
        if isinstance(q, Fraction):
            return _engine_rational(q)
        try:
            exact = Fraction(q)          # Decimal, numpy integers, …
        except (TypeError, ValueError):
            raise SymbolicValueError(f"the symbolic system cannot compute with {type(q).__name__} {q!r}") from None
        return _engine_rational(exact)

    def _rv(self, v):
        return tuple([c.e if type(c) is Sym else self._raw_scalar(c) for c in v])

    def _wv(self, v):
        return tuple([Sym(c, self) for c in v])

    def raw(self, v):
        """The sympy expressions of a scalar, vector or matrix of this system."""
        if isinstance(v, (tuple, list)):
            return tuple(self.raw(c) for c in v)
        return self.view(self._raw_scalar(v))

    def _decide(self, op: str, a, b) -> bool:
        """A comparison rule code makes: decided when the expanded difference is a rational
        number (then it holds at every point), else recorded and answered generically."""
        self.comparisons += 1
        d = self.tidy(a - b)
        q = _fraction(d) if d.is_Number else None
        if q is not None:
            return bool(_COMPARE[op](q))
        self.value_branches_raw.append((op, d))
        return _GENERIC[op]

    def branch_texts(self, limit: int = 3) -> list[str]:
        """The first undecided comparisons, as ``<difference> op 0`` in the paper's names."""
        return [f"{self.latex(d, unfold=True)} {op} 0" for op, d in self.value_branches_raw[:limit]]

    def vanishes(self, d, max_ops: int = 2000) -> bool:
        """Whether ``d`` expands to 0 once every atom is replaced by its definition, in sympy
        (sound: an atom only stands for its definition).  Atoms hide structure when two
        computations group the same sum differently, or apply f to −a and a (tanh(−a) =
        −tanh(a) only shows unfolded); unfolding is exponential in depth, so it stops (False,
        "not shown") as soon as the expression grows past ``max_ops`` operations."""
        if not (self.activation.uninterpreted or self.activation.is_polynomial):
            return False   # expanding exp, tanh … blows up; parity is handled where f is applied
        defs = self.definitions
        e = self.view(d)
        for _ in range(len(defs) + 1):
            atoms = [a for a in e.free_symbols if a in defs]
            if not atoms:
                break
            e = e.xreplace({a: defs[a] for a in atoms})
            if _terms_bound(e, max_ops) > max_ops:
                return False
        e = sp.expand(e)
        # a quotient (e.g. a Cayley-parametrised orthogonal θ, pcproof.check.hypotheses):
        # 0 as a rational function once over a common denominator (sound where it is defined)
        return e == 0 or (any(t.is_Pow and t.exp.is_negative for t in e.atoms(sp.Pow))
                          and sp.cancel(sp.together(e)) == 0)

    def inexact(self) -> bool:
        """True if a rounded number (a sympy Float) entered the computation anyway
        (rule code that builds sympy objects itself, or an activation written with
        one): such a run proves nothing."""
        return self._inexact

    # -- scalars -----------------------------------------------------------------
    def number(self, q):
        return q if type(q) is Sym else Sym(self._raw_scalar(q), self)

    def tidy(self, c):
        """Expanded form (an engine expression): a sum of monomials in atoms."""
        c = c.e if type(c) is Sym else (c if isinstance(c, se.Basic) else self._raw_scalar(c))
        return se.expand(c)

    def atomize(self, c):
        """A sum as content × atom (the atom shared by every equal primitive); other terms as they are."""
        if not self.atoms or not c.is_Add:
            return c
        content, prim, (neg, pos) = split_content(c)
        if neg > pos or (neg == pos and self._negate_on_tie(prim)):
            prim, content = se.expand(-prim), -content   # symengine keeps -(a + b) unexpanded
        atom = self._atom_of.get(prim)
        if atom is None:
            atom = self._atom(prim)
        return content * atom

    def _negate_on_tie(self, prim) -> bool:
        """As many negative as positive terms: sympy's tie-break (its sort order), so
        that atoms have the sign they are shown with.  -prim gives the opposite answer."""
        return self.view(prim).could_extract_minus_sign()

    # -- vectors: hash-consed to integer ids, every operation memoised on them ------------------
    def _vid(self, v):
        """(id, engine tuple) of a vector rule code handed in."""
        if type(v) is _Vec and v.ops is self:
            return v.vid, v.raw
        hit = self._by_vec.get(id(v))
        if hit is not None and hit[0] is v:
            return hit[1], hit[2]
        raw = self._rv(v)
        vid = self._vids.get(raw)
        if vid is None:
            vid = self._vids[raw] = len(self._vids)
        if type(v) is tuple:   # immutable: remember the object (kept alive, so its id stays its own)
            self._by_vec[id(v)] = (v, vid, raw)
        return vid, raw

    def same(self, u, v) -> bool:
        """u and v are the same vector (one hash-consed id: equal entries), so a pure function
        of either gives the same result (rules.base.Trajectory skips such a step)."""
        return u is v or self._vid(u)[0] == self._vid(v)[0]

    def _mid(self, W):
        """(id, engine rows, row ids) of a matrix."""
        if type(W) is _Mat and W.ops is self:
            return W.mid, W.rows, W.ids
        hit = self._by_mat.get(id(W))
        if hit is not None and hit[0] is W:
            return hit[1], hit[2], hit[3]
        ids, rows = [], []
        for r in W:
            i, raw = self._vid(r)
            ids.append(i)
            rows.append(raw)
        ids, rows = tuple(ids), tuple(rows)
        mid = self._mids.get(ids)
        if mid is None:
            mid = self._mids[ids] = len(self._mids)
        if type(W) is tuple and all(type(r) in (tuple, _Vec) for r in W):
            self._by_mat[id(W)] = (W, mid, rows, ids)
        return mid, rows, ids

    def _out(self, raw):
        """A computed vector handed to rule code: a tuple of Sym that knows its id."""
        vid = self._vids.get(raw)
        if vid is None:
            vid = self._vids[raw] = len(self._vids)
        v = _Vec([Sym(c, self) for c in raw])
        v.ops, v.vid, v.raw = self, vid, raw
        return v

    def _out_mat(self, rows):
        W = _Mat([self._out(r) for r in rows])
        ids = tuple([r.vid for r in W])
        mid = self._mids.get(ids)
        if mid is None:
            mid = self._mids[ids] = len(self._mids)
        W.ops, W.mid, W.rows, W.ids = self, mid, tuple(rows), ids
        return W

    def _operand(self, vid, raw):
        """The vector with its sums replaced by content × atom (what is multiplied or fed to f)."""
        if not self.atoms:
            return raw
        r = self._atomized.get(vid)
        if r is None:
            r = self._atomized[vid] = tuple([self.atomize(c) for c in raw])
        return r

    def operand(self, v):
        return self._wv(self._operand(*self._vid(v)))

    def _app(self, kind, fn, a):
        """f(a) or f'(a) of a non-polynomial f: an atom hash-consed on (kind, a)."""
        key = (kind, a)
        s = self._app_of.get(key)
        if s is None:
            value = None
            if a.is_Number:   # evaluated by sympy: σ(0) = 1/2 is a number, log 2 is not
                value = fn(self.view(a))
                if value.has(sp.Float):
                    self._inexact = True
                if value.is_Rational:
                    s = self._app_of[key] = self._from_sympy(value)
                    return s
            elif self.activation.expr is not None and self.activation.expr.has(sp.Float):
                self._inexact = True
            s = self._app_of[key] = self._symbol("atom-app" if self._opaque else "app", (fn, a, value),
                                                 self._opaque)
        return s

    def _apply(self, kind, vid, raw):
        fn = self.activation.symbolic_f if kind == "f" else self.activation.symbolic_df
        out = []
        parity = _parity(self.activation, kind) if self._poly is None else None
        for a in self._operand(vid, raw):
            sign = 1
            if parity and a.is_Mul and a.args[0].is_Number and a.args[0] < 0:
                # f(−a) = −f(a) for an odd f (tanh), f(a) for an even one (tanh′): one atom for both
                a, sign = se.expand(-a), (-1 if parity == "odd" else 1)
            if self.atoms and not (a.is_Symbol or a.is_Number):
                # a product fed to f becomes an atom too: with width 1 nothing is a sum, and
                # f(θ f(θ f(…))) would otherwise nest as deep as the network
                a = self._atom(a)
            if self._poly is not None:
                out.append(se.expand((self._fx if kind == "f" else self._dfx).xreplace({self._x: a})))
            else:
                r = self._app(kind, fn, a)
                out.append(-r if sign < 0 else r)
        return tuple(out)

    # Each operation looks its operands' ids up in its own memo first; only a miss computes.
    def f(self, v):
        vid, raw = self._vid(v)
        r = self._m_f.get(vid)
        if r is None:
            r = self._m_f[vid] = self._out(self._apply("f", vid, raw))
        return r

    def df(self, v):
        vid, raw = self._vid(v)
        r = self._m_df.get(vid)
        if r is None:
            r = self._m_df[vid] = self._out(self._apply("df", vid, raw))
        return r

    def exp(self, v):
        """exp(a) elementwise, exactly: an atom hash-consed on a (as a transcendental f(a)),
        standing for sympy's exp(a); exp(0) = 1 is the number 1 (no floats anywhere)."""
        vid, raw = self._vid(v)
        memo = self.__dict__.setdefault("_m_exp", {})
        r = memo.get(vid)
        if r is None:
            out = []
            for a in self._operand(vid, raw):
                if self.atoms and not (a.is_Symbol or a.is_Number):
                    a = self._atom(a)
                out.append(self._app("exp", sp.exp, a))
            r = memo[vid] = self._out(tuple(out))
        return r

    def recip(self, v):
        """1/a elementwise: a sum becomes content × atom first, so 1/a is a Laurent monomial
        (sound where a ≠ 0: an atom only stands for its definition)."""
        out = []
        for a in self._operand(*self._vid(v)):
            if a.is_Number and a == 0:
                raise ZeroDivisionError("1/0")
            out.append(se.expand(a ** -1))
        return self._out(tuple(out))

    def matvec(self, W, v):
        (mid, rows, ids), (vid, raw) = self._mid(W), self._vid(v)
        r = self._m_mv.get((mid, vid))
        if r is None:
            x = self._operand(vid, raw)
            r = self._m_mv[(mid, vid)] = self._out(tuple([
                self._sum([w * c for w, c in zip(self._operand(i, row), x)]) for i, row in zip(ids, rows)]))
        return r

    def rmatvec(self, W, v):
        (mid, rows, ids), (vid, raw) = self._mid(W), self._vid(v)
        r = self._m_rmv.get((mid, vid))
        if r is None:
            x = self._operand(vid, raw)
            rws = [self._operand(i, row) for i, row in zip(ids, rows)]
            r = self._m_rmv[(mid, vid)] = self._out(tuple([
                self._sum([rws[i][j] * x[i] for i in range(len(rws))]) for j in range(len(rws[0]))]))
        return r

    def _sum(self, products):
        # operands (atomised) are monomials, so their products are, and a sum of monomials
        # collects like terms by itself; without atoms a product may hold a sum
        return se.Add(*products) if self.atoms else se.expand(se.Add(*products))

    def _product(self, p, q):
        return p * q if self.atoms else se.expand(p * q)

    def add(self, u, v):
        (i, a), (j, b) = self._vid(u), self._vid(v)
        r = self._m_add.get((i, j))
        if r is None:
            r = self._m_add[(i, j)] = self._out(tuple([se.expand(p + q) for p, q in zip(a, b)]))
        return r

    def sub(self, u, v):
        (i, a), (j, b) = self._vid(u), self._vid(v)
        r = self._m_sub.get((i, j))
        if r is None:
            r = self._m_sub[(i, j)] = self._out(tuple([se.expand(p - q) for p, q in zip(a, b)]))
        return r

    def mul(self, u, v):
        (i, a), (j, b) = self._vid(u), self._vid(v)
        r = self._m_mul.get((i, j))
        if r is None:
            r = self._m_mul[(i, j)] = self._out(tuple([
                self._product(p, q) for p, q in zip(self._operand(i, a), self._operand(j, b))]))
        return r

    def scale(self, c, v):
        c = self._raw_scalar(c)
        vid, raw = self._vid(v)
        r = self._m_scale.get((c, vid))
        if r is None:
            k = self.atomize(se.expand(c))
            r = self._m_scale[(c, vid)] = self._out(tuple([se.expand(k * a) for a in raw]))
        return r

    def sqnorm(self, v):
        x = self._operand(*self._vid(v))
        return Sym(self._sum([a * a for a in x]), self)

    def outer(self, u, v):
        x, y = self._operand(*self._vid(u)), self._operand(*self._vid(v))
        return self._out_mat(tuple(tuple([self._product(p, q) for q in y]) for p in x))

    def mat_add(self, A, B):
        ra, rb = self._mid(A)[1], self._mid(B)[1]
        return self._out_mat(tuple(tuple([se.expand(p + q) for p, q in zip(r, s)]) for r, s in zip(ra, rb)))

    def mat_scale(self, c, A):
        c = self._raw_scalar(c)
        rows = self._mid(A)[1]
        simple = c.is_Number or c.is_Symbol
        return self._out_mat(tuple(tuple([c * p if simple and not p.is_Add else se.expand(c * p) for p in r])
                                   for r in rows))

    # -- names and display -----------------------------------------------------------
    def name(self, v, stem, *index):
        """Name ``v`` as ``stem^{l}_{t,i}`` (index = (l,) or (l, t)) for display.
        Recorded only: the names are worked out when something is shown."""
        self._pending_names.append((v, stem, index))
        return v

    def _flush_names(self):
        while self._pending_names:
            pending, self._pending_names = self._pending_names, []
            for v, stem, index in pending:
                self._name_now(v, stem, index)

    def _name_now(self, v, stem, index):
        sup, sub = (str(index[0]), [str(i) for i in index[1:]]) if index else ("", [])
        for i, c in enumerate(self._rv(v)):
            if not (c.is_Add or c.is_Mul):
                continue
            key = self.view(c)
            if dict.__contains__(self._rewrites, key):
                continue
            tex = stem + (f"^{{{sup}}}" if sup else "") + "_{" + ",".join(sub + [str(i)]) + "}"
            a = self.atomize(c) if c.is_Add else None
            if a is not None and a in self._defs:  # the sum *is* an atom: name the atom
                shown = self.view(a)
                self._display.setdefault(shown, tex)
                self._rewrites[key] = shown
            else:
                shown = sp.Symbol(f"_n{len(self._rewrites)}", real=True)
                self._rewrites[key] = shown
                self._display[shown] = tex

    @property
    def display(self) -> dict:
        """display symbol (sympy) → its LaTeX name."""
        self._flush_names()
        return self._display

    @property
    def rewrites(self) -> dict:
        """named sum or product (sympy) → the symbol it is shown as."""
        self._flush_names()
        return self._rewrites

    def readable(self, e, itself: str | None = None):
        """``e`` with named sums and products replaced by their names (display only).

        ``itself`` is the name of the quantity being shown, which is not used, so that
        ε^1_1 shows as γ δ^1 rather than as ε^1_1.  A name replaces an exact sub-sum
        c·k of a sum or an exact sub-product of a term (cheaper than sympy's subs)."""
        e = self.view(e)
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

    def latex(self, e, itself: str | None = None, unfold: bool = False) -> str:
        """LaTeX of a scalar, in the paper's names, through sympy's one printer.

        ``unfold``: no internal atom name (a_{36}) is left for a reader: every unnamed atom is
        replaced by its definition, up to :data:`UNFOLD_NODES` printed nodes; past that, the atoms
        still unnamed show as ``\\dots`` (an elision, never a name the reader cannot look up)."""
        e = self.readable(e, itself)
        for _ in range(len(self.definitions) + 1 if unfold else 3):  # unnamed atoms read better unfolded
            unnamed = {a: self.definitions[a] for a in self.view(e).free_symbols
                       if a in self.definitions and a not in self.display and a not in self.applications
                       and (unfold or len(self.definitions[a].args) <= 4)}
            if not unnamed:
                break
            bigger = self.readable(self.view(e).xreplace(unnamed), itself)
            if unfold and _nodes_over(self.view(bigger), UNFOLD_NODES):
                break
            e = bigger
        if self.applications:  # show σ(a) rather than the atom that stands for it
            e = self.view(e).xreplace({a: self.definitions[a] for a in self.applications})
        names = {}
        for s in self.view(e).free_symbols:
            shown = self.display.get(s)
            if shown == itself and s in self.definitions:  # show what the quantity is, not its name
                return self.latex(self.definitions[s], itself, unfold)
            names[s] = shown or (symbol_latex(s.name) if not s.name.startswith("_")
                                 else r"\dots" if unfold else rf"a_{{{s.name[2:]}}}")
        return sp.latex(e, symbol_names=names)

    def evaluate(self, exprs, values: dict, digits: int = 50) -> list:
        """The values of ``exprs`` at a point (symbol name → number), atoms unfolded in
        the order they were made; an uninterpreted f is read as its numeric instance."""
        from ..model.activations import f as f_, fprime as fp_, get as get_activation
        inst = get_activation(self.activation.numeric_instance) if self.activation.uninterpreted else None

        def concrete(expr):
            expr = self.view(expr)
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
            e = self.view(e).xreplace(self.definitions)
        return e
