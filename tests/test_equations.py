"""The equations written once in pcproof.rules.equations, checked against calculus.

BP and the PC rules share these lines, so a mistake in them would make BP and Z-IL
agree on the wrong thing.  Here sympy differentiates the loss E and the energy F
directly (plain sympy, no atoms) and the rules must match docs/notation.md's definitions:
Δθ = −α ∂E/∂θ for BP, the inference step x − γ ∂F/∂x, the PC update −α ∂F/∂θ."""
import random

import pytest
import sympy as sp

from pcproof.model import Architecture, get_activation, symbolic_params
from pcproof.numbers import SymbolicOps
from pcproof.rules import BP, equations as eq

ALPHA, GAMMA = sp.Symbol("alpha"), sp.Symbol("gamma")


def _point(symbols, seed):
    rng = random.Random(seed)
    return {s: sp.Rational(rng.randint(-12, 12), 8) for s in symbols}


def _close(a, b, at):
    """Equal at the point ``at`` to 30 digits (mpmath, 40-digit working precision)."""
    import mpmath
    syms = sorted(at, key=str)
    with mpmath.workdps(40):
        # the symbolic system hands rule code Sym scalars; sympify gives their sympy expressions
        va, vb = (sp.lambdify(syms, sp.sympify(e), "mpmath")(*[mpmath.mpf(at[s].p) / at[s].q for s in syms])
                  for e in (a, b))
        return abs(va - vb) < mpmath.mpf("1e-30")


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "poly"])
@pytest.mark.parametrize("bias", [False, True])
def test_bp_update_is_minus_alpha_grad_of_loss(activation, bias):
    arch = Architecture((2, 2, 2), get_activation(activation), bias)
    ops = SymbolicOps(arch.activation, atoms=False)
    P = symbolic_params(arch)
    # E = ½‖s_out − x̄^0‖², x̄ by the forward pass (eq.prediction), differentiated by sympy
    x = P.s_in
    for l in range(arch.L - 1, -1, -1):
        x = eq.prediction(ops, P.theta[l + 1], x, None if P.b is None else P.b[l])
    E = sum((s - o) ** 2 for s, o in zip(P.s_out, x)) / 2
    upd = BP().updates(arch, P, ops, ALPHA)
    at = _point(E.free_symbols | {ALPHA}, 1)
    for l in range(arch.L):
        for i, row in enumerate(P.theta[l + 1]):
            for j, w in enumerate(row):
                assert _close(upd[("theta", l + 1)][i][j], -ALPHA * sp.diff(E, w), at)
        if bias:
            for i, b in enumerate(P.b[l]):
                assert _close(upd[("b", l)][i], -ALPHA * sp.diff(E, b), at)


@pytest.mark.parametrize("activation", ["tanh", "softplus", "poly"])
def test_inference_step_and_pc_update_descend_the_energy(activation):
    arch = Architecture((2, 3, 2, 2), get_activation(activation), bias=True)
    ops = SymbolicOps(arch.activation, atoms=False)
    P = symbolic_params(arch)
    L = arch.L
    # free value nodes: x^0 = s_out and x^L = s_in clamped, hidden x^l free symbols
    xs = {0: P.s_out, L: P.s_in}
    for l in range(1, L):
        xs[l] = tuple(sp.Symbol(f"x{l}_{i}") for i in range(arch.widths[l]))
    eps = {l: eq.error(ops, xs[l], eq.prediction(ops, P.theta[l + 1], xs[l + 1], P.b[l])) for l in range(L)}
    F = sp.sympify(eq.energy(ops, [eps[l] for l in range(L)]))
    at = _point(F.free_symbols | {ALPHA, GAMMA}, 2)
    for l in range(1, L):  # x^l_{t+1} = x^l_t − γ ∂F/∂x^l_t
        step = eq.inference_step(ops, GAMMA, xs[l], eps[l], eps[l - 1], P.theta[l])
        for i, xi in enumerate(xs[l]):
            assert _close(step[i], xi - GAMMA * sp.diff(F, xi), at)
    for l in range(L):  # Δθ^{l+1} = −α ∂F/∂θ^{l+1}, Δb^l = −α ∂F/∂b^l
        dW = eq.weight_update(ops, ALPHA, eps[l], xs[l + 1])
        db = eq.bias_update(ops, ALPHA, eps[l])
        for i, row in enumerate(P.theta[l + 1]):
            assert _close(db[i], -ALPHA * sp.diff(F, P.b[l][i]), at)
            for j, w in enumerate(row):
                assert _close(dW[i][j], -ALPHA * sp.diff(F, w), at)


def test_activation_derivative_is_sympys():
    from pcproof.model.activations import x
    for name in ("sigmoid", "tanh", "softplus", "poly", "identity"):
        act = get_activation(name)
        assert sp.simplify(act.dexpr - sp.diff(act.expr, x)) == 0
