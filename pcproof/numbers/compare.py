"""What "the two sides are equal" means in each number system — the one place for it.

Every comparison gives a status and a size:

* ``equal`` / ``different`` / ``undecided`` (the status), decided as follows —

  ============  ==============================================================
  system        rule
  ============  ==============================================================
  rational      exact: ``a == b`` as fractions is equal, anything else different
  arb (balls)   equal when the ball a − b contains 0 and lies within
                ±10^-(digits−10) · max(1, |a|, |b|) (so its radius is below that
                bound); different when the ball
                excludes 0 (a *rigorous* counterexample); otherwise undecided
  mpmath        equal when |a − b| ≤ 10^-(digits−10) · max(1, |a|, |b|), else
                different (as the kernel's numeric re-check; not rigorous)
  float64       the same with 10^-9 in place of 10^-(digits−10)
  ============  ==============================================================

* the *difference* |a − b| / max(1, |a|, |b|) as a float (for balls, an upper
  bound of it), so sides much larger than 1 are compared relative to their size.

The scale max(1, |a|, |b|) makes "digits" mean significant digits for large
values (a polynomial activation grows doubly exponentially with depth) and
absolute digits below 1.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from .ops import ShapeError  # two sides of different shapes: the claim is malformed (bad input)

EQUAL, DIFFERENT, UNDECIDED = "equal", "different", "undecided"
_RANK = {EQUAL: 0, UNDECIDED: 1, DIFFERENT: 2}


def worst(statuses: Iterable[str]) -> str:
    """different beats undecided beats equal."""
    return max(statuses, key=_RANK.__getitem__, default=EQUAL)


def components(v) -> Iterable[tuple[str, Any]]:
    """(index text, scalar) for a vector or a matrix (rows are tuples)."""
    for i, row in enumerate(v):
        if isinstance(row, (tuple, list)):
            for j, c in enumerate(row):
                yield f"[{i}][{j}]", c
        else:
            yield f"[{i}]", row


class Comparator:
    """Compares scalars of one number system (build it with :func:`comparator`)."""

    system = "abstract"

    def compare(self, a, b) -> tuple[str, float]:
        raise NotImplementedError

    def text(self, c) -> str:
        return str(c)


class RationalComparator(Comparator):
    system = "rational"

    def compare(self, a, b):
        d = a - b
        if d == 0:
            return EQUAL, 0.0
        return DIFFERENT, float(abs(d) / max(1, abs(a), abs(b)))

    def text(self, c):
        s = str(c)
        return s if len(s) <= 40 else f"{float(c):.17g} (exact fraction of {len(s)} characters)"


class ToleranceComparator(Comparator):
    """mpmath and float64: equal within a relative tolerance (not rigorous)."""

    def __init__(self, system, tol, text=str):
        self.system, self.tol, self._text = system, tol, text

    def compare(self, a, b):
        scale = max(1, abs(a), abs(b))
        d = abs(a - b) / scale
        return (EQUAL if d <= self.tol else DIFFERENT), float(d)

    def text(self, c):
        return self._text(c)


class BallComparator(Comparator):
    """arb balls: rigorous "different", "equal" up to a radius bound."""

    system = "arb"

    def __init__(self, digits: int):
        import flint
        self.flint = flint
        self.digits = digits
        self.tol = flint.arb(10) ** (-(digits - 10))
        self.one = flint.arb(1)
        self.zero = flint.arb(0)

    def compare(self, a, b):
        arb = self.flint.arb
        if type(a) is not arb or type(b) is not arb:  # a claim may hold plain numbers (an exact 0)
            a, b = arb(a), arb(b)
        d = a - b
        upper = d.abs_upper()
        if upper <= self.tol:      # the fast, common case: |a − b| ≤ tol, certainly
            return (EQUAL if d.contains(self.zero) else DIFFERENT), float(upper)
        scale = max(self.one, a.abs_upper(), b.abs_upper())
        rel = float(upper / scale)
        if not d.contains(self.zero):
            return DIFFERENT, rel
        # |a − b| ≤ upper ≤ 2·radius when the ball holds 0: judging the upper bound is
        # at most a factor 2 stricter than the radius, and makes "equal" mean |a − b| ≤ tol·scale
        return (EQUAL if upper <= self.tol * scale else UNDECIDED), rel

    def text(self, c):
        """Midpoint to 25 digits and the ball's own radius (arb's printer would fold
        the rounding of the printed digits into the radius)."""
        c = self.flint.arb(c)
        return f"{c.mid().str(25, radius=False)} ± {float(c.rad()):.2g}"


def comparator(ops, digits: int | None = None) -> Comparator:
    """The comparator for the number system ``ops`` belongs to, judging at ``digits``
    (default: the system's working digits; balls may be computed at more digits than
    they are judged at — more guard digits never loosen the test)."""
    system = ops.system
    digits = getattr(ops, "digits", None) if digits is None else digits
    if system == "rational":
        return RationalComparator()
    if system == "arb":
        return BallComparator(digits)
    if system == "mpmath":
        ctx = ops.ctx
        return ToleranceComparator("mpmath", ctx.mpf(10) ** (-(digits - 10)), lambda c: ctx.nstr(c, 20))
    if system == "float64":
        return ToleranceComparator("float64", 1e-9, lambda c: repr(float(c)))
    raise ValueError(f"no numeric comparison for the {system!r} system")


@dataclass
class EquationResult:
    """How one claimed equation came out: its status, its largest difference and where."""

    label: str
    status: str
    difference: float
    entry: str | None = None
    lhs: str | None = None
    rhs: str | None = None


@dataclass
class Comparison:
    status: str
    equations: list[EquationResult] = field(default_factory=list)

    @property
    def failure(self) -> EquationResult | None:
        """The first equation that is not equal (different before undecided)."""
        bad = [e for e in self.equations if e.status == DIFFERENT] or \
              [e for e in self.equations if e.status == UNDECIDED]
        return bad[0] if bad else None


def compare_equations(ops, equations, cmp: Comparator | None = None) -> Comparison:
    """Compare every entry of every :class:`~pcproof.theorem.Equation` in ``ops``' system."""
    cmp = cmp or comparator(ops)
    results = []
    compare = cmp.compare
    for eq in equations:
        status, biggest, where = EQUAL, 0.0, None
        lhs, rhs = eq.lhs, eq.rhs
        if len(lhs) != len(rhs):
            raise ShapeError(f"the two sides of {eq.label} differ in shape")
        for i, (r, q) in enumerate(zip(lhs, rhs)):
            pairs = ((f"[{i}]", r, q),) if not isinstance(r, (tuple, list)) else None
            if pairs is None:
                if len(r) != len(q):
                    raise ShapeError(f"the two sides of {eq.label} differ in shape")
                pairs = [(None, a, b) for a, b in zip(r, q)]
            for j, (idx, a, b) in enumerate(pairs):
                s, d = compare(a, b)
                if s is not EQUAL and _RANK[s] > _RANK[status]:
                    status, where = s, (idx or f"[{i}][{j}]", a, b)
                if d > biggest:
                    biggest = d
        res = EquationResult(eq.label, status, biggest)
        if where is not None:
            res.entry, res.lhs, res.rhs = where[0], cmp.text(where[1]), cmp.text(where[2])
        results.append(res)
    return Comparison(worst(r.status for r in results), results)
