"""Computational graphs (Salvatori et al., AAAI 2022; docs/notation.md, "Graphs").

A graph has vertices ``v`` with values ``x_v``.  Input vertices are clamped to the data;
every other vertex has a *primitive* ``g_v`` (:mod:`pcproof.rules.primitives`) of its
parents' values and of named parameters.  Several vertices may name the same parameter
(a convolution's kernel, an unrolled RNN's weights): it is *shared*.  Output vertices
carry the loss ``E = ½ Σ_out ‖s_out − x_out‖²``.

``d(v)`` is the length of the shortest path from ``v`` to an output; the graph is
**levelled** when every path from each vertex to an output has the same length.
:func:`level` makes any graph levelled by inserting identity vertices on short paths.

A :class:`Graph` holds shapes only; the numbers of one point are a :class:`GraphPoint`.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cached_property
from typing import Any, Callable

from .activations import Activation


class GraphError(ValueError):
    """A malformed graph (a cycle, a vertex with no path to an output, shapes that do not
    fit, an unknown primitive): a user error, exit code 2."""


@dataclass(frozen=True)
class Vertex:
    """One vertex: its primitive, parents (by name), parameters (by name) and width.

    ``attrs`` holds a primitive's fixed data (a convolution's index map, say)."""

    name: str
    primitive: str
    parents: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    width: int = 1
    attrs: tuple = ()

    @property
    def is_input(self) -> bool:
        return self.primitive == "input"


@dataclass(frozen=True)
class Graph:
    """Vertices in topological order (parents first), the outputs, and parameter shapes
    (``(n, m)`` for a matrix, ``(n,)`` for a vector)."""

    vertices: tuple[Vertex, ...]
    outputs: tuple[str, ...]
    param_shapes: tuple[tuple[str, tuple[int, ...]], ...]
    activation: Activation
    family: str = "graph"

    def __post_init__(self):
        _validate(self)

    # -- structure --------------------------------------------------------------------
    @cached_property
    def by_name(self) -> dict[str, Vertex]:
        return {v.name: v for v in self.vertices}

    @cached_property
    def shapes(self) -> dict[str, tuple[int, ...]]:
        return dict(self.param_shapes)

    @cached_property
    def children(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {v.name: [] for v in self.vertices}
        for v in self.vertices:
            for p in v.parents:
                if v.name not in out[p]:
                    out[p].append(v.name)
        return {k: tuple(c) for k, c in out.items()}

    @property
    def inputs(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.vertices if v.is_input)

    @property
    def computed(self) -> tuple[str, ...]:
        """Every vertex with a primitive (not an input), in topological order."""
        return tuple(v.name for v in self.vertices if not v.is_input)

    @property
    def hidden(self) -> tuple[str, ...]:
        """The vertices inference moves: neither inputs nor (clamped) outputs."""
        outs = set(self.outputs)
        return tuple(n for n in self.computed if n not in outs)

    @cached_property
    def distance(self) -> dict[str, int]:
        """d(v): the length of the shortest path from v to an output."""
        return self._path_lengths(min)

    @cached_property
    def longest(self) -> dict[str, int]:
        """The length of the longest path from v to an output."""
        return self._path_lengths(max)

    def _path_lengths(self, pick) -> dict[str, int]:
        d: dict[str, int] = {}
        outs = set(self.outputs)
        for v in reversed(self.vertices):
            via = [d[c] + 1 for c in self.children[v.name] if c in d]
            if v.name in outs:
                via.append(0)
            if via:
                d[v.name] = pick(via)
        return d

    @property
    def levelled(self) -> bool:
        """Every path from each computed vertex to an output has the same length (inputs are
        clamped and carry no error, so the lengths of their paths do not matter)."""
        return all(self.distance[n] == self.longest[n] for n in self.computed)

    @property
    def depth(self) -> int:
        return max(self.longest.values())

    @cached_property
    def _users(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {p: [] for p, _ in self.param_shapes}
        for v in self.vertices:
            for p in dict.fromkeys(v.params):
                out.setdefault(p, []).append(v.name)
        return {p: tuple(u) for p, u in out.items()}

    def users(self, param: str) -> tuple[str, ...]:
        """The vertices whose primitive reads ``param`` (several: a shared parameter)."""
        return self._users.get(param, ())

    @property
    def shared(self) -> tuple[str, ...]:
        return tuple(p for p, _ in self.param_shapes if len(self.users(p)) > 1)

    def update_shapes(self, point) -> dict:
        return dict(self.param_shapes)

    @staticmethod
    def parameter(point, key):
        return point.theta[key]

    def describe(self) -> str:
        n = len(self.vertices)
        return (f"{self.family}: {n} vertices, {len(self.param_shapes)} parameters"
                + (f" ({len(self.shared)} shared)" if self.shared else "")
                + f", depth {self.depth}, {'levelled' if self.levelled else 'not levelled'}, f = {self.activation.name}")


# -- what each primitive's vertex must look like (its maths is in pcproof.rules.primitives) --------
def _err(v, msg):
    raise GraphError(f"vertex {v.name!r} ({v.primitive}): {msg}")


def _check_dense(v, widths, shapes):
    if len(widths) != 1 or len(shapes) not in (1, 2):
        _err(v, "needs one parent and parameters (θ) or (θ, b)")
    if shapes[0] != (v.width, widths[0]):
        _err(v, f"θ has shape {shapes[0]}, needs {(v.width, widths[0])}")
    if len(shapes) == 2 and shapes[1] != (v.width,):
        _err(v, f"b has shape {shapes[1]}, needs {(v.width,)}")


def _check_linear(v, widths, shapes):
    if len(widths) != 1 or len(shapes) != 1 or shapes[0] != (v.width, widths[0]):
        _err(v, f"needs one parent of width m and W of shape ({v.width}, m)")


def _check_recurrent(v, widths, shapes):
    if len(widths) != 2 or len(shapes) != 2:
        _err(v, "needs parents (h_prev, x_t) and parameters (θ, U)")
    if shapes[0] != (v.width, widths[0]) or shapes[1] != (v.width, widths[1]):
        _err(v, f"θ, U have shapes {shapes}, need {(v.width, widths[0])}, {(v.width, widths[1])}")


def _check_same(n_parents):
    def check(v, widths, shapes):
        if len(widths) != n_parents or shapes:
            _err(v, f"needs {n_parents} parent(s) and no parameters")
        if any(w != v.width for w in widths):
            _err(v, f"parents of widths {widths} do not fit width {v.width}")
    return check


def _check_conv(v, widths, shapes):
    if len(widths) != 1 or len(shapes) != 1 or len(shapes[0]) != 1 or not v.attrs:
        _err(v, "needs one parent, one kernel vector and its index map")
    index = v.attrs
    if max(o for o, _, _ in index) + 1 != v.width or max(i for _, i, _ in index) + 1 > widths[0] \
            or max(j for _, _, j in index) + 1 != shapes[0][0]:
        _err(v, "the index map does not fit the widths and the kernel")


def _check_avgpool(v, widths, shapes):
    if len(widths) != 1 or shapes or len(v.attrs) != 2:
        _err(v, "needs one parent, no parameters, and its windows (n, ((o, i), …))")
    n, index = v.attrs
    counts = [sum(1 for o, _ in index if o == k) for k in range(v.width)]
    if not index or any(c != n for c in counts) or max(i for _, i in index) + 1 > widths[0]:
        _err(v, "every window must hold n entries of the parent")


def _check_tokens(v, widths, shapes):
    """θ f(x_t) for each of T tokens: attrs (T,), θ of shape (width/T, parent width/T)."""
    if len(widths) != 1 or len(shapes) != 1 or len(v.attrs) != 1 or v.attrs[0] < 1:
        _err(v, "needs one parent, one matrix θ and attrs (T,)")
    (T,) = v.attrs
    if widths[0] % T or v.width % T or shapes[0] != (v.width // T, widths[0] // T):
        _err(v, f"{T} tokens: widths {widths[0]} → {v.width} do not fit θ of shape {shapes[0]}")


def _check_matmul(v, widths, shapes):
    """s A B (A n×m, B m×p) or s A Bᵀ (B p×m): attrs (n, m, p, transpose_b, s)."""
    if len(widths) != 2 or shapes or len(v.attrs) != 5:
        _err(v, "needs two parents, no parameters and attrs (n, m, p, transpose_b, scale)")
    n, m, p, _tb, _s = v.attrs
    if min(n, m, p) < 1 or widths != [n * m, m * p] or v.width != n * p:
        _err(v, f"an {n}×{m} times {m}×{p} product does not fit parents {widths} and width {v.width}")


def _check_softmax(v, widths, shapes):
    if len(widths) != 1 or shapes or len(v.attrs) != 1 or v.attrs[0] < 1 or widths[0] % v.attrs[0] \
            or widths[0] != v.width:
        _err(v, "needs one parent of the vertex's width, cut into rows of attrs (n,)")


def _check_causal_softmax(v, widths, shapes):
    """A causal mask needs square scores (row i of n: positions j ≤ i)."""
    _check_softmax(v, widths, shapes)
    if v.width != v.attrs[0] ** 2:
        _err(v, f"a causal softmax needs an n×n matrix (n = {v.attrs[0]}), got width {v.width}")


def _check_concat(v, widths, shapes):
    """The parents' token rows side by side: attrs (T,), every parent's width a multiple of T."""
    if not widths or shapes or len(v.attrs) != 1 or v.attrs[0] < 1 or any(w % v.attrs[0] for w in widths) \
            or v.width != sum(widths):
        _err(v, "needs parents whose widths are multiples of attrs (T,), no parameters, and their total width")


#: primitive name → (vertex, parent widths, parameter shapes) → None or GraphError
SHAPES: dict[str, Callable] = {
    "avgpool": _check_avgpool, "dense": _check_dense, "linear": _check_linear, "recurrent": _check_recurrent, "conv": _check_conv,
    "add": _check_same(2), "mul": _check_same(2), "act": _check_same(1), "identity": _check_same(1),
    "tokens": _check_tokens, "matmul": _check_matmul, "softmax": _check_softmax,
    "causal_softmax": _check_causal_softmax, "concat": _check_concat,
}


def _validate(g: Graph) -> None:
    seen: dict[str, Vertex] = {}
    shapes = dict(g.param_shapes)
    if len(shapes) != len(g.param_shapes):
        raise GraphError("a parameter is declared twice")
    for v in g.vertices:
        if v.name in seen:
            raise GraphError(f"two vertices are named {v.name!r}")
        if v.width < 1:
            raise GraphError(f"vertex {v.name!r} has width {v.width}")
        for p in v.parents:
            if p not in seen:
                what = "is not a vertex" if p not in {u.name for u in g.vertices} else \
                    "comes later: the graph has a cycle or is not in topological order"
                raise GraphError(f"vertex {v.name!r} reads {p!r}, which {what}")
        if not v.is_input:
            check = SHAPES.get(v.primitive)
            if check is None:
                raise GraphError(f"vertex {v.name!r}: unknown primitive {v.primitive!r} "
                                 f"(known: {', '.join(sorted(SHAPES))})")
            for p in v.params:
                if p not in shapes:
                    raise GraphError(f"vertex {v.name!r} uses the undeclared parameter {p!r}")
            check(v, [seen[p].width for p in v.parents], [shapes[p] for p in v.params])
        elif v.parents or v.params:
            raise GraphError(f"input vertex {v.name!r} cannot have parents or parameters")
        seen[v.name] = v
    if not g.outputs:
        raise GraphError("the graph has no output vertex")
    for o in g.outputs:
        if o not in seen or seen[o].is_input:
            raise GraphError(f"output {o!r} is not a computed vertex of the graph")
    d = g.distance
    lost = [v.name for v in g.vertices if v.name not in d]
    if lost:
        raise GraphError(f"vertex {lost[0]!r} has no path to an output")
    unused = [p for p in shapes if not any(p in v.params for v in g.vertices)]
    if unused:
        raise GraphError(f"parameter {unused[0]!r} is used by no vertex")


def level(g: Graph) -> Graph:
    """Insert identity vertices so that every path to an output has the same length.

    An edge u → c with d(u) = L(c) + 1 + k (longest lengths) gets k identity vertices
    in between; the result's d(v) and longest path agree at every vertex."""
    longest = g.longest
    need = {v.name: longest[v.name] for v in g.vertices}
    vertices: list[Vertex] = []
    made = 0
    for v in g.vertices:
        parents = []
        for p in v.parents:
            gap = 0 if g.by_name[p].is_input else need[p] - need[v.name] - 1
            src = p
            for k in range(gap):
                made += 1
                ident = Vertex(f"{p}~{v.name}.{k + 1}", "identity", (src,), (), g.by_name[p].width)
                vertices.append(ident)
                src = ident.name
            parents.append(src)
        vertices.append(replace(v, parents=tuple(parents)))
    # topological order: identities were appended right before their child, after their source
    return replace(g, vertices=tuple(vertices), family=g.family + (", levelled" if made else ""))


