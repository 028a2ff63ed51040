"""Activation relaxation, relaxed PC and GAIT-prop (pcproof.rules.zoo): each rule's defining
equation against calculus or its paper's special case, the conditions and orders that make
it BP (all decided by the kernel: orders in a knob run the rule in Taylor series,
pcproof.numbers.taylor, whose arithmetic is checked against sympy's series here), the seeded
bugs of tests/catalog/zoo_rules.py, and seeded bugs that flip an order."""
from __future__ import annotations

import random
from dataclasses import replace
from fractions import Fraction

import pytest
import sympy as sp

from catalog.entries import FAILS, HOLDS
from catalog.zoo_rules import GaitNoRescale, ZOO_RULES_CATALOG, exact_truth
from pcproof import kernel
from pcproof.check import hypotheses as C
from pcproof.check.judge import judge_condition, judge_knob_order, prove_updates
from pcproof.model import Architecture, get_activation, random_params, symbolic_params
from pcproof.numbers import RationalOps
from pcproof.check.judge import KNOB_WITNESS_ACTIVATION as KNOB_WITNESS
from pcproof.numbers.taylor import EPS, TaylorOps
from pcproof.rules import BP, rule_updates
from pcproof.rules.bp import ANN
from pcproof.rules.base import rule_matrices
from pcproof.check.zoo import ZOO
from pcproof.rules.zoo.ar import AR
from pcproof.rules.zoo.gaitprop import GaitProp
from pcproof.rules.zoo.relaxed_pc import RelaxedPC

ALPHA = Fraction(1, 10)


# -- the package's Taylor system (pcproof.numbers.taylor): f unknown, f⁻¹ its inverse ---------
U = get_activation("uninterpreted")


def _entries(updates):
    out = []
    for k in sorted(updates):
        v = updates[k]
        out += [c for row in v for c in row] if isinstance(v[0], tuple) else list(v)
    return out


def arch(widths, act="uninterpreted", bias=True):
    return Architecture(tuple(widths), get_activation(act), bias=bias)


def knob(name="gamma", base=None, widths=None, at=None, build=None, max_order=3, symbol="γ"):
    return C.Knob(name, f"the knob {name}", name, symbol, at=at or (lambda e: e), base=base, widths=widths,
                  build=build, max_order=max_order)


F = sp.Function("F")


def plain(ops, v):
    """A constant series of the Taylor system as a sympy expression in F, F′ (sympy's own
    derivatives of one unknown function: what differentiating a composition gives)."""
    return ops.unfolded(ops.tidy(v).coeff(0), F).doit()


def order_of(rule, widths, k, act="uninterpreted"):
    j = judge_knob_order(rule, arch(widths, act), k, timeout=120)
    return j, (j.order or {}).get("k"), (j.order or {}).get("departs_at")


# -- activation relaxation -------------------------------------------------------------------
def test_ar_relaxes_to_the_gradient_with_respect_to_each_layers_activity():
    """Defining equation (AR Sec. 2): one sweep at η = 1 puts u^l = −∂E/∂f(x̄^l), computed
    here by sympy's own differentiation of E through the network, F unknown."""
    ops = TaylorOps(U)
    a = arch((2, 2, 2, 2))
    p = symbolic_params(a, ())
    pt = p.map(ops.number)
    ann = ANN(a, pt, ops)
    u = AR(eta=1, steps=1).relaxed(a, pt, ops, ann)
    h = {l: sp.symbols(f"h{l}_0:{a.widths[l]}") for l in range(1, a.L)}     # h^l stands for f(x̄^l)

    def forward(from_l):
        act = list(h[from_l])
        for k in range(from_l, 0, -1):
            pre = [sum(p.theta[k][i][j] * act[j] for j in range(len(act))) + p.b[k - 1][i]
                   for i in range(len(p.theta[k]))]
            act = [F(c) for c in pre] if k > 1 else pre
        return act

    for l in range(1, a.L):
        E = sum((s - x) ** 2 for s, x in zip(p.s_out, forward(l))) / 2
        at = dict(zip(h[l], [plain(ops, c) for c in ops.f(ann.x_bar(l))]))
        grad = [(-sp.diff(E, hi)).subs(at).doit() for hi in h[l]]
        assert all(sp.simplify(g - plain(ops, ui)) == 0 for g, ui in zip(grad, u[l])), l


