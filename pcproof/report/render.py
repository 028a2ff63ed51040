"""Three back ends for one :class:`~pcproof.report.document.Document`: Markdown
(maths between ``$`` as common code hosts render it), a standalone LaTeX file,
and an HTML page whose maths is MathML converted here by ``latex2mathml`` (no
script, no network).  The LaTeX itself always comes from the blocks, so the
three formats show the same formulas.

Wall-clock figures live only in the :class:`~pcproof.report.document.Timing`
block, between the markers ``timing:begin`` and ``timing:end`` (an HTML/Markdown
comment or a TeX comment); the provenance record (commit, dirty flag, command line,
library versions) lives between ``provenance:begin`` and ``provenance:end``.  Two runs
with the same seed differ only inside those two blocks (:func:`strip_timing`).
"""
from __future__ import annotations

import html as _html
import re
import unicodedata

from .document import (M, Bullets, Details, Display, Document, Figure, Gallery, Heading, Link, Para, Provenance,
                       Ref, Table, Timing, Verbatim)
from .plaintex import UNICODE_TEX, decompose, greek

TIMING_BEGIN, TIMING_END = "timing:begin", "timing:end"
PROVENANCE_BEGIN, PROVENANCE_END = "provenance:begin", "provenance:end"
FORMATS = ("md", "tex", "html")


_PROVENANCE_LABELS = {"pcproof": "pcproof version", "commit": "git commit", "dirty": "uncommitted changes",
                      "python": "Python", "command": "command line", "seed": "seed"}


def _provenance_rows(block: Provenance) -> list[tuple[str, str]]:
    """(label, value) for every recorded fact; absent ones (no checkout, say) are left out."""
    rows = []
    for k, v in block.record.items():
        if v is None:
            continue
        v = {True: "yes", False: "no"}.get(v, v) if isinstance(v, bool) else v
        rows.append((_PROVENANCE_LABELS.get(k, k), str(v)))
    return rows


def _timing_rows(block: Timing) -> list[tuple[str, str]]:
    """(label, value with unit); a row is (label, seconds) or (label, value, unit)."""
    out = []
    for row in block.rows:
        label, value, unit = (*row, "s") if len(row) == 2 else row
        out.append((label, f"{value:.3f} {unit}" if isinstance(value, float) else f"{value} {unit}"))
    return out


# -- Markdown ----------------------------------------------------------------------------

def _md_math(tex: str, in_table: bool = False) -> str:
    tex = " ".join(tex.split())
    if in_table:
        tex = tex.replace("|", r"\vert ")
    return f"${tex}$"


def _md_text(s: str, in_table: bool = False) -> str:
    s = s.replace("\\", "\\\\").replace("$", r"\$").replace("*", r"\*").replace("_", r"\_")
    return s.replace("|", r"\|") if in_table else s


def _md_part(p, in_table=False) -> str:
    if isinstance(p, M):
        return _md_math(p.tex, in_table)
    if isinstance(p, Ref):
        return f"[{_md_text(p.text, in_table)}]({p.href})"
    return _md_text(p, in_table)


def _md_parts(ps, in_table=False) -> str:
    return "".join(_md_part(p, in_table) for p in ps)


def to_markdown(doc: Document) -> str:
    return "\n\n".join(_md_blocks(doc.blocks)) + "\n"


