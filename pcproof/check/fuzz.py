"""Property fuzzing: a theorem's own claim, evaluated at many random networks in a
numeric system (``pcproof fuzz``).

Each case is drawn from :mod:`pcproof.strategies` (an architecture, a point of
small exact rationals and the conditions), turned into an
:class:`~pcproof.theorem.Instance` in a number system — arb balls by default,
or mpmath, or exact rationals — and the theorem's ``claim`` is evaluated there by
the same rule code the symbolic prover runs.  Equality is decided by
:mod:`pcproof.numbers.compare`.  On the first case that differs, hypothesis
searches the same strategies (narrowed to at most that case's size) and shrinks to
a minimal failing network; units it could not remove are then deleted one by one.

Speed: cases are drawn by the seeded sampler of the same :class:`Space` (hypothesis'
own generation costs more than evaluating a case), number systems are built once
per activation, and balls are python-flint's C arithmetic; ``--jobs`` splits the
cases over processes.  ``benchmarks/bench_fuzz.py`` measures it.

Exit codes: 0 every case equal, 1 a case differs (the minimal case is printed),
3 no case differs but some were undecided (ball too wide), 2 bad input.
"""
from __future__ import annotations

import json
import os
import random
import time
from dataclasses import dataclass, field
from functools import lru_cache

import click

from ..cli import EXIT_CODES_HELP
from ..numbers import NotExact
from ..rules.base import running_rule
from ..numbers.compare import DIFFERENT, EQUAL, UNDECIDED, Comparison, compare_equations, comparator
from ..strategies import ACTIVATIONS, Case, Space, cases as case_strategy
from ..theorem import get as get_theorem

SYSTEMS = ("arb", "mpmath", "rational", "auto")
MAX_DIGITS, MAX_JOBS = 100_000, 256   # bounds of --digits and --jobs (beyond them a typo, not a plan)


@lru_cache(maxsize=64)
def make_ops(system: str, activation, digits: int):
    """The number system ``system`` for an activation (cached: a system holds nothing
    but memos, and compiling f, f' costs more than a case).

    ``auto`` is exact rationals for a polynomial activation and arb balls otherwise."""
    if system == "auto":
        system = "rational" if activation.concrete().is_polynomial else "arb"
    if system == "arb":
        from ..numbers.arb import ArbOps
        return ArbOps(activation, digits)
    if system == "mpmath":
        from ..numbers import MpmathOps
        return MpmathOps(activation, digits)
    if system == "rational":
        from ..numbers import RationalOps
        return RationalOps(activation)
    raise ValueError(f"unknown number system {system!r} (choose from {', '.join(SYSTEMS)})")


@lru_cache(maxsize=64)
def _comparator(ops, digits):
    return comparator(ops, digits)


@dataclass
class Outcome:
    """A theorem's claim at one case, compared in one number system."""

    case: Case
    system: str
    digits: int
    comparison: Comparison
    working_digits: int | None = None   # digits actually computed with (balls may escalate)

    @property
    def status(self) -> str:
        return self.comparison.status

    @property
    def holds(self) -> bool:
        return self.status == EQUAL

    def assert_holds(self):
        """Raise AssertionError (for pytest) unless every equation is equal."""
        if not self.holds:
            bad = self.comparison.failure
            raise AssertionError(
                f"{self.case.theorem} {self.status} in {self.system}: {bad.label} at entry {bad.entry}: "
                f"lhs = {bad.lhs}, rhs = {bad.rhs} (difference {bad.difference:.3g}); {self.case!r}")


