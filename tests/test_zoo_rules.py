"""Activation relaxation, relaxed PC and GAIT-prop (pcproof.rules.zoo): each rule's defining
equation against calculus or its paper's special case, the conditions and orders that make
it BP (decided by the kernel, or by sympy directly where the kernel's expansion cannot
cancel a rational function), and the seeded bugs of tests/catalog/zoo_rules.py."""
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
from pcproof.check.judge import judge_condition, prove_updates
from pcproof.model import Architecture, get_activation, random_params, symbolic_params
from pcproof.numbers import RationalOps
from pcproof.numbers.ops import ListOps
from pcproof.rules import BP, rule_updates
from pcproof.rules.bp import ANN
from pcproof.rules.base import rule_matrices
from pcproof.check.zoo import ZOO
from pcproof.rules.zoo.ar import AR
from pcproof.rules.zoo.gaitprop import GaitProp
from pcproof.rules.zoo.relaxed_pc import RelaxedPC

ALPHA = Fraction(1, 10)


# -- a sympy number system with an unknown f, its derivatives and its inverse --------------
F = sp.Function("F")
_xi = sp.Dummy("xi")


def Fp(a, n=1):
    return sp.Subs(sp.Derivative(F(_xi), (_xi, n)), _xi, a)


class G(sp.Function):
    """F⁻¹: G(F(a)) = a, G′(y) = 1/F′(G(y)) (so a Taylor expansion of G is F's inverse's)."""

    @classmethod
    def eval(cls, y):
        if getattr(y, "func", None) == F:
            return y.args[0]

    def fdiff(self, argindex=1):
        return 1 / Fp(G(self.args[0]))


class TaylorOps(ListOps):
    """sympy expressions with f = F unknown (and f⁻¹ = G): Taylor coefficients in a knob."""

    system = "taylor"

    def __init__(self, activation=None):
        super().__init__(activation or get_activation("uninterpreted"))

    def number(self, q):
        return sp.Rational(q.numerator, q.denominator) if hasattr(q, "numerator") else sp.sympify(q)

    def f(self, v):
        return tuple(F(a) for a in v)

    def df(self, v):
        return tuple(Fp(a) for a in v)

    def finv(self, v):
        return tuple(G(a) for a in v)


class LinearOps(TaylorOps):
    """The same with f linear."""

    def f(self, v):
        return tuple(v)

    def df(self, v):
        return tuple(sp.Integer(1) for _ in v)

    def finv(self, v):
        return tuple(v)


def _entries(updates):
    out = []
    for k in sorted(updates):
        v = updates[k]
        out += [c for row in v for c in row] if isinstance(v[0], tuple) else list(v)
    return out


def differences(rule, widths, ops, orthogonal=False, bias=True):
    """Every entry of rule − BP, in ``ops``, at a symbolic point; θ^1 … θ^{L−1} orthogonal
    (Cayley) if asked (θ^L, the input's, is never inverted)."""
    arch = Architecture(tuple(widths), ops.activation, bias=bias)
    p = symbolic_params(arch, (), rule_matrices(rule, arch))
    if orthogonal:
        p = replace(p, theta={k: C.cayley(ops, W) if k < arch.L else W for k, W in p.theta.items()})
    mine, bp = rule_updates(rule, arch, p, ops, ALPHA), rule_updates(BP(), arch, p, ops, ALPHA)
    return [a - b for a, b in zip(_entries(mine), _entries(bp))]


def taylor(d, eps, j):
    """The ε^j coefficient of d (d a Laurent series in ε: GAIT-prop divides by γ^l)."""
    s = sp.series(d, eps, 0, j + 1).removeO()
    return sp.cancel(sp.together(sp.expand(s).coeff(eps, j).doit()))


def at_rational_point(c, seed=0, f=None):
    """c at a rational point with F := x + x²/2 (a polynomial: exact)."""
    y = sp.Symbol("y")
    f = f or sp.Lambda(y, y + y ** 2 / 2)
    rng = random.Random(seed)
    c = c.doit().replace(F, f).doit()
    vals = {s: sp.Rational(rng.randint(-8, 8), 4) for s in c.free_symbols}
    return sp.nsimplify(c.subs(vals))


def arch(widths, act="uninterpreted", bias=True):
    return Architecture(tuple(widths), get_activation(act), bias=bias)


# -- activation relaxation -------------------------------------------------------------------
def test_ar_relaxes_to_the_gradient_with_respect_to_each_layers_activity():
    """Defining equation (AR Sec. 2): one sweep at η = 1 puts u^l = −∂E/∂f(x̄^l), computed
    here by sympy's own differentiation of E through the network, F unknown."""
    ops = TaylorOps()
    a = arch((2, 2, 2, 2))
    p = symbolic_params(a, ())
    ann = ANN(a, p, ops)
    u = AR(eta=1, steps=1).relaxed(a, p, ops, ann)
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
        at = dict(zip(h[l], ops.f(ann.x_bar(l))))
        grad = [(-sp.diff(E, hi)).subs(at).doit() for hi in h[l]]
        assert all(sp.simplify(g - ui.doit()) == 0 for g, ui in zip(grad, u[l])), l


