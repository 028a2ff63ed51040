"""Time per weight update of the trainer against a plain numpy BP written here, in the same run.

**Against plain numpy.**  ``plain_bp`` below is backpropagation as one writes it by hand
in numpy (about 15 lines).  The trainer's BP and Z-IL (pcproof.train.step: the rules' own
code, recorded once and replayed) are timed beside it on the same shapes, batches and
initial weights, batch 20, sigmoid, float64: the paper's MNIST shape 784-32-32-32-10
(random inputs of that shape, since MNIST does not ship with any installed package — the
time of an update does not depend on the pixel values) and scikit-learn's digits
(64 inputs), with 1, 2 and 3 hidden layers of 32.  Before timing, each shape is trained
for a few updates by all three from the same weights, and the weights must agree to
round-off (the script says how far apart they are, and exits 1 if they are not close).

**All four rules.**  BP, IL (t_c = 20), Z-IL and Fa-Z-IL through the trainer, *replayed*
(what the trainer does: BP, Z-IL and IL have fixed schedules and replay a recorded tape;
Fa-Z-IL's gate reads the errors, so it always runs eagerly) and *eager* (the rule's Python
at every step).

Method: interleaved rounds (the order rotates every round) so that load on the shared
machine hits every contender alike; the time is CPU time of this process
(time.process_time: other processes do not count); the tables give medians over rounds,
and a ratio against plain numpy is the median of the per-round ratios (each round times
the contenders back to back, so they share that moment's load).

    python benchmarks/bench_train.py [--rounds 100] [--updates 10] [--hidden 1 2 3] [--no-rules]
"""
from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import time

import numpy as np

from pcproof.rules import BP, IL, ZIL
from pcproof.rules.fazil import FaZIL
from pcproof.train import BATCH, TrainOps, Weights, init_weights, load_digits_data, make_architecture, step

PAPER_CPU_MS = {"BP": 3.1, "IL": 19.2, "Z-IL": 3.6, "Fa-Z-IL": 3.6}
RULES = {"BP": BP(), "IL": IL(gamma=0.1, t_c=20), "Z-IL": ZIL(), "Fa-Z-IL": FaZIL(t_d=4)}
#: The previous release (main at 8ca570b) against plain numpy: (trainer BP / plain, Z-IL / plain).
#: MNIST shape, 3 hidden: issue 12's figures.  The other rows: this script run over that
#: release (PYTHONPATH=<its checkout>), mean of two runs on the shared machine (2026-11-26);
#: the same runs gave 1.52 / 1.63 for the MNIST shape with 3 hidden layers.
PREVIOUS = {(784, 3): (1.43, 1.50), (784, 2): (1.47, 1.56), (784, 1): (1.44, 1.48),
            (64, 3): (1.71, 1.91), (64, 2): (1.76, 1.87), (64, 1): (1.73, 1.87)}
TARGET = {"BP": 1.05, "Z-IL": 1.15}


def plain_bp(theta, s_in, s_out, alpha):
    """BP by hand: Δθ^{l+1} = α Σ_batch δ^l σ(x̄^{l+1})ᵀ (layer 0 is the output; no biases)."""
    L = len(theta)
    s = {}                                   # s[k] = σ(x̄^k) for k = L … 1
    x = s_in                                 # x̄^L
    for k in range(L, 0, -1):
        s[k] = 1.0 / (1.0 + np.exp(-x))
        x = s[k] @ theta[k].T                # x̄^{k-1}
    delta = s_out - x                        # δ^0
    dtheta = {}
    for l in range(L):
        dtheta[l + 1] = alpha * (delta.T @ s[l + 1])
        if l + 1 < L:
            delta = s[l + 1] * (1.0 - s[l + 1]) * (delta @ theta[l + 1])   # δ^{l+1}
    return dtheta


def contenders(arch):
    """name → one update on (θ, s_in, s_out), each returning {k: Δθ^k}."""
    ops = TrainOps(arch.activation)

    def trainer(rule):
        def update(theta, xb, yb):
            out = step(rule, arch, Weights(theta), xb, yb, ops)
            return {k: out[("theta", k)] for k in theta}
        return update

    return {"plain BP": lambda theta, xb, yb: plain_bp(theta, xb, yb, 1e-3),
            "trainer BP": trainer(BP()), "trainer Z-IL": trainer(ZIL())}