ETA_TO_1 = dict(name="eta", at=lambda e: 1 - e, symbol="(1 − η)")


@pytest.mark.parametrize("T", [1, 2, 3])
def test_ar_after_T_sweeps_is_bp_to_order_T_minus_1_in_one_minus_eta(T):
    """η = 1 − ε: the error after T sweeps is O(ε^T) (it starts at f(x̄), a distance O(1)
    from the fixed point, and each sweep multiplies it by ε); the kernel shows the
    coefficients of ε^0 … ε^{T−1} vanish for every f and ε^T's is not 0 at a rational point."""
    j, k, d = order_of(AR(steps=T), (2, 3, 2, 2), knob(**ETA_TO_1, max_order=T + 1))
    assert j.kind == kernel.EXACT_TO_ORDER and (k, d) == (T - 1, T), j.statement
    assert j.counterexample["order"] == T and Fraction(j.counterexample["coefficient"]) != 0


class ARWrongSign(AR):
    """Seeded bug: the relaxation drives u^l towards −B(f′ ⊙ u^{l−1}) (the drive's sign flipped)."""

    def relaxed(self, arch, params, ops, ann):
        from pcproof.rules.zoo.relaxation import down
        h = self.hyper
        eta = ops.number(h.eta)
        u = [ann.delta(0)] + [ops.f(ann.x_bar(l)) for l in range(1, arch.L)]
        for _ in range(h.steps):
            for l in range(1, arch.L):
                drive = down(ops, params, ann, l, u[l - 1], h.feedback, h.derivative)
                u[l] = ops.add(u[l], ops.scale(eta, ops.sub(ops.scale(ops.number(-1), drive), u[l])))
        return u


def test_ar_with_the_wrong_sign_departs_at_order_0():
    j, k, d = order_of(ARWrongSign(steps=2), (2, 3, 2, 2), knob(**ETA_TO_1))
    assert j.kind == kernel.NOT_BP and (k, d) == (-1, 0), j.statement


def test_relaxed_pc_near_gamma_1_is_bp_to_order_T_minus_L_plus_1():
    """Relaxed PC with γ = 1 − ε and T synchronous steps (L = 3): order T − 2 (the two steps
    the wavefront needs are spent before the error starts shrinking)."""
    for T in (2, 3):
        j, k, d = order_of(RelaxedPC(steps=T), (2, 3, 2, 2), knob(name="gamma", at=lambda e: 1 - e,
                                                                    symbol="(1 − γ)", max_order=T))
        assert j.kind == kernel.EXACT_TO_ORDER and (k, d) == (T - 2, T - 1), (T, j.statement)


def test_ar_without_df_is_bp_with_one_hidden_layer_for_every_f_and_not_with_two():
    r = AR(eta=1, steps=1, derivative=False)
    assert prove_updates(r, arch((2, 3, 2))).verdict == kernel.PROVED
    v = prove_updates(r, arch((2, 3, 2, 2)))
    assert v.verdict == kernel.REFUTED and v.counterexample


def test_ar_with_learned_feedback_is_exact_under_B_theta_T_only():
    a = arch((2, 3, 2, 2))
    r = AR(eta=1, steps=1, feedback="learned")
    j = judge_condition(r, a, C.FEEDBACK_TRANSPOSE, prove_updates(r, a))
    assert j.kind == kernel.EXACT_UNDER, j.statement
    j = judge_condition(AR(eta=1, steps=1, derivative=False), a, C.LINEAR, prove_updates(AR(eta=1, steps=1,
                                                                                            derivative=False), a))
    assert j.kind == kernel.EXACT_UNDER, j.statement


def test_ar_with_the_papers_knobs_is_not_bp():
    v = prove_updates(AR(), arch((2, 3, 2)))
    assert v.verdict == kernel.REFUTED


