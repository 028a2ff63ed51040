"""Time per weight update of BP, IL (t_c = 20), Z-IL and Fa-Z-IL, side by side in one run.

Each update is one call of the rule's own code (pcproof.train.step) on a batch of 20,
float64, sigmoid, hidden layers of 32 — the paper's settings.  Two input sizes:
scikit-learn's digits (64 inputs) and the paper's MNIST shape (784 inputs; random
inputs of that shape, since MNIST does not ship with any installed package — the time
of an update does not depend on the pixel values).  The rules are timed in
interleaved rounds (BP, IL, Z-IL, Fa-Z-IL, BP, …) so that load on the machine hits
them alike; the table gives the median over rounds.

    python benchmarks/bench_train.py [--rounds 15] [--updates 200]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from pcproof.rules import BP, IL, ZIL
from pcproof.rules.fazil import FaZIL
from pcproof.train import TrainOps, init_weights, load_digits_data, make_architecture, step

PAPER_CPU_MS = {"BP": 3.1, "IL": 19.2, "Z-IL": 3.6, "Fa-Z-IL": 3.6}
RULES = {"BP": BP(), "IL": IL(gamma=0.1, t_c=20), "Z-IL": ZIL(), "Fa-Z-IL": FaZIL(t_d=4)}


def time_rules(arch, x, y, rounds, updates):
    ops = TrainOps(arch.activation)
    w = init_weights(arch, seed=0)
    batches = [(x[i:i + 20], y[i:i + 20]) for i in range(0, 20 * updates, 20)]
    for rule in RULES.values():  # warm up
        for xb, yb in batches[:20]:
            step(rule, arch, w, xb, yb, ops)
    times = {name: [] for name in RULES}
    for _ in range(rounds):
        for name, rule in RULES.items():
            t0 = time.perf_counter()
            for xb, yb in batches:
                step(rule, arch, w, xb, yb, ops)
            times[name].append((time.perf_counter() - t0) / len(batches) * 1e3)
    return {name: statistics.median(v) for name, v in times.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--updates", type=int, default=50, help="updates per round and rule")
    ap.add_argument("--hidden", type=int, nargs="+", default=[1, 2, 3])
    args = ap.parse_args()
    data = load_digits_data()
    n = 20 * args.updates
    digits_x = np.resize(data.x_train, (n, 64))
    digits_y = np.resize(data.y_train, (n, 10))
    rng = np.random.default_rng(0)
    mnist_x = rng.random((n, 784))
    mnist_y = np.eye(10)[rng.integers(0, 10, n)]
    print(f"ms per weight update (median of {args.rounds} rounds of {args.updates} updates; batch 20, sigmoid, float64)")
    head = f"{'inputs':<16}{'hidden':>7}" + "".join(f"{k:>10}" for k in RULES) + f"{'Z-IL/BP':>10}{'FaZIL/BP':>10}{'IL/BP':>8}"
    print(head)
    print("-" * len(head))
    for label, x, y, n_in in (("digits (64)", digits_x, digits_y, 64), ("MNIST shape (784)", mnist_x, mnist_y, 784)):
        for hidden in args.hidden:
            arch = make_architecture(hidden=hidden, n_in=n_in)
            ms = time_rules(arch, x, y, args.rounds, args.updates)
            print(f"{label:<16}{hidden:>7}" + "".join(f"{ms[k]:>10.3f}" for k in RULES)
                  + f"{ms['Z-IL'] / ms['BP']:>10.2f}{ms['Fa-Z-IL'] / ms['BP']:>10.2f}{ms['IL'] / ms['BP']:>8.1f}")
    p = PAPER_CPU_MS
    print(f"{'paper CPU (MNIST)':<16}{'':>7}" + "".join(f"{p[k]:>10.1f}" for k in RULES)
          + f"{p['Z-IL'] / p['BP']:>10.2f}{p['Fa-Z-IL'] / p['BP']:>10.2f}{p['IL'] / p['BP']:>8.1f}")


if __name__ == "__main__":
    main()
