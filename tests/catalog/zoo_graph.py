"""Seeded bugs in the zoo's graph rules (FA and relaxed PC on a computational graph), written the
way a user would write them (a subclass that overrides the reverse pass's ``vjp`` or the
updates), with the truth derived by hand *under B = θᵀ*: ``HOLDS`` — the rule's updates equal
BP's at every point of the graph once B = θᵀ is imposed; ``FAILS`` — some point differs.

The judge must say "exact under B = θᵀ" exactly for the HOLDS entries and "not BP even under
it", with a counterexample, for the FAILS ones.  The truth is cross-checked in exact rationals
by :func:`exact_truth` (the rule's own code at random rational points with a polynomial f,
against the graph's reverse mode), outside the judge.  tests/test_zoo_graph.py and
``scripts/catalog.py --zoo`` run them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from pcproof.model import get_activation
from pcproof.model.families import residual, rnn
from pcproof.model.graph import level
from pcproof.rules.zoo.graph_fa import FeedbackReverse, GraphFA, transpose
from pcproof.rules.zoo.graph_relaxed_pc import GraphRelaxedPC

from .entries import FAILS, HOLDS


# -- FA on a graph: mutants --------------------------------------------------------------------
class FATransposedB(GraphFA):
    """The vjp reads B where it should read Bᵀ (θᵀ → Bᵀ: under B = θᵀ it reads θ)."""
    name = "graph-fa-transposed-B"

    def reverse(self, graph, point, ops):
        return FeedbackReverse(graph, point, ops, {p: transpose(B) for p, B in point.matrices["B"].items()})


class _NoDfReverse(FeedbackReverse):
    def vjp(self, cv, i, xs, ps, e):
        if cv.primitive == "dense":       # B e without the f′(x_u) ⊙ of the dense vjp
            return self.ops.matvec(self.feedback[cv.params[0]], e) if cv.params[0] in self.feedback else \
                self.ops.rmatvec(ps[0], e)
        return super().vjp(cv, i, xs, ps, e)


class FANoDf(GraphFA):
    """Feedback without f′ at every dense vertex (f′ is not 1 for a generic f)."""
    name = "graph-fa-no-df"

    def reverse(self, graph, point, ops):
        return _NoDfReverse(graph, point, ops, point.matrices["B"])


class _SkipDroppedReverse(FeedbackReverse):
    def vjp(self, cv, i, xs, ps, e):
        if cv.primitive == "add" and i == 0:      # the skip path x_k → x_{k+1} sends no error
            return self.ops.scale(self.ops.number(0), e)
        return super().vjp(cv, i, xs, ps, e)


class FASkipDropped(GraphFA):
    """A residual block's skip path carries no error back (only the block's own path does)."""
    name = "graph-fa-skip-dropped"

    def reverse(self, graph, point, ops):
        return _SkipDroppedReverse(graph, point, ops, point.matrices["B"])


class FAHalfShared(GraphFA):
    """A shared parameter (an RNN's θ over time) learns at half rate: its summed update halved."""
    name = "graph-fa-half-shared"

    def updates(self, graph, point, ops, alpha):
        out = super().updates(graph, point, ops, alpha)
        for p in graph.shared:
            out[p] = ops.mat_scale(ops.number(1) / 2, out[p])
        return out


# -- correct, written unusually ------------------------------------------------------------------
class FAFirstWeightExact(GraphFA):
    """The first weight keeps θᵀ, the others read B: still BP once B = θᵀ."""
    name = "graph-fa-first-exact"

    def reverse(self, graph, point, ops):
        B = dict(point.matrices["B"])
        B.pop(next(iter(B)))
        return FeedbackReverse(graph, point, ops, B)


class FAReordered(GraphFA):
    """The updates summed over the graph's parameters in reverse order: the same sums."""
    name = "graph-fa-reordered"

    def updates(self, graph, point, ops, alpha):
        run = self.reverse(graph, point, ops)
        out = {}
        for v in reversed(graph.vertices):
            for p, d in zip(v.params, run.vertex_updates(v.name, alpha)):
                out[p] = d if p not in out else (ops.mat_add(out[p], d) if len(graph.shapes[p]) == 2
                                                 else ops.add(out[p], d))
        return out


U = get_activation("uninterpreted")


@dataclass(frozen=True)
class GraphMutant:
    rule: type
    graph: Callable          # activation → graph
    truth: str
    why: str
    make: Callable | None = None

    def build(self):
        return self.make() if self.make else self.rule()

    @property
    def id(self) -> str:
        return f"{self.build().name}@{self.graph(U).family}"


RESIDUAL = lambda f: residual(f, 2, 2)             # noqa: E731 (not levelled: the skip is shorter)
LEVELLED = lambda f: level(residual(f, 2, 2))      # noqa: E731
RNN = lambda f: rnn(f, 3, 2)                       # noqa: E731 (θ and U shared over 3 steps)

GRAPH_ZOO_CATALOG = [
    GraphMutant(FATransposedB, RESIDUAL, FAILS, "under B = θᵀ the vjp reads θ, not θᵀ"),
    GraphMutant(FANoDf, RESIDUAL, FAILS, "f′(x̄) ≠ 1 for a generic f"),
    GraphMutant(FASkipDropped, RESIDUAL, FAILS, "BP's δ at x_k includes the skip path's δ_{k+1}"),
    GraphMutant(FAHalfShared, RNN, FAILS, "the shared θ's update halved"),
    GraphMutant(GraphFA, RESIDUAL, HOLDS, "B = θᵀ makes every swapped vjp BP's"),
    GraphMutant(GraphFA, RNN, HOLDS, "one B per shared θ; B = θᵀ makes it BP's"),
    GraphMutant(FAFirstWeightExact, RESIDUAL, HOLDS, "θᵀ = B at the first weight under the condition"),
    GraphMutant(FAReordered, RNN, HOLDS, "the same sums in another order"),
    GraphMutant(GraphRelaxedPC, LEVELLED, HOLDS, "Z-IL on a levelled graph with θᵀ = B in the drive is BP",
                make=lambda: GraphRelaxedPC()),
    GraphMutant(GraphRelaxedPC, RESIDUAL, FAILS, "not levelled: the skip's error arrives a step early",
                make=lambda: GraphRelaxedPC()),
]


def exact_truth(entry: GraphMutant, seeds=range(6)) -> str:
    """HOLDS or FAILS from the rule's own code in exact rationals (f := poly, B := θᵀ imposed by
    hand), against the graph's reverse mode, at random points; no prover."""
    import random
    from fractions import Fraction

    from pcproof.check.graph_judge import graph_point
    from pcproof.numbers import RationalOps
    from pcproof.rules.graph import GraphANN
    g = entry.graph(get_activation("poly"))
    ops, rule, alpha = RationalOps(g.activation), entry.build(), Fraction(1, 10)
    for seed in seeds:
        p = graph_point(g, rule, random.Random(seed))
        p.matrices = {"B": {k: transpose(p.theta[k]) for k in p.matrices["B"]}}
        if rule.updates(g, p, ops, alpha) != GraphANN(g, p, ops).updates(alpha):
            return FAILS
    return HOLDS
