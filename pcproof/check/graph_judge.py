"""Claims about a rule against BP on a computational graph, built for the kernel to judge
(pcproof.check.judge does the same for the layered network; docs/zoo.md, "On graphs").

The claim is the graph theorem's (``graph-updates``: every parameter's update = BP's reverse
mode), stated for any rule: its own code runs through :func:`pcproof.rules.rule_updates` (in
:class:`~pcproof.theorem.GraphInstance`), in the symbolic system for the proof and at exact
rational points (rationals, or arb balls) for the witnesses.  A hypothesis is imposed on the
graph point (:data:`FEEDBACK_TRANSPOSE`: B_θ := θᵀ) in every number system alike.
"""
from __future__ import annotations

import random
from dataclasses import replace
from fractions import Fraction

from .. import kernel
from ..model import get_activation
from ..model.graph import GraphPoint, random_point, symbolic_point
from ..numbers import SymbolicOps
from ..rules.base import rule_matrices, running_rule
from ..rules.primitives import TRANSCENDENTAL
from ..rules.zoo.graph_fa import transpose
from ..theorem import Equation, GraphInstance, Setting, Theorem, alpha as ALPHA
from .concrete import WITNESS_POINTS, rigorous_candidates, special_point
from .hypotheses import LINEAR, Hypothesis


def _updates_equal_bp(i):
    from ..theorem import get
    return get("graph-updates").claim(i)


#: the claim judged: every parameter's update equals BP's (the claim of ``graph-updates``,
#: without its Z-IL hypotheses: the rule is whatever is judged)
GRAPH_CLAIM = Theorem("graph-rule-updates", "the rule's updates = BP's on the graph", "pcproof", (),
                      r"\Delta\theta_{\text{rule}} = \Delta\theta_{\text{BP}} \text{ for every parameter } \theta",
                      _updates_equal_bp, graph=True)


def _bp_vanishes(i):
    zero, shapes = i.ops.number(0), i.graph.shapes
    return [Equation(rf"\Delta {p}_{{\text{{BP}}}} = 0", u,
                     i.ops.mat_scale(zero, u) if len(shapes[p]) == 2 else i.ops.scale(zero, u))
            for p, u in i.bp_updates.items()]


#: "BP makes no update on the graph" (a condition under which it holds makes "exact" vacuous)
GRAPH_BP_VANISHES = Theorem("graph-bp-vanishes", "BP makes no update", "pcproof", (),
                            r"\Delta\theta_{\text{BP}} = 0", _bp_vanishes, graph=True)


# -- conditions on a graph point ----------------------------------------------------------
def _feedback_transpose(graph, point, ops):
    """B_θ := θᵀ (a convolution's feedback kernel := its kernel: the vjp builds Tᵀ from it)."""
    shapes = graph.shapes
    B = {p: transpose(point.theta[p]) if len(shapes[p]) == 2 else point.theta[p] for p in point.matrices["B"]}
    return replace(point, matrices={**point.matrices, "B": B})


def _needs_graph_B(graph, rule):
    B = rule_matrices(rule, graph).get("B")
    if B is None:
        return "the rule has no feedback matrices B"
    shapes = graph.shapes
    for p, shape in B.items():
        if p not in shapes or shape != (tuple(reversed(shapes[p])) if len(shapes[p]) == 2 else shapes[p]):
            return f"the rule's B for {p!r} does not have the shape of {p}ᵀ"
    return None


FEEDBACK_TRANSPOSE = Hypothesis(
    "B=theta^T", "B = θᵀ", r"B_{\theta} = \theta^{\top}", substitute=_feedback_transpose, applies=_needs_graph_B)

#: the conditions a user's graph rule is tried under (FILE.py:NAME --model …)
GRAPH_HYPOTHESES = {h.name: h for h in (FEEDBACK_TRANSPOSE, LINEAR)}


def graph_under(hyp: Hypothesis | None, graph):
    """The graph with the activation ``hyp`` fixes (f linear), else as it is."""
    acts = [p.activation for p in ((hyp.parts or (hyp,)) if hyp else ()) if p.activation]
    return replace(graph, activation=get_activation(acts[-1])) if acts else graph


def impose(hyp: Hypothesis | None, graph, point, ops):
    for p in ((hyp.parts or (hyp,)) if hyp else ()):
        if p.substitute is not None:
            point = p.substitute(graph, point, ops)
    return point


def with_matrices(point: GraphPoint, shapes: dict, scalar) -> GraphPoint:
    """``point`` with the rule's extra matrices (kind → parameter → shape) drawn by ``scalar(name)``."""
    def value(name, shape):
        if len(shape) == 1:
            return tuple(scalar(f"{name}_{i}") for i in range(shape[0]))
        return tuple(tuple(scalar(f"{name}_{i}_{j}") for j in range(shape[1])) for i in range(shape[0]))
    mats = {kind: {p: value(f"{kind}_{p}", s) for p, s in d.items()} for kind, d in shapes.items()}
    out = replace(point, matrices={**point.matrices, **mats})
    # one name, one scalar: a matrix entry named like a point scalar would be the same symbol in a
    # proof (B_θ tied to a parameter called "B_θ"), and a proof at such a point is not generic
    taken, names = set(point.scalars()), list(out.scalars())
    if len(set(names)) != len(names) or len(names) - len(taken) != sum(len(_flat(v)) for d in mats.values()
                                                                      for v in d.values()):
        from ..model.graph import GraphError
        raise GraphError(f"the rule's matrices ({', '.join(f'{k}_{p}' for k, d in mats.items() for p in d)}) are named "
                         "like scalars of the graph's point: rename the graph's parameters")
    return out


