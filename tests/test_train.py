"""Issue 5, item 6: the reference trainer runs the rules' own code over float64."""
import numpy as np
import pytest

from pcproof.model import Params
from pcproof.numbers import NumpyOps
from pcproof.rules import BP, IL, ZIL
from pcproof.rules.fazil import FaZIL
from pcproof.train import (TrainOps, error_rate, init_weights, load_digits_data, make_architecture, step,
                           train)

RULES = [BP(), ZIL(), IL(gamma=0.1, t_c=20), FaZIL(t_d=4), FaZIL(t_d=1, steps=6), ZIL(gamma=0.5),
         IL(gamma=1, t_c=3)]


@pytest.fixture(scope="module")
def data():
    return load_digits_data(limit=200)


def test_digits_data(data):
    assert data.x_train.shape == (200, 64) and data.y_train.shape == (200, 10)
    assert data.x_test.shape[1] == 64 and np.all(data.y_test.sum(axis=1) == 1)
    assert abs(data.x_train.mean()) < 1e-9  # standardised on the training split


@pytest.mark.parametrize("hidden", [1, 2, 3])
@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.name}-{getattr(r, 'gamma', '')}-{getattr(r, 'n_steps', '')}")
def test_trainops_computes_what_numpyops_computes(data, hidden, rule):
    """TrainOps' re-use and known zeros change no number (beyond summation order in uᵀv)."""
    arch = make_architecture(hidden=hidden)
    w = init_weights(arch, seed=hidden)
    xb, yb = data.x_train[:20], data.y_train[:20]
    fast = step(rule, arch, w, xb, yb, TrainOps(arch.activation))
    slow = rule.updates(arch, Params(w.theta, None, xb, yb), NumpyOps(arch.activation), 1e-3)
    assert fast.keys() == slow.keys()
    for k in slow:
        np.testing.assert_allclose(fast[k], slow[k], rtol=1e-12, atol=1e-18)


@pytest.mark.parametrize("hidden", [1, 3])
def test_zil_and_fazil_train_like_bp_and_il_does_not(data, hidden):
    arch = make_architecture(hidden=hidden)
    w0 = init_weights(arch, seed=0)
    runs = {r.name: train(r, arch, data, w0, epochs=2) for r in (BP(), ZIL(), FaZIL(), IL())}
    moved = w0.distance(runs["bp"].weights)
    assert moved > 1e-3
    for name in ("z-il", "fa-z-il"):
        assert runs[name].weights.distance(runs["bp"].weights) <= 1e-12 * moved
        assert runs[name].test_error == runs["bp"].test_error
    assert runs["il"].weights.distance(runs["bp"].weights) > 1e-3 * moved


def test_bp_learns_digits(data):
    arch = make_architecture(hidden=1)
    run = train(BP(), arch, data, init_weights(arch, seed=0), alpha=0.01, epochs=5)
    assert run.updates == 5 * 10 and len(run.test_error) == 6
    assert run.test_error[-1] < run.test_error[0] - 20


def test_same_seed_same_run_other_seed_other_run(data):
    arch = make_architecture(hidden=1)
    w0 = init_weights(arch, seed=0)
    a, b, c = (train(ZIL(), arch, data, w0, seed=s) for s in (0, 0, 1))
    assert a.weights.distance(b.weights) == 0 and a.weights.distance(c.weights) > 0
    assert error_rate(arch, w0, data, TrainOps(arch.activation)) == a.test_error[0]


@pytest.mark.parametrize("hidden", [1, 3])
@pytest.mark.parametrize("rule", [BP(), ZIL(), ZIL(gamma=0.5), IL(gamma=0.1, t_c=5), ZIL(init_noise=True)],
                         ids=["bp", "z-il", "z-il-gamma", "il", "z-il-noise"])
def test_replayed_steps_compute_what_the_rule_computes(data, hidden, rule):
    """Record on one batch, replay on others: each replay equals the rule run over plain NumpyOps."""
    from pcproof.train import noise_extra
    arch = make_architecture(hidden=hidden)
    ops = TrainOps(arch.activation)
    rng = np.random.default_rng(0)
    for i in range(4):
        w = init_weights(arch, seed=i)
        xb, yb = data.x_train[20 * i:20 * i + 20], data.y_train[20 * i:20 * i + 20]
        extra = noise_extra(arch, 0.1, 20, rng) if getattr(rule, "init_noise", False) else None
        fast = step(rule, arch, w, xb, yb, ops, extra=extra)
        slow = rule.updates(arch, Params(w.theta, None, xb, yb, extra or {}), NumpyOps(arch.activation), 1e-3)
        for k in slow:
            np.testing.assert_allclose(fast[k], slow[k], rtol=1e-12, atol=1e-18)
    (tape,) = ops._tapes.values()
    assert tape.ok and tape.checked


