"""Bugs seeded into Z-IL, each written as a user writes a rule in their own file.

Every class is a complete rule (``Setting(rule=Cls)``).  Its docstring says what is
wrong; *whether* and *where* that makes the rule differ from BP is derived in
:mod:`.entries`, not here.  Notation of docs/notation.md: layer 0 is the output, θ^{l+1}
maps layer l+1 to layer l, Z-IL updates θ^{l+1} at t = l.
"""
from __future__ import annotations

from fractions import Fraction

from pcproof.rules import ZIL, FaZIL, PCN, Rule, equations as eq


def _pcn_rule(base, pcn_class, name, doc):
    """A ``base`` rule whose trajectory is ``pcn_class`` (how a user plugs in a PCN subclass)."""
    def trajectory(self, arch, params, ops, alpha):
        return pcn_class(arch, params, ops, self, alpha, self.steps(arch.L))
    return type(pcn_class.__name__.replace("PCN", ""), (base,), {
        "name": name, "__doc__": doc, "trajectory": trajectory, "__module__": pcn_class.__module__})


# -- signs ---------------------------------------------------------------------------
class NegatedUpdate(ZIL):
    """Δθ^{l+1} = −α ε^l f(x^{l+1})ᵀ: the gate is −1 (gradient ascent)."""
    name = "neg-update"

    def gate(self, pcn, l, t):
        return pcn.ops.number(-1) if t == l else None


class NegatedDrive(ZIL):
    """Bottom-up drive with the wrong sign: x + γ(−ε^l − f'(x) ⊙ (θ^l)ᵀ ε^{l-1})."""
    name = "neg-drive"

    def inference_step(self, pcn, l, t):
        ops = pcn.ops
        below = ops.scale(ops.number(-1), pcn.eps(l - 1, t))
        return eq.inference_step(ops, pcn.gamma, pcn.x(l, t), pcn.eps(l, t), below, pcn.theta(l, t))


class FlippedErrorNodePCN(PCN):
    def eps(self, l, t):
        # ε^l = μ^l − x^l (the error node defined the other way round)
        return self._cached(("eps", l, t), lambda: self.ops.sub(self.mu(l, t), self.x(l, t)))


FlippedErrorNode = _pcn_rule(ZIL, FlippedErrorNodePCN, "flipped-error-node",
                             "Error node ε^l = μ^l − x^l instead of x^l − μ^l (a PCN subclass overriding eps).")


# -- f, f' ---------------------------------------------------------------------------
class FForDf(ZIL):
    """f(x) where f'(x) belongs in the inference step."""
    name = "f-for-df"

    def inference_step(self, pcn, l, t):
        ops, x = pcn.ops, pcn.x(l, t)
        back = ops.mul(ops.f(x), ops.rmatvec(pcn.theta(l, t), pcn.eps(l - 1, t)))
        return ops.add(x, ops.scale(pcn.gamma, ops.sub(back, pcn.eps(l, t))))


class DfOfMinusX(ZIL):
    """f'(−x) where f'(x) belongs (a bug only for activations whose f' is not even)."""
    name = "df-of-minus-x"

    def inference_step(self, pcn, l, t):
        ops, x = pcn.ops, pcn.x(l, t)
        back = ops.mul(ops.df(ops.scale(ops.number(-1), x)), ops.rmatvec(pcn.theta(l, t), pcn.eps(l - 1, t)))
        return ops.add(x, ops.scale(pcn.gamma, ops.sub(back, pcn.eps(l, t))))


class NoDf(ZIL):
    """The f' factor dropped (relaxed-PC style): x + γ(−ε^l + (θ^l)ᵀ ε^{l-1})."""
    name = "no-df"

    def inference_step(self, pcn, l, t):
        ops, x = pcn.ops, pcn.x(l, t)
        back = ops.rmatvec(pcn.theta(l, t), pcn.eps(l - 1, t))
        return ops.add(x, ops.scale(pcn.gamma, ops.sub(back, pcn.eps(l, t))))


