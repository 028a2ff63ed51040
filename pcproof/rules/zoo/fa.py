"""Feedback alignment (FA): Lillicrap, Cownden, Tweed & Akerman, "Random synaptic feedback
weights support error backpropagation for deep learning", Nature Communications 7:13276
(2016); the layered form as written by Nøkland (2016), Sec. 2 ("feedback alignment").

BP sends the output error back through the transposed forward weights; FA through a fixed
random matrix B^l in their place.  In pcproof's notation (docs/notation.md: layer 0 is the
output, θ^l maps layer l to layer l−1, δ = −∂E/∂x̄)::

    δ^0 = s_out − x̄^0
    δ^l = f'(x̄^l) ⊙ B^l δ^{l−1},           l = 1 … L−1      (BP: (θ^l)ᵀ in place of B^l)
    Δθ^{l+1} = α δ^l f(x̄^{l+1})ᵀ,   Δb^l = α δ^l

B^l has the shape of (θ^l)ᵀ, n_l × n_{l−1}; it is a parameter of the point
(``params.matrices["B"][l]``), so a proof treats it as arbitrary.  FA is BP exactly
when B^l = (θ^l)ᵀ, which pcproof proves and refutes without (docs/zoo.md).
"""
from __future__ import annotations

from .. import equations as eq
from ..base import Rule, Updates
from ..bp import ANN
from .hyper import FeedbackHyper, HyperRule


def feedback_updates(arch, params, ops, alpha, delta) -> Updates:
    """BP's update formulas (the same equations) applied to the error terms ``delta``."""
    ann = ANN(arch, params, ops)          # the forward pass x̄^l
    out = {}
    for l in range(arch.L):
        out[("theta", l + 1)] = eq.weight_update(ops, alpha, delta[l], ann.x_bar(l + 1))
        if params.b is not None:
            out[("b", l)] = eq.bias_update(ops, alpha, delta[l])
    return out, ann


class FA(HyperRule, Rule):
    """Feedback alignment: δ^l = f'(x̄^l) ⊙ B^l δ^{l−1} with fixed feedback matrices B^l."""

    name = "fa"
    hyper_class = FeedbackHyper

    @classmethod
    def matrices(cls, arch) -> dict:
        # B^l: n_l × n_{l−1}, the shape of (θ^l)ᵀ
        return {"B": {l: (l, l - 1) for l in range(1, arch.L)}}

    def errors(self, arch, params, ops, ann: ANN) -> dict:
        """δ^0 … δ^{L−1} of FA at this point."""
        B = params.matrices["B"]
        delta = {0: eq.error(ops, params.s_out, ann.x_bar(0))}
        for l in range(1, arch.L):
            delta[l] = ops.mul(ops.df(ann.x_bar(l)), ops.matvec(B[l], delta[l - 1]))
        return delta

    def updates(self, arch, params, ops, alpha) -> Updates:
        ann = ANN(arch, params, ops)
        return feedback_updates(arch, params, ops, alpha, self.errors(arch, params, ops, ann))[0]

    def draw_matrices(self, arch, rng) -> dict:
        out = super().draw_matrices(arch, rng)
        return {n: {l: self.hyper.feedback_scale * M for l, M in d.items()} for n, d in out.items()}
