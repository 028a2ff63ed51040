"""The credit-assignment zoo: rules researchers compare with backpropagation, each written
once against the op algebra (one module per rule), and the registry :data:`ZOO` that
``pcproof zoo`` and ``pcproof validate --rule NAME`` judge them from (docs/zoo.md).

An entry names the rule, its paper, the rule class, the conditions to try
(pcproof.check.conditions: exact under them?), the small parameters for order k, and
the widths it is proved at.  Add one with :func:`register`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ...check import conditions as C
from .dfa import DFA
from .fa import FA
from .hyper import FeedbackHyper, Hyper, HyperRule

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

    def build(self):
        return self.make() if self.make is not None else self.rule()


ZOO: dict[str, ZooEntry] = {}


def register(entry: ZooEntry) -> ZooEntry:
    ZOO[entry.name] = entry
    return entry


def get(name: str) -> ZooEntry:
    from ...userfile import UserError
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


def _pc_entries():
    """Z-IL, Fa-Z-IL and IL as pcproof has them (pcproof.rules.pc, pcproof.rules.fazil)."""
    from ..fazil import FaZIL
    from ..pc import IL, ZIL
    register(ZooEntry("z-il", "Song, Lukasiewicz, Xu & Bogacz, NeurIPS 2020, Thm 3.2", ZIL,
                      equation="θ^{l+1} learns at t = l, γ = 1, x_0 = x̄ (C1–C3)",
                      note="the all-depth proof: pcproof prove thm-3.2 --all-depths"))
    register(ZooEntry("fa-z-il", "Salvatori et al. 2022 (Fa-Z-IL), reading of docs/notation.md", FaZIL,
                      equation="every θ learns when its error node moves after t_d steady steps",
                      widths=(2, 3, 2, 2)))
    register(ZooEntry("il", "Whittington & Bogacz, Neural Computation 29 (2017)", IL,
                      equation="inference to t_c = 20 with γ = 1/10, then learn", 
                      conditions=(C.ZERO_OUTPUT_ERROR,),
                      note="approaches BP only in its paper's limit (weak output precision): see the alignment"))


_pc_entries()

__all__ = ["ZOO", "ZooEntry", "register", "get", "FA", "DFA", "Hyper", "HyperRule", "FeedbackHyper", "WIDTHS"]

# the rows of pcproof.rules.zoo.entries (AR, relaxed PC, GAIT-prop)
from . import entries as _entries  # noqa: E402,F401
