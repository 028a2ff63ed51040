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
import importlib
import json
import os
import shutil
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from .document import (M, Bullets, Display, Document, Figure, Heading, Link, Para, Table, Timing,
                       Verbatim, parts)

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


# -- rendering of evidence ------------------------------------------------------------------

def _text(v) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, (dict, list)):
        return json.dumps(v, sort_keys=True, ensure_ascii=False)
    return str(v)


def _value_parts(v) -> list:
    """A value for a table cell; the keys of a mapping that are LaTeX (equation labels) print as maths."""
    if not isinstance(v, dict):
        return parts(_text(v))
    out = []
    for i, (k, x) in enumerate(v.items()):
        out += (["; "] if i else []) + [M(k) if "\\" in str(k) else str(k), ": " + _text(x)]
    return out or parts("{}")


_TEX_KEYS = ("latex", "tex", "statement_latex", "formula")


def _evidence_item(item) -> list:
    """One lemma / axiom / induction part (a dict of unknown shape) as a run of text and maths."""
    if not isinstance(item, dict):
        return parts(_text(item))
    item = _untimed(item)
    out = []
    name = item.get("name") or item.get("label") or item.get("id")
    if name:
        out.append(f"{name}: ")
    for k in _TEX_KEYS:
        if isinstance(item.get(k), str):
            out.append(M(item[k]))
            out.append(" ")
            break
    rest = {k: v for k, v in item.items() if k not in (*_TEX_KEYS, "name", "label", "id")
            and not _is_timing_key(k)}
    if rest:
        out.append("(" + "; ".join(f"{k}: {_text(v)}" for k, v in sorted(rest.items())) + ")")
    return out


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


_PART_TITLES = (("base", "Base case"), ("step", "Inductive step"), ("direct", "Direct proof"))


def _proof_part(title: str, d) -> list:
    """A base case, inductive step or direct proof: what was claimed, z3's answer, what it needed."""
    if not isinstance(d, dict):
        return [Para(parts(f"{title}: ", _text(d)))]
    items = []
    if "claim" in d:
        items.append(parts("claim: ", _text(d["claim"])))
    if "z3" in d:
        items.append(parts("z3: ", _text(d["z3"])))
    if "unsat_core" in d:
        items.append(parts("needed (unsat core): ", ", ".join(map(str, d["unsat_core"] or [])) or "nothing"))
    items += [parts(f"{k}: ", _text(x)) for k, x in d.items() if k not in ("claim", "z3", "unsat_core")]
    return [Para(parts(f"{title}:")), Bullets(items)]


def proof_blocks(d: dict, level: int = 4) -> list:
    """An induction (or a lemma): statement, principle, base case, inductive step, the rest."""
    d = _untimed(d)
    out = []
    if d.get("statement"):
        out.append(Para(parts("Statement: ", _text(d["statement"]))))
    if d.get("conclusion"):
        out.append(Para(parts("Conclusion: ", _text(d["conclusion"]))))
    how = [x for x in (d.get("by"), d.get("principle")) if x]
    if how:
        out.append(Para(parts("By ", "; ".join(map(_text, how)), ".")))
    for key, title in _PART_TITLES:
        if key in d:
            out += _proof_part(title, d[key])
    rest = {k: x for k, x in d.items()
            if k not in ("statement", "conclusion", "by", "principle", "name", *(k for k, _ in _PART_TITLES))}
    if rest:
        out.append(Bullets([parts(f"{k}: ", _text(x)) for k, x in rest.items()]))
    return out


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
    """A verdict with its evidence: method, hypotheses kept, lemmas, axioms, unsat core, counterexample."""
    out = [Table([parts("field"), parts("value")], [
        [parts("verdict"), parts(v.verdict)],
        [parts("method"), parts(v.method)],
        [parts("network"), parts(_network_text(v))],
        [parts("hypotheses"), parts(", ".join(v.hypotheses) or "none")],
        [parts("conditions kept by this run"),
         parts(", ".join(f"{c} {'yes' if ok else 'no'}" for c, ok in v.conditions.items()) or "—")],
        [parts("scalar equations checked"), parts(str(v.checked))],
    ])]
    note = v.note if note is None else note
    if note:
        out.append(Para(parts("Note: ", note)))
    lemmas = v.lemmas or []
    out.append(Para(parts("Lemmas used: ", "none." if not lemmas else "")))
    for lemma in lemmas:
        if isinstance(lemma, dict):
            out.append(Heading(heading_level + 1, parts("Lemma ", str(lemma.get("name", "")))))
            out += proof_blocks(lemma)
        else:
            out.append(Bullets([_evidence_item(lemma)]))
    axioms = [_untimed(a) for a in (v.axioms or [])]
    out.append(Para(parts("Axioms assumed (taken without proof): ", "none." if not axioms else "")))
    if axioms and all(isinstance(a, dict) for a in axioms):
        cols = list(dict.fromkeys(k for a in axioms for k in a))
        out.append(Table([parts(c) for c in cols], [[parts(_text(a.get(c, ""))) for c in cols] for a in axioms]))
    elif axioms:
        out.append(Bullets([_evidence_item(a) for a in axioms]))
    if v.unsat_core is not None:
        out.append(Para(parts("z3 unsat core (the hypotheses the proof needed): ",
                              ", ".join(v.unsat_core) or "empty")))
    if v.counterexample:
        c = v.counterexample
        out.append(Para(parts("Counterexample, re-checked in mpmath at ", str(c.get("digits")), " digits: the two sides of ",
                              M(c.get("equation", "?")), f" differ at entry {c.get('entry')} by {c.get('difference')}.")))
        point = textwrap.fill(", ".join(f"{k} = {val}" for k, val in c.get("point", {}).items()), 90,
                              subsequent_indent="    ", break_long_words=False)
        out.append(Verbatim(f"lhs = {c.get('lhs')}\nrhs = {c.get('rhs')}\nat  {point}"))
    return out


