"""Predictive coding with relaxed constraints: Millidge, Tschantz, Seth & Buckley, "Relaxing
the Constraints on Predictive Coding Models", arXiv:2010.01047 (2020), Sec. 3: the
weight-transport relaxation (learned backward weights ψ in place of θᵀ, learned by the
transposed weight update), the nonlinear-derivative relaxation (no f′ in the backward
error), and their combination.  (The third, learned error connections, is left out:
docs/zoo.md, "Rules".)

The PC network is the paper's: predictions fixed at the feed-forward pass ("fixed
prediction assumption"), value nodes on each layer's output f(W x), errors ε = μ − μ̄
(pcproof.rules.zoo.relaxation for the coordinates).  In pcproof's notation::

    ε^0 = s_out − x̄^0                            (output clamped to the target)
    ε^l_0 = 0                                     (μ^l starts at the feed-forward value)
    ε^l_{t+1} = ε^l_t + γ (−ε^l_t + B^l (f'(x̄^{l−1}) ⊙ ε^{l−1}_t)),   l = 1 … L−1, all at once
    Δθ^{l+1} = α (f'(x̄^l) ⊙ ε^l_T) f(x̄^{l+1})ᵀ,   Δb^l = α f'(x̄^l) ⊙ ε^l_T

B^l = (θ^l)ᵀ, or the point's learned B^l (``feedback="learned"``); ``derivative=False``
drops f'(x̄^{l−1}) from the backward error (the update keeps it, as in the authors' code,
BerenMillidge/RelaxedPredictiveCoding ``FCLayer.backward``/``update_weights``).
Reconstruction: the authors' step μ ← μ − η·2(ε − ε̂) is γ = 2η; their ±50 clipping and the
bias placed after f are not modelled (pcproof's bias is BP's, before f).

With γ = 1 the synchronous steps bring layer l to BP's error after l steps, so with
T ≥ L − 1 steps the rule is BP (the Z-IL wavefront, for fixed predictions).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..base import Rule, Updates
from ..bp import ANN
from .hyper import Hyper, HyperRule
from .relaxation import check_feedback, down, feedback_matrices, hybridmethod, hyper_of, scalar, updates_from


@dataclass(frozen=True)
class RelaxedPCHyper(Hyper):
    """``gamma``: inference step γ (= 2 × inference_learning_rate = 0.2 in the authors' code);
    ``steps``: inference steps T (100 there; None: L − 1, the steps the error takes to reach
    the input at γ = 1); ``derivative``: keep f′ in the backward error;
    ``feedback``: "transpose" (θᵀ) or "learned" (the point's B^l, the paper's ψ)."""

    gamma: Any = Fraction(1, 5)
    steps: int | None = 100
    derivative: bool = True
    feedback: str = "transpose"

    def __post_init__(self):
        if self.steps is not None and (not isinstance(self.steps, int) or isinstance(self.steps, bool)
                                       or self.steps < 0):
            raise ValueError(f"relaxed-pc: steps must be a whole number ≥ 0, got {self.steps!r}")
        check_feedback("relaxed-pc", self.feedback)


class RelaxedPC(HyperRule, Rule):
    """Fixed-prediction PC with learned backward weights and/or no backward f′."""

    name = "relaxed-pc"
    hyper_class = RelaxedPCHyper

    @hybridmethod
    def matrices(self, arch) -> dict:
        return feedback_matrices(arch, hyper_of(self).feedback)

    def errors(self, arch, params, ops, ann: ANN) -> list:
        """ε^0 … ε^{L−1} after T synchronous inference steps."""
        h = self.hyper
        gamma = scalar(ops, h.gamma)
        zero = ops.number(0)
        eps = [ann.delta(0)] + [ops.scale(zero, ann.x_bar(l)) for l in range(1, arch.L)]
        for _ in range(arch.L - 1 if h.steps is None else h.steps):
            eps = [eps[0]] + [ops.add(eps[l], ops.scale(gamma, ops.sub(
                down(ops, params, ann, l, eps[l - 1], h.feedback, h.derivative), eps[l])))
                for l in range(1, arch.L)]
        return eps

    def updates(self, arch, params, ops, alpha) -> Updates:
        ann = ANN(arch, params, ops)
        return updates_from(ops, params, ann, alpha, self.errors(arch, params, ops, ann))
