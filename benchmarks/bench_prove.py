"""Time `prove thm-3.2` (uninterpreted f, Z-IL against BP) against depth and width.

    python benchmarks/bench_prove.py [--repeats 3] [--depths 8,16,32,64,128,256] [--widths 2,4,8]

Prints a Markdown table of median seconds (in-process, after imports) and the time
per layer, so linear growth in depth shows as a flat last column.  Also times the
whole command line (`pcproof prove thm-3.2 --depth 64 --width 4 --json`, process
start included) once per repeat.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from pcproof.check.concrete import prove
from pcproof.model import Architecture, get_activation
from pcproof.theorem import get


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--depths", default="8,16,32,64,128,256")
    ap.add_argument("--widths", default="2,4,8")
    ap.add_argument("--max-seconds", type=float, default=120, help="skip larger cases once one takes this long")
    args = ap.parse_args()
    thm = get("thm-3.2")
    f = get_activation("uninterpreted")
    print("| depth L | width | median s | min s | ms per layer | verdict |")
    print("|---:|---:|---:|---:|---:|---|")
    for n in map(int, args.widths.split(",")):
        for L in map(int, args.depths.split(",")):
            times, verdict = [], None
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                verdict = prove(thm, Architecture.make(f, depth=L, width=n)).verdict
                times.append(time.perf_counter() - t0)
            med = statistics.median(times)
            print(f"| {L} | {n} | {med:.2f} | {min(times):.2f} | {1000 * med / L:.1f} | {verdict} |", flush=True)
            if med > args.max_seconds:
                break
    cli = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "pcproof", "prove", "thm-3.2", "--depth", "64", "--width", "4",
                              "--json"], capture_output=True, text=True)
        cli.append(time.perf_counter() - t0)
        assert '"verdict": "proved"' in out.stdout, out.stdout + out.stderr
    print(f"\nwhole command `pcproof prove thm-3.2 --depth 64 --width 4 --json`: median {statistics.median(cli):.2f} s "
          f"over {args.repeats} runs (process start and imports included)")


if __name__ == "__main__":
    main()
