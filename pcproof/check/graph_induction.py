"""The all-size prover for the indexed graph families (issue 10): ``graph-eps`` and
``graph-updates`` for a residual chain of every number of blocks n ≥ 1 and an RNN unrolled
for every number of steps n ≥ 1, by induction in z3 through :class:`pcproof.kernel.Proof`.

What is run, and what is read off the family.

* **The family's blocks.**  The family's own builder (``pcproof.model.families``, then
  :func:`~pcproof.model.graph.level` if asked) is run at sizes :data:`LEARN` and every vertex
  is read as a *role* and an index: ``h7`` is role ``h#`` at k = 7, ``x3~x4.1`` (an identity
  ``level`` inserted) role ``x#~x#.1`` at k = 3.  A role's vertices at k near the ends of its
  index range may differ from the others (the input ``x0`` is not an add vertex); each case
  keeps its primitive, parents, parameters and children as indices relative to k, to 0 or to
  n, and d(v) as an affine function of k and n.  This :class:`Template` is then rebuilt at
  every size 1 … :data:`CHECK_UP_TO` and compared with the builder's graph vertex by vertex
  (names, primitives, parents, parameters, children in order, widths, outputs, distances).
  That the builder makes the same block for every larger n is the one thing assumed, and the
  verdict says so.
* **The engine's code, at a symbolic index.**  :class:`GenericGraphPCN` stands in for
  :class:`pcproof.rules.graph.GraphPCN` with a vertex ``(role, k)`` whose k and time t are z3
  integers (:class:`pcproof.check.induction.Idx`) and vectors that are z3 terms.  GraphPCN's
  own methods (``x``, ``mu``, ``eps``, ``drive``, ``theta``, ``delta``, ``_args``), the
  primitives' ``value``/``vjp``/``update`` and, through the rule object, the rule's own
  ``inference_step`` and ``fires`` are run once per branch (:class:`IndexSpace`) and each path
  becomes a guarded definition, after checking that it reads only earlier states.
* **Levelled, for every n.**  d(v) as the template gives it is checked in z3 to be the
  distance, and the graph levelled, at every n: an output has d = 0 and no child, every other
  computed vertex has children and each is at d(v) − 1.  A family that fails (the residual as
  built) is not proved: z3's model names a size, and the concrete prover refutes it there.
* **BP** (``GraphANN``'s reverse mode) is restated per vertex from the same primitives, in the
  same order of terms, as :mod:`pcproof.check.induction` restates the layered ANN's wiring.

The proof: the wavefront (for t < d(v): x_v(t) = x̄_v, ε_v(t) = 0, θ unchanged) by induction on
t; ε_v(d(v)) = δ_v by induction on the level j = d(v); the rule's gate fires once, at
t* = d(v) + c (proved by the kernel); the update each vertex makes there equals BP's term for it.
Sizes below the first at which the template is the builder's graph (the levelled chain of one
block, whose block is both first and last) are proved by the concrete prover.  Hypotheses: C1
(x_v(0) = x̄_v), n ≥ that first size, and the graph's shapes (every vertex's x̄, δ, input and
target, and every parameter, have the widths of the family's graph; one free integer per
distinct width, so every choice of widths that keeps those the family ties equal).
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Callable

import z3

from .. import kernel
from ..model.graph import Graph, level as level_graph
from ..numbers.z3terms import Z3Ops
from ..rules.graph import GraphPCN, GraphPCRule, GraphZIL
from ..rules.primitives import PRIMITIVES
from ..theorem import Setting, Theorem
from .induction import (AXIOMS, Axiom, IndexSpace, Idx, SymbolicIndexError, _rule_code, _where, reading, term_of,
                        z3_axiom, zero)

#: sizes the template is read from (one more than the last boundary case needs)
LEARN = (5, 6, 7)
#: sizes at which the template is rebuilt and compared with the builder's graph
CHECK_UP_TO = 9
#: an index within this many of its range's ends may be a case of its own
BOUNDARY = 2
#: the families with an index, and its option name
INDEXED = {"residual": "blocks", "rnn": "steps"}


class TemplateError(SymbolicIndexError):
    """The family's graphs do not follow one block pattern the prover can read."""


# ---------------------------------------------------------------------------------
# the template: roles, their cases, and indices relative to k, 0 or n
# ---------------------------------------------------------------------------------
_NUM = re.compile(r"(\d+)")


def _split(name: str):
    parts = _NUM.split(name)
    return "#".join(parts[0::2]), tuple(int(x) for x in parts[1::2])


@dataclass(frozen=True)
class Ref:
    """An index: k + off (``"k"``), the constant off (``"c"``), or n + off (``"n"``)."""

    kind: str
    off: int

    def at(self, k, n):
        return k + self.off if self.kind == "k" else n + self.off if self.kind == "n" else self.off

    def term(self, k, n, ctx):
        return self.at(k, n) if self.kind != "c" else z3.IntVal(self.off, ctx)

    def __str__(self):
        return {"k": "k", "n": "n", "c": ""}[self.kind] + (f"{self.off:+d}" if self.kind != "c" else str(self.off))


def _ref(samples) -> Ref | None:
    """The one Ref that gives every sample's (k, n) ↦ index, or None."""
    for kind in ("k", "c", "n"):
        offs = {i - (k if kind == "k" else n if kind == "n" else 0) for k, n, i in samples}
        if len(offs) == 1:
            return Ref(kind, offs.pop())
    return None


@dataclass(frozen=True)
class Piece:
    """One case of one role: what its vertices look like (indices as Refs)."""

    primitive: str
    parents: tuple            # ((role, Ref), …)
    params: tuple             # ((param role, Ref), …)
    children: tuple           # ((role, Ref), …) in the graph's order
    width: int
    output: bool
    dist: tuple               # (a, b, c): d = a k + b n + c


@dataclass(frozen=True)
class Role:
    name: str                 # the name with each integer as '#'
    extra: tuple              # Refs of the name's integers after the first
    lo: Ref
    hi: Ref
    cases: tuple              # ((case, Piece), …) tested in order; case ("lo", j), ("hi", j) or ("mid",)

    def text(self, k, n) -> str:
        return _text(self.name, self.extra, k, n)


@dataclass(frozen=True)
class ParamRole:
    name: str
    extra: tuple
    lo: Ref
    hi: Ref
    shape: tuple
    users: tuple | None       # ((role, Ref), …) relative to the parameter's k; None: shared by a growing number


@dataclass(frozen=True)
class Template:
    family: str
    roles: tuple
    params: tuple

    def role(self, name) -> Role:
        return next(r for r in self.roles if r.name == name)

    def param(self, name) -> ParamRole:
        return next(p for p in self.params if p.name == name)


def _range_refs(samples_by_n: dict) -> tuple[Ref, Ref]:
    lo = _ref([(0, n, min(ks)) for n, ks in samples_by_n.items()])
    hi = _ref([(0, n, max(ks)) for n, ks in samples_by_n.items()])
    for n, ks in samples_by_n.items():
        if sorted(ks) != list(range(min(ks), max(ks) + 1)):
            raise TemplateError(f"the indices of a role are not contiguous at size {n}: {sorted(ks)}")
    if lo is None or hi is None:
        raise TemplateError("a role's index range is not fixed or n-relative at its ends")
    return lo, hi


