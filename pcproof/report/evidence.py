"""Orchestration: run the provers a report shows, once, and hand their results over as data.

:mod:`.build` only renders what :func:`gather` returns (it imports no prover); the job that
writes reports (:func:`pcproof.report.write.write_reports`) calls both.  A stage that is
missing or raises is recorded as such (its reason, or the exception), so the report says
so plainly instead of going down with it.
"""
from __future__ import annotations

import importlib
import shlex
from dataclasses import dataclass, field

#: the all-depth runs of a report: (with biases, label)
ALL_DEPTH_RUNS = ((False, "f uninterpreted"), (True, "f uninterpreted, with biases"))


@dataclass
class Evidence:
    """What the provers said about one theorem.

    ``all_depths``: a reason string when not run or unavailable, else [(label, bias, Verdict or
    the exception)]; ``concrete``: [(Run, Verdict or the exception)] (the control last);
    ``fuzz``: a reason string, a FuzzReport, or the exception."""

    all_depths: str | list = "not run"
    concrete: list = field(default_factory=list)
    fuzz: object = "not run"


def _optional(module: str):
    """Import a stage that may not exist yet; (module, None) or (None, reason)."""
    try:
        return importlib.import_module(module), None
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None, f"{module} is not part of this installation"
        return None, f"{module} failed to import: {type(exc).__name__}: {exc}"
    except Exception as exc:  # a stage that is broken must not take the report down with it
        return None, f"{module} failed to import: {type(exc).__name__}: {exc}"


def _reraise_users(exc: Exception) -> None:
    """A stage that fails is named in the report, unless the user's own file raised: that is
    bad input, one line and exit 2 (pcproof.cli), as in every other command."""
    from ..userfile import UserError, user_error_message
    if isinstance(exc, UserError) or user_error_message(exc, strict=True) is not None:
        raise exc


def gather(thm, opts) -> "Evidence | GraphEvidence":
    """Run the all-depth prover, the concrete prover at every run of ``opts`` (and the control)
    and the fuzzer, as ``opts`` asks; nothing is rendered here."""
    from ..conditions import C1
    if getattr(thm, "graph", False):   # a graph theorem: its own runs (gather_graph)
        return gather_graph(thm, opts)
    ev = Evidence()
    if opts.all_depths:
        mod, why = _optional("pcproof.check.induction")
        if mod is None:
            ev.all_depths = why
        else:
            from ..model import get_activation
            ev.all_depths = []
            for bias, label in ALL_DEPTH_RUNS:
                try:
                    v = mod.prove_all_depths(thm, opts.setting(), activation=get_activation("uninterpreted"), bias=bias,
                                             timeout=opts.timeout)
                except Exception as exc:
                    _reraise_users(exc)
                    v = exc
                ev.all_depths.append((label, bias, v))
    from ..check.concrete import prove
    for run in list(opts.runs) + ([opts.control] if opts.control else []):
        try:
            setting = C1.broken(opts.setting(), True) if run.init_noise else opts.setting()   # the control breaks C1
            v = prove(thm, run.architecture(), setting, timeout=opts.timeout)
        except Exception as exc:
            _reraise_users(exc)
            v = exc
        ev.concrete.append((run, v))
    if opts.fuzz:
        mod, why = _optional("pcproof.check.fuzz")
        if mod is None:
            ev.fuzz = why
        else:
            try:
                ev.fuzz = mod.fuzz(thm.name, opts.fuzz_cases, opts.fuzz_digits, opts.seed, rule=opts.rule)
            except Exception as exc:  # a stage that fails is named in the report, not hidden
                _reraise_users(exc)
                ev.fuzz = exc
    return ev


