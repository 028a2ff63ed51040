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
from .numbers.ops import ShapeError   # a claim whose two sides differ in shape: bad input (exit 2)
from .notebook import NotebookDisplay
from . import progress   # a bar on stderr when the CLI asks for one (imports nothing, draws nothing else)

PROVED, REFUTED, UNKNOWN = "proved", "refuted", "unknown"
EXIT_CODES = {PROVED: 0, REFUTED: 1, UNKNOWN: 3}

_TOKEN = object()  # only this module holds it, so only this module makes verdicts


@dataclass(frozen=True)
class Verdict(NotebookDisplay):   # shown as mathematics in Jupyter (pcproof.notebook)
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

    def __str__(self) -> str:
        """The readable card ``pcproof prove`` prints (one renderer for both)."""
        from .text import verdict_card  # plain text, below the kernel
        return verdict_card(self)



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
            with progress.bar(getattr(equations, "__len__", lambda: None)(), "prove", "equation") as bar:
                for k, eq in enumerate(equations):
                    lhs, rhs = list(components(eq.lhs)), list(components(eq.rhs))
                    if [i for i, _ in lhs] != [i for i, _ in rhs]:
                        raise ShapeError(f"the two sides of {eq.label} differ in shape (the claim's "
                                         f"equation: {len(lhs)} entries against {len(rhs)})")
                    for (idx, a), (_, b) in zip(lhs, rhs):
                        checked += 1
                        d = ops.tidy(a - b)
                        if d != 0 and not (hasattr(ops, "vanishes") and ops.vanishes(d)):
                            nonzero.append((k, idx))
                    bar.update()
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
    with progress.bar(None, "witness search", "point") as bar:
        return _search(candidates, digits, bar)


def _search(candidates, digits: int, bar) -> tuple[dict | None, str]:
    tried, skipped, systems = 0, [], set()
    for info, make in candidates:
        bar.update()
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


def decide_induction(meta: dict, proof: "Proof | None", refute: Callable[[], "Verdict | None"],
                     start: float | None = None, info: dict | None = None, why: str = "",
                     theorem: "Fact | None" = None, cases: tuple = ()) -> Verdict:
    """Turn an all-depth proof run by this kernel (pcproof.check.induction) into a verdict.

    ``proof`` is a :class:`Proof`: every obligation in it was formed and checked *here*
    (:meth:`Proof.induct` forms P(0) and P(n) → P(n+1) from the predicate itself,
    :meth:`Proof.prove` a direct step), each unsat answer accepted only after the facts it
    used were found satisfiable.  ``proved`` iff nothing failed and ``theorem`` is a
    lemma this kernel proved in this run.  Otherwise the concrete prover searches small
    depths (``refute()``, whose verdict is a kernel verdict): ``refuted`` with the
    smallest failing depth, else ``unknown`` with the reason (and the SMT-LIB text of an
    undecided query saved to a file).

    ``cases``: verdicts of the concrete prover for the sizes below the induction's range (a
    graph family whose first sizes differ from its block pattern); proved needs each proved."""
    start = time.perf_counter() if start is None else start
    info = info or {}
    done = lambda **kw: _verdict(seconds=round(time.perf_counter() - start, 4), **{**meta, **kw})
    method = info.get("method", "induction over layers; base cases and steps unsat in z3 (uninterpreted Vec, Mat, f, f')")
    for c in cases:
        if not isinstance(c, Verdict) or c._token is not _TOKEN or c.verdict != PROVED:
            why = why or f"a size below the induction's range is not proved: {getattr(c, 'model', c)}"
            theorem = None
    hyps = meta["hypotheses"] + info.get("hypotheses", [])
    ran = "; ".join(x for x in (f"ran symbolically: {info['ran']}" if info.get("ran") else "",
                                info.get("note", "")) if x)
    lemmas = list(proof.groups.values()) if proof is not None else []
    checked = proof.ran if proof is not None else 0
    if proof is not None and proof.failure is None and theorem is not None:
        if theorem.kind != "lemma" or theorem._token is not _TOKEN or theorem not in proof.lemmas:
            why = "the theorem is not a lemma this kernel proved in this run"
        else:
            own = proof.groups[theorem.name]
            cores = sorted({c for g in lemmas for part in ("base", "step", "direct") if part in g
                            for c in g[part]["unsat_core"]})
            rest = [g for g in lemmas if g is not own]
            if "base" in own:       # the theorem is itself the induction
                induction = dict(own)
            else:                   # a direct step from the last inductive lemma
                main = next((g for g in reversed(rest) if "base" in g), {})
                induction = dict(main, then=own)
            induction["theorem"] = info.get("statement", "")
            induction["assumes"] = [info["c1"]] if info.get("c1") else []
            if cases:
                induction["cases"] = [dict(model=c.model, verdict=c.verdict, method=c.method) for c in cases]
            return done(verdict=PROVED, method=method, lemmas=rest, axioms=_used(info.get("axioms", []), cores),
                        unsat_core=cores, induction=induction, hypotheses=hyps, checked=checked,
                        note="; ".join(x for x in (ran, _unshown(proof)) if x))
    note = why
    if proof is not None and proof.failure:
        note = proof.failure
    cex = refute()
    if isinstance(cex, Verdict) and cex.verdict == REFUTED:
        counterexample = dict(cex.counterexample, depth=cex.depth, widths=cex.widths,
                              found_by=info.get("found_by", "concrete prover at increasing depths "
                                                              "(smallest failing depth first)"))
        return done(verdict=REFUTED, method="induction over layers in z3 (not discharged); counterexample from "
                                            "the concrete prover at a concrete depth, re-checked by it",
                    lemmas=lemmas, axioms=info.get("axioms", []), counterexample=counterexample,
                    note="; ".join(x for x in ((f"fails on {cex.model}. {note}" if cex.model else
                                                f"fails at depth L = {cex.depth}, widths {cex.widths}. {note}").strip(),
                                               ran) if x),
                    hypotheses=hyps, checked=checked)
    return done(verdict=UNKNOWN, method="induction over layers in z3 (not discharged)", lemmas=lemmas,
                axioms=info.get("axioms", []), hypotheses=hyps, checked=checked,
                note="; ".join(x for x in ((note + "; no concrete counterexample at small depths").strip("; "), ran)
                               if x))