def _case(k, n, lo: Ref, hi: Ref):
    a, b = k - lo.at(0, n), hi.at(0, n) - k
    if a < BOUNDARY:
        return ("lo", a)
    if b < BOUNDARY:
        return ("hi", b)
    return ("mid",)


def _fit_dist(samples) -> tuple:
    """d = a k + b n + c through every (k, n, d), or TemplateError."""
    a = b = 0
    by_n, by_k = {}, {}
    for k, n, d in samples:
        by_n.setdefault(n, []).append((k, d))
        by_k.setdefault(k, []).append((n, d))
    for pts in by_n.values():
        if len({k for k, _ in pts}) > 1:
            (k1, d1), (k2, d2) = sorted(pts)[:2]
            a = (d2 - d1) // (k2 - k1)
            break
    for pts in by_k.values():
        if len({n for n, _ in pts}) > 1:
            (n1, d1), (n2, d2) = sorted(pts)[:2]
            b = (d2 - d1) // (n2 - n1)
            break
    if not any(len({k for k, _ in pts}) > 1 for pts in by_k.values()) and b == 0:
        # each k at one n only (an n-relative case): fit d against n
        ns = sorted({n for _, n, _ in samples})
        if len(ns) > 1:
            d_at = {n: d for _, n, d in samples}
            b = (d_at[ns[1]] - d_at[ns[0]]) // (ns[1] - ns[0])
    c = {d - a * k - b * n for k, n, d in samples}
    if len(c) != 1:
        raise TemplateError("the distance to the output is not affine in the block index and the size")
    return (a, b, c.pop())


def _roles_of(names_by_n: dict) -> Callable[[str], tuple]:
    """name → (role, k, the other free integers): the role is the name with its integers as '#',
    except those (after the first) that are neither k-, n-relative nor fixed over the role,
    which it spells out (``x3~x4.1`` and ``x3~x4.2`` are two roles, ``x#~x#.1`` and ``x#~x#.2``)."""
    groups: dict = {}
    for n, names in names_by_n.items():
        for name in names:
            skel, ints = _split(name)
            groups.setdefault(skel, []).append((n, ints))
    keep = {skel: {i for i in range(1, len(ms[0][1])) if _ref([(ints[0], n, ints[i]) for n, ints in ms]) is None}
            for skel, ms in groups.items()}

    def index(name):
        skel, ints = _split(name)
        kept = keep.get(skel, set())
        parts = skel.split("#")
        role = parts[0] + "".join((str(ints[i]) if i in kept else "#") + p for i, p in enumerate(parts[1:]))
        free = [x for i, x in enumerate(ints) if i not in kept]
        return role, (free[0] if free else 0), tuple(free[1:])
    return index


# learn()'s reading of names, set at its start and used only while it runs (one learn at a time)
_index = None   # name → (role, k, other free integers)


def learn(build: Callable[[int], Graph], sizes=LEARN) -> Template:
    """Read the block pattern of ``build(n)`` at ``sizes`` (see the module's docstring)."""
    graphs = {n: build(n) for n in sizes}
    global _index
    role_of = _roles_of({n: [v.name for v in g.vertices] + [p for p, _ in g.param_shapes] for n, g in graphs.items()})
    _index = role_of
    v_members: dict[str, dict] = {}
    p_members: dict[str, dict] = {}
    for n, g in graphs.items():
        for v in g.vertices:
            s, k, _ = _index(v.name)
            v_members.setdefault(s, {}).setdefault(n, []).append(k)
        for p, _shape in g.param_shapes:
            s, k, _ = _index(p)
            p_members.setdefault(s, {}).setdefault(n, []).append(k)
    _EXTRA.clear()
    samples: dict = {}
    for n, g in graphs.items():
        for name in [v.name for v in g.vertices] + [p for p, _ in g.param_shapes]:
            s, k, e = _index(name)
            samples.setdefault(s, []).append((k, n, e))
    for s, sm in samples.items():
        _EXTRA[s] = _extras(s, sm)
    roles = []
    for s, by_n in v_members.items():
        lo, hi = _range_refs(by_n)
        extra = _EXTRA[s]
        groups: dict = {}
        for n, g in graphs.items():
            for k in by_n[n]:
                groups.setdefault(_case(k, n, lo, hi), []).append((k, n, g.by_name[_text(s, extra, k, n)], g))
        cases = {c: _piece(members) for c, members in groups.items()}
        mid = cases.get(("mid",))
        # a boundary case whose vertices the middle case describes as well is no case of its own
        order = sorted((c for c in cases if c != ("mid",) and not (mid and _fits(mid, groups[c]))),
                       key=lambda c: (c[0] != "lo", c[1]))
        roles.append(Role(s, extra, lo, hi, tuple((c, cases[c]) for c in order) +
                          ((("mid",), mid),) if mid is not None else tuple((c, cases[c]) for c in order)))
    params = []
    for s, by_n in p_members.items():
        lo, hi = _range_refs(by_n)
        extra = _EXTRA[s]
        shapes = {shape for g in graphs.values() for p, shape in g.param_shapes if _index(p)[0] == s}
        if len(shapes) != 1:
            raise TemplateError(f"parameter role {s} has several shapes {sorted(shapes)}")
        users_ok, slots = True, None
        samples: list = []
        for n, g in graphs.items():
            for k in by_n[n]:
                us = g.users(_text(s, extra, k, n))
                if slots is None:
                    slots = len(us)
                if len(us) != slots:
                    users_ok = False
                samples.append((k, n, [_index(u)[:2] for u in us]))
        users = None
        if users_ok:
            refs = []
            for i in range(slots):
                roles_i = {sm[2][i][0] for sm in samples}
                r = _ref([(k, n, us[i][1]) for k, n, us in samples])
                if len(roles_i) != 1 or r is None:
                    users_ok = False
                    break
                refs.append((roles_i.pop(), r))
            users = tuple(refs) if users_ok else None
        params.append(ParamRole(s, extra, lo, hi, shapes.pop(), users))
    return Template(build.__name__ if hasattr(build, "__name__") else "graph", tuple(roles), tuple(params))


def _text(skel, extra, k, n) -> str:
    """The vertex or parameter name of role ``skel`` at index k and size n."""
    parts = skel.split("#")
    if len(parts) == 1:
        return skel
    ints = [k] + [r.at(k, n) for r in extra]
    return parts[0] + "".join(str(i) + p for i, p in zip(ints, parts[1:]))


def _extras(s, samples) -> tuple:
    if not samples:
        return ()
    m = len(samples[0][2])
    out = []
    for i in range(m):
        r = _ref([(k, n, e[i]) for k, n, e in samples])
        if r is None:
            raise TemplateError(f"the name of role {s} has an index that is not fixed, k- or n-relative")
        out.append(r)
    return tuple(out)


