"""The one converter from the provers' plain-text mathematics to LaTeX.

The all-depth prover and the axioms state their claims as Unicode text with ``^``/``_``
indices (``Q(l): l ≤ L-1 → ε^l_{t=l} = δ^l``, ``Wᵀ(c v) = c Wᵀv``).  Reports typeset them:
:func:`plain_to_latex` gives LaTeX (one formula; runs of English words become ``\\text``),
which the renderers show as ``$…$``, in a ``.tex`` file or as MathML.  The Unicode table
here is also what :func:`pcproof.report.render.tex_text` uses for plain text in LaTeX.
"""
from __future__ import annotations

import re
import unicodedata

#: Unicode that appears in pcproof's plain text, as LaTeX maths.
UNICODE_TEX = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon",
    "η": r"\eta", "θ": r"\theta", "μ": r"\mu", "σ": r"\sigma", "ϕ": r"\phi", "φ": r"\phi",
    "Δ": r"\Delta", "≥": r"\geq", "≤": r"\leq", "≠": r"\neq", "⊙": r"\odot", "→": r"\to",
    "×": r"\times", "·": r"\cdot", "…": r"\dots", "ᵀ": r"^{\top}", "∞": r"\infty", "√": r"\surd",
    "±": r"\pm", "∈": r"\in", "≈": r"\approx", "−": "-", "‖": r"\|", "∂": r"\partial", "ℓ": r"\ell",
    "Σ": r"\sum", "∑": r"\sum", "∀": r"\forall", "∃": r"\exists", "∧": r"\wedge", "∨": r"\vee",
    "¬": r"\neg", "⟹": r"\Longrightarrow", "⇒": r"\Rightarrow", "⟺": r"\Longleftrightarrow", "↦": r"\mapsto",
    "⊆": r"\subseteq", "∘": r"\circ", "⋅": r"\cdot", "≡": r"\equiv", "∅": r"\emptyset",
    "⁰": "^{0}", "¹": "^{1}", "²": "^{2}", "³": "^{3}", "ᵢ": "_{i}", "ₗ": "_{l}", "ₜ": "_{t}",
}


def greek(c: str) -> str | None:
    """Any Greek letter by its Unicode name (GREEK SMALL LETTER RHO → \\rho)."""
    name = unicodedata.name(c, "")
    for prefix, case in (("GREEK SMALL LETTER ", str.lower), ("GREEK CAPITAL LETTER ", str.capitalize)):
        if name.startswith(prefix) and " " not in name[len(prefix):]:
            word = case(name[len(prefix):])
            return "o" if word.lower() == "omicron" else "\\" + word
    return None


_ASCII_OPS = {"==": "=", "!=": r"\neq", ">=": r"\geq", "<=": r"\leq", "->": r"\to", "=>": r"\Rightarrow",
              "*": r"\cdot"}
_ESCAPE = {"#": r"\#", "%": r"\%", "&": r"\&", "$": r"\$", "~": r"\sim", "\\": r"\backslash"}
# a word: two or more letters, possibly hyphenated (Z-IL, add-zero); a single letter is a variable
_WORD = re.compile(r"[A-Za-z]{2,}(?:[-'.][A-Za-z]+)*|[A-Za-z](?:-[A-Za-z]{2,})+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:e-?\d+)?")
_OP = re.compile("|".join(re.escape(k) for k in sorted(_ASCII_OPS, key=len, reverse=True)))
_TEXT_ESCAPE = {"{": r"\{", "}": r"\}", "_": r"\_", "^": r"\^{}", "&": r"\&", "%": r"\%", "#": r"\#",
                "$": r"\$", "\\": ""}


_NEGATED = {"=": "≠", "∈": "∉", "≤": "≰", "≥": "≱", "<": "≮", ">": "≯", "≡": "≢", "⊆": "⊈"}
UNICODE_TEX.update({"∉": r"\notin", "≰": r"\nleq", "≱": r"\ngeq", "≮": r"\nless", "≯": r"\ngtr",
                    "≢": r"\not\equiv", "⊈": r"\nsubseteq"})


def decompose(s: str) -> str:
    """NFD (a letter and its accents apart: x̄ → x, U+0304) but with the negated relations kept whole:
    NFD would split ≠ into = and a combining slash, which a reader of the accents would drop."""
    s = unicodedata.normalize("NFD", s)
    return re.sub("(.)\u0338", lambda m: _NEGATED.get(m.group(1), m.group(0)), s)


def _text(words: str) -> str:
    return r"\text{" + "".join(_TEXT_ESCAPE.get(c, c) for c in words) + "}"


