"""Hypothesis strategies for networks, points and conditions (import them in your own tests).

Everything is drawn from simple pieces so that hypothesis shrinks a failure to a
minimal network (DESIGN.md, "strategies that shrink"):

* widths ``n_0 … n_L`` are a plain ``lists`` of small integers, so a failing case
  shrinks to the fewest layers and the smallest widths;
* activations are ``sampled_from`` a tuple whose simplest entry comes first;
* every scalar is a small rational k/d with d ∈ {1, 2, 3, 4, 8} and |k/d| ≤ 2,
  one ``sampled_from`` choice among them listed simplest first, so it shrinks to 0,
  then to 1, −1, 2, −2, 1/2 …;
* each weight θ^{l+1}_{ij} has a fixed place among the choices (the point is drawn
  for the largest network of the space and cut to size), so shrinking the widths
  or the depth keeps the weights that matter;
* conditions shrink to the ones the paper's theorems assume (γ = 1, update at
  t = l, no noise);
* about one case in four (``Space.special``) is a *special point*, where rules that
  branch on values go wrong (a gate that tests whether an error moved, a division):
  one of :data:`SPECIAL` — a whole weight matrix zero, every weight zero, half the
  weights and biases zero, zero output error (s_out = x̄^0), zero biases, equal values, zero input.
  Shrinking goes toward an ordinary point, then toward the first structure.

A :class:`Space` holds the ranges.  The same space gives the hypothesis strategy
(:func:`cases`) and a seeded sampler (:meth:`Space.sample`) with the same
distribution shape, which ``pcproof fuzz`` uses to run thousands of cases a
second and then hands to hypothesis to shrink a failure.

Example (a user's own rule, checked against BP in their pytest suite)::

    from hypothesis import given
    from pcproof.rules import ZIL
    from pcproof.strategies import cases

    class MyZIL(ZIL):
        name = "my-z-il"

    @given(cases("thm-3.2", rule=MyZIL))
    def test_my_rule_makes_bp_updates(case):
        case.check().assert_holds()

See docs/strategies.md.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cached_property, lru_cache
from fractions import Fraction
from typing import Any

from ..conditions import CONDITIONS
from ..model import Architecture, Params, get_activation
from ..model.network import _build  # the one layout of a point (weights, biases, pair, extras)
from ..rules import ZIL
from ..theorem import Instance, Setting, Theorem, get as get_theorem
from .basic import _composite, rational_values, rationals, st

#: Activations drawn by default, simplest first (hypothesis shrinks toward the first).
ACTIVATIONS = ("identity", "poly", "tanh", "sigmoid", "softplus")
#: Inference steps γ drawn when C3 is not assumed, 1 first.
GAMMAS = (Fraction(1), Fraction(1, 2), Fraction(2), Fraction(1, 10), Fraction(3, 2), Fraction(5))
#: Learning rates α, simplest first.
ALPHAS = (Fraction(1), Fraction(1, 10), Fraction(1, 1000))
#: Special points (see :func:`special_point`), simplest first.
SPECIAL = ("zero-matrix", "zero-weights", "sparse", "zero-error", "zero-bias", "equal", "zero-input")


@dataclass(frozen=True)
class Space:
    """The ranges every strategy and the seeded sampler draw from."""

    max_depth: int = 6
    max_width: int = 8
    activations: tuple[str, ...] = ACTIVATIONS
    bias: bool | None = None             # None: with and without biases
    denominators: tuple[int, ...] = (1, 2, 3, 4, 8)
    bound: int = 2                        # |scalar| ≤ bound
    gammas: tuple[Fraction, ...] = GAMMAS
    alphas: tuple[Fraction, ...] = ALPHAS
    max_offset: int = 2                   # C2 ablation: update at t = l + k, 0 ≤ k ≤ max_offset
    special: float = 0.25                 # chance that a case is a special point (SPECIAL)

    def __post_init__(self):
        if self.max_depth < 1 or self.max_width < 1:
            from ..model import ArchitectureError
            raise ArchitectureError("max depth and max width must be at least 1")
        for name in self.activations:
            get_activation(name)  # unknown names fail here, as a user error

    # -- the seeded sampler: same pieces, same ranges as the strategies below ---------
    def sample_widths(self, rng: random.Random) -> tuple[int, ...]:
        return tuple(rng.randint(1, self.max_width) for _ in range(rng.randint(2, self.max_depth + 1)))

    def sample_scalar(self, rng: random.Random) -> Fraction:
        """A scalar as :func:`rationals` draws it: uniform over :func:`rational_values`."""
        values = self._values
        return values[int(rng.random() * len(values))]

    @cached_property
    def _values(self) -> tuple[Fraction, ...]:
        return rational_values(self.denominators, self.bound)

    def sample(self, rng: random.Random, theorem: Theorem | str = "thm-3.2", rule=None) -> "Case":
        """One case from this space, drawn with ``rng`` (what :func:`cases` draws, without hypothesis)."""
        thm = get_theorem(theorem) if isinstance(theorem, str) else theorem
        held = {c.name for c in thm.hypotheses}
        arch = Architecture(self.sample_widths(rng), get_activation(rng.choice(self.activations)),
                            rng.random() < 0.5 if self.bias is None else self.bias)
        knob = {c.knob: c.kept if c.name in held else c.draw_random(rng, self) for c in CONDITIONS}
        init_noise, offset, gamma = knob["init_noise"], knob["update_offset"], knob["gamma"]
        alpha = rng.choice(self.alphas)
        values, rand, n = self._values, rng.random, len(self._values)  # sample_scalar, inlined
        setting = Setting(gamma=gamma, update_offset=offset, init_noise=init_noise, rule=rule or ZIL)
        params = _build(arch, lambda _name: values[int(rand() * n)], ("eta",) if init_noise else (),
                        setting.matrices(arch))
        if rand() < self.special:  # drawn last: an ordinary case is the same as without special points
            kinds = special_kinds(arch)
            params = special_point(kinds[int(rand() * len(kinds))], arch, params,
                                   scalar=lambda: values[int(rand() * n)], index=lambda k: 1 + int(rand() * k),
                                   coin=lambda: rand() < 0.5)
        return Case(thm.name, arch, params, setting, gamma, alpha)


DEFAULT = Space()


@dataclass
class Case:
    """One network at one exact rational point, with the setting a theorem is checked in."""

    theorem: str
    arch: Architecture
    params: Params                 # exact Fractions
    setting: Setting
    gamma: Fraction
    alpha: Fraction

    def instance(self, ops) -> Instance:
        """This case's :class:`~pcproof.theorem.Instance` in the number system ``ops``."""
        return Instance(self.arch, ops, _convert(self.params, ops.number), self.setting,
                        ops.number(self.gamma), ops.number(self.alpha))

    def check(self, system: str = "auto", digits: int = 50):
        """Evaluate the theorem's claim here (see :func:`pcproof.check.evaluate.evaluate`)."""
        from ..check.evaluate import evaluate
        return evaluate(self, system=system, digits=digits)

    @property
    def hidden_units(self) -> int:
        return sum(self.arch.widths[1:-1])

    def to_dict(self) -> dict[str, Any]:
        return dict(theorem=self.theorem, depth=self.arch.L, widths=list(self.arch.widths),
                    activation=self.arch.activation.name, bias=self.arch.bias,
                    rule=self.setting.rule_name(), gamma=str(self.gamma), alpha=str(self.alpha),
                    update_offset=self.setting.update_offset, init_noise=self.setting.init_noise,
                    point={k: str(v) for k, v in self.params.scalars().items()})

    def __repr__(self):
        d = self.to_dict()
        point = ", ".join(f"{k}={v}" for k, v in d.pop("point").items())
        return f"Case({', '.join(f'{k}={v!r}' for k, v in d.items())}, point: {point})"


