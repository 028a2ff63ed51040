"""Time the graph theorems (issue 10's speed targets) and the random-DAG fuzzer.

    python benchmarks/bench_graphs.py [--repeats 3] [--fuzz-cases 1000] [--quick]

Prints a Markdown table of medians over ``--repeats`` runs, in this process after imports:
wall seconds and CPU seconds of this process (on a shared machine CPU is the honest figure
for the work done), the verdict, and issue 10's target.  Each proof builds its own symbolic
system, so a repeat redoes the whole work.  Rows:

* ``graph-updates`` on a levelled residual chain (32 blocks × width 4, f uninterpreted),
  an RNN unrolled 32 steps × width 4 (deferred updates of the shared θ, U; the refutations,
  residual as built and the RNN with immediate updates, at 8 blocks or steps), one attention block
  of 4 tokens × dimension 4 (single-head, and 2 heads with a causal mask), and the MLP family at depth 64 and 256 × width 4 (for comparison
  with the layered prover, whose `prove thm-3.2` is timed beside them);
* the fuzzer on random levelled DAGs of up to 12 vertices in arb balls at 50 digits
  (cases per second, the rate of the whole run of ``--fuzz-cases``).

``--quick`` uses small sizes (a smoke test of the script itself).
"""
from __future__ import annotations

import argparse
import statistics
import time

from pcproof.check.concrete import prove as prove_layered
from pcproof.check.graphs import fuzz_graphs, prove
from pcproof.model import Architecture, get_activation
from pcproof.model.families import attention, mlp, residual, rnn
from pcproof.model.graph import level
from pcproof.theorem import Setting, get

U = get_activation("uninterpreted")
UPD = get("graph-updates")


def timed(fn, repeats):
    walls, cpus, out = [], [], None
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), out


def rows(quick: bool):
    n = 4 if quick else 32
    m = 2 if quick else 8      # refutations: the witness search grows with depth (32 blocks: minutes)
    d1, d2 = (8, 16) if quick else (64, 256)
    return [
        (f"graph-updates, residual {n} blocks × w4, levelled", lambda: prove(UPD, level(residual(U, n, 4))), "< 5 s"),
        (f"graph-updates, residual {m} blocks × w4, as built", lambda: prove(UPD, residual(U, m, 4)), ""),
        (f"graph-updates, rnn {n} steps × w4, deferred",
         lambda: prove(UPD, rnn(U, n, 4), Setting(shared_updates="deferred")), "< 10 s"),
        (f"graph-updates, rnn {m} steps × w4, immediate",
         lambda: prove(UPD, rnn(U, m, 4), Setting(shared_updates="immediate")), ""),
        ("graph-updates, attention 4 tokens × dim 4", lambda: prove(UPD, attention(U, 4, 4)), "< 10 s"),
        ("graph-updates, attention 4 tokens × dim 4, 2 heads, causal",
         lambda: prove(UPD, attention(U, 4, 4, heads=2, causal=True)), ""),
        (f"graph-updates, mlp d{d1} × w4", lambda: prove(UPD, mlp(U, d1, 4)), ""),
        (f"graph-updates, mlp d{d2} × w4", lambda: prove(UPD, mlp(U, d2, 4)), ""),
        (f"thm-3.2 (layered prover), d{d1} × w4",
         lambda: prove_layered(get("thm-3.2"), Architecture((4,) * (d1 + 1), U)), ""),
        (f"thm-3.2 (layered prover), d{d2} × w4",
         lambda: prove_layered(get("thm-3.2"), Architecture((4,) * (d2 + 1), U)), ""),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--fuzz-cases", type=int, default=1000)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    print(f"medians of {a.repeats}, in-process after imports\n")
    print("| what | wall s | CPU s | verdict | target |")
    print("|---|---:|---:|---|---|")
    for name, fn, target in rows(a.quick):
        try:
            wall, cpu, v = timed(fn, a.repeats)
        except RecursionError:   # the graph engine recurses once per inference step (rules/graph.py)
            print(f"| {name} | — | — | RecursionError (not a verdict) | {target} |", flush=True)
            continue
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {v.verdict} | {target} |", flush=True)
    cases = 100 if a.quick else a.fuzz_cases
    rates = []
    for r in range(a.repeats):
        rep = fuzz_graphs("graph-updates", n_cases=cases, digits=50, seed=r)
        assert rep["failure"] is None, rep["failure"]
        rates.append(rep["cases_per_second"])
    print(f"| fuzz graph-updates, {cases} random levelled DAGs ≤ 12 vertices, arb 50 digits | "
          f"{statistics.median(rates):.0f} cases/s | | all equal | ≥ 300 cases/s |")


if __name__ == "__main__":
    main()
