"""Write reports and the index to a folder, in each requested format.

``pcproof report`` regenerates its folder from scratch without touching anything it did
not write: it lists the files it wrote in ``.pcproof-report-files`` and, on the next run,
removes the ones it no longer writes (a theorem dropped, a format no longer asked for).
Other files in the folder — ``reports/ablation/`` from ``pcproof ablate``, say — stay.
"""
from __future__ import annotations

from pathlib import Path

from .build import Options, index_document, theorem_document
from .render import RENDERERS

MANIFEST = ".pcproof-report-files"
OWN_FOLDERS = ("figures", "smt")  # folders only the report writes into


def write_document(doc, out: Path, formats) -> list[Path]:
    written = []
    for fmt in formats:
        path = out / f"{doc.slug}.{fmt}"
        path.write_text(RENDERERS[fmt](doc), encoding="utf-8")
        written.append(path)
    return written


def _files(out: Path) -> dict[str, float]:
    return {p.relative_to(out).as_posix(): p.stat().st_mtime for p in out.rglob("*") if p.is_file()}


def write_reports(theorems, out: Path, formats=("md", "tex", "html"), opts: Options | None = None,
                  echo=lambda s: None) -> list:
    """One report per theorem plus ``index.md`` / ``index.html``; returns the per-theorem results."""
    opts = opts or Options()
    out.mkdir(parents=True, exist_ok=True)
    before = _files(out)
    results, docs = [], []
    for thm in theorems:
        echo(f"reporting {thm.name} …")
        doc, result = theorem_document(thm, out, opts)
        docs += write_document(doc, out, formats)
        results.append(result)
    index_formats = [f for f in formats if f != "tex"] or ["md"]
    docs += write_document(index_document(results, formats, opts), out, index_formats)
    # the report's own files: its documents, and what it put under figures/ and smt/ in this run
    written = {p.relative_to(out).as_posix() for p in docs}
    written |= {f for f, mtime in _files(out).items() if f.split("/")[0] in OWN_FOLDERS and before.get(f) != mtime}
    written = sorted(written)
    manifest = out / MANIFEST
    if manifest.is_file():
        for stale in set(manifest.read_text().split("\n")) - set(written) - {""}:
            path = out / stale
            if path.is_file() and ".." not in Path(stale).parts:
                path.unlink()
                echo(f"removed {stale} (no longer written)")
                folder = path.parent
                while folder != out and not any(folder.iterdir()):  # empty folders it left, never ``out``
                    folder.rmdir()
                    folder = folder.parent
    manifest.write_text("\n".join(written) + "\n")
    return results
