"""The credit-assignment zoo's registry: every row :data:`ZOO` that ``pcproof zoo`` and
``pcproof validate --rule NAME`` judge (docs/zoo.md).  The rules themselves live in
:mod:`pcproof.rules.zoo`, one module per rule; an entry names the rule, its paper, the
conditions to try (:mod:`pcproof.check.hypotheses`: exact under them?), the small parameters
for order k (a perturbation of the point, or a :class:`~pcproof.check.hypotheses.Knob`, one of
the rule's own hyper-parameters), and the widths it is proved at.  Add one with :func:`register`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable

from . import hypotheses as C
from ..rules.zoo import DFA, FA

#: widths the zoo proves at by default: two hidden layers, ragged (n_0 … n_L, output first)
WIDTHS = (2, 3, 2, 2)


@dataclass(frozen=True)
class ZooEntry:
    """One row of the zoo.  ``make()`` builds the rule judged (default: ``rule()``)."""

    name: str
    paper: str
    rule: type
    equation: str = ""
    conditions: tuple = ()
    small: tuple = ()
    widths: tuple = WIDTHS
    make: Callable | None = None
    note: str = ""
    align: bool = True           # measure the alignment with BP (pcproof.check.align) in the zoo table
    limits: Callable | None = None   # a measured approach to BP in the rule's own knobs (IL: t_c, π_0, s)

    def build(self):
        return self.make() if self.make is not None else self.rule()


ZOO: dict[str, ZooEntry] = {}


def register(entry: ZooEntry) -> ZooEntry:
    ZOO[entry.name] = entry
    return entry


def get(name: str) -> ZooEntry:
    from ..userfile import UserError
    if name not in ZOO:
        raise UserError(f"unknown zoo rule {name!r} (known: {', '.join(ZOO)})")
    return ZOO[name]


register(ZooEntry(
    "fa", "Lillicrap, Cownden, Tweed & Akerman, Nature Communications 7:13276 (2016); "
          "layered form: Nøkland, NIPS 2016, Sec. 2", FA,
    equation="δ^l = f'(x̄^l) ⊙ B^l δ^{l−1}",
    conditions=(C.FEEDBACK_TRANSPOSE, C.LINEAR),
    small=(C.FEEDBACK_ERROR,)))

register(ZooEntry(
    "dfa", "Nøkland, Direct Feedback Alignment Provides Learning in Deep Neural Networks, NIPS 2016, Sec. 2", DFA,
    equation="δ^l = f'(x̄^l) ⊙ B^l δ^0",
    conditions=(C.FEEDBACK_CHAIN, C.LINEAR, C.both(C.FEEDBACK_CHAIN, C.LINEAR)),
    small=(C.CHAIN_ERROR,)))


def _il_limits():
    """IL's measured approach to BP against t_c, π_0 and the output error's size
    (pcproof.check.align.il_limits, the quick sweep)."""
    from .align import il_limits
    return il_limits(quick=True)


def _pc_entries():
    """Z-IL, Fa-Z-IL and IL as pcproof has them (pcproof.rules.pc, pcproof.rules.fazil)."""
    from ..rules.fazil import FaZIL
    from ..rules.pc import IL, ZIL
    register(ZooEntry("z-il", "Song, Lukasiewicz, Xu & Bogacz, NeurIPS 2020, Thm 3.2", ZIL,
                      equation="θ^{l+1} learns at t = l, γ = 1, x_0 = x̄ (C1–C3)",
                      note="the all-depth proof: pcproof prove thm-3.2 --all-depths"))
    register(ZooEntry("fa-z-il", "Salvatori et al. 2022 (Fa-Z-IL), reading of docs/notation.md", FaZIL,
                      equation="every θ learns when its error node moves after t_d steady steps",
                      widths=(2, 3, 2, 2)))
    register(ZooEntry("il", "Whittington & Bogacz, Neural Computation 29 (2017)", IL,
                      equation="inference to t_c = 20 with γ = 1/10, then learn", 
                      conditions=(C.ZERO_OUTPUT_ERROR,),
                      note="approaches BP only in its paper's limit (weak output precision): see the alignment",
                      limits=_il_limits))


_pc_entries()


# AR, relaxed PC and GAIT-prop, whose special cases pcproof decides (docs/zoo.md, "Rules")
from fractions import Fraction

from ..rules.zoo.ar import AR
from ..rules.zoo.gaitprop import GaitProp
from ..rules.zoo.relaxed_pc import RelaxedPC

AR_PAPER = "Millidge, Tschantz, Seth & Buckley, Activation Relaxation, arXiv:2009.05359 (2020), Sec. 2, 4"
RPC_PAPER = ("Millidge, Tschantz, Seth & Buckley, Relaxing the Constraints on Predictive Coding Models, "
             "arXiv:2010.01047 (2020), Sec. 3")


def _named(rule, name):
    """The rule with this row's name (reports and tables tell the variants apart)."""
    rule.name = name
    return rule


GAIT_PAPER = "Ahmad, van Gerven & Ambrogioni, GAIT-prop, NeurIPS 2020 (arXiv:2006.06438), Sec. 3"

def _sweeps(n, name="steps"):
    """The row's rule with ``n`` sweeps (steps): an order in 1 − η is judged at a few sweeps."""
    return lambda rule: C.with_knob(rule, name, n)


def _rate_to_1(knob, what, latex, steps):
    """A rate ``what`` → 1 as 1 − ε, at ``steps`` sweeps (the order grows with them: docs/zoo.md)."""
    return C.Knob(knob, f"1 − {what} ({what} → 1) with T = {steps}", f"1 - {latex}", f"(1 − {what})",
                  at=lambda e: 1 - e, build=_sweeps(steps), max_order=steps + 1, variant=f"T = {steps}")