def _piece(members) -> Piece:
    """The one description of every member (vertex, its k and n) of one case of a role."""
    first = members[0][2]

    def refs(get):
        lists = [(k, n, [_index(x)[:2] for x in get(v, g)]) for k, n, v, g in members]
        sizes = {len(ls) for _, _, ls in lists}
        if len(sizes) != 1:
            raise TemplateError(f"vertices like {first.name} differ in their number of neighbours")
        out = []
        for i in range(sizes.pop()):
            rs = {ls[i][0] for _, _, ls in lists}
            r = _ref([(k, n, ls[i][1]) for k, n, ls in lists])
            if len(rs) != 1 or r is None:
                raise TemplateError(f"vertices like {first.name} differ in neighbour {i}")
            out.append((rs.pop(), r))
        return tuple(out)
    kinds = {(v.primitive, v.width, v.name in g.outputs, len(v.attrs)) for _, _, v, g in members}
    if len(kinds) != 1 or first.attrs:
        raise TemplateError(f"vertices like {first.name} differ in primitive, width or output, or carry data")
    prim, width, output, _ = kinds.pop()
    return Piece(prim, refs(lambda v, g: v.parents), refs(lambda v, g: v.params),
                 refs(lambda v, g: g.children[v.name]), width, output,
                 _fit_dist([(k, n, g.distance[v.name]) for k, n, v, g in members]))


def _fits(piece: Piece, members) -> bool:
    """Does ``piece`` describe every member (k, n, vertex, graph) exactly?"""
    a, b, c = piece.dist
    for k, n, v, g in members:
        got = (v.primitive, v.parents, v.params, g.children[v.name], v.width, v.name in g.outputs, g.distance[v.name])
        want = (piece.primitive, tuple(_text(s, _EXTRA[s], r.at(k, n), n) for s, r in piece.parents),
                tuple(_text(s, _EXTRA[s], r.at(k, n), n) for s, r in piece.params),
                tuple(_text(s, _EXTRA[s], r.at(k, n), n) for s, r in piece.children), piece.width, piece.output,
                a * k + b * n + c)
        if got != want:
            return False
    return True


_EXTRA: dict = {}   # role → the Refs of its name's other integers (set by learn, as _index)


def _piece_at(role: Role, k: int, n: int) -> Piece | None:
    lo, hi = role.lo.at(0, n), role.hi.at(0, n)
    if not lo <= k <= hi:
        return None
    for case, piece in role.cases:
        if case == ("mid",) or (case[0] == "lo" and k == lo + case[1]) or (case[0] == "hi" and k == hi - case[1]):
            return piece
    return None


def instantiate(t: Template, n: int) -> dict:
    """The template at size n: vertex name → (primitive, parents, params, children, width, output, d)."""
    out = {}
    roles = {r.name: r for r in t.roles}
    prs = {p.name: p for p in t.params}
    name = lambda rs, r, k: _text(rs, roles[rs].extra, r.at(k, n), n)   # noqa: E731
    pname = lambda ps, r, k: _text(ps, prs[ps].extra, r.at(k, n), n)   # noqa: E731
    for role in t.roles:
        for k in range(role.lo.at(0, n), role.hi.at(0, n) + 1):
            p = _piece_at(role, k, n)
            a, b, c = p.dist
            out[role.text(k, n)] = (p.primitive, tuple(name(s, r, k) for s, r in p.parents),
                                    tuple(pname(s, r, k) for s, r in p.params),
                                    tuple(name(s, r, k) for s, r in p.children), p.width, p.output, a * k + b * n + c)
    return out


def check_template(t: Template, build: Callable[[int], Graph], up_to: int = CHECK_UP_TO) -> int:
    """The smallest n0 such that the template is the builder's graph at every n0 ≤ n ≤ up_to."""
    good = []
    for n in range(1, up_to + 1):
        g = build(n)
        want = {v.name: (v.primitive, v.parents, v.params, g.children[v.name], v.width, v.name in g.outputs,
                         g.distance[v.name]) for v in g.vertices}
        try:
            got = instantiate(t, n)
        except Exception:
            got = None
        good.append(got == want)
    if not good[-1] or not good[-2]:
        raise TemplateError(f"the block pattern read at sizes {LEARN} is not the builder's graph at size {up_to}")
    n0 = up_to
    while n0 > 1 and good[n0 - 2]:
        n0 -= 1
    return n0


# ---------------------------------------------------------------------------------
# the graph at a symbolic size, and GraphPCN's code run on it
# ---------------------------------------------------------------------------------
class GName:
    """A vertex or parameter ``(role, k)`` with k an :class:`Idx` (or an int)."""

    __slots__ = ("role", "k")

    def __init__(self, role, k):
        self.role, self.k = role, k

    def __eq__(self, o):
        return type(o) is GName and self.role == o.role and bool(self.k == o.k)

    def __ne__(self, o):
        return not self.__eq__(o)

    def __hash__(self):
        return hash(self.role)

    def __repr__(self):
        return f"{self.role.replace('#', '')}[{self.k}]"

    __str__ = __repr__


@dataclass
class GVertex:
    name: GName
    primitive: str
    parents: tuple
    params: tuple
    width: int
    attrs: tuple = ()

    @property
    def is_input(self):
        return self.primitive == "input"


class GenericGraph:
    """The family's graph at the symbolic size n: what GraphPCN asks of a Graph."""

    def __init__(self, t: Template, n: Idx):
        self.t, self.n = t, n
        self.roles = {r.name: r for r in t.roles}
        self.prs = {p.name: p for p in t.params}

    def piece(self, v: GName) -> Piece:
        role, k, n = self.roles[v.role], v.k, self.n
        for case, piece in role.cases:
            if case == ("mid",) or (case[0] == "lo" and k == role.lo.at(0, n) + case[1]) \
                    or (case[0] == "hi" and k == role.hi.at(0, n) - case[1]):
                return piece
        raise SymbolicIndexError(f"no case of role {v.role} at k = {k}")

    def _names(self, refs, k):
        return tuple(GName(s, r.at(k, self.n)) for s, r in refs)

    @property
    def by_name(self):
        return _Map(lambda v: (lambda p: GVertex(v, p.primitive, self._names(p.parents, v.k),
                                                 self._names(p.params, v.k), p.width))(self.piece(v)))

    @property
    def children(self):
        return _Map(lambda v: self._names(self.piece(v).children, v.k))

    @property
    def shapes(self):
        """A parameter's shape (its role's: only its length, matrix or vector, is read)."""
        return _Map(lambda p: self.prs[p.role].shape)

    @property
    def distance(self):
        return _Map(lambda v: self.dist(v))

    def dist(self, v: GName):
        a, b, c = self.piece(v).dist
        return a * v.k + b * self.n + c if (a or b) else _const(c, v.k)

    def users(self, p: GName):
        pr = self.prs[p.role]
        if pr.users is None:
            raise SymbolicIndexError(f"the parameter {p.role.replace('#', '')} is shared by a number of vertices that "
                                     "grows with the size: its immediate updates cannot be run at a generic size")
        return self._names(pr.users, p.k)


def _const(c, k):
    return (k - k) + c if isinstance(k, Idx) else c


class _Map:
    def __init__(self, fn):
        self.fn = fn

    def __getitem__(self, key):
        return self.fn(key)