def _md_blocks(blocks) -> list[str]:
    out = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append("#" * b.level + " " + _md_parts(b.text))
        elif isinstance(b, Para):
            out.append(_md_parts(b.text))
        elif isinstance(b, Display):
            out.append("$$\n" + b.tex.strip() + "\n$$")
        elif isinstance(b, Bullets):
            out.append("\n".join("- " + _md_parts(i) for i in b.items))
        elif isinstance(b, Table):
            lines = ["| " + " | ".join(_md_parts(h, True) for h in b.header) + " |",
                     "|" + "---|" * len(b.header)]
            anchors = b.anchors or [""] * len(b.rows)
            lines += ["| " + (f'<a id="{a}"></a>' if a else "") + " | ".join(_md_parts(c, True) for c in row) + " |"
                      for a, row in zip(anchors, b.rows)]
            if b.caption:
                lines.append("\n" + _md_parts(b.caption))
            out.append("\n".join(lines))
        elif isinstance(b, Figure):
            out.append(f"![{b.alt}]({b.src})\n\n" + _md_parts(b.caption))
        elif isinstance(b, Gallery):
            out.append(" ".join(f"![{f.alt}]({f.src})" for f in b.figures) + "\n\n" + _md_parts(b.caption))
        elif isinstance(b, Details):
            out.append(f"<details><summary>{_html.escape(b.summary, quote=False)}</summary>\n\n"
                       + "\n\n".join(_md_blocks(b.blocks)) + "\n\n</details>")
        elif isinstance(b, Provenance):
            rows = "\n".join(f"| {label} | {_md_text(v, True)} |" for label, v in _provenance_rows(b))
            out.append(f"<!-- {PROVENANCE_BEGIN} -->\n| recorded | value |\n|---|---|\n{rows}\n<!-- {PROVENANCE_END} -->")
        elif isinstance(b, Verbatim):
            out.append("```\n" + b.text.rstrip() + "\n```")
        elif isinstance(b, Link):
            out.append(" · ".join(f"[{label}]({href})" for label, href in b.items))
        elif isinstance(b, Timing):
            rows = "\n".join(f"| {label} | {t} |" for label, t in _timing_rows(b))
            out.append(f"<!-- {TIMING_BEGIN} -->\n| run | wall-clock figure |\n|---|---|\n{rows}\n<!-- {TIMING_END} -->")
        else:  # pragma: no cover - a new block type without a renderer is a bug
            raise TypeError(f"no Markdown for {type(b).__name__}")
    return out


# -- LaTeX -------------------------------------------------------------------------------

_UNICODE_TEX, _greek = UNICODE_TEX, greek  # one table for plain text and for the provers' maths

_TEXT_TEX = {"—": "---", "–": "--", "’": "'", "‘": "`", "“": "``", "”": "''", "\u00a0": "~"}
_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
            "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
            "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}"}


def tex_text(s: str) -> str:
    """Plain text (which may hold Greek letters, x̄, ᵀ …) as pdflatex-safe LaTeX."""
    out = []
    chars = decompose(s)
    i = 0
    while i < len(chars):
        c = chars[i]
        nxt = chars[i + 1] if i + 1 < len(chars) else ""
        if nxt == "\u0304":  # a letter with a macron: x̄
            out.append(rf"\ensuremath{{\bar{{{c}}}}}")
            i += 2
            continue
        if c == "-" and nxt == "-":  # --seed, not an en dash
            out.append("-{}")
        elif c in _SPECIAL:
            out.append(_SPECIAL[c])
        elif c in _UNICODE_TEX:
            out.append(rf"\ensuremath{{{_UNICODE_TEX[c]}}}")
        elif c in _TEXT_TEX:
            out.append(_TEXT_TEX[c])
        elif ord(c) < 128:
            out.append(c)
        elif unicodedata.combining(c):
            pass
        elif _greek(c):
            out.append(rf"\ensuremath{{{_greek(c)}}}")
        else:
            out.append("?")
        i += 1
    return "".join(out)


_VERBATIM_ASCII = {"±": "+/-", "−": "-", "—": "--", "–": "-", "…": "...", "·": "*", "×": "x", "≤": "<=", "≥": ">=",
                   "≠": "!=", "→": "->"}


def _tex_ascii(s: str) -> str:
    """For verbatim text: ASCII only (Greek letters by name)."""
    out = []
    for c in unicodedata.normalize("NFKD", s):
        if unicodedata.combining(c):
            continue
        out.append(c if ord(c) < 128 else _VERBATIM_ASCII.get(c) or (greek(c) or "\\?")[1:])
    return "".join(out)


def _tex_parts(ps) -> str:
    return "".join(f"${p.tex}$" if isinstance(p, M) else tex_text(p.text if isinstance(p, Ref) else p) for p in ps)


FOLDED_NOTE = "Sections folded in the HTML and Markdown reports are left out of this PDF, for length."

LONG_TABLE = 25  # rows above which a LaTeX table becomes a longtable

