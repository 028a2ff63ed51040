"""The paper's equations, each written once against the op algebra (docs/notation.md).

BP and every PC rule are assembled from these; the same lines run over sympy
symbols, exact rationals, mpmath, arb balls and numpy floats.
"""
from __future__ import annotations

from fractions import Fraction


def prediction(ops, theta, x_above, b=None):
    """μ^l = θ^{l+1} f(x^{l+1}) (+ b^l).  Also BP's forward pass x̄^l = θ^{l+1} f(x̄^{l+1}) (+ b^l)."""
    mu = ops.matvec(theta, ops.f(x_above))
    return mu if b is None else ops.add(mu, b)


def error(ops, x, mu):
    """ε^l = x^l − μ^l (and BP's δ^0 = s_out − x̄^0)."""
    return ops.sub(x, mu)


def backward(ops, x, theta, err_below):
    """f'(x^l) ⊙ (θ^l)ᵀ e^{l-1}: BP's δ recursion, and the bottom-up drive of PC inference."""
    return ops.mul(ops.df(x), ops.rmatvec(theta, err_below))


def inference_step(ops, gamma, x, eps, eps_below, theta):
    """x^l_{t+1} = x^l_t + γ(−ε^l_t + f'(x^l_t) ⊙ (θ^l)ᵀ ε^{l-1}_t)  (= x − γ ∂F_t/∂x^l_t)."""
    drive = ops.sub(backward(ops, x, theta, eps_below), eps)
    return ops.add(x, ops.scale(gamma, drive))


def weight_update(ops, alpha, err, x_above):
    """Δθ^{l+1} = α e^l f(x^{l+1})ᵀ (BP with e = δ, IL/Z-IL with e = ε)."""
    return ops.mat_scale(alpha, ops.outer(err, ops.f(x_above)))


def linear_update(ops, alpha, err, x):
    """ΔW = α e xᵀ, for a parameter that multiplies its input without f (W x; an RNN's U x_t)."""
    return ops.mat_scale(alpha, ops.outer(err, x))


def bias_update(ops, alpha, err):
    """Δb^l = α e^l."""
    return ops.scale(alpha, err)


def energy(ops, eps_by_layer):
    """F = ½ Σ_l ‖ε^l‖²."""
    total = 0
    for e in eps_by_layer:
        total = total + ops.sqnorm(e)
    return ops.number(Fraction(1, 2)) * total
