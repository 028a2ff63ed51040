"""Write reports and the index to a folder, in each requested format."""
from __future__ import annotations

from pathlib import Path

from .build import Options, index_document, theorem_document
from .render import RENDERERS


def write_document(doc, out: Path, formats) -> list[Path]:
    written = []
    for fmt in formats:
        path = out / f"{doc.slug}.{fmt}"
        path.write_text(RENDERERS[fmt](doc), encoding="utf-8")
        written.append(path)
    return written


def write_reports(theorems, out: Path, formats=("md", "tex", "html"), opts: Options | None = None,
                  echo=lambda s: None) -> list:
    """One report per theorem plus ``index.md`` / ``index.html``; returns the per-theorem results."""
    opts = opts or Options()
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for thm in theorems:
        echo(f"reporting {thm.name} …")
        doc, result = theorem_document(thm, out, opts)
        write_document(doc, out, formats)
        results.append(result)
    index_formats = [f for f in formats if f != "tex"] or ["md"]
    write_document(index_document(results, formats, opts), out, index_formats)
    return results