# -- relaxed predictive coding ------------------------------------------------------------------
@pytest.mark.parametrize("steps, verdict", [(2, kernel.PROVED), (1, kernel.REFUTED)])
def test_relaxed_pc_at_gamma_1_needs_L_minus_1_steps(steps, verdict):
    """The fixed-prediction wavefront: at γ = 1 layer l holds its BP error from step l on."""
    assert prove_updates(RelaxedPC(gamma=1, steps=steps), arch((2, 3, 1, 2))).verdict == verdict


def test_relaxed_pc_equilibrium_is_bp_at_any_gamma():
    """The paper's special case (Sec. 2: at equilibrium PC's errors are BP's): at γ = 1/2
    the error after T steps is a polynomial in 1/2 whose limit is BP; T = 60 steps leave
    less than 2⁻⁴⁰ of it (exact rationals)."""
    a = arch((2, 3, 2, 2), "poly")
    ops = RationalOps(a.activation)
    p = random_params(a, random.Random(1)).map(ops.number)
    mine, bp = rule_updates(RelaxedPC(gamma=Fraction(1, 2), steps=60), a, p, ops, ALPHA), rule_updates(BP(), a, p, ops, ALPHA)
    worst = max(abs(x - y) for x, y in zip(_entries(mine), _entries(bp)))
    assert 0 < worst < Fraction(1, 2 ** 40)


def test_relaxed_pc_without_df_and_learned_feedback_needs_both_conditions():
    a = arch((2, 3, 2, 2))
    r = RelaxedPC(gamma=1, steps=None, derivative=False, feedback="learned")
    j = judge_condition(r, a, C.both(C.FEEDBACK_TRANSPOSE, C.LINEAR), prove_updates(r, a))
    assert j.kind == kernel.EXACT_UNDER, j.statement
    # proved under it; refuted with nothing imposed and with each of its two parts left out
    assert j.evidence[0]["verdict"] == kernel.PROVED
    assert len(j.evidence) >= 4 and all(e["verdict"] == kernel.REFUTED for e in j.evidence[1:])


# -- GAIT-prop ------------------------------------------------------------------------------------
def test_gait_output_layer_update_is_bp_for_any_inverse_and_nudge():
    """The target at the output is the label itself: Δθ^1 is BP's whatever V and γ are."""
    a = arch((2, 2, 2, 2), "identity")
    ops = RationalOps(a.activation)
    r = GaitProp(gamma=Fraction(2, 3), inverse="learned")
    p = random_params(a, random.Random(3), matrices=rule_matrices(r, a)).map(ops.number)
    mine, bp = rule_updates(r, a, p, ops, ALPHA), rule_updates(BP(), a, p, ops, ALPHA)
    assert mine[("theta", 1)] == bp[("theta", 1)] and mine[("b", 0)] == bp[("b", 0)]
    assert mine[("theta", 2)] != bp[("theta", 2)]


def test_gait_is_bp_for_every_nudge_when_f_is_linear_and_theta_orthogonal():
    """Qᵀ(Q y + γ δ) = y + γ Qᵀ δ: every layer's error is exactly BP's, at every γ (the
    difference is a Laurent polynomial in γ, every coefficient 0 over Cayley's denominators)."""
    j, _, _ = order_of(GaitProp(inverse="transpose"), (2, 2, 2, 2), knob(base=C.both(C.ORTHOGONAL, C.LINEAR)))
    assert j.kind == kernel.EXACT_TO_ORDER and j.order.get("every"), j.statement


def test_gait_with_one_hidden_layer_and_theta_orthogonal_is_bp_for_every_f_and_nudge():
    for widths in ((2, 2, 2), (3, 3, 3)):
        j, _, _ = order_of(GaitProp(inverse="transpose"), widths, knob(base=C.ORTHOGONAL))
        assert j.kind == kernel.EXACT_TO_ORDER and j.order.get("every"), (widths, j.statement)


