"""``pcproof validate`` and ``pcproof zoo``: argument handling (the work is in
pcproof.check.validate; docs/zoo.md)."""
from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import click

from ..userfile import UserError

VALIDATE_EXIT_HELP = ("Exit codes: 0 exact, or exact under a tried condition (proved under it and refuted "
                      "without it); 1 not exact under any tried condition (exact to order k only, approximate, "
                      "or not BP: a re-checked counterexample); 2 bad input (one line on stderr); 3 undecided; "
                      "4 internal error (one line naming a log file).")


def _rule_object(spec: str | None, name: str | None, settings: tuple):
    """(rule instance, zoo entry or None) from FILE.py:NAME or --rule NAME, with --set knobs."""
    from ..rules.base import Rule
    if (spec is None) == (name is None):
        raise UserError("give the rule to validate: FILE.py:NAME (your own rule) or --rule NAME (a zoo rule), "
                        "not both")
    knobs = {}
    for s in settings:
        key, eq, value = s.partition("=")
        if not eq or not key.strip():
            raise UserError(f"--set takes KNOB=VALUE, got {s!r}")
        knobs[key.strip()] = _value(value.strip(), key)
    if name is not None:
        from ..check.zoo import get
        entry = get(name)
        cls = entry.rule
        try:
            rule = cls(**knobs) if knobs else entry.build()
        except (TypeError, ValueError) as exc:
            raise UserError(f"--set: {' '.join(str(exc).split())}") from None
        # the class with its defaults (the all-depth prover builds the rule itself)
        _rule_object.default_class = cls if entry.make is None and not knobs else None
        return rule, entry
    from ..cli import load_rule
    obj = load_rule(spec)
    _rule_object.default_class = obj if isinstance(obj, type) and not knobs else None
    if isinstance(obj, type):
        if not issubclass(obj, Rule):
            raise UserError(f"{spec}: {obj.__name__} is not a pcproof.rules.Rule subclass")
        try:
            obj = obj(**knobs)
        except (TypeError, ValueError) as exc:
            raise UserError(f"{spec}: cannot build the rule{' with --set' if knobs else ''}: "
                            f"{' '.join(str(exc).split())}") from None
    elif knobs:
        raise UserError("--set needs a rule class (its knobs are its constructor's keywords)")
    elif callable(obj) and not callable(getattr(obj, "updates", None)):   # a factory: () -> rule
        from .userfile import user_error_message
        try:
            obj = obj()
        except Exception as exc:  # noqa: BLE001 — the user's factory failed: say where, exit 2
            raise UserError(f"{spec}: calling it to build the rule failed: "
                            f"{user_error_message(exc) or type(exc).__name__}") from None
    if not callable(getattr(obj, "updates", None)):
        raise UserError(f"{spec} is not a rule (it has no updates(arch, params, ops, alpha) method)")
    return obj, None


_rule_object.default_class = None   # set by each call: the class with its defaults, or None


def _value(text: str, key: str):
    for conv in (int, Fraction, float):
        try:
            v = conv(text)
            return float(v) if isinstance(v, Fraction) and v.denominator != 1 and "/" not in text else v
        except (ValueError, ZeroDivisionError):
            continue
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    raise UserError(f"--set {key}: {text!r} is not a number or true/false")


def _order_knobs(rule, specs) -> tuple:
    """--knob NAME[=0|=1] → the Knobs to judge (an unknown knob, or a limit other than 0 or 1, is bad input)."""
    from ..check.hypotheses import with_knob
    from ..check.validate import knob_to
    out = []
    for spec in specs:
        name, eq, to = spec.partition("=")
        name, to = name.strip(), (to.strip() if eq else "0")
        if not name or to not in ("0", "1"):
            raise UserError(f"--knob takes KNOB, KNOB=0 or KNOB=1 (the value it tends to), got {spec!r}")
        try:
            with_knob(rule, name, Fraction(1, 2))
        except (ValueError, TypeError) as exc:
            raise UserError(f"--knob {name}: {' '.join(str(exc).split())}") from None
        out.append(knob_to(name, to))
    return tuple(out)


def _widths(text):
    from ..cli import parse_widths
    from ..model import Architecture, ArchitectureError, get_activation
    w = parse_widths(text)
    if w is not None:
        try:
            Architecture(tuple(w), get_activation("identity"))
        except ArchitectureError as exc:
            raise UserError(f"--widths: {exc}") from None
    return w


@click.command("validate", epilog=VALIDATE_EXIT_HELP)
@click.argument("target", required=False)
@click.option("--rule", "zoo_name", default=None, help="A zoo rule by name (pcproof zoo lists them).")
@click.option("--widths", default=None, help="Widths n0,…,nL (output first) to prove at; default the entry's, or 2,3,2,2.")
@click.option("--activation", "-f", default="uninterpreted", show_default=True,
              help="Activation of the proofs (uninterpreted: for every f).")