_SECTION = {1: "section*", 2: "section", 3: "subsection", 4: "subsubsection"}


def _fit(body: str) -> str:
    return r"\resizebox{\ifdim\width>\linewidth\linewidth\else\width\fi}{!}{" + body + "}"


def to_latex(doc: Document) -> str:
    out = [r"\documentclass[10pt]{article}",
           r"\usepackage[margin=2cm]{geometry}",
           r"\usepackage{amsmath,amssymb,graphicx,longtable}",
           r"\setlength{\parindent}{0pt}\setlength{\parskip}{0.4em}",
           # an appendix, not a paper: tight displays and lists (the theorem's PDF fits in about four pages)
           r"\makeatletter\g@addto@macro\normalsize{\setlength\abovedisplayskip{3pt}"
           r"\setlength\belowdisplayskip{3pt}\setlength\abovedisplayshortskip{0pt}"
           r"\setlength\belowdisplayshortskip{2pt}}\makeatother",
           r"\let\olditemize\itemize\renewcommand{\itemize}{\olditemize\setlength{\itemsep}{0pt}"
           r"\setlength{\parskip}{0pt}\setlength{\topsep}{2pt}}",
           r"\makeatletter\renewcommand\section{\@startsection{section}{1}{\z@}{-2ex plus -.5ex}{1ex}"
           r"{\normalfont\Large\bfseries}}\renewcommand\subsection{\@startsection{subsection}{2}{\z@}"
           r"{-1.5ex plus -.5ex}{.6ex}{\normalfont\large\bfseries}}\renewcommand\subsubsection"
           r"{\@startsection{subsubsection}{3}{\z@}{-1.2ex plus -.3ex}{.4ex}{\normalfont\normalsize\bfseries}}"
           r"\makeatother",
           r"\begin{document}"]
    body = _tex_blocks(doc.blocks)
    if any(isinstance(b, Details) for b in doc.blocks):
        at = next((i + 1 for i, b in enumerate(doc.blocks) if isinstance(b, Link)), 1)  # under the title's links
        body.insert(at, r"{\small\textit{" + tex_text(FOLDED_NOTE) + r"}\par}")
    out += body
    out.append(r"\end{document}")
    return "\n\n".join(out) + "\n"


def _tex_table(b: Table) -> str:
    spec = "|" + "l|" * len(b.header)
    rows = [" & ".join(_tex_parts(h) for h in b.header) + r" \\ \hline"]
    rows += [" & ".join(_tex_parts(c) for c in row) + r" \\" for row in b.rows]
    cap = ("\n\n" + _tex_parts(b.caption)) if b.caption else ""
    if len(b.rows) > LONG_TABLE:  # breaks across pages; the header repeats
        size = "\\tiny" if len(b.header) > 8 else "\\scriptsize"
        return ("{" + size + "\\setlength{\\tabcolsep}{3pt}\n\\begin{longtable}{" + spec + "}\\hline\n"
                + rows[0] + "\n\\endhead\n\\hline\\endfoot\n" + "\n".join(rows[1:]) + "\n\\end{longtable}}" + cap)
    body = "\\begin{tabular}{" + spec + "}\\hline\n" + "\n".join(rows) + "\n\\hline\\end{tabular}"
    if b.small:
        body = "{\\small\\setlength{\\tabcolsep}{3pt}" + body + "}"
    return "\\begin{center}\n" + _fit(body) + cap + "\n\\end{center}"


