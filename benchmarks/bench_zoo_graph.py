"""Time of the zoo's graph rows (``pcproof zoo``, table "On graphs"; docs/zoo.md), per row:
each card proves the rule against BP's reverse mode at width 1 and at the row's width, then,
if refuted, under each condition (proved with it, BP non-zero under it).

Method: one warm-up pass (imports, sympy), then ``--rounds`` passes; wall time per row and for
the whole table, medians over the passes.  Prints each row's verdict with its time.

    python benchmarks/bench_zoo_graph.py [--rounds 3]
"""
from __future__ import annotations

import argparse
import statistics
import time

from pcproof.check.zoo_graph import GRAPH_ZOO
from pcproof.commands.zoo import graph_row_card


def one_pass():
    out = []
    for e in GRAPH_ZOO.values():
        for row in e.rows:
            t = time.perf_counter()
            card = graph_row_card(e, row)
            out.append((card, time.perf_counter() - t))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    t = time.perf_counter()
    one_pass()
    warm = time.perf_counter() - t
    passes = [one_pass() for _ in range(args.rounds)]
    print(f"warm-up pass {warm:.2f} s; medians over {args.rounds} passes")
    print(f"{'rule':<44} {'graph':<40} {'verdict':<24} {'s':>6}")
    for i, (card, _) in enumerate(passes[-1]):
        med = statistics.median(p[i][1] for p in passes)
        print(f"{card.rule:<44} {card.model.split(':')[0]:<40} {card.headline.kind:<24} {med:6.3f}")
    print(f"whole table: {statistics.median(sum(s for _, s in p) for p in passes):.2f} s")


if __name__ == "__main__":
    main()
