"""Gather the evidence for a theorem and lay it out as a report
(:class:`~pcproof.report.document.Document`).

Stages, each optional and each reported plainly when absent or failing:

1. statement and hypotheses (the theorem's declaration);
2. the closed-form trajectory at a small depth (:class:`~pcproof.report.trajectory.Trajectory`)
   and the claim's equations at that depth, printed by sympy;
3. the all-depth proof (``pcproof.check.induction.prove_all_depths``): base case,
   inductive step, lemmas, axioms, unsat core;
4. concrete verdicts from the trusted kernel (``pcproof.check.concrete.prove``) at
   several depths and widths, one with biases and one with a concrete activation,
   and one control run with C1 broken;
5. the fuzzing summary (``pcproof fuzz``) and the ablation tables and figures
   (``reports/ablation``, written by ``pcproof ablate``).

Every wall-clock time goes into the report's single :class:`Timing` block.
"""
from __future__ import annotations

import csv
import re
import json
import os
import shutil
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .evidence import Evidence
from .document import (M, Bullets, Details, Display, Document, Figure, Gallery, Heading, Link, Para, Provenance,
                       Ref, Table, Timing, Verbatim, parts)

@dataclass(frozen=True)
class Run:
    """One concrete-depth run: a label and the network it proves the theorem on."""

    label: str
    depth: int | None = None
    width: int | None = None
    widths: tuple | None = None
    activation: str = "uninterpreted"
    bias: bool = False
    init_noise: bool = False      # the control: C1 broken

    def architecture(self):
        from ..model import Architecture, get_activation
        return Architecture.make(get_activation(self.activation), depth=self.depth, width=self.width,
                                 widths=self.widths, bias=self.bias)


#: The main job's concrete runs (small, so that ``pcproof report`` takes seconds).
RUNS = (
    Run("L = 2, width 2, f uninterpreted", depth=2, width=2),
    Run("L = 5, widths 3,2,4,2,3,2, f uninterpreted", widths=(3, 2, 4, 2, 3, 2)),
    Run("L = 3, width 2, with biases", depth=3, width=2, bias=True),
    Run("L = 3, width 2, f = sigmoid", depth=3, width=2, activation="sigmoid"),
)
CONTROL = Run("control: C1 broken (initial values perturbed by η), L = 3, width 2", depth=3, width=2,
              init_noise=True)
TRAJECTORY_DEPTH, TRAJECTORY_WIDTH = 3, 2


@dataclass
class Options:
    seed: int = 0
    timeout: float = 120.0
    fuzz_cases: int = 200
    fuzz_digits: int = 50
    all_depths: bool = True
    fuzz: bool = True
    ablation_dir: Path | None = Path("reports/ablation")
    runs: tuple = RUNS
    control: Run | None = CONTROL
    rule: Any = None   # a PC rule (class or factory) instead of Z-IL: ``pcproof report --rule FILE.py:NAME``
    user_args: tuple = ()   # ``--load FILE``, ``--rule FILE:NAME`` as given: repeated in the commands a report quotes

    def setting(self, **kw):
        """The Setting of a run: ``kw`` (the conditions it breaks) with this report's rule."""
        from ..theorem import Setting
        return Setting(**kw, **({"rule": self.rule} if self.rule is not None else {}))


@dataclass
class Result:
    """What the index needs about one theorem's report."""

    theorem: str
    title: str
    hypotheses: str
    concrete: list = field(default_factory=list)      # [(label, verdict)]
    all_depths: str = "not available"
    control: str | None = None
    fuzz: str = "not available"
    ablation: str = "—"
    seconds: list = field(default_factory=list)       # [(label, s)]


def _text(v) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, (dict, list)):
        return json.dumps(v, sort_keys=True, ensure_ascii=False)
    return str(v)


def _is_timing_key(k: str) -> bool:
    k = k.lower()
    return any(w in k for w in ("second", "time", "per_s", "rate", "elapsed", "duration"))


def _untimed(obj):
    """``obj`` without wall-clock entries at any depth (they belong in the timing block only)."""
    if isinstance(obj, dict):
        return {k: _untimed(x) for k, x in obj.items() if not _is_timing_key(str(k))}
    if isinstance(obj, list):
        return [_untimed(x) for x in obj]
    return obj


# -- the all-depth proof as mathematics ---------------------------------------------------------
#
# The prover's verdict (``Verdict.to_dict()``) states its lemmas and obligations as plain text
# with Unicode and ^/_ indices; every such string goes through the one converter
# (:func:`pcproof.report.plaintex.plain_to_latex`).  The shape of ``induction`` and ``lemmas``
# is read defensively: what is there is typeset, what is not is skipped, and keys this module
# does not know are listed as "key: value" (never as JSON).

_PART_TITLES = (("base", "Base case"), ("step", "Inductive step"), ("use", "Use"), ("direct", "Proof"))
_KNOWN_PART_KEYS = {"claim", "z3", "unsat_core", "facts_satisfiable"}
_KNOWN_PROOF_KEYS = {"name", "statement", "by", "principle", "theorem", "assumes", "then",
                     *(k for k, _ in _PART_TITLES)}
_MATHY = re.compile(r"[\^_{}]|[^\x00-\x7f]")


def math_or_text(s) -> list:
    """A string from a verdict or a declaration: its mathematics (indices, Unicode symbols) typeset,
    its words left as they are."""
    from .plaintex import plain_to_latex, prose_segments
    s = _text(s) if not isinstance(s, str) else s
    if not _MATHY.search(s):
        return parts(s)
    return [M(plain_to_latex(t)) if is_math else t for is_math, t in prose_segments(s)]


