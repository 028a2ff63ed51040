"""Issue 13, the *approximate* verdict: alignment of a rule's updates with BP's over training
(pcproof.check.align), and IL's approach to BP."""
import json
import math

import numpy as np
import pytest

from pcproof.check.align import Alignment, AlignmentError, compare, measure
from pcproof.rules import BP, ZIL, Rule
from pcproof.rules.bp import ANN

QUICK = dict(seeds=(0, 1), epochs=1, limit=200, checkpoints=4)


class NegBP(Rule):
    """BP with the wrong sign: descends the wrong way (a seeded bug in a rule)."""

    name = "neg-bp"

    def updates(self, arch, params, ops, alpha):
        out = BP().updates(arch, params, ops, alpha)
        return {k: ops.mat_scale(-1.0, v) if k[0] == "theta" else ops.scale(-1.0, v) for k, v in out.items()}


class Raises(Rule):
    name = "raises"

    def updates(self, arch, params, ops, alpha):
        raise ZeroDivisionError("no update today")


class Explodes(Rule):
    """BP times 1e300: the weights overflow after a few updates."""

    name = "explodes"

    def updates(self, arch, params, ops, alpha):
        return {k: v * 1e300 for k, v in BP().updates(arch, params, ops, alpha).items()}


class HalfHidden(Rule):
    """BP's output-layer update, half of BP's update in every other layer."""

    name = "half-hidden"

    def updates(self, arch, params, ops, alpha):
        return {k: v if k == ("theta", 1) else 0.5 * v for k, v in BP().updates(arch, params, ops, alpha).items()}


def test_bp_against_itself_is_cosine_one_error_zero():
    a = measure(BP(), (8,), **QUICK)
    assert a.outcome == "ok" and a.ok
    assert np.all(np.abs(a.cosine - 1.0) < 1e-15) and np.all(a.rel_error == 0.0)   # cos: ⟨a, a⟩/‖a‖² rounds
    assert a.cosine_mean() == pytest.approx([1.0, 1.0], abs=1e-15) and a.rel_error_mean() == [0.0, 0.0]
    assert a.accuracy == a.bp_accuracy                        # the very same run
    assert a.steps[0] == 0 and len(a.steps) == 4
    assert a.cosine.shape == (2, 4, 2)


def test_zil_under_c1_c3_is_bp_to_rounding():
    a = measure(ZIL(), (8, 6), **QUICK)
    assert a.ok
    assert min(a.cosine_mean()) > 1 - 1e-12
    assert max(a.rel_error_mean()) < 1e-12
    assert a.accuracy == pytest.approx(a.bp_accuracy)


def test_a_rule_with_the_wrong_sign_has_negative_cosine():
    a = measure(NegBP(), (8,), **QUICK)
    assert a.cosine[0, 0] == pytest.approx([-1.0, -1.0])      # at the shared initial weights
    assert max(a.cosine_mean()) < 0
    assert min(a.rel_error_mean()) > 1.9                      # ‖−Δ − Δ‖ = 2‖Δ‖


def test_per_layer_measures_tell_layers_apart():
    a = measure(HalfHidden(), (8,), **QUICK)
    assert a.cosine_mean() == pytest.approx([1.0, 1.0])       # scale-free
    assert a.rel_error_mean()[0] < 1e-12
    assert a.rel_error_mean()[1] == pytest.approx(0.5)


def test_compare_conventions_where_a_norm_vanishes():
    z, one = np.zeros((2, 2)), np.ones((2, 2))
    cos, err = compare({("theta", 1): z, ("theta", 2): z, ("theta", 3): one},
                       {("theta", 1): z, ("theta", 2): one, ("theta", 3): z}, 3)
    assert list(cos) == [1.0, 0.0, 0.0]
    assert list(err) == [0.0, 1.0, math.inf]