@pytest.mark.parametrize("widths", [(1, 1, 1, 1), (2, 2, 2, 2)])
def test_gait_with_f_nonlinear_is_bp_to_order_1_in_the_nudge_and_departs_at_order_2(widths):
    """Two hidden layers, θ orthogonal, f unknown: f⁻¹(f(x̄) + γ² f′δ) = x̄ + γ²δ − γ⁴ f″(f′δ)²/(2f′³) + …,
    so after the 1/γ² rescaling the error is δ^2 + O(γ²): the coefficients of γ⁻² … γ¹ vanish
    identically, γ²'s (with f″) is not 0 at a rational point (f = x + x³/3, invertible)."""
    j, k, d = order_of(GaitProp(inverse="transpose"), widths, knob(base=C.ORTHOGONAL))
    assert j.kind == kernel.EXACT_TO_ORDER and (k, d) == (1, 2), j.statement
    assert j.counterexample["order"] == 2 and Fraction(j.counterexample["coefficient"]) != 0


def test_gait_needs_orthonormal_columns_not_square_layers():
    """V = θᵀ inverts θ on its range when θᵀθ = I: narrowing layers (3, 2, …) do as well as square
    ones, exact for every γ with one hidden layer, to order 1 with two."""
    from pcproof.numbers import RationalOps
    a = arch((3, 2, 2), "identity")
    ops = RationalOps(a.activation)
    p = C.ORTHONORMAL_COLUMNS.impose(a, random_params(a, random.Random(2)).map(ops.number), ops)
    th = p.theta[1]
    assert all(sum(th[i][r] * th[i][c] for i in range(3)) == (r == c) for r in range(2) for c in range(2))
    j, _, _ = order_of(GaitProp(inverse="transpose"), (3, 2, 2), knob(base=C.ORTHONORMAL_COLUMNS))
    assert j.kind == kernel.EXACT_TO_ORDER and j.order.get("every"), j.statement
    j, k, d = order_of(GaitProp(inverse="transpose"), (3, 2, 2, 2), knob(base=C.ORTHONORMAL_COLUMNS))
    assert j.kind == kernel.EXACT_TO_ORDER and (k, d) == (1, 2), j.statement
    assert C.ORTHONORMAL_COLUMNS.why_not(arch((2, 3, 2)), None)       # a widening θ^1 has no such frame


def test_gait_without_orthogonality_departs_at_minus_one():
    """θ not orthogonal: (θᵀθ − I) y^1 / γ enters e^1, so no order of γ makes it BP."""
    j, k, d = order_of(GaitProp(inverse="transpose"), (2, 2, 2), knob())
    assert j.kind == kernel.NOT_BP and d == -1, j.statement


class NoAdjustGait(GaitProp):
    """Seeded bug: the mixed target without f′²: z = y + γ(τ − y) (through f⁻¹ as the rule's)."""

    def updates(self, arch_, params, ops, alpha):
        import pcproof.rules.zoo.gaitprop as gp
        real = gp.inverse_f
        try:   # z arrives as y + γ f′²(τ − y); undo the f′²: y + (z − y)/f′²
            def unadjusted(o, z, l):
                ann = ANN(arch_, params, o)
                y, d = o.f(ann.x_bar(l)), o.df(ann.x_bar(l))
                return real(o, tuple(yy + (zz - yy) / (dd * dd) for yy, zz, dd in zip(y, z, d)), l)
            gp.inverse_f = unadjusted
            return super().updates(arch_, params, ops, alpha)
        finally:
            gp.inverse_f = real


def test_gait_without_the_gradient_adjustment_departs_at_order_0():
    """The f′² in z^l = y^l + γ f′² (τ − y) is what makes the order-0 term BP's: without it the
    γ⁰ coefficient of e^2 is δ^2-shaped over f′², not 0 (order 1 flips to not BP)."""
    j, k, d = order_of(NoAdjustGait(inverse="transpose"), (2, 2, 2, 2), knob(base=C.ORTHOGONAL))
    assert j.kind == kernel.NOT_BP and (k, d) == (-1, 0), j.statement


def test_gait_needs_orthogonality_even_with_the_exact_inverse():
    for inverse in ("exact", "transpose"):
        v = prove_updates(GaitProp(inverse=inverse), arch((2, 2, 2), "identity"))
        assert v.verdict == kernel.REFUTED, inverse


