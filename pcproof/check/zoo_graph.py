"""The credit-assignment zoo on computational graphs (docs/zoo.md, "On graphs"): the rules that
run on a graph, each with the graphs ``pcproof zoo`` judges it on (its second table) and the
conditions ``pcproof validate --rule NAME --model …`` tries.  The layered rows are
:data:`pcproof.check.zoo.ZOO`; a name may be in both (fa, z-il, relaxed-pc-learned, il).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import hypotheses as C
from .zoo import RPC_PAPER, ZOO


@dataclass(frozen=True)
class GraphZooEntry:
    """A rule that runs on a computational graph (``pcproof validate --rule NAME --model …``).

    ``rule``: its class (``--set`` knobs are its constructor's keywords); ``make()`` builds the
    rule judged (default ``rule()``); ``rows``: the graphs ``pcproof zoo`` judges it on, as
    (family, options, levelled?) or (family, options, levelled?, the rule's knobs)."""

    name: str
    paper: str
    rule: type
    equation: str = ""
    conditions: tuple = ()
    rows: tuple = ()
    make: Callable | None = None
    note: str = ""

    def build(self):
        return self.make() if self.make is not None else self.rule()


GRAPH_ZOO: dict[str, GraphZooEntry] = {}


def register_graph(entry: GraphZooEntry) -> GraphZooEntry:
    GRAPH_ZOO[entry.name] = entry
    return entry


def get_graph(name: str) -> GraphZooEntry:
    """The graph entry ``name``; a layered-only rule or an unknown name is a user error."""
    from ..userfile import UserError
    if name in GRAPH_ZOO:
        return GRAPH_ZOO[name]
    if name in ZOO:
        raise UserError(f"zoo rule {name!r} runs on the layered network only: drop --model and the graph options "
                        f"(rules on graphs: {', '.join(GRAPH_ZOO)}; docs/zoo.md, 'On graphs')")
    raise UserError(f"unknown zoo rule {name!r} on a graph (rules on graphs: {', '.join(GRAPH_ZOO)})")


def _graph_entries():
    from ..rules.graph import GraphIL, GraphZIL
    from ..rules.zoo.graph_fa import GraphFA
    from ..rules.zoo.graph_relaxed_pc import GraphRelaxedPC
    from .graph_judge import FEEDBACK_TRANSPOSE as GRAPH_FEEDBACK_TRANSPOSE
    register_graph(GraphZooEntry(
        "fa", "Lillicrap, Cownden, Tweed & Akerman, Nature Communications 7:13276 (2016); on a graph: "
              "pcproof's generalisation (docs/zoo.md, 'On graphs')", GraphFA,
        equation="δ_v = Σ_c (∂g_c/∂x_v)ᵀ δ_c with θᵀ → B in each vjp (one B per weight)",
        conditions=(GRAPH_FEEDBACK_TRANSPOSE, C.LINEAR),
        rows=(("mlp", dict(depth=3, width=2), False), ("residual", dict(blocks=2, width=2), False),
              ("rnn", dict(steps=3, width=2), False), ("attention", dict(tokens=2, dim=2, skip=True), False))))
    register_graph(GraphZooEntry(
        "z-il", "Salvatori, Song, Xu, Lukasiewicz & Bogacz, AAAI 2022 (Z-IL on computational graphs)", GraphZIL,
        equation="vertex v learns at t = d(v), γ = 1, x(0) = x̄ (C1–C3)",
        rows=(("residual", dict(blocks=2, width=2), True), ("residual", dict(blocks=2, width=2), False),
              ("rnn", dict(steps=3, width=2), False), ("rnn", dict(steps=3, width=2), False, dict(shared_updates="deferred"))),
        note="exact on a levelled graph (the theorem's hypothesis); a skip connection breaks it; an RNN's shared "
             "θ must learn after the run (deferred), not at once"))
    register_graph(GraphZooEntry(
        "relaxed-pc-learned", RPC_PAPER + "; on a graph: Z-IL with B in the drive (pcproof's reconstruction)",
        GraphRelaxedPC, equation="x_v ← x_v + γ(−ε_v + Σ_c (∂g_c/∂x_v)ᵀ ε_c with θᵀ → B), Z-IL's schedule (C1–C3)",
        conditions=(GRAPH_FEEDBACK_TRANSPOSE,),
        rows=(("residual", dict(blocks=2, width=2), True), ("residual", dict(blocks=2, width=2), False),
              ("rnn", dict(steps=3, width=2), False, dict(shared_updates="deferred"))),
        note="FA's errors by Z-IL's wavefront: exact under B = θᵀ on a levelled graph only"))
    register_graph(GraphZooEntry(
        "il", "Whittington & Bogacz, Neural Computation 29 (2017); on a graph: Salvatori et al. 2022", GraphIL,
        equation="inference to t_c = 20 with γ = 1/10, then every vertex learns once",
        rows=(("mlp", dict(depth=2, width=2), False),),
        note="approaches BP only in its paper's limit (weak output precision), a measurement (layered zoo row)"))


_graph_entries()
