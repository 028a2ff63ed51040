"""The concrete-depth prover: a theorem at one depth and one set of widths, with f
uninterpreted or concrete.

It states the claim in the symbolic system (the rule's own code run over sympy
scalars, see :mod:`pcproof.numbers.symbolic`) and asks the kernel.  For a refutation
it offers the kernel *witness candidates*: the same claim evaluated, by the same rule
code, at exact rational points in a rigorous number system — exact rationals when f
is a polynomial, arb balls otherwise.  An uninterpreted f is instantiated with several
activations (odd, non-symmetric, polynomial), since a bug can hide behind one
symmetry (f'(−x) for f'(x) is invisible with tanh).  Points include special ones
(zero weights, zero biases, unit values), where rules that branch on values fail."""
from __future__ import annotations

import random
from fractions import Fraction

import sympy as sp

from .. import kernel, progress
from ..model import Architecture, get_activation, random_params, symbolic_params
from ..numbers import MpmathOps, RationalOps, SymbolicOps
from ..rules.base import running_rule
from ..theorem import Instance, Setting, Theorem, alpha as ALPHA

#: what an uninterpreted f is instantiated with in a counterexample search, in order:
#: odd (tanh), neither odd nor even (softplus, sigmoid), polynomial (exact), linear (exact)
WITNESS_ACTIVATIONS = ("tanh", "softplus", "poly", "sigmoid", "identity")
#: exact rationals blow up with depth for a non-linear polynomial (its values square each layer)
EXACT_POLY_MAX_DEPTH = 5
#: points per activation: random ones and special ones (see :func:`witness_point`)
WITNESS_POINTS = 7


def gamma_for(theorem: Theorem, setting: Setting):
    """γ of this run (:meth:`Theorem.resolve_gamma`, the one place it is resolved)."""
    return theorem.resolve_gamma(setting)


def meta_for(theorem: Theorem, arch: Architecture, setting: Setting) -> dict:
    g = gamma_for(theorem, setting)
    return dict(theorem=theorem.name, depth=arch.L, widths=list(arch.widths),
                activation=arch.activation.name, bias=arch.bias, gamma=str(g),
                rule=setting.rule_name(), hypotheses=[c.name for c in theorem.hypotheses],
                conditions=theorem.conditions_held(setting, g))


def _extra(setting: Setting):
    return ("eta",) if setting.init_noise else ()


def symbolic_instance(theorem: Theorem, arch: Architecture, setting: Setting) -> Instance:
    ops = SymbolicOps(arch.activation)
    params = symbolic_params(arch, _extra(setting), setting.matrices(arch)).map(ops.number)   # rule code sees Sym scalars
    return Instance(arch, ops, params, setting, ops.number(gamma_for(theorem, setting)), ops.number(ALPHA))


def witness_point(arch: Architecture, setting: Setting, seed: int, zero=None):
    """An exact rational point for the layered network, and the generator that drew it
    (its kind: :func:`special_point`; ``zero``: a generic point with that one parameter 0)."""
    rng = random.Random(seed)
    p = random_params(arch, rng, _extra(setting), matrices=setting.matrices(arch))
    return special_point(p, 0 if zero is not None else seed % WITNESS_POINTS, rng, zero), rng


def special_point(p, kind: int, rng: random.Random, zero=None):
    """Shape a random point (anything with a ``theta`` dict of parameters and ``map``) into a
    kind: 0–2 generic (no scalar zero: a zero weight hides whatever lies beyond it);
    3 one parameter zero; 4 every parameter zero (biases, inputs and targets random);
    5 about half of all scalars zero; 6 every scalar 0 or 1."""
    if kind <= 2:
        p = p.map(lambda q: q if q != 0 else Fraction(rng.choice([-1, 1]) * rng.randint(1, 16), 8))
        if zero is not None:
            p.theta[zero] = _zeros(p.theta[zero])
        return p
    if kind == 3:
        name = rng.choice(sorted(p.theta, key=str))
        p.theta[name] = _zeros(p.theta[name])
    elif kind == 4:
        p.theta = {k: _zeros(v) for k, v in p.theta.items()}
    elif kind == 5:
        p = p.map(lambda q: Fraction(0) if rng.random() < 0.5 else q)
    elif kind == 6:
        p = p.map(lambda q: Fraction(rng.randint(0, 1)))
    return p


def _zeros(val):
    return tuple(_zeros(r) for r in val) if isinstance(val, tuple) else Fraction(0)