def _flat(v):
    return [c for r in v for c in (r if isinstance(r, tuple) else (r,))]


def graph_matrices(rule, graph) -> dict:
    """The extra matrices ``rule`` declares on ``graph`` (kind → parameter → shape); a rule whose
    ``matrices`` cannot take a graph (a layered rule's reads widths by layer) is a user error."""
    from ..rules.base import RuleError
    try:
        shapes = rule_matrices(rule, graph)
        ok = all(isinstance(d, dict) and all(p in graph.shapes and isinstance(s, tuple) for p, s in d.items())
                 for d in shapes.values())
    except (AttributeError, TypeError, KeyError, IndexError) as exc:
        raise RuleError(f"rule {rule_name(rule)!r}: matrices(graph) failed ({type(exc).__name__}: {exc}); "
                        "a rule on a graph declares {name: {parameter: shape}}") from None
    if not ok:
        raise RuleError(f"rule {rule_name(rule)!r}: matrices(graph) must map each name to {{parameter of the graph: "
                        f"shape}}, got {shapes!r}")
    return shapes


def graph_point(graph, rule, rng: random.Random, denominator: int = 8, bound: int = 2) -> GraphPoint:
    """A random exact rational point of ``graph`` with the rule's matrices (k/denominator, |·| ≤ bound)."""
    top = bound * denominator
    p = random_point(graph, rng, denominator=denominator, bound=bound)
    return with_matrices(p, graph_matrices(rule, graph), lambda _n: Fraction(rng.randint(-top, top), denominator))


def _meta(rule, graph, hyp: Hypothesis | None, theorem: Theorem) -> dict:
    return dict(theorem="updates = BP" if theorem is GRAPH_CLAIM else theorem.title, depth=graph.depth, widths=None,
                activation=graph.activation.name, bias=False, gamma=None, rule=rule_name(rule),
                model=model_text(graph, rule), hypotheses=[] if hyp is None else [hyp.name] + [p.name for p in hyp.parts],
                conditions={"levelled": graph.levelled})


def model_text(graph, rule=None) -> str:
    """The graph as a verdict names it (its activation is the verdict's own field), with when a
    PC rule applies a shared parameter's updates."""
    text = graph.describe().rsplit(", f = ", 1)[0]
    widths = [v.width for v in graph.vertices]
    text += f", width {widths[0]}" if len(set(widths)) == 1 else f", vertex widths {','.join(map(str, widths))} (inputs first)"
    when = getattr(rule, "shared_updates", None)
    return text + (f"; shared parameters updated {when}" if graph.shared and isinstance(when, str) else "")


def rule_name(rule) -> str:
    return getattr(rule, "name", type(rule).__name__)


def prove_graph_updates(rule, graph, hyp: Hypothesis | None = None, timeout: float | None = 60,
                        theorem: Theorem | None = None) -> kernel.Verdict:
    """The kernel's verdict on "the rule's updates are BP's" on ``graph``, with ``hyp`` imposed
    (``theorem``: another claim on the same instance, e.g. :data:`GRAPH_BP_VANISHES`)."""
    import sympy as sp
    theorem = theorem or GRAPH_CLAIM
    setting = Setting(rule=rule)
    graph = graph_under(hyp, graph)
    shapes = graph_matrices(rule, graph)

    def symbolic():
        with running_rule(passthrough=(kernel.Timeout,)):
            ops = SymbolicOps(graph.activation)
            point = with_matrices(symbolic_point(graph), shapes, lambda n: sp.Symbol(n, real=True)).map(ops.number)
            inst = GraphInstance(graph, ops, impose(hyp, graph, point, ops), setting, ops.number(1), ops.number(ALPHA))
            return ops, theorem.claim(inst)

    def candidates(exact_only):
        def draw(act, seed, zero):
            concrete = replace(graph, activation=act)
            rng = random.Random(seed)
            p = graph_point(concrete, rule, rng)
            p = special_point(p, 0 if zero is not None else seed % WITNESS_POINTS, rng, zero)
            return p, rng, lambda ops, q, g, al: GraphInstance(concrete, ops, impose(hyp, concrete, q, ops),
                                                               setting, g, al)
        return rigorous_candidates(theorem, setting, graph.activation, graph.depth,
                                   [n for n, _ in graph.param_shapes], draw, exact_only,
                                   balls=any(v.primitive in TRANSCENDENTAL for v in graph.vertices))

    return kernel.decide_identities(_meta(rule, graph, hyp, theorem), symbolic, candidates, timeout=timeout)


def judge_graph_condition(rule, graph, hyp: Hypothesis, plain: kernel.Verdict,
                          timeout: float | None = 60) -> kernel.Judgement:
    """Exact under ``hyp`` on ``graph``: proved with it, refuted without it (``plain``), BP not
    identically 0 under it (not vacuous) — pcproof.kernel.judge_under decides."""
    from .judge import condition_judgement
    return condition_judgement(rule_name(rule), hyp, plain, GRAPH_BP_VANISHES,
                               lambda h, theorem=None: prove_graph_updates(rule, graph, h, timeout, theorem=theorem))
