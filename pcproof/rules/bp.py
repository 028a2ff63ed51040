"""The ANN and backpropagation (docs/notation.md, "ANN trained with backpropagation").

The layered network is the ``mlp`` family of graphs read by layer number
(:class:`~pcproof.model.families.Layers`: vertex l is layer l, θ^{l+1} and b^l its parameters
("theta", l+1), ("b", l)), and BP on it is the graph engine's reverse mode
(:class:`~pcproof.rules.graph.GraphANN`), run once per point; :class:`ANN` only reads it back."""
from __future__ import annotations

from ..model.families import LayerPoint, layers
from .base import Rule, Updates
from .graph import GraphANN


class ANN:
    """Feed-forward values x̄^l and BP error terms δ^l of one network at one point."""

    def __init__(self, arch, params, ops):
        self.arch, self.params, self.ops = arch, params, ops
        self.graph = layers(tuple(arch.widths), params.b is not None)
        self.run = GraphANN(self.graph, LayerPoint(params, arch.L), ops)

    def x_bar(self, l):
        """x̄^l, the feed-forward value of layer l (x̄^L = s_in)."""
        return self.run.x_bar[l]

    def delta(self, l):
        """δ^l = −∂E/∂x̄^l, for l = 0 … L-1."""
        return self.run.delta[l]


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
            made = ann.run.vertex_updates(l, alpha)
            out[("theta", l + 1)] = made[0]
            if ann.params.b is not None:
                out[("b", l)] = made[1]
        return out