class _Membership:
    """``v in point.inputs`` / ``point.targets`` and their values, at a symbolic vertex."""

    def __init__(self, graph: GenericGraph, test, value):
        self.graph, self.test, self.value = graph, test, value

    def __contains__(self, v):
        return self.test(self.graph.piece(v))

    def __getitem__(self, v):
        return self.value(v)


class GenericPoint:
    def __init__(self, w: "GWorld"):
        g = w.graph
        self.inputs = _Membership(g, lambda p: p.primitive == "input", lambda v: w.In[v.role](term_of(v.k, w.ctx)))
        self.targets = _Membership(g, lambda p: p.output, lambda v: w.Tgt[v.role](term_of(v.k, w.ctx)))
        self.theta = _Map(lambda p: w.Th0[p.role](term_of(p.k, w.ctx)))


class GenericGraphPCN:
    """Duck-typed :class:`GraphPCN` whose states x_v(t), ε_v(t), θ_p(t) are uninterpreted
    functions of (k, t); GraphPCN's own methods compute everything else."""

    def __init__(self, w: "GWorld", rule):
        self.w, self.rule = w, rule
        self.graph, self.ops, self.point = w.graph, w.ops, w.point
        self.alpha = w.alpha
        self.gamma = w.ops.number(rule.gamma)
        self.x0 = _Map(lambda v: w.X0[v.role](term_of(v.k, w.ctx)))
        self.reads: list | None = None

    def _read(self, kind, name: GName, t, fn):
        kt, tt = term_of(name.k, self.w.ctx), term_of(t, self.w.ctx)
        if self.reads is not None:
            self.reads.append((kind, name.role, kt, tt))
        return fn(kt, tt)

    def x(self, v, t): return self._read("x", v, t, self.w.X[v.role])
    def eps(self, v, t): return self._read("eps", v, t, self.w.E[v.role])
    def theta(self, p, t): return self._read("theta", p, t, self.w.Th[p.role])
    param = theta       # the engine reads parameters through param (a layered run: θ^k, b^l)

    # GraphPCN's own methods, looked up when run (so the engine as it is now is what is proved)
    def mu(self, v, t): return GraphPCN.mu(self, v, t)
    def drive(self, v, t): return GraphPCN.drive(self, v, t)
    def vjp(self, cv, i, xs, ps, e): return GraphPCN.vjp(self, cv, i, xs, ps, e)
    def delta(self, v, p, t): return GraphPCN.delta(self, v, p, t)
    def _args(self, vx, t): return GraphPCN._args(self, vx, t)
    def gate(self, v, t): return GraphPCN.gate(self, v, t)
    def gated_eps(self, v, t): return GraphPCN.gated_eps(self, v, t)

    def fires(self, v, t):
        """GraphPCN.fires without the run's horizon t < steps (rule.steps is GraphZIL's own: its
        horizon, max d + offset + 1, lies past every firing t = d(v) + offset ≥ 0)."""
        return 0 <= t and self.rule.fires(self, v, t)

    def _cached(self, key, compute):
        return compute()


#: the rule's methods run symbolically; any other override (updates, trajectory, steps,
#: total updates …) is not run here, and the answer is unknown
RUN_SYMBOLICALLY = ("fires", "inference_step", "initial_values")
_FRAMEWORK = ("updates", "trajectory", "steps", "__call__", "__getattr__", "__getattribute__")


def unrunnable(rule) -> str | None:
    if not isinstance(rule, GraphPCRule):
        return f"the rule {type(rule).__name__} is not a graph PC rule (GraphPCRule): it has no error nodes to run"
    for cls in type(rule).__mro__:
        if cls in (GraphZIL, GraphPCRule):
            break
        for name in vars(cls):
            if name in _FRAMEWORK:
                return f"cannot run {cls.__qualname__}.{name} at a generic size (only {', '.join(RUN_SYMBOLICALLY)} are run)"
    if not isinstance(rule, GraphZIL) and type(rule).steps is GraphPCRule.steps:
        return "the rule does not say how long it runs (steps)"
    if type(rule).steps is not GraphZIL.steps:
        return f"cannot run {type(rule).__qualname__}.steps at a generic size"
    return None


# ---------------------------------------------------------------------------------
# extra axioms of the graph engine (each tested numerically in tests/test_graph_induction.py)
# ---------------------------------------------------------------------------------
GRAPH_AXIOMS: tuple[Axiom, ...] = (
    Axiom("zero-add", "0_v + u = u  when dim u = dim v", {"u": "vec:n", "v": "vec:n"},
          lambda o, u, v: o.add(zero(o, v), u), lambda o, u, v: u, same_width=("u", "v")),
    Axiom("dim-add-right", "dim(u + v) = dim v  when dim u = dim v", {"u": "vec:n", "v": "vec:n"},
          lambda o, u, v: o.Dim(o.add(u, v)) if hasattr(o, "Dim") else len(o.add(u, v)),
          lambda o, u, v: o.Dim(v) if hasattr(o, "Dim") else len(v), same_width=("u", "v"), kind="width"),
)


class CausalityError(SymbolicIndexError):
    pass


