"""Fuzzing speed: cases per second at 50 digits, depth ≤ 6, widths ≤ 8 (issue 5, item 3).

Prints a table, median of several runs, for:

* ``mpmath loop``   — the plain way: each case's claim in MpmathOps, a fresh system per
                      case (f, f' compiled every time), compared entry by entry;
* ``arb, 1 process``  — ``pcproof fuzz --jobs 1`` (balls, cached systems, arb_mat products);
* ``arb, N processes`` — ``pcproof fuzz`` default (one process per core).

Both wall-clock and CPU rates are shown: the machine may be shared, and the wall
rate of a run is what ``pcproof fuzz`` reports.

Usage: python benchmarks/bench_fuzz.py [--cases 2000] [--runs 3] [--theorem thm-3.2]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

from pcproof.check.fuzz import case_rng, default_jobs, fuzz
from pcproof.numbers import MpmathOps
from pcproof.numbers.compare import compare_equations
from pcproof.strategies import Space
from pcproof.theorem import get


def mpmath_loop(theorem: str, n: int, digits: int, seed: int) -> None:
    thm, space = get(theorem), Space()
    for i in range(n):
        case = space.sample(case_rng(seed, i), thm)
        ops = MpmathOps(case.arch.activation, digits)
        compare_equations(ops, thm.claim(case.instance(ops)))


def measure(fn, n: int) -> tuple[float, float]:
    """(wall cases/s, CPU cases/s of this process and its children)."""
    t0, c0 = time.perf_counter(), os.times()
    fn()
    t1, c1 = time.perf_counter(), os.times()
    cpu = (c1.user - c0.user) + (c1.system - c0.system) + (c1.children_user - c0.children_user) \
        + (c1.children_system - c0.children_system)
    return n / (t1 - t0), n / cpu if cpu else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--mp-cases", type=int, default=300, help="cases for the (slow) mpmath loop")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--digits", type=int, default=50)
    ap.add_argument("--theorem", default="thm-3.2")
    args = ap.parse_args()
    jobs = default_jobs(args.cases)
    rows = [
        ("mpmath loop", args.mp_cases, lambda s: mpmath_loop(args.theorem, args.mp_cases, args.digits, s)),
        ("arb, 1 process", args.cases,
         lambda s: _check(fuzz(args.theorem, args.cases, args.digits, seed=s, jobs=1))),
        (f"arb, {jobs} processes", args.cases,
         lambda s: _check(fuzz(args.theorem, args.cases, args.digits, seed=s, jobs=jobs))),
    ]
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    print(f"{args.theorem}, {args.digits} digits, depth ≤ 6, widths ≤ 8, all activations; "
          f"median of {args.runs} runs (seeds 1…{args.runs}); {os.cpu_count()} cores, load average {load:.2f}")
    print(f"{'system':<18}{'cases':>7}{'wall cases/s':>15}{'CPU cases/s':>14}")
    for name, n, fn in rows:
        walls, cpus = zip(*(measure(lambda: fn(seed), n) for seed in range(1, args.runs + 1)))
        print(f"{name:<18}{n:>7}{statistics.median(walls):>15.0f}{statistics.median(cpus):>14.0f}")


def _check(rep):
    d = rep.to_dict()
    if d["status"] != "passed" or d["max_difference"] > 1e-40:
        raise SystemExit(f"fuzz did not pass: {d['status']}, max difference {d['max_difference']}")


if __name__ == "__main__":
    main()