def _prose_value(v) -> list:
    """Any value of a verdict field as a run of text and maths: no braces, no None."""
    if isinstance(v, dict):
        out = []
        for i, (k, x) in enumerate((k, x) for k, x in v.items() if x is not None and not _is_timing_key(str(k))):
            out += (["; "] if i else []) + [f"{str(k).replace('_', ' ')}: "] + _prose_value(x)
        return out
    if isinstance(v, (list, tuple)):
        out = []
        for i, x in enumerate(v):
            out += ([", "] if i else []) + _prose_value(x)
        return out or parts("none")
    if isinstance(v, bool):
        return parts("yes" if v else "no")
    return math_or_text(v)


def anchor(kind: str, name: str) -> str:
    return f"{kind}-" + re.sub(r"[^A-Za-z0-9]+", "-", str(name)).strip("-").lower()


class ProofIndex:
    """The names a proof can cite (lemmas and axioms), to sort an unsat core and link its entries."""

    def __init__(self, lemmas: list, axioms: list, prefix: str = ""):
        self.prefix = prefix  # anchors of a second proof in the same report must differ
        self.lemmas = {str(l.get("name")): l for l in lemmas if isinstance(l, dict) and l.get("name")}
        self.axioms = {str(a.get("name")): a for a in axioms if isinstance(a, dict) and a.get("name")}

    def lemma(self, entry: str):
        """The lemma an entry names ("wavefront", "wavefront lemma", "ε lemma" for "eps-lemma"), or None."""
        e = entry.strip()
        for name in self.lemmas:
            short = name.removesuffix("-lemma").removesuffix(" lemma")
            if e in (name, short, f"{short} lemma", f"{short}-lemma") or \
                    (short == "eps" and e in ("ε lemma", "ε-lemma")):
                return name
        return None

    def core_items(self, core) -> tuple[list, list]:
        """An unsat core sorted for the reader: (the lemmas used, each with its statement, as list
        items; one run of text naming the axioms, definitions and hypotheses used), linked where
        the report defines them."""
        from .plaintex import definition_latex, plain_to_latex
        lemmas, axioms, defs, other = [], [], [], []
        for entry in core or []:
            entry = str(entry)
            name = self.lemma(entry)
            if name:
                if name not in lemmas:
                    lemmas.append(name)
            elif entry in self.axioms:
                axioms.append(entry)
            elif definition_latex(entry) is not None:
                defs.append(definition_latex(entry))
            else:
                other.append(entry)
        items = []
        for name in lemmas:
            st = self.lemmas[name].get("statement")
            items.append(parts("lemma ", Ref(name, "#" + anchor(self.prefix + "lemma", name)),
                               *([": ", M(plain_to_latex(st))] if st else [])))
        used = []
        if axioms:
            used.append(parts("axioms ", *[p for i, a in enumerate(axioms)
                                           for p in ([", "] if i else []) + [Ref(a, "#" + anchor("axiom", a))]]))
        if defs:
            used.append(parts("the definitions of ", M(r",\ ".join(defs))))
        if other:
            used.append(parts("the hypotheses ", *[p for i, h in enumerate(other)
                                                  for p in (["; "] if i else []) + math_or_text(h)]))
        text = []
        for i, u in enumerate(used):
            text += (["; "] if i else []) + u
        return items, text


def facts_note(value) -> str | None:
    """The vacuity check of an obligation in one word when it passed ("sat …"), else None."""
    return "facts satisfiable" if isinstance(value, str) and value.startswith("sat") else None


def _obligation_blocks(title: str, d, index: ProofIndex) -> list:
    """One proof obligation: the claim displayed, z3's answer, and what the proof used.

    A claim that is only a name ("gate") and the use of a proved lemma ("∀t ≥ 0 P(t) ⟹ the form used
    later") stay in the text; a passed vacuity check is two words here (the section says what it is)."""
    from .plaintex import plain_to_latex
    if not isinstance(d, dict):
        return [Para(parts(f"{title}: ", *_prose_value(d)))]
    answer, claim, facts = d.get("z3"), d.get("claim"), d.get("facts_satisfiable")
    notes = [f"z3: {answer}"] if answer is not None else []
    if facts_note(facts):
        notes.append(facts_note(facts))
    head = parts(title + (f" ({'; '.join(notes)})" if notes else ""))
    lemmas, used = index.core_items(d.get("unsat_core"))
    inline = claim and (re.fullmatch(r"[A-Za-z][\w-]*", str(claim)) or title == "Use")  # a bare name, or a use
    if inline:
        head += parts(": ", *(parts(M(plain_to_latex(claim))) if _MATHY.search(str(claim)) else parts(str(claim))), ".")
    else:
        head += parts(":" if claim else ".")
    out = [Para(head)]
    if claim and not inline:
        out.append(Display(plain_to_latex(claim)))
    if lemmas:
        out.append(Bullets(lemmas))
    tail = parts()
    only_hypotheses = bool(used) and used[0] == "the hypotheses "  # core_items lists axioms and definitions first
    if used and not (title == "Use" and not lemmas and only_hypotheses):  # "∀t P(t)" to use P(t) says nothing
        tail += parts("From z3's unsat core, " + ("it uses the lemmas above and " if lemmas else "it uses "), *used, ".")
    if facts and not facts_note(facts):
        tail += parts(" " if tail else "", "Vacuity check: ", *_prose_value(facts), ".")
    rest = {k: v for k, v in _untimed(d).items() if k not in _KNOWN_PART_KEYS and v is not None}
    for k, v in rest.items():
        tail += parts(" " if tail else "", f"{k.replace('_', ' ').capitalize()}: ", *_prose_value(v), ".")
    if tail:
        if inline and len(out) == 1:
            out[0] = Para(out[0].text + parts(" ") + tail)
        else:
            out.append(Para(tail))
    return out


