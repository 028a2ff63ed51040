"""Jupyter display hooks for the objects the kernel and the theorem module define.

``Theorem`` and ``Verdict`` show as LaTeX and as HTML with MathML in a notebook, but the printer
lives in the report package, above them in the pipeline.  So each class inherits
:class:`NotebookDisplay`, which asks :data:`PRINTERS` for its printer, and
``pcproof.report.display`` fills :data:`PRINTERS` when it loads.  Without it a notebook shows
the repr."""
from __future__ import annotations

from typing import Callable

#: {class: {"latex": fn, "html": fn}}, filled by pcproof.report.display.register
PRINTERS: dict[type, dict[str, Callable[[object], str]]] = {}


class NotebookDisplay:
    def _show(self, kind: str) -> str | None:
        show = PRINTERS.get(type(self), {}).get(kind)
        return show(self) if show else None

    def _repr_latex_(self) -> str | None:
        return self._show("latex")

    def _repr_html_(self) -> str | None:
        return self._show("html")
