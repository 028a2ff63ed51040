"""Rules that make exactly BP's updates, written the unusual ways a researcher might.

Why each is correct is derived in :mod:`.entries` (docs/notation.md, wavefront lemma: under
C1, x^l_t = x̄^l and ε^l_t = 0 for t < l, so anything that differs from Z-IL only
where ε^l_t = 0 changes nothing).
"""
from __future__ import annotations

from fractions import Fraction

from pcproof.rules import ZIL, PCN, equations as eq

from .mutants import _pcn_rule


class ReorderedSums(ZIL):
    """x^l_{t+1} = (γ f'(x) ⊙ (θ^l)ᵀ ε^{l-1} − γ ε^l) + x, and Δθ = (α ε) f(x)ᵀ: terms reordered, α moved in."""
    name = "reordered-sums"

    def inference_step(self, pcn, l, t):
        ops, x, g = pcn.ops, pcn.x(l, t), pcn.gamma
        back = ops.mul(ops.rmatvec(pcn.theta(l, t), pcn.eps(l - 1, t)), ops.df(x))
        return ops.add(ops.sub(ops.scale(g, back), ops.scale(g, pcn.eps(l, t))), x)


class ReorderedSumsPCN(PCN):
    def delta_theta(self, l, t):
        if self.gate(l, t) is None:
            return None
        ops = self.ops
        return ops.outer(ops.scale(self.alpha, self.gated_eps(l, t)), ops.f(self.x(l + 1, t)))


ReorderedSums = _pcn_rule(ReorderedSums, ReorderedSumsPCN, "reordered-sums", ReorderedSums.__doc__)


class SplitRatePCN(PCN):
    """Two updates of α/2 at the same step t = l, for weights and biases."""

    def delta_theta(self, l, t):
        if self.gate(l, t) is None:
            return None
        ops, half = self.ops, self.alpha * self.ops.number(Fraction(1, 2))
        e, x = self.gated_eps(l, t), self.x(l + 1, t)
        return ops.mat_add(eq.weight_update(ops, half, e, x), eq.weight_update(ops, half, e, x))

    def delta_b(self, l, t):
        if self.params.b is None or self.gate(l, t) is None:
            return None
        ops, half = self.ops, self.alpha * self.ops.number(Fraction(1, 2))
        e = self.gated_eps(l, t)
        return ops.add(eq.bias_update(ops, half, e), eq.bias_update(ops, half, e))


SplitRate = _pcn_rule(ZIL, SplitRatePCN, "split-rate", SplitRatePCN.__doc__)


class IllConditionedZeroPCN(PCN):
    """Δθ = α (ε + 10³⁰ (f'(x^l) − (f(x^l) − f(x^l)²))) f(x^{l+1})ᵀ: for the sigmoid the added
    term is 0 in real arithmetic (σ' = σ − σ²), computed along two routes."""

    def delta_theta(self, l, t):
        if self.gate(l, t) is None:
            return None
        ops, x = self.ops, self.x(l, t)
        fx = ops.f(x)
        zero = ops.sub(ops.df(x), ops.sub(fx, ops.mul(fx, fx)))
        e = ops.add(self.gated_eps(l, t), ops.scale(ops.number(10**30), zero))
        return eq.weight_update(ops, self.alpha, e, self.x(l + 1, t))


IllConditionedZero = _pcn_rule(ZIL, IllConditionedZeroPCN, "ill-conditioned-zero", IllConditionedZeroPCN.__doc__)


class RescaledZIL(ZIL):
    """docs/examples/rescaled_zil.py: α_l = α / γ^l (the corollary: BP for every γ)."""
    name = "z-il, alpha/gamma^l"

    def gate(self, pcn, l, t):
        return pcn.ops.number(1) / pcn.gamma**l if t == self.update_step(l) else None


class UpdatesViaTrajectory(ZIL):
    """updates() overridden: runs the trajectory itself and reads Δθ^{l+1}, Δb^l at t = l."""
    name = "updates-via-trajectory"

    def updates(self, arch, params, ops, alpha):
        pcn = self.trajectory(arch, params, ops, alpha)
        out = {}
        for l in range(arch.L):
            out[("theta", l + 1)] = pcn.delta_theta(l, l)
            if params.b is not None:
                out[("b", l)] = pcn.delta_b(l, l)
        return out