def test_rules_that_read_the_errors_are_never_replayed(data):
    arch = make_architecture(hidden=2)
    ops = TrainOps(arch.activation)
    for i in range(3):
        step(FaZIL(), arch, init_weights(arch, seed=i), data.x_train[:20], data.y_train[:20], ops)
    assert not ops._tapes


# -- issue 12, item 5: efficient activation forms and the compiled replay --------------------
import dataclasses
from fractions import Fraction

import mpmath
import sympy as sp

from pcproof.model import get_activation
from pcproof.model.activations import BUILTIN, _array_form, _forms, array_form, x as X_SYM

ACTIVATIONS = ["sigmoid", "tanh", "identity", "softplus", "poly"]
POINTS = np.concatenate([np.linspace(-40, 40, 161), np.random.default_rng(0).normal(0, 3, 200), [0.0, -0.0, 1e-300]])


def _exact(expr):
    """expr at each point, from the sympy expression in 40-digit mpmath (the reference)."""
    fn = sp.lambdify(X_SYM, expr, modules="mpmath")
    with mpmath.workdps(40):
        return np.array([float(fn(mpmath.mpf(float(p)))) for p in POINTS])


def _close(got, want):
    """Float64 round-off: relative, or absolute near f' = 0 (s(1 − s) is 0 once s rounds to 1)."""
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("expr", list(_forms(np)), ids=str)
def test_each_known_form_is_its_sympy_expression_and_derivative(expr):
    form = _forms(np)[expr]
    _close(form.f(POINTS), _exact(expr))
    d_exact = _exact(sp.diff(expr, X_SYM))
    _close(form.df(POINTS), d_exact)
    if form.df_from_f is not None:
        _close(form.df_from_f(form.f(POINTS)), d_exact)


@pytest.mark.parametrize("text", ["expr:x + x**2/2", "expr:x**3/3 - 2*x + 1", "expr:3", "expr:exp(x)/(1 + exp(x))",
                                  "expr:sqrt(2)*x"])
def test_polynomials_and_other_expressions_fall_back_to_their_sympy_expression(text):
    act = get_activation(text)
    form = array_form(act)
    assert form.kind == ("lambdify" if "exp(" in text else "polynomial")
    pts = POINTS[np.abs(POINTS) < 30]
    for fn, expr in ((form.f, act.expr), (form.df, act.dexpr)):
        want = sp.lambdify(X_SYM, expr, modules="mpmath")
        with mpmath.workdps(40):
            want = np.array([float(want(mpmath.mpf(float(p)))) for p in pts])
        np.testing.assert_allclose(fn(pts), want, rtol=1e-13, atol=1e-15)
        assert fn(pts).shape == pts.shape


def test_builtin_activations_get_their_efficient_forms():
    kinds = {name: array_form(a).kind for name, a in BUILTIN.items()}
    assert kinds == {"uninterpreted": "tanh", "sigmoid": "sigmoid", "tanh": "tanh", "identity": "identity",
                     "softplus": "softplus", "poly": "polynomial"}
    # the pattern is the expression, not the name: a user's sigmoid is recognised, a changed one is not
    assert array_form(get_activation("expr:1/(1 + exp(-x))")).kind == "sigmoid"
    assert _array_form(1 / (1 + sp.exp(-2 * X_SYM))).kind == "lambdify"


