"""Stage 6: reports.  One document model (:mod:`.document`), built from the evidence
(:mod:`.build`), rendered to Markdown, LaTeX and MathML HTML by one set of renderers
(:mod:`.render`) whose mathematics all comes from sympy's printer; notebook displays
(:mod:`.display`) and the closed-form trajectory view (:mod:`.trajectory`) share them.

``pcproof report`` (:mod:`.cli`) is the command; :func:`write_reports` is the same from Python.
"""
from . import display  # noqa: F401 (registers the notebook display of Theorem and Verdict)
from .write import write_reports

__all__ = ["write_reports"]