class GWorld:
    """The z3 symbols of one all-size proof and the facts that define them."""

    def __init__(self, t: Template, setting: Setting, gamma_value, activation, n_min: int):
        self.t = t
        self.ops = ops = Z3Ops(activation)
        self.ctx = ctx = ops.ctx
        I, V, M = z3.IntSort(ctx), ops.Vec, ops.Mat
        self.space = IndexSpace(ctx)
        self.nt = z3.Int("n", ctx)
        self.n = Idx(self.nt, self.space)
        self.n_min = n_min
        self.graph = GenericGraph(t, self.n)
        fn = lambda name, *sig: z3.Function(name, *sig)   # noqa: E731
        short = lambda s: s.replace("#", "")              # noqa: E731
        self.X = {r.name: fn(f"x_{short(r.name)}", I, I, V) for r in t.roles}
        self.E = {r.name: fn(f"eps_{short(r.name)}", I, I, V) for r in t.roles}
        self.Xbar = {r.name: fn(f"xbar_{short(r.name)}", I, V) for r in t.roles}
        self.Delta = {r.name: fn(f"delta_{short(r.name)}", I, V) for r in t.roles}
        self.In = {r.name: fn(f"in_{short(r.name)}", I, V) for r in t.roles}
        self.Tgt = {r.name: fn(f"s_{short(r.name)}", I, V) for r in t.roles}
        self.X0 = {r.name: fn(f"xinit_{short(r.name)}", I, V) for r in t.roles}
        sort = lambda p: V if len(p.shape) == 1 else M   # noqa: E731
        self.Th = {p.name: fn(f"theta_{short(p.name)}", I, I, sort(p)) for p in t.params}
        self.Th0 = {p.name: fn(f"theta0_{short(p.name)}", I, sort(p)) for p in t.params}
        self.alpha = ops.real("alpha")
        self.gamma = ops.number(gamma_value)
        self.point = GenericPoint(self)
        self.ran: set = set()
        with _rule_code(self.space):
            self.rule = setting.make_graph_rule(self.gamma) if hasattr(setting, "make_graph_rule") else _graph_rule(
                setting, self.gamma)
        why = unrunnable(self.rule)
        if why:
            raise SymbolicIndexError(why)
        self.own_initial = type(self.rule).initial_values is not GraphPCRule.initial_values
        self.c1 = not self.rule.init_noise and not self.own_initial
        self.pcn = GenericGraphPCN(self, self.rule)
        self.proof: kernel.Proof | None = None

    # -- the template as z3 formulas ---------------------------------------------------
    def cases(self, role: Role, k):
        """[(condition on k, Piece)] in the order GenericGraph.piece tests them, within the range."""
        n, out, prior = self.nt, [], []
        rng = self.in_range(role, k)
        for case, piece in role.cases:
            if case == ("mid",):
                cond = z3.BoolVal(True, self.ctx)
            elif case[0] == "lo":
                cond = k == role.lo.term(0, n, self.ctx) + case[1]
            else:
                cond = k == role.hi.term(0, n, self.ctx) - case[1]
            out.append((z3.And(rng, *[z3.Not(p) for p in prior], cond), piece))
            prior.append(cond)
        return out

    def in_range(self, role, k):
        return z3.And(k >= role.lo.term(0, self.nt, self.ctx), k <= role.hi.term(0, self.nt, self.ctx))

    def where(self, role, k, test):
        """The condition on k that its case satisfies ``test(piece)``."""
        return z3.Or(*[c for c, p in self.cases(role, k) if test(p)], self.ctx) if any(
            test(p) for _, p in role.cases) else z3.BoolVal(False, self.ctx)

    def dist(self, role, k):
        e = None
        for cond, p in reversed(self.cases(role, k)):
            a, b, c = p.dist
            val = a * k + b * self.nt + c
            e = val if e is None else z3.If(cond, val, e)
        return e

    def idx(self, name):
        return self.space.int(name)

    def width(self, value: int):
        """A width of the template's graph as a free integer: one per distinct width, so the proof
        holds for every choice of widths that keeps the ones the family ties equal."""
        return z3.Int(f"w{value}", self.ctx)

    # -- facts -------------------------------------------------------------------------
    def base_facts(self) -> list:
        h = lambda *a: kernel.fact("hypothesis", *a)   # noqa: E731
        ops, n, ctx = self.ops, self.nt, self.ctx
        k = z3.Int("k", ctx)
        shape = []
        for r in self.t.roles:
            for f_ in (self.In[r.name], self.Tgt[r.name], self.Xbar[r.name], self.Delta[r.name]):
                shape.append(z3.ForAll([k], z3.Implies(self.in_range(r, k), ops.Dim(f_(k)) == self.width(_width(r))),
                                       patterns=[f_(k)]))
        for p in self.t.params:
            T = self.Th0[p.name]
            lo, hi = p.lo.term(0, n, ctx), p.hi.term(0, n, ctx)
            rng = z3.And(k >= lo, k <= hi)
            dims = [ops.Dim(T(k)) == self.width(p.shape[0])] if len(p.shape) == 1 else \
                [ops.Rows(T(k)) == self.width(p.shape[0]), ops.Cols(T(k)) == self.width(p.shape[1])]
            shape.append(z3.ForAll([k], z3.Implies(rng, z3.And(*dims)), patterns=[T(k)]))
        facts = [h(f"n ≥ {self.n_min}", n >= self.n_min, "the size (blocks or steps) the induction covers"),
                 h("graph shape", z3.And(*shape), "every vertex's x̄, input and target, and every parameter, have "
                                                  "the widths of the family's graph")]
        if self.c1:
            c1 = [z3.ForAll([k], z3.Implies(z3.And(self.where(r, k, lambda p: p.primitive != "input" and not p.output)),
                                            self.X0[r.name](k) == self.Xbar[r.name](k)), patterns=[self.X0[r.name](k)])
                  for r in self.t.roles]
            facts.append(h("C1", z3.And(*c1), "x_v(0) = x̄_v for every hidden vertex"))
        facts += [kernel.fact("axiom", ax.name, z3_axiom(ops, ax), ax.text) for ax in AXIOMS + GRAPH_AXIOMS]
        return facts

    def definition(self, kind, role, guard, k, t, lhs, thunk, text) -> list:
        out = []
        for conds, (result, reads) in self.space.explore(lambda: reading(self.pcn, thunk), guard):
            cond = z3.And(guard, *conds)
            self.check_causal(kind, role, k.term, t.term, cond, reads)
            where = ", ".join(str(z3.simplify(c)) for c in conds)
            name = f"def {kind}_{role.replace('#', '')}" + (f"[{where}]" if where else "")
            if result is None:
                continue
            out.append(kernel.fact("definition", name, z3.ForAll([k.term, t.term], z3.Implies(cond, lhs == result),
                                                                   patterns=[lhs], qid=name),
                                   text + (f" (case {where})" if where else "")))
        return out

    def check_causal(self, kind, role, k, t, where, reads):
        """x(t) and θ(t) read only states at t − 1; ε(t) reads x, θ at t and ε at t − 1; never a
        negative time or a vertex outside its role's range.  One z3 query for all the reads of
        a definition; a failure is then named read by read."""
        ctx = self.ctx
        checks = []
        for rk, rrole, ki, ti in reads:
            latest = t if (kind == "eps" and rk != "eps") else t - 1
            if rk == "theta":
                pr = self.t.param(rrole)
                rng = z3.And(ki >= pr.lo.term(0, self.nt, ctx), ki <= pr.hi.term(0, self.nt, ctx))
            else:
                rng = self.in_range(self.t.role(rrole), ki)
            for bad, why in ((ti > latest, "circular (a definition may read only strictly earlier states)"),
                             (ti < 0, "before the run starts"), (z3.Not(rng), "outside the graph")):
                checks.append((bad, why, rk, rrole, ki, ti))
        if not checks:
            return
        s = z3.Solver(ctx=ctx)
        s.add(where, self.nt >= self.n_min)
        if s.check(z3.Or(*[c[0] for c in checks])) == z3.unsat:
            return
        for bad, why, rk, rrole, ki, ti in checks:
            if s.check(bad) != z3.unsat:
                raise CausalityError(f"the definition of {kind} at {role.replace('#', '')}[k] reads {rk} of "
                                     f"{rrole.replace('#', '')}[{z3.simplify(ki)}] at t = {z3.simplify(ti)}: {why}")

    def pcn_facts(self) -> list:
        facts = []
        n = self.nt
        for r in self.t.roles:
            k, t = self.idx("k"), self.idx("t")
            v = GName(r.name, k)
            base = z3.And(self.in_range(r, k.term), t.term >= 0, n >= self.n_min)
            facts += self.definition("x", r.name, base, k, t, self.X[r.name](k.term, t.term),
                                     lambda: GraphPCN.x(self.pcn, v, t), "x_v(t) as GraphPCN.x and the rule's inference_step")
            if all(p.primitive == "input" for _, p in r.cases):
                continue
            comp = z3.And(base, self.where(r, k.term, lambda p: p.primitive != "input"))
            facts += self.definition("eps", r.name, comp, k, t, self.E[r.name](k.term, t.term),
                                     lambda: GraphPCN.eps(self.pcn, v, t), "ε_v(t) as GraphPCN.eps")
        for p in self.t.params:
            k, t = self.idx("k"), self.idx("t")
            name = GName(p.name, k)
            rng = z3.And(k.term >= p.lo.term(0, n, self.ctx), k.term <= p.hi.term(0, n, self.ctx), t.term >= 0,
                         n >= self.n_min)
            facts += self.definition("theta", p.name, rng, k, t, self.Th[p.name](k.term, t.term),
                                     lambda: GraphPCN.theta(self.pcn, name, t),
                                     "θ_p(t) as GraphPCN.theta and the rule's fires")
        return facts

    def ann_facts(self) -> list:
        """BP's reverse mode (GraphANN) per vertex, through the same primitives, in the same order."""
        ops, g, out = self.ops, self.graph, []
        for r in self.t.roles:
            k = self.idx("k")
            v = GName(r.name, k)
            xb = lambda name: self.Xbar[name.role](term_of(name.k, self.ctx))     # noqa: E731
            th = lambda name: self.Th0[name.role](term_of(name.k, self.ctx))      # noqa: E731

            def forward():
                vx = g.by_name[v]
                if vx.is_input:
                    return self.In[r.name](k.term)
                return PRIMITIVES[vx.primitive].value(ops, [xb(p) for p in vx.parents], [th(p) for p in vx.params], vx)

            def backward():
                vx = g.by_name[v]
                if vx.is_input:
                    return None
                terms = [ops.sub(self.point.targets[v], xb(v))] if v in self.point.targets else []
                for c in g.children[v]:
                    cv = g.by_name[c]
                    for i, p in enumerate(cv.parents):
                        if p == v:
                            terms.append(PRIMITIVES[cv.primitive].vjp(ops, i, [xb(q) for q in cv.parents],
                                                                     [th(q) for q in cv.params], cv,
                                                                     self.Delta[c.role](term_of(c.k, self.ctx))))
                total = terms[0]
                for tm in terms[1:]:
                    total = ops.add(total, tm)
                return total
            base = z3.And(self.in_range(r, k.term), self.nt >= self.n_min)
            for kind, F, thunk in (("xbar", self.Xbar, forward), ("delta", self.Delta, backward)):
                for conds, res in self.space.explore(thunk, base):
                    if res is None:
                        continue
                    where = ", ".join(str(z3.simplify(c)) for c in conds)
                    name = f"def {kind}_{r.name.replace('#', '')}" + (f"[{where}]" if where else "")
                    out.append(kernel.fact("definition", name, z3.ForAll(
                        [k.term], z3.Implies(z3.And(base, *conds), F[r.name](k.term) == res),
                        patterns=[F[r.name](k.term)], qid=name), f"BP's {kind} (GraphANN)"))
        return out