class GammaTwoOverTwo(ZIL):
    """γ fixed in the constructor as Fraction(2, 2) (= 1)."""
    name = "gamma-2/2"

    def __init__(self, gamma=1, init_noise=False, update_offset=0):
        super().__init__(Fraction(2, 2), init_noise, update_offset)


class FlippedLeak(ZIL):
    """x + γ(+ε^l + f'(x) ⊙ (θ^l)ᵀ ε^{l-1}): the leak term's sign flipped — harmless, ε^l_t = 0 for t < l."""
    name = "flipped-leak"

    def inference_step(self, pcn, l, t):
        ops, x = pcn.ops, pcn.x(l, t)
        drive = ops.add(eq.backward(ops, x, pcn.theta(l, t), pcn.eps(l - 1, t)), pcn.eps(l, t))
        return ops.add(x, ops.scale(pcn.gamma, drive))


class DfAtPrediction(ZIL):
    """f'(μ^l_t) for f'(x^l_t) — harmless: x^l_t = μ^l_t wherever the drive is not 0 before t = l."""
    name = "df-at-mu"

    def inference_step(self, pcn, l, t):
        ops = pcn.ops
        back = ops.mul(ops.df(pcn.mu(l, t)), ops.rmatvec(pcn.theta(l, t), pcn.eps(l - 1, t)))
        return ops.add(pcn.x(l, t), ops.scale(pcn.gamma, ops.sub(back, pcn.eps(l, t))))


class PresynapticBeforeStepPCN(PCN):
    """Δθ^{l+1} = α ε^l_t f(x^{l+1}_{t−1})ᵀ (clamped at t = 0): layer l+1 has not moved by t = l."""

    def delta_theta(self, l, t):
        if self.gate(l, t) is None:
            return None
        return eq.weight_update(self.ops, self.alpha, self.gated_eps(l, t), self.x(l + 1, max(t - 1, 0)))


PresynapticBeforeStep = _pcn_rule(ZIL, PresynapticBeforeStepPCN, "presyn-before-step",
                                  PresynapticBeforeStepPCN.__doc__)


class SkipZeroUpdate(ZIL):
    """A value branch that is harmless: skip the update when the whole error vector is 0."""
    name = "skip-zero-update"

    def gate(self, pcn, l, t):
        if t != l:
            return None
        return None if all(c == 0 for c in pcn.eps(l, t)) else 1


class FloatHalvesPCN(PCN):
    """Δθ = (0.5α + 0.5α) ε fᵀ with Python floats: 0.5 is exact in binary."""

    def delta_theta(self, l, t):
        if self.gate(l, t) is None:
            return None
        return eq.weight_update(self.ops, 0.5 * self.alpha + 0.5 * self.alpha, self.gated_eps(l, t),
                                self.x(l + 1, t))


FloatHalves = _pcn_rule(ZIL, FloatHalvesPCN, "float-halves", FloatHalvesPCN.__doc__)


class ExtraIdleSteps(ZIL):
    """Inference runs L + 5 steps; nothing learns after t = L − 1."""
    name = "extra-idle-steps"

    def steps(self, L):
        return L + 5


class InlineErrorPCN(PCN):
    """Δθ^{l+1} = α (x^l − θ^{l+1} f(x^{l+1}) − b^l) f(x^{l+1})ᵀ: the error node recomputed inline."""

    def delta_theta(self, l, t):
        if self.gate(l, t) is None:
            return None
        ops = self.ops
        pred = ops.matvec(self.theta(l + 1, t), ops.f(self.x(l + 1, t)))
        if self.params.b is not None:
            pred = ops.add(pred, self.b(l, t))
        return eq.weight_update(ops, self.alpha, ops.sub(self.x(l, t), pred), self.x(l + 1, t))


InlineError = _pcn_rule(ZIL, InlineErrorPCN, "inline-error", InlineErrorPCN.__doc__)


class CancellingSignsPCN(PCN):
    """Two sign errors that cancel: the rate is −α and the error is taken as μ − x."""

    def delta_theta(self, l, t):
        if self.gate(l, t) is None:
            return None
        ops = self.ops
        wrong_way = ops.sub(self.mu(l, t), self.x(l, t))
        return eq.weight_update(ops, ops.number(-1) * self.alpha, wrong_way, self.x(l + 1, t))


CancellingSigns = _pcn_rule(ZIL, CancellingSignsPCN, "cancelling-signs", CancellingSignsPCN.__doc__)
