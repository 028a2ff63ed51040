"""The trusted kernel: the only module that issues verdicts (DESIGN.md, after
knuckledragger).  Everything else builds claims and asks here.

* ``proved``  — every component of every claimed equation has a symbolic
  difference that is identically zero (``decide_identities``), or z3 answered
  unsat for the negation of the claim (the all-depth prover, through
  ``decide_induction``).
* ``refuted`` — a concrete point at which the two sides differ, re-computed here
  at high precision with a difference far above the working precision.
* ``unknown`` — anything else: a timeout, z3's unknown, or a symbolic difference
  that the numeric search could not confirm.

A verdict carries its evidence: method, hypotheses, lemmas, axioms, unsat core,
counterexample and time.
"""
from __future__ import annotations

import json
import signal
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from .numbers.compare import DIFFERENT, EQUAL, comparator, components

PROVED, REFUTED, UNKNOWN = "proved", "refuted", "unknown"
EXIT_CODES = {PROVED: 0, REFUTED: 1, UNKNOWN: 3}

_TOKEN = object()  # only this module holds it, so only this module makes verdicts


@dataclass(frozen=True)
class Verdict:
    theorem: str
    verdict: str
    method: str
    seconds: float
    depth: int | None = None
    widths: list[int] | None = None
    activation: str | None = None
    bias: bool = False
    gamma: str | None = None
    rule: str | None = None
    model: str | None = None            # a graph theorem: the graph it was proved on
    hypotheses: list[str] = field(default_factory=list)
    conditions: dict[str, bool] = field(default_factory=dict)
    counterexample: dict | None = None
    lemmas: list[dict] = field(default_factory=list)
    axioms: list[dict] = field(default_factory=list)
    unsat_core: list[str] | None = None
    induction: dict | None = None
    checked: int = 0
    note: str = ""
    _token: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        if self._token is not _TOKEN:
            raise PermissionError("verdicts are issued by pcproof.kernel only")
        if self.verdict not in EXIT_CODES:
            raise ValueError(f"not a verdict: {self.verdict!r}")
        if self.verdict == REFUTED and not self.counterexample:
            raise ValueError("a refutation needs its counterexample")

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    def __bool__(self) -> bool:
        """True only for *proved*: ``assert pcproof.prove(...)`` cannot pass on a refutation."""
        return self.verdict == PROVED

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("_token")
        return d

    def to_json(self, **kw) -> str:
        return json.dumps(self.to_dict(), **kw)

    # Jupyter display (the printer lives in pcproof.report.display)
    def _repr_latex_(self) -> str:
        from .report.display import verdict_latex
        return verdict_latex(self)

    def _repr_html_(self) -> str:
        from .report.display import verdict_html
        return verdict_html(self)


def _verdict(**kw) -> Verdict:
    return Verdict(_token=_TOKEN, **kw)


class Timeout(Exception):
    pass


@contextmanager
def time_limit(seconds: float | None):
    """Raise :class:`Timeout` after ``seconds`` (main thread, POSIX); no limit if None."""
    if not seconds or not hasattr(signal, "SIGALRM"):
        yield
        return

    def on_alarm(signum, frame):
        # re-arm first: if the exception lands in code that swallows it (a gc callback,
        # say — hypothesis installs one), the alarm fires again a moment later
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        raise Timeout()

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _nested_str(v, fmt) -> list:
    return [_nested_str(r, fmt) if isinstance(r, tuple) else fmt(r) for r in v]


#: number systems whose "different" is a proof: exact rationals, and balls that exclude 0
RIGOROUS = ("rational", "arb")
#: balls too wide to decide are recomputed with twice the digits, up to this many
MAX_WITNESS_DIGITS = 400