def _convert(p: Params, num) -> Params:
    """``p.map(num)``, written out with list comprehensions (the fuzzer's inner loop)."""
    vec = lambda v: tuple([num(c) for c in v])  # noqa: E731
    return Params(theta={k: tuple([tuple([num(c) for c in r]) for r in W]) for k, W in p.theta.items()},
                  b=None if p.b is None else {l: vec(v) for l, v in p.b.items()},
                  s_in=vec(p.s_in), s_out=vec(p.s_out),
                  extra={n: {l: vec(v) for l, v in d.items()} for n, d in p.extra.items()},
                  matrices={n: {l: tuple([vec(r) for r in M]) for l, M in d.items()} for n, d in p.matrices.items()})


# -- special points -------------------------------------------------------------------
def special_kinds(arch: Architecture) -> tuple[str, ...]:
    """The special structures that apply to ``arch`` (zero biases only if it has biases)."""
    return SPECIAL if arch.bias else tuple(k for k in SPECIAL if k != "zero-bias")


@lru_cache(maxsize=16)
def _exact_ops(activation):
    from ..numbers import RationalOps
    return RationalOps(activation)


def special_point(kind: str, arch: Architecture, p: Params, scalar, index, coin) -> Params:
    """The point ``p`` made special in the way ``kind`` names.

    ``scalar()`` draws a scalar, ``index(k)`` an integer 1 … k, ``coin()`` a bool (the
    seeded sampler and the hypothesis strategy pass their own, so both shrink alike):

    * ``zero-matrix``: one whole θ^k is 0 (layer k−1 gets no signal, its δ may vanish);
    * ``zero-weights``: every θ is 0 (x̄^l = b^l: errors vanish or stand still);
    * ``sparse``: each weight and bias is 0 on a coin flip (e.g. θ = 0 everywhere);
    * ``zero-error``: s_out = x̄^0, so δ^0 = 0 (for a non-polynomial f, x̄^0 is exact
      only when θ^1 = 0: then θ^1 is 0 and s_out = b^0, or 0);
    * ``zero-bias``: every b^l is 0;
    * ``equal``: one θ^k has every entry equal, and so has s_out;
    * ``zero-input``: s_in = 0."""
    zero = Fraction(0)
    zeros = lambda v: tuple(zero for _ in v)  # noqa: E731
    theta, b = dict(p.theta), None if p.b is None else dict(p.b)
    s_in, s_out = p.s_in, p.s_out
    if kind == "zero-matrix":
        k = index(arch.L)
        theta[k] = tuple(zeros(row) for row in theta[k])
    elif kind == "zero-weights":
        theta = {k: tuple(zeros(row) for row in W) for k, W in theta.items()}
    elif kind == "sparse":
        theta = {k: tuple(tuple(zero if coin() else w for w in row) for row in W) for k, W in theta.items()}
        if b is not None:
            b = {l: tuple(zero if coin() else c for c in v) for l, v in b.items()}
    elif kind == "zero-error":
        if not arch.activation.is_polynomial:
            theta[1] = tuple(zeros(row) for row in theta[1])
        point = Params(theta, b, s_in, s_out, p.extra, p.matrices)
        from ..rules import ANN  # the one forward pass (exact: rationals through a polynomial f)
        s_out = tuple(ANN(arch, point, _exact_ops(_poly_or_identity(arch.activation))).x_bar(0))
    elif kind == "zero-bias":
        b = None if b is None else {l: zeros(v) for l, v in b.items()}
    elif kind == "equal":
        k, c, d = index(arch.L), scalar(), scalar()
        theta[k] = tuple(tuple(c for _ in row) for row in theta[k])
        s_out = tuple(d for _ in s_out)
    elif kind == "zero-input":
        s_in = zeros(s_in)
    else:
        raise ValueError(f"unknown special point {kind!r} (choose from {', '.join(SPECIAL)})")
    return Params(theta, b, s_in, s_out, p.extra, p.matrices)


