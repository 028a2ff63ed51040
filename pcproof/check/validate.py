"""``pcproof validate`` and ``pcproof zoo``: everything pcproof can say about a rule against
BP, in a sensible order, as one verdict card (docs/zoo.md).

1. *exact?* — the rule's updates against BP's at growing sizes (L = 1, then one hidden
   layer of width 1, …, then the entry's widths), f uninterpreted; the first refutation is
   the smallest counterexample;
2. *exact under a condition?* — each condition that applies, imposed on the point, proved
   under it and refuted without it (pcproof.kernel.judge_under);
3. *exact to order k?* — each small parameter, Taylor coefficients of the difference
   (pcproof.kernel.decide_series_order: the rule run in Taylor series);
4. *approximate* — cosine similarity and relative error to BP over a training run on
   digits (pcproof.check.align, if present), never a proof.

Every verdict is the kernel's; this module orders the work and prints the card.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import kernel
from ..model import Architecture, get_activation
from .hypotheses import CHAIN_ERROR, FEEDBACK_ERROR, HYPOTHESES, Knob

#: sizes tried before the entry's own widths, smallest first (the smallest counterexample)
SMALL_SIZES = ((1, 1), (1, 1, 1), (2, 2, 2))
#: small parameters a user's rule is tried against (where their base condition applies)
SMALL_PARAMETERS = (FEEDBACK_ERROR, CHAIN_ERROR)
#: the alignment run of a card: small, a few seconds a rule
ALIGN = dict(widths=(16, 16), seeds=(0, 1, 2), epochs=1, limit=300)


@dataclass
class Card:
    """A rule's verdict card: the kernel's judgements and the strongest of them."""

    rule: str
    description: str
    paper: str | None
    equation: str
    widths: list
    activation: str
    judgements: list = field(default_factory=list)
    headline: kernel.Judgement | None = None
    smallest: dict | None = None
    alignment: dict | None = None
    alignment_note: str = ""
    limits: dict | None = None     # a measured approach to BP in the rule's knobs (headline, sweeps)
    seconds: float = 0.0
    command: str = ""              # how to regenerate this card (shown on the report page)
    model: str = ""                # on a graph: the graph judged on (widths is then None)

    @property
    def exit_code(self) -> int:
        return 3 if self.headline is None else self.headline.exit_code

    def of_kind(self, kind):
        return [j for j in self.judgements if j.kind == kind]

    def exact_under(self) -> list:
        return [j.condition for j in self.of_kind(kernel.EXACT_UNDER)]

    def orders(self) -> list:
        return [j for j in self.judgements if j.order is not None]

    def to_dict(self) -> dict:
        return dict(rule=self.rule, description=self.description, paper=self.paper, equation=self.equation,
                    widths=self.widths, activation=self.activation, model=self.model or None,
                    verdict=None if self.headline is None else self.headline.kind,
                    statement=None if self.headline is None else self.headline.statement,
                    exit_code=self.exit_code, exact_under=self.exact_under(),
                    orders=[j.order | {"kind": j.kind, "statement": j.statement} for j in self.orders()],
                    smallest_counterexample=self.smallest, alignment=self.alignment,
                    alignment_note=self.alignment_note, limits=self.limits, seconds=round(self.seconds, 3),
                    judgements=[j.to_dict() for j in self.judgements])

    # -- printing -----------------------------------------------------------------------
    def text(self) -> str:
        from ..text import to_text   # the terminal's one printer of mathematics (δˡ, Δθ², ε¹)
        lines = [f"pcproof validate: {self.description}" + (f"  ({self.paper})" if self.paper else "")]
        if self.model:
            lines.append(f"  {'graph':<11} {self.model}, f {self.activation}")

        def row(label, content):
            lines.append(f"  {label:<11} {to_text(content)}")
        if self.equation:
            row("rule", self.equation)
        head = self.headline
        row("verdict", f"{head.kind.upper() if head else 'UNDECIDED'}: "
                       f"{head.statement if head else 'nothing was decided'}")
        for j in self.judgements:
            if j.condition is not None:
                row("condition", f"{j.condition['text']}: {j.kind} — {j.statement}")
        for j in self.orders():
            row("order", j.statement)
        if self.alignment:
            close = next((j.statement for j in self.of_kind(kernel.APPROXIMATE)), "")
            row("alignment", f"{self.alignment['summary']}; {close}")
        else:
            lines.append(f"  alignment   not measured: {self.alignment_note}")
        if self.limits:
            row("limits", f"{self.limits['headline']} (measured)")
        if self.smallest:
            lines.append(f"  smallest counterexample  {to_text(_cex_text(self.smallest))}")
        lines.append(f"  exit {self.exit_code}   ({self.seconds:.1f} s)")
        return "\n".join(lines)

    def markdown(self) -> str:
        head = self.headline
        out = [f"# Verdict card: {self.description}", ""]
        if self.paper:
            out += [f"*Paper*: {self.paper}", ""]
        if self.equation:
            out += [f"*Rule*: {self.equation}", ""]
        out += [f"**{head.kind if head else 'undecided'}**: {head.statement if head else 'nothing was decided'}", "",
                (f"Proved on the graph {self.model}" if self.model else
                 f"Proved at widths {self.widths} (output first)") + f", f {self.activation}; exit code {self.exit_code}.", "",
                "| question | verdict | evidence |", "|---|---|---|"]
        for j in self.judgements:
            what = (f"under ${j.condition['latex']}$" if j.condition else
                    f"order in {j.order['text']}" if j.order else
                    "measured on digits" if j.kind == kernel.APPROXIMATE else "as written")
            ev = "; ".join(f"{e.get('theorem')}: {e.get('verdict', '')} "
                           f"{'on ' + e['model'] if e.get('model') and not e.get('widths') else 'at ' + str(e.get('widths'))} "
                           f"{'' if not e.get('hypotheses') else 'under ' + ', '.join(e['hypotheses']) + ' '}"
                           f"({e.get('seconds', 0)} s)" for e in j.evidence if "verdict" in e)
            out.append(f"| {what} | {j.kind} | {j.statement}{' — ' + ev if ev else ''} |")
        out.append("")
        if self.alignment:
            out += ["## Alignment with BP (measured, not proved)", "", self.alignment["summary"], ""]
            if self.alignment.get("plot"):
                out += [f"![cosine similarity to BP]({Path(self.alignment['plot']).name})", ""]
        else:
            out += [f"Alignment not measured: {self.alignment_note}", ""]
        if self.limits:
            out += ["## Approach to BP in the rule's own knobs (measured, not proved)", "",
                    self.limits["headline"], ""]
        if self.smallest:
            out += ["## Smallest counterexample", "", _cex_text(self.smallest), "", "```",
                    ", ".join(f"{k} = {v}" for k, v in (self.smallest.get("point") or {}).items()), "```", ""]
        out += [f"Regenerate: `{self.command or 'pcproof validate --rule ' + self.rule}`", ""]
        return "\n".join(out)


def plain_label(latex: str) -> str:
    """An equation's LaTeX label as plain text (Δθ^2_fa = Δθ^2_BP)."""
    import re
    t = latex.replace(r"\Delta", "Δ").replace(r"\theta", "θ").replace(r"\varepsilon", "ε").replace(r"\delta", "δ")
    t = re.sub(r"\\text\{([^}]*)\}", r"\1", t)
    return re.sub(r"[{}]", "", t)


