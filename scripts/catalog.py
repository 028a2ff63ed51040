"""Print the seeded-bug catalog as a table: rule × prover × shape, expected vs actual, time.

    python scripts/catalog.py [--only NAME] [--prover concrete|all-depths|fuzz] [--failing]
    python scripts/catalog.py --zoo      # the zoo's seeded bugs (tests/catalog/zoo.py, zoo_graph.py) through the judge

``concrete`` runs both concrete shapes (ragged and deep).  A row is marked ``FAIL``
when the outcome is not among the allowed ones (a false proved, a false refuted, a
crash ...).  Exit status 1 if any row fails.  The catalog lives in tests/catalog/.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from catalog.entries import CATALOG, PROVERS, find  # noqa: E402
from catalog.runner import run  # noqa: E402

GROUPS = {"concrete": ("ragged", "deep"), "all-depths": ("all-depths",), "fuzz": ("fuzz",)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="an entry's name (all its variants) or id")
    ap.add_argument("--prover", choices=sorted(GROUPS), help="one prover (concrete = both shapes)")
    ap.add_argument("--failing", action="store_true", help="print only the rows that fail")
    ap.add_argument("--zoo", action="store_true", help="the zoo's FA/DFA entries and graph FA/relaxed-PC entries, judged under their condition")
    args = ap.parse_args(argv)
    if args.zoo:
        return zoo()
    entries = find(args.only) if args.only else CATALOG
    if not entries:
        ap.error(f"no catalog entry named {args.only!r}")
    provers = GROUPS[args.prover] if args.prover else PROVERS
    header = f"{'entry':52} {'prover':10} {'truth':10} {'expected':26} {'actual':22} {'time':>7}"
    print(header)
    print("-" * len(header))
    bad, start = [], time.perf_counter()
    for e in entries:
        for p in provers:
            r = run(e, p)
            truth = {"ragged": e.ragged, "deep": e.deep}.get(p, e.every)
            shape = {"ragged": "ragged", "deep": f"deep L={len(e.deep_widths) - 1}"}.get(p, p)
            mark = "" if r.ok else "  FAIL"
            if r.ok and args.failing:
                continue
            print(f"{e.id[:52]:52} {shape:10} {truth:10} {'/'.join(sorted(r.allowed)):26} "
                  f"{r.outcome[:60]:22} {r.seconds:6.2f}s{mark}", flush=True)
            if not r.ok:
                bad.append(r)
    n = len(entries) * len(provers)
    print(f"\n{n - len(bad)} of {n} rows as expected, {len(bad)} not, in {time.perf_counter() - start:.1f} s")
    kinds = {}
    for r in bad:
        k = ("false proved" if r.outcome == "proved" else "false refuted" if r.outcome == "refuted"
             else "false passed" if r.outcome == "passed" else "false failed" if r.outcome == "failed"
             else "crash" if r.outcome.startswith("crash") else r.outcome)
        kinds[k] = kinds.get(k, 0) + 1
    if kinds:
        print("not as expected: " + ", ".join(f"{v} {k}" for k, v in sorted(kinds.items())))
    return 1 if bad else 0


def zoo() -> int:
    """Each zoo entry judged under its condition: HOLDS must be 'exact under', FAILS 'not BP'."""
    from catalog.zoo import ZOO_CATALOG
    from pcproof import kernel
    from pcproof.check.judge import judge_condition, prove_updates
    from pcproof.model import Architecture, get_activation
    arch, bad = Architecture((2, 3, 2, 2), get_activation("uninterpreted")), 0
    print(f"{'entry':52} {'truth':8} {'judged':26} {'time':>7}")
    for e in ZOO_CATALOG:
        t0, rule = time.perf_counter(), e.rule()
        j = judge_condition(rule, arch, e.condition, prove_updates(rule, arch))
        ok = j.kind == (kernel.EXACT_UNDER if e.truth == "holds" else kernel.NOT_BP)
        bad += not ok
        print(f"{e.id[:52]:52} {e.truth:8} {j.kind:26} {time.perf_counter() - t0:6.2f}s{'' if ok else '  FAIL'}")
    from catalog.zoo_graph import GRAPH_ZOO_CATALOG
    from pcproof.check.graph_judge import FEEDBACK_TRANSPOSE, judge_graph_condition, prove_graph_updates
    for e in GRAPH_ZOO_CATALOG:
        t0, rule, graph = time.perf_counter(), e.build(), e.graph(arch.activation)
        j = judge_graph_condition(rule, graph, FEEDBACK_TRANSPOSE, prove_graph_updates(rule, graph))
        ok = j.kind == (kernel.EXACT_UNDER if e.truth == "holds" else kernel.NOT_BP)
        bad += not ok
        print(f"{e.id[:52]:52} {e.truth:8} {j.kind:26} {time.perf_counter() - t0:6.2f}s{'' if ok else '  FAIL'}")
    n = len(ZOO_CATALOG) + len(GRAPH_ZOO_CATALOG)
    print(f"\n{n - bad} of {n} zoo entries as expected (layered and graph)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
