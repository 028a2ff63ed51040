"""The pieces every strategy is built from (layered networks and graphs alike): small exact
rationals listed simplest first, and hypothesis loaded on first use.

``pcproof fuzz`` draws its cases with seeded samplers and needs hypothesis only to shrink a
failure, so nothing here imports hypothesis until a strategy is actually made.
"""
from __future__ import annotations

import functools
import inspect
from fractions import Fraction


class _Strategies:
    """``hypothesis.strategies``, imported on first use: ``pcproof fuzz`` draws its cases with the
    seeded sampler (:meth:`Space.sample`) and needs hypothesis only to shrink a failure."""

    def __getattr__(self, name):
        from hypothesis import strategies
        return getattr(strategies, name)


st = _Strategies()


def _composite(fn):
    """``hypothesis.strategies.composite(fn)``, made on first call (hypothesis loads then)."""
    made = []

    @functools.wraps(fn)
    def strategy(*args, **kwargs):
        if not made:
            from hypothesis import strategies
            made.append(strategies.composite(fn))
        return made[0](*args, **kwargs)

    sig = inspect.signature(fn)
    strategy.__signature__ = sig.replace(parameters=list(sig.parameters.values())[1:])  # without ``draw``
    return strategy


def rational_values(denominators: tuple[int, ...] = (1, 2, 3, 4, 8), bound: int = 2) -> tuple[Fraction, ...]:
    """Every k/d with d among ``denominators`` and |k/d| ≤ bound, simplest first:
    0, 1, −1, 2, −2, 1/2, −1/2, 3/2, … (by denominator, then size, then sign)."""
    values = {Fraction(k, d) for d in denominators for k in range(-bound * d, bound * d + 1)}
    return tuple(sorted(values, key=lambda q: (q.denominator, abs(q), q < 0)))


def rationals(denominators: tuple[int, ...] = (1, 2, 3, 4, 8), bound: int = 2):
    """A small rational, uniform over :func:`rational_values`; one choice each, so it
    shrinks straight to 0, then 1, −1, 2, … (the simplest numbers)."""
    return st.sampled_from(rational_values(tuple(denominators), bound))


__all__ = ["st", "rational_values", "rationals"]