def _tex_blocks(blocks) -> list[str]:
    out = []
    for b in blocks:
        if isinstance(b, Heading):
            if b.level == 1:
                out.append(r"{\LARGE\bfseries " + _tex_parts(b.text) + r"\par}")
            else:
                out.append("\\" + _SECTION.get(b.level, "paragraph*") + "{" + _tex_parts(b.text) + "}")
        elif isinstance(b, Para):
            out.append(_tex_parts(b.text) + "\n")
        elif isinstance(b, Display):
            out.append(r"\[" + _fit("$\\displaystyle " + b.tex.strip() + "$") + r"\]")
        elif isinstance(b, Bullets):
            out.append("\\begin{itemize}\n" + "\n".join(r"\item " + _tex_parts(i) for i in b.items)
                       + "\n\\end{itemize}")
        elif isinstance(b, Table):
            out.append(_tex_table(b))
        elif isinstance(b, Figure):
            out.append("\\begin{center}\n\\includegraphics[width=" + f"{b.width:g}" + "\\linewidth]{" + b.src + "}\n\n"
                       + _tex_parts(b.caption) + "\n\\end{center}")
        elif isinstance(b, Gallery):  # one under the other, each at its own width
            out.append("\\begin{center}\n" + "\\\\\n".join(
                "\\includegraphics[width=" + f"{f.width:g}" + "\\linewidth]{" + f.src + "}" for f in b.figures)
                + "\n\n" + _tex_parts(b.caption) + "\n\\end{center}")
        elif isinstance(b, Details):
            pass  # left out of the PDF; the note under the title says so once
        elif isinstance(b, Verbatim):
            out.append("\\begin{verbatim}\n" + _tex_ascii(b.text.rstrip()) + "\n\\end{verbatim}")
        elif isinstance(b, Link):
            out.append(" $\\cdot$ ".join(r"\texttt{" + tex_text(href) + "}" for _, href in b.items))
        elif isinstance(b, Provenance):  # a paragraph, not a table: the PDF is short
            text = "; ".join(tex_text(label) + r" \texttt{" + tex_text(v) + "}" for label, v in _provenance_rows(b))
            out.append(f"% {PROVENANCE_BEGIN}\n{{\\scriptsize {text}.\\par}}\n% {PROVENANCE_END}")
        elif isinstance(b, Timing):
            text = "; ".join(tex_text(label) + ": " + t for label, t in _timing_rows(b))
            out.append(f"% {TIMING_BEGIN}\n{{\\scriptsize {text}.\\par}}\n% {TIMING_END}")
        else:  # pragma: no cover
            raise TypeError(f"no LaTeX for {type(b).__name__}")
    return out


# -- HTML --------------------------------------------------------------------------------

class MathError(ValueError):
    """A formula latex2mathml could not convert (a bug in the report, not in the maths)."""


def mathml(tex: str, display: bool = False) -> str:
    """LaTeX → MathML (presentation markup every current browser renders, no script)."""
    from latex2mathml.converter import convert
    try:
        return convert(tex.strip(), display="block" if display else "inline")
    except Exception as exc:
        raise MathError(f"latex2mathml cannot convert {tex!r}: {exc}") from None


def _h(s: str) -> str:
    return _html.escape(s, quote=True)


def _html_part(p) -> str:
    if isinstance(p, M):
        return mathml(p.tex)
    if isinstance(p, Ref):
        return f'<a href="{_h(p.href)}">{_h(p.text)}</a>'
    return _h(p)


def _html_parts(ps) -> str:
    return "".join(_html_part(p) for p in ps)


_CSS = """
body { font-family: system-ui, sans-serif; max-width: 62rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.5; color: #1a1a1a; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #bbb; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
.display { overflow-x: auto; overflow-y: hidden; margin: 0.8rem 0; }
pre { background: #f6f6f6; padding: 0.6rem; overflow-x: auto; }
figure { margin: 1rem 0; } figure img { max-width: 100%; }
figure.gallery img { display: block; max-width: 100%; margin-bottom: 0.4rem; }
details { margin: 0.6rem 0; } summary { cursor: pointer; color: #333; }
.verdict-proved { color: #106b10; font-weight: bold; }
.verdict-refuted { color: #a01010; font-weight: bold; }
.verdict-unknown { color: #8a6d00; font-weight: bold; }
math { font-size: 1.05em; }
""".strip()


_VERDICT_CELL = re.compile(r"^(proved|refuted|unknown)(?: \(\d+/\d+\)| / \1)*$")


def _html_cell(ps) -> str:
    """A table cell; one that is only a verdict ("proved", "proved (4/4)", "proved / proved") is coloured."""
    text = _html_parts(ps)
    m = _VERDICT_CELL.match(ps[0]) if len(ps) == 1 and isinstance(ps[0], str) else None
    return f'<span class="verdict-{m.group(1)}">{text}</span>' if m else text