def vacuity_checks(obj) -> list[str]:
    """Every distinct passed vacuity check ("sat (…)") anywhere in a proof, to explain them once."""
    found: list[str] = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "facts_satisfiable" and facts_note(v) and v not in found:
                found.append(v)
            elif isinstance(v, (dict, list)):
                found += [x for x in vacuity_checks(v) if x not in found]
    elif isinstance(obj, list):
        for x in obj:
            found += [y for y in vacuity_checks(x) if y not in found]
    return found


def proof_blocks(d: dict, index: ProofIndex | None = None, level: int = 4, title: str | None = None) -> list:
    """A lemma or an induction, typeset: its predicate, the principle, then each obligation."""
    from .plaintex import plain_to_latex
    index = index or ProofIndex([], [])
    d = _untimed(d)
    out = []
    name = d.get("name")
    if title or name:
        out.append(Heading(level, parts(title or f"Lemma {name}"),
                           anchor(index.prefix + "lemma", name) if name and not title else ""))
    if d.get("statement"):
        out.append(Display(plain_to_latex(d["statement"])))
    how = parts()
    by = str(d.get("by") or "")
    if by:
        how += parts("A direct proof" if by == "direct" else "Proof " + (by if by.startswith("by ") else "by " + by))
    if d.get("principle"):  # "P(0) ∧ ∀n ≥ 0 (P(n) → P(n+1)) ⟹ ∀n ≥ 0 P(n), …": a formula, typeset whole
        how += parts(" (" if how else "", M(plain_to_latex(d["principle"])), ")" if how else "")
    if how:
        out.append(Para(how + parts(".")))
    for key, t in _PART_TITLES:
        if key in d:
            out += _obligation_blocks(t, d[key], index)
    rest = {k: v for k, v in d.items() if k not in _KNOWN_PROOF_KEYS and v is not None}
    if rest:
        out.append(Bullets([parts(f"{k.replace('_', ' ')}: ", *_prose_value(v)) for k, v in rest.items()]))
    return out


def axiom_table(axioms: list, used: set) -> Table:
    """The axioms the prover assumed, once: name (the target of every link), statement, the rest."""
    from .plaintex import plain_to_latex
    axioms = [_untimed(a) for a in axioms if isinstance(a, dict)]
    axioms.sort(key=lambda a: (str(a.get("name")) not in used, str(a.get("name"))))
    extra = [k for k in dict.fromkeys(k for a in axioms for k in a) if k not in ("name", "statement", "used")]
    header = [parts("axiom"), parts("statement"), *[parts(k.replace("_", " ")) for k in extra], parts("used here")]
    rows = []
    for a in axioms:
        st = a.get("statement")
        rows.append([parts(str(a.get("name", ""))), parts(M(plain_to_latex(st))) if st else parts(""),
                     *[_prose_value(a[k]) if a.get(k) is not None else parts("") for k in extra],
                     parts("yes" if str(a.get("name")) in used else "no")])
    return Table(header, rows, anchors=[anchor("axiom", a.get("name", "")) for a in axioms], small=True)


def _core_entries(obj) -> set:
    """Every unsat-core entry anywhere in a proof (to mark the axioms it used)."""
    found = set()
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "unsat_core" and isinstance(v, list):
                found |= {str(x) for x in v}
            else:
                found |= _core_entries(v)
    elif isinstance(obj, list):
        for x in obj:
            found |= _core_entries(x)
    return found


_SAVED_FILE = re.compile(r"(/[^\s;,]+\.smt2)")


def localise_note(note: str, out_dir: Path, stem: str) -> str:
    """Copy files a note points to (saved SMT-LIB queries) into ``out_dir/smt`` under a stable name,
    so the report is self-contained and identical between runs."""
    def move(m):
        src = Path(m.group(1))
        if not src.is_file():
            return m.group(1)
        dest = out_dir / "smt" / f"{stem}.smt2"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        return f"smt/{dest.name} (in the report's folder)"
    return _SAVED_FILE.sub(move, note)


def verdict_blocks(v, heading_level: int = 3, note: str | None = None) -> list:
    """A verdict with its evidence, as prose and a small table; absent fields are left out.

    Used for notebook display and for each concrete run; the all-depth proof has its own
    layout (:func:`all_depth_blocks`)."""
    rows = [[parts("verdict"), parts(v.verdict)], [parts("method"), math_or_text(v.method)],
            [parts("network"), math_or_text(_network_text(v))]]
    if v.hypotheses:
        rows.append([parts("hypotheses"), _prose_value(list(v.hypotheses))])
    if v.conditions:
        rows.append([parts("conditions kept by this run"),
                     parts(", ".join(f"{c} {'yes' if ok else 'no'}" for c, ok in v.conditions.items()))])
    if v.checked:
        rows.append([parts("scalar equations checked"), parts(str(v.checked))])
    out = [Table([parts("field"), parts("value")], rows)]
    note = v.note if note is None else note
    if note:
        out.append(Para(parts("Note: ", *math_or_text(note))))
    lemmas = [l for l in (v.lemmas or []) if l]
    index = ProofIndex(lemmas, v.axioms or [])
    for lemma in lemmas:
        out += proof_blocks(lemma, index, heading_level + 1) if isinstance(lemma, dict) else \
            [Bullets([_prose_value(lemma)])]
    if v.axioms:
        out.append(Para(parts("Axioms assumed (taken without proof):")))
        out.append(axiom_table(v.axioms, _core_entries(v.lemmas) | set(v.unsat_core or [])))
    if v.counterexample:
        out += counterexample_blocks(v.counterexample)
    return out