def _cex_text(c: dict) -> str:
    sys_ = "exact rationals" if c.get("system") == "rational" else f"arb balls ({c.get('working_digits')} digits)"
    where = f"widths {c.get('widths')}" if c.get("widths") or not c.get("model") else str(c.get("model"))
    return (f"{where}, f = {c.get('f')}: {plain_label(str(c.get('equation')))} entry {c.get('entry')}: "
            f"rule {c.get('lhs')} vs BP {c.get('rhs')} ({sys_})")


def validate(rule, entry=None, widths=None, activation: str = "uninterpreted", timeout: float | None = 60,
             align: bool = True, progress=None, plot_dir: Path | None = None, rule_class=None,
             knobs: tuple = ()) -> Card:
    """The verdict card of ``rule`` (an instance); ``entry``: its :class:`~pcproof.check.zoo.ZooEntry`
    (conditions and small parameters to try), None for a user's rule (every condition
    and small parameter that applies is tried).  ``progress(label)`` is called before each step.
    ``rule_class``: the class ``rule`` is with its defaults, if it is (a PC rule is then also
    tried at every depth).  ``knobs``: :class:`~pcproof.check.hypotheses.Knob` objects asked for by
    name (``--knob``), judged whatever the other verdicts."""
    from .judge import judge_condition, judge_knob_order, judge_order, prove_updates
    start = time.perf_counter()
    name = getattr(rule, "name", type(rule).__name__)
    widths = tuple(widths or (entry.widths if entry else (2, 3, 2, 2)))
    act = get_activation(activation)
    arch = Architecture(widths, act)
    desc = rule.describe() if hasattr(rule, "describe") else name
    card = Card(name, desc, entry.paper if entry else None, entry.equation if entry else "",
                list(widths), act.name)
    step = progress or (lambda label: None)

    # 1. exact? smallest sizes first, the entry's widths last (the one conditions are judged against)
    verdicts = []
    for w in [s for s in SMALL_SIZES if len(s) <= len(widths) and sum(s) < sum(widths)] + [widths]:
        step(f"exact at widths {list(w)}")
        v = prove_updates(rule, Architecture(w, act), timeout=timeout)
        verdicts.append(v)
        if v.verdict == kernel.REFUTED and card.smallest is None:
            card.smallest = dict(v.counterexample, widths=v.widths)
    plain = verdicts[-1]
    # every depth: the all-depth prover takes a PC rule *class* (built with the theorem's γ = 1),
    # so only when the rule judged is that class with its defaults (``rule_class``)
    if rule_class is not None and all(v.verdict == kernel.PROVED for v in verdicts):
        from ..rules import PCRule
        if isinstance(rule_class, type) and issubclass(rule_class, PCRule):
            from ..theorem import Setting, get as get_theorem
            from .induction import prove_all_depths
            step("every depth (z3)")
            v = prove_all_depths(get_theorem("thm-3.2"), Setting(rule=rule_class), activation=act, timeout=timeout)
            if v.verdict != kernel.UNKNOWN:     # unknown adds nothing to the concrete proofs
                verdicts.append(v)
    card.judgements.append(kernel.judge_plain(name, verdicts))

    # 2. exact under a condition (only if not exact as written)
    if plain.verdict == kernel.REFUTED:
        conds = entry.conditions if entry else tuple(HYPOTHESES.values())
        for hyp in conds:
            if hyp.why_not(arch, rule):
                continue
            step(f"under {hyp.text}")
            card.judgements.append(judge_condition(rule, arch, hyp, plain, timeout))

        # 3. order of departure in each small parameter whose base applies
        smalls = entry.small if entry else SMALL_PARAMETERS
        for sp_ in smalls:
            if isinstance(sp_, Knob):   # one of the rule's own knobs, at its own widths
                at = Architecture(tuple(sp_.widths or widths), act)
                if sp_.base is not None and sp_.base.why_not(at, rule):
                    continue
                step(f"order in {sp_.symbol}")
                card.judgements.append(judge_knob_order(rule, at, sp_, timeout=timeout))
                continue
            if sp_.base is not None and sp_.base.why_not(arch, rule):
                continue
            step(f"order in {sp_.name}")
            card.judgements.append(judge_order(rule, arch, sp_, timeout=timeout))

    # the knobs asked for by name: an order in them is asked whether or not the rule is exact
    for k in knobs:
        step(f"order in {k.symbol}")
        card.judgements.append(judge_knob_order(rule, arch, k, timeout=timeout))

    # 4. approximate: measured alignment
    if align and (entry is None or entry.align):
        step("alignment on digits")
        card.alignment, card.alignment_note = measure_alignment(rule, plot_dir)
        if card.alignment:
            card.judgements.append(kernel.judge_approximate(name, card.alignment))
        if entry is not None and entry.limits is not None:   # measured, like the alignment: never a proof
            step("approach to BP in the rule's knobs")
            card.limits = entry.limits().to_dict()
    else:
        card.alignment_note = "not asked for (--no-align)"
    # an order judged on a variant of the row's rule (AR at T = 2 sweeps) describes that
    # variant, not the rule as written: shown on the card, never its headline
    card.headline = kernel.strongest([j for j in card.judgements if not (j.order or {}).get("variant")])
    card.seconds = time.perf_counter() - start
    return card


