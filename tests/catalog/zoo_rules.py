"""Seeded bugs in activation relaxation, relaxed PC and GAIT-prop (pcproof.rules.zoo.ar,
.relaxed_pc, .gaitprop), each a complete rule with its knobs fixed, and the truth derived
by hand *under the condition* the correct rule is exact under (None: nothing imposed):
``HOLDS`` — the updates equal BP's at every point; ``FAILS`` — some point differs.

Same shape as :mod:`catalog.zoo` (FA, DFA); tests/test_zoo_rules.py runs them through the
kernel (proved for HOLDS, refuted for FAILS) and cross-checks the truth in exact rationals
(:func:`exact_truth`, the rule's own code, no prover).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from pcproof.check import hypotheses as C
from pcproof.rules.zoo.ar import AR, ARHyper
from pcproof.rules.zoo.gaitprop import GaitHyper, GaitProp
from pcproof.rules.zoo.relaxation import down, updates_from
from pcproof.rules.zoo.relaxed_pc import RelaxedPC, RelaxedPCHyper

from .entries import FAILS, HOLDS


def _fixed(base, hyper, name, doc, **methods):
    """``base`` with its knobs fixed to ``hyper`` (so ``Rule()`` is this variant)."""
    def __init__(self, hyper_=None, **kw):
        base.__init__(self, hyper_ if hyper_ is not None or kw else hyper, **kw)
    return type(name.title().replace("-", ""), (base,), dict(name=name, __doc__=doc, __init__=__init__,
                                                            __module__=__name__, **methods))


# -- AR: one sweep at η = 1 with learned B is BP under B = θᵀ -----------------------------
_AR1 = ARHyper(eta=1, steps=1, feedback="learned")


def _sweep_from_input(self, arch, params, ops, ann):
    h, u = self.hyper, [ann.delta(0)] + [ops.f(ann.x_bar(l)) for l in range(1, arch.L)]
    for _ in range(h.steps):
        for l in range(arch.L - 1, 0, -1):       # input side first: u^{l−1} is last sweep's
            u[l] = down(ops, params, ann, l, u[l - 1], h.feedback, h.derivative)
    return u


def _df_twice(self, arch, params, ops, ann):
    h, u = self.hyper, [ann.delta(0)] + [ops.f(ann.x_bar(l)) for l in range(1, arch.L)]
    for _ in range(h.steps):
        for l in range(1, arch.L):               # stores δ^l = f′(x̄^l) ⊙ u^l where u^l belongs
            u[l] = ops.mul(ops.df(ann.x_bar(l)), down(ops, params, ann, l, u[l - 1], h.feedback, h.derivative))
    return u


def _update_without_df(self, arch, params, ops, alpha):
    from pcproof.rules import equations as eq
    from pcproof.rules.bp import ANN
    ann = ANN(arch, params, ops)
    u = self.relaxed(arch, params, ops, ann)
    return {("theta", l + 1): eq.weight_update(ops, alpha, u[l], ann.x_bar(l + 1)) for l in range(arch.L)}


ARSweepFromInput = _fixed(AR, _AR1, "ar-sweep-from-input",
                          "One sweep from the input side up: u^l reads u^{l−1} of the previous sweep "
                          "(its feed-forward start) — wrong from two hidden layers on.", relaxed=_sweep_from_input)
ARDfTwice = _fixed(AR, _AR1, "ar-df-twice",
                   "The relaxed node stores f′(x̄^l) ⊙ u^l (BP's δ^l), and the update applies f′ again.",
                   relaxed=_df_twice)
ARUpdateWithoutDf = _fixed(AR, _AR1, "ar-update-without-df",
                           "Δθ^{l+1} = α u^l f(x̄^{l+1})ᵀ: the update forgets f′(x̄^l).", updates=_update_without_df)
ARHalfRate = _fixed(AR, ARHyper(eta=Fraction(1, 2), steps=1, feedback="learned"), "ar-half-rate",
                    "η = 1/2 with one sweep: u^l lands halfway between f(x̄^l) and the gradient.")
ARLearned = _fixed(AR, _AR1, "ar-learned-eta1", "AR, one sweep at η = 1, learned B (the control).")
ARManySweeps = _fixed(AR, ARHyper(eta=1, steps=5, feedback="learned"), "ar-five-sweeps",
                      "Five sweeps at η = 1: the first lands on the fixed point, the others stay there.")


# -- relaxed PC: γ = 1 and L − 1 synchronous steps is BP under B = θᵀ -----------------------
_RPC = RelaxedPCHyper(gamma=1, steps=None, feedback="learned")


def _one_step_short(self, arch, params, ops, ann):
    h = self.hyper
    eps = [ann.delta(0)] + [ops.scale(ops.number(0), ann.x_bar(l)) for l in range(1, arch.L)]
    for _ in range(arch.L - 2):                  # L − 2 steps: the wavefront stops one layer short
        eps = [eps[0]] + [down(ops, params, ann, l, eps[l - 1], h.feedback, h.derivative) for l in range(1, arch.L)]
    return eps


def _start_at_activity(self, arch, params, ops, ann):
    h = self.hyper
    eps = [ann.delta(0)] + [ops.f(ann.x_bar(l)) for l in range(1, arch.L)]
    for _ in range(arch.L - 1):
        eps = [eps[0]] + [down(ops, params, ann, l, eps[l - 1], h.feedback, h.derivative) for l in range(1, arch.L)]
    return eps


def _negated_drive(self, arch, params, ops, ann):
    h = self.hyper
    eps = [ann.delta(0)] + [ops.scale(ops.number(0), ann.x_bar(l)) for l in range(1, arch.L)]
    for _ in range(arch.L - 1):
        eps = [eps[0]] + [ops.scale(ops.number(-1), down(ops, params, ann, l, eps[l - 1], h.feedback, h.derivative))
                          for l in range(1, arch.L)]
    return eps


RPCOneStepShort = _fixed(RelaxedPC, _RPC, "relaxed-pc-one-step-short",
                         "L − 2 steps at γ = 1: the deepest hidden error is still 0.", errors=_one_step_short)
RPCStartAtActivity = _fixed(RelaxedPC, _RPC, "relaxed-pc-start-at-activity",
                            "ε^l_0 = f(x̄^l) instead of 0: at γ = 1 a step forgets the start, and L − 1 steps "
                            "reach layer L − 1 from the clamped output (correct, written unusually).",
                            errors=_start_at_activity)
RPCNegatedDrive = _fixed(RelaxedPC, _RPC, "relaxed-pc-negated-drive",
                         "ε^l ← −B^l(f′ ⊙ ε^{l−1}): the backward error with the wrong sign.", errors=_negated_drive)
RPCLearned = _fixed(RelaxedPC, _RPC, "relaxed-pc-learned-gamma1", "Relaxed PC, γ = 1, L − 1 steps (the control).")


# -- GAIT-prop: exact (every γ) when f is linear and θ orthogonal ---------------------------
_GAIT = GaitHyper(gamma=Fraction(1, 3), inverse="transpose")


def _no_rescale(self, arch, params, ops, alpha):
    """GAIT-prop with m_{l+1} = m_l (no 1/γ per layer)."""
    rule = GaitProp(_GAIT)
    out = rule.updates(arch, params, ops, alpha)
    g = ops.number(_GAIT.gamma)
    for l in range(1, arch.L):                   # undo the 1/γ^l the correct rule applies
        scale = g ** l
        out[("theta", l + 1)] = ops.mat_scale(scale, out[("theta", l + 1)])
        if ("b", l) in out:
            out[("b", l)] = ops.scale(scale, out[("b", l)])
    return out


GaitNoRescale = _fixed(GaitProp, _GAIT, "gait-no-rescale",
                       "The errors below the output are not rescaled by 1/γ per layer: γ^l times too small.",
                       updates=_no_rescale)
GaitTransposeOrth = _fixed(GaitProp, _GAIT, "gait-prop-transpose", "GAIT-prop with V = θᵀ (the control).")
GaitExactOrth = _fixed(GaitProp, GaitHyper(gamma=Fraction(1, 3), inverse="exact"), "gait-prop-exact-inverse",
                       "GAIT-prop with V = θ⁻¹ computed by elimination.")


@dataclass(frozen=True)
class ZooRuleEntry:
    rule: type
    condition: object          # a pcproof.check.hypotheses.Hypothesis, or None
    widths: tuple
    truth: str
    why: str
    activation: str = "uninterpreted"
    kernel_may_say_unknown: str = ""   # a HOLDS the kernel cannot show (and why)

    @property
    def id(self) -> str:
        return f"{self.rule.name}[{getattr(self.condition, 'name', 'nothing')},{','.join(map(str, self.widths))}]"


_T, _ORTH_LIN = C.FEEDBACK_TRANSPOSE, C.both(C.ORTHOGONAL, C.LINEAR)
_RATIONAL = ("Cayley's θ is a rational function: the symbolic difference is 0 only after cancelling "
             "denominators, which the kernel's expansion does not do (tests/test_zoo_rules.py checks it in sympy)")

ZOO_RULES_CATALOG = [
    ZooRuleEntry(ARLearned, _T, (2, 3, 1, 2), HOLDS, "u^l = (θ^l)ᵀ(f′(x̄^{l−1}) ⊙ u^{l−1}) = −∂E/∂f(x̄^l)"),
    ZooRuleEntry(ARManySweeps, _T, (2, 3, 1, 2), HOLDS, "the fixed point is reached in one sweep and kept"),
    ZooRuleEntry(ARSweepFromInput, _T, (2, 3, 1, 2), FAILS, "u^2 = (θ^2)ᵀ(f′ ⊙ f(x̄^1)), not the gradient"),
    ZooRuleEntry(ARSweepFromInput, _T, (2, 3, 1), HOLDS, "one hidden layer: u^1 reads the clamped u^0"),
    ZooRuleEntry(ARDfTwice, _T, (2, 3, 1, 2), FAILS, "Δθ^2 = α f′(x̄^1)² ⊙ (θ^1)ᵀδ^0 f(x̄^2)ᵀ: f′² ≠ f′"),
    ZooRuleEntry(ARUpdateWithoutDf, _T, (2, 3, 1, 2), FAILS, "Δθ^2 lacks f′(x̄^1)"),
    ZooRuleEntry(ARHalfRate, _T, (2, 3, 1, 2), FAILS, "u^1 = (f(x̄^1) + (θ^1)ᵀδ^0)/2"),
    ZooRuleEntry(RPCLearned, _T, (2, 3, 1, 2), HOLDS, "Z-IL's wavefront for fixed predictions: ε^l_l = δ-coordinates"),
    ZooRuleEntry(RPCStartAtActivity, _T, (2, 3, 1, 2), HOLDS, "γ = 1 forgets the start in one step"),
    ZooRuleEntry(RPCOneStepShort, _T, (2, 3, 1, 2), FAILS, "after L − 2 = 1 step ε^2 = 0, so Δθ^3 = 0 ≠ BP's"),
    ZooRuleEntry(RPCNegatedDrive, _T, (2, 3, 1, 2), FAILS, "ε^1 = −(θ^1)ᵀδ^0: Δθ^2 negated"),
    ZooRuleEntry(GaitTransposeOrth, _ORTH_LIN, (2, 2, 2), HOLDS, "Qᵀ(Q y + γδ) = y + γ Qᵀδ: e^1 = Qᵀδ^0 = δ^1",
                 activation="identity", kernel_may_say_unknown=_RATIONAL),
    ZooRuleEntry(GaitNoRescale, _ORTH_LIN, (2, 2, 2), FAILS, "e^1 = γ δ^1 ≠ δ^1 at γ = 1/3", activation="identity"),
    ZooRuleEntry(GaitTransposeOrth, C.LINEAR, (2, 2, 2), FAILS,
                 "θ not orthogonal: θᵀθ y^1 ≠ y^1, and (θᵀθ − I) y^1/γ enters e^1", activation="identity"),
    ZooRuleEntry(GaitExactOrth, C.LINEAR, (2, 2, 2), FAILS,
                 "the exact inverse without orthogonality: e^1 = θ⁻¹δ^0 ≠ θᵀδ^0", activation="identity"),
]


def exact_truth(entry: ZooRuleEntry, seeds=range(6)) -> str:
    """HOLDS or FAILS from the rule's own code in exact rationals (f := poly or identity,
    the condition imposed), at random points; no prover."""
    import random

    from pcproof.model import Architecture, get_activation, random_params
    from pcproof.numbers import RationalOps
    from pcproof.rules import BP, rule_updates
    from pcproof.rules.base import rule_matrices
    rule = entry.rule()
    acts = ("poly", "identity") if entry.activation == "uninterpreted" else (entry.activation,)
    for act in acts:
        arch = Architecture(tuple(entry.widths), get_activation(act), bias=True)
        if entry.condition is not None:
            arch = entry.condition.arch(arch)
        ops = RationalOps(arch.activation)
        for seed in seeds:
            p = random_params(arch, random.Random(seed), matrices=rule_matrices(rule, arch)).map(ops.number)
            if entry.condition is not None:
                p = entry.condition.impose(arch, p, ops)
            alpha = Fraction(1, 10)
            mine, bp = rule_updates(rule, arch, p, ops, alpha), rule_updates(BP(), arch, p, ops, alpha)
            if any(mine[k] != bp[k] for k in bp):
                return FAILS
    return HOLDS