def _unshown(proof) -> str:
    if not proof.unshown:
        return ""
    return (f"z3 could not show the facts of {', '.join(proof.unshown)} satisfiable; accepted because every "
            "definition was checked to read only earlier states (docs/verdicts.md, vacuity)")


def _used(axioms: list[dict], core: list[str]) -> list[dict]:
    return [dict(a, used=a["name"] in core) for a in axioms]


# ---------------------------------------------------------------------------------
# the all-depth kernel: typed facts, obligations formed here, vacuity checked here
# ---------------------------------------------------------------------------------
FACT_KINDS = ("definition", "axiom", "hypothesis", "lemma")


@dataclass(frozen=True, eq=False)
class Fact:
    """A named z3 formula an obligation may use.  ``definition``, ``axiom`` and
    ``hypothesis`` are taken on trust (and listed in the verdict); a ``lemma`` is made
    only by :class:`Proof` once it has proved it, so none can be forged."""

    kind: str
    name: str
    formula: Any
    text: str = ""
    _token: Any = field(default=None, repr=False)

    def __post_init__(self):
        if self.kind not in FACT_KINDS:
            raise ValueError(f"not a kind of fact: {self.kind!r} (one of {', '.join(FACT_KINDS)})")
        if self.kind == "lemma" and self._token is not _TOKEN:
            raise PermissionError("a lemma is made by the kernel, after it has proved it")


def fact(kind: str, name: str, formula, text: str = "") -> Fact:
    return Fact(kind, name, formula, text)


def _applications(e, seen: set):
    """Every application in the z3 term ``e`` once (quantifier bodies included; ``seen``: ids
    already visited, shared across calls)."""
    import z3
    todo = [e]
    while todo:
        a = todo.pop()
        if a.get_id() in seen:
            continue
        seen.add(a.get_id())
        if z3.is_quantifier(a):
            todo.append(a.body())
        elif z3.is_app(a):
            yield a
            todo.extend(a.children())


def _constants(e, seen: set, out: set) -> None:
    """The uninterpreted constants of a z3 term (bound variables are not constants)."""
    import z3
    out.update(a.decl().name() for a in _applications(e, seen)
               if a.num_args() == 0 and a.decl().kind() == z3.Z3_OP_UNINTERPRETED)


def _collapsed(facts: list, memo: dict | None = None, one: dict | None = None) -> list:
    """The facts with every uninterpreted sort collapsed to one element (see Proof._satisfiable).
    Each fact is collapsed on its own (a substitution of declarations it does not use changes
    nothing), so a proof remembers each in ``memo``; ``one`` holds the one element of each sort."""
    memo = {} if memo is None else memo
    one = {} if one is None else one
    return [memo[f] if f in memo else memo.setdefault(f, _collapse_one(f.formula, one)) for f in facts]


