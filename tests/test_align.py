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
    assert len(set(a.status)) == 1 and a.status[0].startswith("crashed: rule test_align.py:")
    assert "ZeroDivisionError: no update today" in a.status[0]
    assert a.accuracy == [None, None] and np.all(np.isnan(a.cosine))
    assert "crashed" in a.summary()
    assert a.headline() == a.status[0]
    json.dumps(a.to_dict(), allow_nan=False)


def test_updates_of_the_wrong_shape_are_a_crash_of_the_rule():
    class Transposed(Rule):
        name = "transposed"

        def updates(self, arch, params, ops, alpha):
            return {k: v.T for k, v in BP().updates(arch, params, ops, alpha).items()}

    a = measure(Transposed(), (8,), **QUICK)
    assert a.outcome == "crashed" and "has shape" in a.status[0]


def test_an_error_inside_pcproof_is_raised_not_reported_as_the_rules(monkeypatch):
    """A bug in pcproof's own code must never read as a measurement of the rule."""
    import pcproof.check.align as align
    monkeypatch.setattr(align, "compare", math.sqrt)          # raises TypeError inside pcproof
    with pytest.raises(TypeError):
        measure(BP(), (8,), **QUICK)


def test_a_diverging_rule_is_reported_as_diverged():
    a = measure(Explodes(), (8,), **QUICK)
    assert a.outcome == "diverged"
    assert all(s.startswith("diverged at update") and "non-finite update" in s for s in a.status)
    assert a.accuracy == [None, None]
    assert a.bp_accuracy[0] is not None
    json.dumps(a.to_dict(), allow_nan=False)


def test_bp_diverging_at_the_learning_rate_gives_no_accuracy():
    """At α = 1e300 BP's own run overflows: its accuracy is missing, not the ~9 % of nan outputs."""
    a = measure(ZIL(), (8,), seeds=(0,), epochs=1, limit=200, checkpoints=2, alpha=1e300)
    assert a.bp_accuracy == [None]
    assert "BP itself diverged" in a.summary()


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
    assert a.headline().startswith("cos -1.000 / -1.000, rel. error 2 / 2 (θ^1 / θ^2); accuracy ")
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


# -- IL's output precision (Whittington & Bogacz 2017) and its limits ------------------------------
def test_il_output_precision_descends_the_precision_weighted_energy():
    """IL(output_precision=π) runs inference on, and learns from, F_π = ½π‖ε^0‖² + ½Σ_{l≥1}‖ε^l‖²
    (W&B's energy with the hidden precisions 1): x^l_1 = x^l_0 − γ ∂F_π/∂x^l at t = 0, and
    Δθ^{l+1} = −α ∂F_π/∂θ^{l+1} at t_c — checked against sympy's derivatives."""
    import random
    from fractions import Fraction

    import mpmath
    import sympy as sp

    from pcproof.model import Architecture, get_activation, symbolic_params
    from pcproof.numbers import SymbolicOps
    from pcproof.rules import IL, equations as eq

    pi, gamma, alpha = Fraction(1, 3), Fraction(1, 2), Fraction(1, 5)
    arch = Architecture((2, 3, 2, 2), get_activation("tanh"))
    ops = SymbolicOps(arch.activation, atoms=False)
    P = symbolic_params(arch)
    L = arch.L
    xs = {0: P.s_out, L: P.s_in}
    for l in range(1, L):
        xs[l] = tuple(sp.Symbol(f"x{l}_{i}") for i in range(arch.widths[l]))
    eps = {l: eq.error(ops, xs[l], eq.prediction(ops, P.theta[l + 1], xs[l + 1])) for l in range(L)}
    F = sp.Rational(1, 2) * sp.Rational(pi.numerator, pi.denominator) * sum(sp.sympify(e) ** 2 for e in eps[0]) \
        + sp.Rational(1, 2) * sum(sp.sympify(e) ** 2 for l in range(1, L) for e in eps[l])
    rng = random.Random(3)
    syms = sorted(F.free_symbols, key=str)
    at = {s: sp.Rational(rng.randint(-12, 12), 8) for s in syms}

    def close(a, b):
        with mpmath.workdps(40):
            fa, fb = (sp.lambdify(syms, sp.sympify(e), "mpmath") for e in (a, b))
            vals = [mpmath.mpf(at[s].p) / at[s].q for s in syms]
            return abs(fa(*vals) - fb(*vals)) < mpmath.mpf("1e-30")

    g = sp.Rational(gamma.numerator, gamma.denominator)
    a = sp.Rational(alpha.numerator, alpha.denominator)
    run = IL(gamma=gamma, t_c=1, output_precision=pi).trajectory(arch, P, ops, alpha)
    x0 = {l: tuple(sp.sympify(v) for v in run.x(l, 0)) for l in range(1, L)}
    at0 = {xs[l][i]: x0[l][i] for l in range(1, L) for i in range(arch.widths[l])}
    for l in range(1, L):                     # the inference step from t = 0
        for i, xi in enumerate(xs[l]):
            want = (xi - g * sp.diff(F, xi)).subs(at0, simultaneous=True)
            assert close(run.x(l, 1)[i], want)
    learn = IL(gamma=gamma, t_c=0, output_precision=pi)  # learning at t_c = 0, from x_0
    upd = learn.updates(arch, P, ops, alpha)
    for l in range(L):
        for i, row in enumerate(P.theta[l + 1]):
            for j, w in enumerate(row):
                assert close(upd[("theta", l + 1)][i][j], (-a * sp.diff(F, w)).subs(at0, simultaneous=True))


