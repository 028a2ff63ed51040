"""The trusted kernel: the only module that issues verdicts (DESIGN.md, after
knuckledragger).  Everything else builds claims and asks here.

* ``proved``  — every component of every claimed equation has a symbolic
  difference that is identically zero (``decide_identities``), or z3 answered
  unsat for the negation of the claim (the all-depth prover, through
  ``from_smt``).
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
from typing import Any, Callable, Iterable

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
        raise Timeout()

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _components(v) -> Iterable[tuple[str, Any]]:
    """(index text, scalar) for a vector or a matrix."""
    for i, row in enumerate(v):
        if isinstance(row, tuple):
            for j, c in enumerate(row):
                yield f"[{i}][{j}]", c
        else:
            yield f"[{i}]", row


def _nested_str(v, fmt) -> list:
    return [_nested_str(r, fmt) if isinstance(r, tuple) else fmt(r) for r in v]


def decide_identities(meta: dict, symbolic: Callable[[], tuple[Any, list]],
                      numeric: Callable[[int], tuple[dict, Any, list]],
                      timeout: float | None = None, tries: int = 5) -> Verdict:
    """Prove that every equation ``symbolic()`` returns holds identically, or refute it.

    ``symbolic()`` gives (symbolic ops, equations); ``numeric(seed)`` gives (point,
    ops with ``.digits``, the same equations at that point).  Proved iff each
    component's difference, expanded by the symbolic system, is the zero expression."""
    start = time.perf_counter()
    done = lambda **kw: _verdict(seconds=round(time.perf_counter() - start, 4), **meta, **kw)
    method = "sympy: difference expanded to 0 (sums shared as hash-consed atoms)"
    try:
        with time_limit(timeout):
            ops, equations = symbolic()
            nonzero, checked = [], 0
            for k, eq in enumerate(equations):
                lhs, rhs = list(_components(eq.lhs)), list(_components(eq.rhs))
                if [i for i, _ in lhs] != [i for i, _ in rhs]:
                    raise ValueError(f"the two sides of {eq.label} differ in shape")
                for (idx, a), (_, b) in zip(lhs, rhs):
                    checked += 1
                    if ops.tidy(a - b) != 0:
                        nonzero.append((k, idx))
            if not nonzero:
                return done(verdict=PROVED, method=method, checked=checked)
            cex = _search_counterexample(numeric, tries)
    except Timeout:
        return done(verdict=UNKNOWN, method=method, note=f"timed out after {timeout} s")
    if cex is None:
        return done(verdict=UNKNOWN, method=method, checked=checked,
                    note=f"symbolic difference not shown to be 0 at {len(nonzero)} entries, "
                         f"but no numeric counterexample found in {tries} points")
    return done(verdict=REFUTED, method=method + "; counterexample re-checked in mpmath",
                checked=checked, counterexample=cex)


def _search_counterexample(numeric, tries: int) -> dict | None:
    for seed in range(tries):
        point, ops, equations = numeric(seed)
        digits = ops.digits
        ctx = ops.ctx
        tol = ctx.mpf(10) ** (-(digits - 10))
        for eq in equations:
            for (idx, a), (_, b) in zip(_components(eq.lhs), _components(eq.rhs)):
                diff = abs(a - b)
                if diff > tol * (1 + abs(a) + abs(b)):
                    fmt = lambda c: ctx.nstr(c, 20)
                    return {
                        "equation": eq.label, "entry": idx,
                        "lhs": fmt(a), "rhs": fmt(b), "difference": ctx.nstr(diff, 5),
                        "lhs_value": _nested_str(eq.lhs, fmt), "rhs_value": _nested_str(eq.rhs, fmt),
                        "digits": digits, "seed": seed, "point": point,
                    }
    return None
