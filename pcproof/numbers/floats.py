"""numpy float64, batched: a vector is an array whose last axis is the layer and
whose leading axes (if any) index the examples of a batch.

``outer`` sums over the batch: Δθ = α Σ_b ε_b f(x_b)ᵀ, the gradient of the
energy (or loss) summed over the batch."""
from __future__ import annotations

import numpy as np

from ..model.activations import Activation, array_form
from .ops import Ops


class NumpyOps(Ops):
    system = "float64"

    def __init__(self, activation: Activation):
        super().__init__(activation)
        # f and f' in their efficient forms, derived from the activation's sympy expression
        self.form = array_form(activation)

    def compile(self, var, expr):
        import sympy as sp
        return sp.lambdify(var, expr, modules="numpy")

    def number(self, q):
        return float(q)

    def matvec(self, W, v):
        return v @ np.asarray(W).T

    def rmatvec(self, W, v):
        return v @ np.asarray(W)

    def add(self, u, v):
        return u + v

    def sub(self, u, v):
        return u - v

    def mul(self, u, v):
        return u * v

    def scale(self, c, v):
        return c * v

    def f(self, v):
        return self.form.f(v)

    def df(self, v):
        return self.form.df(v)

    def sqnorm(self, v):
        return float(np.sum(v * v))

    def exp(self, v):
        return np.exp(v)

    def recip(self, v):
        return 1.0 / np.asarray(v)

    def outer(self, u, v):
        u, v = np.asarray(u), np.asarray(v)
        batch = list(range(u.ndim - 1))  # Σ over the leading (batch) axes
        return np.tensordot(u, v, axes=(batch, batch)) if batch else np.outer(u, v)

    def mat_add(self, A, B):
        return np.asarray(A) + np.asarray(B)

    def mat_scale(self, c, A):
        return c * np.asarray(A)
