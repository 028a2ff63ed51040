"""Time per weight update of BP, IL (t_c = 20), Z-IL and Fa-Z-IL, side by side in one run.

Each update is one call of the rule's own code (pcproof.train.step) on a batch of 20,
float64, sigmoid, hidden layers of 32 — the paper's settings.  Two input sizes:
scikit-learn's digits (64 inputs) and the paper's MNIST shape (784 inputs; random
inputs of that shape, since MNIST does not ship with any installed package — the time
of an update does not depend on the pixel values).  The rules are timed in
interleaved rounds (BP, IL, Z-IL, Fa-Z-IL, BP, …) so that load on the machine hits
them alike; the time is CPU time of this process (time.process_time: other processes
on the shared machine do not count), and the table gives the median over rounds.

Two modes.  *replayed*: what the trainer does — the first step of a shape runs the
rule and records its array operations (pcproof.train.Tape), later steps replay them
(BP, Z-IL and IL have fixed schedules; Fa-Z-IL's gate reads the errors, so it always
runs eagerly).  *eager*: the rule's Python runs at every step.

    python benchmarks/bench_train.py [--rounds 40] [--updates 10]
"""
from __future__ import annotations

import argparse
import itertools
import statistics
import time

import numpy as np

from pcproof.rules import BP, IL, ZIL
from pcproof.rules.fazil import FaZIL
from pcproof.train import TrainOps, init_weights, load_digits_data, make_architecture, step

PAPER_CPU_MS = {"BP": 3.1, "IL": 19.2, "Z-IL": 3.6, "Fa-Z-IL": 3.6}
RULES = {"BP": BP(), "IL": IL(gamma=0.1, t_c=20), "Z-IL": ZIL(), "Fa-Z-IL": FaZIL(t_d=4)}


def time_rules(arch, x, y, rounds, updates, replay):
    ops = TrainOps(arch.activation)
    w = init_weights(arch, seed=0)
    batches = [(x[i:i + 20], y[i:i + 20]) for i in range(0, 20 * updates, 20)]
    for rule in RULES.values():  # warm up
        for xb, yb in batches[:5]:
            step(rule, arch, w, xb, yb, ops, replay=replay)
    times = {name: [] for name in RULES}
    for _ in range(rounds):
        for name, rule in RULES.items():
            t0 = time.process_time()
            for xb, yb in batches:
                step(rule, arch, w, xb, yb, ops, replay=replay)
            times[name].append((time.process_time() - t0) / len(batches) * 1e3)
    return {name: statistics.median(v) for name, v in times.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--updates", type=int, default=10, help="updates per round and rule")
    ap.add_argument("--mode", choices=["replayed", "eager", "both"], default="both")
    ap.add_argument("--hidden", type=int, nargs="+", default=[1, 2, 3])
    args = ap.parse_args()
    data = load_digits_data()
    n = 20 * args.updates
    digits_x = np.resize(data.x_train, (n, 64))
    digits_y = np.resize(data.y_train, (n, 10))
    rng = np.random.default_rng(0)
    mnist_x = rng.random((n, 784))
    mnist_y = np.eye(10)[rng.integers(0, 10, n)]
    print(f"CPU ms per weight update (median of {args.rounds} rounds of {args.updates} updates; batch 20, sigmoid, "
          f"hidden layers of 32, float64)")
    head = f"{'mode':<9}{'inputs':<18}{'hidden':>7}" + "".join(f"{k:>10}" for k in RULES) + f"{'Z-IL/BP':>10}{'FaZIL/BP':>10}{'IL/BP':>8}"
    print(head)
    print("-" * len(head))
    modes = ["replayed", "eager"] if args.mode == "both" else [args.mode]
    inputs = (("digits (64)", digits_x, digits_y, 64), ("MNIST shape (784)", mnist_x, mnist_y, 784))
    for mode, (label, x, y, n_in), hidden in itertools.product(modes, inputs, args.hidden):
        arch = make_architecture(hidden=hidden, n_in=n_in)
        ms = time_rules(arch, x, y, args.rounds, args.updates, replay=mode == "replayed")
        print(f"{mode:<9}{label:<18}{hidden:>7}" + "".join(f"{ms[k]:>10.3f}" for k in RULES)
              + f"{ms['Z-IL'] / ms['BP']:>10.2f}{ms['Fa-Z-IL'] / ms['BP']:>10.2f}{ms['IL'] / ms['BP']:>8.1f}")
    p = PAPER_CPU_MS
    print(f"{'paper CPU, MNIST (PyTorch)':<27}{'':>7}" + "".join(f"{p[k]:>10.1f}" for k in RULES)
          + f"{p['Z-IL'] / p['BP']:>10.2f}{p['Fa-Z-IL'] / p['BP']:>10.2f}{p['IL'] / p['BP']:>8.1f}")


if __name__ == "__main__":
    main()
