"""``pcproof fuzz THEOREM``: the command line of :mod:`pcproof.check.fuzz` (options, input
checks, output); the fuzzing itself lives there and imports nothing of the CLI."""
from __future__ import annotations

import json

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
@click.option("--max-width", type=int, default=8, show_default=True, help="Largest layer width drawn.")
@click.option("--activation", "-f", "activation_names", multiple=True,
              help=f"Activation(s) to draw from (repeat the option). Default: {', '.join(ACTIVATIONS)}.")
@click.option("--bias/--no-bias", default=None, help="Only networks with (without) biases. Default: both.")
@click.option("--rule", "rule_spec", default=None, help="Fuzz your own PC rule, FILE.py:NAME, instead of Z-IL.")
@click.option("--jobs", "-j", type=int, default=0, show_default=True,
              help="Processes to split the cases over (0: every available core, for ≥ 200 cases each).")
@click.option("--load", "load_files", multiple=True, type=click.Path(dir_okay=False),
              help="A Python file that registers your own theorems (pcproof.theorem.register); repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def command(theorem, n_cases, digits, seed, system, max_depth, max_width, activation_names, bias, rule_spec,
            jobs, load_files, as_json):
    """Check THEOREM's claim numerically on random networks; shrink a failure to a minimal network."""
    from ..cli import UserError, get_activation, get_theorem, load_rule, process_started
    started = process_started()
    from ..userfile import load
    for file in load_files:
        load(file, "--load")
    get_theorem(theorem)
    if n_cases < 1:
        raise UserError(f"--cases must be at least 1, got {n_cases}")
    if not 15 <= digits <= MAX_DIGITS:
        raise UserError(f"--digits must be between 15 (equality is judged at digits − 10) and {MAX_DIGITS}, "
                        f"got {digits}")
    if not 0 <= jobs <= MAX_JOBS:
        raise UserError(f"--jobs must be 0 (automatic) up to {MAX_JOBS}, got {jobs}")
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
