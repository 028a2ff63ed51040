"""Hypothesis strategies for random computational graphs (DAGs), and the seeded sampler
``pcproof fuzz graph-…`` draws from (the same pieces, the same ranges).

A graph is drawn from *simple lists*, never by ``flatmap`` on a size, so hypothesis
shrinks a failure to the fewest vertices and the smallest widths:

* the number of inputs is an integer 1 … ``max_inputs`` (shrinks to 1);
* each computed vertex is a tuple (kind, parent pick, second parent pick, width): kinds
  are ``sampled_from`` :data:`KINDS`, simplest first (a dense layer); a pick is an
  integer reduced modulo the vertices before it (shrinks to 0, the first one); the
  list of vertices shrinks by deleting entries;
* a vertex whose pick does not fit (an ``add`` of two widths) falls back to a dense
  vertex, deterministically, so every list of tuples is a valid graph;
* every vertex that no other vertex reads is an output (so no vertex is lost);
* ``levelled=True`` passes the drawn graph through :func:`~pcproof.model.graph.level`.

Scalars are drawn as :mod:`pcproof.strategies.layered` draws them (small rationals, simplest first).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

from ..model import get_activation
from ..model.graph import Graph, GraphPoint, Vertex, level
from .basic import _composite, rational_values, rationals, st

#: computed-vertex kinds, simplest first (what a failure shrinks toward)
KINDS = ("dense", "add", "linear", "mul", "act", "identity", "tied")
#: ``tied`` (drawn only when ``GraphSpace.shared``): a dense vertex that reuses the parameter of
#: the first earlier dense vertex of the same shape (a shared θ, as in a CNN or an RNN)
#: activations drawn by default, simplest first
GRAPH_ACTIVATIONS = ("identity", "poly", "tanh", "sigmoid")
#: parent picks are 0 … MAX_PICK − 1, taken modulo the vertices before (small: cheap to shrink)
MAX_PICK = 16


@dataclass(frozen=True)
class GraphSpace:
    """The ranges every graph strategy and the seeded sampler draw from.

    ``max_vertices`` counts every vertex (inputs too) of the graph as drawn; levelling may add
    identity vertices after."""

    max_vertices: int = 12
    max_inputs: int = 2
    max_width: int = 3
    activations: tuple[str, ...] = GRAPH_ACTIVATIONS
    levelled: bool = True
    denominators: tuple[int, ...] = (1, 2, 3, 4, 8)
    bound: int = 2
    alphas: tuple[Fraction, ...] = (Fraction(1), Fraction(1, 10))
    shared: bool = False                  # draw ``tied`` vertices (shared parameters) too

    @property
    def kinds(self) -> int:
        """How many of :data:`KINDS` are drawn (the last, ``tied``, only with shared parameters)."""
        return len(KINDS) if self.shared else len(KINDS) - 1

    def __post_init__(self):
        if self.max_vertices < 2 or self.max_inputs < 1 or self.max_width < 1:
            from ..model.graph import GraphError
            raise GraphError("a graph space needs max_vertices ≥ 2, max_inputs ≥ 1 and max_width ≥ 1")
        for name in self.activations:
            get_activation(name)

    @cached_property
    def values(self) -> tuple[Fraction, ...]:
        return rational_values(self.denominators, self.bound)

    # -- the seeded sampler -----------------------------------------------------------------
    def sample(self, rng: random.Random, theorem: str = "graph-updates", setting=None) -> "GraphCase":
        n_in = rng.randint(1, self.max_inputs)
        n_comp = rng.randint(1, self.max_vertices - n_in)
        specs = tuple((rng.randrange(self.kinds), rng.randrange(MAX_PICK), rng.randrange(MAX_PICK),
                       rng.randint(1, self.max_width)) for _ in range(n_comp))
        act = rng.choice(self.activations)
        graph = build_dag(n_in, specs, get_activation(act), self.levelled)
        values, rand, n = self.values, rng.random, len(self.values)
        point = point_for(graph, lambda: values[int(rand() * n)], bool(setting and setting.init_noise))
        return GraphCase(theorem, graph, point, rng.choice(self.alphas), specs=(n_in, specs), setting=setting)


def build_dag(n_inputs: int, specs, activation, levelled: bool = False) -> Graph:
    """The graph a list of vertex tuples (kind index, pick, pick, width) describes."""
    vs = [Vertex(f"i{k}", "input", width=specs[k % len(specs)][3] if specs else 1) for k in range(n_inputs)]
    shapes = []
    for k, (kind, a, b, w) in enumerate(specs):
        name, kind = f"v{k}", KINDS[kind % len(KINDS)]
        u = vs[a % len(vs)]
        if kind in ("add", "mul"):
            same = [x for x in vs if x.width == u.width and x.name != u.name]
            if same:
                vs.append(Vertex(name, kind, (u.name, same[b % len(same)].name), (), u.width))
                continue
            kind = "dense"
        if kind in ("act", "identity"):
            vs.append(Vertex(name, kind, (u.name,), (), u.width))
            continue
        if kind == "tied":
            same = [p for p, shape in shapes if shape == (w, u.width)]
            if same:
                vs.append(Vertex(name, "dense", (u.name,), (same[0],), w))
                continue
            kind = "dense"
        vs.append(Vertex(name, kind, (u.name,), (f"W{k}",), w))
        shapes.append((f"W{k}", (w, u.width)))
    read = {p for v in vs for p in v.parents}
    vs = [v for v in vs if not v.is_input or v.name in read]       # an input nothing reads is dropped
    outputs = tuple(v.name for v in vs if not v.is_input and v.name not in read)
    g = Graph(tuple(vs), outputs, tuple(shapes), activation, f"dag {len(vs)} vertices")
    return level(g) if levelled else g


def point_for(graph: Graph, scalar, noise: bool = False) -> GraphPoint:
    """A point of ``graph``: every parameter, input and target entry drawn by ``scalar()``,
    in the graph's order (parameters first); ``noise``: also η_v for every hidden vertex
    (C1 broken: inference starts at x̄_v + η_v)."""
    def value(shape):
        if len(shape) == 1:
            return tuple(scalar() for _ in range(shape[0]))
        return tuple(tuple(scalar() for _ in range(shape[1])) for _ in range(shape[0]))
    theta = {p: value(s) for p, s in graph.param_shapes}
    inputs = {n: value((graph.by_name[n].width,)) for n in graph.inputs}
    targets = {n: value((graph.by_name[n].width,)) for n in graph.outputs}
    extra = {n: value((graph.by_name[n].width,)) for n in graph.hidden} if noise else {}
    return GraphPoint(theta, inputs, targets, extra)


@dataclass
class GraphCase:
    """One random graph at one exact rational point (C1–C3 held: γ = 1, no noise, no offset)."""

    theorem: str
    graph: Graph
    point: GraphPoint          # exact Fractions
    alpha: Fraction
    specs: tuple = ()          # (inputs, vertex tuples): how to draw the graph again
    setting: object = None     # a pcproof.theorem.Setting (default: the theorem's hypotheses)

    def instance(self, ops):
        from ..theorem import GraphInstance, Setting
        setting = self.setting or Setting()
        return GraphInstance(self.graph, ops, self.point.map(ops.number), setting,
                             ops.number(setting.gamma if setting.gamma is not None else 1),
                             ops.number(self.alpha))

    @property
    def size(self) -> tuple[int, int]:
        """(vertices, sum of widths): what shrinking makes small."""
        return len(self.graph.vertices), sum(v.width for v in self.graph.vertices)

    def to_dict(self) -> dict:
        g = self.graph
        return dict(theorem=self.theorem, model=g.describe(), alpha=str(self.alpha),
                    vertices=[dict(name=v.name, primitive=v.primitive, parents=list(v.parents),
                                   params=list(v.params), width=v.width) for v in g.vertices],
                    outputs=list(g.outputs), point={k: str(v) for k, v in self.point.scalars().items()})

    def __repr__(self):
        g = self.graph
        text = "; ".join(f"{v.name} = {v.primitive}({', '.join(v.parents)})[{v.width}]" for v in g.vertices
                         if not v.is_input)
        return f"GraphCase({g.describe()}: {text}; outputs {', '.join(g.outputs)})"


# -- hypothesis ------------------------------------------------------------------------------
def vertex_specs(space: GraphSpace = GraphSpace()):
    """One computed vertex: (kind index, parent pick, second parent pick, width), each part
    shrinking to 0 (resp. width 1)."""
    return st.tuples(st.integers(0, space.kinds - 1), st.integers(0, MAX_PICK - 1),
                     st.integers(0, MAX_PICK - 1), st.integers(1, space.max_width))


@_composite
def dags(draw, space: GraphSpace = GraphSpace(), activation_names: tuple[str, ...] | None = None) -> Graph:
    """A random DAG (levelled if ``space.levelled``), shrinking to the fewest vertices."""
    n_in = draw(st.integers(1, space.max_inputs))
    specs = draw(st.lists(vertex_specs(space), min_size=1, max_size=space.max_vertices - n_in))
    act = draw(st.sampled_from(tuple(activation_names or space.activations)))
    return build_dag(n_in, tuple(specs), get_activation(act), space.levelled)


@_composite
def graph_cases(draw, theorem: str = "graph-updates", space: GraphSpace = GraphSpace(), setting=None):
    """A :class:`GraphCase`: a DAG from :func:`dags`, then its point, then α."""
    n_in = draw(st.integers(1, space.max_inputs))
    specs = tuple(draw(st.lists(vertex_specs(space), min_size=1, max_size=space.max_vertices - n_in)))
    act = draw(st.sampled_from(space.activations))
    graph = build_dag(n_in, specs, get_activation(act), space.levelled)
    scalars = rationals(space.denominators, space.bound)
    point = point_for(graph, lambda: draw(scalars), bool(setting and setting.init_noise))
    alpha = draw(st.sampled_from(space.alphas))
    return GraphCase(theorem, graph, point, alpha, specs=(n_in, specs), setting=setting)


__all__ = ["GraphSpace", "GraphCase", "KINDS", "GRAPH_ACTIVATIONS", "build_dag", "point_for", "vertex_specs",
           "dags", "graph_cases"]