register(ZooEntry(
    "ar", AR_PAPER, AR, equation="u^l ← u^l + η(−u^l + (θ^l)ᵀ(f'(x̄^{l−1}) ⊙ u^{l−1})), T sweeps; η = 1/10, T = 100",
    small=tuple(_rate_to_1("eta", "η", r"\eta", T) for T in (2, 3)),
    note="the authors' knobs; one sweep at η = 1 is BP (row ar-eta1); the order in 1 − η is judged at T = 2, 3"))
register(ZooEntry(
    "ar-eta1", AR_PAPER, AR, make=lambda: _named(AR(eta=1, steps=1), "ar-eta1"),
    equation="one relaxation sweep at η = 1"))
register(ZooEntry(
    "ar-no-df", AR_PAPER, AR, make=lambda: _named(AR(eta=1, steps=1, derivative=False), "ar-no-df"),
    equation="u^l = (θ^l)ᵀ u^{l−1}: no f′ in the relaxation", conditions=(C.LINEAR,),
    note="exact for any f with one hidden layer (L = 2)"))
register(ZooEntry(
    "ar-learned", AR_PAPER, AR, make=lambda: _named(AR(eta=1, steps=1, feedback="learned"), "ar-learned"),
    equation="u^l = B^l (f'(x̄^{l−1}) ⊙ u^{l−1}), B learned", conditions=(C.FEEDBACK_TRANSPOSE,),
    small=(C.FEEDBACK_ERROR,)))
register(ZooEntry(
    "relaxed-pc", RPC_PAPER, RelaxedPC,
    equation="ε^l ← ε^l + γ(−ε^l + (θ^l)ᵀ(f'(x̄^{l−1}) ⊙ ε^{l−1})), fixed predictions; γ = 1/5, T = 100",
    small=tuple(_rate_to_1("gamma", "γ", r"\gamma", T) for T in (2, 3)),
    note="the authors' knobs; γ = 1 with T ≥ L − 1 steps is BP; the order in 1 − γ is judged at T = 2, 3"))
register(ZooEntry(
    "relaxed-pc-learned", RPC_PAPER, RelaxedPC, make=lambda: _named(RelaxedPC(gamma=1, steps=None, feedback="learned"), "relaxed-pc-learned"),
    equation="backward weights ψ = B^l learned in place of θᵀ (γ = 1, T = L − 1)",
    conditions=(C.FEEDBACK_TRANSPOSE,), small=(C.FEEDBACK_ERROR,)))
register(ZooEntry(
    "relaxed-pc-no-df", RPC_PAPER, RelaxedPC, make=lambda: _named(RelaxedPC(gamma=1, steps=None, derivative=False), "relaxed-pc-no-df"),
    equation="no f′ in the backward error (γ = 1, T = L − 1)", conditions=(C.LINEAR,),
    note="exact for any f with one hidden layer (L = 2)"))
register(ZooEntry(
    "relaxed-pc-learned-no-df", RPC_PAPER, RelaxedPC,
    make=lambda: _named(RelaxedPC(gamma=1, steps=None, feedback="learned", derivative=False),
                        "relaxed-pc-learned-no-df"),
    equation="both relaxations (γ = 1, T = L − 1)", conditions=(C.both(C.FEEDBACK_TRANSPOSE, C.LINEAR),)))
#: GAIT-prop's nudge γ → 0, with each condition the order is judged under (docs/zoo.md)
def _nudge(base, widths):
    return C.Knob("gamma", "the nudge γ (γ → 0)", r"\gamma", "γ", base=base, widths=widths, max_order=3)


register(ZooEntry(
    "gait-prop", GAIT_PAPER, GaitProp, make=lambda: _named(GaitProp(gamma=Fraction(1, 1000), inverse="transpose"), "gait-prop"),
    equation="τ^{l+1} = V^{l+1}(f⁻¹(y^l + γ f'(x̄^l)² ⊙ (τ^l − y^l)) − b^l), e^l = γ^{−l}(τ^l − y^l) ⊙ f'(x̄^l); V = θᵀ",
    # one hidden layer: exact under θ orthogonal for every f (the kernel proves it at γ = 1/1000);
    # the orders in γ (Taylor series, f⁻¹ the inverse function): with two hidden layers to
    # order 1 and departing at γ² under θ orthogonal, for every γ if f is linear too, and
    # departing at γ⁻¹ without orthogonality (so no order of γ makes it BP there); square
    # layers are not needed: θᵀθ = I (orthonormal columns, widths 3, 2, 2) is exact for every γ
    widths=(2, 2, 2), conditions=(C.ORTHOGONAL, C.LINEAR),
    small=(_nudge(C.ORTHOGONAL, (2, 2, 2, 2)), _nudge(C.both(C.ORTHOGONAL, C.LINEAR), (2, 2, 2, 2)),
           _nudge(C.ORTHOGONAL, (2, 2, 2)), _nudge(C.ORTHONORMAL_COLUMNS, (3, 2, 2)), _nudge(None, (2, 2, 2))),
    align=False,     # the alignment network (digits, 64-16-10) is not square: V = θᵀ is no inverse there
    note="V = θᵀ is θ⁻¹ exactly when θ is orthogonal (square layers); the orders in γ are the kernel's "
         "(pcproof.numbers.taylor: f⁻¹ expanded as the inverse function of an uninterpreted f)"))
