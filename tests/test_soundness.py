"""Issue 9: every verdict of the concrete prover is about the code the user wrote.

Each rule here is one the issue found mis-judged; each test fails if the fix it checks
is reverted (an override not run, a branch decided at the generic point, a float rounded,
a refutation taken on a tolerance)."""
from fractions import Fraction

import pytest

from pcproof.check.concrete import prove
from pcproof.model import Architecture, get_activation
from pcproof.rules import BP, RuleError, ZIL
from pcproof.rules import equations as eq
from pcproof.theorem import Setting, TheoremError, get

THM = get("thm-3.2")


def arch(widths=(2, 3, 2), activation="uninterpreted", bias=False):
    return Architecture(tuple(widths), get_activation(activation), bias)


class Doubled(ZIL):
    """Z-IL with its updates doubled, written as an override of ``updates()``."""
    def updates(self, arch, params, ops, alpha):
        out = super().updates(arch, params, ops, alpha)
        return {k: ops.mat_scale(ops.number(2), v) if k[0] == "theta" else ops.scale(ops.number(2), v)
                for k, v in out.items()}


class WeightDecay(ZIL):
    """Z-IL plus a weight-decay term −λθ on every weight."""
    def updates(self, arch, params, ops, alpha):
        out = super().updates(arch, params, ops, alpha)
        decay = ops.number(Fraction(1, 100))
        return {k: ops.mat_add(v, ops.mat_scale(-decay, params.theta[k[1]])) if k[0] == "theta" else v
                for k, v in out.items()}


class ForgetsBias(ZIL):
    """Z-IL that never updates the biases (it leaves the keys out)."""
    def updates(self, arch, params, ops, alpha):
        return {k: v for k, v in super().updates(arch, params, ops, alpha).items() if k[0] == "theta"}


class TinyFloatGate(ZIL):
    """A gate of 1 + 1e-30 computed in the number system: not 1 as exact binary values."""
    def gate(self, pcn, l, t):
        return pcn.ops.number(1) + 1e-30 if t == l else None


class FloatSplitRate(ZIL):
    """0.3α + 0.7α: as exact binary values 0.3 + 0.7 = 1 − 2⁻⁵⁴, not 1."""
    def gate(self, pcn, l, t):
        one = pcn.ops.number(1)
        return one * 0.3 + one * 0.7 if t == l else None


class PythonFloatOne(ZIL):
    """1 + 1e-30 in *Python* floats is exactly 1.0: this rule is Z-IL."""
    def gate(self, pcn, l, t):
        return 1 + 1e-30 if t == l else None


class IllConditionedZero(ZIL):
    """BP's own updates plus 1 ⊗ 10³⁰ (σ′(s) − (σ(s) − σ(s)²)), zero in real arithmetic."""
    def updates(self, arch, params, ops, alpha):
        out = BP().updates(arch, params, ops, alpha)
        s = ops.f(params.s_in)
        zero = ops.sub(ops.df(params.s_in), ops.sub(s, ops.mul(s, s)))
        k = ("theta", arch.L)
        ones = tuple(ops.number(1) for _ in out[k])
        out[k] = ops.mat_add(out[k], ops.outer(ones, ops.scale(ops.number(10**30), zero)))
        return out


class DerivativeAtMinusX(ZIL):
    """f′(−x) where f′(x) belongs: invisible for an odd f (tanh′ is even), wrong for softplus."""
    def inference_step(self, pcn, l, t):
        ops, x = pcn.ops, pcn.x(l, t)
        minus_x = ops.scale(ops.number(-1), x)
        drive = ops.sub(ops.mul(ops.df(minus_x), ops.rmatvec(pcn.theta(l, t), pcn.eps(l - 1, t))), pcn.eps(l, t))
        return ops.add(x, ops.scale(pcn.gamma, drive))


class BranchesOnError(ZIL):
    """Learns only where the error is non-zero: the same as Z-IL except where ε = 0 …
    which is exactly where it differs (it skips the bias update of an error-free layer, harmless,
    but it also tests equality on symbolic values)."""
    def gate(self, pcn, l, t):
        if t != l:
            return None
        return 1 if pcn.eps(l, t)[0] != 0 else None


class Circular(ZIL):
    """x^l_{t+1} defined through itself."""
    def inference_step(self, pcn, l, t):
        return pcn.x(l, t + 1)


class StaleEps(ZIL):
    """Reads ε^l_{t-1}: before the run starts at t = 0."""
    def inference_step(self, pcn, l, t):
        return eq.inference_step(pcn.ops, pcn.gamma, pcn.x(l, t), pcn.eps(l, t - 1), pcn.eps(l - 1, t),
                                 pcn.theta(l, t))


@pytest.mark.parametrize("rule", [Doubled, WeightDecay], ids=["doubled", "weight-decay"])
def test_updates_overrides_are_run(rule):
    v = prove(THM, arch(), Setting(rule=rule))
    assert v.verdict == "refuted", v


def test_a_forgotten_bias_update_is_a_zero_update_not_a_crash():
    v = prove(THM, arch(bias=True), Setting(rule=ForgetsBias))
    assert v.verdict == "refuted" and v.counterexample["equation"].startswith(r"\Delta b")


@pytest.mark.parametrize("rule", [TinyFloatGate, FloatSplitRate], ids=["1+1e-30", "0.3a+0.7a"])
def test_floats_mean_their_exact_binary_value(rule):
    v = prove(THM, arch(), Setting(rule=rule))
    assert v.verdict == "refuted", v
    assert v.counterexample["system"] in ("rational", "arb")
    assert "exact binary values" in v.note


def test_a_float_that_is_exactly_one_is_one():
    assert prove(THM, arch(), Setting(rule=PythonFloatOne)).verdict == "proved"


def test_an_ill_conditioned_zero_is_never_refuted():
    v = prove(THM, arch((2, 2), "sigmoid"), Setting(rule=IllConditionedZero))
    assert v.verdict == "unknown", v


def test_non_odd_activation_bugs_are_refuted_with_another_activation():
    v = prove(get("thm-3.1"), arch((2, 2, 2, 2)), Setting(rule=DerivativeAtMinusX, update_offset=0))
    # under C1 ε^l_t = 0 until t = l, so the drive's f′ matters only once inference moves on:
    # Theorem 3.1 at L = 3 reads ε^2_2, which went through one step with ε^1_1 ≠ 0
    assert v.verdict == "refuted", v
    assert v.counterexample["f"] != "tanh"


def test_branches_on_values_are_never_proved():
    v = prove(THM, arch(), Setting(rule=BranchesOnError))
    assert v.verdict in ("refuted", "unknown") and "compares symbolic values" in v.note


@pytest.mark.parametrize("rule,text", [(Circular, "circular"), (StaleEps, "before the run starts")])
def test_rules_that_cannot_run_are_user_errors(rule, text):
    with pytest.raises(RuleError, match=text):
        prove(THM, arch(), Setting(rule=rule))


def test_a_rule_that_is_not_a_pc_rule_goes_through_the_same_door():
    assert prove(THM, arch(bias=True), Setting(rule=BP)).verdict == "proved"
    with pytest.raises(TheoremError):
        prove(THM, arch(), Setting(rule=BP, gamma=Fraction(1, 2)))


def test_a_verdict_is_true_only_when_proved():
    assert prove(THM, arch())
    assert not prove(THM, arch(), Setting(gamma=Fraction(1, 2)))