def decide_identities(meta: dict, symbolic: Callable[[], tuple[Any, list]],
                      candidates: Callable[[bool], Any], timeout: float | None = None,
                      digits: int = 50) -> Verdict:
    """Prove that every equation ``symbolic()`` returns holds identically, or refute it.

    ``symbolic()`` gives (symbolic ops, equations), computed by the rule's own code over
    the symbolic system.  Proved iff every component's difference expands to the zero
    expression, the code compared no symbolic values undecidably (a branch taken at the
    generic point covers only generic points) and no rounded number entered.

    Otherwise ``candidates(exact_only)`` yields ``(info, make)``, ``make(digits)`` giving
    (point, ops, equations) at a concrete point (``info``, a dict, goes into the
    counterexample: how to draw that point again); a witness is accepted only from a rigorous
    system (:data:`RIGOROUS`): exact rationals, or arb balls whose difference excludes 0
    (an undecided ball is recomputed with more digits).  ``exact_only`` asks for rationals
    alone: rule code that compares values takes its branches rigorously only there."""
    start = time.perf_counter()
    done = lambda **kw: _verdict(seconds=round(time.perf_counter() - start, 4), **meta, **kw)
    try:
        with time_limit(timeout):
            ops, equations = symbolic()
            nonzero, checked = [], 0
            for k, eq in enumerate(equations):
                lhs, rhs = list(components(eq.lhs)), list(components(eq.rhs))
                if [i for i, _ in lhs] != [i for i, _ in rhs]:
                    raise ValueError(f"the two sides of {eq.label} differ in shape")
                for (idx, a), (_, b) in zip(lhs, rhs):
                    checked += 1
                    d = ops.tidy(a - b)
                    if d != 0 and not (hasattr(ops, "vanishes") and ops.vanishes(d)):
                        nonzero.append((k, idx))
            branches = list(getattr(ops, "value_branches", ()))
            inexact = ops.inexact() if hasattr(ops, "inexact") else False
            notes = _symbolic_notes(ops, branches, inexact)
            if not nonzero and not branches and not inexact:
                return done(verdict=PROVED, checked=checked, note="; ".join(notes),
                            method="sympy: every entry's difference expanded to 0 "
                                   "(sums shared as hash-consed atoms)")
            exact_only = bool(getattr(ops, "comparisons", 0))
            cex, tried = _search_counterexample(candidates(exact_only), digits)
    except Timeout:
        return done(verdict=UNKNOWN, method="sympy (did not finish)", note=f"timed out after {timeout} s")
    why = (f"the difference did not expand to 0 at {len(nonzero)} of {checked} entries" if nonzero
           else "every difference expanded to 0 on the generic branch only")
    if cex is not None:
        how = ("exact rationals" if cex["system"] == "rational"
               else f"arb balls at {cex['working_digits']} digits, the difference's ball excluding 0")
        return done(verdict=REFUTED, checked=checked, counterexample=cex, note="; ".join(notes),
                    method=f"sympy: {why}; counterexample with f = {cex['f']} re-computed in {how}")
    return done(verdict=UNKNOWN, checked=checked, method=f"sympy: {why}",
                note="; ".join(notes + [f"no rigorous counterexample at {tried}"]))


def _symbolic_notes(ops, branches, inexact) -> list[str]:
    notes = []
    if branches:
        shown = ops.branch_texts() if hasattr(ops, "branch_texts") else []
        notes.append(f"the rule's code compares symbolic values ({len(branches)} undecided comparisons, "
                     f"e.g. {'; '.join(shown)}): a proof would have to split into their cases")
    if inexact:
        notes.append("a rounded number (sympy Float) entered the computation, so equality is not exact")
    floats = getattr(ops, "floats", None)
    if floats:
        shown = ", ".join(f"{k} = {v}" for k, v in list(floats.items())[:3])
        notes.append(f"Python floats in the rule's code were taken as their exact binary values ({shown})")
    return notes


def _exactly_zero(d) -> bool:
    """A ball that is the exact number 0 (radius 0): no precision would make it exclude 0."""
    try:
        return d.is_exact() and d.is_zero()
    except AttributeError:
        return d == 0


