"""Issue 3: the numeric path (mpmath, 50 digits) agrees with the symbolic one on random
networks — the same rule code run in two number systems."""
import random

import pytest
from hypothesis import given, settings, strategies as st

from pcproof.check.concrete import numeric_instance, symbolic_instance
from pcproof.model import Architecture, get_activation
from pcproof.theorem import Setting, get


@settings(max_examples=15, deadline=None)
@given(widths=st.lists(st.integers(1, 3), min_size=2, max_size=4),
       activation=st.sampled_from(["uninterpreted", "sigmoid", "tanh", "softplus", "poly", "identity"]),
       bias=st.booleans(), seed=st.integers(0, 10**6),
       setting=st.sampled_from([Setting(), Setting(update_offset=1), Setting(init_noise=True)]))
def test_symbolic_value_equals_mpmath_value(widths, activation, bias, seed, setting):
    arch = Architecture(tuple(widths), get_activation(activation), bias)
    thm = get("thm-3.2")
    sym = symbolic_instance(thm, arch, setting)
    point, num = numeric_instance(thm, arch, setting, seed)
    values = {k: v for k, v in point.items() if k != "f"}
    flat = lambda M: [c for row in M for c in (row if isinstance(row, tuple) else (row,))]
    sym_entries, num_entries = [], []
    for key in sym.bp_updates:
        for A, B in ((sym.rule_updates[key], num.rule_updates[key]), (sym.bp_updates[key], num.bp_updates[key])):
            sym_entries += flat(A)
            num_entries += flat(B)
    ctx = num.ops.ctx
    for s, b in zip(sym.ops.evaluate(sym_entries, values, digits=50), num_entries):
        assert abs(ctx.mpf(str(s)) - b) < ctx.mpf(10) ** -40 * (1 + abs(b)), (s, b)
