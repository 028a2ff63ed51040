"""Three back ends for one :class:`~pcproof.report.document.Document`: Markdown
(maths between ``$`` as common code hosts render it), a standalone LaTeX file,
and an HTML page whose maths is MathML converted here by ``latex2mathml`` (no
script, no network).  The LaTeX itself always comes from the blocks, so the
three formats show the same formulas.

Wall-clock figures live only in the :class:`~pcproof.report.document.Timing`
block, between the markers ``timing:begin`` and ``timing:end`` (an HTML/Markdown
comment or a TeX comment), so two runs with the same seed differ only there.
"""
from __future__ import annotations

import html as _html
import re
import unicodedata

from .document import (M, Bullets, Display, Document, Figure, Heading, Link, Para, Table, Timing,
                       Verbatim)

TIMING_BEGIN, TIMING_END = "timing:begin", "timing:end"
FORMATS = ("md", "tex", "html")


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


def _md_parts(ps, in_table=False) -> str:
    return "".join(_md_math(p.tex, in_table) if isinstance(p, M) else _md_text(p, in_table) for p in ps)


def to_markdown(doc: Document) -> str:
    out = []
    for b in doc.blocks:
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
            lines += ["| " + " | ".join(_md_parts(c, True) for c in row) + " |" for row in b.rows]
            if b.caption:
                lines.append("\n" + _md_parts(b.caption))
            out.append("\n".join(lines))
        elif isinstance(b, Figure):
            out.append(f"![{b.alt}]({b.src})\n\n" + _md_parts(b.caption))
        elif isinstance(b, Verbatim):
            out.append("```\n" + b.text.rstrip() + "\n```")
        elif isinstance(b, Link):
            out.append(" · ".join(f"[{label}]({href})" for label, href in b.items))
        elif isinstance(b, Timing):
            rows = "\n".join(f"| {label} | {t} |" for label, t in _timing_rows(b))
            out.append(f"<!-- {TIMING_BEGIN} -->\n| run | wall-clock figure |\n|---|---|\n{rows}\n<!-- {TIMING_END} -->")
        else:  # pragma: no cover - a new block type without a renderer is a bug
            raise TypeError(f"no Markdown for {type(b).__name__}")
    return "\n\n".join(out) + "\n"


# -- LaTeX -------------------------------------------------------------------------------

#: Unicode that appears in pcproof's plain text, as LaTeX (pdflatex reads ASCII only).
_UNICODE_TEX = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon",
    "η": r"\eta", "θ": r"\theta", "μ": r"\mu", "σ": r"\sigma", "ϕ": r"\phi", "φ": r"\phi",
    "Δ": r"\Delta", "≥": r"\geq", "≤": r"\leq", "≠": r"\neq", "⊙": r"\odot", "→": r"\to",
    "×": r"\times", "·": r"\cdot", "…": r"\dots", "ᵀ": r"^{\top}", "∞": r"\infty", "√": r"\surd",
    "±": r"\pm", "∈": r"\in", "≈": r"\approx", "−": "-", "‖": r"\|", "∂": r"\partial", "ℓ": r"\ell",
    "Σ": r"\Sigma", "∑": r"\sum", "∀": r"\forall", "∃": r"\exists", "∧": r"\wedge", "∨": r"\vee",
    "¬": r"\neg", "⟹": r"\Longrightarrow", "⇒": r"\Rightarrow", "⟺": r"\Longleftrightarrow", "↦": r"\mapsto",
    "⊆": r"\subseteq", "∘": r"\circ", "⋅": r"\cdot", "≡": r"\equiv", "∅": r"\emptyset",
    "⁰": "^{0}", "¹": "^{1}", "²": "^{2}", "³": "^{3}", "ᵢ": "_{i}", "ₗ": "_{l}", "ₜ": "_{t}",
}


def _greek(c: str) -> str | None:
    """Any Greek letter by its Unicode name (GREEK SMALL LETTER RHO → \\rho)."""
    name = unicodedata.name(c, "")
    for prefix, case in (("GREEK SMALL LETTER ", str.lower), ("GREEK CAPITAL LETTER ", str.capitalize)):
        if name.startswith(prefix) and " " not in name[len(prefix):]:
            word = case(name[len(prefix):])
            return "\\" + ("omicron" if word == "omicron" else word) if word.lower() != "omicron" else "o"
    return None
_TEXT_TEX = {"—": "---", "–": "--", "’": "'", "‘": "`", "“": "``", "”": "''", "\u00a0": "~"}
_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
            "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
            "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}"}


def tex_text(s: str) -> str:
    """Plain text (which may hold Greek letters, x̄, ᵀ …) as pdflatex-safe LaTeX."""
    out = []
    chars = unicodedata.normalize("NFD", s)
    i = 0
    while i < len(chars):
        c = chars[i]
        nxt = chars[i + 1] if i + 1 < len(chars) else ""
        if nxt == "\u0304":  # a letter with a macron: x̄
            out.append(rf"\ensuremath{{\bar{{{c}}}}}")
            i += 2
            continue
        if c in _SPECIAL:
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


