"""Run one catalog entry through one prover and name the outcome.

Outcomes: a verdict (``proved`` / ``refuted`` / ``unknown``), a fuzz status
(``passed`` / ``failed`` / ``undecided``), ``user-error`` (an exception that is a
``ValueError`` subclass defined by pcproof: the documented user error, exit 2 on the
command line), or ``crash: <type>: <message>`` for anything else (an internal error
is never an allowed outcome).
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from pcproof.check.concrete import prove
from pcproof.check.fuzz import fuzz
from pcproof.check.induction import prove_all_depths
from pcproof.model import Architecture, get_activation
from pcproof.strategies import ACTIVATIONS, Space
from pcproof.theorem import Setting, get

from .entries import RAGGED, USER_ERROR, Entry

#: fuzz budget per entry: small, one process (the whole catalog must stay fast)
FUZZ_CASES = 200
FUZZ_SEED = 9
FUZZ_SPACE = dict(max_depth=6, max_width=3)
#: the all-depth prover's own budget; its timeout answers unknown, which it may always answer
ALL_DEPTHS_TIMEOUT = 30


@dataclass
class Result:
    entry: Entry
    prover: str
    outcome: str
    allowed: frozenset
    seconds: float
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome in self.allowed


def classify(exc: BaseException) -> str:
    """``user-error`` for pcproof's documented user errors, else a crash description."""
    t = type(exc)
    if isinstance(exc, ValueError) and t.__module__.split(".")[0] == "pcproof" and str(exc).strip():
        return USER_ERROR
    return f"crash: {t.__name__}: {str(exc).splitlines()[0][:100] if str(exc) else ''}"


def setting(entry: Entry) -> Setting:
    return Setting(rule=entry.rule, gamma=entry.gamma)


def _concrete(entry: Entry, widths):
    v = prove(get(entry.theorem), Architecture(tuple(widths), get_activation(entry.activation), entry.bias),
              setting(entry))
    return v.verdict, v.note or v.method


def _all_depths(entry: Entry):
    v = prove_all_depths(get(entry.theorem), setting(entry), activation=get_activation(entry.activation),
                         bias=entry.bias, timeout=ALL_DEPTHS_TIMEOUT)
    return v.verdict, v.note or v.method


def _fuzz(entry: Entry):
    acts = ACTIVATIONS if entry.activation == "uninterpreted" else (entry.activation,)
    space = Space(activations=acts, bias=entry.bias, **FUZZ_SPACE)
    rep = fuzz(entry.theorem, n_cases=FUZZ_CASES, rule=entry.rule, seed=FUZZ_SEED, jobs=1, space=space,
               system=entry.fuzz_system, shrink_examples=1)  # the status is what is judged: no shrinking
    c = rep.failure
    note = f"{rep.counts}" + (f"; fails at L={c['depth']} widths={c['widths']} f={c['activation']}" if c else "")
    return rep.status, note


def run(entry: Entry, prover: str) -> Result:
    """``prover``: ``ragged`` / ``deep`` (the concrete prover), ``all-depths`` or ``fuzz``."""
    start = time.perf_counter()
    limit = sys.getrecursionlimit()
    try:
        if prover == "ragged":
            outcome, note = _concrete(entry, RAGGED)
        elif prover == "deep":
            outcome, note = _concrete(entry, entry.deep_widths)
        elif prover == "all-depths":
            outcome, note = _all_depths(entry)
        elif prover == "fuzz":
            outcome, note = _fuzz(entry)
        else:
            raise ValueError(f"unknown prover {prover!r}")
    except Exception as exc:  # noqa: BLE001 — every exception is an outcome to judge
        outcome, note = classify(exc), ""
    finally:
        sys.setrecursionlimit(limit)   # a crashed deep run must not leave a huge limit behind
    return Result(entry, prover, outcome, entry.allowed(prover), time.perf_counter() - start, note)
