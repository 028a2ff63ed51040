"""The report of a graph theorem (``graph-eps``, ``graph-updates``; issue 10 item 5): statement
and hypotheses in their graph form, the example graph drawn as built and levelled (coloured by
d(v)), Z-IL's wavefront over it, the concrete and all-size verdicts, the random-DAG fuzzer's
runs, reproduce commands.

Renders only: :func:`pcproof.report.evidence.gather_graph` ran the provers and the trajectory
(:class:`~pcproof.report.evidence.GraphEvidence`); drawing a graph is not proving.
"""
from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path

from .build import (NOTATION, Options, ProofIndex, Result, _core_entries, axiom_table, closing, induction_blocks,
                    math_or_text, verdict_blocks)
from .document import M, Bullets, Details, Display, Document, Figure, Gallery, Heading, Link, Para, \
    Table, Verbatim, parts
from .evidence import EXAMPLE, GraphEvidence
from .graph_figure import graph_figure

#: a hypothesis whose declared LaTeX is the layered form gets its graph form here
GRAPH_FORM = {"C1": r"x_v(0) = \bar{x}_v \text{ for every hidden vertex } v \text{ (start at the feed-forward values)}"}


def _verdict(v) -> str:
    return v.verdict if hasattr(v, "verdict") else f"failed ({type(v).__name__}: {v})"


def statement_blocks(thm) -> list:
    hyps = [parts(f"{c.name}: ", M(GRAPH_FORM.get(c.name, c.latex))) if c.latex else parts(f"{c.name}: {c.text}")
            for c in thm.hypotheses]
    return [
        Heading(2, parts("Statement"), "statement"),
        Para(parts(*math_or_text(f"{thm.source}. {thm.title}."), " Under the hypotheses below,")),
        Display(thm.statement),
        Para(parts("On a computational graph, ", M("d(v)"), " is the distance from vertex ", M("v"), " to the output; ",
                   M(r"\bar{x}_v"), " and ", M(r"\delta_v = -\partial E/\partial \bar{x}_v"),
                   " are BP's feed-forward values and errors; ", M(r"\varepsilon_v(t) = x_v(t) - \mu_v(t)"),
                   " is PC's error node at inference step ", M("t"), ". A graph is levelled when every path from a "
                   "vertex to the output has the same length; level(G) inserts identity vertices to make it so. "
                   "Notation: ", NOTATION, " (graph section).")),
        Heading(3, parts("Hypotheses"), "hypotheses"),
        Bullets(hyps or [parts("none")]),
    ]


def figure_blocks(thm, ev: GraphEvidence, out_dir: Path) -> list:
    figs = []
    for label, g in ev.graphs.items():
        rel = f"figures/{thm.name}-graph-{label.replace(' ', '-')}.png"
        graph_figure(g, out_dir / rel, title=f"{g.describe()}, {label}")
        figs.append(Figure(rel, parts(f"{label}: ", g.describe()), f"the example graph {label}, coloured by d(v)",
                           width=0.48))
    if not figs:
        return []
    return [Heading(2, parts("The example graph"), "graph"),
            Para(parts(f"A residual chain of {EXAMPLE['blocks']} blocks of width {EXAMPLE['width']} (block k: ",
                       M(r"h_k = \theta^a_k f(x_k)"), ", ", M(r"y_k = \theta^b_k f(h_k)"), ", ",
                       M(r"x_{k+1} = x_k + y_k"), "; a dense head). Vertices are placed and coloured by ", M("d(v)"),
                       "; red edges skip a column, which is what makes the graph as built not levelled; "
                       "small grey-edged vertices are the identities levelling inserted; inputs are squares.")),
            Gallery(figs, parts("The example graph as built and levelled, coloured by d(v)."))]


def wavefront_blocks(ev: GraphEvidence) -> list:
    out = [Heading(2, parts("The wavefront over the graph"), "wavefront"),
           Para(parts("Z-IL run by the rule's own code (pcproof.rules.graph, GraphZIL) on the example, "
                      "symbolically with ", M("f"), " uninterpreted. At each step ", M("t"), ": the vertices whose ",
                      M(r"\varepsilon_v(t)"), " first becomes nonzero (not identically 0: some entry does not expand "
                      "to 0), each with its ", M("d(v)"), " when that differs from ", M("t"), " (an error that arrives "
                      "off schedule), and the vertices that learn at ", M("t"), " (", M("d(v) = t"), ", C2). "
                      "A picture of the theorem, not a verdict."))]
    for label, rows in ev.wavefront.items():
        g = ev.graphs.get(label)
        if not isinstance(rows, list) or g is None:
            out.append(Para(parts(f"{label}: the wavefront could not be computed: {_verdict(rows)}")))
            continue
        seen, body, early = set(), [], 0
        for t, live in rows:
            new = [v for v in live if v not in seen]
            seen |= set(new)
            off = [v for v in new if g.distance[v] != t]
            early += len(off)
            shown = [v if g.distance[v] == t else f"{v} (d={g.distance[v]})" for v in new]
            learn = [v.name for v in g.vertices if not v.is_input and g.distance[v.name] == t]
            body.append([parts(str(t)), parts(", ".join(shown) or "—"), parts(", ".join(learn) or "—"),
                         parts(str(len(live)))])
        out.append(Table([parts("t"), parts("ε_v turns nonzero"), parts("learn at t (d(v) = t)"),
                          parts("nonzero ε")], body,
                         caption=parts(f"{label}: " + (f"{early} vertices' errors arrive off schedule (t ≠ d(v))"
                                                       if early else "every error arrives at t = d(v)")),
                         small=True))
    return out