# -- points ---------------------------------------------------------------------------------
@dataclass
class GraphPoint:
    """The numbers of one point: parameters by name, input values and output targets."""

    theta: dict[str, Any]
    inputs: dict[str, Any]
    targets: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)   # e.g. the C1 perturbation η_v
    #: a rule's extra matrices (Rule.matrices(graph)): kind → parameter → value, e.g. FA's B
    matrices: dict[str, dict[str, Any]] = field(default_factory=dict)

    def scalars(self) -> dict[str, Any]:
        out = {}
        for name, val in self.theta.items():
            for idx, c in _entries(val):
                out[f"{name}{idx}"] = c
        for kind, d in (("x", self.inputs), ("s", self.targets), ("eta", self.extra)):
            for name, vec in d.items():
                for i, c in enumerate(vec):
                    out[f"{kind}_{name}_{i}"] = c
        for kind, d in self.matrices.items():
            for name, val in d.items():
                for idx, c in _entries(val):
                    out[f"{kind}_{name}{idx}"] = c
        return out

    def map(self, fn: Callable[[Any], Any]) -> "GraphPoint":
        m = lambda val: tuple(m(r) for r in val) if isinstance(val, tuple) else fn(val)  # noqa: E731
        return GraphPoint({k: m(v) for k, v in self.theta.items()}, {k: m(v) for k, v in self.inputs.items()},
                          {k: m(v) for k, v in self.targets.items()}, {k: m(v) for k, v in self.extra.items()},
                          {n: {k: m(v) for k, v in d.items()} for n, d in self.matrices.items()})