def _tex_ascii(s: str) -> str:
    """For verbatim text: ASCII only."""
    return "".join(c if ord(c) < 128 else "?" for c in unicodedata.normalize("NFKD", s)
                   if not unicodedata.combining(c))


def _tex_parts(ps) -> str:
    return "".join(f"${p.tex}$" if isinstance(p, M) else tex_text(p) for p in ps)


LONG_TABLE = 25  # rows above which a LaTeX table becomes a longtable

_SECTION = {1: "section*", 2: "section", 3: "subsection", 4: "subsubsection"}


def _fit(body: str) -> str:
    return r"\resizebox{\ifdim\width>\linewidth\linewidth\else\width\fi}{!}{" + body + "}"


def to_latex(doc: Document) -> str:
    out = [r"\documentclass[11pt]{article}",
           r"\usepackage[margin=2cm]{geometry}",
           r"\usepackage{amsmath,amssymb,graphicx,longtable}",
           r"\setlength{\parindent}{0pt}\setlength{\parskip}{0.6em}",
           r"\begin{document}"]
    for b in doc.blocks:
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
            spec = "|" + "l|" * len(b.header)
            rows = [" & ".join(_tex_parts(h) for h in b.header) + r" \\ \hline"]
            rows += [" & ".join(_tex_parts(c) for c in row) + r" \\" for row in b.rows]
            cap = ("\n\n" + _tex_parts(b.caption)) if b.caption else ""
            if len(b.rows) > LONG_TABLE:  # breaks across pages; the header repeats
                size = "\\tiny" if len(b.header) > 8 else "\\scriptsize"
                out.append("{" + size + "\\setlength{\\tabcolsep}{3pt}\n\\begin{longtable}{" + spec + "}\\hline\n"
                           + rows[0] + "\n\\endhead\n\\hline\\endfoot\n" + "\n".join(rows[1:])
                           + "\n\\end{longtable}}" + cap)
            else:
                body = "\\begin{tabular}{" + spec + "}\\hline\n" + "\n".join(rows) + "\n\\hline\\end{tabular}"
                out.append("\\begin{center}\n" + _fit(body) + cap + "\n\\end{center}")
        elif isinstance(b, Figure):
            out.append("\\begin{center}\n\\includegraphics[width=0.8\\linewidth]{" + b.src + "}\n\n"
                       + _tex_parts(b.caption) + "\n\\end{center}")
        elif isinstance(b, Verbatim):
            out.append("\\begin{verbatim}\n" + _tex_ascii(b.text.rstrip()) + "\n\\end{verbatim}")
        elif isinstance(b, Link):
            out.append(" $\\cdot$ ".join(r"\texttt{" + tex_text(href) + "}" for _, href in b.items))
        elif isinstance(b, Timing):
            rows = "\n".join(tex_text(label) + " & " + t + r" \\" for label, t in _timing_rows(b))
            out.append(f"% {TIMING_BEGIN}\n\\begin{{center}}\\begin{{tabular}}{{|l|r|}}\\hline\n"
                       f"run & wall-clock figure \\\\ \\hline\n{rows}\n\\hline\\end{{tabular}}\\end{{center}}\n"
                       f"% {TIMING_END}")
        else:  # pragma: no cover
            raise TypeError(f"no LaTeX for {type(b).__name__}")
    out.append(r"\end{document}")
    return "\n\n".join(out) + "\n"


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


def _html_parts(ps) -> str:
    return "".join(mathml(p.tex) if isinstance(p, M) else _h(p) for p in ps)


_CSS = """
body { font-family: system-ui, sans-serif; max-width: 62rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.5; color: #1a1a1a; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #bbb; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
.display { overflow-x: auto; margin: 0.8rem 0; }
pre { background: #f6f6f6; padding: 0.6rem; overflow-x: auto; }
figure { margin: 1rem 0; } figure img { max-width: 100%; }
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
            rows = "".join("<tr>" + "".join(f"<td>{_html_cell(c)}</td>" for c in row) + "</tr>" for row in b.rows)
            cap = f"<caption>{_html_parts(b.caption)}</caption>" if b.caption else ""
            out.append(f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif isinstance(b, Figure):
            out.append(f'<figure><img src="{_h(b.src)}" alt="{_h(b.alt)}">'
                       f"<figcaption>{_html_parts(b.caption)}</figcaption></figure>")
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
    """``text`` without its one timing block (what must be identical between seeded runs)."""
    return re.sub(rf"{TIMING_BEGIN}.*?{TIMING_END}", "", text, flags=re.S)