def _poly_or_identity(activation):
    """The activation itself if polynomial; else identity, which gives the same x̄^0 once
    θ^1 = 0 (x̄^0 = b^0 or 0 whatever f is)."""
    return activation if activation.is_polynomial else get_activation("identity")


# -- hypothesis strategies --------------------------------------------------------------
def widths(max_depth: int = 6, max_width: int = 8) -> st.SearchStrategy[tuple[int, ...]]:
    """Widths n_0 … n_L (output first), 1 ≤ L ≤ max_depth: a plain list, so it shrinks
    to the fewest layers and the smallest widths."""
    return st.lists(st.integers(1, max_width), min_size=2, max_size=max_depth + 1).map(tuple)


def activations(names: tuple[str, ...] = ACTIVATIONS):
    """An :class:`~pcproof.model.Activation`, shrinking toward ``names[0]``."""
    return st.sampled_from(tuple(names)).map(get_activation)


def architectures(max_depth: int = 6, max_width: int = 8, activation_names: tuple[str, ...] = ACTIVATIONS,
                  bias: bool | None = None) -> st.SearchStrategy[Architecture]:
    """Architectures; ``bias`` None draws both (shrinking to no biases)."""
    return st.builds(Architecture, widths(max_depth, max_width), activations(activation_names),
                     st.booleans() if bias is None else st.just(bias))


