"""The hypotheses of the theorems, one object each (Song et al. 2020, Z-IL's C1–C3, and the
graph forms of Salvatori et al. 2022).  Every stage reads its condition from here: the
statement (:mod:`pcproof.theorem`), the draws of :mod:`pcproof.strategies`, the provers
(concrete, graph, all-depth), the ablation and the reports; nobody spells out again what
C1 means or which knob of a run breaks it.

A condition knows
* ``name``, ``text``, ``latex`` — how it is stated;
* ``knob`` — the :class:`~pcproof.theorem.Setting` field a run turns to break it, and
  ``held(setting, gamma)`` — whether a run keeps it;
* ``draw_random`` / ``draw_strategy`` — what the fuzzer and the hypothesis strategies draw
  for the knob when the theorem does not assume the condition;
* ``z3`` — its hypothesis in the all-depth prover's terms, or None when the condition is
  built into the run itself (the rule's update step, the number γ) rather than assumed.

Nothing here imports sympy, z3 or hypothesis at load time (``pcproof list`` reads the
names and must start quickly).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Callable


@dataclass(frozen=True)
class Condition:
    """A hypothesis of a theorem: its name, a plain sentence and (optionally) LaTeX, and how a
    run breaks it (``knob`` of the setting; ``kept`` is the knob's value when it holds)."""

    name: str
    text: str
    latex: str | None = None
    knob: str | None = None                 # the Setting field that breaks it (None: not a run's knob)
    kept: Any = None                        # the knob's value when the condition holds
    breaks: str = ""                        # how a run breaks it, in words (ablation, reports)
    _draw_random: Callable | None = field(default=None, repr=False, compare=False)    # (rng, space) -> knob value
    _draw_strategy: Callable | None = field(default=None, repr=False, compare=False)  # (space) -> a strategy
    _z3: Callable | None = field(default=None, repr=False, compare=False)             # (all-depth world) -> formula

    def held(self, setting, gamma=None) -> bool:
        """Whether a run with ``setting`` (and its resolved γ) keeps this condition."""
        if self.knob == "gamma":
            # a free symbol γ is not γ = 1; every sympy object answers is_Number, other numbers are numbers
            return bool(getattr(gamma, "is_Number", True)) and gamma == 1
        return self.knob is None or getattr(setting, self.knob) == self.kept

    def draw_random(self, rng, space):
        """The knob's value for a fuzz case when the theorem does not assume this condition."""
        return self._draw_random(rng, space)

    def draw_strategy(self, space):
        """The same as a hypothesis strategy (it shrinks toward the condition holding)."""
        return self._draw_strategy(space)

    def z3(self, world):
        """The hypothesis as a z3 formula over the all-depth prover's ``world``; None when the
        condition is not assumed as a fact but built into the run (see the module docstring)."""
        return self._z3(world) if self._z3 is not None else None

    def broken(self, setting, value):
        """``setting`` with this condition's knob set to ``value``."""
        return replace(setting, **{self.knob: value})


def _c1_z3(w):
    import z3
    l = z3.Int("l", w.ctx)
    return z3.ForAll([l], z3.Implies(z3.And(l >= 1, l <= w.L - 1), w.X0(l) == w.Xbar(l)), patterns=[w.X0(l)], qid="C1")


def _st():
    from hypothesis import strategies as st
    return st


C1 = Condition("C1", "the PCN starts from its feed-forward values: x^l_0 = x̄^l",
               r"x^l_0 = \bar{x}^l \text{ for } l = 1, \dots, L-1 \text{ (start at the feed-forward values)}",
               knob="init_noise", kept=False, breaks="noise on the initial hidden values",
               _draw_random=lambda rng, space: rng.random() < 0.5,
               _draw_strategy=lambda space: _st().booleans(),
               _z3=_c1_z3)
C2 = Condition("C2", "θ^{l+1} is updated at inference step t = l", r"\theta^{l+1} \text{ is updated at exactly } t = l",
               knob="update_offset", kept=0, breaks="every layer updated at step t",
               _draw_random=lambda rng, space: rng.randint(0, space.max_offset),
               _draw_strategy=lambda space: _st().integers(0, space.max_offset))
C3 = Condition("C3", "the inference step is γ = 1", r"\gamma = 1",
               knob="gamma", kept=Fraction(1), breaks="inference step γ",
               _draw_random=lambda rng, space: rng.choice(space.gammas),
               _draw_strategy=lambda space: _st().sampled_from(space.gammas))
#: The conditions a run's setting can break, in order (a verdict's ``conditions`` lists these).
CONDITIONS = (C1, C2, C3)

#: On a computational graph (Salvatori et al. 2022): C2 generalised to the distance d(v) to
#: the output; the same knob (an offset of the update step) breaks it.
C2_GRAPH = replace(C2, text="the parameters of vertex v learn at inference step t = d(v)",
                   latex=r"\theta_v \text{ is updated at exactly } t = d(v)")
#: A property of the graph, not of the run: checked on the graph (Graph.levelled).
LEVELLED = Condition("levelled", "every path from a vertex to the output has the same length",
                     r"\text{every path from } v \text{ to the output has length } d(v)")


@dataclass(frozen=True)
class Schedule:
    """When a shared parameter's updates apply on a graph (``--shared-updates``)."""

    name: str
    text: str


SHARED_UPDATES = {s.name: s for s in (
    Schedule("immediate", "each update applies at once, so later predictions see it"),
    Schedule("deferred", "the updates are accumulated and applied after the run"),
)}



def held(setting, gamma) -> dict[str, bool]:
    """Which of C1–C3 a run with ``setting`` and γ keeps (the verdict's ``conditions``)."""
    return {c.name: c.held(setting, gamma) for c in CONDITIONS}


__all__ = ["Condition", "C1", "C2", "C3", "CONDITIONS", "C2_GRAPH", "LEVELLED", "Schedule", "SHARED_UPDATES", "held"]
