"""Seeded bugs in the zoo rules (FA, DFA), with the truth derived by hand *under the
condition* each rule is exact under (pcproof.rules.zoo): ``HOLDS`` — the rule's updates
equal BP's at every point once the condition is imposed; ``FAILS`` — some point differs.

The judge must say "exact under the condition" exactly for the HOLDS entries; a mutant
that FAILS must come out "not BP even under" it, with a counterexample.  The truth is
cross-checked in exact rationals by :func:`exact_truth` (the rule's own code with the
condition imposed, at random and degenerate rational points, a polynomial f), outside the
judge.  tests/test_zoo.py runs them.
"""
from __future__ import annotations

from dataclasses import dataclass

from pcproof.check import hypotheses as C
from pcproof.rules import equations as eq
from pcproof.rules.bp import ANN
from pcproof.rules.zoo.dfa import DFA
from pcproof.rules.zoo.fa import FA, feedback_updates

from .entries import FAILS, HOLDS


# -- FA mutants --------------------------------------------------------------------------
class FAWithF(FA):
    """δ^l = f(x̄^l) ⊙ B^l δ^{l−1}: f where f′ belongs."""
    name = "fa-f-for-df"

    def errors(self, arch, params, ops, ann):
        B, delta = params.matrices["B"], {0: eq.error(ops, params.s_out, ann.x_bar(0))}
        for l in range(1, arch.L):
            delta[l] = ops.mul(ops.f(ann.x_bar(l)), ops.matvec(B[l], delta[l - 1]))
        return delta


class FAFlippedError(FA):
    """δ^0 = x̄^0 − s_out: every update has the wrong sign."""
    name = "fa-flipped-error"

    def errors(self, arch, params, ops, ann):
        B, delta = params.matrices["B"], {0: eq.error(ops, ann.x_bar(0), params.s_out)}
        for l in range(1, arch.L):
            delta[l] = ops.mul(ops.df(ann.x_bar(l)), ops.matvec(B[l], delta[l - 1]))
        return delta


class FANoFPresynaptic(FA):
    """Δθ^{l+1} = α δ^l (x̄^{l+1})ᵀ: the presynaptic activity without f."""
    name = "fa-no-f-presynaptic"

    def updates(self, arch, params, ops, alpha):
        ann = ANN(arch, params, ops)
        delta = self.errors(arch, params, ops, ann)
        return {("theta", l + 1): eq.linear_update(ops, alpha, delta[l], ann.x_bar(l + 1)) for l in range(arch.L)}


class FADeepestNoDf(FA):
    """The deepest hidden layer (l = L−1) forgets f′ (shows only with two hidden layers)."""
    name = "fa-deepest-no-df"

    def errors(self, arch, params, ops, ann):
        delta = super().errors(arch, params, ops, ann)
        if arch.L >= 3:
            l = arch.L - 1
            delta[l] = ops.matvec(params.matrices["B"][l], delta[l - 1])
        return delta


class FAStaleFeedback(FA):
    """δ^2 is doubled (a feedback gain applied twice; shows only with two hidden layers)."""
    name = "fa-doubled-feedback"

    def errors(self, arch, params, ops, ann):
        delta = super().errors(arch, params, ops, ann)
        if arch.L >= 3:
            delta[2] = ops.scale(ops.number(2), delta[2])
        return delta


# -- DFA mutants -------------------------------------------------------------------------
class DFAWithF(DFA):
    """δ^l = f(x̄^l) ⊙ B^l δ^0 (wrong even when f is linear: f(x̄) ≠ f′(x̄) = 1)."""
    name = "dfa-f-for-df"

    def errors(self, arch, params, ops, ann):
        B, delta = params.matrices["B"], {0: eq.error(ops, params.s_out, ann.x_bar(0))}
        for l in range(1, arch.L):
            delta[l] = ops.mul(ops.f(ann.x_bar(l)), ops.matvec(B[l], delta[0]))
        return delta


class DFAHalfOutput(DFA):
    """The output layer learns at half rate (Δθ^1 = α/2 δ^0 f(x̄^1)ᵀ)."""
    name = "dfa-half-output"

    def updates(self, arch, params, ops, alpha):
        out = super().updates(arch, params, ops, alpha)
        out[("theta", 1)] = ops.mat_scale(ops.number(1) / 2, out[("theta", 1)])
        return out