def agreement(arch, batches, updates=20):
    """Train each contender for ``updates`` steps from the same weights on the same batches:
    the largest |θ − θ_plain| of each, relative to the largest |θ_plain − θ_0|."""
    theta0 = init_weights(arch, seed=0).theta
    final = {}
    for name, update in contenders(arch).items():
        theta = dict(theta0)
        for xb, yb in itertools.islice(itertools.cycle(batches), updates):
            d = update(theta, xb, yb)
            theta = {k: W + d[k] for k, W in theta.items()}
        final[name] = theta
    ref = final["plain BP"]
    moved = max(float(np.max(np.abs(ref[k] - theta0[k]))) for k in ref)
    return {name: max(float(np.max(np.abs(th[k] - ref[k]))) for k in ref) / moved for name, th in final.items()}


def time_rounds(fns, batches, rounds, per_round=False):
    """Median CPU ms per call of each fn(xb, yb), over interleaved rounds of one call per batch
    (``per_round``: the lists of each round's ms instead)."""
    names = list(fns)
    for name in names:                       # warm up (and record the trainer's tapes)
        for xb, yb in batches[:3]:
            fns[name](xb, yb)
    times = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            fn = fns[name]
            t0 = time.process_time()
            for xb, yb in batches:
                fn(xb, yb)
            times[name].append((time.process_time() - t0) / len(batches) * 1e3)
    return times if per_round else {name: statistics.median(v) for name, v in times.items()}


def paired_ratio(times, name, base):
    """Median over rounds of name's time / base's time in the same round (the load of the
    shared machine changes from round to round, far less within one)."""
    return statistics.median(a / b for a, b in zip(times[name], times[base]))


def against_plain(inputs, hidden, rounds, updates):
    print(f"Trainer against plain numpy BP: CPU ms per weight update, median of {rounds} rounds of {updates} "
          f"updates; batch {BATCH}, sigmoid, float64, α = 0.001")
    head = (f"{'shape':<20}{'plain BP':>9}{'BP':>8}{'Z-IL':>8}{'BP/plain':>10}{'Z-IL/plain':>11}"
            f"{'previous':>13}{'|Δθ| BP':>10}{'|Δθ| Z-IL':>10}")
    print(head)
    print("-" * len(head))
    ok, worst = True, {"BP": 0.0, "Z-IL": 0.0}
    for (label, x, y, n_in), h in itertools.product(inputs, hidden):
        arch = make_architecture(hidden=h, n_in=n_in)
        batches = [(x[i:i + BATCH], y[i:i + BATCH]) for i in range(0, BATCH * updates, BATCH)]
        agree = agreement(arch, batches)
        ok &= all(d <= 1e-12 for d in agree.values())
        w, ops = init_weights(arch, seed=0), TrainOps(arch.activation)
        bp_rule, zil_rule = BP(), ZIL()
        times = time_rounds({"plain BP": lambda xb, yb: plain_bp(w.theta, xb, yb, 1e-3),
                             "trainer BP": lambda xb, yb: step(bp_rule, arch, w, xb, yb, ops),
                             "trainer Z-IL": lambda xb, yb: step(zil_rule, arch, w, xb, yb, ops)},
                            batches, rounds, per_round=True)
        ms = {name: statistics.median(v) for name, v in times.items()}
        bp, zil = paired_ratio(times, "trainer BP", "plain BP"), paired_ratio(times, "trainer Z-IL", "plain BP")
        worst = {"BP": max(worst["BP"], bp), "Z-IL": max(worst["Z-IL"], zil)}
        prev = PREVIOUS.get((n_in, h))
        shape = "-".join(str(n) for n in reversed(arch.widths))
        print(f"{shape:<20}{ms['plain BP']:>9.3f}{ms['trainer BP']:>8.3f}{ms['trainer Z-IL']:>8.3f}{bp:>10.2f}{zil:>11.2f}"
              f"{f'{prev[0]:.2f} / {prev[1]:.2f}' if prev else '–':>13}"
              f"{agree['trainer BP']:>10.1e}{agree['trainer Z-IL']:>10.1e}")
    print(f"targets: BP/plain ≤ {TARGET['BP']}, Z-IL/plain ≤ {TARGET['Z-IL']}; worst row here: "
          f"BP/plain {worst['BP']:.2f}, Z-IL/plain {worst['Z-IL']:.2f} (ratios: medians of the per-round ratios).  "
          "'previous': the previous release's BP/plain / Z-IL/plain.  '|Δθ|': largest |θ − θ_plain| after 20 updates, relative to how far "
          "θ_plain moved")
    return ok


