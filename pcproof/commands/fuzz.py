"""``pcproof fuzz THEOREM``: the command line of :mod:`pcproof.check.fuzz` (options, input
checks, output); the fuzzing itself lives there and imports nothing of the CLI."""
from __future__ import annotations

import json
import random

import click

from ..check.fuzz import MAX_DIGITS, MAX_JOBS, SYSTEMS, fuzz, render
from ..cli import EXIT_CODES_HELP
from ..strategies import ACTIVATIONS, Space


@click.command("fuzz", epilog=EXIT_CODES_HELP)
@click.argument("theorem")
@click.option("--cases", "n_cases", type=int, default=1000, show_default=True, help="Number of random cases.")
@click.option("--digits", type=int, default=50, show_default=True, help="Working precision (decimal digits).")
@click.option("--seed", type=int, default=None, help="Seed of the case generator (default: random, and printed).")
@click.option("--system", type=click.Choice(SYSTEMS), default="arb", show_default=True,
              help="Number system: arb balls (rigorous), mpmath, exact rationals (polynomial f), "
                   "or auto (rationals for polynomial f, else arb).")
@click.option("--max-depth", type=int, default=6, show_default=True, help="Largest depth L drawn.")
@click.option("--max-width", type=int, default=None, help="Largest layer width drawn (default 8; graphs 3).")
@click.option("--max-vertices", type=int, default=12, show_default=True, help="Graph theorems: most vertices drawn.")
@click.option("--unlevelled", is_flag=True, help="Graph theorems: draw DAGs as built, without levelling them.")
@click.option("--shared-updates", type=click.Choice(["immediate", "deferred"]), default=None,
              help="Graph theorems: draw DAGs with shared parameters too, updated at once or after the run.")
@click.option("--activation", "-f", "activation_names", multiple=True,
              help=f"Activation(s) to draw from (repeat the option). Default: {', '.join(ACTIVATIONS)}.")
@click.option("--bias/--no-bias", default=None, help="Only networks with (without) biases. Default: both.")
@click.option("--rule", "rule_spec", default=None, help="Fuzz your own PC rule, FILE.py:NAME, instead of Z-IL.")
@click.option("--jobs", "-j", type=int, default=0, show_default=True,
              help="Processes to split the cases over (0: every available core, for ≥ 200 cases each).")
@click.option("--load", "load_files", multiple=True, type=click.Path(dir_okay=False),
              help="A Python file that registers your own theorems (pcproof.theorem.register); repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def command(theorem, n_cases, digits, seed, system, max_depth, max_width, max_vertices, unlevelled,
            shared_updates, activation_names, bias, rule_spec, jobs, load_files, as_json):
    """Check THEOREM's claim numerically on random networks; shrink a failure to a minimal network."""
    from ..cli import UserError, get_activation, get_theorem, load_rule, process_started
    started = process_started()
    from ..userfile import load
    for file in load_files:
        load(file, "--load")
    thm = get_theorem(theorem)
    if n_cases < 1:
        raise UserError(f"--cases must be at least 1, got {n_cases}")
    if not 15 <= digits <= MAX_DIGITS:
        raise UserError(f"--digits must be between 15 (equality is judged at digits − 10) and {MAX_DIGITS}, "
                        f"got {digits}")
    if not 0 <= jobs <= MAX_JOBS:
        raise UserError(f"--jobs must be 0 (automatic) up to {MAX_JOBS}, got {jobs}")
    if thm.graph:   # random DAGs (pcproof.strategies_graph), in balls
        given = [o for o, v in (("--rule", rule_spec), ("--bias/--no-bias", bias), ("--jobs", jobs or None),
                                ("--system " + system, None if system in ("arb", "auto") else system)) if v is not None]
        if given:
            raise UserError(f"{' and '.join(given)} do not apply to {thm.name} (random DAGs are checked by Z-IL "
                            "in arb balls, in one process)")
        return _graph_command(thm, n_cases, digits, seed, max_width, max_vertices, unlevelled, activation_names,
                              as_json, shared_updates)
    if shared_updates or unlevelled:
        raise UserError(f"--shared-updates and --unlevelled apply to graph theorems, not to {thm.name}")
    max_width = 8 if max_width is None else max_width
    for name, v in (("--max-depth", max_depth), ("--max-width", max_width)):
        if v < 1:
            raise UserError(f"{name} must be at least 1, got {v}")
    names = tuple(activation_names) or ACTIVATIONS
    for name in names:
        get_activation(name)  # a misspelt name is a one-line error with a suggestion
    if system == "rational":
        bad = [n for n in names if not get_activation(n).concrete().is_polynomial]
        if bad:
            raise UserError(f"--system rational needs polynomial activations; {', '.join(bad)} is not "
                            f"(pass -f identity -f poly, or use --system arb)")
    space = Space(max_depth=max_depth, max_width=max_width, activations=names, bias=bias)
    from ..progress import shown
    with shown(not as_json):
        rep = fuzz(theorem, n_cases, digits, seed, system, space, load_rule(rule_spec), jobs, started=started)
    if as_json:
        from ..provenance import stamp
        click.echo(json.dumps(stamp(rep.to_dict(), seed=rep.seed), indent=2))
    else:
        click.echo(render(rep))
    return rep.exit_code


def _graph_command(thm, n_cases, digits, seed, max_width, max_vertices, unlevelled, activation_names, as_json,
                   shared_updates=None):
    """``pcproof fuzz graph-…``: random DAGs up to ``max_vertices`` (levelled unless asked not
    to) in arb balls; the first that differs is shrunk to the fewest vertices."""
    from ..cli import UserError
    from ..model.graph import GraphError
    from ..strategies_graph import GRAPH_ACTIVATIONS, GraphSpace
    from ..check.graphs import fuzz_graphs
    try:
        space = GraphSpace(max_vertices=max_vertices, max_width=3 if max_width is None else max_width,
                           activations=tuple(activation_names) or GRAPH_ACTIVATIONS, levelled=not unlevelled,
                           shared=shared_updates is not None)
    except GraphError as exc:
        raise UserError(str(exc)) from None
    seed = random.SystemRandom().randrange(2**32) if seed is None else seed
    from ..theorem import Setting
    setting = Setting(shared_updates=shared_updates) if shared_updates else None
    rep = fuzz_graphs(thm.name, n_cases, digits, seed, space, setting)
    status = "failed" if rep["counts"]["different"] else "undecided" if rep["counts"]["undecided"] else "passed"
    rep["status"] = status
    if as_json:
        from ..provenance import stamp
        click.echo(json.dumps(stamp(rep, seed=seed), indent=2))
    else:
        c = rep["counts"]
        shared = f", shared parameters updated {shared_updates}" if shared_updates else ""
        click.echo(f"{thm.name}: {status.upper()} on {rep['cases']} random {'levelled ' if space.levelled else ''}"
                   f"DAGs (≤ {max_vertices} vertices{shared}), arb at {digits} digits, seed {seed}\n"
                   f"  equal {c['equal']}, different {c['different']}, undecided {c['undecided']}; "
                   f"{rep['cases_per_second']} cases/s")
        if rep["failure"]:
            f = rep["failure"]
            click.echo(f"  smallest failing graph: {f['shown']}\n  at {f['point']}")
    return {"passed": 0, "failed": 1, "undecided": 3}[status]