def evaluate(case: Case, system: str = "auto", digits: int = 50, theorem=None, escalate: int = 4) -> Outcome:
    """Evaluate ``case``'s theorem (its own ``claim``) in a numeric system and compare the sides.

    In ball arithmetic an *undecided* comparison (a ball containing 0 but wider than
    10^-(digits−10): intermediate values much larger than the result, as a polynomial
    activation gives at depth) is recomputed with twice the working digits, up to
    ``escalate`` times; the verdict is still judged at ``digits``."""
    thm = theorem or get_theorem(case.theorem)
    work = digits
    while True:
        ops = make_ops(system, case.arch.activation, work)
        try:
            with running_rule():
                equations = thm.claim(case.instance(ops))
        except NotExact:
            if system != "auto" or ops.system != "rational":
                raise
            # a float in the rule's code: exact rationals cannot hold it, balls take its exact value
            system = "arb"
            continue
        result = compare_equations(ops, equations, _comparator(ops, digits))
        if result.status != UNDECIDED or ops.system != "arb" or escalate <= 0:
            return Outcome(case, ops.system, digits, result, work)
        work, escalate = 2 * work, escalate - 1


@dataclass
class FuzzReport:
    theorem: str
    system: str
    digits: int
    seed: int
    cases: int = 0
    counts: dict = field(default_factory=lambda: {EQUAL: 0, UNDECIDED: 0, DIFFERENT: 0})
    max_difference: dict = field(default_factory=dict)   # equation label → largest difference
    seconds: float = 0.0
    escalated: int = 0      # cases recomputed with more working digits (balls too wide at `digits`)
    per_case: list = field(default_factory=list)          # each case's largest difference
    failure: dict | None = None
    jobs: int = 1
    end_to_end_seconds: float | None = None   # from process start to the last case (the CLI measures it)

    @property
    def status(self) -> str:
        if self.counts[DIFFERENT]:
            return "failed"
        return "undecided" if self.counts[UNDECIDED] else "passed"

    @property
    def exit_code(self) -> int:
        return {"passed": 0, "failed": 1, "undecided": 3}[self.status]

    def merge(self, other: "FuzzReport"):
        self.cases += other.cases
        for k, v in other.counts.items():
            self.counts[k] += v
        self.escalated += other.escalated
        self.per_case += other.per_case
        for k, v in other.max_difference.items():
            self.max_difference[k] = max(v, self.max_difference.get(k, 0.0))
        self.failure = self.failure or other.failure

    def to_dict(self) -> dict:
        overall = max(self.max_difference.values(), default=0.0)
        ranked = sorted(self.per_case)
        q = lambda p: ranked[min(len(ranked) - 1, int(p * len(ranked)))] if ranked else None  # noqa: E731
        return dict(theorem=self.theorem, status=self.status, system=self.system, digits=self.digits,
                    seed=self.seed, cases=self.cases, counts=dict(self.counts), escalated=self.escalated,
                    max_difference=overall,
                    per_case_difference={"median": q(0.5), "p90": q(0.9), "p99": q(0.99), "max": q(1.0)},
                    max_difference_by_equation=dict(sorted(self.max_difference.items())),
                    seconds=round(self.seconds, 4), jobs=self.jobs,
                    cases_per_second=round(self.cases / self.seconds, 1) if self.seconds else None,
                    end_to_end_seconds=None if self.end_to_end_seconds is None else round(self.end_to_end_seconds, 4),
                    end_to_end_cases_per_second=round(self.cases / self.end_to_end_seconds, 1)
                    if self.end_to_end_seconds else None,
                    counterexample=self.failure)


def case_rng(seed: int, index: int) -> random.Random:
    """The generator of case ``index`` of a run with ``seed``: each case has its own, so a
    run draws the same cases however many processes share it."""
    return random.Random((seed << 32) | index)