class DfAtUnbiasedPrediction(ZIL):
    """f' taken at θ^{l+1} f(x^{l+1}), the prediction without its bias, instead of at x^l."""
    name = "df-at-unbiased-mu"

    def inference_step(self, pcn, l, t):
        ops = pcn.ops
        mu_nob = ops.matvec(pcn.theta(l + 1, t), ops.f(pcn.x(l + 1, t)))
        back = ops.mul(ops.df(mu_nob), ops.rmatvec(pcn.theta(l, t), pcn.eps(l - 1, t)))
        return ops.add(pcn.x(l, t), ops.scale(pcn.gamma, ops.sub(back, pcn.eps(l, t))))


class SquaredPresynapticPCN(PCN):
    def delta_theta(self, l, t):
        if self.gate(l, t) is None:
            return None
        ops = self.ops
        return ops.mat_scale(self.alpha, ops.outer(self.gated_eps(l, t), ops.f(ops.f(self.x(l + 1, t)))))


SquaredPresynaptic = _pcn_rule(ZIL, SquaredPresynapticPCN, "f-twice",
                               "Δθ^{l+1} = α ε^l f(f(x^{l+1}))ᵀ: f applied twice to the presynaptic value.")


# -- transposes and shapes -----------------------------------------------------------
class DroppedTranspose(ZIL):
    """θ^l ε^{l-1} where (θ^l)ᵀ ε^{l-1} belongs (ill-typed unless n_{l-1} = n_l)."""
    name = "dropped-transpose"

    def inference_step(self, pcn, l, t):
        ops, x = pcn.ops, pcn.x(l, t)
        back = ops.mul(ops.df(x), ops.matvec(pcn.theta(l, t), pcn.eps(l - 1, t)))
        return ops.add(x, ops.scale(pcn.gamma, ops.sub(back, pcn.eps(l, t))))


class HandTranspose(ZIL):
    """(θ^l)ᵀ built by hand with one loop bound for both indices (right only for square θ)."""
    name = "hand-transpose"

    def inference_step(self, pcn, l, t):
        ops, x, W = pcn.ops, pcn.x(l, t), pcn.theta(l, t)
        n = len(W)
        Wt = tuple(tuple(W[j][i] for j in range(n)) for i in range(n))
        back = ops.mul(ops.df(x), ops.matvec(Wt, pcn.eps(l - 1, t)))
        return ops.add(x, ops.scale(pcn.gamma, ops.sub(back, pcn.eps(l, t))))


class WidthRatioRate(ZIL):
    """Learning rate scaled by n_l / n_{l+1} ("fan-out normalisation"): 1 on square layers."""
    name = "width-ratio-rate"

    def gate(self, pcn, l, t):
        if t != l:
            return None
        n = len(pcn.params.theta[l + 1])          # rows of θ^{l+1}: n_l
        m = len(pcn.params.theta[l + 1][0])       # columns: n_{l+1}
        return pcn.ops.number(Fraction(n, m))


class ErrorOfLayerAbovePCN(PCN):
    def delta_theta(self, l, t):
        if self.gate(l, t) is None:
            return None
        e = self.eps(l + 1, t) if l + 1 < self.arch.L else self.eps(l, t)
        return eq.weight_update(self.ops, self.alpha, e, self.x(l + 1, t))


ErrorOfLayerAbove = _pcn_rule(ZIL, ErrorOfLayerAbovePCN, "eps-layer-above",
                              "Δθ^{l+1} from ε^{l+1} (the layer above; ε^l for the input-side layer) instead of ε^l.")


class WrongLayerWeights(ZIL):
    """(θ^{l+1})ᵀ ε^{l-1} where (θ^l)ᵀ ε^{l-1} belongs (ill-typed on ragged widths)."""
    name = "wrong-layer-weights"

    def inference_step(self, pcn, l, t):
        return eq.inference_step(pcn.ops, pcn.gamma, pcn.x(l, t), pcn.eps(l, t), pcn.eps(l - 1, t),
                                 pcn.theta(l + 1, t))


# -- time: early, late, stale, after the step ---------------------------------------
class UpdateOneStepLate(ZIL):
    """θ^{l+1} learns at t = l + 1."""
    name = "late-update"

    def gate(self, pcn, l, t):
        return 1 if t == l + 1 else None

    def steps(self, L):
        return L + 1


