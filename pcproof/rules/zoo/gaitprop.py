"""GAIT-prop (gradient-adjusted incremental target propagation): Ahmad, van Gerven &
Ambrogioni, "GAIT-prop: A biologically plausible learning rule derived from backpropagation
of error", NeurIPS 2020 (arXiv:2006.06438), Sec. 3: targets are propagated down through the
inverse of each layer, as a small (γ) perturbation of the forward pass, adjusted by f′²,
with each layer's error rescaled by 1/γ per layer it has come down.

Reconstruction from the authors' code (nasiryahm/GAIT-prop, ``SquareInvNet.get_gait_updates``;
the equations of the paper's Sec. 3 are not in the text available here: docs/zoo.md,
"Rules").  Nodes sit on each layer's output y^l = f(x̄^l) (y^0 = x̄^0, the output is linear);
in pcproof's notation (docs/notation.md)::

    τ^0 = s_out,  m_0 = 1                                   (the output target)
    e^l = m_l (τ^l − y^l) ⊙ f'(x̄^l)                       (f'(x̄^0) := 1)
    Δθ^{l+1} = α e^l f(x̄^{l+1})ᵀ,   Δb^l = α e^l
    z^l = y^l + γ f'(x̄^l)² ⊙ (τ^l − y^l)                   (the incremental, gradient-adjusted target)
    τ^{l+1} = V^{l+1} (f⁻¹(z^l) − b^l)   (f⁻¹ not at the linear output),   m_{l+1} = m_l / γ

V^{l+1} inverts θ^{l+1}: ``inverse="exact"`` computes (θ^{l+1})⁻¹ (square layers, the
authors' default), ``"transpose"`` uses (θ^{l+1})ᵀ (the inverse when θ is orthogonal, the
paper's condition), ``"learned"`` the point's B^{l+1} (the authors' ``learn_inv`` option).
f⁻¹ exists in every number system for f linear; for an invertible nonlinear f in floats,
mpmath and balls (sympy solves f(x) = y for it), and in a number system that brings its own
``finv`` (pcproof.numbers.taylor: the inverse function, in Taylor series).

Which constraints and which order make it BP is found by the code, not taken from the
paper (tests/test_zoo_rules.py, docs/zoo.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import sympy as sp

from ...model.activations import x as _x
from ..base import Rule, RuleError, Updates
from ..bp import ANN
from .hyper import Hyper, HyperRule
from .relaxation import hybridmethod, hyper_of, scalar

INVERSES = ("exact", "transpose", "learned")


@dataclass(frozen=True)
class GaitHyper(Hyper):
    """``gamma``: the nudge γ (10⁻³ in the authors' runs); ``inverse``: how V = θ⁻¹ is had
    ("exact", "transpose", "learned")."""

    gamma: Any = Fraction(1, 1000)
    inverse: str = "exact"

    def __post_init__(self):
        if self.inverse not in INVERSES:
            raise ValueError(f"gait-prop: inverse must be one of {', '.join(INVERSES)}, got {self.inverse!r}")


class GaitProp(HyperRule, Rule):
    """GAIT-prop: layer-wise targets through the network's inverse, nudged by γ."""

    name = "gait-prop"
    hyper_class = GaitHyper

    @hybridmethod
    def matrices(self, arch) -> dict:
        if hyper_of(self).inverse != "learned":
            return {}
        return {"B": {l: (l, l - 1) for l in range(1, arch.L)}}

    def inverse_weights(self, arch, params, ops, k):
        """V^k, the inverse of θ^k (maps layer k−1 back to layer k)."""
        how = self.hyper.inverse
        if how == "learned":
            return params.matrices["B"][k]
        if how == "transpose":
            return tuple(zip(*params.theta[k]))
        return invert(ops, params.theta[k], k)

    def updates(self, arch, params, ops, alpha) -> Updates:
        ann = ANN(arch, params, ops)
        gamma = scalar(ops, self.hyper.gamma)
        one = ops.number(1)
        tau = params.s_out
        m = one
        out = {}
        for l in range(arch.L):
            y = ann.x_bar(0) if l == 0 else ops.f(ann.x_bar(l))
            gap = ops.sub(tau, y)                                  # τ^l − y^l
            d = None if l == 0 else ops.df(ann.x_bar(l))
            e = ops.scale(m, gap if d is None else ops.mul(d, gap))
            out[("theta", l + 1)] = ops.mat_scale(alpha, ops.outer(e, ops.f(ann.x_bar(l + 1))))
            if params.b is not None:
                out[("b", l)] = ops.scale(alpha, e)
            if l == arch.L - 1:
                break
            adjust = gap if d is None else ops.mul(ops.mul(d, d), gap)    # f′² ⊙ (τ − y)
            z = ops.add(y, ops.scale(gamma, adjust))
            pre = z if l == 0 else inverse_f(ops, z, l)
            if params.b is not None:
                pre = ops.sub(pre, params.b[l])
            tau = ops.matvec(self.inverse_weights(arch, params, ops, l + 1), pre)
            m = m / gamma
        return out


def gauss_jordan(M, R, pivot=None):
    """M⁻¹R by Gauss–Jordan elimination on [M | R], in the entries' own arithmetic (so it runs in
    every number system).  ``pivot(M, R, c)`` may swap rows before column c is eliminated;
    without it the diagonal is divided by as it stands (the caller knows it is not 0)."""
    M, R = [list(r) for r in M], [list(r) for r in R]
    for c in range(len(M)):
        if pivot is not None:
            pivot(M, R, c)
        p = M[c][c]
        M[c] = [v / p for v in M[c]]
        R[c] = [v / p for v in R[c]]
        for r in range(len(M)):
            if r != c:
                q = M[r][c]
                M[r] = [a - q * b for a, b in zip(M[r], M[c])]
                R[r] = [a - q * b for a, b in zip(R[r], R[c])]
    return tuple(tuple(row) for row in R)


def invert(ops, W, k):
    """W⁻¹ by Gauss–Jordan elimination in the number system's own arithmetic.  Symbolic
    entries are never compared (no branch on values: generic pivots); a numeric zero pivot
    swaps in a row below, and a singular θ is a RuleError."""
    n = len(W)
    if any(len(r) != n for r in W):
        raise RuleError(f"gait-prop with inverse='exact' needs square layers: θ^{k} is {n}×{len(W[0])}")
    zero, one = ops.number(0), ops.number(1)

    def pivot(M, R, c):
        if type(M[c][c]).__name__ != "Sym" and M[c][c] == 0:   # a number: swap in a row below (floats divide by 0 quietly)
            below = [r for r in range(c + 1, n) if M[r][c] != 0]
            if not below:
                raise RuleError(f"gait-prop: θ^{k} is singular at this point (no inverse)")
            r = below[0]
            M[c], M[r], R[c], R[r] = M[r], M[c], R[r], R[c]
    try:
        return gauss_jordan(W, [[one if i == j else zero for j in range(n)] for i in range(n)], pivot)
    except ZeroDivisionError:
        raise RuleError(f"gait-prop: θ^{k} has a zero pivot at this point (no inverse by elimination)") from None


# -- f⁻¹ ----------------------------------------------------------------------------------
def inverse_f(ops, v, l=0):
    """f⁻¹ elementwise: the system's own ``finv`` if it has one; the identity for f linear;
    in the symbolic system an unconstrained symbol ``finv{l}_{i}`` per entry (so a proof
    holds whatever f⁻¹ is, and none that needs f(f⁻¹(z)) = z can be made: sound, and
    the witnesses come from the numeric systems); else compiled from the branch of
    f(x) = y through x = 1/3 that sympy solves for."""
    own = getattr(ops, "finv", None)
    if own is not None:
        return own(v)
    act = ops.activation
    if act.expr is not None and act.expr == _x:
        return v
    system = getattr(ops, "system", "")
    if system == "sympy":
        return tuple(ops.number(sp.Symbol(f"finv{l}_{i}", real=True)) for i in range(len(v)))
    if system == "z3":
        raise RuleError("gait-prop needs f⁻¹, which the z3 system does not have")
    fn = _compiled_inverse(act.concrete(), ops)
    if system == "float64":
        return fn(v)
    return tuple(ops.tidy(fn(c)) for c in v)


@lru_cache(maxsize=32)
def _inverse_expr(act):
    y = sp.Symbol("y", real=True)
    try:
        roots = sp.solve(sp.Eq(y, act.expr), _x)
    except NotImplementedError:
        roots = []
    probe = sp.Rational(1, 3)
    at = act.expr.subs(_x, probe)
    for r in roots:      # the branch through the probe (checked at 30 digits: a choice, not a proof)
        value = sp.N(r.subs(y, at), 30)
        if value.is_real and abs(value - probe) < sp.Rational(1, 10**25):
            return y, r
    raise RuleError(f"gait-prop needs f⁻¹: sympy finds no inverse of f = {act.expr} through x = 1/3")


_COMPILED: dict = {}


def _compiled_inverse(act, ops):
    """f⁻¹ compiled by the number system itself (``ops.compile``), once per system and precision."""
    key = (act, ops.system, getattr(ops, "digits", None))
    if key not in _COMPILED:
        y, r = _inverse_expr(act)
        try:
            _COMPILED[key] = ops.compile(y, r)
        except NotImplementedError:
            raise RuleError(f"gait-prop: no f⁻¹ in the {ops.system} number system") from None
    return _COMPILED[key]
