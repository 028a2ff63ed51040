"""``pcproof validate`` and ``pcproof zoo``: argument handling (the work is in
pcproof.check.validate; docs/zoo.md)."""
from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import click

from ..cli import family_options
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
    knobs = _knobs(settings)
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


def _knobs(settings: tuple) -> dict:
    knobs = {}
    for s in settings:
        key, eq, value = s.partition("=")
        if not eq or not key.strip():
            raise UserError(f"--set takes KNOB=VALUE, got {s!r}")
        knobs[key.strip()] = _value(value.strip(), key)
    return knobs


def _graph_rule_object(spec: str | None, name: str | None, settings: tuple, shared_updates: str | None = None):
    """(rule, graph zoo entry or None) for ``--model``: --rule NAME from the zoo's graph rules
    (pcproof.check.zoo_graph.GRAPH_ZOO; a layered-only rule is refused), or the user's FILE.py:NAME.
    ``shared_updates``: the knob of a PC rule on a graph (rules.graph.GraphPCRule)."""
    if name is None or spec is not None:
        if shared_updates is not None and (spec is None) != (name is None):
            raise UserError("--shared-updates sets a zoo rule's knob: give it to your own rule's constructor")
        rule, entry = _rule_object(spec, name, settings)
        _refuse_layered(rule, spec)
        return rule, entry
    from ..check.zoo_graph import get_graph
    from ..rules.graph import GraphPCRule
    entry = get_graph(name)
    knobs = _knobs(settings)
    if shared_updates is not None:
        if not issubclass(entry.rule, GraphPCRule):
            raise UserError(f"--shared-updates: {name} on a graph is not a PC rule (it has no inference to schedule)")
        knobs["shared_updates"] = shared_updates
    try:
        return (entry.rule(**knobs) if knobs else entry.build()), entry
    except (TypeError, ValueError) as exc:
        raise UserError(f"--set: {' '.join(str(exc).split())}") from None


def _refuse_layered(rule, spec):
    """A user's subclass of a layered zoo rule (FA, ZIL …) speaks of layers l: refused on a graph."""
    from ..check.zoo import ZOO
    from ..check.zoo_graph import GRAPH_ZOO
    layered = tuple({e.rule for e in ZOO.values()})
    graph = tuple({e.rule for e in GRAPH_ZOO.values()})
    if isinstance(rule, layered) and not isinstance(rule, graph):
        base = next(c for c in type(rule).__mro__ if c in layered)
        raise UserError(f"{spec}: {type(rule).__name__} is a layered rule (a {base.__name__}): on a graph give a graph "
                        f"rule ({', '.join(sorted({c.__name__ for c in graph}))}, or your own Rule on a Graph)")


def _graph(model, activation, depth, width, widths, options: dict, do_level):
    """The graph ``--model`` names (pcproof.cli.build_graph), or None without --model; a graph
    option without --model is a user error."""
    given = [f"--{k}" for k, v in options.items() if v is not None] + \
        [f"--{k}" for k, v in (("depth", depth), ("width", width), ("level", do_level or None)) if v is not None]
    if model is None:
        if given:
            raise UserError(f"{' and '.join(given)} {'describe' if len(given) > 1 else 'describes'} a graph: give --model too (pcproof list --models)")
        return None
    from ..cli import build_graph
    return build_graph(model, activation, depth, width, widths, False, options, do_level)


def width_one(graph, family: str, options: dict, do_level: bool) -> tuple:
    """The same family at width 1 (the graphs a card proves at first, for the smallest
    counterexample); () for a user's builder, a family without a width, or width 1 already."""
    from ..model.families import FAMILIES
    from ..model.graph import level
    fam = FAMILIES.get(family)
    if fam is None or "width" not in fam.options:
        return ()
    kw = {k: v for k, v in options.items() if v is not None and k in fam.options and k not in ("width", "widths")}
    if family == "mlp" and options.get("widths") is not None:
        kw["depth"] = len(options["widths"]) - 1
    g = fam.build(graph.activation, **kw, width=1)
    g = level(g) if do_level else g
    same = [v.width for v in g.vertices] == [v.width for v in graph.vertices] and g.describe() == graph.describe()
    return () if same else (g,)


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
@click.option("--model", default=None,
              help="Judge the rule on a graph: mlp, residual, rnn, cnn, attention (pcproof list --models) or FILE.py:BUILDER.")
@click.option("--depth", type=click.IntRange(1, 4096), default=None, help="mlp graph: depth L.")
@click.option("--width", type=click.IntRange(1, 4096), default=None, help="Graph: the width of every vertex.")
@family_options
@click.option("--level", "do_level", is_flag=True, help="Graph: insert identity vertices so every path to the output has one length.")
@click.option("--shared-updates", type=click.Choice(["immediate", "deferred"]), default=None,
              help="Graph, a PC rule: apply a shared parameter's updates at once (its default), or after the run.")