def _collapse_one(formula, one: dict):
    import z3
    decls = {(a.decl().name(), a.decl().arity()): a.decl() for a in _applications(formula, set())
             if a.decl().kind() == z3.Z3_OP_UNINTERPRETED}
    subst = []
    for d in decls.values():
        rng = d.range()
        args = [d.domain(i) for i in range(d.arity())]
        if rng.kind() == z3.Z3_UNINTERPRETED_SORT:
            if rng.name() not in one:
                one[rng.name()] = z3.FreshConst(rng, "the_" + rng.name())
            subst.append((d, one[rng.name()]))
        elif any(srt.kind() == z3.Z3_UNINTERPRETED_SORT for srt in args) and rng.kind() in (z3.Z3_INT_SORT, z3.Z3_REAL_SORT):
            subst.append((d, z3.IntVal(0, d.ctx) if rng.kind() == z3.Z3_INT_SORT else z3.RealVal(0, d.ctx)))
    return z3.simplify(z3.substitute_funs(formula, *subst)) if subst else formula


def _bounded_check(solver, ctx, ms: int):
    """``solver.check()``, interrupted if z3 overruns its own timeout (with model-based
    quantifier instantiation it can ignore it for minutes): an interrupted check answers
    unknown, which never proves anything."""
    import threading
    watchdog = threading.Timer(2 * ms / 1000 + 1, ctx.interrupt)
    watchdog.daemon = True
    watchdog.start()
    try:
        return solver.check()
    finally:
        watchdog.cancel()


@contextmanager
def _global_params(params: dict):
    """z3's global parameters ``params`` for the duration, then the old values again."""
    import z3
    old = {k: z3.get_param(k) for k in params}
    try:
        for k, v in params.items():
            z3.set_param(k, v)
        yield
    finally:
        for k, v in old.items():
            z3.set_param(k, v)


