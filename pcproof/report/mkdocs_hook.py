"""mkdocs hook: the docs' ``$…$`` and ``$$…$$`` become MathML at build time, through the same
converter as the HTML reports (``latex2mathml``), so the documentation site needs no
JavaScript and no CDN either.  Code blocks and inline code are left alone."""
from __future__ import annotations

import re

from pcproof.report.render import mathml

_CODE = re.compile(r"(^```.*?^```[ \t]*$|`[^`\n]+`)", re.M | re.S)
_DISPLAY = re.compile(r"^\$\$[ \t]*\n(.*?)\n\$\$[ \t]*$", re.M | re.S)
_INLINE = re.compile(r"(?<![\\$\w])\$(?=\S)([^$\n]+?)(?<=\S)\$(?![\w$])")


def math_to_mathml(markdown: str) -> str:
    """Markdown with its maths replaced by MathML (display maths as a block)."""
    out = []
    for i, chunk in enumerate(_CODE.split(markdown)):
        if i % 2:  # a code block or code span
            out.append(chunk)
            continue
        chunk = _DISPLAY.sub(lambda m: '\n<div class="math">' + mathml(" ".join(m.group(1).split()), display=True)
                             + "</div>\n", chunk)
        out.append(_INLINE.sub(lambda m: mathml(m.group(1)), chunk))
    return "".join(out)


def on_page_markdown(markdown, page, config, files):  # noqa: ARG001 (mkdocs hook signature)
    return math_to_mathml(markdown)
