"""Activation relaxation (AR): Millidge, Tschantz, Seth & Buckley, "Activation Relaxation: A
Local Dynamical Approximation to Backpropagation in the Brain", arXiv:2009.05359 (2020),
Sec. 2 (the dynamics dx^l/dt = −x^l + (∂x^{l+1}/∂x^l)ᵀ x^{l+1} with the output node clamped
to the output error, whose equilibrium is the BP gradient) and Sec. 4 (the two
simplifications: learned backward weights, no nonlinear derivative).

In pcproof's notation (docs/notation.md; pcproof.rules.zoo.relaxation for the coordinates)::

    u^0 = δ^0 = s_out − x̄^0                     (clamped)
    u^l_0 = f(x̄^l)                               (the feed-forward activity: "activation" relaxation)
    for t = 0 … T−1, for l = 1 … L−1 (output side first):
        u^l_{t+1} = u^l_t + η (−u^l_t + B^l (f'(x̄^{l−1}) ⊙ u^{l−1}_{t+1}))
    Δθ^{l+1} = α (f'(x̄^l) ⊙ u^l_T) f(x̄^{l+1})ᵀ,   Δb^l = α f'(x̄^l) ⊙ u^l_T

B^l = (θ^l)ᵀ, or the point's learned B^l (``feedback="learned"``); ``derivative=False`` drops
f'(x̄^{l−1}) from the relaxation (the update keeps it).  Reconstruction from the authors'
code (BerenMillidge/ActivationRelaxation, ``FCLayer.backward``): the Euler discretisation
sweeps from the output down, so a layer reads the value its neighbour took in the same
sweep, and starts from the feed-forward activity (docs/zoo.md, "Rules").

With η = 1 one sweep gives u^l = −∂E/∂f(x̄^l) exactly, so AR is BP; with η ≠ 1 the error
after T sweeps is a polynomial in (1 − η): BP to order T − 1 (the kernel's knob order, docs/zoo.md).
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
class ARHyper(Hyper):
    """``eta``: relaxation rate η (inference_learning_rate, 0.1 in the authors' code);
    ``steps``: sweeps T (100 there); ``derivative``: keep f′ in the relaxation;
    ``feedback``: "transpose" (θᵀ) or "learned" (the point's B^l)."""

    eta: Any = Fraction(1, 10)
    steps: int = 100
    derivative: bool = True
    feedback: str = "transpose"

    def __post_init__(self):
        if not isinstance(self.steps, int) or isinstance(self.steps, bool) or self.steps < 0:
            raise ValueError(f"ar: steps must be a whole number ≥ 0, got {self.steps!r}")
        check_feedback("ar", self.feedback)


class AR(HyperRule, Rule):
    """Activation relaxation: u^l relaxes to −∂E/∂f(x̄^l) with the output clamped to δ^0."""

    name = "ar"
    hyper_class = ARHyper

    @hybridmethod
    def matrices(self, arch) -> dict:
        return feedback_matrices(arch, hyper_of(self).feedback)

    def relaxed(self, arch, params, ops, ann: ANN) -> list:
        """u^0 … u^{L−1} after T sweeps."""
        h = self.hyper
        eta = scalar(ops, h.eta)
        u = [ann.delta(0)] + [ops.f(ann.x_bar(l)) for l in range(1, arch.L)]
        for _ in range(h.steps):
            for l in range(1, arch.L):       # output side first: u^{l−1} is this sweep's
                drive = down(ops, params, ann, l, u[l - 1], h.feedback, h.derivative)
                u[l] = ops.add(u[l], ops.scale(eta, ops.sub(drive, u[l])))
        return u

    def updates(self, arch, params, ops, alpha) -> Updates:
        ann = ANN(arch, params, ops)
        return updates_from(ops, params, ann, alpha, self.relaxed(arch, params, ops, ann))