class Proof:
    """One all-depth proof, every obligation of which this kernel forms and checks.

    The prover hands over *predicates* and typed facts, never ready-made queries:
    :meth:`induct` forms P(lo) and ∀n ≥ lo (P(n) → P(n+1)) from the one Python function
    P, :meth:`prove` a direct step.  An unsat answer is accepted only when the facts of
    its unsat core are satisfiable on their own (else the proof is vacuous); the first
    failure stops the run (``failure`` says why) and every later call returns None."""

    SAT_MS = 1500   # the time the satisfiability check may take (the collapsed try; sat comes in < 0.1 s)

    def __init__(self, ctx, timeout_ms: int = 20000, label: str = "proof", solver_params: dict | None = None):
        self.ctx, self.timeout_ms, self.label = ctx, int(timeout_ms), label
        # z3 options for the obligations (quantifier-instantiation heuristics): they can turn an
        # unsat into unknown, never a sat into unsat, so they change speed, not what is proved
        self.solver_params = dict(solver_params or {})
        self.groups: dict[str, dict] = {}
        self.lemmas: list[Fact] = []
        self.failure: str | None = None
        self.ran = 0
        self.unshown: list[str] = []    # obligations whose facts z3 could not show satisfiable
        self._sat_memo: dict = {}
        self._sat_sets: list[frozenset] = []    # fact sets shown satisfiable (their subsets are too)
        self._unshown_sets: list[frozenset] = []    # fact sets z3 could not show satisfiable
        self._collapse_memo: dict = {}      # fact → its collapsed formula (_satisfiable)
        self._one: dict = {}                # sort → its one element in the collapsed interpretation
        self._const_memo: dict = {}         # fact → its uninterpreted constants (prove's generalisation check)

    # -- the two ways to prove -----------------------------------------------------
    def induct(self, name: str, P: Callable, facts: list, var: str = "n", pred: str = "P", lo: int = 0,
               statement: str = "", use=None) -> Fact | None:
        """∀n ≥ lo. P(n), by checking P(lo) and P(n) → P(n+1) for a fresh n.  ``use``, if
        given, is the form in which later proofs will use the lemma (triggers z3 can
        match); the kernel proves it follows from ∀n ≥ lo. P(n) before handing it out."""
        import z3
        if self.failure:
            return None
        n = z3.FreshInt(var, self.ctx)
        by = f"induction on {var}"
        if not self._check(name, "base", f"{pred}({lo})", facts, P(z3.IntVal(lo, self.ctx)), statement, by):
            return None
        ih = [Fact("hypothesis", f"{var} ≥ {lo}", n >= lo, "the induction variable"),
              Fact("hypothesis", f"IH {pred}({var})", P(n), "induction hypothesis")]
        if not self._check(name, "step", f"{pred}({var}) → {pred}({var}+1)", [*facts, *ih], P(n + 1), statement, by,
                           local=ih):
            return None
        m = z3.FreshInt(var, self.ctx)
        conclusion = z3.ForAll([m], z3.Implies(m >= lo, P(m)))
        self.groups[name]["principle"] = ("P(0) ∧ ∀n ≥ 0 (P(n) → P(n+1)) ⟹ ∀n ≥ 0 P(n), "
                                          "obligations formed and applied by pcproof.kernel")
        if use is not None:
            stated = Fact("hypothesis", f"∀{var} ≥ {lo} {pred}({var})", conclusion, "the induction's conclusion")
            if not self._check(name, "use", f"∀{var} ≥ {lo} {pred}({var}) ⟹ the form used later", [stated], use,
                               statement, by, mbqi=True):
                return None
            conclusion = use
        return self._lemma(name, conclusion, statement)

    def prove(self, name: str, goal, facts: list, over: tuple = (), statement: str = "", claim: str = "") -> Fact | None:
        """A direct step: facts ⊢ goal, generalised over the constants ``over`` (which must
        not occur in any fact, so the step holds for every value of them)."""
        import z3
        if self.failure:
            return None
        if over:
            names = set()
            for f in facts:
                if f not in self._const_memo:
                    self._const_memo[f] = set()
                    _constants(f.formula, set(), self._const_memo[f])
                names |= self._const_memo[f]
            clash = sorted({str(v) for v in over} & names)
            if clash:
                self.failure = f"{name}: cannot generalise over {', '.join(clash)}, which the facts mention"
                return None
        if not self._check(name, "direct", claim or name, facts, goal, statement, "direct"):
            return None
        return self._lemma(name, z3.ForAll(list(over), goal) if over else goal, statement)

    # -- one obligation --------------------------------------------------------------
    def _lemma(self, name, formula, statement) -> Fact:
        lem = Fact("lemma", name, formula, statement, _token=_TOKEN)
        self.lemmas.append(lem)
        return lem

    def _check(self, lemma, part, claim, facts, goal, statement, by, mbqi=False, local=()) -> bool:
        import z3
        for f in facts:
            if not isinstance(f, Fact):
                raise TypeError(f"{lemma}: a fact must be a kernel.Fact, got {type(f).__name__}")
            if f.kind == "lemma" and (f._token is not _TOKEN or f not in self.lemmas):
                raise PermissionError(f"{lemma}: lemma {f.name!r} was not proved in this run")
        self.ran += 1
        with _global_params(self.solver_params):   # z3 reads these when it makes the solver and checks
            s = z3.Solver(ctx=self.ctx)
            s.set("timeout", self.timeout_ms)
            s.set("smt.mbqi", mbqi)
            by_name = {}
            for f in facts:
                if f.name in by_name:   # the unsat core names facts: a name must mean one fact
                    raise ValueError(f"{lemma}: two facts are named {f.name!r}")
                by_name[f.name] = f
                s.assert_and_track(f.formula, z3.Bool(f.name, self.ctx))
            s.add(z3.Not(goal))
            t0 = time.perf_counter()
            result = _bounded_check(s, self.ctx, self.timeout_ms)
        entry = {"claim": claim, "z3": str(result), "seconds": round(time.perf_counter() - t0, 4)}
        g = self.groups.setdefault(lemma, {"name": lemma, "statement": statement, "by": by})
        g[part] = entry
        if result == z3.unsat:
            core = sorted(str(c) for c in s.unsat_core())
            entry["unsat_core"] = core
            # the induction hypothesis is not a fact of the world: a step whose IH contradicts
            # the facts is vacuous only if the base case fails too, which is checked apart
            used = [by_name[c] for c in core if not any(by_name[c] is f for f in local)]
            sat, how = self._consistent(used, [f for f in facts if not any(f is g for g in local)])
            entry["facts_satisfiable"] = how
            if sat is False:
                entry["z3"] = "unsat, vacuous"
                self.failure = (f"{lemma} ({part}: {claim}): the facts are inconsistent: "
                                f"{', '.join(f.name for f in used)} have no model, so unsat proves nothing")
                return False
            if sat is None:     # accepted, and said: the definitions are well-founded (docs/verdicts.md)
                entry["z3"] = "unsat (facts not shown satisfiable)"
                self.unshown.append(f"{lemma} ({part})")
            return True
        path = self._save(s, lemma, part, claim, result)
        entry["smt2"] = path
        self.failure = (f"z3 answered {result} for {lemma} ({part}: {claim}); "
                        f"the undecided query is saved in {path}")
        return False

    def _consistent(self, used: list, given: list) -> tuple[bool | None, str]:
        """Are the facts an unsat core ``used`` satisfiable?  Shown at once if all the facts
        ``given`` to the obligation (a superset) are, or were earlier in this run."""
        ids = frozenset(id(f) for f in used)
        if any(ids <= shown for shown in self._sat_sets):
            return True, "sat (a superset was shown satisfiable earlier in this run)"
        whole = frozenset(id(f) for f in given)
        how = "a subset was not shown satisfiable earlier in this run"
        if not any(failed <= whole for failed in self._unshown_sets):   # a superset is no easier
            sat, how = self._satisfiable(given)
            if sat:
                self._sat_sets.append(whole)
                return sat, how + ", all the facts given"
            self._unshown_sets.append(whole)
        sat, how_core = self._satisfiable(used)
        if sat:
            self._sat_sets.append(ids)
        return sat, how_core if sat is not None else f"all facts: {how}; the core's: {how_core}"

    def _satisfiable(self, facts: list) -> tuple[bool | None, str]:
        """Are these facts consistent?  z3 with model-based quantifier instantiation, first
        on the facts in a *collapsed* interpretation: every uninterpreted sort (Vec,
        Mat) of one element, so every function into it is that element and every
        function from it to a number (dim, rows …) is 0.  A model of the collapsed facts
        is a model of the facts, and z3 needs only to find the index and scalar
        functions (widths n_l, γ^n).  Then on the facts as they are (a short try): only
        an unsat answer there calls them inconsistent."""
        import z3
        key = frozenset(id(f) for f in facts)
        if key in self._sat_memo:
            return self._sat_memo[key]
        said = []
        # z3 answers sat in milliseconds when it can (measured on the three theorems); the
        # time limits only bound what an answer of "unknown" costs
        for label, formulas, ms in (("with each uninterpreted sort of one element", _collapsed(facts, self._collapse_memo, self._one),
                                     min(self.timeout_ms, self.SAT_MS)),
                                    ("as they are", [f.formula for f in facts], min(self.timeout_ms, 500))):
            s = z3.Solver(ctx=self.ctx)
            s.set("timeout", ms)
            s.set("smt.mbqi", True)
            s.add(*formulas)
            r = _bounded_check(s, self.ctx, ms)
            if r == z3.sat:
                self._sat_memo[key] = (True, f"sat (z3, model-based instantiation, {label})")
                return self._sat_memo[key]
            if r == z3.unsat and label == "as they are":
                self._sat_memo[key] = (False, "unsat")
                return self._sat_memo[key]
            said.append(f"{label}: {r}" + (f" ({s.reason_unknown()})" if r == z3.unknown else ""))
        self._sat_memo[key] = (None, "; ".join(said))
        return self._sat_memo[key]

    def _save(self, s, lemma, part, claim, result) -> str:
        import os
        import tempfile
        d = os.environ.get("PCPROOF_SMT_DIR") or os.path.join(tempfile.gettempdir(), "pcproof-smt")
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, f"{self.label}-{lemma}-{part}-{os.getpid()}-{int(time.time() * 1e3)}.smt2")
        with open(path, "w") as fh:
            fh.write(f"; {self.label}: {lemma}, {part}: {claim} (z3 answered {result})\n")
            fh.write(s.sexpr() + "(check-sat)\n(get-unsat-core)\n")
        return path