def _network_text(v) -> str:
    if v.depth is None:
        net = "every depth L ≥ 1, every width"
    else:
        net = f"L = {v.depth}, widths {v.widths}"
    net += f", f = {v.activation}" if v.activation else ""
    net += ", with biases" if v.bias else ""
    return net + (f", γ = {v.gamma}" if v.gamma else "") + (f", rule {v.rule}" if v.rule else "")


# -- the stages -------------------------------------------------------------------------------

def statement_blocks(thm) -> list:
    # a condition without LaTeX (a user's, say) is shown by its text
    hyps = [parts(f"{c.name}: ", M(c.latex)) if c.latex else parts(f"{c.name}: {c.text}")
            for c in thm.hypotheses]
    return [
        Heading(2, parts("Statement"), "statement"),
        Para(parts(f"{thm.source}. ", thm.title, ". Under the hypotheses below,")),
        Display(thm.statement),
        Para(parts("Layers are numbered from the output (layer 0) to the input (layer ", M("L"),
                   "); ", M(r"\bar{x}^l"), " and ", M(r"\delta^l"), " are the feed-forward values and error terms of "
                   "the ANN trained by backpropagation, ", M(r"x^l_t"), " and ", M(r"\varepsilon^l_t = x^l_t - \mu^l_t"),
                   " the value and error nodes of the predictive-coding network at inference step ", M("t"), ".")),
        Heading(3, parts("Hypotheses"), "hypotheses"),
        Bullets(hyps or [parts("none")]),
    ]


def derivation_blocks(thm, figure_path: Path, figure_src: str, timings: list) -> list:
    """The closed-form trajectory at a small depth and the claim's equations, step by step."""
    import time

    from ..model import Architecture, get_activation
    from .trajectory import Trajectory
    start = time.perf_counter()
    arch = Architecture.make(get_activation("uninterpreted"), depth=TRAJECTORY_DEPTH, width=TRAJECTORY_WIDTH)
    tr = Trajectory(thm, arch)
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
                   " (with C3, ", M(r"\delta^l"), "). The tables show this for every layer.")),
        tr.eps_table(),
        tr.x_table(),
    ]
    tr.figure(figure_path)
    out.append(Figure(figure_src, parts("The wavefront at ", M(f"L = {L}"), ": grey cells are ", M("0"),
                                         ", green cells equal ", M(r"\gamma^l\delta^l"),
                                         ", orange cells have left the closed form (each cell classified by "
                                         "expanding its symbolic difference)."),
                      f"wavefront of the error nodes for {thm.name}"))
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


def all_depth_blocks(thm, opts: Options, result: Result, timings: list, out_dir: Path = Path(".")) -> list:
    out = [Heading(2, parts("Proof for every depth and width"), "all-depths")]
    if not opts.all_depths:
        out.append(Para(parts("Not run (--no-all-depths).")))
        result.all_depths = "not run"
        return out
    mod, why = _optional("pcproof.check.induction")
    if mod is None:
        out.append(Para(parts(f"No all-depth verdict: {why}. The verdicts below hold for the depths and widths "
                              "they name only.")))
        return out
    from ..model import get_activation
    from ..theorem import Setting
    verdicts = []
    for bias in (False, True):
        label = "all depths, f uninterpreted" + (", with biases" if bias else "")
        try:
            v = mod.prove_all_depths(thm, Setting(), activation=get_activation("uninterpreted"), bias=bias,
                                     timeout=opts.timeout)
        except Exception as exc:
            out.append(Para(parts(f"The all-depth prover failed ({label}): {type(exc).__name__}: {exc}")))
            verdicts.append("failed")
            continue
        timings.append((label, v.seconds))
        verdicts.append(v.verdict)
        out.append(Heading(3, parts(label.capitalize() + ": ", v.verdict), ""))
        ind = v.induction or {}
        out += proof_blocks(ind) if isinstance(ind, dict) else [Para(parts("Induction: ", _text(_untimed(ind))))]
        if not ind:
            out.append(Para(parts("The verdict records no induction (base case and step).")))
        out += verdict_blocks(v, note=localise_note(v.note, out_dir, f"{thm.name}-all-depths{'-bias' if bias else ''}"))
    result.all_depths = " / ".join(verdicts)
    return out


