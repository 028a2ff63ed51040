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

import os
import random
import time
from dataclasses import dataclass, field

from ..numbers.compare import DIFFERENT, EQUAL, UNDECIDED
from ..strategies import ACTIVATIONS, Case, Space, cases as case_strategy
from ..theorem import get as get_theorem
from .evaluate import SYSTEMS, Outcome, _comparator, evaluate, make_ops  # noqa: F401 (public here too)

MAX_DIGITS, MAX_JOBS = 100_000, 256   # bounds of --digits and --jobs (beyond them a typo, not a plan)


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


def _run(theorem: str, start: int, stop: int, digits: int, seed: int, system: str, space: Space, rule, tick=None):
    """Run cases ``start … stop-1``; stop at the first that differs (``tick()`` after each case).

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
        if tick is not None:
            tick()
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
    # a rule's matrices: drop row i where the rows are layer l's, column i where the columns are
    shapes = case.setting.matrices(case.arch)
    matrices = {n: {k: tuple(tuple(c for j, c in enumerate(row) if not (shapes[n][k][1] == l and j == i))
                             for r, row in enumerate(M) if not (shapes[n][k][0] == l and r == i))
                    for k, M in d.items()} for n, d in p.matrices.items()}
    params = Params(theta, b, drop(p.s_in) if l == L else p.s_in, drop(p.s_out) if l == 0 else p.s_out, extra,
                    matrices)
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
    from .. import progress
    bar = progress.bar(n_cases, f"fuzz {thm.name}", "case")
    if jobs > 1:
        import multiprocessing as mp
        # contiguous shares of the case indices; case i is the same however it is shared (more,
        # smaller shares when a progress bar is drawn, so that it moves)
        shares = jobs * 8 if progress.visible() else jobs
        cuts = [n_cases * k // shares for k in range(shares + 1)]
        global _SHARED
        _SHARED = (thm.name, digits, seed, system, space, rule)
        from ..model import get_activation
        for name in space.activations:  # compile f, f' once, before the fork, for every worker
            ops = make_ops(system, get_activation(name), digits)
            _comparator(ops, digits)
        with mp.get_context("fork").Pool(jobs) as pool:
            parts = []
            for part in pool.imap(_worker, list(zip(cuts, cuts[1:]))):  # in index order
                parts.append(part)
                bar.update(part[0].cases)
        rep, failing = FuzzReport(thm.name, system, digits, seed), None
        for part, index in parts:  # in index order: the first failure is the lowest index
            rep.merge(part)
            if failing is None and index is not None:
                failing = space.sample(case_rng(seed, index), thm, rule)  # the same case again
    else:
        rep, failing, _index = _run(thm.name, 0, n_cases, digits, seed, system, space, rule, bar.update)
    bar.close()
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
    from ..text import point_text, to_text  # the terminal's one printer of mathematics
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
        lines.append(f"    {v:10.3g}   {to_text(label)}")
    c = rep.failure
    if c:
        lines += [
            f"  {'minimal' if c['shrunk'] else 'failing (not shrunk)'} case: L = {c['depth']}, widths = {c['widths']} "
            f"({c['hidden_units']} hidden unit{'' if c['hidden_units'] == 1 else 's'}), "
            f"f = {c['activation']}" + (", biases" if c["bias"] else "")
            + f", γ = {c['gamma']}, α = {c['alpha']}, update offset = {c['update_offset']}, "
              f"noise = {c['init_noise']}, rule = {c['rule']}",
            f"  fails at    {to_text(c['equation'])}, entry {c['entry']} ({c['status']} in {c['system']})",
            f"              lhs = {c['lhs']}",
            f"              rhs = {c['rhs']}",
            f"  at          {point_text(c['point'])}",
        ]
    return "\n".join(lines)