# ---------------------------------------------------------------------------------
# judgements: verdicts beyond yes/no, for the credit-assignment zoo (docs/zoo.md).
# Each is made here from evidence this kernel produced (Verdicts) or checked itself
# (Taylor coefficients, their witnesses); measurements are reported, never proved.
# ---------------------------------------------------------------------------------
EXACT, EXACT_UNDER, EXACT_TO_ORDER, APPROXIMATE, NOT_BP, UNDECIDED = (
    "exact", "exact under a condition", "exact to order k", "approximate", "not BP", "undecided")
#: strongest first: the verdict card shows the first kind established
JUDGEMENT_KINDS = (EXACT, EXACT_UNDER, EXACT_TO_ORDER, APPROXIMATE, NOT_BP, UNDECIDED)
#: ``pcproof validate``: 0 exact (or exact under a tried condition), 1 not exact under any
#: tried condition, 3 undecided (2, bad input, is the CLI's)
JUDGEMENT_EXIT = {EXACT: 0, EXACT_UNDER: 0, EXACT_TO_ORDER: 1, APPROXIMATE: 1, NOT_BP: 1, UNDECIDED: 3}


@dataclass(frozen=True)
class Judgement:
    """One kind of verdict about a rule against BP, with its evidence.

    ``condition``: {name, latex, text, parts} of a hypothesis (exact under it);
    ``order``: {parameter, latex, k, departs_at} (exact to order k; k = −1: departs at 0);
    ``evidence``: the kernel verdicts (as dicts) it rests on; ``measurement``: numbers
    from :mod:`pcproof.check.align` (approximate)."""

    rule: str
    kind: str
    statement: str
    seconds: float = 0.0
    condition: dict | None = None
    order: dict | None = None
    evidence: list[dict] = field(default_factory=list)
    counterexample: dict | None = None
    measurement: dict | None = None
    note: str = ""
    _token: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        if self._token is not _TOKEN:
            raise PermissionError("judgements are issued by pcproof.kernel only")
        if self.kind not in JUDGEMENT_KINDS:
            raise ValueError(f"not a judgement: {self.kind!r}")

    @property
    def exit_code(self) -> int:
        return JUDGEMENT_EXIT[self.kind]

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("_token")
        return d


