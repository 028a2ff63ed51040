"""``pcproof report [THEOREM …] [--out DIR] [--format md,tex,html] [--seed S]``: the main job.

With no theorem it reports on every registered theorem (the paper's, the graph theorems and any a user
registered) and writes ``index.md`` / ``index.html`` beside them.  It writes only
inside ``--out``, adds or updates the reports it writes and keeps the others there
(``--clean`` removes them); the index lists every report in the folder.
"""
from __future__ import annotations

from pathlib import Path

import click

from ..cli import EXIT_CODES_HELP, check_timeout
from ..report.render import FORMATS


def _formats(text: str) -> tuple[str, ...]:
    from ..userfile import UserError
    fmts = tuple(f.strip().lower() for f in text.split(",") if f.strip())
    bad = [f for f in fmts if f not in FORMATS]
    if bad or not fmts:
        raise UserError(f"--format takes a comma-separated list of {', '.join(FORMATS)}, got {text!r}")
    return fmts


@click.command("report", epilog=EXIT_CODES_HELP)
@click.argument("theorems", nargs=-1)
@click.option("--out", "out", default="reports", show_default=True, type=click.Path(file_okay=False),
              help="Folder to write the reports into (nothing is written outside it).")
@click.option("--format", "format_text", default="md,tex,html", show_default=True,
              help="Comma-separated formats: md, tex, html.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the fuzzing stage (output is identical "
              "for a seed, except the timing block).")
@click.option("--timeout", type=float, default=120, show_default=True, callback=check_timeout,
              help="Seconds (> 0) per proof before 'unknown'.")
@click.option("--fuzz-cases", type=int, default=200, show_default=True, help="Cases for the fuzzing summary.")
@click.option("--all-depths/--no-all-depths", default=True, help="Include the all-depth (z3) proof where available.")
@click.option("--fuzz/--no-fuzz", "fuzz", default=True, help="Include the fuzzing summary where available.")
@click.option("--ablation", "ablation_dir", default="reports/ablation", show_default=True,
              help="Folder holding pcproof ablate's tables and figures.")
@click.option("--load", "load_files", multiple=True, type=click.Path(dir_okay=False),
              help="A Python file that registers your own theorems (pcproof.theorem.register); repeatable.")
@click.option("--rule", "rule_spec", default=None, help="Report on your own PC rule, FILE.py:NAME or MODULE:NAME, "
              "instead of Z-IL (every proof, the trajectory and the fuzzing use it).")
@click.option("--quick", is_flag=True, help="Only the smallest concrete run and the control (for tests and previews).")
@click.option("--clean", is_flag=True, help="Remove the reports in --out that this run does not write (others are "
              "kept by default).")
def command(theorems, out, format_text, seed, timeout, fuzz_cases, all_depths, fuzz, ablation_dir, load_files, rule_spec,
            quick, clean):
    """Write derivation reports (Markdown, LaTeX, HTML) for THEOREMs (default: all) and an index."""
    from ..cli import get_theorem, load_rule
    from ..theorem import all_theorems
    from ..userfile import UserError, load
    from ..report.build import RUNS, Options
    from ..report.write import write_reports
    fmts = _formats(format_text)
    if fuzz_cases < 1:
        raise UserError(f"--fuzz-cases must be at least 1, got {fuzz_cases}")
    for file in load_files:
        load(file, "--load")
    thms = [get_theorem(t) for t in theorems] if theorems else all_theorems()   # graph theorems too (seconds)
    # repeated in each report's regeneration command and in the fuzz command it quotes
    extra = [a for f in load_files for a in ("--load", f)] + (["--rule", rule_spec] if rule_spec else [])
    opts = Options(seed=seed, timeout=timeout, fuzz_cases=fuzz_cases, all_depths=all_depths, fuzz=fuzz,
                   ablation_dir=Path(ablation_dir) if ablation_dir else None,
                   runs=RUNS[:1] if quick else RUNS, rule=load_rule(rule_spec) if rule_spec else None,
                   user_args=tuple(extra))
    from ..progress import shown
    with shown():
        results = write_reports(thms, Path(out), fmts, opts, echo=click.echo, extra_args=extra, clean=clean)
    for r in results:
        click.echo(f"{r.theorem:<10} concrete: {', '.join(v for _, v in r.concrete) or '—'};  "
                   f"all depths: {r.all_depths};  control: {r.control or '—'};  fuzz: {r.fuzz}")
    click.echo(f"wrote {len(results)} report(s) and the index to {out}/")
    return 0