def test_gait_runs_in_every_numeric_system_with_an_invertible_f():
    """f⁻¹ solved by sympy (tanh: its real branch) in floats, mpmath and balls; the three agree."""
    import numpy as np

    from pcproof.numbers import ArbOps, MpmathOps, NumpyOps
    a = arch((2, 2, 2, 2), "tanh")
    r = GaitProp(gamma=Fraction(1, 100))
    exact = random_params(a, random.Random(5), denominator=8, bound=1)
    got = []
    for ops in (NumpyOps(a.activation), MpmathOps(a.activation, 30), ArbOps(a.activation, 30)):
        p = exact.map(ops.number)
        if ops.system == "float64":
            p = replace(p, theta={k: np.array(W, dtype=float) for k, W in p.theta.items()},
                        b={k: np.array(v, dtype=float) for k, v in p.b.items()},
                        s_in=np.array(p.s_in, dtype=float), s_out=np.array(p.s_out, dtype=float))
        out = rule_updates(r, a, p, ops, ops.number(ALPHA))
        if ops.system == "float64":
            got.append(np.concatenate([np.ravel(out[k]) for k in sorted(out)]))
        else:
            got.append(np.array([float(c.mid()) if ops.system == "arb" else float(c) for c in _entries(out)]))
    assert np.allclose(got[0], got[1], rtol=1e-6, atol=1e-9) and np.allclose(got[1], got[2], rtol=1e-12, atol=1e-15)


def test_gait_symbolic_inverse_is_an_unconstrained_symbol_so_no_false_proof():
    """In the symbolic system f⁻¹ is a free symbol: GAIT-prop with f nonlinear and θ
    orthogonal is never proved there (its exactness needs f(f⁻¹(z)) = z); at γ = 1/1000 it
    is refuted by a ball witness (it departs at order 2)."""
    v = prove_updates(GaitProp(inverse="transpose"), arch((1, 1, 1, 1)), C.ORTHOGONAL)
    assert v.verdict != kernel.PROVED


# -- the seeded bugs ------------------------------------------------------------------------------
@pytest.mark.parametrize("entry", ZOO_RULES_CATALOG, ids=lambda e: e.id)
def test_zoo_rules_catalog(entry):
    """Each entry's hand-derived truth holds in exact rationals, and the kernel agrees:
    proved for HOLDS (unless it says why it cannot show it), refuted for FAILS."""
    assert exact_truth(entry) == entry.truth
    a = arch(entry.widths, entry.activation)
    v = prove_updates(entry.rule(), a, entry.condition)
    if entry.truth == FAILS:
        assert v.verdict == kernel.REFUTED, (v.verdict, v.note)
    else:
        allowed = {kernel.PROVED} | ({kernel.UNKNOWN} if entry.kernel_may_say_unknown else set())
        assert v.verdict in allowed, (v.verdict, v.note)


def test_gait_no_rescale_departs_at_order_0_where_the_rule_is_exact_for_every_nudge():
    """The catalog's GaitNoRescale (errors γ^l times too small) against the correct rule, θ
    orthogonal and f linear: exact for every γ, and departing at γ⁰ (the kernel, in series)."""
    base = knob(base=C.both(C.ORTHOGONAL, C.LINEAR))
    ok, _, _ = order_of(GaitProp(inverse="transpose"), (2, 2, 2), base)
    bad, k, d = order_of(GaitNoRescale(), (2, 2, 2), base)
    assert ok.kind == kernel.EXACT_TO_ORDER and ok.order.get("every")
    assert bad.kind == kernel.NOT_BP and d == 0, bad.statement


# -- the knob order's soundness: branches, floats, the series themselves ------------------------
class GaitBranchesOnNudge(GaitProp):
    """Seeded: a rule that is BP at γ = 0 by a special case and GAIT-prop elsewhere (a knob branch
    no expansion at γ = 0 may decide silently)."""

    def updates(self, arch_, params, ops, alpha):
        if self.hyper.gamma == 0:
            return BP().updates(arch_, params, ops, alpha)
        return super().updates(arch_, params, ops, alpha)


