"""The concrete prover on a computational graph (theorems ``graph-eps``, ``graph-updates``).

As :mod:`pcproof.check.concrete` does for the layered network: the claim is computed by the
rule's own code over the symbolic system and the kernel decides; refutations come from
exact rational points (random and special ones) computed in exact rationals or arb balls,
with an uninterpreted f instantiated by several activations."""
from __future__ import annotations

import random
from fractions import Fraction

from .. import kernel
from ..conditions import LEVELLED, SHARED_UPDATES
from ..model.graph import Graph, random_point, symbolic_point
from ..numbers import SymbolicOps
from ..rules.base import running_rule
from ..theorem import GraphInstance, Setting, Theorem, alpha as ALPHA
from ..rules.primitives import TRANSCENDENTAL
from .concrete import WITNESS_POINTS, gamma_for, rigorous_candidates, special_point


def meta_for(theorem: Theorem, graph: Graph, setting: Setting) -> dict:
    g = gamma_for(theorem, setting)
    held = theorem.conditions_held(setting, g)
    held[LEVELLED.name] = graph.levelled
    return dict(theorem=theorem.name, depth=graph.depth, widths=None, activation=graph.activation.name,
                bias=False, gamma=str(g), rule=setting.rule_name(), model=_model_text(graph, setting),
                hypotheses=[c.name for c in theorem.hypotheses], conditions=held)


def _model_text(graph: Graph, setting: Setting) -> str:
    text = graph.describe()
    if graph.shared:
        text += f"; shared parameters updated {SHARED_UPDATES[setting.shared_updates].name}"
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


# -- fuzzing over random DAGs (pcproof.strategies_graph) --------------------------------------
def evaluate_case(case, digits: int = 50, escalate: int = 3):
    """A graph case's claim in arb balls at ``digits`` (an undecided ball is recomputed with
    twice the working digits, up to ``escalate`` times), compared by the fuzzer's comparator."""
    from ..numbers.compare import UNDECIDED, compare_equations
    from ..theorem import get as get_theorem
    from .fuzz import _comparator, make_ops
    thm, work = get_theorem(case.theorem), digits
    while True:
        ops = make_ops("arb", case.graph.activation, work)
        with running_rule():
            equations = thm.claim(case.instance(ops))
        result = compare_equations(ops, equations, _comparator(ops, digits))
        if result.status != UNDECIDED or escalate <= 0:
            return result
        work, escalate = 2 * work, escalate - 1


def fuzz_graphs(theorem: str = "graph-updates", n_cases: int = 1000, digits: int = 50, seed: int = 0,
                space=None, setting=None, shrink_examples: int = 500) -> dict:
    """``n_cases`` random DAGs from ``space`` (levelled by default), each at a random point,
    checked in arb balls; the first that differs is shrunk by hypothesis to the fewest vertices
    and the smallest widths.  Returns a summary (counts, seconds, cases per second, the
    minimal failing case or None)."""
    import time

    from ..numbers.compare import DIFFERENT
    from ..strategies_graph import GraphSpace
    from .fuzz import case_rng
    space = space or GraphSpace()
    counts = {"equal": 0, "different": 0, "undecided": 0}
    start, failing = time.perf_counter(), None
    for index in range(n_cases):
        case = space.sample(case_rng(seed, index), theorem, setting)
        status = evaluate_case(case, digits).status
        counts[status] += 1
        if status == DIFFERENT:
            failing = case
            break
    seconds = time.perf_counter() - start
    done = sum(counts.values())
    out = dict(theorem=theorem, cases=done, counts=counts, seconds=round(seconds, 4),
               cases_per_second=round(done / seconds, 1) if seconds else None, levelled=space.levelled,
               digits=digits, seed=seed, failure=None)
    if failing is not None:
        minimal = shrink_graph_case(failing, space, digits, shrink_examples, seed)
        out["failure"] = dict(minimal.to_dict(), original=failing.to_dict(), shown=repr(minimal))
    return out


def shrink_graph_case(case, space, digits: int = 50, max_examples: int = 500, seed: int = 0):
    """The smallest case hypothesis finds that still differs, searching graphs no larger than
    ``case`` (its number of vertices as drawn); ``case`` itself if it finds none smaller."""
    from dataclasses import replace as dc_replace

    from hypothesis import HealthCheck, Phase, find, settings
    from hypothesis.errors import NoSuchExample

    from ..numbers.compare import DIFFERENT
    from ..strategies_graph import graph_cases
    n_in, specs = case.specs
    narrow = dc_replace(space, max_vertices=max(2, n_in + len(specs)), max_inputs=max(1, n_in))

    def differs(c):
        return evaluate_case(c, digits).status == DIFFERENT
    try:
        found = find(graph_cases(case.theorem, narrow, case.setting), differs, random=random.Random(seed),
                     settings=settings(max_examples=max_examples, database=None, deadline=None,
                                       derandomize=False, phases=(Phase.generate, Phase.shrink),   # no "explain"
                                       suppress_health_check=list(HealthCheck)))
    except NoSuchExample:
        found = case
    return delete_vertices(found if found.size <= case.size else case, differs)


def delete_vertices(case, differs):
    """Remove drawn vertices one at a time, then narrow widths to 1, while the case still
    differs (hypothesis deletes list entries too, but the point's scalars drawn after them
    shift, so it can stop short).  Scalars keep their values by name; new ones are 1."""
    from dataclasses import replace as dc_replace

    from ..model.graph import _build_point
    from ..strategies_graph import build_dag

    def rebuilt(n_in, specs):
        old = case.point.scalars()
        try:
            g = build_dag(n_in, specs, case.graph.activation, case.graph.levelled and
                          any(v.primitive == "identity" for v in case.graph.vertices))
        except ValueError:
            return None
        point = _build_point(g, lambda name: old.get(name, Fraction(1)), bool(case.point.extra))
        return dc_replace(case, graph=g, point=point, specs=(n_in, specs))

    changed = True
    while changed:
        changed = False
        n_in, specs = case.specs
        tries = [(n_in, specs[:k] + specs[k + 1:]) for k in reversed(range(len(specs))) if len(specs) > 1]
        tries += [(n_in, specs[:k] + ((s[0], s[1], s[2], 1),) + specs[k + 1:]) for k, s in enumerate(specs) if s[3] > 1]
        tries += [(n_in - 1, specs)] if n_in > 1 else []
        for n, sp_ in tries:
            c = rebuilt(n, sp_)
            if c is not None and c.size < case.size and differs(c):
                case, changed = c, True
                break
    return case
