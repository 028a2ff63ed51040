"""Six bugs seeded into Z-IL, each a PCRule subclass passed through Setting(rule=…):
both provers must refute every one, and neither may ever say "proved".

The all-depth prover builds its z3 step relations by running the rule's own
``inference_step`` and ``gate`` (pcproof.check.induction), so a bug changes what
z3 sees: the query that the correct rule passes is no longer unsat."""
import pytest

from pcproof.check.concrete import prove as prove_concrete
from pcproof.check.induction import prove_all_depths
from pcproof.model import Architecture, get_activation
from pcproof.rules import ZIL, equations as eq
from pcproof.theorem import Setting, get


class FlippedEpsSign(ZIL):
    """The bottom-up error enters with the wrong sign: x + γ(−ε^l − f'(x) ⊙ (θ^l)ᵀ ε^{l-1})."""
    name = "bug-eps-sign"

    def inference_step(self, pcn, l, t):
        ops = pcn.ops
        return eq.inference_step(ops, pcn.gamma, pcn.x(l, t), pcn.eps(l, t),
                                 ops.scale(ops.number(-1), pcn.eps(l - 1, t)), pcn.theta(l, t))


class FInsteadOfDf(ZIL):
    """f(x) where f'(x) belongs: x + γ(−ε^l + f(x) ⊙ (θ^l)ᵀ ε^{l-1})."""
    name = "bug-f-for-df"

    def inference_step(self, pcn, l, t):
        ops, x = pcn.ops, pcn.x(l, t)
        drive = ops.sub(ops.mul(ops.f(x), ops.rmatvec(pcn.theta(l, t), pcn.eps(l - 1, t))), pcn.eps(l, t))
        return ops.add(x, ops.scale(pcn.gamma, drive))


class DroppedTranspose(ZIL):
    """θ^l ε^{l-1} where (θ^l)ᵀ ε^{l-1} belongs (only well-typed for square widths)."""
    name = "bug-no-transpose"

    def inference_step(self, pcn, l, t):
        ops, x = pcn.ops, pcn.x(l, t)
        drive = ops.sub(ops.mul(ops.df(x), ops.matvec(pcn.theta(l, t), pcn.eps(l - 1, t))), pcn.eps(l, t))
        return ops.add(x, ops.scale(pcn.gamma, drive))


class GammaMissing(ZIL):
    """γ on the own error only: x + (−γ ε^l + f'(x) ⊙ (θ^l)ᵀ ε^{l-1})."""
    name = "bug-gamma-missing"

    def inference_step(self, pcn, l, t):
        ops, x = pcn.ops, pcn.x(l, t)
        drive = ops.sub(eq.backward(ops, x, pcn.theta(l, t), pcn.eps(l - 1, t)),
                        ops.scale(pcn.gamma, pcn.eps(l, t)))
        return ops.add(x, drive)


class UpdateOneStepLate(ZIL):
    """θ^{l+1} learns at t = l + 1 instead of t = l."""
    name = "bug-late-update"

    def gate(self, pcn, l, t):
        return 1 if t == l + 1 else None

    def steps(self, L):
        return L + 1


class WrongLayerWeights(ZIL):
    """(θ^{l+1})ᵀ ε^{l-1} where (θ^l)ᵀ ε^{l-1} belongs (square widths)."""
    name = "bug-wrong-layer"

    def inference_step(self, pcn, l, t):
        return eq.inference_step(pcn.ops, pcn.gamma, pcn.x(l, t), pcn.eps(l, t), pcn.eps(l - 1, t),
                                 pcn.theta(l + 1, t))


#: each bug and a theorem it breaks (γ missing is invisible at γ = 1, so the corollary)
BUGS = [
    (FlippedEpsSign, "thm-3.1"),
    (FInsteadOfDf, "thm-3.1"),
    (DroppedTranspose, "thm-3.1"),
    (GammaMissing, "cor-gamma"),
    (UpdateOneStepLate, "thm-3.2"),
    (WrongLayerWeights, "thm-3.1"),
]
U = get_activation("uninterpreted")


