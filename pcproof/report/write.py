"""Write reports and the index to a folder, in each requested format, without destroying others.

Each report leaves a small sidecar, ``<theorem>.report.json``, next to its documents: its
title, verdicts at a glance, formats, the files it wrote and the exact command that
regenerates it.  The sidecar holds nothing that changes between runs with one seed
(no timing, no commit), so it is as reproducible as the report.

* Writing a report adds it or updates it: files that the *same* report wrote last time and no
  longer writes (a format dropped) are removed, unless another report still lists them.
* Other reports in the folder stay; the index (``index.md`` / ``index.html``) is rebuilt
  from every sidecar in the folder, so it lists them all.
* ``clean=True`` (``pcproof report --clean``) removes the reports this run did not write, and a
  legacy ``.pcproof-report-files`` manifest.  Files no report lists (``ablation/`` from
  ``pcproof ablate``, a user's notes) are never touched.
"""
from __future__ import annotations

import json
import shlex
import time
from pathlib import Path

from .build import Options, index_document, theorem_document
from .evidence import gather
from .graph_build import graph_document
from .render import RENDERERS

SIDECAR = ".report.json"
LEGACY_MANIFEST = ".pcproof-report-files"
OWN_FOLDERS = ("figures", "smt", "tables")  # folders only reports write into


def write_document(doc, out: Path, formats) -> list[Path]:
    written = []
    for fmt in formats:
        path = out / f"{doc.slug}.{fmt}"
        path.write_text(RENDERERS[fmt](doc), encoding="utf-8")
        written.append(path)
    return written


def _files(out: Path) -> dict[str, float]:
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def sidecars(out: Path) -> dict[str, dict]:
    """Every report in ``out``: theorem name → its sidecar (unreadable sidecars are skipped)."""
    found = {}
    for p in sorted(out.glob(f"*{SIDECAR}")):
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("theorem"), str):
            found[data["theorem"]] = data
    return found


def regenerate_command(theorem: str, out: Path, formats, opts: Options, extra_args=()) -> str:
    """The ``pcproof report`` command that writes this report again: the options that differ from
    the defaults, and ``extra_args`` (``--load FILE``, ``--rule FILE:NAME``) as the user gave them."""
    from .build import RUNS
    d = Options()
    args = ["pcproof", "report", theorem, "--out", str(out)]
    if tuple(formats) != ("md", "tex", "html"):
        args += ["--format", ",".join(formats)]
    args += ["--seed", str(opts.seed)]
    if opts.timeout != d.timeout:
        args += ["--timeout", f"{opts.timeout:g}"]
    if opts.fuzz_cases != d.fuzz_cases:
        args += ["--fuzz-cases", str(opts.fuzz_cases)]
    if not opts.all_depths:
        args.append("--no-all-depths")
    if not opts.fuzz:
        args.append("--no-fuzz")
    if opts.ablation_dir != d.ablation_dir:
        args += ["--ablation", str(opts.ablation_dir) if opts.ablation_dir else ""]
    if tuple(opts.runs) == RUNS[:1]:
        args.append("--quick")
    return shlex.join([*args, *map(str, extra_args)])


def _remove(out: Path, rel: str, echo) -> None:
    path = out / rel
    if ".." in Path(rel).parts or not path.is_file():
        return
    path.unlink()
    echo(f"removed {rel}")
    folder = path.parent
    while folder != out and not any(folder.iterdir()):  # empty folders it left, never ``out``
        folder.rmdir()
        folder = folder.parent


def write_reports(theorems, out: Path, formats=("md", "tex", "html"), opts: Options | None = None,
                  echo=lambda s: None, extra_args=(), clean: bool = False, argv=None) -> list:
    """One report per theorem plus ``index.md`` / ``index.html``; returns the per-theorem results.

    ``extra_args`` are the options that made the theorems or rules available (``--load FILE``,
    ``--rule FILE:NAME``), repeated in each report's regeneration command; ``argv`` is the
    command line recorded in the provenance block (default ``sys.argv``)."""
    from ..progress import bar as progress_bar
    from ..provenance import provenance
    opts = opts or Options()
    out.mkdir(parents=True, exist_ok=True)
    formats = tuple(formats)
    previous = sidecars(out)
    record = provenance(argv, seed=opts.seed)
    results, entries = [], {}
    start = time.perf_counter()
    bar = progress_bar(len(theorems), "report", "theorem")
    for thm in theorems:
        echo(f"reporting {thm.name} …")
        before = _files(out)
        command = regenerate_command(thm.name, out, formats, opts, extra_args)
        evidence = gather(thm, opts)   # the provers run here; theorem_document only renders
        document = graph_document if getattr(thm, "graph", False) else theorem_document
        doc, result = document(thm, out, opts, command=command, provenance=record, evidence=evidence)
        docs = write_document(doc, out, formats)
        results.append(result)
        # this report's files: its documents and what it put under figures/, smt/, tables/ in this run
        files = {p.relative_to(out).as_posix() for p in docs}
        files |= {f for f, mtime in _files(out).items() if f.split("/")[0] in OWN_FOLDERS and before.get(f) != mtime}
        # files the report needs that another report wrote first (a shared ablation figure) stay listed
        files |= {f for f in previous.get(thm.name, {}).get("files", []) if (out / f).is_file()
                  and f.split("/")[0] in OWN_FOLDERS and f in doc_sources(doc)}
        entries[thm.name] = {
            "theorem": thm.name, "title": thm.title, "hypotheses": result.hypotheses, "formats": list(formats),
            "files": sorted(files), "command": command,
            "summary": {"concrete": [list(c) for c in result.concrete], "all_depths": result.all_depths,
                        "control": result.control, "fuzz": result.fuzz, "ablation": result.ablation},
        }
        bar.update()
    bar.close()
    seconds = time.perf_counter() - start
    keep = {**({} if clean else previous), **entries}
    # files of an earlier version of a report (or of a report --clean drops) that nothing kept lists
    listed = {f for e in keep.values() for f in e.get("files", [])}
    for name, old in previous.items():
        if name in keep and name not in entries:
            continue
        for f in old.get("files", []):
            if f not in listed:
                _remove(out, f, echo)
        if name not in keep:
            _remove(out, f"{name}{SIDECAR}", echo)
    if clean and (out / LEGACY_MANIFEST).is_file():
        _remove(out, LEGACY_MANIFEST, echo)
    for name, entry in entries.items():
        (out / f"{name}{SIDECAR}").write_text(json.dumps(entry, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                                             encoding="utf-8")
    # the index always in both formats, so that neither is left stale by a run with fewer formats
    from ..theorem import REGISTRY
    order = {name: i for i, name in enumerate(REGISTRY)}  # the paper's order, then the rest by name
    ordered = [keep[name] for name in sorted(keep, key=lambda n: (order.get(n, len(order)), n))]
    write_document(index_document(ordered, seconds), out, ("md", "html"))
    return results


def doc_sources(doc) -> set[str]:
    """Every file a document refers to (figures, linked tables)."""
    from .document import Figure, Gallery, Link
    found = set()
    for b in doc.blocks:
        if isinstance(b, Figure):
            found.add(b.src)
        elif isinstance(b, Gallery):
            found |= {f.src for f in b.figures}
        elif isinstance(b, Link):
            found |= {href for _, href in b.items}
    return found
