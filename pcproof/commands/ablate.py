"""``pcproof ablate``: the command line of :mod:`pcproof.check.ablate` (options, input checks,
files written, output); the ablation itself lives there and imports nothing of the CLI."""
from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import click
import numpy as np

from ..check.ablate import (CONDITIONS, FIGURE_NAMES, UPDATE_TOL, WEIGHT_TOL, _json_number, figure, pattern_holds, run,
                            table)
from ..cli import EXIT_CODES_HELP


def _ints(text, name):
    try:
        out = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise click.BadParameter(f"{name} must be comma-separated integers, got {text!r}") from None
    if not out or any(v < 1 for v in out):
        raise click.BadParameter(f"{name} must be positive, got {text!r}")
    return out


@click.command("ablate", epilog=EXIT_CODES_HELP)
@click.option("--condition", "conditions", multiple=True, type=click.Choice(["c1", "c2", "c3"]),
              help="Which conditions to break (repeatable). Default: all three.")
@click.option("--hidden", default="1,2,3", show_default=True, help="Numbers of hidden layers (of 32), comma-separated.")
@click.option("--epochs", type=int, default=10, show_default=True, help="Training epochs per run.")
@click.option("--seeds", type=int, default=3, show_default=True, help="Initial weights and batch orders to average over.")
@click.option("--updates", type=int, default=10, show_default=True, help="Batches for the single-update divergence.")
@click.option("--alpha", type=float, default=1e-3, show_default=True, help="Learning rate α.")
@click.option("--batch", type=int, default=20, show_default=True, help="Batch size.")
@click.option("--limit", type=int, default=None, help="Use only the first N training digits.")
@click.option("--quick", is_flag=True, help="A seconds-long run: by default 1–2 hidden layers, 1 seed, 1 epoch, 3 updates, 200 digits.")
@click.option("--out", "out_dir", default="reports/ablation", show_default=True, type=click.Path(file_okay=False),
              help="Directory for the figures and ablation.json (only these files are written).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON instead of the table.")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar on stderr while training "
              "(only on a terminal, never with --json).")
@click.option("--rule", "rule_spec", default=None, help="Ablate your own PC rule, FILE.py:NAME or MODULE:NAME, instead "
              "of Z-IL: it is given gamma=, init_noise= and update_offset= as in pcproof prove (C1 and C3; C2 is "
              "broken by the built-in IL). Default conditions with --rule: c1, c3.")
def command(conditions, hidden, epochs, seeds, updates, alpha, batch, limit, quick, out_dir, as_json, progress,
            rule_spec):
    """Break C1, C2, C3 one at a time; measure how far Z-IL moves from BP (Fig. 3 of the paper)."""
    from ..cli import UserError, load_rule
    hidden = _ints(hidden, "--hidden")
    if quick:  # small defaults; options given explicitly keep their values
        given = click.get_current_context().get_parameter_source
        default = click.core.ParameterSource.DEFAULT
        small = dict(hidden=hidden[:2], seeds=1, epochs=1, updates=3, limit=200)
        hidden, seeds, epochs, updates, limit = (
            small[k] if given(k) == default else v
            for k, v in (("hidden", hidden), ("seeds", seeds), ("epochs", epochs), ("updates", updates),
                         ("limit", limit)))
    for name, v in (("--epochs", epochs), ("--seeds", seeds), ("--updates", updates), ("--batch", batch)):
        if v < 1:
            raise UserError(f"{name} must be at least 1, got {v}")
    if not alpha > 0:
        raise UserError(f"--alpha must be positive, got {alpha}")
    if limit is not None and limit < batch:
        raise UserError(f"--limit ({limit}) must be at least the batch size ({batch})")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out_dir!r} exists and is not a directory")
    rule = None
    if rule_spec is not None:
        rule = load_rule(rule_spec)
        if "c2" in conditions:
            raise UserError("--rule: C2 is broken by the built-in IL (every layer learns at one step t), which a "
                            "rule of yours has no knob for; ablate it with --condition c1 and/or c3")
        from ..rules import PCRule, Rule
        if isinstance(rule, Rule) or (isinstance(rule, type) and issubclass(rule, Rule) and not issubclass(rule, PCRule)):
            raise UserError(f"--rule: {rule_spec} is not a PC rule class: ablate gives it gamma=, init_noise= and "
                            "update_offset=, which only a PC rule takes")
    conditions = conditions or (("c1", "c3") if rule is not None else ("c1", "c2", "c3"))
    # σ ≥ 10 sends some x^l far out, where the sigmoid's f'(x) = e^{-x}/(1+e^{-x})² overflows
    # on its way to its limit 0 (the value is right; numpy's warning is noise here)
    with np.errstate(over="ignore"):
        rows = run(conditions, hidden, seeds, epochs, updates, alpha, batch, limit, rule=rule,
                   progress=progress and not as_json and sys.stderr.isatty())
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for key in conditions:
        figure(rows, key, out / FIGURE_NAMES[key])
        written.append(str(out / FIGURE_NAMES[key]))
    # the paper's pattern is Z-IL's: for a rule of the user's it is a measurement, not a claim to check
    ok = pattern_holds(rows) if rule is None else None
    settings = dict(hidden=list(hidden), width=32, activation="sigmoid", epochs=epochs, seeds=seeds,
                    updates=updates, alpha=alpha, batch=batch, limit=limit, data="sklearn digits",
                    rule=rule_spec or "z-il")
    doc = dict(settings=settings, pattern_holds=ok, tolerances=dict(update=UPDATE_TOL, weights=WEIGHT_TOL),
               rows=[{k: _json_number(v) for k, v in asdict(r).items()} for r in rows])
    from ..provenance import stamp
    doc = stamp(doc, seed=list(range(seeds)))  # seed s: initial weights, batch order and noise of run s
    (out / "ablation.json").write_text(json.dumps(doc, indent=1))
    written.append(str(out / "ablation.json"))
    if as_json:
        click.echo(json.dumps(doc, indent=1))
    else:
        click.echo(table(rows))
        if rule is None:
            click.echo(f"\npattern (match with BP only at σ = 0, t = l, γ = 1): {'holds' if ok else 'FAILS'}")
        else:
            same = [f"{CONDITIONS[r.condition].label(r.value)} ({r.hidden} hidden)" for r in rows if r.matches_bp]
            click.echo(f"\n{rule_spec} matches BP (to float64 round-off) at: {', '.join(same) or 'no setting'}")
        click.echo("wrote " + ", ".join(written))
    sys.exit(0 if ok in (True, None) else 1)
