"""Feedback alignment on a computational graph: Lillicrap, Cownden, Tweed & Akerman, Nature
Communications 7:13276 (2016), generalised from the layered form (pcproof.rules.zoo.fa) the
obvious way (a reconstruction: the paper states FA for layered networks only; docs/zoo.md,
"On graphs").

BP's reverse pass on a graph (pcproof.rules.graph.GraphANN) sums, over the children c of v,
the vector–Jacobian products (∂g_c/∂x_v)ᵀ δ_c.  Where that product reads a weight — a dense
vertex's (∂g_c/∂x_u)ᵀ e = f'(x_u) ⊙ θ_cᵀ e — FA reads a fixed feedback matrix B_θ instead of
θᵀ; every other local derivative (add, mul, act, matmul, softmax, f′) stays exact::

    δ_v = [s_v − x̄_v if v is an output] + Σ_{c ∈ children(v)} (∂g_c/∂x_v)ᵀ|_{θᵀ → B} δ_c
    Δθ  = Σ_{v uses θ} α (∂g_v/∂θ)ᵀ δ_v                 (BP's update, at FA's δ)

* **One B per parameter**, not per vertex: a parameter shared by several vertices (an RNN's
  θ over time, attention's W shared by the tokens) has one feedback matrix, as a fixed random
  synapse would.  B_θ has the shape of θᵀ.
* **Which parameters get one**: those a vjp reads on its way to a computed vertex — dense θ,
  linear W, recurrent θ (towards h_{t−1}) and U (towards x_t, if x_t is computed), tokens W.
  A weight whose vertex reads only an input sends no error, so it has no B (the layered FA's
  B^l for l = 1 … L−1 only).
* **Convolution**: the feedback is a kernel b of k's shape; the vjp builds its Toeplitz
  matrix from b instead of k (B = Tᵀ(b)), so "B = θᵀ" reads b = k there.

The swap is :meth:`FeedbackReverse.vjp`, the only line that differs from BP: the reverse pass,
the primitives' vjp's and the updates are BP's own code.  B is a parameter of the point
(``point.matrices["B"][θ]``), its own symbols in a proof.  FA is BP exactly when B = θᵀ
(pcproof.check.graph_judge proves that and refutes it without).
"""
from __future__ import annotations

from ..base import Rule
from ..graph import GraphANN
from .hyper import FeedbackHyper, HyperRule

#: primitive → {parent index i: index j of the parameter its vjp (∂g/∂x_{u_i})ᵀ reads}
READS = {"dense": {0: 0}, "linear": {0: 0}, "recurrent": {0: 0, 1: 1}, "conv": {0: 0}, "tokens": {0: 0}}


def transpose(M):
    return tuple(zip(*M))


def feedback_shapes(graph) -> dict:
    """θ → shape of B_θ (θᵀ's; a kernel's own) for every parameter a vjp reads on its way to a
    computed vertex, in the graph's parameter order."""
    used = set()
    for v in graph.vertices:
        for i, j in READS.get(v.primitive, {}).items():
            if not graph.by_name[v.parents[i]].is_input:
                used.add(v.params[j])
    shapes = graph.shapes
    return {p: (tuple(reversed(shapes[p])) if len(shapes[p]) == 2 else shapes[p])
            for p, _ in graph.param_shapes if p in used}


def as_forward(B, shape):
    """The value the primitive's vjp reads in θ's place: Bᵀ for a matrix (so θᵀ → B), the
    kernel itself for a convolution."""
    return transpose(B) if len(shape) == 2 else B


def swapped(graph, feedback: dict, cv, i, ps):
    """The parameters vertex cv's vjp towards parent i reads, with the weight it reads in the
    backward direction replaced by its feedback matrix (``feedback``: θ → B_θ; a parameter left
    out keeps θ)."""
    j = READS.get(cv.primitive, {}).get(i)
    if j is None or cv.params[j] not in feedback:
        return ps
    p = cv.params[j]
    ps = [ps[k] for k in range(len(ps))]
    ps[j] = as_forward(feedback[p], graph.shapes[p])
    return ps


class FeedbackReverse(GraphANN):
    """BP's reverse pass with every weight read by a vjp swapped for its feedback matrix."""

    def __init__(self, graph, point, ops, feedback: dict, label=None):
        self.feedback = feedback
        super().__init__(graph, point, ops, label)

    def vjp(self, cv, i, xs, ps, e):
        return super().vjp(cv, i, xs, swapped(self.graph, self.feedback, cv, i, ps), e)


class GraphFA(HyperRule, Rule):
    """Feedback alignment on a graph: BP's reverse pass with θᵀ → B_θ in every vjp that reads a
    weight (module docstring).  ``feedback_scale``: the trainer's scale of a random B."""

    name = "fa"
    hyper_class = FeedbackHyper

    @classmethod
    def matrices(cls, graph) -> dict:
        return {"B": feedback_shapes(graph)}

    def reverse(self, graph, point, ops) -> FeedbackReverse:
        return FeedbackReverse(graph, point, ops, point.matrices["B"], label=lambda v: f"{v},FA")

    def updates(self, graph, point, ops, alpha) -> dict:
        return self.reverse(graph, point, ops).updates(alpha)