def _group(s: str, i: int) -> tuple[str, int]:
    """The argument of ^ or _ at s[i]: a {…} group (converted), a number, or one character."""
    if i >= len(s):
        return "{}", i
    if s[i] == "(":  # γ^(n+1): the parentheses only group, as braces do
        depth, j = 0, i
        while j < len(s):
            depth += {"(": 1, ")": -1}.get(s[j], 0)
            if depth == 0:
                break
            j += 1
        return "{" + plain_to_latex(s[i + 1:j]) + "}", j + 1
    if s[i] == "{":
        depth, j = 0, i
        while j < len(s):
            depth += {"{": 1, "}": -1}.get(s[j], 0)
            if depth == 0:
                break
            j += 1
        return "{" + plain_to_latex(s[i + 1:j]) + "}", j + 1
    m = _NUMBER.match(s, i)
    if m:
        return "{" + m.group(0) + "}", m.end()
    m = re.compile(r"[A-Za-z]{2,}").match(s, i)
    if m:  # l_gate: a word as the index
        return "{" + _text(m.group(0)) + "}", m.end()
    inner, j = _token(s, i)
    return "{" + inner + "}", j


def _token(s: str, i: int) -> tuple[str, int]:
    """One mathematical token at s[i] as LaTeX (a letter with its accents, a Greek letter, …)."""
    c = s[i]
    j = i + 1
    accents = []
    while j < len(s) and unicodedata.combining(s[j]):
        accents.append(s[j])
        j += 1
    if c in UNICODE_TEX:
        out = UNICODE_TEX[c]
    elif greek(c):
        out = greek(c)
    elif c in _ESCAPE:
        out = _ESCAPE[c]
    elif c == "{":
        out = r"\{"
    elif c == "}":
        out = r"\}"
    elif ord(c) < 128:
        out = c
    else:
        out = _text(c)
    for a in accents:
        out = {"\u0304": r"\bar{%s}", "\u0302": r"\hat{%s}", "\u0303": r"\tilde{%s}",
               "\u0307": r"\dot{%s}"}.get(a, "%s") % out
    return out, j


def plain_to_latex(s: str) -> str:
    """Plain-text mathematics (Unicode, ``^``/``_`` indices, English words) as one LaTeX formula."""
    s = decompose(str(s))
    out: list[str] = []
    kinds: list[str] = []   # "atom", "text", "op" per emitted piece (decides the spacing of blanks)
    i, pending_space = 0, False
    while i < len(s):
        c = s[i]
        if c.isspace():
            pending_space = True
            i += 1
            continue
        m = _WORD.match(s, i)
        if m and not (m.start() > 0 and s[m.start() - 1] in "^_"):
            # a run of words (with the blanks and commas between them) is one \text
            j = m.end()
            while True:
                nxt = re.match(r"[ ,]+(?=" + _WORD.pattern + ")", s[j:])
                if not nxt:
                    break
                w = _WORD.match(s, j + nxt.end())
                j = w.end()
            words = s[i:j]
            lead = " " if pending_space and kinds and kinds[-1] in ("atom", "script") else ""
            trail = " " if j < len(s) and s[j] == " " else ""
            out.append(_text(lead + words + trail))
            kinds.append("text")
            pending_space = False
            i = j + len(trail)
            continue
        if c in "^_":
            arg, i = _group(s, i + 1)
            out.append(c + arg)
            kinds.append("script")
            pending_space = False
            continue
        if c == "*" and i > 0 and s[i - 1].isalnum() and not s[i + 1:i + 2].isalnum():
            out.append("^{*}")  # t*: a starred name, not a product
            kinds.append("script")
            pending_space = False
            i += 1
            continue
        m = _OP.match(s, i)
        if m:
            piece, kind, i = _ASCII_OPS[m.group(0)], "op", m.end()
        elif (m := _NUMBER.match(s, i)):
            piece, kind, i = m.group(0), "atom", m.end()
        else:
            piece, i = _token(s, i)
            kind = "op" if piece.startswith("\\") and piece[1:].isalpha() and piece[1:] in _RELATIONS else \
                "punct" if piece in ",;:=<>+-|" else "atom"
        if pending_space and kinds and kinds[-1] in ("atom", "script") and kind == "atom":
            out.append(r"\,")          # "c v" is a product: a thin space, as in print
        if piece in (":", ";"):
            piece += r"\;"          # a colon or semicolon separates clauses
        out.append(piece)
        kinds.append(kind)
        pending_space = False
    return "".join(_join(out))


_RELATIONS = {"geq", "leq", "neq", "to", "Longrightarrow", "Rightarrow", "Longleftrightarrow", "in", "approx",
              "equiv", "subseteq", "mapsto", "wedge", "vee", "odot", "cdot", "times", "forall", "exists", "sum",
              "notin", "nleq", "ngeq", "nless", "ngtr", "nsubseteq", "Longleftrightarrow"}


def _join(pieces: list[str]):
    """Pieces with a blank after each control word that a letter follows (\\alpha x, not \\alphax)."""
    for k, p in enumerate(pieces):
        yield p
        nxt = pieces[k + 1] if k + 1 < len(pieces) else ""
        if re.search(r"\\[A-Za-z]+$", p) and nxt[:1].isalpha():
            yield " "


# -- z3 names in an unsat core ----------------------------------------------------------------