def counterexample_blocks(c: dict, label: str = "") -> list:
    """A counterexample as a sentence (and the point, verbatim); fields it lacks are left out."""
    c = {k: x for k, x in c.items() if x is not None}
    sentence = parts(f"{label}: counterexample" if label else "Counterexample")
    if c.get("digits"):
        sentence += parts(f", re-checked at {c['digits']} digits")
    sentence += parts(": the two sides")
    if c.get("equation"):
        sentence += parts(" of ", M(str(c["equation"])))
    sentence += parts(" differ")
    if c.get("entry") is not None:
        sentence += parts(f" at entry {c['entry']}")
    if c.get("difference") is not None:
        sentence += parts(" by ", _text(c["difference"]))
    out = [Para(sentence + parts("."))]
    lines = [f"{k} = {c[k]}" for k in ("lhs", "rhs") if k in c]
    point = c.get("point")
    if isinstance(point, dict) and point:
        lines.append("at  " + textwrap.fill(", ".join(f"{k} = {val}" for k, val in point.items()), 90,
                                            subsequent_indent="    ", break_long_words=False))
    rest = {k: x for k, x in c.items() if k not in ("digits", "equation", "entry", "difference", "lhs", "rhs", "point")
            and not _is_timing_key(k)}
    if lines:
        out.append(Verbatim("\n".join(lines)))
    if rest:
        out.append(Details("The counterexample's other fields", [Bullets(
            [parts(f"{k.replace('_', ' ')}: ", *_prose_value(x)) for k, x in rest.items()])]))
    return out


def _network_text(v) -> str:
    if getattr(v, "model", None):   # a graph theorem's verdict names its graph (and f)
        return v.model + (f", γ = {v.gamma}" if v.gamma else "") + (f", rule {v.rule}" if v.rule else "")
    if v.depth is None:
        net = "every depth L ≥ 1, every width"
    else:
        net = f"L = {v.depth}, widths {v.widths}"
    net += f", f = {v.activation}" if v.activation else ""
    net += ", with biases" if v.bias else ""
    return net + (f", γ = {v.gamma}" if v.gamma else "") + (f", rule {v.rule}" if v.rule else "")


# -- the stages -------------------------------------------------------------------------------

NOTATION = "pcproof/notation.md"  # the notation page, shipped in the package (and in docs/)


def statement_blocks(thm) -> list:
    # a condition without LaTeX (a user's, say) is shown by its text
    hyps = [parts(f"{c.name}: ", M(c.latex)) if c.latex else parts(f"{c.name}: {c.text}")
            for c in thm.hypotheses]
    return [
        Heading(2, parts("Statement"), "statement"),
        # the notation page shipped with pcproof, not the repository-only docs/notation.md an older source names
        Para(parts(*math_or_text(f"{thm.source.replace('docs/notation.md', NOTATION)}. {thm.title}."),
                   " Under the hypotheses below,")),
        Display(thm.statement),
        Para(parts("Layers are numbered from the output (layer 0) to the input (layer ", M("L"),
                   "); ", M(r"\bar{x}^l"), " and ", M(r"\delta^l"), " are the feed-forward values and error terms of "
                   "the ANN trained by backpropagation, ", M(r"x^l_t"), " and ", M(r"\varepsilon^l_t = x^l_t - \mu^l_t"),
                   " the value and error nodes of the predictive-coding network at inference step ", M("t"), ".")),
        Heading(3, parts("Hypotheses"), "hypotheses"),
        Bullets(hyps or [parts("none")]),
    ]


def derivation_blocks(thm, figure_path: Path, figure_src: str, timings: list, setting=None) -> list:
    """The closed-form trajectory at a small depth and the claim's equations, step by step."""
    import time

    from ..model import Architecture, get_activation
    from .trajectory import Trajectory
    start = time.perf_counter()
    arch = Architecture.make(get_activation("uninterpreted"), depth=TRAJECTORY_DEPTH, width=TRAJECTORY_WIDTH)
    tr = Trajectory(thm, arch, setting)
    L = arch.L
    g = tr.gamma
    gamma_text = parts(M(r"\gamma = 1")) if str(g) == "1" else (
        parts(M(r"\gamma"), " left free (a symbol)") if thm.free_gamma else parts(M(rf"\gamma = {g}")))
    out = [
        Heading(2, parts("Derivation at a small depth"), "derivation"),
        Para(parts(f"The PC rule ({tr.instance.rule.name}) is run symbolically on a network of depth ", M(f"L = {L}"),
                   f" and width {TRAJECTORY_WIDTH} with an uninterpreted activation ", M("f"), " and ",
                   *gamma_text, ". Every entry below is the rule's own output, printed by sympy in the paper's names.")),
        Para(parts("Step 1 (start, C1). At ", M("t = 0"), " every hidden layer holds its feed-forward value, ",
                   M(r"x^l_0 = \bar{x}^l"), ", so ", M(r"\varepsilon^l_0 = 0"), " for ", M(r"l \ge 1"), " and ",
                   M(r"\varepsilon^0_0 = s^{\mathrm{out}} - \bar{x}^0 = \delta^0"), ".")),
        Para(parts("Step 2 (wavefront). For ", M("t < l"), " layer ", M("l"), " has not been reached: ",
                   M(r"x^l_t = \bar{x}^l"), " and ", M(r"\varepsilon^l_t = 0"), ". Step 3 (arrival). At ", M("t = l"),
                   " the error node equals ", M(r"\gamma^l \delta^l"),
                   " (with C3, ", M(r"\delta^l"), "). The table shows this for every layer.")),
        tr.eps_table(),
        Details("The hidden value nodes x at every step", [tr.x_table()]),
    ]
    tr.figure(figure_path)
    out.append(Figure(figure_src, parts("The wavefront at ", M(f"L = {L}"), ": grey cells are ", M("0"),
                                         ", green cells equal ", M(r"\gamma^l\delta^l"),
                                         ", orange cells have left the closed form (each cell classified by "
                                         "expanding its symbolic difference)."),
                      f"wavefront of the error nodes for {thm.name}", width=0.4))
    ok = tr.wavefront_holds()
    out.append(Para(parts("Symbolic check of the closed forms shown (a display check, not the verdict): ",
                          "every cell with ", M(r"t \le l"), " is as stated." if ok else
                          "SOME CELL WITH t ≤ l IS NOT IN THE STATED CLOSED FORM.")))
    # Step 4: the claim itself, equation by equation, first entry of each side.
    ops = tr.ops
    try:
        equations = thm.claim(tr.instance)
    except Exception as exc:  # a user's theorem may not apply at this depth
        out.append(Para(parts(f"The claim cannot be stated at this depth: {type(exc).__name__}: {exc}")))
        equations = []
    if equations:
        out.append(Para(parts("Step 4 (the claim at ", M(f"L = {L}"), "). Each equation of the claim, with the first "
                              "entry of each side printed in the paper's names and their difference expanded:")))
        rows = []
        for e in equations:
            a, b = _first(e.lhs), _first(e.rhs)
            diff = ops.tidy(a - b)
            rows.append([parts(M(e.label)), parts(M(_shown(ops, a))), parts(M(_shown(ops, b))),
                         parts(M("0") if diff == 0 else "non-zero")])
        out.append(Table([parts("equation"), parts("left side, entry 0"), parts("right side, entry 0"),
                          parts("difference")], rows))
    timings.append((f"derivation at L = {L} (trajectory, figure, claim)", time.perf_counter() - start))
    return out