def test_ar_after_T_sweeps_is_bp_to_order_T_minus_1_in_one_minus_eta():
    """η = 1 − ε: the error after T sweeps is O(ε^T) (it starts at f(x̄), a distance O(1)
    from the fixed point, and each sweep multiplies it by ε); the ε^T coefficient is not 0."""
    eps = sp.Symbol("epsilon")
    T = 2
    ds = differences(AR(eta=1 - eps, steps=T), (1, 1, 1, 1), TaylorOps())
    for j in range(T):
        assert all(sp.expand(sp.diff(d, eps, j).subs(eps, 0).doit()) == 0 for d in ds), j
    top = [sp.diff(d, eps, T).subs(eps, 0) / sp.factorial(T) for d in ds]
    assert any(at_rational_point(c) != 0 for c in top if c != 0)


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
    """Qᵀ(Q y + γ δ) = y + γ Qᵀ δ: every layer's error is exactly BP's, at every γ
    (a rational identity in the Cayley parameters; θ^L need not be orthogonal)."""
    g = sp.Symbol("gamma", positive=True)
    ds = differences(GaitProp(gamma=g, inverse="transpose"), (2, 2, 2, 1), LinearOps(get_activation("identity")),
                     orthogonal=True)
    assert all(sp.cancel(sp.together(d)) == 0 for d in ds)


def test_gait_with_one_hidden_layer_and_theta_orthogonal_is_bp_for_every_f_and_nudge():
    g = sp.Symbol("gamma", positive=True)
    ds = differences(GaitProp(gamma=g, inverse="transpose"), (2, 2, 2), TaylorOps(), orthogonal=True)
    assert all(sp.cancel(sp.together(d.doit())) == 0 for d in ds)


def test_gait_with_f_nonlinear_is_bp_to_order_1_in_the_nudge_and_departs_at_order_2():
    """Two hidden layers, θ orthogonal, f unknown: f⁻¹(f(x̄) + γ² f′δ) = x̄ + γ²δ − γ⁴ f″(f′δ)²/(2f′³) + …,
    so after the 1/γ² rescaling the error is δ^2 + O(γ²): coefficients of γ⁰ and γ¹ vanish
    identically, γ²'s (with f″) is not 0 at a rational point."""
    g = sp.Symbol("gamma", positive=True)
    ds = differences(GaitProp(gamma=g, inverse="transpose"), (1, 1, 1, 1), TaylorOps(), orthogonal=True)
    for j in (0, 1):
        assert all(taylor(d, g, j) == 0 for d in ds), j
    second = [taylor(d, g, 2) for d in ds]
    assert any(c.has(sp.Derivative) and at_rational_point(c) != 0 for c in second if c != 0)


def test_gait_without_the_gradient_adjustment_departs_at_order_0():
    """The f′² in z^l = y^l + γ f′² (τ − y) is what makes the order-0 term BP's: without it
    (a seeded bug) the γ⁰ coefficient is δ^2/f′(x̄^1)-shaped, not 0."""
    g = sp.Symbol("gamma", positive=True)

    class NoAdjustGait(GaitProp):
        def updates(self, arch_, params, ops, alpha):
            import pcproof.rules.zoo.gaitprop as gp
            real = gp.inverse_f
            try:   # the mixed target without f′²: z = y + γ(τ − y) = y + (z − y)/f′²
                def unadjusted(o, z, l):
                    y = o.f(ANN(arch_, params, o).x_bar(l))
                    d = o.df(ANN(arch_, params, o).x_bar(l))
                    return real(o, tuple(yy + (zz - yy) / (dd * dd) for yy, zz, dd in zip(y, z, d)), l)
                gp.inverse_f = unadjusted
                return super().updates(arch_, params, ops, alpha)
            finally:
                gp.inverse_f = real

    ds = differences(NoAdjustGait(gamma=g, inverse="transpose"), (1, 1, 1, 1), TaylorOps(), orthogonal=True)
    zeroth = [taylor(d, g, 0) for d in ds]
    assert any(c != 0 and at_rational_point(c) != 0 for c in zeroth)


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


def test_gait_no_rescale_is_caught_in_sympy_where_the_kernel_cannot_cancel():
    g = sp.Symbol("gamma", positive=True)
    ok = differences(GaitProp(gamma=g, inverse="transpose"), (2, 2, 2), LinearOps(get_activation("identity")),
                     orthogonal=True)
    bad = differences(GaitNoRescale(), (2, 2, 2), LinearOps(get_activation("identity")), orthogonal=True)
    assert all(sp.cancel(sp.together(d)) == 0 for d in ok)
    assert any(sp.cancel(sp.together(d)) != 0 for d in bad)


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
    ops = TaylorOps()
    p = symbolic_params(a, ())
    pcn = PCN(a, p, ops, rule, ALPHA, rule.steps(a.L))
    x1 = sp.symbols("x1_0:2")
    mu0 = [sum(p.theta[1][i][j] * F(x1[j]) for j in range(2)) + p.b[0][i] for i in range(2)]
    mu1 = [sum(p.theta[2][i][j] * F(p.s_in[j]) for j in range(2)) + p.b[1][i] for i in range(2)]
    Fe = pi * sum((s - m) ** 2 for s, m in zip(p.s_out, mu0)) / 2 + sum((x - m) ** 2 for x, m in zip(x1, mu1)) / 2
    at = dict(zip(x1, pcn.x(1, 0)))
    want = [(x - sp.Rational(1, 3) * sp.diff(Fe, x)).subs(at).doit() for x in x1]
    assert all(sp.simplify(w - g.doit()) == 0 for w, g in zip(want, pcn.x(1, 1)))
    th = sp.symbols("t0:2")      # θ^1's first row as variables: −∂F/∂θ^1_{0j}
    Fth = pi * ((p.s_out[0] - sum(t * F(xx) for t, xx in zip(th, x1)) - p.b[0][0]) ** 2) / 2
    at_t = {**dict(zip(th, p.theta[1][0])), **dict(zip(x1, pcn.x(1, 1)))}
    dtheta = rule_updates(rule, a, p, ops, ALPHA)[("theta", 1)][0]
    assert all(sp.simplify((-ALPHA * sp.diff(Fth, t) / pi).subs(at_t).doit() - d.doit()) == 0
               for t, d in zip(th, dtheta))