def _judgement(**kw) -> Judgement:
    return Judgement(_token=_TOKEN, **kw)


def _own(v) -> bool:
    return isinstance(v, Verdict) and v._token is _TOKEN


def _size(v: Verdict) -> str:
    """Where a verdict was proved: at widths … (layered), or on a graph (its description)."""
    return f"on {v.model}" if v.model else f"at widths {v.widths}"


def judge_plain(rule: str, verdicts: list) -> Judgement:
    """The rule with nothing assumed, at the sizes ``verdicts`` were proved at: exact if
    proved at every one, not BP if refuted at one (its counterexample: the first, the
    smallest when they come smallest first), else undecided."""
    verdicts = verdicts if isinstance(verdicts, (list, tuple)) else [verdicts]
    if not verdicts or not all(_own(v) for v in verdicts):
        raise PermissionError("a judgement rests on kernel verdicts only")
    evidence = [v.to_dict() for v in verdicts]
    sec = round(sum(v.seconds for v in verdicts), 4)
    at = lambda v: f"{v.model if v.model else f'widths {v.widths}'}, f {v.activation}"  # noqa: E731
    refuted = [v for v in verdicts if v.verdict == REFUTED]
    if refuted:
        v = refuted[0]
        return _judgement(rule=rule, kind=NOT_BP, statement=f"not BP: refuted at {at(v)}", seconds=sec,
                          evidence=evidence, counterexample=dict(v.counterexample, widths=v.widths))
    if all(v.verdict == PROVED for v in verdicts):
        return _judgement(rule=rule, kind=EXACT, seconds=sec, evidence=evidence,
                          statement="exact: proved equal to BP's updates "
                                    + ("at widths " + ", ".join(str(v.widths) for v in verdicts if v.widths)
                                       if any(v.widths for v in verdicts) else "")
                                    + ", ".join(_size(v) for v in verdicts if v.model and not v.widths)
                                    + (" and at every depth (induction in z3)"
                                       if any(not v.widths and not v.model for v in verdicts) else "")
                                    + f", f {verdicts[0].activation}")
    v = next(v for v in verdicts if v.verdict == UNKNOWN)
    return _judgement(rule=rule, kind=UNDECIDED, seconds=sec, evidence=evidence,
                      statement=f"undecided at {at(v)}: {v.note or v.method}")


def judge_under(rule: str, condition: dict, under: Verdict, without: list, vacuity: Verdict | None) -> Judgement:
    """Exact under ``condition`` iff the claim is proved with every part of it imposed
    (``under``, whose hypotheses name the condition) and refuted without it: ``without``
    holds the verdict with nothing imposed and, for a condition of several parts, one with
    each part left out (so no part is idle).  Not vacuous: ``vacuity`` is the verdict on
    "BP's updates are all 0 under the condition", which must be refuted (a point where BP
    learns; under δ^0 = 0 it is proved, and every rule whose updates vanish too would be
    "exact").  Anything short of that is said as it is."""
    if not _own(under) or not all(_own(v) for v in without) or not without:
        raise PermissionError("a judgement rests on kernel verdicts only")
    if under.verdict == PROVED and not _own(vacuity):
        raise PermissionError("exact under a condition needs the kernel's verdict on its vacuity")
    if condition["name"] not in under.hypotheses:
        raise ValueError(f"the verdict under {condition['name']} does not assume it")
    if any(condition["name"] in v.hypotheses for v in without):
        raise ValueError(f"a verdict 'without {condition['name']}' assumes it")
    evidence = [under.to_dict()] + [v.to_dict() for v in without]
    sec = round(under.seconds + sum(v.seconds for v in without), 4)
    common = dict(rule=rule, condition=condition, evidence=evidence, seconds=sec)
    if under.verdict == REFUTED:
        return _judgement(kind=NOT_BP, statement=f"not BP even under {condition['text']}",
                          counterexample=under.counterexample, **common)
    idle = [v for v in without if v.verdict == PROVED]
    if under.verdict == PROVED and vacuity.verdict != REFUTED:
        evidence.append(vacuity.to_dict())
        return _judgement(kind=UNDECIDED, statement=f"vacuous under {condition['text']}: BP's updates are "
                          + ("identically 0 there" if vacuity.verdict == PROVED else "not shown non-zero there"),
                          **common)
    if under.verdict == PROVED and not idle and all(v.verdict == REFUTED for v in without):
        evidence.append(vacuity.to_dict())
        return _judgement(kind=EXACT_UNDER, statement=f"exact under {condition['text']} (proved "
                                                      f"{_size(under)}, f {under.activation}), refuted without it",
                          counterexample=without[0].counterexample, **common)
    why = ("proved without it too (the condition is not needed)" if idle else
           f"under it: {under.verdict}; without it: {', '.join(v.verdict for v in without)}")
    return _judgement(kind=UNDECIDED, statement=f"not shown exact under {condition['text']}: {why}", **common)


