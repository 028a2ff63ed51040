"""Time the all-depth prover: `python benchmarks/bench_induction.py [--runs N]`.

Prints one row per theorem (with and without biases, and a few refutations):
the median, min and max wall time of N runs of prove_all_depths in this process
(imports excluded), the verdict, and the number of z3 queries.  The issue's
target is under 2 s per all-depth proof."""
from __future__ import annotations

import argparse
import statistics
import time
from fractions import Fraction

from pcproof.check.induction import prove_all_depths
from pcproof.model import get_activation
from pcproof.theorem import Setting, get

CASES = [
    ("thm-3.1", False, Setting()), ("thm-3.1", True, Setting()),
    ("thm-3.2", False, Setting()), ("thm-3.2", True, Setting()),
    ("cor-gamma", False, Setting()), ("cor-gamma", True, Setting()),
    ("thm-3.1", False, Setting(gamma=Fraction(1, 2))),
    ("thm-3.2", False, Setting(update_offset=1)),
    ("thm-3.2", False, Setting(init_noise=True)),
]


def describe(s: Setting) -> str:
    parts = []
    if s.gamma is not None:
        parts.append(f"γ={s.gamma}")
    if s.update_offset:
        parts.append(f"update-step {s.update_offset:+d}")
    if s.init_noise:
        parts.append("init-noise")
    return ", ".join(parts) or "-"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    act = get_activation("uninterpreted")
    print(f"{'theorem':<10} {'bias':<5} {'setting':<16} {'verdict':<8} {'queries':>7} "
          f"{'median s':>9} {'min s':>7} {'max s':>7}")
    for name, bias, setting in CASES:
        times, v = [], None
        for _ in range(args.runs):
            t = time.perf_counter()
            v = prove_all_depths(get(name), setting, activation=act, bias=bias)
            times.append(time.perf_counter() - t)
        queries = sum(1 for g in v.lemmas for p in ("base", "step", "direct") if p in g) + \
            sum(1 for p in ("base", "step") if p in (v.induction or {})) + (1 if (v.induction or {}).get("then") else 0)
        print(f"{name:<10} {str(bias):<5} {describe(setting):<16} {v.verdict:<8} {queries:>7} "
              f"{statistics.median(times):>9.3f} {min(times):>7.3f} {max(times):>7.3f}")


if __name__ == "__main__":
    main()
