"""Time of one ``measure`` (pcproof.check.align) at its default sizes, per rule: what a row
of ``pcproof zoo`` costs for its *approximate* column.

Defaults: digits (1 348 training digits), widths 10-32-64, tanh, 3 seeds × 3 epochs of
batches of 20 (201 updates per seed), 13 checkpoints; each seed also trains BP for the
accuracy.  BP, Z-IL and IL replay a recorded tape (pcproof.train.step); Fa-Z-IL and a
user's rule run their Python at every update (eager).

Method: interleaved rounds (the order rotates every round) so that load on the shared
machine hits every rule alike; CPU time of this process (time.process_time) beside wall
time; medians over rounds.  The first call (imports, loading the digits) is made before
timing and reported apart.

    python benchmarks/bench_align.py [--rounds 5] [--widths 32]
"""
from __future__ import annotations

import argparse
import statistics
import time

from pcproof.check.align import measure
from pcproof.rules import BP, IL, ZIL, Rule
from pcproof.rules.fazil import FaZIL


class UserBP(Rule):
    """BP as a user would subclass Rule in their own file: not replayed, run eagerly."""

    name = "user-bp"

    def updates(self, arch, params, ops, alpha):
        return BP().updates(arch, params, ops, alpha)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--widths", default="32")
    args = ap.parse_args(argv)
    widths = tuple(int(w) for w in args.widths.split(","))
    t0 = time.perf_counter()
    measure(BP(), widths)
    first = time.perf_counter() - t0
    rules = {"bp": BP, "z-il": ZIL, "il (t_c=20)": IL, "fa-z-il": FaZIL, "user-bp (eager)": UserBP}
    cpu = {k: [] for k in rules}
    wall = {k: [] for k in rules}
    names = list(rules)
    for r in range(args.rounds):
        for k in names[r % len(names):] + names[:r % len(names)]:
            c, w = time.process_time(), time.perf_counter()
            measure(rules[k](), widths)
            cpu[k].append(time.process_time() - c)
            wall[k].append(time.perf_counter() - w)
    print(f"measure(rule, {widths}) at defaults, {args.rounds} rounds; first call (imports, data) {first:.2f} s wall")
    print(f"{'rule':<18}{'CPU median s':>14}{'wall median s':>15}")
    for k in names:
        print(f"{k:<18}{statistics.median(cpu[k]):>14.3f}{statistics.median(wall[k]):>15.3f}")


if __name__ == "__main__":
    main()