def _width(r: Role) -> int:
    widths = {p.width for _, p in r.cases}
    if len(widths) != 1:
        raise TemplateError(f"role {r.name} has several widths")
    return widths.pop()


def _graph_rule(setting: Setting, gamma):
    rule = setting.rule
    from ..rules.pc import ZIL
    rule = GraphZIL if rule is ZIL else rule
    if isinstance(rule, type) and issubclass(rule, GraphPCRule):
        return rule(gamma=gamma, init_noise=setting.init_noise, update_offset=setting.update_offset,
                    shared_updates=setting.shared_updates)
    return rule() if isinstance(rule, type) else rule


# ---------------------------------------------------------------------------------
# levelled at every n, and the proof
# ---------------------------------------------------------------------------------
class NotLevelled(SymbolicIndexError):
    def __init__(self, msg, size):
        super().__init__(msg)
        self.size = size


def check_levelled(w: GWorld):
    """For every n ≥ n_min, z3 over the template: an output has d = 0 and no child; every other
    computed vertex has children, each in the graph at d(v) − 1.  Then d is the distance to the
    output and the graph is levelled, at every n.  Else NotLevelled names a size."""
    g, ctx = w.graph, w.ctx
    goal, ks = [], []
    for r in w.t.roles:
        k = w.idx(f"k_lev_{len(ks)}")
        ks.append(k.term)
        v = GName(r.name, k)

        def requirement():
            piece = g.piece(v)
            if piece.primitive == "input":
                return z3.BoolVal(True, ctx)
            d = term_of(g.dist(v), ctx)
            kids = g.children[v]
            if piece.output:
                return z3.And(d == 0, z3.BoolVal(not kids, ctx))
            if not kids:
                return z3.BoolVal(False, ctx)
            return z3.And(*[z3.And(w.in_range(w.t.role(c.role), term_of(c.k, ctx)),
                                   term_of(g.dist(c), ctx) == d - 1) for c in kids])
        for conds, req in w.space.explore(requirement, w.in_range(r, k.term), w.nt >= w.n_min):
            s = z3.Solver(ctx=ctx)
            s.add(w.nt >= w.n_min, w.in_range(r, k.term), *conds, z3.Not(req))
            goal.append(z3.Implies(z3.And(w.in_range(r, k.term), *conds), req))
            if s.check() == z3.sat:
                m = s.model()
                size = m.eval(w.nt, True).as_long()
                raise NotLevelled(f"not levelled: at size {size}, vertex {r.text(m.eval(k.term, True).as_long(), size)} "
                                  "has a child that is not one step nearer the output", size)
    return z3.And(*goal), tuple(ks)


def wavefront_parts(w: GWorld, k, t):
    """P(t) as (body, trigger) pairs at vertex index k: for every hidden vertex v with t < d(v),
    x_v(t) = x̄_v and ε_v(t) = 0; for every parameter of one user v, θ(t) = θ for t ≤ d(v) + offset."""
    ctx, n = w.ctx, w.nt
    parts = []
    for r in w.t.roles:
        hid = w.where(r, k, lambda p: p.primitive != "input" and not p.output)
        early = z3.And(w.in_range(r, k), hid, t < w.dist(r, k))
        X, E, Xb = w.X[r.name], w.E[r.name], w.Xbar[r.name]
        parts.append((z3.Implies(early, X(k, t) == Xb(k)), X(k, t)))
        parts.append((z3.Implies(early, E(k, t) == zero(w.ops, Xb(k))), E(k, t)))
    for p in w.t.params:
        if p.users is None or len(p.users) != 1:
            continue
        (ur, ref), = p.users
        Th = w.Th[p.name]
        cond = z3.And(k >= p.lo.term(0, n, ctx), k <= p.hi.term(0, n, ctx),
                      t <= w.dist(w.t.role(ur), ref.term(k, n, ctx)) + w.rule.update_offset)
        parts.append((z3.Implies(cond, Th(k, t) == w.Th0[p.name](k)), Th(k, t)))
    return parts


def wavefront(w: GWorld, t):
    k = z3.Int("k", w.ctx)
    return z3.And(*[z3.ForAll([k], body, patterns=[pat]) for body, pat in wavefront_parts(w, k, t)])