def test_sigmoid_derivative_reuses_f_of_the_same_array(data):
    """One BP step evaluates σ once per layer: σ'(x̄) is s(1 − s) of the cached s = σ(x̄)."""
    arch = make_architecture(hidden=3)
    ops = TrainOps(arch.activation)
    calls = []
    ops.form = dataclasses.replace(ops.form, f=lambda v: calls.append("f") or array_form(arch.activation).f(v),
                                   df=lambda v: calls.append("df") or array_form(arch.activation).df(v))
    step(BP(), arch, init_weights(arch), data.x_train[:20], data.y_train[:20], ops, replay=False)
    assert calls == ["f"] * arch.L


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("rule", [BP(), ZIL(), IL(gamma=0.1, t_c=3)], ids=["bp", "z-il", "il"])
def test_every_activation_trains_as_numpyops_computes(data, activation, rule):
    """Eager and replayed steps, with biases, for each activation's form (identity: known ones)."""
    arch = make_architecture(hidden=2, activation=activation, bias=True)
    ops = TrainOps(arch.activation)
    rng = np.random.default_rng(1)
    for i in range(3):
        w = init_weights(arch, seed=i)
        w.b = {l: rng.normal(size=v.shape) for l, v in w.b.items()}
        xb, yb = data.x_train[20 * i:20 * i + 20], data.y_train[20 * i:20 * i + 20]
        fast = step(rule, arch, w, xb, yb, ops)
        slow = rule.updates(arch, Params(w.theta, w.b, xb, yb), NumpyOps(arch.activation), 1e-3)
        assert fast.keys() == slow.keys()
        for k in slow:
            np.testing.assert_allclose(fast[k], slow[k], rtol=1e-12, atol=1e-18)
    assert all(t.ok and t.checked for t in ops._tapes.values())


@pytest.mark.parametrize("rule", [BP(), ZIL(), ZIL(gamma=0.5), IL(gamma=0.1, t_c=4)], ids=["bp", "z-il", "z-il-gamma", "il"])
def test_replay_is_bitwise_the_eager_step_and_touches_no_array_it_does_not_own(data, rule):
    """The compiled replay writes dead temporaries in place: never an input, never an earlier
    step's updates, never a live value (each replay equals the rule run eagerly, bit for bit)."""
    arch = make_architecture(hidden=3)
    ops = TrainOps(arch.activation)
    w = init_weights(arch, seed=0)
    kept = []
    for i in range(5):
        xb, yb = data.x_train[20 * i:20 * i + 20].copy(), data.y_train[20 * i:20 * i + 20].copy()  # own their data
        before = [a.copy() for a in (*w.theta.values(), xb, yb)]
        out = step(rule, arch, w, xb, yb, ops)
        eager = step(rule, arch, w, xb, yb, ops, replay=False)
        assert all(np.array_equal(out[k], eager[k]) for k in eager)
        assert all(np.array_equal(a, b) for a, b in zip((*w.theta.values(), xb, yb), before))
        kept.append((out, {k: v.copy() for k, v in out.items()}))
        w = w.apply(out)
    assert all(np.array_equal(o[k], c[k]) for o, c in kept for k in c)
    (tape,) = ops._tapes.values()
    assert tape.ok and tape.checked


def test_a_changed_batch_shape_dtype_or_rule_is_not_replayed_from_the_old_tape(data):
    arch = make_architecture(hidden=2)
    ops, rule, w = TrainOps(arch.activation), ZIL(), init_weights(arch, seed=0)

    def check(xb, yb):
        fast = step(rule, arch, w, xb, yb, ops)
        slow = rule.updates(arch, Params(w.theta, None, xb, yb), NumpyOps(arch.activation), 1e-3)
        for k in slow:
            np.testing.assert_allclose(fast[k], slow[k], rtol=1e-6 if xb.dtype == np.float32 else 1e-12, atol=1e-18)

    for _ in range(3):
        check(data.x_train[:20], data.y_train[:20])
    check(data.x_train[:7], data.y_train[:7])                    # another batch size
    check(data.x_train[:20].astype(np.float32), data.y_train[:20])  # another dtype
    rule.gamma = Fraction(1, 2)                                  # the rule itself changed
    check(data.x_train[:20], data.y_train[:20])
    check(data.x_train[20:40], data.y_train[20:40])


def test_a_step_with_biases_is_not_replayed_from_a_tape_without(data):
    arch = make_architecture(hidden=2)
    ops, rule, w = TrainOps(arch.activation), BP(), init_weights(arch, seed=0)
    xb, yb = data.x_train[:20], data.y_train[:20]
    for _ in range(3):
        assert set(step(rule, arch, w, xb, yb, ops)) == {("theta", k) for k in w.theta}
    w.b = {l: np.ones(n) for l, n in enumerate(arch.widths[:-1])}
    assert set(step(rule, arch, w, xb, yb, ops)) == {("theta", k) for k in w.theta} | {("b", l) for l in w.b}