# -- correct, written unusually ----------------------------------------------------------
class FAHybridFirst(FA):
    """Layer 1 uses θ^1ᵀ itself, deeper layers B^l: still exact under B = θᵀ."""
    name = "fa-hybrid-first"

    def errors(self, arch, params, ops, ann):
        delta = super().errors(arch, params, ops, ann)
        if arch.L >= 2:
            delta[1] = eq.backward(ops, ann.x_bar(1), params.theta[1], delta[0])
            for l in range(2, arch.L):
                delta[l] = ops.mul(ops.df(ann.x_bar(l)), ops.matvec(params.matrices["B"][l], delta[l - 1]))
        return delta


class FAViaShared(FA):
    """FA through feedback_updates with the errors recomputed in a different order."""
    name = "fa-reordered"

    def updates(self, arch, params, ops, alpha):
        ann = ANN(arch, params, ops)
        delta = self.errors(arch, params, ops, ann)
        out, _ = feedback_updates(arch, params, ops, alpha, {l: delta[l] for l in reversed(range(arch.L))})
        return out


@dataclass(frozen=True)
class ZooMutant:
    rule: type
    condition: object
    truth: str
    why: str

    @property
    def id(self) -> str:
        return f"{self.rule.name}[{self.condition.name}]"


ZOO_CATALOG = [
    ZooMutant(FAWithF, C.FEEDBACK_TRANSPOSE, FAILS, "f(x̄) ≠ f′(x̄) for a generic f: δ^1 differs from BP's"),
    ZooMutant(FAFlippedError, C.FEEDBACK_TRANSPOSE, FAILS, "every update negated"),
    ZooMutant(FANoFPresynaptic, C.FEEDBACK_TRANSPOSE, FAILS, "x̄ ≠ f(x̄) for a generic f"),
    ZooMutant(FADeepestNoDf, C.FEEDBACK_TRANSPOSE, FAILS, "δ^{L−1} lacks f′(x̄^{L−1}), which is not 1"),
    ZooMutant(FAStaleFeedback, C.FEEDBACK_TRANSPOSE, FAILS, "δ^2 doubled"),
    ZooMutant(DFAWithF, C.both(C.FEEDBACK_CHAIN, C.LINEAR), FAILS, "f(x̄) = x̄ ≠ 1 = f′(x̄) under f linear"),
    ZooMutant(DFAHalfOutput, C.both(C.FEEDBACK_CHAIN, C.LINEAR), FAILS, "Δθ^1 halved"),
    ZooMutant(FA, C.FEEDBACK_TRANSPOSE, HOLDS, "B = θᵀ makes FA's recursion BP's"),
    ZooMutant(FAHybridFirst, C.FEEDBACK_TRANSPOSE, HOLDS, "θ^1ᵀ = B^1 under the condition"),
    ZooMutant(FAViaShared, C.FEEDBACK_TRANSPOSE, HOLDS, "the same sums in another order"),
    ZooMutant(DFA, C.both(C.FEEDBACK_CHAIN, C.LINEAR), HOLDS,
              "f′ = 1 and B^l = (θ^1⋯θ^l)ᵀ: BP's δ^l = (θ^1⋯θ^l)ᵀ δ^0"),
]


def exact_truth(entry: ZooMutant, widths, seeds=range(6)) -> str:
    """HOLDS or FAILS from the rule's own code in exact rationals (f := poly or identity,
    the condition imposed), at random points and at the same points with θ^1 = 0; no prover."""
    import random
    from fractions import Fraction

    from pcproof.model import Architecture, get_activation, random_params
    from pcproof.numbers import RationalOps
    from pcproof.rules import BP
    from pcproof.rules.base import rule_matrices
    rule = entry.rule()
    for act in ("poly", "identity"):
        arch = entry.condition.arch(Architecture(tuple(widths), get_activation(act)))
        ops = RationalOps(arch.activation)
        for seed in seeds:
            p = random_params(arch, random.Random(seed), matrices=rule_matrices(rule, arch)).map(ops.number)
            p = entry.condition.impose(arch, p, ops)
            alpha = Fraction(1, 10)
            mine, bp = rule.updates(arch, p, ops, alpha), BP().updates(arch, p, ops, alpha)
            if any(mine[k] != bp[k] for k in bp):
                return FAILS
    return HOLDS
