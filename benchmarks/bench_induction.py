"""Time the all-depth prover: `python benchmarks/bench_induction.py [--runs N]`.

Prints one row per theorem (with and without biases, and a few refutations):
the median, min and max wall time of N runs of prove_all_depths in this process
(imports excluded), the verdict, the number of z3 queries run, and the median
wall time of the whole command `pcproof prove THEOREM --all-depths --json`
(a fresh process each run, imports included).  The issue's target is under 2 s
per all-depth proof."""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path
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


PCPROOF = Path(sys.executable).with_name("pcproof")


def cli_args(bias: bool, s: Setting) -> list[str]:
    out = ["--bias"] if bias else []
    if s.gamma is not None:
        out += ["--gamma", str(s.gamma)]
    if s.update_offset:
        out += ["--update-step", str(s.update_offset)]
    if s.init_noise:
        out.append("--init-noise")
    return out


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
    ap.add_argument("--cli-runs", type=int, default=3, help="runs of the command line (0: skip)")
    args = ap.parse_args()
    act = get_activation("uninterpreted")
    print(f"{'theorem':<10} {'bias':<5} {'setting':<16} {'verdict':<8} {'queries':>7} "
          f"{'median s':>9} {'min s':>7} {'max s':>7} {'CLI s':>9}")
    for name, bias, setting in CASES:
        times, v = [], None
        for _ in range(args.runs):
            t = time.perf_counter()
            v = prove_all_depths(get(name), setting, activation=act, bias=bias)
            times.append(time.perf_counter() - t)
        cli_times = []
        for _ in range(args.cli_runs):
            t = time.perf_counter()
            subprocess.run([str(PCPROOF), "prove", name, "--all-depths", "--json", *cli_args(bias, setting)],
                           capture_output=True, check=False)
            cli_times.append(time.perf_counter() - t)
        cli = f"{statistics.median(cli_times):>9.3f}" if cli_times else f"{'-':>9}"
        print(f"{name:<10} {str(bias):<5} {describe(setting):<16} {v.verdict:<8} {v.checked:>7} "
              f"{statistics.median(times):>9.3f} {min(times):>7.3f} {max(times):>7.3f} {cli}")


if __name__ == "__main__":
    main()