def test_il_output_precision_one_is_plain_il_and_must_be_positive():
    import numpy as np
    from pcproof.model import Architecture, get_activation
    from pcproof.numbers import NumpyOps
    from pcproof.rules import IL, rule_updates
    from pcproof.train import init_weights, point

    arch = Architecture((3, 4, 5), get_activation("tanh"))
    rng = np.random.default_rng(0)
    p = point(init_weights(arch, 0), rng.normal(size=(2, 5)), rng.normal(size=(2, 3)))
    ops = NumpyOps(arch.activation)
    a, b = (rule_updates(r, arch, p, ops, 0.1) for r in (IL(t_c=5), IL(t_c=5, output_precision=1)))
    assert all(np.array_equal(a[k], b[k]) for k in a)
    for bad in (0, -1.0):
        with pytest.raises(ValueError, match="output_precision"):
            IL(output_precision=bad)


@pytest.fixture(scope="module")
def limits():
    from pcproof.check.align import il_limits
    return il_limits((8,), batches=1, limit=100, steps=(1, 4, 16, 64, 256),
                     precisions=(1.0, 1e-1, 1e-2, 1e-3, 1e-4), scales=(1.0, 1e-1, 1e-2, 1e-3, 1e-4),
                     weak_precision=1e-3)


def test_il_approaches_bp_as_the_output_precision_weakens_at_first_order(limits):
    sw = {(s.knob, s.fixed.get("precision")): s for s in limits.sweeps}[("precision", None)]
    e = sw.rel_error
    assert all(b < a for a, b in zip(e, e[1:]))                      # monotone on a fixed seed
    assert sw.order == pytest.approx(1.0, abs=0.05) and sw.reaches_bp
    assert sw.residual < 1e-3
    assert "→ BP as π_0 → 0" in sw.limit()


def test_the_first_order_is_ils_not_rounding(limits):
    """mpmath agrees with float64 at the smallest π_0, and carries the order on 1000× further,
    where float64 has only rounding left."""
    sw = next(s for s in limits.sweeps if s.knob == "precision")
    near, far = sw.crosscheck
    assert near["mpmath"] == pytest.approx(near["float64"], rel=1e-3)
    assert far["value"] == pytest.approx(1e-3 * near["value"])
    assert far["mpmath"] / near["mpmath"] == pytest.approx(1e-3, rel=0.05)


def test_a_small_output_error_alone_is_not_the_limit(limits):
    sw = next(s for s in limits.sweeps if s.knob == "scale")
    assert not sw.reaches_bp and abs(sw.order) < 0.05
    assert sw.rel_error[-1] > 0.3 * sw.rel_error[0]                 # levels off well away from 0
    assert sw.limit().startswith("not BP")


def test_more_inference_steps_alone_level_off_at_the_equilibrium_error(limits):
    plain, weak = (s for s in limits.sweeps if s.knob == "steps")
    assert plain.fixed["precision"] == 1.0 and not plain.reaches_bp and plain.rel_error[-1] > 0.1
    assert weak.fixed["precision"] == 1e-3 and not weak.reaches_bp
    assert weak.rel_error[-1] < 1e-2 * weak.rel_error[0]            # falls …
    prec = next(s for s in limits.sweeps if s.knob == "precision")
    floor = prec.rel_error[prec.values.index(1e-3)]
    assert weak.limit_value == pytest.approx(floor, rel=1e-2)         # … to IL's equilibrium error at π_0


def test_il_limits_table_json_and_figure(limits, tmp_path):
    d = json.loads(json.dumps(limits.to_dict(), allow_nan=False))
    assert [s["knob"] for s in d["sweeps"]] == ["steps", "precision", "scale", "steps"]
    text = limits.table()
    assert "π_0 → 0" in text and "order" in text
    head = limits.headline()
    assert "π_0 → 0: → BP at order 0.9" in head or "π_0 → 0: → BP at order 1.0" in head
    assert "s → 0: not BP" in head and "t_c → ∞: not BP" in head and "t_c → ∞ at π_0 = 0.001: not BP" in head
    assert d["headline"] == head
    png = limits.plot(tmp_path / "il.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("kw, msg", [
    (dict(precisions=(1.0, 0.0)), "precisions"),
    (dict(scales=()), "scales"),
    (dict(steps=(1, -1)), "steps"),
    (dict(gamma=0), "gamma"),
    (dict(batches=0), "batches"),
    (dict(weak_precision=-1e-3), "weak_precision"),
])
def test_il_limits_bad_arguments_are_one_clear_error(kw, msg):
    from pcproof.check.align import il_limits
    with pytest.raises(AlignmentError, match=msg):
        il_limits((4,), limit=40, **kw)


def test_module_command_line(capsys, tmp_path):
    from pcproof.check.align import main
    assert main(["measure", "--rule", "foo"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --rule must be") and err.count("\n") == 1
    assert main(["measure", "--rule", str(tmp_path / "none.py") + ":X"]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["measure", "--rule", "bp", "--widths", "4", "--epochs", "1", "--limit", "60", "--seeds", "0",
                 "--json", "--plot", str(tmp_path / "bp.png")]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["rule"] == "bp" and d["rel_error_mean"] == [0.0, 0.0]
    assert (tmp_path / "bp.png").exists()