def _shown(ops, c) -> str:
    """A PCN quantity (ε, x) through every name but its own, so ε^l_l reads γ^l δ^l; BP's as named."""
    own = ops.display.get(ops.rewrites.get(c)) if hasattr(ops, "rewrites") else None
    if own and own.startswith((r"\varepsilon", "x^")):
        try:
            return ops.latex(c, own)
        except TypeError:
            pass
    return ops.latex(c)


def _first(v):
    while isinstance(v, (tuple, list)):
        v = v[0]
    return v




def induction_blocks(v, index: ProofIndex, level: int = 3) -> list:
    """The all-depth proof of one verdict: its lemmas, then the theorem (the induction's conclusion)."""
    from .plaintex import plain_to_latex
    out = []
    lemmas = [l for l in (v.lemmas or []) if isinstance(l, dict)]
    for lemma in lemmas:
        out += proof_blocks(lemma, index, level)
    ind = _untimed(v.induction) if isinstance(v.induction, dict) else None
    if ind is None:
        if v.induction:
            out.append(Para(parts("Induction: ", *_prose_value(v.induction))))
        return out
    final = ind.get("then") if isinstance(ind.get("then"), dict) else None
    if ind.get("name") not in index.lemmas or not lemmas:
        # the induction proves the theorem itself (or is not among the lemmas): typeset it whole
        out += proof_blocks({k: x for k, x in ind.items() if k not in ("then", "theorem", "assumes")}, index, level,
                            title=f"Theorem {ind.get('name') or v.theorem}" if not final else f"Lemma {ind.get('name')}")
    if final:
        out += proof_blocks(final, index, level, title=f"Theorem {final.get('name') or v.theorem}")
    elif ind.get("theorem") and ind.get("name") in index.lemmas:
        out.append(Para(parts("The theorem is this lemma's conclusion:")))
        out.append(Display(plain_to_latex(ind["theorem"])))
    if ind.get("assumes"):
        out.append(Para(parts("The proof assumes:")))
        out.append(Bullets([math_or_text(a) for a in ind["assumes"]]))
    return out


def all_depth_blocks(thm, opts: Options, result: Result, timings: list, out_dir: Path = Path("."),
                     evidence: Evidence | None = None) -> list:
    out = [Heading(2, parts("Proof for every depth and width"), "all-depths")]
    if not opts.all_depths:
        out.append(Para(parts("Not run (--no-all-depths).")))
        result.all_depths = "not run"
        return out
    if isinstance(evidence.all_depths, str):
        out.append(Para(parts(f"No all-depth verdict: {evidence.all_depths}. The verdicts below hold for the depths "
                              "and widths they name only.")))
        return out
    runs, verdicts, rows = [], [], []
    for label, bias, v in evidence.all_depths:
        if isinstance(v, Exception):
            out.append(Para(parts(f"The all-depth prover failed ({label}): {type(v).__name__}: {v}")))
            verdicts.append("failed")
            continue
        timings.append((f"all depths, {label}", v.seconds))
        verdicts.append(v.verdict)
        runs.append((label, bias, v))
        rows.append([parts(label), parts(v.verdict), math_or_text(v.method)])
    result.all_depths = " / ".join(verdicts)
    if not runs:
        return out
    out.append(Para(parts("The all-depth prover states the claim for a symbolic depth ", M("L"), ", layer ", M("l"),
                          " and step ", M("t"), " over z3's uninterpreted vectors, matrices, ", M("f"), " and ",
                          M("f'"), ", and proves it by induction; each obligation's negation must be unsatisfiable.")))
    out.append(Table([parts("setting"), parts("verdict"), parts("method")], rows))
    checks = [c for _, _, v in runs for c in vacuity_checks([v.lemmas, v.induction])]
    if checks:
        out.append(Para(parts("Each obligation marked \u201cfacts satisfiable\u201d had its facts shown satisfiable on "
                              "their own, so z3's unsat is not vacuous (", *_prose_value(sorted(set(checks))), ").")))
    for k, (label, bias, v) in enumerate(runs):
        index = ProofIndex(v.lemmas or [], v.axioms or [], prefix="" if k == 0 else "bias-")
        blocks = []
        if v.hypotheses:
            blocks.append(Para(parts("Hypotheses of this verdict: ", *_prose_value(list(v.hypotheses)), ".")))
        note = localise_note(v.note, out_dir, f"{thm.name}-all-depths{'-bias' if bias else ''}") if v.note else ""
        if note:
            blocks.append(Para(parts("Note: ", *math_or_text(note))))
        blocks += induction_blocks(v, index, level=4)
        if v.counterexample:
            blocks += counterexample_blocks(v.counterexample)
        what = "The proof" if v.verdict == "proved" else f"The {v.verdict} verdict"  # no "proof" of an unknown
        if k == 0:
            out.append(Heading(3, parts(f"{what} ({label})"), "all-depths-proof"))
            out += blocks
        else:
            out.append(Details(f"{what}, {label}: {v.verdict}" + (" (the same layout; axioms in the table below)"
                                                                  if v.verdict == "proved" else ""), blocks))
    axioms = {str(a.get("name")): a for _, _, v in runs for a in (v.axioms or []) if isinstance(a, dict)}
    if axioms:
        used = set()
        for _, _, v in runs:
            used |= _core_entries(v.induction) | _core_entries(v.lemmas) | set(v.unsat_core or [])
        out.append(Heading(3, parts("Axioms"), "axioms"))
        out.append(Para(parts("The facts about vectors and matrices the prover assumes without proof and the proofs "
                              "above used (each proof links to the ones it needed):")))
        out.append(axiom_table([a for n, a in axioms.items() if n in used], used))
        unused = [a for n, a in axioms.items() if n not in used]
        if unused:
            out.append(Details(f"The prover's other {len(unused)} axioms (available, not used by these proofs)",
                               [axiom_table(unused, used)]))
    return out