def validate_graph(rule, graph, entry=None, timeout: float | None = 60, progress=None, smaller=()) -> Card:
    """The verdict card of ``rule`` on a computational ``graph`` (docs/zoo.md, "On graphs"):
    exact? (the rule's updates against BP's reverse mode, f as the graph has it; first on the
    graphs ``smaller``, smallest first, so the first refutation is the smallest counterexample),
    then, if refuted on ``graph``, exact under each condition that applies (``entry.conditions``,
    or every one of :data:`pcproof.check.graph_judge.GRAPH_HYPOTHESES` for a user's rule).
    Orders in a small parameter and the alignment on digits are layered-only; the card says so."""
    from .graph_judge import GRAPH_HYPOTHESES, judge_graph_condition, model_text, prove_graph_updates
    start = time.perf_counter()
    name = getattr(rule, "name", type(rule).__name__)
    desc = rule.describe() if hasattr(rule, "describe") else name
    card = Card(name, desc, entry.paper if entry else None, entry.equation if entry else "", None,
                graph.activation.name, model=model_text(graph, rule))
    step = progress or (lambda label: None)
    verdicts = []
    for g in (*smaller, graph):
        step(f"exact on {model_text(g).split(':')[0]}")
        v = prove_graph_updates(rule, g, timeout=timeout)
        verdicts.append(v)
        if v.verdict == kernel.REFUTED and card.smallest is None:
            card.smallest = dict(v.counterexample, widths=None, model=v.model)
    plain = verdicts[-1]
    card.judgements.append(kernel.judge_plain(name, verdicts))
    if plain.verdict == kernel.REFUTED:
        for hyp in (entry.conditions if entry else tuple(GRAPH_HYPOTHESES.values())):
            if hyp.why_not(graph, rule):
                continue
            step(f"under {hyp.text}")
            card.judgements.append(judge_graph_condition(rule, graph, hyp, plain, timeout))
    card.alignment_note = "not measured on a graph (pcproof.check.align trains the layered network on digits)"
    card.headline = kernel.strongest(card.judgements)
    card.seconds = time.perf_counter() - start
    return card