def wavefront_use(w: GWorld):
    k, t = z3.Int("k", w.ctx), z3.Int("t", w.ctx)
    return z3.And(*[z3.ForAll([k, t], z3.Implies(t >= 0, body), patterns=[pat]) for body, pat in wavefront_parts(w, k, t)])


def eps_claim(w: GWorld, j, k):
    """Q at level j: every computed vertex with d(v) = j has ε_v(j) = δ_v (one conjunct per role)."""
    out = []
    for r in w.t.roles:
        comp = w.where(r, k, lambda p: p.primitive != "input")
        E = w.E[r.name]
        out.append((r, z3.Implies(z3.And(w.in_range(r, k), comp, w.dist(r, k) == j), E(k, j) == w.Delta[r.name](k)), E(k, j)))
    return out


def gate(w: GWorld, proof, facts):
    """The step t* = d(v) + c at which the rule's ``fires`` lets vertex v learn, one c for all
    vertices: a candidate from a model, proved by the kernel to be the only step."""
    ctx, g = w.ctx, w.graph
    paths = []
    for r in w.t.roles:
        k, t = w.idx("k_gate"), w.idx("t_gate")
        v = GName(r.name, k)
        has = w.where(r, k.term, lambda p: p.primitive != "input" and bool(p.params))
        rng = z3.And(w.in_range(r, k.term), has, t.term >= 0, w.nt >= w.n_min)
        for conds, res in w.space.explore(lambda: (bool(w.rule.fires(w.pcn, v, t)), term_of(g.dist(v), ctx)), rng):
            paths.append((r, k.term, t.term, z3.And(rng, *conds), res))
    if not paths:
        return 0, None
    c = None
    for r, k, t, cond, (fires, d) in paths:
        if fires:
            s = z3.Solver(ctx=ctx)
            s.add(cond)
            if s.check() == z3.sat:
                m = s.model()
                c = m.eval(t, True).as_long() - m.eval(d, True).as_long()
                break
    if c is None:
        raise SymbolicIndexError("the rule's fires never lets a vertex learn")
    goal = z3.And(*[z3.Implies(cond, z3.BoolVal(fires, ctx) == (t == d + c)) for r, k, t, cond, (fires, d) in paths])
    ks = {str(k): k for _, k, _, _, _ in paths}
    over = tuple(ks.values()) + (paths[0][2],)
    return c, proof.prove("gate", goal, facts, over=over,
                          statement=f"the rule fires for vertex v's parameters only at t = d(v){c:+d}")


def update_goals(w: GWorld, c: int):
    """For every computed vertex v and parameter slot j: the update GraphPCN.delta makes at t* = d(v) + c
    equals BP's term for v (the primitive's update at x̄, θ, δ_v), as GraphANN.updates sums it."""
    ops, g, ctx = w.ops, w.graph, w.ctx
    goals, over = [], []
    for r in w.t.roles:
        k = w.idx(f"k_upd_{len(over)}")
        over.append(k.term)
        v = GName(r.name, k)
        xb = lambda name: w.Xbar[name.role](term_of(name.k, ctx))   # noqa: E731
        th = lambda name: w.Th0[name.role](term_of(name.k, ctx))    # noqa: E731

        def pairs():
            vx = g.by_name[v]
            if vx.is_input:
                return []
            tstar = g.dist(v) + c
            out = []
            for j, q in enumerate(vx.params):
                zil = GraphPCN.delta(w.pcn, v, q, tstar)
                bp = PRIMITIVES[vx.primitive].update(ops, j, [xb(p) for p in vx.parents], [th(p) for p in vx.params],
                                                     vx, w.Delta[r.name](k.term), w.alpha)
                out.append((zil, bp))
            return out
        rng = z3.And(w.in_range(r, k.term), w.nt >= w.n_min)
        for conds, prs in w.space.explore(pairs, rng):
            for zil, bp in prs:
                eq_ = z3.BoolVal(False, ctx) if zil is None else (zil == bp)
                goals.append(z3.Implies(z3.And(rng, *conds), eq_))
    return goals, tuple(over)


STATEMENTS = {
    "graph-eps": "for every size n: ε_v(t = d(v)) = δ_v at every computed vertex v",
    "graph-updates": "for every size n: every parameter's total Z-IL update = BP's (Σ over its users of α (∂g_v/∂θ)ᵀ δ_v)",
}
WAVEFRONT_TEXT = "for t < d(v): x_v(t) = x̄_v and ε_v(t) = 0; θ(t) = θ up to its user's firing"


#: z3 unfolds x_v(t) → x_v(t−1) → … without end at a symbolic t; instantiating eagerly only the
#: cheapest instances halves the CPU time of the induction steps (benchmarks/bench_graph_induction.py)
SOLVER = {"smt.qi.eager_threshold": 3.0}


def build_proof(theorem: Theorem, w: GWorld, timeout_ms: int, facts: list | None = None, levelled=None):
    proof = w.proof = kernel.Proof(w.ctx, timeout_ms, label=f"{theorem.name}-all-sizes", solver_params=SOLVER)
    facts = facts if facts is not None else w.base_facts() + w.ann_facts() + w.pcn_facts()
    # the template's d(v) is the distance to the output and the graph levelled, at every n ≥ n0
    goal, ks = levelled if levelled is not None else check_levelled(w)
    if proof.prove("levelled", goal, [f for f in facts if f.kind == "hypothesis" and f.name.startswith("n ≥")],
                   over=ks, statement="for every n: an output has d = 0 and no child; every other computed vertex "
                                      "has children, each one step nearer the output (d is the distance; levelled)") is None:
        return proof, None
    lemma_w = proof.induct("wavefront", lambda t: wavefront(w, t), facts, var="t", pred="P",
                           statement="P(t): " + WAVEFRONT_TEXT, use=wavefront_use(w))
    if lemma_w is None:
        return proof, None
    ctx = w.ctx
    k = z3.Int("k", ctx)
    jj = z3.Int("j", ctx)
    # past the wavefront, u − u = 0 is not needed, and z3 loops on it among the unfolded definitions
    facts = [f for f in facts if f.name != "sub-self"]

    def Q(j):
        return z3.And(*[z3.ForAll([k], body, patterns=[pat]) for _r, body, pat in eps_claim(w, j, k)])
    use = z3.And(*[z3.ForAll([k, jj], z3.Implies(jj >= 0, body), patterns=[pat]) for _r, body, pat in eps_claim(w, jj, k)])
    lemma_q = proof.induct("eps" if theorem.name == "graph-updates" else theorem.name, Q, [*facts, lemma_w],
                           var="j", pred="Q", statement="Q(j): every computed v with d(v) = j has ε_v(j) = δ_v", use=use)
    if theorem.name == "graph-eps" or lemma_q is None:
        return proof, lemma_q
    c, gate_lemma = gate(w, proof, facts)
    if gate_lemma is None:
        return proof, None
    if c > w.rule.update_offset:
        raise SymbolicIndexError(f"the rule fires at t = d(v){c:+d}, after the run's last step for the deepest vertex")
    # the horizon: every firing is at t ≥ 0 (and t* ≤ max d + offset < rule.steps, GraphZIL's)
    hk = {}
    hgoal = []
    for r in w.t.roles:
        kk = hk.setdefault(r.name, z3.Int(f"k_hor_{len(hk)}", ctx))
        comp = w.where(r, kk, lambda p: p.primitive != "input" and bool(p.params))
        hgoal.append(z3.Implies(z3.And(w.in_range(r, kk), comp), w.dist(r, kk) + c >= 0))
    horizon = proof.prove("horizon", z3.And(*hgoal), facts, over=tuple(hk.values()),
                          statement="every vertex with parameters fires at a step t* = d(v) + c ≥ 0 of the run")
    if horizon is None:
        return proof, None
    goals, over = update_goals(w, c)
    lemma = proof.prove(theorem.name, z3.And(*goals), [*facts, lemma_w, lemma_q, gate_lemma, horizon], over=over,
                        statement=STATEMENTS[theorem.name],
                        claim="Δθ made by v at t* = α (∂g_v/∂θ)ᵀ δ_v, for every vertex v and parameter θ")
    return proof, lemma