def concrete_blocks(thm, opts: Options, result: Result, timings: list) -> list:
    from ..check.concrete import prove
    from ..theorem import Setting
    out = [Heading(2, parts("Verdicts at concrete depths"), "concrete"),
           Para(parts("Each run asks the trusted kernel (pcproof.kernel) for a verdict: proved only when every entry's "
                      "symbolic difference expands to 0, refuted only with a counterexample re-checked in mpmath."))]
    rows, details = [], []
    runs = list(opts.runs) + ([opts.control] if opts.control else [])
    for run in runs:
        try:
            v = prove(thm, run.architecture(), Setting(init_noise=run.init_noise), timeout=opts.timeout)
        except Exception as exc:
            rows.append([parts(run.label), parts("error"), parts(f"{type(exc).__name__}: {exc}"), parts("—")])
            continue
        timings.append((run.label, v.seconds))
        rows.append([parts(run.label), parts(v.verdict), parts(v.method), parts(str(v.checked))])
        if run.init_noise:
            result.control = v.verdict
        else:
            result.concrete.append((run.label, v.verdict))
        details.append((run, v))
    out.append(Table([parts("run"), parts("verdict"), parts("method"), parts("entries checked")], rows))
    if opts.control:
        out.append(Para(parts("The control run breaks C1 on purpose; a sound prover must not say proved there.")))
    for run, v in details:
        out.append(Heading(3, parts(run.label), ""))
        out += verdict_blocks(v)
    return out


def fuzz_blocks(thm, opts: Options, result: Result, timings: list) -> list:
    out = [Heading(2, parts("Fuzzing"), "fuzzing")]
    if not opts.fuzz:
        out.append(Para(parts("Not run (--no-fuzz).")))
        result.fuzz = "not run"
        return out
    mod, why = _optional("pcproof.check.fuzz")
    if mod is None:
        out.append(Para(parts(f"No fuzzing summary: {why}.")))
        return out
    args = [thm.name, "--cases", str(opts.fuzz_cases), "--digits", str(opts.fuzz_digits), "--seed", str(opts.seed)]
    try:
        rep = mod.fuzz(thm.name, opts.fuzz_cases, opts.fuzz_digits, opts.seed)
    except Exception as exc:  # a stage that fails is named in the report, not hidden
        out.append(Para(parts(f"pcproof fuzz {' '.join(args)} failed: {type(exc).__name__}: {exc}")))
        result.fuzz = "failed"
        return out
    data = rep.to_dict()
    out.append(Para(parts(f"pcproof fuzz {' '.join(args)} (exit code {rep.exit_code}):")))
    rows = []
    for k, val in data.items():
        if _is_timing_key(str(k)):
            if isinstance(val, (int, float)):
                unit = "per s" if "per" in str(k).lower() else "s" if "second" in str(k).lower() else ""
                timings.append((f"fuzz: {k}", float(val), unit))
            continue
        rows.append([parts(str(k)), _value_parts(val)])
    out.append(Table([parts("field"), parts("value")], rows))
    result.fuzz = rep.status
    return out


def ablation_blocks(out_dir: Path, opts: Options, result: Result | None = None) -> list:
    out = [Heading(2, parts("Ablation of C1, C2 and C3"), "ablation")]
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
    out.append(Para(parts(f"From {src} (written by pcproof ablate; not re-run by pcproof report).")))
    if result is not None:
        result.ablation = "included"
        for p in tables:
            try:
                data = json.loads(p.read_text()) if p.suffix == ".json" else None
            except ValueError:
                data = None
            if isinstance(data, dict) and isinstance(data.get("pattern_holds"), bool):
                result.ablation = "paper's pattern " + ("holds" if data["pattern_holds"] else "does NOT hold")
    for p in tables:
        out.append(Heading(3, parts(p.name), ""))
        out += _blocks_from_file(p)
    for p in figures:
        rel = _place(p, out_dir, Path("figures") / "ablation")
        out.append(Figure(rel, parts(p.stem.replace("_", " ")), f"ablation figure {p.stem}"))
    if texts:
        out.append(Link([(p.name, _place(p, out_dir, Path("figures") / "ablation")) for p in texts]))
    return out


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


