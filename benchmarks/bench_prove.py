"""Time `prove thm-3.2` (uninterpreted f, Z-IL against BP) against depth and width.

    python benchmarks/bench_prove.py [--repeats 3] [--depths 8,16,32,64,128,256] [--widths 2,4,8]
                                     [--commands 64x4,256x4,256x8,512x16]
                                     [--compare-with CHECKOUT --compare 64x4,256x4,256x8,128x16]

Prints a Markdown table of medians (in-process, after imports): wall seconds, CPU
seconds (this process; on a shared machine the honest figure for the work done) and
CPU time per layer, so linear growth in depth shows as a flat column; beside them the
previous release's in-process medians (sympy engine, docs/speed.md of 2026-11-23).
Then the whole command line (`pcproof prove thm-3.2 --depth L --width n --json`,
process start included) for the shapes of issue 12's targets, with the previous
release's figures and the targets beside, and the graph core's row of issue 12 (a levelled
residual chain, ``prove graph-updates --model residual --blocks 32 --width 4 --level``).  With
``--before CHECKOUT`` the whole commands are also run on that checkout (``PYTHONPATH``), each
shape one after the other on both (same load), and its medians printed beside; with
``--commands-only`` the in-process table is left out.  With ``--compare-with`` a checkout of another
version (e.g. ``git worktree add /tmp/prev <commit>``), the same shapes are timed in
fresh processes on that version and on this one, one after the other (same load), in
CPU seconds of the proof alone.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

from pcproof.check.concrete import prove
from pcproof.model import Architecture, get_activation
from pcproof.theorem import get

#: previous release (sympy engine), in-process median seconds, docs/speed.md of 2026-11-23
PREVIOUS = {(8, 2): 0.01, (16, 2): 0.04, (32, 2): 0.11, (64, 2): 0.25, (128, 2): 0.70, (256, 2): 2.05,
            (8, 4): 0.08, (16, 4): 0.18, (32, 4): 0.41, (64, 4): 0.88, (128, 4): 2.02, (256, 4): 4.84,
            (8, 8): 0.32, (16, 8): 0.68, (32, 8): 1.46, (64, 8): 3.07, (128, 8): 6.60, (256, 8): 14.67}
#: previous release, whole command (issue 12), and issue 12's targets, seconds
PREVIOUS_COMMAND = {(64, 4): 1.55, (256, 4): 6.9, (256, 8): 17.8, (256, 16): 60, (512, 16): 147}
TARGET_COMMAND = {(256, 4): 1.0, (256, 8): 2.5, (512, 16): 20}
#: the graph core's rows: name → (arguments after ``pcproof prove``, target seconds)
GRAPH_COMMANDS = {"residual32x4": (["graph-updates", "--model", "residual", "--blocks", "32", "--width", "4",
                                    "--level"], 1.0)}


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


_ONE_PROOF = ("import time; from pcproof.check.concrete import prove; from pcproof.model import Architecture, "
              "get_activation; from pcproof.theorem import get; c = time.process_time(); "
              "v = prove(get('thm-3.2'), Architecture.make(get_activation('uninterpreted'), depth={L}, width={n})); "
              "assert v.verdict == 'proved'; print(time.process_time() - c)")


def _proof_cpu(checkout, L, n) -> float:
    env = dict(os.environ)
    if checkout:
        env["PYTHONPATH"] = checkout
    out = subprocess.run([sys.executable, "-c", _ONE_PROOF.format(L=L, n=n)], capture_output=True, text=True,
                         env=env, cwd=checkout or None)
    if out.returncode:
        raise RuntimeError(out.stderr)
    return float(out.stdout.split()[-1])


def _command(checkout, argv, repeats):
    """Wall and CPU seconds of ``repeats`` runs of ``pcproof prove ARGV --json`` (process start
    included), on ``checkout`` (its PYTHONPATH) or on this one."""
    env = dict(os.environ)
    if checkout:
        env["PYTHONPATH"] = checkout
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), _children_cpu()
        out = subprocess.run([sys.executable, "-m", "pcproof", "prove", *argv, "--json"], capture_output=True,
                             text=True, env=env, cwd=checkout or None)
        wall.append(time.perf_counter() - t0)
        cpu.append(_children_cpu() - c0)
        assert '"verdict": "proved"' in out.stdout, out.stdout + out.stderr
    return wall, cpu


def compare(checkout: str, shapes: str, repeats: int):
    print(f"\n| depth × width | {checkout} CPU s | this CPU s | speed-up |")
    print("|---|---:|---:|---:|")
    for shape in shapes.split(","):
        L, n = map(int, shape.split("x"))
        prev = statistics.median(_proof_cpu(checkout, L, n) for _ in range(repeats))
        this = statistics.median(_proof_cpu(None, L, n) for _ in range(repeats))
        print(f"| {L} × {n} | {prev:.2f} | {this:.2f} | {prev / this:.1f}× |", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--depths", default="8,16,32,64,128,256")
    ap.add_argument("--widths", default="2,4,8")
    ap.add_argument("--commands", default="64x4,256x4,256x8,512x16", help="shapes timed as whole commands")
    ap.add_argument("--max-seconds", type=float, default=120, help="skip larger cases once one takes this long")
    ap.add_argument("--graph-commands", default="residual32x4", help="graph rows timed as whole commands")
    ap.add_argument("--before", help="a checkout whose whole commands are timed beside this one's")
    ap.add_argument("--commands-only", action="store_true", help="only the whole commands")
    ap.add_argument("--compare-with", help="a checkout of another version to time side by side")
    ap.add_argument("--compare", default="64x4,256x4,256x8,128x16", help="shapes for --compare-with")
    args = ap.parse_args()
    if args.compare_with:
        compare(args.compare_with, args.compare, args.repeats)
        return
    thm = get("thm-3.2")
    f = get_activation("uninterpreted")
    show = lambda t: "–" if t is None else f"{t:.2f}"
    print(f"load average at start: {os.getloadavg()[0]:.2f} (2 cores)\n")
    if args.commands_only:
        args.depths = ""
    print("| depth L | width | median s | CPU s | CPU ms per layer | previous median s | verdict |")
    print("|---:|---:|---:|---:|---:|---:|---|")
    for n in map(int, args.widths.split(",")):
        for L in (int(d) for d in args.depths.split(",") if d):
            wall, cpu, verdict = [], [], None
            for _ in range(args.repeats):
                t0, c0 = time.perf_counter(), time.process_time()
                verdict = prove(thm, Architecture.make(f, depth=L, width=n)).verdict
                wall.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            med, cmed = statistics.median(wall), statistics.median(cpu)
            print(f"| {L} | {n} | {med:.2f} | {cmed:.2f} | {1000 * cmed / L:.1f} | {show(PREVIOUS.get((L, n)))} "
                  f"| {verdict} |", flush=True)
            if med > args.max_seconds:
                break
    print("\n| whole command | median s | CPU s | before s | before CPU s | previous s | target s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    rows = [(["thm-3.2", "--depth", str(L), "--width", str(n)], (L, n)) for L, n in
            (map(int, shape.split("x")) for shape in args.commands.split(",") if shape)]
    rows += [(GRAPH_COMMANDS[name][0], name) for name in args.graph_commands.split(",") if name]
    for argv, key in rows:
        this, before = _command(None, argv, args.repeats), _command(args.before, argv, args.repeats) if args.before else None
        target = TARGET_COMMAND.get(key) if isinstance(key, tuple) else GRAPH_COMMANDS[key][1]
        print(f"| `prove {' '.join(argv)} --json` | {statistics.median(this[0]):.2f} | "
              f"{statistics.median(this[1]):.2f} | {show(before and statistics.median(before[0]))} | "
              f"{show(before and statistics.median(before[1]))} | "
              f"{show(PREVIOUS_COMMAND.get(key))} | {'–' if target is None else f'≤ {target:g}'} |", flush=True)
    print(f"\nmedians of {args.repeats} runs; CPU s: user + system time of the process (children for commands)")


if __name__ == "__main__":
    main()
