"""Time of one knob-order judgement (pcproof.check.judge.judge_knob_order: the rule run in
Taylor series in its own knob, the kernel's zero tests and the rational witness), per case:
what the "order of departure" column of ``pcproof zoo`` costs for GAIT-prop, AR and relaxed PC.

Method: interleaved rounds (the order rotates every round) so that load on the shared machine
hits every case alike; CPU time of this process (time.process_time) beside wall time; medians
over rounds.  Each row also prints the verdict, so a change in speed that changes the answer
shows.

    python benchmarks/bench_knob_orders.py [--rounds 3] [--big]
"""
from __future__ import annotations

import argparse
import statistics
import time

from pcproof.check import hypotheses as C
from pcproof.check.judge import judge_knob_order
from pcproof.model import Architecture, get_activation
from pcproof.rules.zoo.ar import AR
from pcproof.rules.zoo.gaitprop import GaitProp
from pcproof.rules.zoo.relaxed_pc import RelaxedPC


def _nudge(base):
    return C.Knob("gamma", "γ (γ → 0)", r"\gamma", "γ", base=base)


def _to_1(name):
    return C.Knob(name, f"1 − {name}", f"1 - {name}", f"(1 − {name})", at=lambda e: 1 - e, max_order=4)


def cases(big: bool):
    gait = GaitProp(inverse="transpose")
    out = [("gait θ orth 2,2,2", gait, (2, 2, 2), _nudge(C.ORTHOGONAL)),
           ("gait θ orth 2,2,2,2", gait, (2, 2, 2, 2), _nudge(C.ORTHOGONAL)),
           ("gait θᵀθ=I 3,2,2", gait, (3, 2, 2), _nudge(C.ORTHONORMAL_COLUMNS)),
           ("gait none 2,2,2", gait, (2, 2, 2), _nudge(None)),
           ("ar T=3 2,3,2,2", AR(steps=3), (2, 3, 2, 2), _to_1("eta")),
           ("relaxed-pc T=3 2,3,2,2", RelaxedPC(steps=3), (2, 3, 2, 2), _to_1("gamma"))]
    if big:
        out += [("gait θᵀθ=I 3,2,2,2", gait, (3, 2, 2, 2), _nudge(C.ORTHONORMAL_COLUMNS)),
                ("gait θ orth 3,3,3,3", gait, (3, 3, 3, 3), _nudge(C.ORTHOGONAL))]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--big", action="store_true", help="also the two slow sizes (tens of seconds each)")
    args = ap.parse_args()
    todo = cases(args.big)
    wall = {c[0]: [] for c in todo}
    cpu = {c[0]: [] for c in todo}
    said = {}
    for r in range(args.rounds):
        for name, rule, widths, knob in todo[r % len(todo):] + todo[:r % len(todo)]:
            w0, c0 = time.perf_counter(), time.process_time()
            j = judge_knob_order(rule, Architecture(widths, get_activation("uninterpreted")), knob, timeout=None)
            wall[name].append(time.perf_counter() - w0)
            cpu[name].append(time.process_time() - c0)
            o = j.order or {}
            said[name] = ("every" if o.get("every") else f"k={o.get('k')}, departs {o.get('departs_at')}",
                          j.kind)
    print(f"{'case':<26} {'wall median s':>13} {'cpu median s':>12}  verdict")
    for name, *_ in todo:
        print(f"{name:<26} {statistics.median(wall[name]):>13.2f} {statistics.median(cpu[name]):>12.2f}  "
              f"{said[name][1]} ({said[name][0]})")


if __name__ == "__main__":
    main()