def _blocks_from_file(p: Path, max_rows: int = 400) -> list:
    """A results file as tables: a CSV, or JSON (a list of records, or {"rows": [...], other fields})."""
    try:
        if p.suffix == ".csv":
            with open(p, newline="") as fh:
                rows = list(csv.reader(fh))
            if not rows:
                return []
            return [_table(rows[0], rows[1:max_rows + 1])]
        data = json.loads(p.read_text())
    except (OSError, ValueError):
        return [Para(parts(f"{p.name}: not a table this report can read."))]
    out = []
    records = data.get("rows", data.get("table")) if isinstance(data, dict) else data
    if isinstance(data, dict):
        extra = {k: v for k, v in data.items() if k not in ("rows", "table") and not _is_timing_key(k)}
        if extra:
            out.append(Table([parts("field"), parts("value")], [[parts(str(k)), parts(_cell(v) if not isinstance(v, dict)
                              else "; ".join(f"{a}: {_cell(b)}" for a, b in v.items()))] for k, v in extra.items()]))
    if isinstance(records, list) and records and isinstance(records[0], dict):
        header = list(records[0])
        out.append(_table(header, [[_cell(r.get(h)) for h in header] for r in records[:max_rows]]))
    return out or [Para(parts(f"{p.name}: not a table this report can read."))]


def _table(header, body) -> Table:
    keep = [i for i, h in enumerate(header) if not _is_timing_key(str(h))]
    return Table([parts(str(header[i])) for i in keep],
                 [[parts(str(r[i]) if i < len(r) else "") for i in keep] for r in body])


# -- whole documents --------------------------------------------------------------------------

def theorem_document(thm, out_dir: Path, opts: Options) -> tuple[Document, Result]:
    timings: list = []
    result = Result(thm.name, thm.title, ", ".join(c.name for c in thm.hypotheses))
    fig_rel = f"figures/{thm.name}-wavefront.png"
    (out_dir / "figures").mkdir(parents=True, exist_ok=True)
    blocks = [Heading(1, parts(f"{thm.name}: {thm.title}"), "top"),
              Link([("index", "index.html"), ("Markdown", f"{thm.name}.md"), ("LaTeX", f"{thm.name}.tex")])]
    blocks += statement_blocks(thm)
    blocks += derivation_blocks(thm, out_dir / fig_rel, fig_rel, timings)
    blocks += all_depth_blocks(thm, opts, result, timings, out_dir)
    blocks += concrete_blocks(thm, opts, result, timings)
    blocks += fuzz_blocks(thm, opts, result, timings)
    if len(thm.hypotheses) >= 3:  # the ablation breaks C1, C2, C3 one at a time
        result.ablation = "none found"
        blocks += ablation_blocks(out_dir, opts, result)
    blocks += [Heading(2, parts("Reproduce"), "reproduce"),
               Verbatim(f"pcproof report {thm.name} --seed {opts.seed}"),
               Heading(2, parts("Timing"), "timing"),
               Para(parts("Wall-clock times of this run: the only part of the report that changes between runs "
                          "with the same seed.")),
               Timing(timings)]
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


def index_document(results: list[Result], formats, opts: Options) -> Document:
    rows = []
    for r in results:
        rows.append([parts(r.theorem), parts(r.title), parts(r.hypotheses), parts(_glance(r.concrete)),
                     parts(r.all_depths), parts(_control_text(r.control)), parts(r.fuzz), parts(r.ablation)])
    link_rows = [(f"{r.theorem} ({fmt})", f"{r.theorem}.{fmt}") for r in results for fmt in formats]
    total = sum(row[1] for r in results for row in r.seconds if len(row) == 2 or row[2] == "s")
    return Document("index", "pcproof reports", [
        Heading(1, parts("pcproof reports"), "top"),
        Para(parts("Machine-checked verdicts on when predictive coding (Z-IL) reproduces backpropagation, for the "
                   "theorems of Song et al. (2020). Verdicts come from pcproof's trusted kernel; see each report for "
                   "its evidence. Regenerate with: ")),
        Verbatim(f"pcproof report --seed {opts.seed}"),
        Table([parts("theorem"), parts("title"), parts("hypotheses"), parts("concrete depths"), parts("all depths"),
               parts("control (C1 broken)"), parts("fuzzing"), parts("ablation")], rows),
        Heading(2, parts("Reports"), "reports"),
        Link(link_rows),
        Heading(2, parts("Timing"), "timing"),
        Timing([("all reports", total)]),
    ])
