"""The credit-assignment zoo judged against BP (issue 13): feedback matrices as parameters
of the point, FA and DFA, the kernel's judgements (exact under a condition with its
refutation without it, order of departure, vacuity), seeded bugs that flip a verdict,
and ``pcproof validate`` / ``pcproof zoo`` on the command line."""
from __future__ import annotations

import json
import random
import subprocess
import sys
from fractions import Fraction

import pytest
import sympy as sp

from catalog.entries import FAILS, HOLDS
from catalog.zoo import ZOO_CATALOG, exact_truth
from pcproof import kernel
from pcproof.check import hypotheses as C
from pcproof.check.judge import judge_condition, judge_order, prove_updates
from pcproof.model import Architecture, get_activation, random_params, symbolic_params
from pcproof.numbers import RationalOps
from pcproof.rules import BP, Rule
from pcproof.check.zoo import ZOO
from pcproof.rules.zoo import DFA, FA
from pcproof.rules.zoo.hyper import FeedbackHyper

U = get_activation("uninterpreted")
ARCH = Architecture((2, 3, 2, 2), U)          # ragged, two hidden layers


# -- feedback matrices are parameters of the point -------------------------------------------
def test_fa_declares_B_with_the_shape_of_theta_transposed():
    arch = Architecture((2, 3, 4), U)
    p = symbolic_params(arch, (), FA.matrices(arch))
    B1 = p.matrices["B"][1]
    assert (len(B1), len(B1[0])) == (3, 2)                       # n_1 × n_0 = shape of (θ^1)ᵀ
    assert str(B1[2][1]) == "B1_2_1" and "B1_2_1" in p.scalars()
    d = symbolic_params(arch, (), DFA.matrices(arch)).matrices["B"][1]
    assert (len(d), len(d[0])) == (3, 2)


def test_strategies_and_witnesses_draw_B():
    from pcproof.strategies import DEFAULT
    case = DEFAULT.sample(random.Random(1), rule=FA)
    assert set(case.params.matrices["B"]) == set(range(1, case.arch.L))
    # a point without matrices is the same point as before matrices existed
    a = random_params(ARCH, random.Random(0))
    b = random_params(ARCH, random.Random(0), matrices=FA.matrices(ARCH))
    assert a.theta == b.theta and a.s_out == b.s_out and b.matrices["B"]


def test_fa_numeric_feedback_uses_its_knob():
    import numpy as np
    big = FA(feedback_scale=3.0).draw_matrices(ARCH, np.random.default_rng(0))
    small = FA().draw_matrices(ARCH, np.random.default_rng(0))
    assert np.allclose(big["B"][1], 3 * small["B"][1])
    with pytest.raises(ValueError, match="unknown knob"):
        FA(gamma=1)
    assert FA(hyper=FeedbackHyper(0.5)).hyper.feedback_scale == 0.5


# -- the defining equations ---------------------------------------------------------------------
def test_fa_hidden_error_by_hand():
    """One hidden layer, f = identity, exact rationals: δ^1 = B^1 δ^0, Δθ^2 = α δ^1 s_inᵀ."""
    arch = Architecture((1, 1, 1), get_activation("identity"))
    ops = RationalOps(arch.activation)
    p = random_params(arch, random.Random(3), matrices=FA.matrices(arch))
    th1, th2, B, s_in, s_out = p.theta[1][0][0], p.theta[2][0][0], p.matrices["B"][1][0][0], p.s_in[0], p.s_out[0]
    delta0 = s_out - th1 * th2 * s_in
    u = FA().updates(arch, p, ops, Fraction(1))
    assert u[("theta", 2)][0][0] == B * delta0 * s_in
    assert u[("theta", 1)][0][0] == delta0 * th2 * s_in


def test_cayley_is_orthogonal():
    ops = RationalOps(get_activation("identity"))
    theta = ((Fraction(0), Fraction(1, 2), Fraction(-3)), (Fraction(5), 0, Fraction(2, 3)), (1, 1, 1))
    Q = C.cayley(ops, theta)
    QtQ = C.matmul(ops, C.transpose(Q), Q)
    assert all(QtQ[i][j] == (1 if i == j else 0) for i in range(3) for j in range(3))


# -- the judgements -------------------------------------------------------------------------------
def test_fa_is_exact_under_B_theta_T_and_refuted_without():
    plain = prove_updates(FA(), ARCH)
    assert plain.verdict == kernel.REFUTED and plain.counterexample
    j = judge_condition(FA(), ARCH, C.FEEDBACK_TRANSPOSE, plain)
    assert j.kind == kernel.EXACT_UNDER and j.condition["text"] == "B = θᵀ"
    verdicts = [e["verdict"] for e in j.evidence]
    assert verdicts[0] == "proved" and "refuted" in verdicts[1:]
    assert j.counterexample["system"] in kernel.RIGOROUS