@click.option("--set", "settings", multiple=True, metavar="KNOB=VALUE",
              help="A hyper-parameter of the rule (its constructor's keyword); repeatable.")
@click.option("--timeout", type=float, default=60, show_default=True, help="Seconds per proof before 'unknown'.")
@click.option("--align/--no-align", default=True, help="Measure the alignment with BP on digits (pcproof.check.align).")
@click.option("--knob", "knobs", multiple=True, metavar="KNOB[=0|=1]",
              help="Also judge the order of departure in the rule's own knob KNOB as it tends to 0 "
                   "(default) or to 1 (as 1 − ε): Taylor series in it; repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print the card as JSON (no progress bar).")
@click.option("--out", default=None, type=click.Path(dir_okay=False),
              help="The report page to write (Markdown); default reports/validate-NAME.md.")
def validate_cmd(target, zoo_name, widths, activation, settings, timeout, align, as_json, out, knobs):
    """Judge a rule against BP: exact, exact under a condition, exact to order k, approximate, or not BP.

    TARGET is your rule, FILE.py:NAME (a pcproof.rules.Rule subclass, an instance, or a function
    of no arguments returning one); or give --rule NAME for a rule of the zoo."""
    from ..check.validate import SMALL_SIZES, progress_bar, validate
    from ..cli import check_timeout
    from ..model import get_activation
    check_timeout(None, None, timeout)
    get_activation(activation)
    rule, entry = _rule_object(target, zoo_name, settings)
    w = _widths(widths)
    asked = _order_knobs(rule, knobs)
    n_steps = (len(SMALL_SIZES) + 2 + (len(entry.conditions) + len(entry.small) if entry else 6)
               + int(bool(entry and entry.limits)) + len(asked))
    bar, step = progress_bar(n_steps, as_json)
    out_path = Path(out) if out else Path("reports") / f"validate-{getattr(rule, 'name', 'rule')}.md"
    try:
        card = validate(rule, entry, widths=w, activation=activation, timeout=timeout, align=align, progress=step,
                        plot_dir=out_path.parent, rule_class=_rule_object.default_class, knobs=asked)
    finally:
        if bar is not None:
            bar.close()
    card.command = "pcproof validate " + (f"--rule {zoo_name}" if zoo_name else target) + \
        "".join(f" --set {s}" for s in settings) + "".join(f" --knob {k}" for k in knobs) + \
        (f" --widths {widths}" if widths else "") + \
        (f" -f {activation}" if activation != "uninterpreted" else "")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(card.markdown(), encoding="utf-8")
    if as_json:
        click.echo(json.dumps(card.to_dict(), default=str, indent=1))
    else:
        click.echo(card.text())
        click.echo(f"  report      {out_path}")
    return card.exit_code


@click.command("zoo", epilog="Exit code 0 when the table is written; 2 bad input; 4 internal error.")
@click.option("--out", default="reports", show_default=True, type=click.Path(file_okay=False),
              help="Folder for zoo.md (and the alignment plots).")
@click.option("--timeout", type=float, default=60, show_default=True, help="Seconds per proof before 'unknown'.")
@click.option("--align/--no-align", default=True, help="Measure each rule's alignment with BP on digits.")
@click.option("--json", "as_json", is_flag=True, help="Print every card as JSON instead of the table.")
@click.option("--only", multiple=True, help="Only these zoo rules (repeatable).")
def zoo_cmd(out, timeout, align, as_json, only):
    """Judge every rule of the credit-assignment zoo against BP: one row per rule, one column per verdict kind."""
    import time

    from ..check.validate import progress_bar, validate, zoo_markdown, zoo_text
    from ..cli import check_timeout
    from ..check.zoo import ZOO, get
    check_timeout(None, None, timeout)
    entries = [get(n) for n in only] if only else list(ZOO.values())
    bar, step = progress_bar(len(entries), as_json)
    start, cards = time.perf_counter(), []
    try:
        for e in entries:
            step(e.name)
            cards.append(validate(e.build(), e, timeout=timeout, align=align, plot_dir=Path(out),
                                  rule_class=e.rule if e.make is None else None))
    finally:
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - start
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "zoo.md").write_text(zoo_markdown(cards, seconds), encoding="utf-8")
    if as_json:
        click.echo(json.dumps([c.to_dict() for c in cards], default=str, indent=1))
    else:
        click.echo(zoo_text(cards))
        click.echo(f"\nwrote {folder / 'zoo.md'} ({seconds:.1f} s)")
    return 0
