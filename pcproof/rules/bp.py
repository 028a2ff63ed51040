"""The ANN and backpropagation (docs/notation.md, "ANN trained with backpropagation").

The layered network is the ``mlp`` family of graphs (model.families.mlp: layer l is vertex
``x{l}``, θ^{l+1} its parameter ``theta{l+1}``, b^l its ``b{l}``), and BP on it is the graph
engine's reverse mode (:class:`~pcproof.rules.graph.GraphANN`), run once per point; :class:`ANN`
only reads it back by layer."""
from __future__ import annotations

from functools import lru_cache

from .base import Rule, Updates
from .graph import GraphANN


@lru_cache(maxsize=64)
def mlp_graph(widths: tuple, activation, bias: bool):
    """The ``mlp`` family's graph of these widths (built and validated once)."""
    from ..model.families import mlp
    return mlp(activation, widths=widths, bias=bias)


class ANN:
    """Feed-forward values x̄^l and BP error terms δ^l of one network at one point."""

    def __init__(self, arch, params, ops):
        self.arch, self.params, self.ops = arch, params, ops
        self.graph = mlp_graph(tuple(arch.widths), arch.activation, params.b is not None)
        # shown as x̄^l and δ^l with the layer's number (the graph's vertex x{l} is layer l)
        self.run = GraphANN(self.graph, params.graph_point(arch.L), ops, label=_layer)

    def x_bar(self, l):
        """x̄^l, the feed-forward value of layer l (x̄^L = s_in)."""
        return self.run.x_bar[f"x{l}"]

    def delta(self, l):
        """δ^l = −∂E/∂x̄^l, for l = 0 … L-1."""
        return self.run.delta[f"x{l}"]


def _layer(vertex: str) -> int:
    return int(vertex[1:])


class BP(Rule):
    """Backpropagation: Δθ^{l+1} = α δ^l f(x̄^{l+1})ᵀ, Δb^l = α δ^l."""

    name = "bp"

    def updates(self, arch, params, ops, alpha) -> Updates:
        return self.updates_of(ANN(arch, params, ops), alpha)

    @staticmethod
    def updates_of(ann: ANN, alpha) -> Updates:
        """BP's updates from an ANN already run forward and backward (the graph's, by layer)."""
        out = {}
        for l in range(ann.arch.L):
            made = ann.run.vertex_updates(f"x{l}", alpha)
            out[("theta", l + 1)] = made[0]
            if ann.params.b is not None:
                out[("b", l)] = made[1]
        return out
