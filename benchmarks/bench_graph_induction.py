"""Time the all-size prover of the graph families: `python benchmarks/bench_graph_induction.py [--runs N]`.

One row per case: the verdict, the z3 queries run, and the median of N runs of
``prove_all_sizes`` in this process (imports excluded) as wall time and as CPU time (this
process's user + system time, z3 included: the work done, whatever else shares the
machine), and the part of it spent in z3 queries (the obligations, as the verdict lists
them).  The issue asks for well under a second of proof time."""
from __future__ import annotations

import argparse
import statistics
import time

from pcproof.check.graph_induction import prove_all_sizes
from pcproof.theorem import Setting, all_theorems, get

CASES = [
    ("graph-updates", "residual", True, Setting()),
    ("graph-eps", "residual", True, Setting()),
    ("graph-updates", "rnn", False, Setting(shared_updates="deferred")),
    ("graph-eps", "rnn", False, Setting(shared_updates="deferred")),
    ("graph-updates", "residual", False, Setting()),
    ("graph-updates", "rnn", False, Setting(shared_updates="immediate")),
]


def z3_seconds(v) -> float:
    return sum(p.get("seconds", 0) for g in v.lemmas + ([v.induction] if v.induction else [])
               for p in g.values() if isinstance(p, dict))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    all_theorems()
    print(f"{'theorem':<14} {'family':<20} {'verdict':<8} {'queries':>7} {'wall s':>7} {'CPU s':>7} {'z3 s':>6}")
    for name, family, level, setting in CASES:
        wall, cpu, z3s, v = [], [], [], None
        for _ in range(args.runs):
            t, c = time.perf_counter(), time.process_time()
            v = prove_all_sizes(get(name), family, setting, level=level)
            wall.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            z3s.append(z3_seconds(v))
        fam = family + (" levelled" if level else "") + (f" {setting.shared_updates}" if family == "rnn" else "")
        print(f"{name:<14} {fam:<20} {v.verdict:<8} {v.checked:>7} {statistics.median(wall):>7.2f} "
              f"{statistics.median(cpu):>7.2f} {statistics.median(z3s):>6.2f}")


if __name__ == "__main__":
    main()