def measure_alignment(rule, plot_dir: Path | None = None) -> tuple[dict | None, str]:
    """pcproof.check.align's measurement (if that module is installed): a dict with a
    one-line summary, or None and why not."""
    try:
        from . import align
    except ImportError:
        return None, "pcproof.check.align is not available in this installation"
    try:
        a = align.measure(rule, **ALIGN)
    except Exception as exc:  # noqa: BLE001 — a measurement that fails is reported, not a verdict
        return None, f"the measurement failed: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
    cos, cs = a.cosine_mean(), a.cosine_spread()
    err, es = a.rel_error_mean(), a.rel_error_spread()
    layers = getattr(a, "layers", [f"θ^{l + 1}" for l in range(len(cos))])
    g = lambda v: "—" if v is None else f"{v:.3g}"  # noqa: E731
    per = ", ".join(f"{n}: cos {g(c)} ± {g(s)}, rel. error {g(e)} ± {g(t)}"
                    for n, c, s, e, t in zip(layers, cos, cs, err, es))
    st = a.settings
    status = a.outcome() if callable(a.outcome) else a.outcome
    summary = (f"{per} (digits, widths {st.get('widths')}, f {st.get('activation')}, {st.get('epochs')} epoch(s) on "
               f"{st.get('training_digits')} digits, mean ± sd over seeds {a.seeds}; status {status})")
    out = {"summary": summary, "cosine": cos, "cosine_sd": cs, "rel_error": err, "rel_error_sd": es,
           "layers": layers, "settings": st, "seeds": a.seeds, "status": status,
           "accuracy": getattr(a, "accuracy", None), "bp_accuracy": getattr(a, "bp_accuracy", None)}
    if plot_dir is not None:
        try:
            path = Path(plot_dir) / f"align-{getattr(rule, 'name', 'rule')}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            a.plot(path)
            out["plot"] = str(path)
        except Exception:  # noqa: BLE001 — no matplotlib: the numbers stand without the figure
            pass
    return out, ""