class UpdateOneStepEarly(ZIL):
    """θ^{l+1} learns at t = l − 1 (so θ^1 never: there is no t = −1)."""
    name = "early-update"

    def gate(self, pcn, l, t):
        return 1 if t == l - 1 else None


class StaleErrorPCN(PCN):
    """Δθ^{l+1} = α ε^l_{t−1} f(x^{l+1}_t)ᵀ: the error node read one step stale (clamped at t = 0)."""

    def delta_theta(self, l, t):
        if self.gate(l, t) is None:
            return None
        return eq.weight_update(self.ops, self.alpha, self.eps(l, max(t - 1, 0)), self.x(l + 1, t))


StaleError = _pcn_rule(ZIL, StaleErrorPCN, "stale-eps", StaleErrorPCN.__doc__)


class ErrorAfterStepPCN(PCN):
    """Δθ^{l+1} = α ε^l_{t+1} f(x^{l+1}_t)ᵀ: the error read after the inference step."""

    def delta_theta(self, l, t):
        if self.gate(l, t) is None:
            return None
        return eq.weight_update(self.ops, self.alpha, self.eps(l, t + 1), self.x(l + 1, t))


ErrorAfterStep = _pcn_rule(ZIL, ErrorAfterStepPCN, "eps-after-step", ErrorAfterStepPCN.__doc__)


class PresynapticAfterStepPCN(PCN):
    """Δθ^{l+1} = α ε^l_t f(x^{l+1}_{t+1})ᵀ: the presynaptic value read after the inference step."""

    def delta_theta(self, l, t):
        if self.gate(l, t) is None:
            return None
        return eq.weight_update(self.ops, self.alpha, self.gated_eps(l, t), self.x(l + 1, t + 1))


PresynapticAfterStep = _pcn_rule(ZIL, PresynapticAfterStepPCN, "presyn-after-step", PresynapticAfterStepPCN.__doc__)


class UpdateBeforeInference(ZIL):
    """The inference step reads θ^l_{t+1}, the weights after this step's update."""
    name = "update-before-inference"

    def inference_step(self, pcn, l, t):
        return eq.inference_step(pcn.ops, pcn.gamma, pcn.x(l, t), pcn.eps(l, t), pcn.eps(l - 1, t),
                                 pcn.theta(l, t + 1))


class PredictionWithNewWeightsPCN(PCN):
    def mu(self, l, t):
        # μ^l_t = θ^{l+1}_{t+1} f(x^{l+1}_t): the prediction made with the weights after step t's update
        return self._cached(("mu", l, t), lambda: eq.prediction(
            self.ops, self.theta(l + 1, t + 1), self.x(l + 1, t), self.b(l, t)))


PredictionWithNewWeights = _pcn_rule(ZIL, PredictionWithNewWeightsPCN, "mu-new-weights",
                                     "μ^l_t computed with θ^{l+1}_{t+1} (update applied before the prediction).")


class IL20(ZIL):
    """Plain IL written as a user would: γ = 1, every layer learns at t = 20."""
    name = "il-20"

    def gate(self, pcn, l, t):
        return 1 if t == 20 else None

    def steps(self, L):
        return 21


class ForgetsLastLayer(ZIL):
    """steps = L − 1: the run stops before the input-side layer's update at t = L − 1."""
    name = "steps-l-minus-1"

    def steps(self, L):
        return L - 1


# -- only deep layers, only past a cap --------------------------------------------------
class DeepLayersDoubled(ZIL):
    """Layers l ≥ 5 learn with 2α (a layer-wise rate typed wrong only past the fifth layer)."""
    name = "deep-doubled"

    def gate(self, pcn, l, t):
        if t != l:
            return None
        return 1 if l < 5 else pcn.ops.number(2)


class DeepBiasForgottenPCN(PCN):
    def delta_b(self, l, t):
        return None if l >= 5 else super().delta_b(l, t)


DeepBiasForgotten = _pcn_rule(ZIL, DeepBiasForgottenPCN, "deep-bias-forgotten",
                              "Δb^l not made for l ≥ 5 (a PCN subclass overriding delta_b).")


class StepCap66(ZIL):
    """steps = min(L, 66): fine up to depth 66, the deepest layers never learn beyond."""
    name = "step-cap-66"

    def steps(self, L):
        return min(L, 66)