def _run(theorem: str, start: int, stop: int, digits: int, seed: int, system: str, space: Space, rule):
    """Run cases ``start … stop-1``; stop at the first that differs.

    Returns (report, failing case or None, its index)."""
    thm = get_theorem(theorem)
    rep = FuzzReport(thm.name, system, digits, seed)
    counts, biggest = rep.counts, rep.max_difference
    for index in range(start, stop):
        case = space.sample(case_rng(seed, index), thm, rule)
        out = evaluate(case, system, digits, thm)
        rep.cases += 1
        counts[out.status] += 1
        if out.working_digits and out.working_digits > digits:
            rep.escalated += 1
        largest = 0.0
        for e in out.comparison.equations:
            if e.difference > biggest.get(e.label, -1.0):
                biggest[e.label] = e.difference
            largest = max(largest, e.difference)
        rep.per_case.append(largest)
        if out.status == DIFFERENT:
            return rep, case, index
    return rep, None, None


_SHARED: tuple = ()  # what every forked worker needs (set before the fork: a user's rule need not pickle)


def _worker(share):
    theorem, digits, seed, system, space, rule = _SHARED
    try:
        rep, _case, index = _run(theorem, share[0], share[1], digits, seed, system, space, rule)
    except Exception as exc:
        # the traceback stays in this process: say here whether the user's rule raised
        from ..userfile import UserError, user_error_message
        msg = user_error_message(exc)
        if msg is None:
            raise
        raise UserError(msg) from None
    return rep, index