# -- the zoo table ------------------------------------------------------------------------
COLUMNS = ("rule", "exact", "exact under", "order of departure", "approximate (cos to BP)", "not BP",
           "verdict", "paper")


def zoo_rows(cards) -> list[list[str]]:
    rows = []
    for c in cards:
        exact = next((j for j in c.judgements if not j.condition and not j.order and j.kind != kernel.APPROXIMATE), None)
        under = ", ".join(x["text"] for x in c.exact_under()) or "—"
        orders = "; ".join(order_cell(j) for j in c.orders()) or "—"
        approx = (", ".join(f"{n} {'—' if v is None else format(v, '.3g')}"
                            for n, v in zip(c.alignment["layers"], c.alignment["cosine"])) if c.alignment else "—")
        if c.limits:
            approx += f"; limits (measured): {c.limits['headline']}"
        notbp = (f"refuted at widths {c.smallest.get('widths')}" if c.smallest else "—")
        rows.append([c.rule, "proved at " + ", ".join(str(e["widths"]) if e["widths"] else "every depth (z3)"
                                              for e in exact.evidence)
                     if exact and exact.kind == kernel.EXACT else (exact.kind if exact else "—"),
                     under, orders, approx, notbp, c.headline.kind if c.headline else "undecided", c.paper or ""])
    return rows


def knob_to(name: str, to: str):
    """``--knob NAME`` (NAME → 0: ε = NAME) or ``--knob NAME=1`` (NAME → 1: NAME = 1 − ε)."""
    if to == "0":
        return Knob(name, f"{name} ({name} → 0)", name, name)
    return Knob(name, f"1 − {name} ({name} → 1)", f"1 - {name}", f"(1 − {name})", at=lambda e: 1 - e)


def order_cell(j) -> str:
    """One order judgement in a few words (the zoo table's "order of departure" column): a knob's
    with what it was judged under, a perturbation of the point's as before."""
    from ..text import to_text
    return to_text(_order_cell(j))


def _order_cell(j) -> str:
    o = j.order
    if not o.get("knob"):
        return (f"departs at ε^{o['departs_at']} ({o['text']})" if o.get("departs_at") is not None
                else f"{j.kind} ({o['text']})")
    sym = o.get("symbol", "ε")
    ev = (j.evidence or [{}])[0]
    under = ev.get("under") or "nothing imposed"
    variant = o.get("variant_text") or ""
    where = f" [{under}{', ' + variant if variant else ''}; widths {ev.get('widths')}]"
    if o.get("every"):
        return f"exact for every {sym.strip('()').split(' ')[-1]}{where}"
    if o.get("departs_at") is not None:
        head = f"to order {o['k']} in {sym}, departs at {sym}^{{{o['departs_at']}}}" if o["k"] >= 0 else \
            f"departs at {sym}^{{{o['departs_at']}}}"
        return head + where
    return f"undecided in {sym}{where}"