def _entries(val, prefix=""):
    if isinstance(val, tuple):
        for i, r in enumerate(val):
            yield from _entries(r, f"{prefix}_{i}")
    else:
        yield prefix, val


def _build_point(g: Graph, scalar: Callable[[str], Any], noise: bool = False) -> GraphPoint:
    def value(name, shape):
        if len(shape) == 1:
            return tuple(scalar(f"{name}_{i}") for i in range(shape[0]))
        return tuple(tuple(scalar(f"{name}_{i}_{j}") for j in range(shape[1])) for i in range(shape[0]))
    theta = {p: value(p, s) for p, s in g.param_shapes}
    inputs = {n: value(f"x_{n}", (g.by_name[n].width,)) for n in g.inputs}
    targets = {n: value(f"s_{n}", (g.by_name[n].width,)) for n in g.outputs}
    extra = {n: value(f"eta_{n}", (g.by_name[n].width,)) for n in g.hidden} if noise else {}
    return GraphPoint(theta, inputs, targets, extra)


def symbolic_point(g: Graph, noise: bool = False) -> GraphPoint:
    """Every scalar a real sympy symbol."""
    import sympy as sp      # loaded on first use: the layered engine reads this module's Vertex
    return _build_point(g, lambda name: sp.Symbol(name, real=True), noise)


def random_point(g: Graph, rng: random.Random, noise: bool = False, denominator: int = 8,
                 bound: int = 2) -> GraphPoint:
    """Small exact rationals k/denominator with |value| ≤ bound."""
    top = bound * denominator
    return _build_point(g, lambda _n: Fraction(rng.randint(-top, top), denominator), noise)