def _runs_table(runs, result_list=None) -> Table:
    rows = []
    for label, command, v in runs:
        rows.append([parts(label), parts(_verdict(v)), parts(command)])   # times: only in the Timing block
        if result_list is not None:
            result_list.append((label, _verdict(v)))
    return Table([parts("graph"), parts("verdict"), parts("command")], rows, small=True)


def concrete_blocks(ev: GraphEvidence, result: Result, timings: list) -> list:
    out = [Heading(2, parts("Verdicts on concrete graphs"), "concrete"),
           Para(parts("The concrete prover (pcproof.check.graphs) on each graph, sympy with ", M("f"),
                      " uninterpreted; a refutation carries a counterexample re-checked in exact rationals or arb "
                      "balls. The RNN shares θ and U over time, so it runs under both schedules of a shared "
                      "parameter's updates.")),
           _runs_table(ev.concrete, result.concrete)]
    for label, _command, v in ev.concrete:
        if hasattr(v, "verdict"):
            timings.append((f"concrete: {label}", v.seconds))
            out.append(Details(f"{label}: {v.verdict}", verdict_blocks(v, 4)))
    return out


def all_size_blocks(ev: GraphEvidence, result: Result, timings: list) -> list:
    out = [Heading(2, parts("Verdicts for every size"), "all-sizes")]
    if isinstance(ev.all_sizes, str):
        result.all_depths = ev.all_sizes
        return out + [Para(parts(f"Not run: {ev.all_sizes}."))]
    found = []
    out += [Para(parts("The all-size prover (pcproof.check.graph_induction): induction over the levels of an indexed "
                       "family at a symbolic size ", M("n"), ", obligations unsat in z3; when the family is not "
                       "levelled, a counterexample at a concrete size.")),
            _runs_table(ev.all_sizes, found)]
    result.all_depths = " / ".join(v for _, v in found) or "—"
    axioms, used = {}, set()   # one table for every proof below: their links point at it
    for k, (label, _command, v) in enumerate(ev.all_sizes):
        if hasattr(v, "verdict"):
            timings.append((f"all sizes: {label}", v.seconds))
            prefix = f"run{k}-" if k else ""   # each proof's lemma anchors differ
            body = (induction_blocks(v, ProofIndex([l for l in v.lemmas or [] if isinstance(l, dict)],
                                                   v.axioms or [], prefix=prefix), 4)
                    if v.verdict == "proved" else verdict_blocks(replace(v, axioms=[]), 4))   # one axiom table
            out.append(Details(f"{label}: {v.verdict}", body))
            if v.verdict == "proved":
                axioms.update({str(a.get("name")): a for a in v.axioms or [] if isinstance(a, dict)})
                used |= _core_entries(v.lemmas) | _core_entries(v.induction) | set(v.unsat_core or [])
    if axioms:
        out += [Para(parts("Axioms the proofs above assume (taken without proof):")),
                axiom_table(list(axioms.values()), used)]
    return out


