"""IL against BP in Whittington & Bogacz's limit (pcproof.rules.zoo.il.PrecisionIL): the
relative difference ‖IL/π⁰ − BP‖ / ‖BP‖ of all updates, against the output precision π⁰, the
inference steps t_c and the size κ of the output error (s_out = x̄^0 + κ r).  Float64, tanh,
widths 4,8,8,6 (two hidden layers), γ = 1/10; median over seeds.  A table, not a test.

    python benchmarks/bench_il_limit.py [--seeds 5]
"""
from __future__ import annotations

import argparse
import math
import random
import statistics
from fractions import Fraction

import numpy as np

from pcproof.model import Architecture, get_activation, random_params
from pcproof.model.network import Params
from pcproof.numbers import NumpyOps
from pcproof.rules import BP, rule_updates
from pcproof.rules.bp import ANN
from pcproof.rules.zoo.il import PrecisionIL

WIDTHS = (4, 8, 8, 6)


def point(arch, seed, kappa):
    p = random_params(arch, random.Random(seed), denominator=8, bound=1).map(float)
    p = Params({k: np.array(W) for k, W in p.theta.items()}, {k: np.array(v) for k, v in p.b.items()},
               np.array(p.s_in), np.array(p.s_out))
    ops = NumpyOps(arch.activation)
    x0 = ANN(arch, p, ops).x_bar(0)
    r = np.random.default_rng(seed).normal(size=len(x0))
    return Params(p.theta, p.b, p.s_in, x0 + kappa * r / np.linalg.norm(r))


def rel(rule, arch, p):
    ops = NumpyOps(arch.activation)
    a, b = rule_updates(rule, arch, p, ops, 0.1), rule_updates(BP(), arch, p, ops, 0.1)
    d = math.sqrt(sum(float(np.sum((a[k] - b[k]) ** 2)) for k in b))
    n = math.sqrt(sum(float(np.sum(b[k] ** 2)) for k in b))
    return d / n


def median(rule, arch, seeds, kappa):
    return statistics.median(rel(rule, arch, point(arch, s, kappa)) for s in range(seeds))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    arch = Architecture(WIDTHS, get_activation("tanh"), bias=True)
    pis = [Fraction(1), Fraction(1, 4), Fraction(1, 16), Fraction(1, 64), Fraction(1, 256)]
    steps = [5, 20, 100, 400, 2000]
    print(f"relative difference from BP, median of {args.seeds} seeds (widths {WIDTHS}, tanh, γ = 1/10, κ = 1)")
    print("t_c \\ π⁰ " + "".join(f"{str(p):>11}" for p in pis) + "   slope d log err / d log π⁰ (last two)")
    for t in steps:
        errs = [median(PrecisionIL(t_c=t, output_precision=p), arch, args.seeds, 1.0) for p in pis]
        slope = math.log(errs[-1] / errs[-2]) / math.log(float(pis[-1] / pis[-2]))
        print(f"{t:>8}  " + "".join(f"{e:11.3e}" for e in errs) + f"   {slope:6.2f}")
    print("\noutput error size κ at π⁰ = 1 (plain IL), t_c = 400")
    for kappa in (1.0, 0.1, 0.01, 0.001):
        print(f"  κ = {kappa:<6}  {median(PrecisionIL(t_c=400), arch, args.seeds, kappa):.3e}")


if __name__ == "__main__":
    main()