def time_rules(arch, x, y, rounds, updates, replay):
    ops = TrainOps(arch.activation)
    w = init_weights(arch, seed=0)
    batches = [(x[i:i + BATCH], y[i:i + BATCH]) for i in range(0, BATCH * updates, BATCH)]
    fns = {name: (lambda r: lambda xb, yb: step(r, arch, w, xb, yb, ops, replay=replay))(rule)
           for name, rule in RULES.items()}
    return time_rounds(fns, batches, rounds)


def all_rules(inputs, hidden, rounds, updates):
    print(f"\nAll four rules through the trainer: CPU ms per weight update (median of {rounds} rounds of {updates} "
          f"updates; batch {BATCH}, sigmoid, hidden layers of 32, float64)")
    head = (f"{'mode':<9}{'inputs':<18}{'hidden':>7}" + "".join(f"{k:>10}" for k in RULES)
            + f"{'Z-IL/BP':>10}{'FaZIL/BP':>10}{'IL/BP':>8}")
    print(head)
    print("-" * len(head))
    for mode, (label, x, y, n_in), h in itertools.product(["replayed", "eager"], inputs, hidden):
        arch = make_architecture(hidden=h, n_in=n_in)
        ms = time_rules(arch, x, y, rounds, updates, replay=mode == "replayed")
        print(f"{mode:<9}{label:<18}{h:>7}" + "".join(f"{ms[k]:>10.3f}" for k in RULES)
              + f"{ms['Z-IL'] / ms['BP']:>10.2f}{ms['Fa-Z-IL'] / ms['BP']:>10.2f}{ms['IL'] / ms['BP']:>8.1f}")
    p = PAPER_CPU_MS
    print(f"{'paper CPU, MNIST (PyTorch)':<27}{'':>7}" + "".join(f"{p[k]:>10.1f}" for k in RULES)
          + f"{p['Z-IL'] / p['BP']:>10.2f}{p['Fa-Z-IL'] / p['BP']:>10.2f}{p['IL'] / p['BP']:>8.1f}")


def blas() -> str:
    """Which BLAS kernel numpy runs (OpenBLAS picks it from the processor, or OPENBLAS_CORETYPE)."""
    env = ", ".join(f"{k}={os.environ[k]}" for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ)
    try:
        from threadpoolctl import threadpool_info
        info = [f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')}, {i.get('num_threads')} threads"
                for i in threadpool_info() if i.get("user_api") == "blas"]
    except ImportError:
        info = []
    return f"BLAS: {'; '.join(info) or 'unknown'}; {env or 'OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset'}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--updates", type=int, default=10, help="updates per round and contender")
    ap.add_argument("--hidden", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--no-rules", action="store_true", help="only the table against plain numpy")
    args = ap.parse_args()
    data = load_digits_data()
    n = BATCH * args.updates
    rng = np.random.default_rng(0)
    inputs = (("MNIST shape (784)", rng.random((n, 784)), np.eye(10)[rng.integers(0, 10, n)], 784),
              ("digits (64)", np.resize(data.x_train, (n, 64)), np.resize(data.y_train, (n, 10)), 64))
    print(blas())
    ok = against_plain(inputs, args.hidden, args.rounds, args.updates)
    if not args.no_rules:
        all_rules(inputs, args.hidden, max(args.rounds // 2, 1), args.updates)
    if not ok:
        print("the trainer's weights do not agree with plain numpy BP's", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
