"""A report as a list of blocks, independent of the output format.

Every piece of mathematics in a block is LaTeX produced by sympy's printer
(``SymbolicOps.latex``) or written in a theorem's declaration; the renderers in
:mod:`pcproof.report.render` turn the same blocks into Markdown, LaTeX and HTML
(DESIGN.md: "printing is a subsystem" — one printer, several back ends).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union


@dataclass(frozen=True)
class M:
    """Inline mathematics (LaTeX)."""

    tex: str


@dataclass(frozen=True)
class Ref:
    """A link to an anchor in the same report (``#axiom-add-zero``) or a sibling file; plain text in LaTeX."""

    text: str
    href: str


#: A run of text: plain strings (shown as they are), inline maths and links, in order.
Part = Union[str, M, Ref]
Parts = list  # list[Part]


def parts(*items) -> Parts:
    return [i for i in items if i != ""]


@dataclass
class Heading:
    level: int
    text: Parts
    anchor: str = ""


@dataclass
class Para:
    text: Parts


@dataclass
class Display:
    """Displayed mathematics (LaTeX, one equation)."""

    tex: str


@dataclass
class Bullets:
    items: list  # list[Parts]


@dataclass
class Table:
    header: list  # list[Parts]
    rows: list    # list[list[Parts]]
    caption: Parts = field(default_factory=list)
    anchors: list = field(default_factory=list)  # an anchor per row ("" for none), for Ref links
    small: bool = False                          # typeset in a smaller font in LaTeX


@dataclass
class Details:
    """A long section that folds in HTML and Markdown (``<details>``) and is left out of the PDF
    (one note under the PDF's title says so)."""

    summary: str
    blocks: list


@dataclass
class Provenance:
    """Where the report came from (:func:`pcproof.provenance.provenance`), in its own marked block."""

    record: dict


@dataclass
class Figure:
    src: str      # path relative to the report's folder
    caption: Parts
    alt: str
    width: float = 0.8  # fraction of the line width in LaTeX


@dataclass
class Gallery:
    """Figures side by side (small multiples), with one caption."""

    figures: list  # list[Figure]
    caption: Parts = field(default_factory=list)


@dataclass
class Verbatim:
    text: str


@dataclass
class Timing:
    """The one place a report holds wall-clock figures (they differ between runs)."""

    rows: list  # list[(label, seconds)] or [(label, value, unit)]


@dataclass
class Link:
    """A paragraph of links to sibling files: [(label, path)]."""

    items: list


@dataclass
class Document:
    slug: str
    title: str
    blocks: list
