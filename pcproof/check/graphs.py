"""The concrete prover on a computational graph (theorems ``graph-eps``, ``graph-updates``).

As :mod:`pcproof.check.concrete` does for the layered network: the claim is computed by the
rule's own code over the symbolic system and the kernel decides; refutations come from
exact rational points (random and special ones) computed in exact rationals or arb balls,
with an uninterpreted f instantiated by several activations."""
from __future__ import annotations

import random

from .. import kernel
from ..model.graph import Graph, random_point, symbolic_point
from ..numbers import SymbolicOps
from ..rules.base import running_rule
from ..theorem import GraphInstance, Setting, Theorem, alpha as ALPHA
from ..rules.primitives import TRANSCENDENTAL
from .concrete import WITNESS_POINTS, gamma_for, rigorous_candidates, special_point


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
    """:func:`pcproof.check.concrete.rigorous_candidates` for a graph."""
    from dataclasses import replace

    def draw(act, seed, zero):
        concrete = replace(graph, activation=act)
        point, rng = witness_point(concrete, setting, seed, zero)
        return point, rng, lambda ops, p, g, al: GraphInstance(concrete, ops, p, setting, g, al)
    return rigorous_candidates(theorem, setting, graph.activation, graph.depth,
                               [n for n, _ in graph.param_shapes], draw, exact_only,
                               balls=any(v.primitive in TRANSCENDENTAL for v in graph.vertices))


def prove(theorem: Theorem, graph: Graph, setting: Setting = Setting(), timeout: float | None = None,
          digits: int = 50) -> kernel.Verdict:
    def symbolic():
        with running_rule(passthrough=(kernel.Timeout,)):
            inst = symbolic_instance(theorem, graph, setting)
            return inst.ops, theorem.claim(inst)

    return kernel.decide_identities(meta_for(theorem, graph, setting), symbolic,
                                    lambda exact_only: witness_candidates(theorem, graph, setting, exact_only),
                                    timeout=timeout, digits=digits)