@pytest.mark.parametrize("rule,theorem", BUGS, ids=lambda x: getattr(x, "name", x))
def test_both_provers_refute_the_bug(rule, theorem):
    thm, setting = get(theorem), Setting(rule=rule)
    v = prove_all_depths(thm, setting, activation=U, timeout=60)
    assert v.verdict == "refuted", v.note
    c = v.counterexample
    assert c["depth"] >= 1 and len(c["widths"]) == c["depth"] + 1
    # z3 itself did not accept the buggy step: some query is not unsat
    assert any(g[p]["z3"] != "unsat" for g in v.lemmas for p in ("base", "step", "direct") if p in g)
    # the concrete prover, on its own, at the reported smallest depth and at depth 3 (square widths)
    for arch in (Architecture(tuple(c["widths"]), U), Architecture((2, 2, 2, 2), U)):
        cv = prove_concrete(thm, arch, setting)
        assert cv.verdict == "refuted", (arch.widths, cv.note)


@pytest.mark.parametrize("rule,theorem", BUGS, ids=lambda x: getattr(x, "name", x))
def test_the_reported_depth_is_the_smallest(rule, theorem):
    """Below the depth the all-depth prover names, the concrete prover finds no counterexample."""
    thm, setting = get(theorem), Setting(rule=rule)
    v = prove_all_depths(thm, setting, activation=U, timeout=60)
    for L in range(1, v.counterexample["depth"]):
        for n in (1, 2):
            assert prove_concrete(thm, Architecture((n,) * (L + 1), U), setting).verdict == "proved"


def test_the_correct_rule_is_proved_by_the_same_path():
    """Control: the unbugged Z-IL through Setting(rule=…) is proved (so the tests above can fail)."""
    for name in ("thm-3.1", "thm-3.2", "cor-gamma"):
        assert prove_all_depths(get(name), Setting(rule=ZIL), activation=U).verdict == "proved"


# ---------------------------------------------------------------------------------
# bugs the all-depth prover used to prove (issue 9): it must now never say "proved"
# ---------------------------------------------------------------------------------
class DoubledUpdates(ZIL):
    """Z-IL's updates doubled, through the documented Rule.updates contract."""
    name = "bug-doubled-updates"

    def updates(self, arch, params, ops, alpha):
        u = super().updates(arch, params, ops, alpha)
        return {k: ops.mat_scale(2, v) if k[0] == "theta" else ops.scale(2, v) for k, v in u.items()}


class WeightDecay(ZIL):
    """A weight-decay term added to every update: Δθ − θ/100."""
    name = "bug-weight-decay"

    def updates(self, arch, params, ops, alpha):
        u = super().updates(arch, params, ops, alpha)
        return {k: ops.mat_add(v, ops.mat_scale(ops.number(-1) / 100, params.theta[k[1]])) if k[0] == "theta" else v
                for k, v in u.items()}


class CappedSteps(ZIL):
    """The run is cut at 7 steps: θ^8 never learns from depth 8 on (beyond a small search)."""
    name = "bug-step-cap"

    def steps(self, L):
        return min(L, 7)


class ReadsNewPresynaptic(ZIL):
    """The inference step reads the layer above *after* its step: x^{l+1}_{t+1}."""
    name = "bug-new-presynaptic"

    def inference_step(self, pcn, l, t):
        return eq.inference_step(pcn.ops, pcn.gamma, pcn.x(l, t), pcn.eps(l, t), pcn.eps(l - 1, t),
                                 pcn.theta(l, t)) if l + 1 == pcn.arch.L else \
            pcn.ops.add(super().inference_step(pcn, l, t), pcn.ops.sub(pcn.x(l + 1, t + 1), pcn.x(l + 1, t)))


NEVER_PROVED = [DoubledUpdates, WeightDecay, CappedSteps, ReadsNewPresynaptic, UpdateOneStepLate]


@pytest.mark.parametrize("rule", NEVER_PROVED, ids=lambda r: r.name)
def test_the_all_depth_prover_never_proves_a_bug(rule):
    v = prove_all_depths(get("thm-3.2"), Setting(rule=rule), activation=U, timeout=60, max_refute_depth=2)
    assert v.verdict in ("refuted", "unknown"), v.note
    if rule is CappedSteps:     # the horizon lemma's model names depth 8, where it is refuted
        assert v.verdict == "refuted" and v.counterexample["depth"] == 8