def fuzz_blocks(thm, ev: GraphEvidence, result: Result, timings: list) -> list:
    """The random-DAG fuzzer's runs: counts, number system, the smallest failing graph if any."""
    out = [Heading(2, parts("Fuzzing on random graphs"), "fuzzing")]
    if isinstance(ev.fuzz, str):
        result.fuzz = "not run"
        return out + [Para(parts(f"Not run: {ev.fuzz}."))]
    runs = [(label, command, rep) for label, command, rep in ev.fuzz]
    reps = [rep for _, _, rep in runs if isinstance(rep, dict)]
    first = reps[0] if reps else {}
    space = first.get("space", {})
    out.append(Para(parts(
        "The random-DAG fuzzer (pcproof.check.graphs.fuzz_graphs, what pcproof fuzz ", thm.name, " runs) draws graphs "
        "from pcproof.strategies' GraphSpace", f" (up to {space['max_vertices']} vertices, {space['max_inputs']} inputs, "
        f"widths up to {space['max_width']}, f among {', '.join(space['activations'])})" if space else "",
        ", levelled, each at a random exact rational point, and evaluates both sides of every equation of the claim "
        "in arb balls", f" at {first['digits']} digits" if "digits" in first else "",
        " (an undecided ball is recomputed at twice the digits, up to 3 times). The first case that differs is "
        "shrunk to the fewest vertices and the smallest widths. Random testing, not a proof: it can refute, never "
        "prove. DAGs as drawn, not levelled, are fuzzed by pcproof fuzz ", thm.name, " --unlevelled (not run here: "
        "shrinking its first failure takes seconds).")))
    rows, statuses = [], []
    for label, command, rep in runs:
        if not isinstance(rep, dict):
            status = f"failed ({type(rep).__name__}: {rep})"
            rows.append([parts(label), parts("—"), parts("—"), parts("—"), parts("—"), parts(status), parts(command)])
            statuses.append("failed")
            continue
        c = rep["counts"]
        rows.append([parts(label), parts(str(rep["cases"])), parts(str(c["equal"])), parts(str(c["different"])),
                     parts(str(c["undecided"])), parts(rep["status"]), parts(command)])
        statuses.append(rep["status"])
        timings.append((f"fuzz: {label}", float(rep["seconds"])))
        if rep.get("cases_per_second") is not None:
            timings.append((f"fuzz: {label}, rate", float(rep["cases_per_second"]), "per s"))
    out.append(Table([parts("run"), parts("cases"), parts("equal"), parts("different"), parts("undecided"),
                      parts("result"), parts("command")], rows, small=True))
    for label, _command, rep in runs:
        if isinstance(rep, dict) and rep.get("failure"):
            out.append(Details(f"{label}: the smallest failing graph", failure_blocks(rep["failure"])))
    result.fuzz = " / ".join(statuses) or "—"
    return out


def failure_blocks(f: dict) -> list:
    """A shrunk failing case of the random-DAG fuzzer: the graph, its point, how large it was drawn."""
    drawn = len(f.get("original", {}).get("vertices", [])) or "?"
    rows = [[parts(v["name"]), parts(v["primitive"]), parts(", ".join(v["parents"]) or "—"),
             parts(", ".join(v["params"]) or "—"), parts(str(v["width"]))] for v in f.get("vertices", [])]
    point = ", ".join(f"{k} = {x}" for k, x in f.get("point", {}).items())
    return [Para(parts(f"{f.get('model', 'graph')} (drawn with {drawn} vertices, shrunk to {len(rows)}); outputs "
                       f"{', '.join(f.get('outputs', []))}; α = {f.get('alpha', '?')}. Re-run its command to "
                       "see it again.")),
            Table([parts("vertex"), parts("primitive"), parts("parents"), parts("parameters"), parts("width")], rows,
                  small=True),
            Verbatim("at  " + textwrap.fill(point, 90, subsequent_indent="    ", break_long_words=False))]


def graph_document(thm, out_dir: Path, opts: Options, command: str | None = None, provenance: dict | None = None,
                   evidence: GraphEvidence | None = None) -> tuple[Document, Result]:
    """The report of a graph theorem from its :class:`GraphEvidence` (nothing is proved here)."""
    ev = evidence or GraphEvidence()
    timings: list = []
    result = Result(thm.name, thm.title, ", ".join(c.name for c in thm.hypotheses))
    (out_dir / "figures").mkdir(parents=True, exist_ok=True)
    blocks = [Heading(1, parts(f"{thm.name}: ", *math_or_text(thm.title)), "top"),
              Link([("index", "index.html"), ("Markdown", f"{thm.name}.md"), ("LaTeX", f"{thm.name}.tex")])]
    blocks += statement_blocks(thm)
    blocks += figure_blocks(thm, ev, out_dir)
    blocks += wavefront_blocks(ev)
    blocks += concrete_blocks(ev, result, timings)
    blocks += all_size_blocks(ev, result, timings)
    blocks += fuzz_blocks(thm, ev, result, timings)
    commands = [c for _, c, _ in ev.concrete] + ([c for _, c, _ in ev.all_sizes] if isinstance(ev.all_sizes, list)
                                                   else []) + ([c for _, c, _ in ev.fuzz] if isinstance(ev.fuzz, list)
                                                               else [])
    blocks += [Heading(2, parts("Reproduce"), "reproduce"),
               Para(parts("This command regenerates the report (identical except the provenance and wall-clock "
                          "blocks); each verdict above is also given by its own command:")),
               Verbatim(command or f"pcproof report {thm.name} --seed {opts.seed}"),
               Verbatim("\n".join(commands) or "(no runs)")]
    return closing(thm, blocks, provenance, timings, result)
