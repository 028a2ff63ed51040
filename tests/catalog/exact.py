"""An independent check of the catalog's truths in exact rationals, outside the provers.

The rule's own code (``rule.updates`` — overrides included — or its trajectory's
``eps``) and BP are evaluated with Python fractions at a few points, random and
degenerate (θ^1 = 0; θ^1's first column 0), for a polynomial f (identity, or
``poly`` = x + x²/2 standing for an uninterpreted f).  The number system is strict:
a vector or matrix of the wrong length raises, so an ill-typed rule is seen as
ill-typed, not truncated.  Agreement at finitely many points is evidence, not proof;
a difference in exact arithmetic is a proof of failure.
"""
from __future__ import annotations

import random
from fractions import Fraction

from pcproof.model import Architecture, get_activation
from pcproof.model.network import Params, _build  # the one layout of a point
from pcproof.numbers import RationalOps
from pcproof.rules import ANN, BP

from .entries import FAILS, HOLDS, ILL

SEEDS = (0, 1, 2, 3)
POLY_DEPTH = 6


class ShapeError(Exception):
    pass


class StrictRationalOps(RationalOps):
    """RationalOps that refuses operands of mismatched shapes (instead of zip's truncation)."""

    @staticmethod
    def _same(*lens):
        if len(set(lens)) != 1:
            raise ShapeError(f"lengths {lens}")

    def matvec(self, W, v):
        self._same(len(W[0]), len(v))
        return super().matvec(W, v)

    def rmatvec(self, W, v):
        self._same(len(W), len(v))
        return super().rmatvec(W, v)

    def add(self, u, v):
        self._same(len(u), len(v))
        return super().add(u, v)

    def sub(self, u, v):
        self._same(len(u), len(v))
        return super().sub(u, v)

    def mul(self, u, v):
        self._same(len(u), len(v))
        return super().mul(u, v)

    def mat_add(self, A, B):
        self._same(len(A), len(B))
        self._same(len(A[0]), len(B[0]))
        return super().mat_add(A, B)


#: generic values: nonzero, and with denominators 3, 5, 7 so that no computed value lands
#: on a special point of poly (f = 0 at 0, −2; f' = 0 at −1) by accident
GENERIC = tuple(Fraction(k, d) for d in (3, 5, 7) for k in range(-2 * d, 2 * d + 1) if k % d)


def _generic(arch: Architecture, seed: int) -> Params:
    rng = random.Random(seed)
    return _build(arch, lambda _name: rng.choice(GENERIC))


def points(arch: Architecture):
    """Generic random rationals, then the degenerate points θ^1 = 0 and θ^1's column 0 = 0."""
    for seed in SEEDS:
        yield _generic(arch, seed)
    for which in ("zero", "column"):
        p = _generic(arch, 100)
        W = p.theta[1]
        p.theta[1] = tuple(tuple(Fraction(0) if which == "zero" or j == 0 else w for j, w in enumerate(row))
                           for row in W)
        yield p


def _shape(v):
    return [len(r) if isinstance(r, tuple) else None for r in v]


def _sides(entry, arch, ops, params, gamma, alpha):
    """The claim's two sides, as lists of (lhs, rhs), computed from the rule's own code."""
    rule = entry.rule(gamma=ops.number(gamma), init_noise=False, update_offset=0)
    if entry.theorem == "thm-3.2":
        mine, bp = rule.updates(arch, params, ops, alpha), BP().updates(arch, params, ops, alpha)
        zero = lambda v: tuple(tuple(0 * c for c in r) if isinstance(r, tuple) else 0 * r for r in v)  # noqa: E731
        return [(mine.get(k, zero(v)), v) for k, v in bp.items()]
    ann, pcn = ANN(arch, params, ops), rule.trajectory(arch, params, ops, alpha)
    power = 1 if entry.theorem == "thm-3.1" else gamma
    return [(pcn.eps(l, l), ops.scale(ops.number(power**l), ann.delta(l))) for l in range(arch.L)]


def check(entry, widths, activation: str) -> str:
    """HOLDS (equal at every point), FAILS (a point differs exactly) or ILL (raised, wrong shape)."""
    arch = Architecture(tuple(widths), get_activation(activation), entry.bias)
    ops = StrictRationalOps(arch.activation)
    gamma = entry.gamma if entry.gamma is not None else (Fraction(1, 2) if entry.theorem == "cor-gamma" else 1)
    for params in points(arch):
        try:
            pairs = _sides(entry, arch, ops, params.map(ops.number), Fraction(gamma), Fraction(1, 10))
        except RecursionError:
            return ILL
        except Exception:  # noqa: BLE001 — the rule raised or was ill-typed
            return ILL
        for lhs, rhs in pairs:
            if _shape(lhs) != _shape(rhs) or len(lhs) != len(rhs):
                return ILL
            if lhs != rhs:
                return FAILS
    return HOLDS


def evidence(entry, shape: str) -> dict[str, str] | None:
    """What exact rationals say about ``entry`` at ``shape`` ("ragged" or "deep"), per activation
    tried; None when the entry's activation is not polynomial (not checkable exactly)."""
    from .entries import RAGGED
    act = entry.activation
    if act not in ("uninterpreted", "identity", "poly"):
        return None
    acts = entry.exact_with if act == "uninterpreted" else (act,)
    if shape == "ragged":
        return {a: check(entry, RAGGED, a) for a in acts}
    deep, out = entry.deep_widths, {}
    for a in acts:
        # values grow fast with depth (poly doubles its degree per layer, and some bugs square
        # an error per layer): depth 6 shows every bug at l ≥ 5 …
        widths = deep[:POLY_DEPTH + 1]
        out[f"{a}@L={len(widths) - 1}"] = check(entry, widths, a)
    if entry.shows_past >= POLY_DEPTH:
        # … and a bug that shows only past depth 64 is checked at full depth with identity
        out[f"identity@L={len(deep) - 1}"] = check(entry, deep, "identity")
    return out


def agrees(truth: str, found: dict[str, str]) -> bool:
    """Whether the exact evidence is consistent with the hand-derived truth."""
    values = set(found.values())
    if truth == HOLDS:
        return values == {HOLDS}
    if truth == FAILS:
        return FAILS in values and ILL not in values
    return values == {ILL}