def zoo_markdown(cards, seconds: float) -> str:
    rows = zoo_rows(cards)
    out = ["# The credit-assignment zoo, judged against BP", "",
           "Every row is a rule of `pcproof.check.zoo.ZOO`, every column a kind of verdict, filled by "
           "`pcproof zoo` (the kernel's judgements; the alignment is measured, never proved).", "",
           "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    out += ["", f"Run time {seconds:.1f} s. Regenerate: `pcproof zoo`. Each rule's card: "
            "`pcproof validate --rule NAME`.", ""]
    plots = [(c.rule, c.alignment) for c in cards if c.alignment and c.alignment.get("plot")]
    if plots:
        st = plots[0][1]["settings"]
        out += ["## Cosine similarity to BP over training (measured, not proved)", "",
                f"digits, widths {st.get('widths')}, f {st.get('activation')}, {st.get('epochs')} epoch(s) on "
                f"{st.get('training_digits')} digits, seeds {plots[0][1]['seeds']}; per layer, mean and range over seeds.", ""]
        out += [f"**{name}**: ![{name}]({Path(a['plot']).name})" for name, a in plots] + [""]
    return "\n".join(out)


GRAPH_COLUMNS = ("rule", "graph", "exact", "exact under", "not BP", "verdict", "paper")


def graph_zoo_rows(cards) -> list[list[str]]:
    """One row per (rule, graph) card of :func:`validate_graph`."""
    rows = []
    for c in cards:
        exact = next((j for j in c.judgements if not j.condition and not j.order), None)
        under = ", ".join(x["text"] for x in c.exact_under()) or "—"
        refuted_under = ", ".join(j.condition["text"] for j in c.judgements
                                  if j.condition and j.kind == kernel.NOT_BP)
        notbp = ("refuted" + (f"; also under {refuted_under}" if refuted_under else "")) if c.smallest else "—"
        head = c.model.split(":")[0]
        shape = "" if "levelled" in head else " (not levelled)" if "not levelled" in c.model else " (levelled)"
        rows.append([c.rule, f"{head}{shape}, f {c.activation}", "proved" if exact and exact.kind == kernel.EXACT
                     else (exact.kind if exact else "—"), under, notbp,
                     c.headline.kind if c.headline else "undecided", c.paper or ""])
    return rows


def graph_zoo_markdown(cards) -> str:
    out = ["## On graphs", "",
           "The rules that run on a computational graph (`pcproof validate --rule NAME --model …`), judged by the "
           "same kernel on the graphs below (f uninterpreted; docs/zoo.md, 'On graphs').", "",
           "| " + " | ".join(GRAPH_COLUMNS) + " |", "|" + "---|" * len(GRAPH_COLUMNS)]
    out += ["| " + " | ".join(r) + " |" for r in graph_zoo_rows(cards)]
    return "\n".join(out + [""])


def graph_zoo_text(cards) -> str:
    from ..text import to_text
    rows = [list(GRAPH_COLUMNS[:-1])] + [[to_text(v) for v in r[:-1]] for r in graph_zoo_rows(cards)]
    widths = [min(max(len(r[i]) for r in rows), 60) for i in range(len(rows[0]))]
    fmt = lambda r: "  ".join(v[:w].ljust(w) for v, w in zip(r, widths))  # noqa: E731
    return "\n".join([fmt(rows[0]), "  ".join("-" * w for w in widths)] + [fmt(r) for r in rows[1:]])


def zoo_text(cards) -> str:
    from ..text import to_text
    rows = [list(COLUMNS[:-1])] + [[to_text(v) for v in r[:-1]] for r in zoo_rows(cards)]
    widths = [min(max(len(r[i]) for r in rows), 48) for i in range(len(rows[0]))]
    fmt = lambda r: "  ".join(v[:w].ljust(w) for v, w in zip(r, widths))  # noqa: E731
    return "\n".join([fmt(rows[0]), "  ".join("-" * w for w in widths)] + [fmt(r) for r in rows[1:]])


def progress_bar(total: int, quiet: bool):
    """The shared bar (:mod:`pcproof.progress`: stderr, only on a terminal, never under --json)
    and a ``step(label)`` that names and counts one stage."""
    from .. import progress
    with progress.shown(not quiet):
        bar = progress.bar(total, "validate", "stage")

    def step(label):
        if hasattr(bar, "set_description"):
            bar.set_description(label[:40])
        bar.update(1)
    return bar, step

