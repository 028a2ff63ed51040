"""Issue 5, item 5: Fa-Z-IL (ϕ-gated Z-IL) makes exactly Z-IL's updates, symbolically and numerically."""
import numpy as np
import pytest
from fractions import Fraction

from pcproof.check.concrete import prove
from pcproof.model import Architecture, get_activation
from pcproof.numbers import NumpyOps
from pcproof.rules import FaZIL
from pcproof.rules.fazil import moved_after_steady
from pcproof.theorem import Setting, get
from pcproof.train import (fazil_detection, init_weights, load_digits_data, make_architecture, point)


def arch(widths, activation="uninterpreted", bias=False):
    return Architecture(tuple(widths), get_activation(activation), bias)


@pytest.mark.parametrize("widths", [(1, 1), (2, 3), (3, 1, 2), (2, 2, 2, 2), (1, 2, 1, 2, 1)])
@pytest.mark.parametrize("activation", ["uninterpreted", "sigmoid"])
@pytest.mark.parametrize("bias", [False, True])
def test_fazil_is_never_proved_from_the_generic_branch(widths, activation, bias):
    """ϕ compares error values, so the symbolic run decides its branches only at the generic
    point: the kernel must not say "proved" (at L = 1 nothing moves late, but ϕ still compares)."""
    v = prove(get("thm-3.2"), arch(widths, activation, bias), Setting(rule=FaZIL.window(4)))
    assert v.verdict in ("refuted", "unknown"), v
    assert "compares symbolic values" in v.note
    if v.verdict == "refuted":   # only exact rationals settle a rule that branches on values
        assert v.counterexample["system"] == "rational"


@pytest.mark.parametrize("widths,activation,bias,equation", [
    # θ = 0 and b¹ ≠ 0: the output error moves the hidden node at t = 1 although BP's δ¹ = 0
    ((1, 1, 1, 1), "identity", True, r"\Delta"),
    # a node whose δ is 0 moves one step late and its gate fires then
    ((2, 1, 2, 1, 2, 2), "identity", False, r"\Delta\theta"),
])
def test_fazil_refuted_where_a_node_moves_late(widths, activation, bias, equation):
    v = prove(get("thm-3.2"), arch(widths, activation, bias), Setting(rule=FaZIL.window(4)))
    assert v.verdict == "refuted", v
    c = v.counterexample
    assert c["system"] == "rational" and c["equation"].startswith(equation)
    assert c["rhs"] != c["lhs"]


@pytest.mark.parametrize("setting", [
    Setting(rule=FaZIL.window(1)),                          # t_d = 1: ϕ also fires after t = l
    Setting(rule=FaZIL.window(4), gamma=Fraction(1, 2)),    # C3 broken
    Setting(rule=FaZIL.window(4), init_noise=True),         # C1 broken
])
def test_fazil_refuted_when_broken(setting):
    v = prove(get("thm-3.2"), arch((2, 2, 2)), setting)
    assert v.verdict == "refuted", v


def test_detector_reading():
    ops = NumpyOps(get_activation("sigmoid"))
    h = [np.array([0.0, 0.0, 1.0, 0.0]), np.array([0.0, 0.0, 1.0, 2.0]), np.array([0.0, 3.0, 1.0, 2.0]),
         np.array([0.0, 3.0, 2.0, 5.0])]
    # t_d = 3, history ε_{t-3..t}: node 0 never moves; node 1 moved at t-1; node 2 steady then moves; node 3 moved at t-2
    assert list(moved_after_steady(ops, h, 3)) == [0, 0, 1, 0]
    assert list(moved_after_steady(ops, h[-2:], 1)) == [0, 0, 1, 1]


def test_gate_fires_exactly_at_t_equals_l():
    """Per error node and example: ϕ^l fires at t = l and nowhere else (t_d = 4, C1, C3)."""
    a = make_architecture(hidden=3, width=5, n_in=7, n_out=4)
    w = init_weights(a, seed=3)
    rng = np.random.default_rng(0)
    p = point(w, rng.standard_normal((6, 7)), rng.standard_normal((6, 4)))
    pcn = FaZIL(t_d=4, steps=8).trajectory(a, p, NumpyOps(a.activation), 1e-3)
    for l in range(a.L):
        for t in range(8):
            g = pcn.gate(l, t)
            assert (g == 1) if t == l else (g is None), (l, t, g)


def test_pluggable_detector():
    calls = []

    def always(ops, history, t_d):
        calls.append(len(history))
        return np.ones_like(history[-1])

    a = make_architecture(hidden=1, width=3, n_in=4, n_out=2)
    rng = np.random.default_rng(1)
    p = point(init_weights(a, seed=1), rng.standard_normal((2, 4)), rng.standard_normal((2, 2)))
    pcn = FaZIL(t_d=2, detector=always).trajectory(a, p, NumpyOps(a.activation), 1e-3)
    assert all(pcn.gate(l, t) == 1 for l in range(2) for t in range(2))
    assert set(calls) == {3}  # ε_{t-2}, ε_{t-1}, ε_t


@pytest.fixture(scope="module")
def data():
    return load_digits_data(limit=200)


@pytest.mark.parametrize("t_d", [2, 4, 16])
def test_fazil_trains_to_zil_weights(data, t_d):
    d = fazil_detection(data, hidden=2, t_d=t_d)
    assert d.equal_to_zil and d.max_diff_to_zil == 0
    assert d.detected == 100.0 and d.elsewhere == 0 and d.nodes == 200 * (10 + 32 + 32)


def test_fazil_td1_fires_elsewhere_and_drifts(data):
    d = fazil_detection(data, hidden=2, t_d=1)
    assert d.detected == 100.0 and d.elsewhere > 0
    assert not d.equal_to_zil and d.max_diff_to_zil > 1e-6
