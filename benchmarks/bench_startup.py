"""Start-up: whole commands that should feel instant (issue 12, item 3).

Each command runs as a new process ``--runs`` times (after one warm-up run that fills the
OS file cache); the table prints the median wall and CPU seconds (user + system of the
child), the figure issue 12 quotes for the previous release (measured the same way on the quiet
machine) and the target, and which heavy modules the command imported (``-X importtime``
of one more run), so a row that misses its target says why.  Floors for comparison: the
bare interpreter, and ``import sympy`` alone.

``--compare-with DIR`` also runs each command from another checkout (``python -m pcproof`` with
``PYTHONPATH=DIR``, e.g. a clone of the previous commit), turn about with this one, so both
columns share the machine's load: the *before* column.

Usage: python benchmarks/bench_startup.py [--runs 7] [--compare-with /tmp/previous-checkout]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

HEAVY = ("sympy", "numpy", "symengine", "z3", "hypothesis", "mpmath", "flint", "click")

#: (label, argv after the program, previous release's wall s, target wall s)
COMMANDS = [
    ("pcproof --version", ["--version"], None, 0.25),
    ("pcproof --help", ["--help"], 0.70, 0.25),
    ("pcproof list", ["list"], 0.68, 0.25),
    ("pcproof prove thm-3.2 --all-depths", ["prove", "thm-3.2", "--all-depths"], 0.75, 0.5),
    ("pcproof prove thm-3.1 --all-depths", ["prove", "thm-3.1", "--all-depths"], 0.75, 0.5),
]
FLOORS = [
    ("python -c pass", [sys.executable, "-c", "pass"]),
    ("python -c 'import sympy'", [sys.executable, "-c", "import sympy"]),
    ("python -c 'import z3'", [sys.executable, "-c", "import z3"]),
]


def pcproof_argv() -> list[str]:
    exe = shutil.which("pcproof")
    return [exe] if exe else [sys.executable, "-m", "pcproof"]


def timed(argv, env=None) -> tuple[float, float]:
    """(wall s, CPU s) of one run; with ``env`` (another checkout) it runs in that checkout's
    folder, since ``python -m`` puts the working folder before PYTHONPATH."""
    cwd = env["PYTHONPATH"] if env else None
    c0, t0 = os.times(), time.perf_counter()
    p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)
    t1, c1 = time.perf_counter(), os.times()
    if p.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} exited {p.returncode}: {p.stderr.strip()[:300]}")
    return t1 - t0, (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)


def heavy_imports(argv) -> str:
    """The heavy modules a command imports, from one run under ``-X importtime``."""
    if argv[0] != sys.executable:
        argv = [sys.executable, "-X", "importtime", "-m", "pcproof"] + argv[1:]
    else:
        argv = [sys.executable, "-X", "importtime"] + argv[1:]
    p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seen = {line.rsplit("|", 1)[-1].strip() for line in p.stderr.splitlines() if line.startswith("import time:")}
    return ", ".join(m for m in HEAVY if m in seen) or "none"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--compare-with", default=None, help="another checkout to run the same commands from")
    args = ap.parse_args()
    other = None
    if args.compare_with:
        other = dict(os.environ, PYTHONPATH=os.path.abspath(args.compare_with))
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    print(f"start-up, whole commands as new processes; median of {args.runs} runs after 1 warm-up; "
          f"{os.cpu_count()} cores, load average {load:.2f}")
    before = f"{'before wall':>12}{'before CPU':>11}" if other else ""
    print(f"{'command':<38}{'wall s':>8}{'CPU s':>8}{before}{'issue s':>9}{'target s':>10}  heavy modules imported")
    prog = pcproof_argv()
    rows = [(label, prog + argv, [sys.executable, "-m", "pcproof"] + argv, prev, target)
            for label, argv, prev, target in COMMANDS]
    rows += [(label, argv, None, None, None) for label, argv in FLOORS]
    fmt = lambda v: "–" if v is None else f"{v:.2f}"  # noqa: E731
    for label, argv, argv_before, prev, target in rows:
        compare = other is not None and argv_before is not None
        timed(argv)
        if compare:
            timed(argv_before, other)
        now, then = [], []
        for _ in range(args.runs):   # turn about: both columns share the load
            now.append(timed(argv))
            if compare:
                then.append(timed(argv_before, other))
        walls, cpus = zip(*now)
        cols = ""
        if other:
            cols = (f"{statistics.median(w for w, _ in then):>12.3f}{statistics.median(c for _, c in then):>11.3f}"
                    if compare else f"{'':>23}")
        print(f"{label:<38}{statistics.median(walls):>8.3f}{statistics.median(cpus):>8.3f}{cols}{fmt(prev):>9}"
              f"{fmt(target):>10}  {heavy_imports(argv)}")


if __name__ == "__main__":
    main()
