"""What activation relaxation (AR) and relaxed predictive coding share: a backward pass in
*post-activation* coordinates whose feedback matrix and nonlinear derivative can be relaxed,
and the weight update read from it (docs/zoo.md, "Rules").

Both papers (Millidge, Tschantz, Seth & Buckley 2020) put a node on each layer's output
f(W x) and send errors down through ``(e ⊙ f'(a)) Wᵀ``.  In pcproof's notation
(docs/notation.md: layer 0 is the output, x̄^l is a pre-activation, the output is linear)
that node is u^l ≈ −∂E/∂f(x̄^l) for a hidden layer l, and u^0 = δ^0 at the output.
BP is the fixed point::

    u^l = B^l (f'(x̄^{l−1}) ⊙ u^{l−1}),   f'(x̄^0) := 1,   B^l = (θ^l)ᵀ
    δ^l = f'(x̄^l) ⊙ u^l

The relaxations: B^l a learned matrix (``feedback="learned"``: the point's ``B``, shape
n_l × n_{l−1}, the shape of (θ^l)ᵀ) and no f′ in the backward pass (``derivative=False``).
The weight update keeps f′ in both papers' code: Δθ^{l+1} = α (f'(x̄^l) ⊙ u^l) f(x̄^{l+1})ᵀ.
"""
from __future__ import annotations

from fractions import Fraction

from .. import equations as eq
from ..base import RuleError

FEEDBACK = ("transpose", "learned")


def scalar(ops, v):
    """A hyper-parameter as this number system's scalar (an exact number, or a symbol the
    judge put there for a Taylor expansion)."""
    if isinstance(v, bool):
        raise RuleError(f"a number was expected, got {v!r}")
    if isinstance(v, float):
        v = Fraction(v)      # the float's exact binary value, as everywhere in pcproof
    return ops.number(v)


def check_feedback(name, value):
    if value not in FEEDBACK:
        raise ValueError(f"{name}: feedback must be one of {', '.join(FEEDBACK)}, got {value!r}")


def feedback_matrices(arch, feedback) -> dict:
    """The matrices a rule with this feedback reads: B^l (n_l × n_{l−1}) when learned."""
    return {"B": {l: (l, l - 1) for l in range(1, arch.L)}} if feedback == "learned" else {}


def down(ops, params, ann, l, u_below, feedback, derivative):
    """B^l (f'(x̄^{l−1}) ⊙ u^{l−1}), the drive a hidden layer l receives from the layer below
    the output side (f′ dropped if not ``derivative``; none at the linear output)."""
    a = u_below if (l - 1 == 0 or not derivative) else ops.mul(ops.df(ann.x_bar(l - 1)), u_below)
    if feedback == "learned":
        return ops.matvec(params.matrices["B"][l], a)
    return ops.rmatvec(params.theta[l], a)


def updates_from(ops, params, ann, alpha, u) -> dict:
    """Δθ^{l+1} = α (f'(x̄^l) ⊙ u^l) f(x̄^{l+1})ᵀ and Δb^l = α f'(x̄^l) ⊙ u^l (u^0 = δ^0, no f′
    at the linear output): BP's update equations with u in place of −∂E/∂f(x̄)."""
    out = {}
    for l in range(len(u)):
        err = u[l] if l == 0 else ops.mul(ops.df(ann.x_bar(l)), u[l])
        out[("theta", l + 1)] = eq.weight_update(ops, alpha, err, ann.x_bar(l + 1))
        if params.b is not None:
            out[("b", l)] = eq.bias_update(ops, alpha, err)
    return out


class hybridmethod:
    """A method that works on the class (default knobs) and on an instance (its own):
    ``Rule.matrices(arch)`` is asked of both (pcproof.rules.base.rule_matrices)."""

    def __init__(self, fn):
        self.fn = fn

    def __get__(self, obj, cls):
        target = obj if obj is not None else cls
        return lambda *a, **kw: self.fn(target, *a, **kw)


def hyper_of(target):
    """The knobs of a rule instance, or the defaults of a rule class."""
    return target.hyper if not isinstance(target, type) else target.hyper_class()