def validate_cmd(target, zoo_name, widths, activation, settings, timeout, align, as_json, out, model, depth, width,
                 graph_options, do_level, shared_updates, knobs):
    """Judge a rule against BP: exact, exact under a condition, exact to order k, approximate, or not BP.

    TARGET is your rule, FILE.py:NAME (a pcproof.rules.Rule subclass, an instance, or a function
    of no arguments returning one); or give --rule NAME for a rule of the zoo."""
    from ..check.validate import SMALL_SIZES, progress_bar, validate
    from ..cli import check_timeout
    from ..model import get_activation
    check_timeout(None, None, timeout)
    get_activation(activation)
    options = graph_options
    if model is None and shared_updates is not None:
        raise UserError("--shared-updates describes a PC rule on a graph: give --model too")
    graph = _graph(model, activation, depth, width, widths, options, do_level)
    if graph is not None:
        if knobs:
            raise UserError("--knob (an order in a rule's knob) is judged on layered networks only, not with --model")
        given = "".join(f" --{k} {v}" if v is not True else f" --{k}" for k, v in
                        dict(options, depth=depth, width=width, widths=widths).items() if v is not None)
        from ..cli import parse_widths
        smaller = width_one(graph, model, dict(options, depth=depth, widths=parse_widths(widths)), do_level)
        return _validate_on_graph(target, zoo_name, settings, graph, timeout, as_json, out, model, activation,
                                  given + (" --level" if do_level else ""), shared_updates, smaller)
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
    return _emit(card, out_path, as_json)


def _emit(card, out_path: Path, as_json: bool) -> int:
    """Write the card's report page, print the card (or its JSON), and give its exit code."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(card.markdown(), encoding="utf-8")
    if as_json:
        click.echo(json.dumps(card.to_dict(), default=str, indent=1))
    else:
        click.echo(card.text())
        click.echo(f"  report      {out_path}")
    return card.exit_code


def _validate_on_graph(target, zoo_name, settings, graph, timeout, as_json, out, model, activation, given,
                       shared_updates=None, smaller=()):
    """``pcproof validate … --model …``: the rule's card on a graph (pcproof.check.validate.validate_graph)."""
    import re

    from ..check.validate import progress_bar, validate_graph
    rule, entry = _graph_rule_object(target, zoo_name, settings, shared_updates)
    given += f" --shared-updates {shared_updates}" if shared_updates else ""
    bar, step = progress_bar(1 + len(smaller) + (len(entry.conditions) if entry else 2), as_json)
    name = getattr(rule, "name", "rule")
    out_path = Path(out) if out else Path("reports") / (f"validate-{name}-{re.sub(r'[^A-Za-z0-9]+', '-', model).strip('-')}"
                                                            + ("-levelled" if "--level" in given else "") + ("-deferred" if shared_updates == "deferred" else "") + ".md")
    try:
        card = validate_graph(rule, graph, entry, timeout=timeout, progress=step, smaller=smaller)
    finally:
        if bar is not None:
            bar.close()
    card.command = "pcproof validate " + (f"--rule {zoo_name}" if zoo_name else target) + \
        "".join(f" --set {s}" for s in settings) + f" --model {model}" + given + \
        (f" -f {activation}" if activation != "uninterpreted" else "")
    return _emit(card, out_path, as_json)


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

    from ..check.validate import graph_zoo_markdown, graph_zoo_text, progress_bar, validate, zoo_markdown, zoo_text
    from ..cli import check_timeout
    from ..check.zoo import ZOO, get
    from ..check.zoo_graph import GRAPH_ZOO
    check_timeout(None, None, timeout)
    for n in only:
        if n not in GRAPH_ZOO:
            get(n)      # unknown: one line, exit 2
    entries = [get(n) for n in only if n in ZOO] if only else list(ZOO.values())
    graph_rows = [(e, row) for e in GRAPH_ZOO.values() if not only or e.name in only for row in e.rows]
    bar, step = progress_bar(len(entries) + len(graph_rows), as_json)
    start, cards = time.perf_counter(), []
    try:
        for e in entries:
            step(e.name)
            cards.append(validate(e.build(), e, timeout=timeout, align=align, plot_dir=Path(out),
                                  rule_class=e.rule if e.make is None else None))
        graph_cards = [graph_row_card(e, row, timeout, step) for e, row in graph_rows]
    finally:
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - start
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "zoo.md").write_text(zoo_markdown(cards, seconds)
                                   + ("\n" + graph_zoo_markdown(graph_cards) if graph_cards else ""), encoding="utf-8")
    if as_json:
        click.echo(json.dumps([c.to_dict() for c in cards + graph_cards], default=str, indent=1))
    else:
        if cards:
            click.echo(zoo_text(cards))
        if graph_cards:
            click.echo(("\n" if cards else "") + "On graphs (f uninterpreted)\n" + graph_zoo_text(graph_cards))
        click.echo(f"\nwrote {folder / 'zoo.md'} ({seconds:.1f} s)")
    return 0


def graph_row_card(entry, row, timeout=60, step=None):
    """The card of one graph row of the zoo (:class:`pcproof.check.zoo_graph.GraphZooEntry`):
    (family, options, levelled?[, knobs]), proved at width 1 first."""
    from ..check.validate import validate_graph
    family, options, levelled, *knobs = row
    knobs = knobs[0] if knobs else {}
    if step is not None:
        step(f"{entry.name} on {family}")
    graph = zoo_graph(family, options, levelled)
    card = validate_graph(entry.rule(**knobs) if knobs else entry.build(), graph, entry, timeout=timeout,
                          smaller=width_one(graph, family, options, levelled))
    if knobs:   # the row names the knobs it turned
        card.rule += " (" + ", ".join(f"{k}={v}" for k, v in knobs.items()) + ")"
    return card


def zoo_graph(family: str, options: dict, levelled: bool):
    """A graph of the zoo's graph rows: the family with f uninterpreted, levelled if asked."""
    from ..model import get_activation
    from ..model.families import FAMILIES
    from ..model.graph import level
    g = FAMILIES[family].build(get_activation("uninterpreted"), **options)
    return level(g) if levelled else g