def concrete_blocks(thm, opts: Options, result: Result, timings: list, evidence: Evidence | None = None) -> list:
    out = [Heading(2, parts("Verdicts at concrete depths"), "concrete"),
           Para(parts("At each network below the rule's own code is run in pcproof's symbolic number system and the "
                      "trusted kernel (pcproof.kernel) decides: proved only when every entry's difference is "
                      "identically 0, refuted only with a counterexample shown rigorously non-zero."))]
    rows, details, refuted = [], [], []
    for run, v in evidence.concrete:
        if isinstance(v, Exception):
            rows.append([parts(run.label), parts(f"error: {type(v).__name__}: {v}"), parts("—")])
            continue
        timings.append((run.label, v.seconds))
        rows.append([parts(run.label), parts(v.verdict), parts(str(v.checked))])
        if run.init_noise:
            result.control = v.verdict
        else:
            result.concrete.append((run.label, v.verdict))
        details.append((run, v))
        if v.counterexample:
            refuted.append((run, v))
    out.append(Table([parts("run"), parts("verdict"), parts("entries checked")], rows))
    if opts.control:
        out.append(Para(parts("The control run breaks C1 on purpose; a sound prover must not say proved there.")))
    for run, v in refuted:  # a refutation's witness is evidence the reader needs, so it is never folded
        out += counterexample_blocks(v.counterexample, label=run.label[:1].upper() + run.label[1:])
    if details:
        folded = []
        for run, v in details:
            folded.append(Heading(3, parts(run.label), ""))
            folded += verdict_blocks(v)
        out.append(Details("The verdict of every run in full (method, hypotheses, conditions kept)", folded))
    return out


def fuzz_blocks(thm, opts: Options, result: Result, timings: list, evidence: Evidence | None = None) -> list:
    out = [Heading(2, parts("Fuzzing"), "fuzzing")]
    if not opts.fuzz:
        out.append(Para(parts("Not run (--no-fuzz).")))
        result.fuzz = "not run"
        return out
    rep = evidence.fuzz
    if isinstance(rep, str):
        out.append(Para(parts(f"No fuzzing summary: {rep}.")))
        return out
    args = [thm.name, "--cases", str(opts.fuzz_cases), "--digits", str(opts.fuzz_digits), "--seed", str(opts.seed),
            *map(str, opts.user_args)]
    if isinstance(rep, Exception):  # a stage that fails is named in the report, not hidden
        out.append(Para(parts(f"pcproof fuzz {' '.join(args)} failed: {type(rep).__name__}: {rep}")))
        result.fuzz = "failed"
        return out
    data = {k: x for k, x in rep.to_dict().items() if x is not None}
    for k, val in data.items():
        if _is_timing_key(str(k)) and isinstance(val, (int, float)) and not isinstance(val, bool):
            unit = "per s" if "per" in str(k).lower() else "s" if "second" in str(k).lower() else ""
            timings.append((f"fuzz: {k}", float(val), unit))
    out += fuzz_summary(data, f"pcproof fuzz {' '.join(args)}")
    result.fuzz = rep.status
    return out


def fuzz_summary(data: dict, command: str) -> list:
    """The fuzzer's report as a paragraph and a one-row table; fields it lacks are left out."""
    sentence = parts(command, " drew ")
    sentence += parts(f"{data['cases']} random cases" if "cases" in data else "random cases")
    if "system" in data:
        sentence += parts(f" and compared both sides of every equation in {data['system']} arithmetic")
    if "digits" in data:
        sentence += parts(f" at {data['digits']} digits")
    sentence += parts(".")
    if "status" in data:
        sentence += parts(f" Result: {data['status']}.")
    out = [Para(sentence)]
    counts = data.get("counts") if isinstance(data.get("counts"), dict) else {}
    header, row = [], []
    for k, x in counts.items():
        header.append(parts(str(k)))
        row.append(parts(str(x)))
    if "escalated" in data:
        header.append(parts("re-checked at higher precision"))
        row.append(parts(str(data["escalated"])))
    if "max_difference" in data:
        header.append(parts("largest difference"))
        row.append(parts(_text(data["max_difference"])))
    if header:
        out.append(Table(header, [row]))
    if data.get("counterexample"):
        out += counterexample_blocks(data["counterexample"]) if isinstance(data["counterexample"], dict) else \
            [Para(parts("Counterexample: ", *_prose_value(data["counterexample"])))]
    shown = {"theorem", "cases", "system", "digits", "status", "counts", "escalated", "max_difference", "counterexample"}
    rest = {k: x for k, x in data.items() if k not in shown and not _is_timing_key(str(k))}
    by_eq = rest.pop("max_difference_by_equation", None)
    folded = []
    if isinstance(by_eq, dict) and by_eq:
        folded.append(Table([parts("equation"), parts("largest difference")],
                            [[parts(M(k)) if "\\" in k else parts(k), parts(_text(x))] for k, x in by_eq.items()]))
    if rest:
        folded.append(Bullets([parts(f"{k.replace('_', ' ')}: ", *_prose_value(x)) for k, x in rest.items()]))
    if folded:
        out.append(Details("Every field of the fuzzing report", folded))
    return out