def html_blocks(blocks) -> str:
    """The HTML body for a list of blocks."""
    out = []
    for b in blocks:
        if isinstance(b, Heading):
            anchor = f' id="{_h(b.anchor)}"' if b.anchor else ""
            out.append(f"<h{b.level}{anchor}>{_html_parts(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            out.append(f"<p>{_html_parts(b.text)}</p>")
        elif isinstance(b, Display):
            out.append(f'<div class="display">{mathml(b.tex, display=True)}</div>')
        elif isinstance(b, Bullets):
            out.append("<ul>" + "".join(f"<li>{_html_parts(i)}</li>" for i in b.items) + "</ul>")
        elif isinstance(b, Table):
            head = "".join(f"<th>{_html_parts(h)}</th>" for h in b.header)
            anchors = b.anchors or [""] * len(b.rows)
            rows = "".join((f'<tr id="{_h(a)}">' if a else "<tr>") + "".join(f"<td>{_html_cell(c)}</td>" for c in row)
                           + "</tr>" for a, row in zip(anchors, b.rows))
            cap = f"<caption>{_html_parts(b.caption)}</caption>" if b.caption else ""
            out.append(f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif isinstance(b, Figure):
            out.append(f'<figure><img src="{_h(b.src)}" alt="{_h(b.alt)}">'
                       f"<figcaption>{_html_parts(b.caption)}</figcaption></figure>")
        elif isinstance(b, Gallery):
            out.append('<figure class="gallery">' + "".join(f'<img src="{_h(f.src)}" alt="{_h(f.alt)}">' for f in b.figures)
                       + f"<figcaption>{_html_parts(b.caption)}</figcaption></figure>")
        elif isinstance(b, Details):
            out.append(f"<details><summary>{_h(b.summary)}</summary>\n{html_blocks(b.blocks)}\n</details>")
        elif isinstance(b, Provenance):
            rows = "".join(f"<tr><td>{_h(label)}</td><td><code>{_h(v)}</code></td></tr>" for label, v in _provenance_rows(b))
            out.append(f'<!-- {PROVENANCE_BEGIN} --><section id="provenance-record"><table><thead><tr><th>recorded</th>'
                       f"<th>value</th></tr></thead><tbody>{rows}</tbody></table></section><!-- {PROVENANCE_END} -->")
        elif isinstance(b, Verbatim):
            out.append(f"<pre>{_h(b.text.rstrip())}</pre>")
        elif isinstance(b, Link):
            out.append("<p>" + " · ".join(f'<a href="{_h(href)}">{_h(label)}</a>' for label, href in b.items) + "</p>")
        elif isinstance(b, Timing):
            rows = "".join(f"<tr><td>{_h(label)}</td><td>{t}</td></tr>" for label, t in _timing_rows(b))
            out.append(f'<!-- {TIMING_BEGIN} --><section id="timing"><table><thead><tr><th>run</th>'
                       f"<th>wall-clock figure</th></tr></thead><tbody>{rows}</tbody></table></section>"
                       f"<!-- {TIMING_END} -->")
        else:  # pragma: no cover
            raise TypeError(f"no HTML for {type(b).__name__}")
    return "\n".join(out)


def to_html_fragment(blocks) -> str:
    """Blocks as an HTML fragment (for Jupyter's ``_repr_html_``)."""
    return '<div class="pcproof">' + html_blocks(blocks) + "</div>"


def to_html(doc: Document) -> str:
    body = html_blocks(doc.blocks)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_h(doc.title)}</title>\n<style>\n{_CSS}\n</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")


RENDERERS = {"md": to_markdown, "tex": to_latex, "html": to_html}


def strip_timing(text: str) -> str:
    """``text`` without its marked timing and provenance blocks (what must be identical between
    seeded runs: the commit, the command line and the wall-clock figures may differ)."""
    for begin, end in ((TIMING_BEGIN, TIMING_END), (PROVENANCE_BEGIN, PROVENANCE_END)):
        text = re.sub(rf"{begin}.*?{end}", "", text, flags=re.S)
    return text
