"""Predictive coding with learned backward weights on a computational graph: the
weight-transport relaxation of Millidge, Tschantz, Seth & Buckley, "Relaxing the Constraints
on Predictive Coding Models", arXiv:2010.01047 (2020), Sec. 3 (backward weights ψ learned in
place of θᵀ), applied to Z-IL on a graph (Salvatori et al., AAAI 2022).  A reconstruction:
the paper relaxes the layered network with fixed predictions; on a graph pcproof keeps
Z-IL's inference and schedule and swaps the weight in the drive (docs/zoo.md, "On graphs")::

    x_v ← x_v + γ (−ε_v + Σ_{c ∈ children(v)} (∂g_c/∂x_v)ᵀ|_{θᵀ → B} ε_c)       (GraphPCN.drive)
    vertex v learns α (∂g_v/∂θ)ᵀ ε_v at t = d(v);  γ = 1, x(0) = x̄   (C1–C3)

B is the point's (one per weight, FA's: pcproof.rules.zoo.graph_fa), its own symbols in a
proof.  On a levelled graph the wavefront gives ε_v(t = d(v)) = FA's δ_v, so the rule is
exact exactly when B = θᵀ; a skip connection breaks it even then (Z-IL's own hypothesis).
"""
from __future__ import annotations

from ..graph import GraphPCN, GraphZIL
from .graph_fa import feedback_shapes, swapped


class FeedbackPCN(GraphPCN):
    """PC's inference on a graph with the weight each drive term reads swapped for B_θ."""

    def __init__(self, graph, point, ops, rule, alpha, steps: int):
        self.feedback = point.matrices["B"]
        super().__init__(graph, point, ops, rule, alpha, steps)

    def vjp(self, cv, i, xs, ps, e):
        return super().vjp(cv, i, xs, swapped(self.graph, self.feedback, cv, i, ps), e)


class GraphRelaxedPC(GraphZIL):
    """Z-IL on a graph with learned backward weights B in place of θᵀ in the inference drive."""

    name = "relaxed-pc-learned"

    @classmethod
    def matrices(cls, graph) -> dict:
        return {"B": feedback_shapes(graph)}

    def trajectory(self, graph, point, ops, alpha) -> FeedbackPCN:
        return FeedbackPCN(graph, point, ops, self, alpha, self.steps(graph))