def ablation_blocks(out_dir: Path, opts: Options, result: Result | None = None) -> list:
    out = [Heading(2, parts("Where it breaks: ablation of C1, C2 and C3"), "ablation")]
    src = opts.ablation_dir
    if src is None or not Path(src).is_dir():
        out.append(Para(parts(f"No ablation results: {src} does not exist (run pcproof ablate to produce them).")))
        return out
    src = Path(src)
    files = sorted(p for p in src.rglob("*") if p.is_file())
    tables = [p for p in files if p.suffix in (".csv", ".json")]
    figures = [p for p in files if p.suffix == ".png"]
    texts = [p for p in files if p.suffix == ".md"]
    if not (tables or figures or texts):
        out.append(Para(parts(f"No ablation results: {src} holds no tables or figures.")))
        return out
    out.append(Para(parts(f"From {src} (written by pcproof ablate; not re-run by pcproof report). Each condition of "
                          "the theorem is broken on its own while the others hold.")))
    if result is not None:
        result.ablation = "included"
        for p in tables:
            try:
                data = json.loads(p.read_text()) if p.suffix == ".json" else None
            except ValueError:
                data = None
            if isinstance(data, dict) and isinstance(data.get("pattern_holds"), bool):
                result.ablation = "paper's pattern " + ("holds" if data["pattern_holds"] else "does NOT hold")
    links = []
    for p in tables:
        out += _ablation_summary(p, out_dir, links)
    if figures:
        rel = [_place(p, out_dir, Path("figures") / "ablation") for p in figures]
        out.append(Gallery([Figure(r, parts(p.stem.replace("_", " ")), f"ablation figure {p.stem}", width=0.5)
                            for r, p in zip(rel, figures)],
                           parts("Figures (top to bottom): ", ", ".join(p.stem.replace("_", " ") for p in figures), ".")))
    links += [(p.name, _place(p, out_dir, Path("figures") / "ablation")) for p in texts]
    if links:
        out.append(Link(links))
    return out


def _records(p: Path):
    """(header, rows, the other fields) of a results file: a CSV, or JSON records (a list, or {"rows": […]})."""
    if p.suffix == ".csv":
        with open(p, newline="") as fh:
            rows = list(csv.reader(fh))
        if not rows:
            return [], [], {}
        return rows[0], [dict(zip(rows[0], r)) for r in rows[1:]], {}
    data = json.loads(p.read_text())
    records = data.get("rows", data.get("table")) if isinstance(data, dict) else data
    extra = {k: v for k, v in data.items() if k not in ("rows", "table")} if isinstance(data, dict) else {}
    if not (isinstance(records, list) and records and all(isinstance(r, dict) for r in records)):
        return [], [], extra
    return list(dict.fromkeys(k for r in records for k in r)), records, extra


