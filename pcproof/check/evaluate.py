"""One fuzz case evaluated: a theorem's own claim at a :class:`~pcproof.strategies.Case`, in
a numeric system (arb balls, mpmath, exact rationals), its sides compared rigorously.

Below both :mod:`pcproof.strategies` (``Case.evaluate``) and :mod:`pcproof.check.fuzz`
(the loop, the shrinker and the report), so neither imports the other's upper half.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..numbers import NotExact
from ..numbers.compare import EQUAL, UNDECIDED, Comparison, compare_equations, comparator
from ..rules.base import running_rule
from ..theorem import get as get_theorem

SYSTEMS = ("arb", "mpmath", "rational", "auto")


@lru_cache(maxsize=64)
def make_ops(system: str, activation, digits: int):
    """The number system ``system`` for an activation (cached: a system holds nothing
    but memos, and compiling f, f' costs more than a case).

    ``auto`` is exact rationals for a polynomial activation and arb balls otherwise."""
    if system == "auto":
        system = "rational" if activation.concrete().is_polynomial else "arb"
    if system == "arb":
        from ..numbers.arb import ArbOps
        return ArbOps(activation, digits)
    if system == "mpmath":
        from ..numbers import MpmathOps
        return MpmathOps(activation, digits)
    if system == "rational":
        from ..numbers import RationalOps
        return RationalOps(activation)
    raise ValueError(f"unknown number system {system!r} (choose from {', '.join(SYSTEMS)})")


@lru_cache(maxsize=64)
def _comparator(ops, digits):
    return comparator(ops, digits)


@dataclass
class Outcome:
    """A theorem's claim at one case, compared in one number system."""

    case: "Case"   # pcproof.strategies.Case
    system: str
    digits: int
    comparison: Comparison
    working_digits: int | None = None   # digits actually computed with (balls may escalate)

    @property
    def status(self) -> str:
        return self.comparison.status

    @property
    def holds(self) -> bool:
        return self.status == EQUAL

    def assert_holds(self):
        """Raise AssertionError (for pytest) unless every equation is equal."""
        if not self.holds:
            bad = self.comparison.failure
            raise AssertionError(
                f"{self.case.theorem} {self.status} in {self.system}: {bad.label} at entry {bad.entry}: "
                f"lhs = {bad.lhs}, rhs = {bad.rhs} (difference {bad.difference:.3g}); {self.case!r}")


def evaluate(case, system: str = "auto", digits: int = 50, theorem=None, escalate: int = 4) -> Outcome:
    """Evaluate ``case``'s theorem (its own ``claim``) in a numeric system and compare the sides.

    In ball arithmetic an *undecided* comparison (a ball containing 0 but wider than
    10^-(digits−10): intermediate values much larger than the result, as a polynomial
    activation gives at depth) is recomputed with twice the working digits, up to
    ``escalate`` times; the verdict is still judged at ``digits``."""
    thm = theorem or get_theorem(case.theorem)
    work = digits
    while True:
        ops = make_ops(system, case.arch.activation, work)
        try:
            with running_rule():
                equations = thm.claim(case.instance(ops))
        except NotExact:
            if system != "auto" or ops.system != "rational":
                raise
            # a float in the rule's code: exact rationals cannot hold it, balls take its exact value
            system = "arb"
            continue
        result = compare_equations(ops, equations, _comparator(ops, digits))
        if result.status != UNDECIDED or ops.system != "arb" or escalate <= 0:
            return Outcome(case, ops.system, digits, result, work)
        work, escalate = 2 * work, escalate - 1