_NAMES = {"x_bar": r"\bar{x}", "eps": r"\varepsilon", "delta": r"\delta", "theta": r"\theta", "mu": r"\mu",
          "x": "x", "b": "b", "gamma": r"\gamma", "alpha": r"\alpha", "gate": r"\phi", "dtheta": r"\Delta\theta",
          "db": r"\Delta b"}
_CASE = re.compile(r"Not\((.*?)\)$")


def condition_latex(cond: str) -> str:
    """A z3 case condition (``Not(l == L)``, ``0 == t``, ``t >= 1 + L``) as LaTeX."""
    cond = cond.strip()
    m = _CASE.match(cond)
    if m:
        inner = m.group(1)
        for op, neg in (("==", "!="), (">=", "<"), ("<=", ">")):
            if op in inner:
                return plain_to_latex(inner.replace(op, neg))
        return r"\neg(" + plain_to_latex(inner) + ")"
    return plain_to_latex(cond)


def definition_latex(entry: str) -> str | None:
    """A core entry ``def x[Not(l == L), 0 == l]`` as ``x \\;(l \\neq L,\\ l = 0)``; None if not one."""
    m = re.fullmatch(r"def ([A-Za-z_]+)(?:\[(.*)\])?", entry.strip())
    if not m:
        return None
    name, cases = m.group(1), m.group(2)
    sym = _NAMES.get(name, _text(name.replace("_", " ")))
    if not cases:
        return sym
    parts = _split_top(cases)
    return sym + r"\;(" + r",\ ".join(condition_latex(p) for p in parts) + ")"


def _split_top(s: str) -> list[str]:
    """``s`` split at the commas outside parentheses and brackets."""
    out, depth, cur = [], 0, ""
    for c in s:
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        if c == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += c
    return [p.strip() for p in out + [cur] if p.strip()]


# -- prose with mathematics in it (titles, notes, hypotheses) -------------------------------------

_PROSE_PUNCT = set("—–’‘“”…·")  # Unicode that is punctuation in prose, not mathematics
_WEAK = re.compile(r"[A-Za-z]|\d+(?:\.\d+)?|[=<>+\-*/|]+|[()\[\]]|[A-Za-z]'*\(\w*\)"
                   r"|[A-Za-z0-9](?:[-+*/=<>][A-Za-z0-9]+)+")  # L-1, l+1


_CODE_NAME = re.compile(r"[A-Za-z]\w*(?:\.\w+)+|[A-Za-z]{2,}_\w+")  # PCN.gated_eps, rule.steps, x_bar


def _strong(tok: str) -> bool:
    if _CODE_NAME.fullmatch(tok):
        return False  # a name from the code, shown as it is written
    return bool(re.search(r"[\^_]", tok)) or any(ord(c) > 127 and c not in _PROSE_PUNCT and not c.isalpha()
                                                 or (ord(c) > 127 and greek(c)) for c in tok)


def prose_segments(s: str) -> list[tuple[bool, str]]:
    """``s`` cut into prose and mathematics: [(is_maths, text)].  A word with an index (``γ^l``) or a
    mathematical symbol (``≥``, ``ᵀ``, a Greek letter) is mathematics, and so are the single letters,
    numbers and operators next to it (``L ≥ 1``); the rest stays prose."""
    toks = re.split(r"(\s+)", str(s))
    words = [(i, t) for i, t in enumerate(toks) if t and not t.isspace()]
    kind = {}
    for i, t in words:
        core = t.strip(",.;:()")
        kind[i] = "strong" if _strong(core) else "weak" if core and _WEAK.fullmatch(core) else "prose"
    changed = True
    while changed:  # weak words next to mathematics join it
        changed = False
        for k, (i, t) in enumerate(words):
            if kind[i] != "weak":
                continue
            nb = [words[k + d][0] for d in (-1, 1) if 0 <= k + d < len(words)]
            if any(kind[j] == "strong" for j in nb):
                kind[i] = "strong"
                changed = True
    out: list[tuple[bool, str]] = []
    run: list[str] = []

    def flush():
        if run:
            body, lead, tail = " ".join(run), "", ""
            while body and (body[-1] in ",.;:" or body[-1] == ")" and body.count(")") > body.count("(")):
                body, tail = body[:-1], body[-1] + tail   # punctuation and an unmatched ) stay prose
            while body and body[0] == "(" and body.count("(") > body.count(")"):
                body, lead = body[1:], lead + "("
            if lead:
                out.append((False, lead))
            out.append((True, body))
            if tail:
                out.append((False, tail))
            run.clear()

    for i, t in enumerate(toks):
        if i in kind and kind[i] == "strong":
            if run or not out or out[-1][0] is False:
                run.append(t)
            continue
        if t.isspace() and run:
            nxt = next((j for j in range(i + 1, len(toks)) if j in kind), None)
            if nxt is not None and kind[nxt] == "strong":
                continue
        flush()
        if out and out[-1][0] is False:
            out[-1] = (False, out[-1][1] + t)
        else:
            out.append((False, t))
    flush()
    return [(m, t) for m, t in out if t]