@_composite
def params(draw, arch: Architecture, extra_vectors: tuple[str, ...] = (), scalars=None,
           padded_to: tuple[int, int] | None = None, matrices: dict | None = None):
    """A point for ``arch``: weights, biases (if any), the training pair and extra
    hidden-layer vectors (``("eta",)`` for the C1 perturbation), every scalar from ``scalars``.

    ``padded_to`` = (max depth, max width): draw every scalar of the largest network
    of that size, in a fixed order by name, and keep the ones ``arch`` uses.  Each
    weight θ^{l+1}_{ij} then has a fixed place among hypothesis' choices, so when a
    failure shrinks to fewer layers or narrower ones the weights that matter stay put
    (otherwise every later draw shifts and the failure is lost).  :func:`cases` pads.

    ``matrices``: a rule's extra matrices (:meth:`pcproof.rules.Rule.matrices`), drawn
    after everything else (not padded)."""
    scalars = rationals() if scalars is None else scalars
    if padded_to is None:
        return _build(arch, lambda _name: draw(scalars), extra_vectors, matrices)
    depth, width = padded_to
    names = _template(depth, width, tuple(extra_vectors))
    values = {name: draw(scalars) for name in names}
    return _build(arch, lambda name: values[name] if name in values else draw(scalars), extra_vectors, matrices)


@lru_cache(maxsize=32)
def _template(depth: int, width: int, extra_vectors: tuple[str, ...]) -> tuple[str, ...]:
    """Names of every scalar of the largest network (depth, width, with biases):
    the training pair first, then weights, biases and extras."""
    big = Architecture((width,) * (depth + 1), get_activation("identity"), True)
    names = list(_build(big, lambda name: name, extra_vectors).scalars())
    pair = [n for n in names if n.startswith("s_")]
    return tuple(pair + [n for n in names if not n.startswith("s_")])


@_composite
def conditions(draw, theorem: Theorem | str | None = None, space: Space = DEFAULT, rule=None):
    """A :class:`~pcproof.theorem.Setting`: the theorem's hypotheses (C1–C3) hold,
    the others are drawn (noise, update offset, γ), shrinking toward all three holding."""
    held = {c.name for c in _theorem(theorem).hypotheses} if theorem is not None else set()
    knob = {c.knob: c.kept if c.name in held else draw(c.draw_strategy(space)) for c in CONDITIONS}
    return Setting(**knob, rule=rule or ZIL)


@_composite
def cases(draw, theorem: Theorem | str = "thm-3.2", rule=None, space: Space = DEFAULT):
    """A :class:`Case` for ``theorem``: architecture, conditions, then the point.

    ``rule`` is the PC rule to check (a :class:`~pcproof.rules.PCRule` subclass,
    Z-IL by default); ``space`` bounds depth, widths, activations and numbers."""
    thm = _theorem(theorem)
    arch = draw(architectures(space.max_depth, space.max_width, space.activations, space.bias))
    setting = draw(conditions(thm, space, rule))
    alpha = draw(st.sampled_from(space.alphas))
    scalars = rationals(space.denominators, space.bound)
    point = draw(params(arch, ("eta",) if setting.init_noise else (), scalars, (space.max_depth, space.max_width),
                        setting.matrices(arch)))
    # a special point about once in 1/space.special cases; shrinks toward an ordinary one
    last = round(1 / space.special) - 1 if space.special > 0 else None
    if last is not None and draw(st.integers(0, last)) == last:
        kind = draw(st.sampled_from(special_kinds(arch)))
        point = special_point(kind, arch, point, scalar=lambda: draw(scalars),
                              index=lambda k: draw(st.integers(1, k)), coin=lambda: draw(st.booleans()))
    return Case(thm.name, arch, point, setting, setting.gamma, alpha)


def _theorem(theorem):
    return get_theorem(theorem) if isinstance(theorem, str) else theorem


__all__ = ["Space", "Case", "DEFAULT", "ACTIVATIONS", "GAMMAS", "ALPHAS", "SPECIAL", "special_point", "widths", "activations",
           "architectures", "rational_values", "rationals", "params", "conditions", "cases"]
