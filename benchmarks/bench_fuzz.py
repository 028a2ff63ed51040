"""Fuzzing speed: cases per second at 50 digits, depth ≤ 6, widths ≤ 8 (issue 5, item 3).

Prints a table, median of several runs, for:

* ``mpmath loop``   — the plain way: each case's claim in MpmathOps, a fresh system per
                      case (f, f' compiled every time), compared entry by entry;
* ``arb, 1 process``  — ``pcproof fuzz --jobs 1`` (balls, cached systems, arb_mat products);
* ``arb, N processes`` — ``pcproof fuzz`` default (one process per core);

then the honest figure (issue 12, item 4): the whole command ``pcproof fuzz --jobs J --json``
run as a new process, timed from outside (start-up, imports, pool set-up and the case loop),
beside the two rates the command reports itself (its case loop, and its own end-to-end
from process start).  ``--e2e-cases`` sets its case counts (default 2000 and 10000: the
start-up weighs less the more cases share it).

Both wall-clock and CPU rates are shown: the machine may be shared, and the wall
rate of a run is what ``pcproof fuzz`` reports.

Usage: python benchmarks/bench_fuzz.py [--cases 2000] [--runs 3] [--theorem thm-3.2] [--e2e-only]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
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


def whole_command(theorem: str, n: int, digits: int, seed: int, jobs: int) -> tuple[float, float, float, float]:
    """``pcproof fuzz`` as a new process: (wall cases/s measured outside, CPU cases/s of it and its
    children, the case-loop rate it reports, the end-to-end rate it reports)."""
    exe = shutil.which("pcproof")
    argv = [exe] if exe else [sys.executable, "-m", "pcproof"]
    argv += ["fuzz", theorem, "--cases", str(n), "--digits", str(digits), "--seed", str(seed), "--jobs", str(jobs),
             "--json"]
    c0, t0 = os.times(), time.perf_counter()
    p = subprocess.run(argv, capture_output=True, text=True)
    t1, c1 = time.perf_counter(), os.times()
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {p.returncode}: {p.stderr.strip()[:300]}")
    d = json.loads(p.stdout)
    _check_dict(d)
    cpu = (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)
    return n / (t1 - t0), n / cpu if cpu else float("nan"), d["cases_per_second"], d["end_to_end_cases_per_second"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--mp-cases", type=int, default=300, help="cases for the (slow) mpmath loop")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--digits", type=int, default=50)
    ap.add_argument("--theorem", default="thm-3.2")
    ap.add_argument("--jobs", type=int, default=2, help="processes of the whole-command rows")
    ap.add_argument("--e2e-cases", default="2000,10000", help="case counts of the whole-command rows")
    ap.add_argument("--e2e-only", action="store_true", help="only the whole-command rows")
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
    if not args.e2e_only:
        print(f"{'system':<18}{'cases':>7}{'wall cases/s':>15}{'CPU cases/s':>14}")
        for name, n, fn in rows:
            walls, cpus = zip(*(measure(lambda: fn(seed), n) for seed in range(1, args.runs + 1)))
            print(f"{name:<18}{n:>7}{statistics.median(walls):>15.0f}{statistics.median(cpus):>14.0f}")
        print()
    print(f"whole command: pcproof fuzz {args.theorem} --digits {args.digits} --jobs {args.jobs} --json "
          f"(a new process each run; median of {args.runs})")
    print(f"{'cases':>7}{'end to end, wall':>18}{'CPU cases/s':>13}{'reported: loop':>16}{'reported: end to end':>22}")
    for n in (int(v) for v in args.e2e_cases.split(",")):
        got = [whole_command(args.theorem, n, args.digits, seed, args.jobs) for seed in range(1, args.runs + 1)]
        wall, cpu, loop, e2e = (statistics.median(col) for col in zip(*got))
        print(f"{n:>7}{wall:>18.0f}{cpu:>13.0f}{loop:>16.0f}{e2e:>22.0f}")
    print("target (issue 12): ≥ 3000 cases/s end to end at 50 digits with 2 processes")


def _check(rep):
    _check_dict(rep.to_dict())


def _check_dict(d):
    if d["status"] != "passed" or d["max_difference"] > 1e-40:
        raise SystemExit(f"fuzz did not pass: {d['status']}, max difference {d['max_difference']}")


if __name__ == "__main__":
    main()
