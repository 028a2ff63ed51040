"""Salvatori, Song, Xu, Lukasiewicz & Bogacz (AAAI 2022): predictive coding on a
computational graph performs exact reverse differentiation (Z-IL on the graph = BP).

Stated on a graph ``i.graph`` (:mod:`pcproof.model.graph`): ``i.pcn`` is PC on the graph,
``i.ann`` is BP by reverse mode; ``d(v)`` is the distance from v to the output.  The
hypothesis *levelled* is part of the statement: on a graph that is not levelled the
provers must find where it fails (a skip connection), not assume it.
"""
from pcproof.conditions import C1, C2_GRAPH, C3, LEVELLED
from pcproof.theorem import Equation, Theorem, register


def _eps_equals_delta(i):
    d = i.graph.distance
    return [Equation(rf"\varepsilon_{{{v}}}(t = {d[v]}) = \delta_{{{v}}}", i.pcn.eps(v, d[v]), i.ann.delta[v])
            for v in i.graph.computed]


def _updates_equal_bp(i):
    return [Equation(rf"\Delta {_tex(p)}_{{\text{{{i.rule.name}}}}} = \Delta {_tex(p)}_{{\text{{BP}}}}",
                     i.rule_updates[p], i.bp_updates[p])
            for p, _shape in i.graph.param_shapes]


def _tex(name: str) -> str:
    return name.replace("theta", r"\theta^{").replace("_", r"\_") + ("}" if "theta" in name else "")


GRAPH_EPS = register(Theorem(
    name="graph-eps",
    title="Z-IL on a levelled graph: each error node at t = d(v) equals BP's error term",
    source="Salvatori et al. 2022 (AAAI), PC on computational graphs",
    hypotheses=(C1, C3, LEVELLED),
    statement=r"\varepsilon_v(t = d(v)) = \delta_v \quad \text{for every vertex } v \text{ of a levelled graph}",
    claim=_eps_equals_delta,
    graph=True,
))

GRAPH_UPDATES = register(Theorem(
    name="graph-updates",
    title="Z-IL on a levelled graph makes exactly BP's parameter updates",
    source="Salvatori et al. 2022 (AAAI), PC on computational graphs",
    hypotheses=(C1, C2_GRAPH, C3, LEVELLED),
    statement=r"\Delta\theta_{\text{Z-IL}} = -\alpha\, \partial E / \partial \theta \quad \text{for every parameter } \theta",
    claim=_updates_equal_bp,
    graph=True,
))