def default_jobs(n_cases: int) -> int:
    """Processes for ``--jobs 0``: every available core, once there are enough cases to share."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, n_cases // 200))


def shrink(case: Case, system: str = "auto", digits: int = 50, rule=None, max_examples: int = 2000,
           seed: int = 0) -> tuple[Case, bool]:
    """A minimal case that still differs, found and shrunk by hypothesis.

    Units the failure does not need are deleted first (cheap, and it makes hypothesis'
    search space small); then hypothesis searches the strategies narrowed to at most
    that case's depth and widths, its activation or a simpler one, and biases only if it
    had them, so what it finds is no larger; then units are deleted again.  Returns
    (case, True), or (the unit-deleted case, False) if hypothesis found no failure."""
    from hypothesis import HealthCheck, find, settings
    from hypothesis.errors import NoSuchExample

    def differs(c):
        return evaluate(c, system, digits).status == DIFFERENT

    case = delete_units(case, differs)
    arch, name = case.arch, case.arch.activation.name
    # simpler activations (earlier in ACTIVATIONS) and dropping biases stay allowed
    names = ACTIVATIONS[:ACTIVATIONS.index(name) + 1] if name in ACTIVATIONS else (name,)
    space = Space(max_depth=arch.L, max_width=max(arch.widths), activations=names,
                  bias=None if arch.bias else False)
    strategy = case_strategy(case.theorem, rule=rule or case.setting.rule, space=space)
    try:
        found = find(strategy, differs, random=random.Random(seed),
                     settings=settings(max_examples=max_examples, database=None, deadline=None,
                                       suppress_health_check=list(HealthCheck)))
    except NoSuchExample:
        return delete_units(case, differs), False
    return delete_units(found, differs), True


def without_unit(case: Case, l: int, i: int) -> Case:
    """The same case with unit i of layer l removed (its row of θ^{l+1}, its column of
    θ^l, its bias, its η and its entry of the training pair), every other number kept."""
    from dataclasses import replace

    from ..model import Architecture, Params
    p, L = case.params, case.arch.L
    drop = lambda v: tuple(c for k, c in enumerate(v) if k != i)  # noqa: E731
    theta = dict(p.theta)
    if l < L:
        theta[l + 1] = drop(theta[l + 1])                          # rows of θ^{l+1}: units of layer l
    if l > 0:
        theta[l] = tuple(drop(row) for row in theta[l])            # columns of θ^l: units of layer l
    b = None if p.b is None else {k: drop(v) if k == l else v for k, v in p.b.items()}
    extra = {n: {k: drop(v) if k == l else v for k, v in d.items()} for n, d in p.extra.items()}
    params = Params(theta, b, drop(p.s_in) if l == L else p.s_in, drop(p.s_out) if l == 0 else p.s_out, extra)
    widths = tuple(n - (k == l) for k, n in enumerate(case.arch.widths))
    return replace(case, arch=Architecture(widths, case.arch.activation, case.arch.bias), params=params)


def delete_units(case: Case, differs) -> Case:
    """Remove units one at a time while the case still differs (after hypothesis' shrink,
    which cuts layers from the end and can leave a needed weight at a high index)."""
    changed = True
    while changed:
        changed = False
        for l, n in enumerate(case.arch.widths):
            for i in reversed(range(n)):
                if case.arch.widths[l] > 1:
                    candidate = without_unit(case, l, i)
                    if differs(candidate):
                        case, changed = candidate, True
    return case


def fuzz(theorem: str, n_cases: int = 1000, digits: int = 50, seed: int | None = None, system: str = "arb",
         space: Space | None = None, rule=None, jobs: int = 0, shrink_examples: int = 2000,
         started: float | None = None) -> FuzzReport:
    """Fuzz ``theorem`` on ``n_cases`` random cases; shrink the first failure with hypothesis.

    ``jobs`` processes share the cases (0: one per available core when there are at
    least 200 cases each).  Case i is drawn from :func:`case_rng` (seed, i), so a seed
    names the same cases for any number of processes.  ``started``, a ``time.perf_counter()``
    reading (the command's process start), gives the end-to-end rate beside the case loop's."""
    thm = get_theorem(theorem)
    space = space or Space()
    seed = random.SystemRandom().randrange(2**32) if seed is None else seed
    jobs = default_jobs(n_cases) if jobs == 0 else min(jobs, n_cases)
    start = time.perf_counter()
    if jobs > 1:
        import multiprocessing as mp
        # contiguous shares of the case indices; case i is the same however it is shared
        cuts = [n_cases * k // jobs for k in range(jobs + 1)]
        global _SHARED
        _SHARED = (thm.name, digits, seed, system, space, rule)
        from ..model import get_activation
        for name in space.activations:  # compile f, f' once, before the fork, for every worker
            ops = make_ops(system, get_activation(name), digits)
            _comparator(ops, digits)
        with mp.get_context("fork").Pool(jobs) as pool:
            parts = pool.map(_worker, list(zip(cuts, cuts[1:])))
        rep, failing = FuzzReport(thm.name, system, digits, seed), None
        for part, index in parts:  # in index order: the first failure is the lowest index
            rep.merge(part)
            if failing is None and index is not None:
                failing = space.sample(case_rng(seed, index), thm, rule)  # the same case again
    else:
        rep, failing, _index = _run(thm.name, 0, n_cases, digits, seed, system, space, rule)
    rep.jobs = jobs
    rep.seconds = time.perf_counter() - start
    if started is not None:
        rep.end_to_end_seconds = time.perf_counter() - started
    if failing is not None:
        minimal, shrunk = shrink(failing, system, digits, rule, shrink_examples, seed)
        out = evaluate(minimal, system, digits)
        bad = out.comparison.failure
        rep.failure = dict(minimal.to_dict(), shrunk=shrunk, hidden_units=minimal.hidden_units,
                           equation=bad.label, entry=bad.entry, lhs=bad.lhs, rhs=bad.rhs,
                           difference=bad.difference, status=bad.status, system=out.system,
                           original=failing.to_dict())
    return rep


def render(rep: FuzzReport) -> str:
    d = rep.to_dict()
    lines = [
        f"{rep.theorem}: {rep.status.upper()}  ({rep.cases} cases in {rep.system} at {rep.digits} digits, seed {rep.seed})",
        f"  cases       {rep.counts[EQUAL]} equal, {rep.counts[UNDECIDED]} undecided, {rep.counts[DIFFERENT]} different"
        + (f" ({rep.escalated} recomputed with more working digits)" if rep.escalated else ""),
        f"  speed       {d['cases_per_second']} cases/s in the case loop ({d['seconds']} s, {rep.jobs} "
        f"process{'es' if rep.jobs > 1 else ''}, pool set-up included)",
    ] + ([
        f"  end to end  {d['end_to_end_cases_per_second']} cases/s ({d['end_to_end_seconds']} s from process "
        f"start to the last case: start-up, imports and pool included)"] if rep.end_to_end_seconds else []) + [
        "  per case    largest difference: median {median:.3g}, 90 % {p90:.3g}, 99 % {p99:.3g}, max {max:.3g}".format(
            **d["per_case_difference"]) if rep.per_case else "  per case    —",
        f"  largest difference |lhs − rhs| / max(1, |lhs|, |rhs|), per equation:",
    ]
    for label, v in d["max_difference_by_equation"].items():
        lines.append(f"    {v:10.3g}   {label}")
    c = rep.failure
    if c:
        lines += [
            f"  {'minimal' if c['shrunk'] else 'failing (not shrunk)'} case: L = {c['depth']}, widths = {c['widths']} "
            f"({c['hidden_units']} hidden unit{'' if c['hidden_units'] == 1 else 's'}), "
            f"f = {c['activation']}" + (", biases" if c["bias"] else "")
            + f", γ = {c['gamma']}, α = {c['alpha']}, update offset = {c['update_offset']}, "
              f"noise = {c['init_noise']}, rule = {c['rule']}",
            f"  fails at    {c['equation']}, entry {c['entry']} ({c['status']} in {c['system']})",
            f"              lhs = {c['lhs']}",
            f"              rhs = {c['rhs']}",
            "  at          " + ", ".join(f"{k}={v}" for k, v in c["point"].items()),
        ]
    return "\n".join(lines)


@click.command("fuzz", epilog=EXIT_CODES_HELP)
@click.argument("theorem")
@click.option("--cases", "n_cases", type=int, default=1000, show_default=True, help="Number of random cases.")
@click.option("--digits", type=int, default=50, show_default=True, help="Working precision (decimal digits).")
@click.option("--seed", type=int, default=None, help="Seed of the case generator (default: random, and printed).")
@click.option("--system", type=click.Choice(SYSTEMS), default="arb", show_default=True,
              help="Number system: arb balls (rigorous), mpmath, exact rationals (polynomial f), "
                   "or auto (rationals for polynomial f, else arb).")
@click.option("--max-depth", type=int, default=6, show_default=True, help="Largest depth L drawn.")
@click.option("--max-width", type=int, default=None, help="Largest layer width drawn (default 8; graphs 3).")
@click.option("--max-vertices", type=int, default=12, show_default=True, help="Graph theorems: most vertices drawn.")
@click.option("--unlevelled", is_flag=True, help="Graph theorems: draw DAGs as built, without levelling them.")
@click.option("--shared-updates", type=click.Choice(["immediate", "deferred"]), default=None,
              help="Graph theorems: draw DAGs with shared parameters too, updated at once or after the run.")
@click.option("--activation", "-f", "activation_names", multiple=True,
              help=f"Activation(s) to draw from (repeat the option). Default: {', '.join(ACTIVATIONS)}.")
@click.option("--bias/--no-bias", default=None, help="Only networks with (without) biases. Default: both.")
@click.option("--rule", "rule_spec", default=None, help="Fuzz your own PC rule, FILE.py:NAME, instead of Z-IL.")
@click.option("--jobs", "-j", type=int, default=0, show_default=True,
              help="Processes to split the cases over (0: every available core, for ≥ 200 cases each).")
@click.option("--load", "load_files", multiple=True, type=click.Path(dir_okay=False),
              help="A Python file that registers your own theorems (pcproof.theorem.register); repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def command(theorem, n_cases, digits, seed, system, max_depth, max_width, max_vertices, unlevelled,
            shared_updates, activation_names, bias, rule_spec, jobs, load_files, as_json):
    """Check THEOREM's claim numerically on random networks; shrink a failure to a minimal network."""
    from ..cli import UserError, get_activation, get_theorem, load_rule, process_started
    started = process_started()
    from ..userfile import load
    for file in load_files:
        load(file, "--load")
    thm = get_theorem(theorem)
    if n_cases < 1:
        raise UserError(f"--cases must be at least 1, got {n_cases}")
    if not 15 <= digits <= MAX_DIGITS:
        raise UserError(f"--digits must be between 15 (equality is judged at digits − 10) and {MAX_DIGITS}, "
                        f"got {digits}")
    if not 0 <= jobs <= MAX_JOBS:
        raise UserError(f"--jobs must be 0 (automatic) up to {MAX_JOBS}, got {jobs}")
    if thm.graph:   # random DAGs (pcproof.strategies_graph), in balls
        given = [o for o, v in (("--rule", rule_spec), ("--bias/--no-bias", bias), ("--jobs", jobs or None),
                                ("--system " + system, None if system in ("arb", "auto") else system)) if v is not None]
        if given:
            raise UserError(f"{' and '.join(given)} do not apply to {thm.name} (random DAGs are checked by Z-IL "
                            "in arb balls, in one process)")
        return _graph_command(thm, n_cases, digits, seed, max_width, max_vertices, unlevelled, activation_names,
                              as_json, shared_updates)
    if shared_updates or unlevelled:
        raise UserError(f"--shared-updates and --unlevelled apply to graph theorems, not to {thm.name}")
    max_width = 8 if max_width is None else max_width
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
    rep = fuzz(theorem, n_cases, digits, seed, system, space, load_rule(rule_spec), jobs, started=started)
    click.echo(json.dumps(rep.to_dict(), indent=2) if as_json else render(rep))
    return rep.exit_code


def _graph_command(thm, n_cases, digits, seed, max_width, max_vertices, unlevelled, activation_names, as_json,
                   shared_updates=None):
    """``pcproof fuzz graph-…``: random DAGs up to ``max_vertices`` (levelled unless asked not
    to) in arb balls; the first that differs is shrunk to the fewest vertices."""
    from ..cli import UserError
    from ..model.graph import GraphError
    from ..strategies_graph import GRAPH_ACTIVATIONS, GraphSpace
    from .graphs import fuzz_graphs
    try:
        space = GraphSpace(max_vertices=max_vertices, max_width=3 if max_width is None else max_width,
                           activations=tuple(activation_names) or GRAPH_ACTIVATIONS, levelled=not unlevelled,
                           shared=shared_updates is not None)
    except GraphError as exc:
        raise UserError(str(exc)) from None
    seed = random.SystemRandom().randrange(2**32) if seed is None else seed
    from ..theorem import Setting
    setting = Setting(shared_updates=shared_updates) if shared_updates else None
    rep = fuzz_graphs(thm.name, n_cases, digits, seed, space, setting)
    status = "failed" if rep["counts"]["different"] else "undecided" if rep["counts"]["undecided"] else "passed"
    rep["status"] = status
    if as_json:
        click.echo(json.dumps(rep, indent=2))
    else:
        c = rep["counts"]
        shared = f", shared parameters updated {shared_updates}" if shared_updates else ""
        click.echo(f"{thm.name}: {status.upper()} on {rep['cases']} random {'levelled ' if space.levelled else ''}"
                   f"DAGs (≤ {max_vertices} vertices{shared}), arb at {digits} digits, seed {seed}\n"
                   f"  equal {c['equal']}, different {c['different']}, undecided {c['undecided']}; "
                   f"{rep['cases_per_second']} cases/s")
        if rep["failure"]:
            f = rep["failure"]
            click.echo(f"  smallest failing graph: {f['shown']}\n  at {f['point']}")
    return {"passed": 0, "failed": 1, "undecided": 3}[status]