def test_dfa_needs_both_parts_at_two_hidden_layers():
    plain = prove_updates(DFA(), ARCH)
    assert judge_condition(DFA(), ARCH, C.FEEDBACK_CHAIN, plain).kind == kernel.NOT_BP
    assert judge_condition(DFA(), ARCH, C.LINEAR, plain).kind == kernel.NOT_BP
    j = judge_condition(DFA(), ARCH, C.both(C.FEEDBACK_CHAIN, C.LINEAR), plain)
    assert j.kind == kernel.EXACT_UNDER
    # under it; plain, and each part left out; BP learns under it (not vacuous)
    assert [(e["theorem"], e["verdict"]) for e in j.evidence] == [("updates = BP", "proved")] + \
        [("updates = BP", "refuted")] * 3 + [("BP makes no update", "refuted")]


def test_dfa_with_one_hidden_layer_is_fa():
    arch = Architecture((2, 3, 2), U)
    j = judge_condition(DFA(), arch, C.both(C.FEEDBACK_CHAIN, C.LINEAR), prove_updates(DFA(), arch))
    assert j.kind == kernel.UNDECIDED and "not needed" in j.statement    # f linear is idle there


def test_fa_departs_at_first_order_in_the_feedback_error():
    j = judge_order(FA(), Architecture((2, 2, 2), U), C.FEEDBACK_ERROR)
    assert j.kind == kernel.EXACT_TO_ORDER and j.order["k"] == 0 and j.order["departs_at"] == 1
    assert sp.Rational(j.counterexample["coefficient"]) != 0


def test_a_rule_that_never_learns_is_not_exact_under_a_vacuous_condition():
    class Frozen(Rule):
        name = "frozen"

        def updates(self, arch, params, ops, alpha):
            return {}
    arch = Architecture((1, 1, 1), U)
    plain = prove_updates(Frozen(), arch)
    assert plain.verdict == kernel.REFUTED
    j = judge_condition(Frozen(), arch, C.ZERO_OUTPUT_ERROR, plain)
    assert j.kind == kernel.UNDECIDED and "vacuous" in j.statement


def test_judgements_are_the_kernels_only():
    with pytest.raises(PermissionError):
        kernel.Judgement(rule="x", kind=kernel.EXACT, statement="forged")
    plain = prove_updates(FA(), Architecture((1, 1, 1), U))
    under = prove_updates(FA(), Architecture((1, 1, 1), U), C.FEEDBACK_TRANSPOSE)
    with pytest.raises(PermissionError):            # exactness without the vacuity verdict
        kernel.judge_under("fa", C.FEEDBACK_TRANSPOSE.info(), under, [plain], None)
    with pytest.raises(ValueError):                 # "without" verdicts must not assume the condition
        kernel.judge_under("fa", C.FEEDBACK_TRANSPOSE.info(), under, [under], under)


# -- seeded bugs flip the verdict ---------------------------------------------------------------
@pytest.mark.parametrize("entry", ZOO_CATALOG, ids=lambda e: e.id)
def test_zoo_catalog(entry):
    assert exact_truth(entry, ARCH.widths) == entry.truth, "the hand-derived truth disagrees with exact rationals"
    rule = entry.rule()
    j = judge_condition(rule, ARCH, entry.condition, prove_updates(rule, ARCH))
    if entry.truth == HOLDS:
        assert j.kind == kernel.EXACT_UNDER, j.statement
    else:
        assert j.kind == kernel.NOT_BP and j.counterexample, j.statement


# -- the registry ---------------------------------------------------------------------------------
def test_every_zoo_entry_runs_through_the_door():
    from pcproof.rules.base import rule_matrices
    for e in ZOO.values():
        assert e.paper and isinstance(e.build(), Rule)
        arch = Architecture(e.widths, get_activation("identity"))   # poly: IL's 21 steps square the numbers
        ops = RationalOps(arch.activation)
        p = random_params(arch, random.Random(0), matrices=rule_matrices(e.build(), arch)).map(ops.number)
        from pcproof.rules import rule_updates
        assert set(rule_updates(e.build(), arch, p, ops, Fraction(1, 10))) == set(BP().updates(arch, p, ops, 1))


