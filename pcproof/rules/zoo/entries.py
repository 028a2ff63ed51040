"""The zoo's rows for activation relaxation, relaxed predictive coding and GAIT-prop
(pcproof.rules.zoo.ar, .relaxed_pc, .gaitprop): each paper's own knobs, and the variants
whose special cases pcproof decides (docs/zoo.md, "Rules").  Imported by the registry."""
from __future__ import annotations

from fractions import Fraction

from ...check import conditions as C
from . import ZooEntry, register
from .ar import AR
from .gaitprop import GaitProp
from .relaxed_pc import RelaxedPC

AR_PAPER = "Millidge, Tschantz, Seth & Buckley, Activation Relaxation, arXiv:2009.05359 (2020), Sec. 2, 4"
RPC_PAPER = ("Millidge, Tschantz, Seth & Buckley, Relaxing the Constraints on Predictive Coding Models, "
             "arXiv:2010.01047 (2020), Sec. 3")


def _named(rule, name):
    """The rule with this row's name (reports and tables tell the variants apart)."""
    rule.name = name
    return rule


GAIT_PAPER = "Ahmad, van Gerven & Ambrogioni, GAIT-prop, NeurIPS 2020 (arXiv:2006.06438), Sec. 3"

register(ZooEntry(
    "ar", AR_PAPER, AR, equation="u^l ← u^l + η(−u^l + (θ^l)ᵀ(f'(x̄^{l−1}) ⊙ u^{l−1})), T sweeps; η = 1/10, T = 100",
    note="the authors' knobs; one sweep at η = 1 is BP (row ar-eta1)"))
register(ZooEntry(
    "ar-eta1", AR_PAPER, AR, make=lambda: _named(AR(eta=1, steps=1), "ar-eta1"),
    equation="one relaxation sweep at η = 1"))
register(ZooEntry(
    "ar-no-df", AR_PAPER, AR, make=lambda: _named(AR(eta=1, steps=1, derivative=False), "ar-no-df"),
    equation="u^l = (θ^l)ᵀ u^{l−1}: no f′ in the relaxation", conditions=(C.LINEAR,),
    note="exact for any f with one hidden layer (L = 2)"))
register(ZooEntry(
    "ar-learned", AR_PAPER, AR, make=lambda: _named(AR(eta=1, steps=1, feedback="learned"), "ar-learned"),
    equation="u^l = B^l (f'(x̄^{l−1}) ⊙ u^{l−1}), B learned", conditions=(C.FEEDBACK_TRANSPOSE,),
    small=(C.FEEDBACK_ERROR,)))
register(ZooEntry(
    "relaxed-pc", RPC_PAPER, RelaxedPC,
    equation="ε^l ← ε^l + γ(−ε^l + (θ^l)ᵀ(f'(x̄^{l−1}) ⊙ ε^{l−1})), fixed predictions; γ = 1/5, T = 100",
    note="the authors' knobs; γ = 1 with T ≥ L − 1 steps is BP"))
register(ZooEntry(
    "relaxed-pc-learned", RPC_PAPER, RelaxedPC, make=lambda: _named(RelaxedPC(gamma=1, steps=None, feedback="learned"), "relaxed-pc-learned"),
    equation="backward weights ψ = B^l learned in place of θᵀ (γ = 1, T = L − 1)",
    conditions=(C.FEEDBACK_TRANSPOSE,), small=(C.FEEDBACK_ERROR,)))
register(ZooEntry(
    "relaxed-pc-no-df", RPC_PAPER, RelaxedPC, make=lambda: _named(RelaxedPC(gamma=1, steps=None, derivative=False), "relaxed-pc-no-df"),
    equation="no f′ in the backward error (γ = 1, T = L − 1)", conditions=(C.LINEAR,),
    note="exact for any f with one hidden layer (L = 2)"))
register(ZooEntry(
    "relaxed-pc-learned-no-df", RPC_PAPER, RelaxedPC,
    make=lambda: _named(RelaxedPC(gamma=1, steps=None, feedback="learned", derivative=False),
                        "relaxed-pc-learned-no-df"),
    equation="both relaxations (γ = 1, T = L − 1)", conditions=(C.both(C.FEEDBACK_TRANSPOSE, C.LINEAR),)))
register(ZooEntry(
    "gait-prop", GAIT_PAPER, GaitProp, make=lambda: _named(GaitProp(gamma=Fraction(1, 1000), inverse="transpose"), "gait-prop"),
    equation="τ^{l+1} = V^{l+1}(f⁻¹(y^l + γ f'(x̄^l)² ⊙ (τ^l − y^l)) − b^l), e^l = γ^{−l}(τ^l − y^l) ⊙ f'(x̄^l); V = θᵀ",
    # one hidden layer: exact under θ orthogonal for every f (the kernel proves it); with two the
    # Cayley quotients take the kernel past a minute, and f nonlinear departs at γ² (docs/zoo.md)
    widths=(2, 2, 2), conditions=(C.ORTHOGONAL, C.LINEAR),
    align=False,     # the alignment network (digits, 64-16-10) is not square: V = θᵀ is no inverse there
    note="V = θᵀ is θ⁻¹ exactly when θ is orthogonal; with two hidden layers exact for every γ when f is "
         "linear, and to order 1 in γ when not (tests/test_zoo_rules.py, sympy); square layers"))