def test_a_rule_that_raises_is_a_result_not_a_traceback():
    a = measure(Raises(), (8,), **QUICK)
    assert a.outcome == "crashed"
    assert a.status == ["crashed: ZeroDivisionError: no update today"] * 2
    assert a.accuracy == [None, None] and np.all(np.isnan(a.cosine))
    assert "crashed" in a.summary()
    json.dumps(a.to_dict(), allow_nan=False)


def test_a_diverging_rule_is_reported_as_diverged():
    a = measure(Explodes(), (8,), **QUICK)
    assert a.outcome == "diverged"
    assert all(s.startswith("diverged at update") and "non-finite update" in s for s in a.status)
    assert a.accuracy == [None, None]
    assert a.bp_accuracy[0] is not None
    json.dumps(a.to_dict(), allow_nan=False)


def test_a_factory_gets_the_seed():
    seen = []

    def factory(seed):
        seen.append(seed)
        return BP()

    a = measure(factory, 8, seeds=(3, 5), epochs=1, limit=100, checkpoints=2)
    assert seen == [3, 5] and a.ok and a.seeds == [3, 5]


def test_a_rule_with_its_own_matrices_gets_them_drawn_per_seed():
    """A rule declaring matrices (e.g. feedback B^l) reads them from the point; here B^l = 0
    makes every hidden error zero (hidden layers do not learn: cosine 0, error 1)."""

    class ZeroFeedback(Rule):
        name = "zero-feedback"
        drawn = []

        def matrices(self, arch):
            return {"B": {l: (l, l - 1) for l in range(1, arch.L)}}

        def draw_matrices(self, arch, rng):
            self.drawn.append(rng.integers(1 << 30))
            n = arch.widths
            return {"B": {l: np.zeros((n[l], n[l - 1])) for l in range(1, arch.L)}}

        def updates(self, arch, params, ops, alpha):
            ann = ANN(arch, params, ops)
            out = BP.updates_of(ann, alpha)
            for l in range(1, arch.L):
                delta = ops.mul(ops.df(ann.x_bar(l)), ops.matvec(params.matrices["B"][l], ann.delta(l - 1)))
                out[("theta", l + 1)] = ops.mat_scale(alpha, ops.outer(delta, ops.f(ann.x_bar(l + 1))))
            return out

    rule = ZeroFeedback()
    a = measure(rule, (8,), **QUICK)
    assert a.ok and len(set(rule.drawn)) == 2                  # one draw per seed, seed-dependent
    assert a.cosine_mean() == pytest.approx([1.0, 0.0], abs=1e-15) and a.rel_error_mean() == [0.0, 1.0]


def test_json_summary_and_plot(tmp_path):
    a = measure(NegBP(), (8,), **QUICK)
    d = json.loads(json.dumps(a.to_dict(), allow_nan=False))
    assert d["rule"] == "neg-bp" and d["outcome"] == "ok" and d["layers"] == ["θ^1", "θ^2"]
    assert d["settings"]["widths"] == [10, 8, 64] and d["settings"]["dataset"] == "digits"
    assert len(d["cosine"]) == 2 and len(d["cosine"][0]) == 4
    assert d["cosine_mean"] == pytest.approx(a.cosine_mean())
    text = a.summary()
    assert "θ^1" in text and "test accuracy" in text and "BP" in text
    png = a.plot(tmp_path / "neg.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("kw, msg", [
    (dict(widths=(0,)), "positive integers"),
    (dict(widths="abc"), "positive integers"),
    (dict(dataset="mnist"), "unknown dataset"),
    (dict(epochs=0), "epochs"),
    (dict(alpha=-1.0), "alpha"),
    (dict(seeds=()), "seeds"),
    (dict(activation="nope"), "nope"),
    (dict(batch=10_000), "larger than the training set"),
])
def test_bad_arguments_are_one_clear_error(kw, msg):
    args = dict(widths=(8,), epochs=1, limit=100)
    args.update(kw)
    with pytest.raises(AlignmentError, match=msg):
        measure(BP(), **args)


def test_alignment_is_the_documented_type():
    assert isinstance(measure(BP(), (4,), seeds=(0,), epochs=1, limit=40, checkpoints=1), Alignment)
