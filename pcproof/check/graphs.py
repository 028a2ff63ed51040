"""The concrete prover on a computational graph (theorems ``graph-eps``, ``graph-updates``).

As :mod:`pcproof.check.concrete` does for the layered network: the claim is computed by the
rule's own code over the symbolic system and the kernel decides; refutations come from
exact rational points (random and special ones) computed in exact rationals or arb balls,
with an uninterpreted f instantiated by several activations."""
from __future__ import annotations

import random
from fractions import Fraction

from .. import kernel
from ..model import get_activation
from ..model.graph import Graph, random_point, symbolic_point
from ..numbers import RationalOps, SymbolicOps
from ..rules.base import running_rule
from ..theorem import GraphInstance, Setting, Theorem, alpha as ALPHA
from .concrete import (EXACT_POLY_MAX_DEPTH, WITNESS_ACTIVATIONS, WITNESS_POINTS, _gamma_at, gamma_for,
                       special_point, witness_seeds)


def meta_for(theorem: Theorem, graph: Graph, setting: Setting) -> dict:
    g = gamma_for(theorem, setting)
    held = theorem.conditions_held(setting, g)
    held["levelled"] = graph.levelled
    return dict(theorem=theorem.name, depth=graph.depth, widths=None, activation=graph.activation.name,
                bias=False, gamma=str(g), rule=setting.rule_name(), model=_model_text(graph, setting),
                hypotheses=[c.name for c in theorem.hypotheses], conditions=held)


def _model_text(graph: Graph, setting: Setting) -> str:
    text = graph.describe()
    if graph.shared:
        text += f"; shared parameters updated {setting.shared_updates}"
    return text


def symbolic_instance(theorem: Theorem, graph: Graph, setting: Setting) -> GraphInstance:
    ops = SymbolicOps(graph.activation)
    point = symbolic_point(graph, setting.init_noise).map(ops.number)
    return GraphInstance(graph, ops, point, setting, ops.number(gamma_for(theorem, setting)), ops.number(ALPHA))


def witness_point(graph: Graph, setting: Setting, seed: int, zero=None):
    """As :func:`pcproof.check.concrete.witness_point`: generic points, then special ones."""
    rng = random.Random(seed)
    p = random_point(graph, rng, setting.init_noise)
    return special_point(p, 0 if zero is not None else seed % WITNESS_POINTS, rng, zero), rng


def witness_candidates(theorem: Theorem, graph: Graph, setting: Setting, exact_only: bool = False):
    from dataclasses import replace
    from ..numbers.arb import ArbOps
    acts = ([get_activation(n) for n in WITNESS_ACTIVATIONS] if graph.activation.uninterpreted
            else [graph.activation])
    for a, act in enumerate(acts):
        exact = act.is_polynomial
        if exact and act.expr.as_poly().degree() > 1 and graph.depth > EXACT_POLY_MAX_DEPTH:
            exact = False     # too deep for exact rationals: balls are rigorous too (not for branches)
        if exact_only and not exact:
            continue
        concrete = replace(graph, activation=act)
        for seed, zero in witness_seeds(a, [n for n, _ in graph.param_shapes], exact_only):
            def make(digits, seed=seed, zero=zero, act=act, concrete=concrete, exact=exact):
                point, rng = witness_point(concrete, setting, seed, zero)
                g, a = _gamma_at(theorem, setting, rng), Fraction(1, 10)
                ops = RationalOps(act) if exact else ArbOps(act, digits)
                with running_rule(passthrough=(kernel.Timeout,)):
                    inst = GraphInstance(concrete, ops, point.map(ops.number), setting, ops.number(g), ops.number(a))
                    claim = theorem.claim(inst)
                text = {k: str(v) for k, v in point.scalars().items()}
                text.update(gamma=str(g), alpha=str(a), f=act.name)
                return text, ops, claim
            yield ({"seed": seed} if zero is None else {"seed": seed, "zero": zero}), make


def prove(theorem: Theorem, graph: Graph, setting: Setting = Setting(), timeout: float | None = None,
          digits: int = 50) -> kernel.Verdict:
    def symbolic():
        with running_rule(passthrough=(kernel.Timeout,)):
            inst = symbolic_instance(theorem, graph, setting)
            return inst.ops, theorem.claim(inst)

    return kernel.decide_identities(meta_for(theorem, graph, setting), symbolic,
                                    lambda exact_only: witness_candidates(theorem, graph, setting, exact_only),
                                    timeout=timeout, digits=digits)
