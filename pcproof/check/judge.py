"""Claims about a rule against BP, built for the kernel to judge (pcproof.kernel,
"judgements"): the rule's updates equal BP's with nothing assumed, under a named
hypothesis (pcproof.check.hypotheses), and to order k in a small parameter (of the point, or
one of the rule's own knobs: Taylor series, pcproof.numbers.taylor).

Every claim runs the rule's own code through :func:`pcproof.rules.rule_updates` (the
theorem "thm-3.2": each update equals BP's), in the symbolic system for the proof and
at exact rational points (rationals or arb balls) for the witnesses.
"""
from __future__ import annotations

import random
from fractions import Fraction
from typing import Callable


from .. import kernel
from ..model import Architecture, get_activation, random_params, symbolic_params
from ..numbers import SymbolicOps
from ..numbers.compare import components
from ..rules.base import rule_matrices, running_rule, update_latex
from ..theorem import Equation, Instance, Setting, Theorem, alpha as ALPHA, get as get_theorem
from .concrete import rigorous_candidates, witness_point
from .hypotheses import Hypothesis, SmallParameter, without

#: the claim: every update the rule makes equals BP's (Song et al. 2020, Thm 3.2's equations)
CLAIM = "thm-3.2"


def _meta(rule, arch: Architecture, hyp: Hypothesis | None, theorem=None) -> dict:
    return dict(theorem="updates = BP" if theorem is None else theorem.title, depth=arch.L, widths=list(arch.widths), activation=arch.activation.name,
                bias=arch.bias, gamma=None, rule=getattr(rule, "name", type(rule).__name__),
                hypotheses=[] if hyp is None else [hyp.name] + [p.name for p in hyp.parts], conditions={})


def _bp_vanishes(i):
    # BP's updates are all zero (a condition under which this holds makes "exact" vacuous)
    zero = i.ops.number(0)
    return [Equation(rf"{update_latex(k)}_{{\text{{BP}}}} = 0", u,
                     i.ops.mat_scale(zero, u) if k[0] == "theta" else i.ops.scale(zero, u))
            for k, u in i.bp_updates.items()]


BP_VANISHES = Theorem("bp-vanishes", "BP makes no update", "pcproof", (), r"\Delta\theta_{\text{BP}} = 0",
                      _bp_vanishes)


def prove_updates(rule, arch: Architecture, hyp: Hypothesis | None = None, timeout: float | None = 60,
                  theorem: Theorem | None = None) -> kernel.Verdict:
    """The kernel's verdict on "the rule's updates are BP's" at ``arch``, with ``hyp`` imposed
    (``theorem``: another claim about the same instance, e.g. :data:`BP_VANISHES`)."""
    theorem = theorem or get_theorem(CLAIM)
    setting = Setting(rule=rule)
    arch = hyp.arch(arch) if hyp is not None else arch
    impose = (lambda a, p, ops: hyp.impose(a, p, ops)) if hyp is not None else (lambda a, p, ops: p)

    def symbolic():
        with running_rule(passthrough=(kernel.Timeout,)):
            ops = SymbolicOps(arch.activation)
            params = symbolic_params(arch, (), setting.matrices(arch)).map(ops.number)
            inst = Instance(arch, ops, impose(arch, params, ops), setting, ops.number(1), ops.number(ALPHA))
            return ops, theorem.claim(inst)

    def candidates(exact_only):
        def draw(act, seed, zero):
            concrete = Architecture(arch.widths, act, arch.bias)
            params, rng = witness_point(concrete, setting, seed, zero)
            return params, rng, lambda ops, p, g, al: Instance(concrete, ops, impose(concrete, p, ops), setting, g, al)
        return rigorous_candidates(theorem, setting, arch.activation, arch.L, range(1, arch.L + 1), draw, exact_only)

    meta = _meta(rule, arch, hyp, None if theorem.name == CLAIM else theorem)
    return kernel.decide_identities(meta, symbolic, candidates, timeout=timeout)


def judge_condition(rule, arch: Architecture, hyp: Hypothesis, plain: kernel.Verdict,
                    timeout: float | None = 60) -> kernel.Judgement:
    """Exact under ``hyp``: proved with it, refuted without it (``plain``) and, for a
    compound condition, refuted with each part left out."""
    return condition_judgement(_name(rule), hyp, plain, BP_VANISHES,
                               lambda h, theorem=None: prove_updates(rule, arch, h, timeout, theorem=theorem))


def condition_judgement(name: str, hyp: Hypothesis, plain: kernel.Verdict, vanishes: Theorem,
                        prove: Callable[..., kernel.Verdict]) -> kernel.Judgement:
    """The runs "exact under ``hyp``" needs, for a layered network or a graph alike (``prove(h,
    theorem=None)`` proves the rule's claim with ``h`` imposed): proved with it, refuted without it
    (``plain``) and with each part of a compound condition left out, and BP not identically 0
    under it (``vanishes``: else "exact" would be vacuous).  pcproof.kernel.judge_under decides."""
    under = prove(hyp)
    others, vacuity = [plain], None
    if under.verdict == kernel.PROVED:
        vacuity = prove(hyp, theorem=vanishes)
        for part in hyp.parts:
            rest = without(hyp, part)
            if rest is not None:
                others.append(prove(rest))
    return kernel.judge_under(name, hyp.info(), under, others, vacuity)


