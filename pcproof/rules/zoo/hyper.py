"""Typed hyper-parameters of the zoo rules.

Each zoo rule carries one small frozen dataclass of its own knobs (a feedback
matrix's initial scale, a number of inference steps, a nudge β …) instead of the PC
knobs ``gamma``/``init_noise``/``update_offset`` that :class:`~pcproof.rules.PCRule`
forces on its family.  The dataclass is the rule's ``hyper`` attribute; the rule is
built with ``Rule(hyper=…)`` or ``Rule(**knobs)``; the CLI and the reports print it
with :func:`describe`.
"""
from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Hyper:
    """Base of every zoo rule's knobs (none)."""

    def describe(self) -> str:
        return ", ".join(f"{f.name}={getattr(self, f.name)}" for f in fields(self)) or "no knobs"


@dataclass(frozen=True)
class FeedbackHyper(Hyper):
    """Knobs of a rule with fixed random feedback matrices B^l (FA, DFA).

    ``feedback_scale``: B^l_{ij} ~ N(0, feedback_scale² / n_cols) when the trainer draws
    B (proofs and witnesses treat B as arbitrary: its own symbols, or small rationals)."""

    feedback_scale: float = 1.0

    def __post_init__(self):
        if not self.feedback_scale > 0:
            raise ValueError(f"feedback_scale must be positive, got {self.feedback_scale}")


class HyperRule:
    """Mixin: ``hyper_class`` names the rule's dataclass; ``__init__`` takes an instance or
    its fields as keywords (an unknown knob is a ``ValueError`` naming the known ones)."""

    hyper_class: type = Hyper

    def __init__(self, hyper: Hyper | None = None, **knobs):
        if hyper is not None and knobs:
            raise ValueError("give either hyper=… or keyword knobs, not both")
        if hyper is None:
            known = {f.name for f in fields(self.hyper_class)}
            unknown = sorted(set(knobs) - known)
            if unknown:
                raise ValueError(f"{self.name}: unknown knob(s) {', '.join(unknown)} "
                                 f"(known: {', '.join(sorted(known)) or 'none'})")
            hyper = self.hyper_class(**knobs)
        elif not isinstance(hyper, self.hyper_class):
            raise TypeError(f"{self.name}: hyper must be a {self.hyper_class.__name__}")
        self.hyper = hyper

    def describe(self) -> str:
        return f"{self.name} ({self.hyper.describe()})"
