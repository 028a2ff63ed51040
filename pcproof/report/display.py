"""Rich display in Jupyter: ``Theorem``, ``Verdict`` and trajectories show as LaTeX
(``_repr_latex_``) and as HTML with MathML (``_repr_html_``).  The methods on those
classes delegate here through ``pcproof.notebook.PRINTERS``, which
this module fills when it loads (``import pcproof.report`` loads it), so the notebook and
the reports share one printer and the kernel imports none.
"""
from __future__ import annotations

from .document import M, Display, Heading, Para, parts
from .render import to_html_fragment


def _text_tex(s: str) -> str:
    """Plain text inside ``\\text{…}`` (MathJax and KaTeX read the Unicode as is)."""
    return s.replace("\\", "").replace("{", r"\{").replace("}", r"\}").replace("^", r"\^{}").replace("$", r"\$")


def theorem_latex(thm) -> str:
    hyps = ", ".join(c.name for c in thm.hypotheses) or "none"
    return (rf"$$\textbf{{{_text_tex(thm.name)}}}\ \text{{({_text_tex(hyps)})}}\quad {thm.statement}$$")


def theorem_blocks(thm) -> list:
    from .build import statement_blocks
    from .build import math_or_text
    return [Heading(3, parts(f"{thm.name}: ", *math_or_text(thm.title)))] + statement_blocks(thm)[1:]


def theorem_html(thm) -> str:
    return to_html_fragment(theorem_blocks(thm))


def verdict_latex(v) -> str:
    net = "every depth" if v.depth is None else f"L = {v.depth}, widths {v.widths}"
    return rf"$$\text{{{_text_tex(v.theorem)}: }}\textbf{{{v.verdict}}}\quad\text{{({_text_tex(net)}; {_text_tex(v.method)})}}$$"


def verdict_html(v) -> str:
    """The verdict, the statement it is about (when the theorem is registered) and its evidence."""
    from ..theorem import REGISTRY
    from .build import verdict_blocks
    blocks = [Heading(3, parts(f"{v.theorem}: {v.verdict}"))]
    if v.theorem in REGISTRY:
        blocks.append(Display(REGISTRY[v.theorem].statement))
    return to_html_fragment(blocks + verdict_blocks(v))


def equation_html(label: str) -> str:
    """One LaTeX formula as MathML (block)."""
    return to_html_fragment([Display(label)])


def trajectory(theorem: str = "cor-gamma", depth: int = 3, width: int = 2, activation: str = "uninterpreted",
               bias: bool = False, steps: int | None = None):
    """The closed-form trajectory of ``theorem``'s PC rule on a small network, ready to display.

    >>> trajectory("thm-3.1", depth=2, width=1).eps_latex(1, 1)
    ['\\\\delta^{1}_{0}']
    """
    from ..model import Architecture, get_activation
    from ..theorem import get
    from .trajectory import Trajectory
    arch = Architecture.make(get_activation(activation), depth=depth, width=width, bias=bias)
    return Trajectory(get(theorem), arch, steps=steps)


def register() -> None:
    """Show Theorems and Verdicts as mathematics in Jupyter: the kernel and the theorem module
    import no printer (pcproof.notebook); the report package registers it on import."""
    from ..kernel import Verdict
    from ..notebook import PRINTERS
    from ..theorem import Theorem
    PRINTERS[Verdict] = dict(latex=verdict_latex, html=verdict_html)
    PRINTERS[Theorem] = dict(latex=theorem_latex, html=theorem_html)


register()

__all__ = ["theorem_latex", "theorem_html", "verdict_latex", "verdict_html", "trajectory", "equation_html",
           "M", "Para"]