def _search_counterexample(candidates, digits: int) -> tuple[dict | None, str]:
    """The first candidate point at which some entry is *rigorously* different.

    Returns (counterexample or None, what was tried)."""
    tried, skipped, systems = 0, [], set()
    for info, make in candidates:
        label = ", ".join(f"{k} {v}" for k, v in info.items())
        work = digits
        while True:
            try:
                point, ops, equations = make(work)
            except (ArithmeticError, ValueError) as exc:  # the rule is undefined at this point
                skipped.append(f"{label}: {type(exc).__name__}: {exc}")
                break
            if ops.system not in RIGOROUS:
                break
            systems.add(ops.system)
            tried += 1
            cmp = comparator(ops, digits)
            undecided = False
            for eq in equations:
                for (idx, a), (_, b) in zip(components(eq.lhs), components(eq.rhs)):
                    status, size = cmp.compare(a, b)
                    if status == EQUAL and ops.system == "arb" and not _exactly_zero(a - b):
                        status = "undecided"    # tolerance-equal is not a witness's "equal": more digits
                    if status == DIFFERENT:
                        fmt = cmp.text
                        return {"equation": eq.label, "entry": idx, "lhs": fmt(a), "rhs": fmt(b),
                                "difference": f"{size:.5g}", "lhs_value": _nested_str(eq.lhs, fmt),
                                "rhs_value": _nested_str(eq.rhs, fmt), "digits": digits,
                                "working_digits": work, "system": ops.system, "f": point.get("f"),
                                **info, "point": point}, ""
                    undecided = undecided or status != "equal"
            if not undecided or ops.system != "arb" or work >= MAX_WITNESS_DIGITS:
                break
            work *= 2
    text = f"{tried} points ({', '.join(sorted(systems)) or 'no rigorous system'})"
    if skipped:
        text += f"; {len(skipped)} points skipped ({skipped[0]})"
    return None, text