#: how far the working order of a knob's series is raised to know the coefficients asked for
KNOB_EXTRA_ORDERS = 8
INF = float("inf")


def decide_series_order(rule: str, meta: dict, parameter: dict, expand: Callable[[int], dict],
                      witnesses: Callable[[], Any], max_order: int = 2,
                      timeout: float | None = None) -> Judgement:
    """Exact to order k in a small parameter ε, one of the rule's own knobs or a perturbation of
    the point, the rule run in Taylor series in ε (pcproof.numbers.taylor).

    ``expand(order)`` runs the rule's own code (and BP's) through the one door in the series
    system truncated at ε^order and gives ``{"entries": [rule − BP, one Series per update
    entry], "ops": the TaylorOps it ran in}``; ``witnesses()`` yields (info, run) where
    ``run(order)`` is the same at a rational point with a polynomial f (rational coefficients;
    accepted only if that run compared nothing undecidably, met no float, and, if it took f⁻¹,
    had f strictly monotone over every argument it applied f at: an invertible f).

    Exact to order k: every coefficient of ε^j, j ≤ k (from the lowest power present, which
    may be negative: a rule dividing by its knob), vanishes identically; and the ε^{k+1}
    coefficient of some entry is a non-zero rational at a witness whose run compared
    nothing undecidably.  Undecided when the rule's code branched on a value it could not
    decide for every small |ε| (or on the point), when a rounded number entered, or when
    no witness is found."""
    from fractions import Fraction

    from .numbers.taylor import identically_zero
    start = time.perf_counter()
    base = dict(rule=rule, **{k: meta[k] for k in ("depth", "widths", "activation", "hypotheses", "under")
                               if k in meta})

    def done(**kw):
        order = dict(parameter, **kw.pop("order_kw"))
        return _judgement(rule=rule, seconds=round(time.perf_counter() - start, 4), order=order,
                          evidence=[base], **kw)

    def known(fn, need_hi):
        """The run with every entry known to ε^need_hi (working order raised as needed)."""
        order = max(need_hi, max_order) + 2
        for _ in range(KNOB_EXTRA_ORDERS + 1):
            run = fn(order)
            short = max((need_hi + 1 - e.prec for e in run["entries"]), default=0)
            if short <= 0:
                return run
            order += short
        raise ArithmeticError(f"the ε^{need_hi} coefficient stays unknown up to working order {order}")

    sym = parameter.get("symbol", "ε")
    pw = lambda j: f"{sym}^{{{j}}}"  # noqa: E731
    where = (f" (widths {list(meta.get('widths', []))}, f {meta.get('activation')}, "
             + (f"under {meta['under']})" if meta.get("under") else "nothing imposed)"))
    try:
        with time_limit(timeout):
            run = known(expand, max_order)
            branches, floats = run["ops"].branches, run["ops"].floats
            if branches:
                op, d = branches[0]
                return done(kind=UNDECIDED, order_kw=dict(k=None, departs_at=None),
                            statement=f"order in {parameter['text']}: the rule's code compares a value that "
                                      f"depends on ε or on the point ({len(branches)} comparisons, e.g. "
                                      f"{d} {op} 0), which no expansion at ε = 0 decides for every small |ε|")
            if floats:
                return done(kind=UNDECIDED, order_kw=dict(k=None, departs_at=None),
                            statement=f"order in {parameter['text']}: a rounded number ({floats[0]}) "
                                      "entered the computation, so a vanishing coefficient is not exact")
            entries = run["entries"]
            lo = min([0] + [e.valuation for e in entries if e.valuation != INF])
            k = lo - 1
            for j in range(lo, max_order + 1):
                coeffs = [e.coeff(j) for e in entries]
                if all(identically_zero(c) for c in coeffs):
                    k = j
                    continue
                tried, skipped = 0, []
                for info, make in witnesses():
                    try:
                        w = known(make, j)
                    except (ArithmeticError, ValueError) as exc:   # undefined there (f′ = 0, a pole)
                        skipped.append(f"{type(exc).__name__}: {exc}")
                        continue
                    tried += 1
                    wops = w["ops"]
                    if wops.branches or wops.floats or (wops.inverted and not wops.invertible_span()):
                        skipped.append("compared values, met a float, or took f⁻¹ where f is not monotone")
                        continue
                    for idx, e in enumerate(w["entries"]):
                        val = e.coeff(j)
                        if isinstance(val, Fraction) and val != 0:
                            cex = dict(info, order=j, entry=idx, coefficient=str(val), system="rational")
                            shown = str(val) if len(str(val)) <= 24 else f"{float(val):.6g} (an exact rational)"
                            if k >= 0:
                                text = (f"exact to order {k} in {parameter['text']}{where}: the coefficients of "
                                        + (f"{pw(lo)} … {pw(k)}" if k > lo else pw(k)) + " vanish identically; "
                                        f"{pw(j)}'s is {shown} at a rational point, f = {info.get('f')}")
                                kind = EXACT_TO_ORDER
                            else:
                                text = (f"departs at {pw(j)} in {parameter['text']}{where}: its coefficient is "
                                        f"{shown} at a rational point, f = {info.get('f')}")
                                kind = NOT_BP
                            return done(kind=kind, statement=text, counterexample=cex,
                                        order_kw=dict(k=k, departs_at=j))
                note = f"; {len(skipped)} points skipped ({skipped[0]})" if skipped else ""
                return done(kind=UNDECIDED, order_kw=dict(k=k, departs_at=None),
                            statement=f"the {pw(j)} coefficient in {parameter['text']}{where} did not expand to 0 and "
                                      f"no rational witness ({tried} points{note}) made it non-zero")
    except Timeout:
        return done(kind=UNDECIDED, statement=f"order in {parameter['text']}: timed out after {timeout} s",
                    order_kw=dict(k=None, departs_at=None))
    except (ArithmeticError, TypeError) as exc:   # the code cannot run in series (float(), a pole)
        return done(kind=UNDECIDED, statement=f"order in {parameter['text']}: {type(exc).__name__}: {exc}",
                    order_kw=dict(k=None, departs_at=None))
    if all(e.prec == INF and e.v + len(e.c) <= max_order + 1 for e in entries):
        # every entry is a finite Laurent polynomial in ε, all of whose coefficients vanish
        return done(kind=EXACT_TO_ORDER, order_kw=dict(k=max_order, departs_at=None, every=True),
                    statement=f"exact for every value of {parameter['text']}{where}: the difference is a "
                              f"Laurent polynomial in {sym} whose every coefficient vanishes identically")
    return done(kind=UNDECIDED, order_kw=dict(k=max_order, departs_at=None),
                statement=f"every coefficient up to {pw(max_order)} in {parameter['text']}{where} vanishes "
                          "identically; the departure was not looked for beyond")




