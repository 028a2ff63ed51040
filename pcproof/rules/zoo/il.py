"""Inference learning with an output precision: Whittington & Bogacz, "An Approximation of
the Error Backpropagation Algorithm in a Predictive Coding Network with Local Hebbian
Synaptic Plasticity", Neural Computation 29 (2017), Sec. 2 (the energy with the variances
Σ^l of each layer) and Sec. 3 (IL approaches BP when the output layer's variance is large
relative to the hidden layers', i.e. its precision π^0 = 1/Σ^0 small).

pcproof's IL (pcproof.rules.pc.IL) with the energy F = ½ π^0 ‖ε^0‖² + ½ Σ_{l≥1} ‖ε^l‖²::

    x^1_{t+1} = x^1_t + γ(−ε^1_t + π^0 f'(x^1_t) ⊙ (θ^1)ᵀ ε^0_t)      (deeper layers as in IL)
    Δθ^1 = α π^0 ε^0 f(x^1)ᵀ,   Δθ^{l+1} = α ε^l f(x^{l+1})ᵀ          (at t = t_c)

and, with ``rescale`` (the default), every update divided by π^0, so α means BP's learning
rate (the raw updates are O(π^0)).  π^0 = 1 without rescaling is IL exactly.  Whether and at
which order it approaches BP as π^0 → 0, t_c → ∞ or as the output error shrinks is
measured by benchmarks/bench_il_limit.py (docs/zoo.md, "Rules").
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .. import equations as eq
from ..pc import IL
from .hyper import Hyper


@dataclass(frozen=True)
class ILHyper(Hyper):
    """``gamma``: inference step γ (1/10); ``t_c``: the step all weights learn at (20);
    ``output_precision``: π^0 relative to the hidden layers' 1; ``rescale``: divide the
    updates by π^0."""

    gamma: Any = Fraction(1, 10)
    t_c: int = 20
    output_precision: Any = 1
    rescale: bool = True

    def __post_init__(self):
        if not isinstance(self.t_c, int) or isinstance(self.t_c, bool) or self.t_c < 0:
            raise ValueError(f"il-precision: t_c must be a whole number ≥ 0, got {self.t_c!r}")


class PrecisionIL(IL):
    """IL with the output layer's precision π^0 as a knob (Whittington & Bogacz 2017)."""

    name = "il-precision"

    def __init__(self, gamma: Any = Fraction(1, 10), init_noise: bool = False, update_offset: int = 0,
                 t_c: int = 20, output_precision: Any = 1, rescale: bool = True):
        super().__init__(gamma, init_noise, update_offset, t_c)
        self.hyper = ILHyper(gamma, t_c, output_precision, rescale)

    def _pi(self, ops):
        p = self.hyper.output_precision
        return ops.number(Fraction(p) if isinstance(p, float) else p)

    def inference_step(self, pcn, l, t):
        below = pcn.eps(l - 1, t)
        if l == 1:       # the output's error enters the energy weighted by π^0
            below = pcn.ops.scale(self._pi(pcn.ops), below)
        return eq.inference_step(pcn.ops, pcn.gamma, pcn.x(l, t), pcn.eps(l, t), below, pcn.theta(l, t))

    def gate(self, pcn, l, t):
        if super().gate(pcn, l, t) is None:
            return None
        ops, pi = pcn.ops, self._pi(pcn.ops)
        if self.hyper.rescale:
            return ops.number(1) if l == 0 else ops.number(1) / pi
        return pi if l == 0 else 1

    def describe(self) -> str:
        return f"{self.name} ({self.hyper.describe()})"