# -- the command line -----------------------------------------------------------------------------
USER_RULE = '''
from pcproof.rules import Rule
from pcproof.rules.bp import ANN


class MyFA(Rule):
    name = "my-fa"

    @classmethod
    def matrices(cls, arch):
        return {"B": {l: (l, l - 1) for l in range(1, arch.L)}}

    def updates(self, arch, params, ops, alpha):
        ann = ANN(arch, params, ops)
        delta = {0: ops.sub(params.s_out, ann.x_bar(0))}
        for l in range(1, arch.L):
            delta[l] = ops.mul(ops.df(ann.x_bar(l)), ops.matvec(params.matrices["B"][l], delta[l - 1]))
        return {("theta", l + 1): ops.mat_scale(alpha, ops.outer(delta[l], ops.f(ann.x_bar(l + 1))))
                for l in range(arch.L)}
'''


def _pcproof(*args, cwd):
    return subprocess.run([sys.executable, "-m", "pcproof", *args], capture_output=True, text=True, cwd=cwd)


def test_validate_fa_says_exact_under_B_theta_T(tmp_path):
    r = _pcproof("validate", "--rule", "fa", "--no-align", "--widths", "2,3,2", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "exact under B = θᵀ" in r.stdout and "refuted without it" in r.stdout
    assert "smallest counterexample  widths [1, 1, 1]" in r.stdout
    assert (tmp_path / "reports" / "validate-fa.md").is_file()


def test_validate_a_users_file_gets_the_same_card(tmp_path):
    (tmp_path / "myfa.py").write_text(USER_RULE)
    r = _pcproof("validate", "myfa.py:MyFA", "--no-align", "--widths", "2,3,2", "--json",
                 "--out", str(tmp_path / "card.md"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    card = json.loads(r.stdout)
    # with one hidden layer B^1 = θ^1ᵀ is also the chain condition: both are exact
    assert card["verdict"] == kernel.EXACT_UNDER and "B = θᵀ" in [c["text"] for c in card["exact_under"]]
    assert card["smallest_counterexample"]["widths"] == [1, 1, 1]
    assert (tmp_path / "card.md").read_text().startswith("# Verdict card: my-fa")


@pytest.mark.parametrize("args, says", [
    ((), "give the rule"),
    (("--rule", "nope"), "unknown zoo rule"),
    (("--rule", "fa", "--set", "gamma=1"), "unknown knob"),
    (("--rule", "fa", "--widths", "2,x"), "--widths"),
    (("missing.py:R",), "missing.py"),
])
def test_validate_bad_input_is_one_line_and_exit_2(tmp_path, args, says):
    r = _pcproof("validate", *args, "--no-align", cwd=tmp_path)
    assert r.returncode == 2 and says in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_validate_exit_1_for_a_rule_exact_under_nothing(tmp_path):
    r = _pcproof("validate", "--rule", "fa-z-il", "--no-align", "--widths", "2,2,2", cwd=tmp_path)
    assert r.returncode == 1 and "NOT BP" in r.stdout, r.stdout + r.stderr


def test_zoo_table(tmp_path):
    r = _pcproof("zoo", "--only", "fa", "--only", "z-il", "--no-align", "--out", str(tmp_path / "rep"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "rep" / "zoo.md").read_text()
    assert "| fa |" in page and "B = θᵀ" in page and "Lillicrap" in page and "| z-il | proved at" in page



def test_exact_under_orthogonal_theta_through_quotients():
    """Cayley's θ is a quotient of polynomials: the symbolic difference is 0 only over a
    common denominator, which the kernel's check must see (GAIT-prop with one hidden layer
    and V = θᵀ is BP when θ is orthogonal; refuted without)."""
    arch = Architecture((2, 2, 2), U)
    rule = ZOO["gait-prop"].build()
    j = judge_condition(rule, arch, C.ORTHOGONAL, prove_updates(rule, arch))
    assert j.kind == kernel.EXACT_UNDER, j.statement


class SquaredFeedbackError(FA):
    """Width 1: δ^1 = f′(x̄^1) (θ^1 + (B^1 − θ^1)²) δ^0 — BP to first order in B − θᵀ."""
    name = "squared-feedback-error"

    def errors(self, arch, params, ops, ann):
        delta = {0: ops.sub(params.s_out, ann.x_bar(0))}
        th, B = params.theta[1][0][0], params.matrices["B"][1][0][0]
        gain = th + (B - th) * (B - th)
        delta[1] = ops.mul(ops.df(ann.x_bar(1)), ops.scale(gain, delta[0]))
        return delta


def test_order_one_with_its_second_order_witness():
    j = judge_order(SquaredFeedbackError(), Architecture((1, 1, 1), U), C.FEEDBACK_ERROR)
    assert j.kind == kernel.EXACT_TO_ORDER and (j.order["k"], j.order["departs_at"]) == (1, 2), j.statement
    assert j.counterexample["order"] == 2 and sp.Rational(j.counterexample["coefficient"]) != 0


def test_il_card_carries_its_measured_approach_to_bp(monkeypatch):
    """IL's row: the measured approach to BP in its own knobs (t_c, π_0, s) is on the card and in
    the zoo table, as a measurement; only the weak-output-precision limit reaches BP."""
    import pcproof.check.validate as V
    monkeypatch.setattr(V, "measure_alignment", lambda rule, plot_dir=None: (None, "skipped in this test"))
    entry = ZOO["il"]
    card = V.validate(entry.build(), entry, widths=(1, 1, 1), align=True)
    head = card.limits["headline"]
    assert "π_0 → 0: → BP" in head and "t_c → ∞: not BP" in head
    assert "limits" in card.text() and "limits (measured)" in V.zoo_rows([card])[0][4]
    assert card.headline.kind != "exact"          # a measurement never makes a proof


def test_zil_card_is_exact_at_every_depth():
    from pcproof.check.validate import validate
    from pcproof.rules import ZIL
    card = validate(ZIL(), ZOO["z-il"], align=False, rule_class=ZIL)
    assert card.headline.kind == kernel.EXACT and "every depth" in card.headline.statement
    assert card.exit_code == 0
    # built with other knobs, the class's all-depth proof is not this rule's: not claimed
    assert "every depth" not in validate(ZIL(), ZOO["z-il"], align=False).headline.statement


def test_gait_and_ar_rows_state_the_orders_the_kernel_established():
    """GAIT-prop's row: exact under θ orthogonal (one hidden layer), to order 1 in γ departing
    at γ² under θ orthogonal with two hidden layers, for every γ with f linear too, departing
    at γ⁻¹ without orthogonality; AR's: order T − 1 in 1 − η at T = 2, 3 sweeps (a variant's
    order, so never the row's headline)."""
    from pcproof.check.validate import order_cell, validate, zoo_rows
    card = validate(ZOO["gait-prop"].build(), ZOO["gait-prop"], align=False)
    cells = [order_cell(j) for j in card.orders()]
    assert "to order 1 in γ, departs at γ² [θ orthogonal, square layers (Cayley); widths [2, 2, 2, 2]]" in cells
    assert any(c.startswith("exact for every γ [θ orthogonal, square layers (Cayley) and f linear") for c in cells)
    assert "departs at γ⁻¹ [nothing imposed; widths [2, 2, 2]]" in cells
    assert any(c.startswith("exact for every γ [(θˡ)ᵀθˡ = I") and "widths [3, 2, 2]" in c for c in cells), cells
    assert card.headline.kind == kernel.EXACT_UNDER and card.exit_code == 0
    ar = validate(ZOO["ar"].build(), ZOO["ar"], align=False)
    got = [(j.order["text"], j.order["k"], j.order["departs_at"]) for j in ar.orders()]
    assert got == [("1 − η (η → 1) with T = 2", 1, 2), ("1 − η (η → 1) with T = 3", 2, 3)], got
    assert ar.headline.kind == kernel.NOT_BP          # η = 1/10, T = 100 as written
    assert "to order 2 in (1 − η), departs at (1 − η)³" in zoo_rows([ar])[0][3]


SOFT_RULE = '''
from fractions import Fraction
from pcproof.rules import BP, Rule


class Soft(Rule):
    """BP with its updates scaled by 1 + beta**2: BP to order 1 in beta, departing at beta**2."""
    name = "soft"
    beta = Fraction(1, 10)

    def updates(self, arch, params, ops, alpha):
        out = BP().updates(arch, params, ops, alpha)
        gain = ops.number(1) + self.beta * self.beta
        return {k: ops.mat_scale(gain, v) if k[0] == "theta" else ops.scale(gain, v) for k, v in out.items()}
'''


def test_validate_a_users_knob_order(tmp_path):
    """--knob NAME: a user's rule judged in Taylor series in its own knob (an attribute here)."""
    (tmp_path / "soft.py").write_text(SOFT_RULE)
    r = _pcproof("validate", "soft.py:Soft", "--knob", "beta", "--no-align", "--widths", "2,2,2", "--json",
                 "--out", str(tmp_path / "card.md"), cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    card = json.loads(r.stdout)
    assert card["verdict"] == kernel.EXACT_TO_ORDER
    assert [(o["parameter"], o["k"], o["departs_at"]) for o in card["orders"]] == [("beta", 1, 2)]
    for bad, says in (("gamma", "no knob 'gamma'"), ("beta=2", "KNOB=0 or KNOB=1")):
        r = _pcproof("validate", "soft.py:Soft", "--knob", bad, "--no-align", cwd=tmp_path)
        assert r.returncode == 2 and says in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
