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
