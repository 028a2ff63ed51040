"""Issue 3: the concrete prover proves the paper's statements and refutes their ablations."""
from fractions import Fraction

import pytest

from pcproof.check.concrete import numeric_instance, prove
from pcproof.model import Architecture, get_activation
from pcproof.numbers import MpmathOps
from pcproof.rules import BP, ZIL
from pcproof.theorem import Setting, get, gamma as GAMMA

ACTIVATIONS = ["uninterpreted", "sigmoid", "tanh", "identity", "softplus", "poly"]
SHAPES = [(1, 1), (2, 3), (3, 1, 2), (2, 2, 2, 2), (1, 3, 2, 2, 1, 2)]  # widths n_0 … n_L


def arch(widths, activation="uninterpreted", bias=False):
    return Architecture(tuple(widths), get_activation(activation), bias)


@pytest.mark.parametrize("theorem", ["thm-3.1", "thm-3.2", "cor-gamma"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("bias", [False, True])
def test_theorems_proved_for_every_activation(theorem, activation, bias):
    for widths in SHAPES[1:4]:
        v = prove(get(theorem), arch(widths, activation, bias))
        assert v.verdict == "proved", (widths, v)
        assert v.counterexample is None and v.checked > 0


@pytest.mark.parametrize("widths", SHAPES)
def test_thm_3_2_at_several_depths_and_widths(widths):
    v = prove(get("thm-3.2"), arch(widths, bias=True))
    assert v.verdict == "proved"
    # every entry of every Δθ^{l+1} and Δb^l was compared
    n = widths
    assert v.checked == sum(n[l] * n[l + 1] + n[l] for l in range(len(n) - 1))


def test_deep_network_proved():
    v = prove(get("thm-3.2"), Architecture.make(get_activation("uninterpreted"), depth=24, width=3))
    assert v.verdict == "proved" and v.depth == 24


def _recheck(theorem, a, setting, cex):
    """Recompute the counterexample's two sides from its own point, outside the kernel:
    the same witness point, the named activation, exact rationals or balls at the stated digits."""
    from pcproof.check.concrete import _gamma_at, witness_point
    from pcproof.numbers import RationalOps
    from pcproof.numbers.arb import ArbOps
    from pcproof.theorem import Instance
    act = get_activation(cex["f"])
    concrete = Architecture(a.widths, act, a.bias)
    params, rng = witness_point(concrete, setting, cex["seed"])
    g = _gamma_at(get(theorem), setting, rng)
    ops = RationalOps(act) if cex["system"] == "rational" else ArbOps(act, cex["working_digits"])
    inst = Instance(concrete, ops, params.map(ops.number), setting, ops.number(g), ops.number(Fraction(1, 10)))
    eq = next(e for e in get(theorem).claim(inst) if e.label == cex["equation"])
    idx = [int(i) for i in cex["entry"].strip("[]").split("][")]
    lhs, rhs = eq.lhs, eq.rhs
    for i in idx:
        lhs, rhs = lhs[i], rhs[i]
    return lhs, rhs


@pytest.mark.parametrize("theorem,setting", [
    ("thm-3.2", Setting(gamma=Fraction(1, 2))),
    ("thm-3.1", Setting(gamma=Fraction(1, 2))),
    ("thm-3.2", Setting(update_offset=1)),
    ("thm-3.2", Setting(update_offset=2)),
    ("thm-3.2", Setting(init_noise=True)),
    ("thm-3.1", Setting(init_noise=True)),
    ("cor-gamma", Setting(init_noise=True)),
])
@pytest.mark.parametrize("activation", ["uninterpreted", "sigmoid"])
def test_ablations_refuted_with_rechecked_counterexample(theorem, setting, activation):
    a = arch((2, 2, 2, 2), activation)
    v = prove(get(theorem), a, setting)
    assert v.verdict == "refuted", v
    cex = v.counterexample
    lhs, rhs = _recheck(theorem, a, setting, cex)
    d = lhs - rhs
    # rigorously different: an exact non-zero rational, or a ball that excludes 0
    assert (d != 0) if cex["system"] == "rational" else not d.contains(0), "the two sides must really differ"
    # a value for every symbol of the network
    assert {"gamma", "alpha"} <= set(cex["point"]) and any(k.startswith("theta") for k in cex["point"])
    assert v.exit_code == 1


def test_gamma_half_refutes_thm_3_2_but_proves_the_corollary():
    a = arch((2, 3, 2, 2))
    assert prove(get("thm-3.2"), a, Setting(gamma=Fraction(1, 2))).verdict == "refuted"
    assert prove(get("cor-gamma"), a, Setting(gamma=Fraction(1, 2))).verdict == "proved"
    assert prove(get("cor-gamma"), a, Setting(gamma=GAMMA)).verdict == "proved"


def test_single_layer_network_is_immune_to_the_ablations():
    # L = 1 has no hidden layer: no inference happens, so timing and noise change nothing.
    a = arch((2, 3))
    for s in (Setting(update_offset=3), Setting(init_noise=True), Setting(gamma=Fraction(1, 2))):
        assert prove(get("thm-3.2"), a, s).verdict == "proved"


def test_timeout_is_unknown_never_proved():
    v = prove(get("thm-3.2"), Architecture.make(get_activation("uninterpreted"), depth=200, width=6), timeout=0.05)
    assert v.verdict == "unknown" and "timed out" in v.note and v.exit_code == 3


def test_a_broken_rule_is_refuted():
    class SignFlip(ZIL):  # ε with the wrong sign in the inference step
        def inference_step(self, pcn, l, t):
            ops = pcn.ops
            x = pcn.x(l, t)
            drive = ops.add(ops.mul(ops.df(x), ops.rmatvec(pcn.theta(l, t), pcn.eps(l - 1, t))), pcn.eps(l, t))
            return ops.add(x, ops.scale(pcn.gamma, drive))

    # under C1 ε^l_t = 0 before t = l, so the wrong sign of ε only shows once inference moves on
    v = prove(get("thm-3.2"), arch((2, 2, 2, 2)), Setting(rule=SignFlip, update_offset=1))
    assert v.verdict == "refuted"
    # but with both signs the C1/C2/C3 statement still holds: ε^l_t = 0 until t = l
    assert prove(get("thm-3.2"), arch((2, 2, 2, 2)), Setting(rule=SignFlip)).verdict == "proved"


def test_user_rule_in_its_own_file(tmp_path):
    import importlib.util
    from pathlib import Path
    src = Path(__file__).parent.parent / "docs" / "examples" / "rescaled_zil.py"
    spec = importlib.util.spec_from_file_location("rescaled_zil", src)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    a = arch((2, 2, 3, 2), "sigmoid", bias=True)
    for g in (Fraction(1, 2), Fraction(3), GAMMA):
        assert prove(get("thm-3.2"), a, Setting(rule=mod.RescaledZIL, gamma=g)).verdict == "proved"
    # and plain Z-IL at the same γ is not BP
    assert prove(get("thm-3.2"), a, Setting(gamma=Fraction(1, 2))).verdict == "refuted"