class Steps64(ZIL):
    """steps = 64, a constant: extra idle steps for shallow nets, too few past depth 64."""
    name = "steps-64"

    def steps(self, L):
        return 64


# -- tiny differences -------------------------------------------------------------------
class TinyExact(ZIL):
    """Gate 1 + 2^-60, an exact rational: α(1 + 2^-60) for every layer."""
    name = "tiny-exact-2^-60"

    def gate(self, pcn, l, t):
        return pcn.ops.number(1 + Fraction(1, 2**60)) if t == l else None


class TinierExact(ZIL):
    """Gate 1 + 2^-200, an exact rational below 50 significant digits."""
    name = "tiny-exact-2^-200"

    def gate(self, pcn, l, t):
        return pcn.ops.number(1 + Fraction(1, 2**200)) if t == l else None


class TinyFloatGate(ZIL):
    """Gate ``pcn.ops.number(1) + 1e-30``: a Python float in rule code."""
    name = "tiny-float-gate"

    def gate(self, pcn, l, t):
        return pcn.ops.number(1) + 1e-30 if t == l else None


class FloatSplitPCN(PCN):
    def delta_theta(self, l, t):
        if self.gate(l, t) is None:
            return None
        # 0.3α + 0.7α with Python floats: as exact binary values 0.3 + 0.7 = 1 − 2^-54
        a = 0.3 * self.alpha + 0.7 * self.alpha
        return eq.weight_update(self.ops, a, self.gated_eps(l, t), self.x(l + 1, t))


FloatSplit = _pcn_rule(ZIL, FloatSplitPCN, "float-0.3+0.7",
                       "Δθ = (0.3α + 0.7α) ε fᵀ with Python floats 0.3, 0.7.")


# -- biases -------------------------------------------------------------------------------
class ForgottenBiasPCN(PCN):
    def delta_b(self, l, t):
        return None


ForgottenBias = _pcn_rule(ZIL, ForgottenBiasPCN, "forgotten-bias", "Δb is never made (delta_b returns None).")


class BiasSignPCN(PCN):
    def delta_b(self, l, t):
        d = super().delta_b(l, t)
        return None if d is None else self.ops.scale(self.ops.number(-1), d)


BiasSign = _pcn_rule(ZIL, BiasSignPCN, "bias-sign", "Δb^l = −α ε^l.")


class UnbiasedPredictionPCN(PCN):
    def mu(self, l, t):
        # μ^l = θ^{l+1} f(x^{l+1}), the bias forgotten in the prediction
        return self._cached(("mu", l, t), lambda: eq.prediction(self.ops, self.theta(l + 1, t), self.x(l + 1, t)))


UnbiasedPrediction = _pcn_rule(ZIL, UnbiasedPredictionPCN, "mu-without-bias",
                               "The prediction μ^l forgets b^l (the start x^l_0 = x̄^l keeps it).")


class UnbiasedStart(ZIL):
    """x^l_0 from a forward pass that forgets the biases (C1 broken only with biases)."""
    name = "start-without-bias"

    def initial_values(self, pcn):
        ops, x0, prev = pcn.ops, {}, pcn.params.s_in
        for l in range(pcn.arch.L - 1, 0, -1):
            prev = x0[l] = eq.prediction(ops, pcn.params.theta[l + 1], prev)
        return x0


class PerturbedStart(ZIL):
    """x^l_0 = x̄^l + 1/1000 (a "small" warm start that breaks C1)."""
    name = "perturbed-start"

    def initial_values(self, pcn):
        x0 = super().initial_values(pcn)
        ops = pcn.ops
        return {l: tuple(c + ops.number(Fraction(1, 1000)) for c in v) for l, v in x0.items()}


# -- γ ------------------------------------------------------------------------------------
class GammaIgnored(ZIL):
    """The inference step hard-codes γ = 1 (ignores pcn.gamma)."""
    name = "gamma-ignored"

    def inference_step(self, pcn, l, t):
        return eq.inference_step(pcn.ops, pcn.ops.number(1), pcn.x(l, t), pcn.eps(l, t), pcn.eps(l - 1, t),
                                 pcn.theta(l, t))