def witness_seeds(a: int, names, exact_only: bool):
    """The points tried with the a-th activation: (seed, parameter zeroed or None).  A rule
    that branches on values gets, besides, one generic point per parameter set to zero
    (where an error node stays 0 and a detector may fire late)."""
    out = [(seed, None) for seed in range(a * WITNESS_POINTS, (a + 1) * WITNESS_POINTS)]
    if exact_only:
        out += [(a * WITNESS_POINTS, name) for name in names]
    return out


def _gamma_at(theorem: Theorem, setting: Setting, rng: random.Random):
    g = gamma_for(theorem, setting)
    if isinstance(g, sp.Basic) and not g.is_Number:   # a free γ: a value for it
        g = rng.choice([Fraction(1, 2), Fraction(3, 4), Fraction(3, 2)])
    return g


def _point_text(exact, g, a, activation) -> dict:
    point = {name: str(v) for name, v in exact.scalars().items()}
    point.update(gamma=str(g), alpha=str(a))
    point["f"] = activation.name
    return point


def numeric_instance(theorem: Theorem, arch: Architecture, setting: Setting, seed: int, digits: int = 50):
    """The claim's world at a random rational point in mpmath (for tests and displays;
    the kernel takes its witnesses from :func:`witness_candidates`).  Returns (point, instance)."""
    rng = random.Random(seed)
    ops = MpmathOps(arch.activation, digits)
    exact = random_params(arch, rng, _extra(setting), matrices=setting.matrices(arch))
    g, a = _gamma_at(theorem, setting, rng), Fraction(1, 10)
    point = _point_text(exact, g, a, arch.activation.concrete())
    inst = Instance(arch, ops, exact.map(ops.number), setting, ops.number(g), ops.number(a))
    return point, inst


def rigorous_candidates(theorem: Theorem, setting: Setting, activation, depth: int, names, draw,
                        exact_only: bool = False, balls: bool = False):
    """Candidates for a counterexample, as the kernel wants them: ``(info, make)`` with
    ``make(digits)`` → (point, ops, equations).  The systems are rigorous ones only:
    exact rationals for a polynomial f, arb balls otherwise (``exact_only``: rationals only,
    for a rule whose code compares values, which balls cannot decide rigorously).

    One loop for every model: ``draw(act, seed, zero)`` gives (point, rng, build) where
    ``build(ops, γ, α)`` is the model's instance with f := act at that point; ``names`` are
    its parameters (each zeroed in turn for a branching rule).  ``balls``: the model itself
    leaves the rationals (a softmax's exp), so even a polynomial f is computed in balls."""
    from ..numbers.arb import ArbOps
    acts = ([get_activation(n) for n in WITNESS_ACTIVATIONS] if activation.uninterpreted else [activation])
    for a, act in enumerate(acts):
        exact = act.is_polynomial and not balls
        if exact and act.expr.as_poly().degree() > 1 and depth > EXACT_POLY_MAX_DEPTH:
            exact = False     # too deep for exact rationals: balls are rigorous too (not for branches)
        if exact_only and not exact:
            continue
        for seed, zero in witness_seeds(a, names, exact_only):
            def make(digits, seed=seed, zero=zero, act=act, exact=exact):
                point, rng, build = draw(act, seed, zero)
                g, al = _gamma_at(theorem, setting, rng), Fraction(1, 10)
                ops = RationalOps(act) if exact else ArbOps(act, digits)
                with running_rule(passthrough=(kernel.Timeout,)):
                    claim = theorem.claim(build(ops, point.map(ops.number), ops.number(g), ops.number(al)))
                return _point_text(point, g, al, act), ops, claim
            yield ({"seed": seed} if zero is None else {"seed": seed, "zero": zero}), make


def witness_candidates(theorem: Theorem, arch: Architecture, setting: Setting, exact_only: bool = False):
    """:func:`rigorous_candidates` for the layered network."""
    def draw(act, seed, zero):
        concrete = Architecture(arch.widths, act, arch.bias)
        params, rng = witness_point(concrete, setting, seed, zero)
        return params, rng, lambda ops, p, g, al: Instance(concrete, ops, p, setting, g, al)
    return rigorous_candidates(theorem, setting, arch.activation, arch.L, range(1, arch.L + 1), draw, exact_only)


def prove(theorem: Theorem, arch: Architecture, setting: Setting = Setting(),
          timeout: float | None = None, digits: int = 50) -> kernel.Verdict:
    def symbolic():
        with progress.working(f"prove: running {setting.rule_name()} symbolically"), \
                running_rule(passthrough=(kernel.Timeout,)):
            inst = symbolic_instance(theorem, arch, setting)
            return inst.ops, theorem.claim(inst)

    def candidates(exact_only):
        return witness_candidates(theorem, arch, setting, exact_only)

    return kernel.decide_identities(meta_for(theorem, arch, setting), symbolic, candidates,
                                    timeout=timeout, digits=digits)