# -- graph theorems (graph-eps, graph-updates; issue 10) ---------------------------------------
#: the example graph of a graph report: the residual chain of docs/notation.md's graph section
EXAMPLE = dict(blocks=3, width=2)
#: the concrete runs of a graph report: (label, family, family options, level, shared-updates schedule)
GRAPH_RUNS = (
    ("residual, 3 blocks, width 2, levelled", "residual", EXAMPLE, True, "immediate"),
    ("residual, 3 blocks, width 2, as built (not levelled)", "residual", EXAMPLE, False, "immediate"),
    ("rnn, 3 steps, width 2, shared updates deferred", "rnn", dict(steps=3, width=2), False, "deferred"),
    ("rnn, 3 steps, width 2, shared updates immediate", "rnn", dict(steps=3, width=2), False, "immediate"),
    ("attention, 2 tokens, dimension 2", "attention", dict(tokens=2, dim=2), False, "immediate"),
    ("attention, 2 heads, causal mask, 2 tokens, dimension 2", "attention",
     dict(tokens=2, dim=2, heads=2, causal=True), False, "immediate"),
)
#: the all-size runs: (label, family, options, level, schedule)
GRAPH_ALL_SIZES = (
    ("residual, n blocks, width 2, levelled", "residual", dict(width=2), True, "immediate"),
    ("residual, n blocks, width 2, as built", "residual", dict(width=2), False, "immediate"),
    ("rnn, n steps, width 2, shared updates deferred", "rnn", dict(steps=None, width=2), False, "deferred"),
)


#: the fuzz runs of a graph report, each what ``pcproof fuzz THEOREM`` runs (levelled random DAGs):
#: (label, --shared-updates schedule or None).  Only runs that pass quickly: a failure is
#: shrunk by hypothesis, whose time varies from one to several seconds (the DAGs as drawn, not
#: levelled, fail at once: ``pcproof fuzz THEOREM --unlevelled``, quoted in the report).
GRAPH_FUZZ_RUNS = (
    ("random levelled DAGs", None),
    ("random levelled DAGs with shared (tied) parameters, updates deferred", "deferred"),
)


@dataclass
class GraphEvidence:
    """What the provers said about one graph theorem, and the example's wavefront.

    ``graphs``: {label: Graph} (the example as built and levelled, for the figures);
    ``wavefront``: {label: [(t, [vertices with ε_v(t) not identically 0])]} or a reason string
    or the exception; ``concrete``, ``all_sizes``: [(label, command, Verdict or the exception)];
    ``fuzz``: a reason string, or [(label, command, the fuzzer's report dict or the exception)]
    (the dict of :func:`pcproof.check.graphs.fuzz_graphs`, with ``status`` and ``space`` added)."""

    graphs: dict = field(default_factory=dict)
    wavefront: dict = field(default_factory=dict)
    concrete: list = field(default_factory=list)
    all_sizes: str | list = "not run"
    fuzz: str | list = "no evidence was gathered"


def build_graph(family: str, options: dict, level: bool):
    from ..model import get_activation
    from ..model.families import FAMILIES
    from ..model.graph import level as level_graph
    g = FAMILIES[family].build(get_activation("uninterpreted"), **options)
    return level_graph(g) if level else g


def graph_command(verb: str, thm, family: str, options: dict, level: bool, schedule: str, extra=()) -> str:
    """The ``pcproof prove`` command that gives the same verdict (``extra``: ``--load``/``--rule`` as given)."""
    args = [f"pcproof prove {thm.name} --model {family}"]
    args += [f"--{k}" if v is True else f"--{k} {v}" for k, v in options.items() if v is not None]   # flags bare
    args += ["--level"] if level else []
    args += [f"--shared-updates {schedule}"] if schedule != "immediate" else []
    args += ["--all-depths"] if verb == "all-sizes" else []
    return " ".join(args + [shlex.quote(str(a)) for a in extra])


def fuzz_status(counts: dict) -> str:
    """A fuzz run's result from its counts: failed (a case differs), undecided, or passed."""
    return "failed" if counts.get("different") else "undecided" if counts.get("undecided") else "passed"


def fuzz_command(thm, opts, schedule: str | None) -> str:
    """The ``pcproof fuzz`` command of one run (``--load`` files as given; no ``--rule``: the
    random-DAG fuzzer checks Z-IL)."""
    args = [f"pcproof fuzz {thm.name} --cases {opts.fuzz_cases} --digits {opts.fuzz_digits} --seed {opts.seed}"]
    args += [f"--shared-updates {schedule}"] if schedule else []
    return " ".join(args + [shlex.quote(str(a)) for a in opts.user_args])