class GaitBranchesAwayFromZero(GaitProp):
    """A branch the expansion decides for every small |γ| (γ − 1/2 has constant term −1/2)."""

    def updates(self, arch_, params, ops, alpha):
        if self.hyper.gamma < Fraction(1, 2):
            return super().updates(arch_, params, ops, alpha)
        return BP().updates(arch_, params, ops, alpha)


class GaitBranchesOnThePoint(GaitProp):
    def updates(self, arch_, params, ops, alpha):
        if ANN(arch_, params, ops).x_bar(1)[0] > 0:
            return BP().updates(arch_, params, ops, alpha)
        return super().updates(arch_, params, ops, alpha)


class GaitWithAFloat(GaitProp):
    def updates(self, arch_, params, ops, alpha):
        out = super().updates(arch_, params, ops, alpha)
        out[("theta", 1)] = ops.mat_scale(ops.number(1) * 1.0, out[("theta", 1)])
        return out


@pytest.mark.parametrize("rule", [GaitBranchesOnNudge, GaitBranchesOnThePoint, GaitWithAFloat])
def test_a_branch_on_the_knob_or_point_or_a_float_is_undecided_not_decided_silently(rule):
    j, _, _ = order_of(rule(inverse="transpose"), (2, 2, 2, 2), knob(base=C.ORTHOGONAL))
    assert j.kind == kernel.UNDECIDED, j.statement
    assert ("compares" in j.statement) != (rule is GaitWithAFloat), j.statement


def test_a_branch_decided_near_zero_is_decided():
    j, k, d = order_of(GaitBranchesAwayFromZero(inverse="transpose"), (2, 2, 2, 2), knob(base=C.ORTHOGONAL))
    assert j.kind == kernel.EXACT_TO_ORDER and (k, d) == (1, 2), j.statement


def test_a_knob_set_to_a_rounded_number_is_undecided():
    j, _, _ = order_of(GaitProp(inverse="transpose"), (2, 2, 2), knob(base=C.ORTHOGONAL, at=lambda e: 0.1 + e))
    assert j.kind == kernel.UNDECIDED and "rounded" in j.statement, j.statement


def test_series_arithmetic_and_the_inverse_function():
    from pcproof.numbers.taylor import NotExpandable
    q = TaylorOps(get_activation("poly"), "rational", order=5)
    e, one = q.number(EPS), q.number(1)
    geo = one / (one - e)                       # 1 + ε + ε² + … to O(ε⁵)
    assert [geo.coeff(j) for j in range(5)] == [1] * 5 and geo.prec == 5
    shifted = (geo * e * e) / (e * e)            # coefficients past the working order are not known
    assert shifted.prec == 3 and [shifted.coeff(j) for j in range(3)] == [1] * 3 and not shifted.known(3)
    long = (one + e) ** 7                        # exact, but with terms past ε⁴: O(ε⁵)
    assert long.prec == 5 and ((long / e) / e).prec == 3
    c = TaylorOps(get_activation(KNOB_WITNESS), "rational", order=5)
    r = c.number(1) / c.f((c.number(EPS),))[0]    # 1/(ε + ε³/3) = ε⁻¹ − ε/3 + ε³/9 …, f(ε) known to O(ε⁵)
    want = sp.series(1 / (EPS + EPS ** 3 / 3), EPS, 0, 6).removeO()
    assert r.v == -1 and r.prec == 3 and all(r.coeff(j) == Fraction(str(want.coeff(EPS, j))) for j in range(-1, 3))
    lau = (one + e) / e                          # ε⁻¹ + 1, exactly
    assert (lau.v, lau.c, lau.prec) == (-1, (1, 1), float("inf"))
    x = q.number(Fraction(1, 3)) + e * 2
    back = q.finv(q.f((x,)))[0]                  # f⁻¹(f(a)) = a for the inverse through a
    assert [back.coeff(j) for j in range(5)] == [Fraction(1, 3), 2, 0, 0, 0]
    assert q.invertible_span()                   # f′ = 1 + x > 0 at 1/3
    q.f((q.number(-3),))                         # f applied left of f′'s root −1: not invertible there
    assert not q.invertible_span()
    with pytest.raises(NotExpandable):
        float(e)
    s = TaylorOps(U, "sympy", order=4)
    a = sp.Symbol("a")
    z = s.f((s.number(a) + s.number(EPS),))[0]
    back = s.finv((z,))[0]
    assert back.coeff(0) == a and back.coeff(1) == 1
    assert all(kernel_zero(back.coeff(j)) for j in (2, 3))
    assert s.branches == [] and (e == 0) is False and q.branches