def _name(rule) -> str:
    return getattr(rule, "name", type(rule).__name__)


#: the activation a knob order's witness is computed with: a polynomial (exact rationals)
#: with f′ = 1 + x² > 0, so invertible on the whole line (GAIT-prop's f⁻¹ is its inverse)
KNOB_WITNESS_ACTIVATION = "expr:x + x**3/3"
#: rational points tried for a knob order's witness
KNOB_WITNESS_SEEDS = range(6)


def judge_knob_order(rule, arch: Architecture, knob, max_order: int | None = None,
                     timeout: float | None = 60) -> kernel.Judgement:
    """Exact to order k in one of the rule's own knobs (``knob``, a
    :class:`~pcproof.check.hypotheses.Knob`): the rule, rebuilt with the knob at ``knob.at(ε)``,
    runs through :func:`pcproof.rules.rule_updates` in Taylor series in ε
    (:class:`pcproof.numbers.taylor.TaylorOps`), its ``base`` condition imposed on the point;
    the kernel checks that rule − BP's coefficients vanish identically (f uninterpreted) up to
    order k and that ε^{k+1}'s is a non-zero rational at a witness (the same run at a
    rational point, f = x + x³/3).  No rescaling: a rule whose update is a scaled BP must
    rescale it itself, as GAIT-prop does with γ^{−l} (docs/zoo.md, "Orders in a knob")."""
    from ..numbers.taylor import EPS
    from .hypotheses import with_knob
    widths = tuple(knob.widths or arch.widths)
    arch = Architecture(widths, arch.activation, arch.bias)
    if knob.base is not None:
        arch = knob.base.arch(arch)
    base_rule = knob.build(rule) if knob.build is not None else rule
    judged = with_knob(base_rule, knob.knob, knob.value(EPS))

    def prepare(ops, params):
        # the knob is a series of this run's system, so a comparison the rule's code makes on
        # it is seen (and recorded) there, not decided by sympy's structural ==
        params = knob.base.impose(arch, params, ops) if knob.base is not None else params
        return with_knob(base_rule, knob.knob, ops.number(knob.value(EPS))), params

    meta = _meta(judged, arch, knob.base)
    meta["under"] = None if knob.base is None else knob.base.text
    return _series_order(_name(rule), rule_matrices(judged, arch), arch, prepare, meta, knob.info(),
                         knob.max_order if max_order is None else max_order, timeout)


def judge_order(rule, arch: Architecture, small: SmallParameter, max_order: int = 2,
                timeout: float | None = 60) -> kernel.Judgement:
    """Exact to order k in a small parameter ε of the *point* (``small``: B = θᵀ + εE): the
    same series machinery as :func:`judge_knob_order`, ε entering through the point."""
    from ..numbers.taylor import EPS
    arch = small.base.arch(arch) if small.base is not None else arch

    def prepare(ops, params):
        return rule, small.perturb(arch, params, ops, ops.number(EPS))

    meta = _meta(rule, arch, small.base)
    meta["under"] = None if small.base is None else small.base.text
    return _series_order(_name(rule), rule_matrices(rule, arch), arch, prepare, meta, small.info(),
                         max_order, timeout)


def _series_order(name, matrices, arch, prepare, meta, info, max_order, timeout) -> kernel.Judgement:
    """Run rule − BP in Taylor series (``prepare(ops, params)`` → (rule, params): ε put in the
    rule's knob or the point), symbolically for the proof and at rational points for the
    witnesses, and ask the kernel (pcproof.kernel.decide_series_order)."""
    from ..numbers.taylor import TaylorOps
    from ..rules import BP, rule_updates

    def run(ops, params, alpha):
        with running_rule(passthrough=(kernel.Timeout,)):
            rule, params = prepare(ops, params.map(ops.number))
            mine = rule_updates(rule, arch, params, ops, ops.number(alpha))
            bp = rule_updates(BP(), arch, params, ops, ops.number(alpha))
        entries = []
        for key in sorted(bp):
            for (_, a), (_, b) in zip(components(mine[key]), components(bp[key])):
                entries.append(a - b)
        return {"entries": entries, "ops": ops}

    def expand(order):
        return run(TaylorOps(arch.activation, "sympy", order), symbolic_params(arch, (), matrices), ALPHA)

    def witnesses():
        act = get_activation(KNOB_WITNESS_ACTIVATION) if arch.activation.uninterpreted else arch.activation
        if not act.is_polynomial:
            return
        concrete = Architecture(arch.widths, act, arch.bias)
        for seed in KNOB_WITNESS_SEEDS:
            point = random_params(concrete, random.Random(seed), matrices=matrices)
            shown = {"f": "x + x³/3" if act.name == KNOB_WITNESS_ACTIVATION else str(act.expr), "seed": seed,
                     "widths": list(arch.widths), "point": {k: str(v) for k, v in point.scalars().items()},
                     "alpha": "1/10"}
            yield shown, (lambda order, point=point: run(TaylorOps(act, "rational", order), point, Fraction(1, 10)))

    meta["widths"] = list(arch.widths)
    return kernel.decide_series_order(name, meta, info, expand, witnesses, max_order, timeout)