#: "approximate" heads a card only when every layer's mean cosine to BP is at least this
APPROX_COSINE = 0.9


def judge_approximate(rule: str, measurement: dict) -> Judgement:
    """Measured closeness to BP (pcproof.check.align): reported as numbers, never proved.
    ``close`` (set here): every layer's mean cosine similarity ≥ :data:`APPROX_COSINE`."""
    cos = [c for c in measurement.get("cosine", []) if c is not None]
    close = bool(cos) and min(cos) >= APPROX_COSINE
    m = dict(measurement, close=close, threshold=APPROX_COSINE)
    head = (f"approximate: every layer's mean cosine to BP ≥ {APPROX_COSINE}" if close else
            f"measured, not close: a layer's mean cosine to BP is below {APPROX_COSINE}")
    return _judgement(rule=rule, kind=APPROXIMATE, measurement=m, statement=f"{head} (measured, not proved)")


def strongest(judgements: list) -> Judgement | None:
    """The strongest kind established among this kernel's judgements (JUDGEMENT_KINDS order);
    an order-k judgement counts only with k ≥ 1 (order 0 is what exact-under already says)."""
    if not all(isinstance(j, Judgement) and j._token is _TOKEN for j in judgements):
        raise PermissionError("judgements are issued by pcproof.kernel only")
    ok = [j for j in judgements if (j.kind != EXACT_TO_ORDER or (j.order or {}).get("k", -1) >= 1
                                    or not any(x.kind == EXACT_UNDER for x in judgements))
          and (j.kind != APPROXIMATE or j.measurement.get("close"))]
    ranked = sorted(ok, key=lambda j: JUDGEMENT_KINDS.index(j.kind))
    if not ranked:
        return None
    # undecided about the rule itself beats nothing but outranks no established kind
    plain_undecided = any(j.kind == UNDECIDED and not j.condition and not j.order for j in judgements)
    best = ranked[0]
    if plain_undecided and best.kind in (APPROXIMATE, NOT_BP):
        return next(j for j in judgements if j.kind == UNDECIDED and not j.condition and not j.order)
    return best