@pytest.mark.parametrize("seed", range(12))
def test_series_agree_with_sympys_own_series(seed):
    """The series arithmetic against sympy's series of the same expression: random trees of
    + − × ÷ over ε and small rationals, and f = x + x³/3 applied inside; every coefficient the
    series claims to know (below its precision) is sympy's, and the precision is not below
    what the working order allows for an expression without poles deeper than ε⁻²."""
    rng = random.Random(seed)
    act = get_activation(KNOB_WITNESS)
    q = TaylorOps(act, "rational", order=6)
    f = sp.Lambda(sp.Symbol("y"), act.expr.subs(sp.Symbol("x", real=True), sp.Symbol("y")))

    def leaf():
        if rng.random() < 0.4:
            return EPS, q.number(EPS)
        c = sp.Rational(rng.randint(-5, 5), rng.randint(1, 4))
        return c, q.number(c)

    def tree(depth):
        if depth == 0:
            return leaf()
        op = rng.choice("+-*/f")
        a, sa = tree(depth - 1)
        if op == "f" and sa.valuation >= 0:
            return f(a), q.f((sa,))[0]
        if op == "f":
            return a, sa
        b, sb = tree(depth - 1)
        if op == "/" and (sb.valuation > 1 or not sb.c):
            op = "*"                     # keep the poles shallow (and never divide by 0)
        return {"+": (a + b, sa + sb), "-": (a - b, sa - sb), "*": (a * b, sa * sb),
                "/": (a / b if op == "/" else a * b, sa / sb if op == "/" else sa * sb)}[op]

    e, s = tree(4)
    if s.prec == float("inf"):
        want = sp.series(e, EPS, 0, 8).removeO() if e.has(EPS) else e
    else:
        want = sp.series(e, EPS, 0, s.prec).removeO()
    want = sp.expand(want)
    assert s.prec >= 2, (seed, s.prec)              # a shallow pole costs at most a few orders
    for j in range(min(s.v, -3), min(s.prec, 6)):
        assert Fraction(str(want.coeff(EPS, j))) == s.coeff(j), (seed, j, e)


def kernel_zero(c):
    from pcproof.numbers.taylor import identically_zero
    return identically_zero(c)


# -- the registry ---------------------------------------------------------------------------------
MINE = [n for n, e in ZOO.items() if e.rule in (AR, RelaxedPC, GaitProp)]


def test_rows_are_registered():
    assert {"ar", "ar-no-df", "ar-learned", "relaxed-pc", "relaxed-pc-learned", "gait-prop"} <= set(MINE)


@pytest.mark.parametrize("name", MINE)
def test_every_row_trains_in_floats_through_the_door(name):
    """The trainer's path: float64 arrays, matrices drawn by the rule (draw_matrices)."""
    import numpy as np

    from pcproof.numbers import NumpyOps
    entry = ZOO[name]
    rule = entry.build()
    a = arch(entry.widths, "tanh")
    rng = np.random.default_rng(0)
    ops = NumpyOps(a.activation)
    p = random_params(a, random.Random(0)).map(float)
    from pcproof.model.network import Params
    p = Params({k: np.array(W) for k, W in p.theta.items()}, {k: np.array(v) for k, v in p.b.items()},
               np.array(p.s_in), np.array(p.s_out), {}, rule.draw_matrices(a, rng))
    out = rule_updates(rule, a, p, ops, 0.1)
    assert set(out) == set(a.update_shapes(p)) and all(np.all(np.isfinite(v)) for v in out.values())