def decide_induction(meta: dict, queries, refute: Callable[[], "Verdict | None"], start: float | None = None,
                     info: dict | None = None, why: str = "") -> Verdict:
    """Turn z3's answers into a verdict (the all-depth prover, pcproof.check.induction).

    Each query (base case, inductive step or direct step) is checked *here*: its
    named facts go in with ``assert_and_track``, its goal negated.  ``proved`` iff
    every query is unsat; the induction principle (P(0) ∧ ∀n (P(n) → P(n+1)) ⟹ ∀n P(n))
    is then applied by this function and written into the verdict.  Otherwise the
    concrete prover searches small depths (``refute()``, whose verdict is a kernel
    verdict re-checked in mpmath): ``refuted`` with the smallest failing depth, else
    ``unknown`` with the SMT-LIB text of the undecided query saved to a file."""
    import os
    import tempfile
    import z3
    start = time.perf_counter() if start is None else start
    info = info or {}
    done = lambda **kw: _verdict(seconds=round(time.perf_counter() - start, 4), **{**meta, **kw})
    method = "induction over layers; base cases and steps unsat in z3 (uninterpreted Vec, Mat, f, f')"
    groups: dict[str, dict] = {}
    failed, ran = None, 0
    for q in queries or []:
        ran += 1
        s = z3.Solver(ctx=q.ctx)
        s.set("timeout", int(q.timeout_ms))
        s.set("smt.mbqi", False)
        for name, formula, _text in q.facts:
            s.assert_and_track(formula, z3.Bool(name, q.ctx))
        s.add(z3.Not(q.goal))
        t0 = time.perf_counter()
        result = s.check()
        entry = {"claim": q.claim, "z3": str(result), "seconds": round(time.perf_counter() - t0, 4)}
        g = groups.setdefault(q.lemma, {"name": q.lemma, "statement": q.statement,
                                        "by": f"induction on {q.variable}" if q.variable else "direct"})
        g[q.part] = entry
        if result == z3.unsat:
            entry["unsat_core"] = sorted(str(c) for c in s.unsat_core())
            continue
        d = os.environ.get("PCPROOF_SMT_DIR") or os.path.join(tempfile.gettempdir(), "pcproof-smt")
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, f"{meta['theorem']}-{q.lemma}-{q.part}-{os.getpid()}-{int(time.time() * 1e3)}.smt2")
        with open(path, "w") as fh:
            fh.write(f"; {meta['theorem']}: {q.lemma}, {q.part}: {q.claim} (z3 answered {result})\n")
            fh.write(s.sexpr() + "(check-sat)\n(get-unsat-core)\n")
        entry["smt2"] = path
        failed = (q, result, path)
        break
    lemmas = list(groups.values())
    principle = "P(0) ∧ ∀n ≥ 0 (P(n) → P(n+1)) ⟹ ∀n ≥ 0 P(n), applied by pcproof.kernel"
    for g in lemmas:
        if all(p in g and g[p]["z3"] == "unsat" for p in ("base", "step")):
            g["principle"] = principle
    # the principle needs both halves: a lemma with a base case but no step (or the
    # reverse) is not proved, however many of its queries were unsat
    incomplete = [g["name"] for g in lemmas
                  if ("base" in g) != ("step" in g) or not any(p in g for p in ("base", "direct"))]
    if queries and failed is None and incomplete:
        why = f"induction incomplete for {', '.join(incomplete)} (a base case or a step is missing)"
    if queries and failed is None and not incomplete:
        cores = sorted({c for g in lemmas for part in ("base", "step", "direct") if part in g
                        for c in g[part]["unsat_core"]})
        own = groups.get(meta["theorem"])
        if own is not None and "base" in own:   # the theorem is itself the induction
            rest, induction = [g for g in lemmas if g is not own], dict(own)
        else:                                    # a direct step from the last inductive lemma
            rest = [g for g in lemmas if g is not own]
            main = next((g for g in reversed(rest) if "base" in g), {})
            induction = dict(main, then=own) if own else dict(main)
        induction["theorem"] = info.get("statement", "")
        induction["assumes"] = [info["c1"]] if info.get("c1") else []
        return done(verdict=PROVED, method=method, lemmas=rest, axioms=_used(info.get("axioms", []), cores),
                    unsat_core=cores, induction=induction, hypotheses=meta["hypotheses"] + info.get("hypotheses", []),
                    checked=len(queries))
    note = why
    if failed is not None:
        q, result, path = failed
        note = (f"z3 answered {result} for {q.lemma} ({q.part}: {q.claim}); "
                f"the undecided query is saved in {path}")
    cex = refute()
    if isinstance(cex, Verdict) and cex.verdict == REFUTED:
        counterexample = dict(cex.counterexample, depth=cex.depth, widths=cex.widths,
                              found_by="concrete prover at increasing depths (smallest failing depth first)")
        return done(verdict=REFUTED, method="induction over layers in z3 (not discharged); counterexample from "
                                            "the concrete prover at the smallest depth, re-checked in mpmath",
                    lemmas=lemmas, axioms=info.get("axioms", []), counterexample=counterexample,
                    note=f"fails first at depth L = {cex.depth}, widths {cex.widths}. {note}".strip(),
                    hypotheses=meta["hypotheses"] + info.get("hypotheses", []), checked=ran)
    return done(verdict=UNKNOWN, method="induction over layers in z3 (not discharged)", lemmas=lemmas, axioms=info.get("axioms", []),
                hypotheses=meta["hypotheses"] + info.get("hypotheses", []), checked=ran,
                note=(note + "; no concrete counterexample at small depths").strip("; "))


def _used(axioms: list[dict], core: list[str]) -> list[dict]:
    return [dict(a, used=a["name"] in core) for a in axioms]
