"""The ANN and backpropagation (docs/notation.md, "ANN trained with backpropagation")."""
from __future__ import annotations

from . import equations as eq
from .base import Rule, Updates


class ANN:
    """Feed-forward values x̄^l and BP error terms δ^l of one network at one point."""

    def __init__(self, arch, params, ops):
        self.arch, self.params, self.ops = arch, params, ops
        L, b = arch.L, params.b
        x_bar = {L: ops.name(params.s_in, r"\bar{x}", L)}
        for l in range(L - 1, -1, -1):
            mu = eq.prediction(ops, params.theta[l + 1], x_bar[l + 1], None if b is None else b[l])
            x_bar[l] = ops.name(mu, r"\bar{x}", l)
        delta = {0: ops.name(eq.error(ops, params.s_out, x_bar[0]), r"\delta", 0)}
        for l in range(1, L):
            delta[l] = ops.name(eq.backward(ops, x_bar[l], params.theta[l], delta[l - 1]), r"\delta", l)
        self._x_bar, self._delta = x_bar, delta

    def x_bar(self, l):
        """x̄^l, the feed-forward value of layer l (x̄^L = s_in)."""
        return self._x_bar[l]

    def delta(self, l):
        """δ^l = −∂E/∂x̄^l, for l = 0 … L-1."""
        return self._delta[l]


class BP(Rule):
    """Backpropagation: Δθ^{l+1} = α δ^l f(x̄^{l+1})ᵀ, Δb^l = α δ^l."""

    name = "bp"

    def updates(self, arch, params, ops, alpha) -> Updates:
        return self.updates_of(ANN(arch, params, ops), alpha)

    @staticmethod
    def updates_of(ann: ANN, alpha) -> Updates:
        """BP's updates from an ANN already run forward and backward."""
        ops, out = ann.ops, {}
        for l in range(ann.arch.L):
            out[("theta", l + 1)] = eq.weight_update(ops, alpha, ann.delta(l), ann.x_bar(l + 1))
            if ann.params.b is not None:
                out[("b", l)] = eq.bias_update(ops, alpha, ann.delta(l))
        return out