# -- IL with an output precision ----------------------------------------------------------------
def test_il_precision_1_without_rescaling_is_pcproofs_il():
    """The knob leaves the existing rule (and its verdicts) alone at π⁰ = 1."""
    from pcproof.rules.pc import IL
    from pcproof.rules.zoo.il import PrecisionIL
    a = arch((2, 3, 2, 2), "identity")
    ops = RationalOps(a.activation)
    p = random_params(a, random.Random(0)).map(ops.number)
    assert rule_updates(PrecisionIL(rescale=False), a, p, ops, ALPHA) == rule_updates(IL(), a, p, ops, ALPHA)


def test_il_precision_step_descends_the_weighted_energy():
    """Defining equation (Whittington & Bogacz Sec. 2): x^1 ← x^1 − γ ∂F/∂x^1 with
    F = ½ π⁰‖ε^0‖² + ½‖ε^1‖², differentiated by sympy; and Δθ^1 = −α ∂F/∂θ^1 / π⁰ (rescaled)."""
    from pcproof.rules.pc import PCN
    from pcproof.rules.zoo.il import PrecisionIL
    pi = sp.Rational(1, 7)
    rule = PrecisionIL(gamma=Fraction(1, 3), output_precision=Fraction(1, 7), t_c=1)
    a = arch((2, 2, 2), bias=True)
    ops = TaylorOps(U)
    p = symbolic_params(a, ())
    pt = p.map(ops.number)
    pcn = PCN(a, pt, ops, rule, ALPHA, rule.steps(a.L))
    x1 = sp.symbols("x1_0:2")
    mu0 = [sum(p.theta[1][i][j] * F(x1[j]) for j in range(2)) + p.b[0][i] for i in range(2)]
    mu1 = [sum(p.theta[2][i][j] * F(p.s_in[j]) for j in range(2)) + p.b[1][i] for i in range(2)]
    Fe = pi * sum((s - m) ** 2 for s, m in zip(p.s_out, mu0)) / 2 + sum((x - m) ** 2 for x, m in zip(x1, mu1)) / 2
    at = dict(zip(x1, [plain(ops, c) for c in pcn.x(1, 0)]))
    want = [(x - sp.Rational(1, 3) * sp.diff(Fe, x)).subs(at).doit() for x in x1]
    assert all(sp.simplify(w - plain(ops, g)) == 0 for w, g in zip(want, pcn.x(1, 1)))
    th = sp.symbols("t0:2")      # θ^1's first row as variables: −∂F/∂θ^1_{0j}
    Fth = pi * ((p.s_out[0] - sum(t * F(xx) for t, xx in zip(th, x1)) - p.b[0][0]) ** 2) / 2
    at_t = {**dict(zip(th, p.theta[1][0])), **dict(zip(x1, [plain(ops, c) for c in pcn.x(1, 1)]))}
    dtheta = rule_updates(rule, a, pt, ops, ops.number(ALPHA))[("theta", 1)][0]
    assert all(sp.simplify((-ALPHA * sp.diff(Fth, t) / pi).subs(at_t).doit() - plain(ops, d)) == 0
               for t, d in zip(th, dtheta))


def test_gait_exact_inverse_pivots_on_a_numeric_zero_and_refuses_a_singular_theta():
    """V = θ⁻¹ by the shared Gauss–Jordan elimination: a zero pivot swaps a row in, a singular θ
    is a RuleError (never a division by zero read as a number)."""
    from fractions import Fraction as Fr

    from pcproof.numbers import RationalOps
    from pcproof.rules.base import RuleError
    from pcproof.rules.zoo.gaitprop import invert
    ops = RationalOps(get_activation("identity"))
    for W in (((Fr(0), Fr(2)), (Fr(3), Fr(1))), ((Fr(1), Fr(2)), (Fr(3), Fr(4)))):
        V = invert(ops, W, 1)
        assert [[sum(V[i][k] * W[k][j] for k in range(2)) for j in range(2)] for i in range(2)] == [[1, 0], [0, 1]]
    with pytest.raises(RuleError, match="singular"):
        invert(ops, ((Fr(0), Fr(0)), (Fr(1), Fr(0))), 1)