def gather_graph_fuzz(thm, opts) -> str | list:
    """The random-DAG fuzzer on each run of :data:`GRAPH_FUZZ_RUNS` (``opts.fuzz_cases`` cases at
    ``opts.fuzz_digits`` digits, seed ``opts.seed``), or the reason it is not run."""
    if not opts.fuzz:
        return "--no-fuzz"
    if opts.rule is not None:
        return "the random-DAG fuzzer checks Z-IL only (pcproof fuzz on a graph theorem takes no --rule)"
    from ..check.graphs import fuzz_graphs
    from ..strategies import GraphSpace
    from ..theorem import Setting
    runs = []
    for label, schedule in GRAPH_FUZZ_RUNS:
        try:
            space = GraphSpace(shared=schedule is not None)
            rep = fuzz_graphs(thm.name, opts.fuzz_cases, opts.fuzz_digits, opts.seed, space,
                              Setting(shared_updates=schedule) if schedule else None)
            rep = dict(rep, status=fuzz_status(rep["counts"]),
                       space=dict(max_vertices=space.max_vertices, max_inputs=space.max_inputs,
                                  max_width=space.max_width, activations=list(space.activations)))
        except Exception as exc:   # a stage that fails is named in the report, not hidden
            _reraise_users(exc)
            rep = exc
        runs.append((label, fuzz_command(thm, opts, schedule), rep))
    return runs


def wavefront(thm, graph, setting) -> list:
    """At each step t of Z-IL on ``graph`` (symbolic, f uninterpreted, the rule's own trajectory
    through pcproof.rules.graph): the computed vertices whose ε_v(t) is not identically 0 (some
    entry's difference does not expand to 0 in sympy).  A picture of the theorem, not a verdict."""
    from ..check.graphs import symbolic_instance
    from ..numbers.compare import components
    inst = symbolic_instance(thm, graph, setting)
    pcn, ops = inst.pcn, inst.ops
    rows = []
    for t in range(pcn.steps):
        live = [v for v in graph.computed
                if any(ops.tidy(e) != 0 for _, e in components(pcn.eps(v, t)))]
        rows.append((t, live))
    return rows


def gather_graph(thm, opts) -> GraphEvidence:
    """The graph report's evidence: the example graph as built and levelled with the wavefront
    on each, the concrete prover on the runs of :data:`GRAPH_RUNS`, the all-size prover on
    :data:`GRAPH_ALL_SIZES` (when ``opts.all_depths``), the random-DAG fuzzer on
    :data:`GRAPH_FUZZ_RUNS` (when ``opts.fuzz``)."""
    from ..check.graphs import prove
    ev = GraphEvidence()
    for label, level in (("as built", False), ("levelled", True)):
        try:
            g = ev.graphs[label] = build_graph("residual", EXAMPLE, level)
            ev.wavefront[label] = wavefront(thm, g, opts.setting())
        except Exception as exc:
            _reraise_users(exc)
            ev.wavefront[label] = exc
    for label, family, options, level, schedule in GRAPH_RUNS:
        try:
            v = prove(thm, build_graph(family, options, level), opts.setting(shared_updates=schedule),
                      timeout=opts.timeout)
        except Exception as exc:
            _reraise_users(exc)
            v = exc
        ev.concrete.append((label, graph_command("prove", thm, family, options, level, schedule, opts.user_args), v))
    if opts.all_depths:
        mod, why = _optional("pcproof.check.graph_induction")
        if mod is None:
            ev.all_sizes = why
        else:
            ev.all_sizes = []
            for label, family, options, level, schedule in GRAPH_ALL_SIZES:
                kw = {k: v for k, v in options.items() if v is not None}
                try:
                    v = mod.prove_all_sizes(thm, family, opts.setting(shared_updates=schedule), level=level,
                                            timeout=opts.timeout, **kw)
                except Exception as exc:
                    _reraise_users(exc)
                    v = exc
                ev.all_sizes.append((label, graph_command("all-sizes", thm, family, kw, level, schedule,
                                                             opts.user_args), v))
    ev.fuzz = gather_graph_fuzz(thm, opts)
    return ev