def _ablation_summary(p: Path, out_dir: Path, links: list) -> list:
    """A results file as a compact table (one row per condition when the rows name one) plus the full
    grid as a CSV in the report's folder, linked."""
    try:
        header, records, extra = _records(p)
    except (OSError, ValueError):
        return [Para(parts(f"{p.name}: not a table this report can read."))]
    out = []
    header = [h for h in header if not _is_timing_key(str(h))]
    if extra:
        shown = {k: v for k, v in extra.items() if not _is_timing_key(k)}
        if shown:
            out.append(Para(parts(f"{p.name}: ", *_prose_value(shown), ".")))
    if not records:
        return out or [Para(parts(f"{p.name}: not a table this report can read."))]
    grid = out_dir / "tables" / f"ablation-{p.stem}.csv"
    grid.parent.mkdir(parents=True, exist_ok=True)
    with open(grid, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        for r in records:
            w.writerow([_cell(r.get(h)) for h in header])
    rel = grid.relative_to(out_dir).as_posix()
    links.append((f"the full grid of {p.name} ({len(records)} rows, CSV)", rel))
    if "condition" in header and "value" in header:
        out.append(_condition_table(records))
    elif len(records) <= 12:
        out.append(_table(header, [[_cell(r.get(h)) for h in header] for r in records]))
    else:
        out.append(Para(parts(f"{p.name}: {len(records)} rows; see ", Ref("the full grid", rel), ".")))
    return out


def _condition_table(records: list) -> Table:
    """One row per broken condition: the values swept, those where the rule still matched BP, and
    the largest divergence of the update where it did not."""
    by: dict = {}
    for r in records:
        by.setdefault(str(r.get("condition")), []).append(r)
    rows = []
    for cond, rs in by.items():
        values = list(dict.fromkeys(_cell(r.get("value")) for r in rs))
        match = [v for v in values if all(r.get("matches_bp") in (True, "True", "true")
                                          for r in rs if _cell(r.get("value")) == v)]
        diverging = [r.get("update") for r in rs if _cell(r.get("value")) not in match
                     and isinstance(r.get("update"), (int, float))]
        rows.append([parts(cond.upper() if re.fullmatch(r"c\d", cond) else cond), parts(", ".join(values)),
                     parts(", ".join(match) or "none"),
                     parts(f"{min(diverging):.2g} to {max(diverging):.2g}" if diverging else "—")])
    return Table([parts("condition broken"), parts("values swept"), parts("matches BP at"),
                  parts("update divergence elsewhere")], rows)


def _place(p: Path, out_dir: Path, sub: Path) -> str:
    """A path to ``p`` relative to ``out_dir``; files outside ``out_dir`` are copied into it first."""
    p, out_dir = p.resolve(), out_dir.resolve()
    if out_dir in p.parents:
        return p.relative_to(out_dir).as_posix()
    dest = out_dir / sub / p.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(p, dest)
    return os.path.relpath(dest, out_dir).replace(os.sep, "/")


def _cell(v) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    if isinstance(v, list):
        return ", ".join(_cell(x) for x in v)
    return "—" if v is None else _text(v)


def _table(header, body) -> Table:
    keep = [i for i, h in enumerate(header) if not _is_timing_key(str(h))]
    return Table([parts(str(header[i])) for i in keep],
                 [[parts(str(r[i]) if i < len(r) else "") for i in keep] for r in body])


# -- whole documents --------------------------------------------------------------------------



def theorem_document(thm, out_dir: Path, opts: Options, command: str | None = None,
                     provenance: dict | None = None, evidence: Evidence | None = None) -> tuple[Document, Result]:
    """The report: statement → hypotheses → derivation → proof for every depth → evidence →
    where it breaks → how to reproduce it (command and provenance) → timing.  ``evidence`` is
    what :func:`pcproof.report.evidence.gather` ran (this module runs no prover)."""
    timings: list = []
    result = Result(thm.name, thm.title, ", ".join(c.name for c in thm.hypotheses))
    fig_rel = f"figures/{thm.name}-wavefront.png"
    (out_dir / "figures").mkdir(parents=True, exist_ok=True)
    blocks = [Heading(1, parts(f"{thm.name}: ", *math_or_text(thm.title)), "top"),
              Link([("index", "index.html"), ("Markdown", f"{thm.name}.md"), ("LaTeX", f"{thm.name}.tex")])]
    blocks += statement_blocks(thm)
    blocks += derivation_blocks(thm, out_dir / fig_rel, fig_rel, timings, opts.setting())
    blocks += all_depth_blocks(thm, opts, result, timings, out_dir, evidence)
    blocks += concrete_blocks(thm, opts, result, timings, evidence)
    blocks += fuzz_blocks(thm, opts, result, timings, evidence)
    if len(thm.hypotheses) >= 3:  # the ablation breaks C1, C2, C3 one at a time
        result.ablation = "none found"
        blocks += ablation_blocks(out_dir, opts, result)
    blocks += [Heading(2, parts("Reproduce"), "reproduce"),
               Para(parts("Run from the same folder, this command regenerates the report, identical with the same "
                          "seed and versions except the two marked blocks below (provenance, wall-clock times). "
                          "Notation: ", NOTATION, " (shipped with pcproof; also docs/notation.md).")),
               Verbatim(command or f"pcproof report {thm.name} --seed {opts.seed}")]
    return closing(thm, blocks, provenance, timings, result)


def closing(thm, blocks: list, provenance, timings: list, result: Result):
    """A report's last section (provenance and wall-clock times, the two blocks that differ
    between re-runs) and the finished document; every theorem's report ends this way."""
    blocks.append(Heading(3, parts("Provenance and wall-clock times" if provenance else "Wall-clock times"),
                          "provenance"))
    blocks += [Provenance(provenance)] if provenance else []
    blocks.append(Timing(timings))
    result.seconds = timings
    return Document(thm.name, f"{thm.name}: {thm.title}", blocks), result


def _glance(verdicts) -> str:
    vs = [v for _, v in verdicts]
    if not vs:
        return "—"
    if len(set(vs)) == 1:
        return f"{vs[0]} ({len(vs)}/{len(vs)})"
    return ", ".join(f"{v}" for v in vs)


def _control_text(verdict: str | None) -> str:
    """The control breaks C1, so a sound prover refutes it; anything else is flagged."""
    if verdict is None:
        return "—"
    return "refuted, as it must be" if verdict == "refuted" else f"{verdict} (expected refuted!)"


def index_document(entries: list[dict], seconds: float | None = None) -> Document:
    """The index of a report folder, from the sidecar of every report in it (:mod:`.write`):
    each report's verdicts at a glance, its files and the exact command that regenerates it."""
    rows, links, commands = [], [], []
    for e in entries:
        s = e.get("summary", {})
        rows.append([parts(e["theorem"]), math_or_text(e.get("title", "")), parts(e.get("hypotheses", "")),
                     parts(_glance(s.get("concrete", []))), parts(s.get("all_depths", "—")),
                     parts(_control_text(s.get("control"))), parts(s.get("fuzz", "—")), parts(s.get("ablation", "—"))])
        links += [(f"{e['theorem']} ({fmt})", f"{e['theorem']}.{fmt}") for fmt in e.get("formats", [])]
        commands.append(e.get("command", f"pcproof report {e['theorem']}"))
    return Document("index", "pcproof reports", [
        Heading(1, parts("pcproof reports"), "top"),
        Para(parts("Machine-checked verdicts on when a predictive-coding rule reproduces backpropagation. Verdicts "
                   "come from pcproof's trusted kernel; each report gives its evidence. Notation: "
                   "pcproof/notation.md (shipped with pcproof).")),
        Table([parts("theorem"), parts("title"), parts("hypotheses"), parts("concrete depths"), parts("all depths"),
               parts("control (C1 broken)"), parts("fuzzing"), parts("ablation")], rows),
        Heading(2, parts("Reports"), "reports"),
        Link(links),
        Heading(2, parts("Regenerate"), "regenerate"),
        Para(parts("Each report is regenerated by its own command (run from the folder it was made in):")),
        Verbatim("\n".join(commands) or "(no reports)"),
        Heading(2, parts("Timing"), "timing"),
        Timing([("reports written by the last run", seconds or 0.0)]),
    ])