class RescaledWrongWay(ZIL):
    """Learning rate α γ^l where α / γ^l belongs (the corollary inverted)."""
    name = "rescaled-wrong-way"

    def gate(self, pcn, l, t):
        return pcn.gamma**l if t == l else None


# -- updates() overrides -------------------------------------------------------------------
class DoubledUpdates(ZIL):
    """updates() returns Z-IL's updates doubled."""
    name = "doubled-updates"

    def updates(self, arch, params, ops, alpha):
        return {k: (ops.mat_scale if k[0] == "theta" else ops.scale)(ops.number(2), v)
                for k, v in super().updates(arch, params, ops, alpha).items()}


class WeightDecay(ZIL):
    """updates() adds weight decay: Δθ − λ θ with λ = 1/100."""
    name = "weight-decay"

    def updates(self, arch, params, ops, alpha):
        out = super().updates(arch, params, ops, alpha)
        lam = ops.number(Fraction(-1, 100))
        for k in range(1, arch.L + 1):
            out[("theta", k)] = ops.mat_add(out[("theta", k)], ops.mat_scale(lam, params.theta[k]))
        return out


class DropsFirstWeight(ZIL):
    """updates() forgets the key ("theta", 1): the output layer's update is missing."""
    name = "drops-theta1"

    def updates(self, arch, params, ops, alpha):
        out = super().updates(arch, params, ops, alpha)
        del out[("theta", 1)]
        return out


class OnlyWeights(Rule):
    """A non-PC rule: BP's weight updates, but no bias updates at all (keys missing)."""
    name = "bp-without-bias-keys"

    def __init__(self, gamma=1, init_noise=False, update_offset=0):
        pass

    def updates(self, arch, params, ops, alpha):
        from pcproof.rules import BP
        return {k: v for k, v in BP().updates(arch, params, ops, alpha).items() if k[0] == "theta"}


class ShiftedKeys(ZIL):
    """updates() files the layers' Δθ in reverse order (Δθ^k under the key of θ^{L+1−k})."""
    name = "shifted-keys"

    def updates(self, arch, params, ops, alpha):
        zil = super().updates(arch, params, ops, alpha)
        out, L = dict(zil), arch.L
        for k in range(1, L + 1):
            out[("theta", k)] = zil[("theta", L + 1 - k)]
        return out


# -- value branches -------------------------------------------------------------------------
class SkipIfFirstErrorZero(ZIL):
    """No update when the first error node of the layer is 0 (``if eps[0] == 0``)."""
    name = "skip-if-eps0-zero"

    def gate(self, pcn, l, t):
        if t != l:
            return None
        return None if pcn.eps(l, t)[0] == 0 else 1


FaZIL4 = FaZIL.window(4)


class FaZILNoBias(FaZIL):
    """Fa-Z-IL (t_d = 4) as shipped, run without biases."""
    name = "fa-z-il(t_d=4)"

    def __init__(self, gamma=1, init_noise=False, update_offset=0):
        super().__init__(gamma, init_noise, update_offset, t_d=4)


# -- circular --------------------------------------------------------------------------------
class CircularStep(ZIL):
    """The inference step reads x^l_{t+1}: the value it is defining."""
    name = "circular-step"

    def inference_step(self, pcn, l, t):
        return eq.inference_step(pcn.ops, pcn.gamma, pcn.x(l, t + 1), pcn.eps(l, t), pcn.eps(l - 1, t),
                                 pcn.theta(l, t))


class CircularErrorPCN(PCN):
    def eps(self, l, t):
        # ε^l_t = x^l_{t+1} − μ^l_t, and x^l_{t+1} is computed from ε^l_t
        return self._cached(("eps", l, t), lambda: self.ops.sub(self.x(l, t + 1), self.mu(l, t)))


CircularError = _pcn_rule(ZIL, CircularErrorPCN, "circular-eps",
                          "ε^l_t defined from x^l_{t+1}, which is defined from ε^l_t.")


class RaisingGate(ZIL):
    """A gate that raises (a user's assertion fires for every network)."""
    name = "raising-gate"

    def gate(self, pcn, l, t):
        raise ZeroDivisionError("my schedule is not ready")