# ---------------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------------
def family_builder(family: str, activation, level: bool = False, **options) -> Callable[[int], Graph]:
    """n ↦ the family's graph at size n (blocks or steps), levelled if asked."""
    from ..model.families import FAMILIES
    fam = FAMILIES[family]
    key = INDEXED[family]
    kw = {k: v for k, v in options.items() if v is not None}

    def build(n: int) -> Graph:
        g = fam.build(activation, **{**kw, key: n})
        return level_graph(g) if level else g
    build.__name__ = family
    return build


def _describe(family, level, options, setting) -> str:
    key = INDEXED[family]
    opts = ", ".join(f"{k}={v}" for k, v in options.items() if v is not None)
    text = f"{family}, every {key} n ≥ 1" + (f", {opts}" if opts else "") + (", levelled" if level else "")
    if family == "rnn":
        text += f"; shared parameters updated {setting.shared_updates}"
    return text


def meta_for(theorem: Theorem, family, level, options, setting: Setting, activation) -> dict:
    from .concrete import gamma_for
    g = gamma_for(theorem, setting)
    held = theorem.conditions_held(setting, g)
    return dict(theorem=theorem.name, depth=None, widths=None, activation=activation.name, bias=False, gamma=str(g),
                rule=setting.rule_name(), model=_describe(family, level, options, setting),
                hypotheses=[c.name for c in theorem.hypotheses], conditions=held)


def refuter(theorem, build, setting, sizes, deadline, first=None):
    """The concrete prover at sizes ``first`` (a size z3 named), then 1, 2, …: its first refutation."""
    from .graphs import prove as prove_graph

    def search():
        order = ([first] if first else []) + [n for n in sizes if n != first]
        for n in order:
            left = None if deadline is None else deadline - time.perf_counter()
            if left is not None and left <= 0:
                return None
            v = prove_graph(theorem, build(n), setting, timeout=left)
            if v.verdict == kernel.REFUTED:
                return v
        return None
    return search


def prove_all_sizes(theorem: Theorem, family: str, setting: Setting = Setting(), activation=None, level: bool = False,
                    timeout: float | None = 60, max_refute_size: int = 4, **options) -> kernel.Verdict:
    """Prove a graph theorem for every size n ≥ 1 of an indexed family (``residual``: blocks,
    ``rnn``: steps), or refute it at a concrete size.  Never raises for a rule's error."""
    from ..model import get_activation
    activation = activation or get_activation("uninterpreted")
    start = time.perf_counter()
    deadline = None if not timeout else start + timeout
    meta = meta_for(theorem, family, level, options, setting, activation)
    build = family_builder(family, activation, level, **options)
    sizes = range(1, max_refute_size + 1)
    refute = refuter(theorem, build, setting, sizes, deadline)
    info = dict(statement=STATEMENTS.get(theorem.name, ""), wavefront=WAVEFRONT_TEXT,
                axioms=[ax.to_dict() for ax in AXIOMS + GRAPH_AXIOMS],
                method=f"induction over the levels of the {family} graph at a symbolic size n; "
                       "base cases and steps unsat in z3 (uninterpreted Vec, Mat, f, f')")
    if theorem.name not in STATEMENTS:
        return kernel.decide_induction(meta, None, refute, start=start, info=info,
                                       why=f"no all-size statement of {theorem.name} (known: {', '.join(STATEMENTS)})")
    w = None
    try:
        t = learn(build)
        n0 = check_template(t, build)
        w = GWorld(t, setting, _gamma(theorem, setting), activation, n0)
        levelled = check_levelled(w)
        meta["conditions"]["levelled"] = True
        from .graphs import prove as prove_graph
        # sizes below the block pattern (a family whose first block is also its last): concretely
        below = [prove_graph(theorem, build(n), setting,
                             timeout=None if deadline is None else max(deadline - time.perf_counter(), 1))
                 for n in range(1, n0)]
        proof, lemma = build_proof(theorem, w, timeout_ms=int(1000 * min(timeout or 20, 20)), levelled=levelled)
    except NotLevelled as exc:
        meta["conditions"]["levelled"] = False
        return kernel.decide_induction(meta, None, refuter(theorem, build, setting, sizes, deadline, first=exc.size),
                                       start=start, info=dict(info, found_by="the concrete prover at the size z3 named"),
                                       why=f"the levelled hypothesis fails: {exc}")
    except Exception as exc:
        what = str(exc) if isinstance(exc, SymbolicIndexError) else f"{type(exc).__name__}: {exc}".rstrip(": ")
        return kernel.decide_induction(meta, getattr(w, "proof", None), refute, start=start, info=info,
                                       why=f"the engine's or rule's code cannot run at a generic size: {what}{_where(exc)}")
    ran = sorted({"GraphPCN.x", "GraphPCN.mu", "GraphPCN.eps", "GraphPCN.drive", "GraphPCN.vjp", "GraphPCN.theta", "GraphPCN.delta",
                  "GraphPCN._args", f"{type(w.rule).__qualname__}.inference_step", f"{type(w.rule).__qualname__}.fires",
                  "primitives' value, vjp, update"})
    notes = [f"assumed: the builder makes at every size > {CHECK_UP_TO} the block it makes at sizes "
             f"{n0}–{CHECK_UP_TO} (read at {LEARN[0]}–{LEARN[-1]}, compared vertex by vertex)",
             "BP's reverse mode restated per vertex from GraphANN through the same primitives",
             "a parameter's total is the sum over its users of the one update each makes (proved termwise; "
             "+ commutes)"]
    if n0 > 1:
        notes.append(f"sizes 1–{n0 - 1} by the concrete prover")
    info.update(ran=", ".join(ran), note="; ".join(notes),
                c1="C1: x_v(0) = x̄_v for hidden v" if w.c1 else "C1 not assumed",
                hypotheses=[f"n ≥ {n0}" + (f" (n < {n0}: concrete)" if n0 > 1 else ""), "graph shape"])
    return kernel.decide_induction(meta, proof, refute, start=start, info=info, theorem=lemma, cases=below)


def _gamma(theorem: Theorem, setting: Setting):
    from .concrete import gamma_for
    return gamma_for(theorem, setting)
