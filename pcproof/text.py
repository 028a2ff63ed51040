"""Mathematics for the terminal: LaTeX (sympy's, the equation labels) and the provers' caret
text (``ε^l_{t=l}``) as compact Unicode (``Δθ¹_BP``, ``ε⁰ₜ``, ``f(−a)``), and the verdict card.

One renderer for people reading a terminal: ``pcproof prove`` prints :func:`verdict_card`,
and so does ``str(verdict)``.  No backslash survives :func:`to_text`: an unknown command is
shown by its name.  This module imports nothing from pcproof at load time (the kernel's
``__str__`` imports it lazily).
"""
from __future__ import annotations

import re
import unicodedata

#: LaTeX commands that are one symbol.
SYMBOLS = {
    "varepsilon": "ε", "epsilon": "ε", "vartheta": "ϑ", "varphi": "φ", "phi": "φ", "varrho": "ϱ",
    "geq": "≥", "ge": "≥", "leq": "≤", "le": "≤", "neq": "≠", "ne": "≠", "odot": "⊙", "to": "→",
    "rightarrow": "→", "times": "×", "cdot": "·", "cdots": "⋯", "dots": "…", "ldots": "…", "infty": "∞",
    "pm": "±", "in": "∈", "notin": "∉", "approx": "≈", "partial": "∂", "ell": "ℓ", "sum": "Σ", "prod": "Π",
    "forall": "∀", "exists": "∃", "wedge": "∧", "land": "∧", "vee": "∨", "lor": "∨", "neg": "¬",
    "Longrightarrow": "⟹", "Rightarrow": "⇒", "implies": "⟹", "Longleftrightarrow": "⟺", "iff": "⟺",
    "mapsto": "↦", "subseteq": "⊆", "circ": "∘", "equiv": "≡", "emptyset": "∅", "top": "ᵀ", "intercal": "ᵀ",
    "prime": "′", "nabla": "∇", "sim": "∼", "mid": "|", "lvert": "|", "rvert": "|", "vert": "|", "|": "‖",
    "nleq": "≰", "ngeq": "≱", "langle": "⟨", "rangle": "⟩", "lfloor": "⌊", "rfloor": "⌋", "backslash": "∖",
    "quad": "  ", "qquad": "    ", ",": " ", ";": " ", ":": " ", " ": " ", "!": "", ">": " ",
    "{": "{", "}": "}", "_": "_", "%": "%", "&": "&", "#": "#", "$": "$", "\\": "; ",
}
#: Commands whose argument is shown as it is (text, fonts).
WRAPPERS = {"text", "mathrm", "operatorname", "mathbf", "mathit", "textbf", "textit", "mathsf", "boldsymbol",
            "mathtt", "texttt", "emph", "mathnormal", "displaystyle", "textstyle", "bm"}
#: Accents, as combining characters on a one-letter argument.
ACCENTS = {"bar": "\u0304", "overline": "\u0305", "hat": "\u0302", "widehat": "\u0302", "tilde": "\u0303",
           "widetilde": "\u0303", "dot": "\u0307", "ddot": "\u0308", "vec": "\u20d7"}
#: Sizing and delimiters that carry no meaning in plain text.
IGNORED = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr",
           "limits", "nolimits", "hline", "mathstrut"}
BLACKBOARD = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ"}

SUP = dict(zip("0123456789+-−=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWβγδθφχεᵀ⊤′*",
               "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵝᵞᵟᶿᵠᵡᵋᵀᵀ′*"))
SUB = dict(zip("0123456789+-−=()aehijklmnoprstuvxβγρφχ,", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ,"))


def _greek(name: str) -> str | None:
    for prefix in ("GREEK SMALL LETTER ", "GREEK CAPITAL LETTER "):
        word = name.upper()
        if (name[0].isupper()) == prefix.startswith("GREEK CAPITAL"):
            try:
                return unicodedata.lookup(prefix + word)
            except KeyError:
                return None
    return None


class _Reader:
    """A small recursive reader of the LaTeX subset sympy and pcproof's labels write."""

    def __init__(self, s: str):
        self.s, self.i = s, 0

    def group(self, upto: str | None = None) -> str:
        """Text until the closing ``upto`` (or the end), converted."""
        out = []
        while self.i < len(self.s):
            c = self.s[self.i]
            if upto is not None and c == upto:
                self.i += 1
                break
            out.append(self.item())
        return "".join(out)

    def argument(self) -> str:
        """One argument: a {…} group, a (…) group in caret text (γ^(n+1)), a command or a character."""
        while self.i < len(self.s) and self.s[self.i] == " ":
            self.i += 1
        if self.i >= len(self.s):
            return ""
        c = self.s[self.i]
        if c == "{":
            self.i += 1
            return self.group("}")
        return self.item()

    def item(self) -> str:
        s, c = self.s, self.s[self.i]
        if c == "\\":
            return self.command()
        if c == "{":
            self.i += 1
            return self.group("}")
        if c in "^_":
            self.i += 1
            if self.i < len(s) and s[self.i] == "(":  # caret text: γ^(n+1); the parentheses only group
                depth, j = 0, self.i
                while j < len(s):
                    depth += {"(": 1, ")": -1}.get(s[j], 0)
                    if depth == 0:
                        break
                    j += 1
                inner = to_text(s[self.i + 1:j])
                self.i = j + 1
            else:
                word = re.compile(r"[A-Za-z]{2,}(?:_[A-Za-z]+)*").match(s, self.i)
                if word:  # an identifier (inference_step, x_bar, l_gate), not an index
                    self.i = word.end()
                    return c + word.group(0)
                inner = self.argument()
            return script(inner, c == "^")
        self.i += 1
        if c == "~":
            return " "
        return c

    def command(self) -> str:
        s = self.s
        m = re.compile(r"\\([A-Za-z]+|.)").match(s, self.i)
        if not m:
            self.i += 1
            return ""
        self.i = m.end()
        name = m.group(1)
        if name in IGNORED:
            if name in ("left", "right") and s[self.i:self.i + 1] == ".":
                self.i += 1  # \left. is an invisible delimiter
            return ""
        if name in WRAPPERS:
            return self.argument()
        if name in ACCENTS:
            arg = self.argument()
            return arg + ACCENTS[name] if len(arg) == 1 else f"{arg}{ACCENTS[name]}" if len(arg) == 0 else f"({arg})" + ACCENTS[name]
        if name in ("frac", "dfrac", "tfrac"):
            num, den = self.argument(), self.argument()
            return f"{_wrap(num)}/{_wrap(den)}"
        if name == "sqrt":
            return "√" + _wrap(self.argument())
        if name == "mathbb":
            arg = self.argument()
            return "".join(BLACKBOARD.get(ch, ch) for ch in arg)
        if name in ("mathcal", "mathscr", "mathfrak"):
            return self.argument()
        if name in SYMBOLS:
            return SYMBOLS[name]
        g = _greek(name) if name.isalpha() else None
        if g:
            return g
        return name  # \tanh, \exp, \max … and anything unknown: its name, never a backslash


def _wrap(s: str) -> str:
    s = s.strip()
    return s if re.fullmatch(r"[\w.′̄]+", s) else f"({s})"


def script(inner: str, sup: bool) -> str:
    """``inner`` as a superscript (``sup``) or a subscript: Unicode when every character has a
    Unicode form, else ``^x`` / ``_word`` / ``_(…)``."""
    inner = inner.strip()
    if not inner:   # θ^{} (a parameter without an index): nothing to show
        return ""
    table = SUP if sup else SUB
    if inner and all(ch in table for ch in inner):
        return "".join(table[ch] for ch in inner)
    mark = "^" if sup else "_"
    return mark + inner if re.fullmatch(r"[A-Za-z0-9-]+", inner) else f"{mark}({inner})"


def to_text(s) -> str:
    """LaTeX or caret text as compact Unicode for the terminal.

    >>> to_text(r"\\Delta\\theta^{2}_{\\text{z-il}} = \\Delta\\theta^{2}_{\\text{BP}}")
    'Δθ²_z-il = Δθ²_BP'
    >>> to_text(r"f\\!\\left(- \\bar{x}^{1}_{0}\\right) \\tanh^{2}{\\left(x \\right)}")
    'f(−x̄¹₀) tanh²(x)'
    >>> to_text("Q(l): l ≤ L-1 → ε^l_{t=l} = δ^l;  γ^(n+1) = γ · γ^n")
    'Q(l): l ≤ L-1 → εˡₜ₌ₗ = δˡ; γⁿ⁺¹ = γ · γⁿ'
    """
    if s is None:
        return ""
    s = str(s)
    if "\\" not in s and "^" not in s and "_" not in s and "-" not in s:
        return s
    out = _Reader(s).group()
    out = re.sub(r"(?<![\w)\]′ᵀ⁰¹²³⁴⁵⁶⁷⁸⁹₀₁₂₃₄₅₆₇₈₉]) ?-(?=[\w(\\ ])", lambda m: m.group(0).replace("-", "−"), out)
    out = re.sub(r"(?<=[\w)\]′ᵀ⁰¹²³⁴⁵⁶⁷⁸⁹₀₁₂₃₄₅₆₇₈₉]) - ", " − ", out)  # binary minus, spaced
    out = re.sub(r"([(\[]) *− +", r"\1−", out)     # (− a) → (−a)
    out = re.sub(r"^− +", "−", out)
    out = re.sub(r"Δ (?=\w)", "Δ", out)      # \Delta b: one name, Δb
    out = re.sub(r"\( +", "(", out)
    out = re.sub(r" +\)", ")", out)
    out = re.sub(r"\s+", " ", out) if "\n" not in out else out
    return out.strip() if s == s.strip() else out


def point_name(name: str) -> str:
    """A parameter's name in a point, in the paper's notation: ``theta1_0_1`` → θ¹₀₁, ``s_in_0`` →
    sⁱⁿ₀, ``theta0a_1_0`` → θ⁰ᵃ₁₀ (a graph's), ``x_h0_1`` → xʰ⁰₁, ``gamma`` → γ."""
    parts = name.split("_")
    idx = []
    while len(parts) > 1 and parts[-1].isdigit():   # the entry: trailing integer parts
        idx.insert(0, parts.pop())
    if "" in parts:
        return name
    if len(parts) > 1:                              # s_in, theta_out, x_h0: the rest is a superscript
        base, sup = parts[0], "_".join(parts[1:])
    else:
        m = re.fullmatch(r"([A-Za-z]+)(\d\w*)?", parts[0])   # theta1, theta0a, eta2
        if not m:
            return name
        base, sup = m.group(1), m.group(2) or ""
    head = (_greek(base) if base != "b" else None) or base
    sep = "," if any(len(k) > 1 for k in idx) else ""
    return head + script(sup, True) + script(sep.join(idx), False)


# -- the verdict card ---------------------------------------------------------------------------

def _widths_text(widths) -> str:
    if widths and len(widths) > 8 and len(set(widths)) == 1:
        return f"[{widths[0]}] × {len(widths)}"
    return str(widths)


def point_text(point: dict, limit: int = 600) -> str:
    text = ", ".join(f"{point_name(k)} = {val}" for k, val in point.items())
    return text if len(text) < limit else text[:limit] + " … (--json for all)"


def _value(x) -> str:
    """A value such as γ: a number, or a symbol's name (``gamma`` → γ)."""
    x = "" if x is None else str(x)
    return (_greek(x) if x.isalpha() else None) or to_text(x)


def verdict_card(v) -> str:
    """The verdict as a short proof a person reads (what ``pcproof prove`` prints, and ``str(v)``)."""
    held = [c for c, ok in v.conditions.items() if ok]
    broken = [c for c, ok in v.conditions.items() if not ok]
    lines = [
        f"{v.theorem}: {v.verdict.upper()}",
        f"  network     L = {v.depth}, widths = {_widths_text(v.widths)}, f = {v.activation}"
        + (", with biases" if v.bias else "") + f", γ = {_value(v.gamma)}, rule = {v.rule}"
        if getattr(v, "model", None) is None else f"  graph       {v.model}; γ = {_value(v.gamma)}, rule = {v.rule}",
        f"  hypotheses  {', '.join(to_text(h) for h in v.hypotheses)};  this run keeps {', '.join(held) or 'none'}"
        + (f", breaks {', '.join(broken)}" if broken else ""),
        f"  method      {to_text(v.method)}",
        f"  checked     {v.checked} scalar equations in {v.seconds:.2f} s",
    ]
    model = getattr(v, "model", None)
    if v.depth is None and (model is None or v.induction):  # an all-depth verdict: a short proof
        lines[1] = (f"  network     every depth L ≥ 1 and all widths, f = {v.activation} (uninterpreted in z3)"
                    + (", with biases" if v.bias else "") + f", γ = {_value(v.gamma)}, rule = {v.rule}") \
            if model is None else \
            f"  graph       {model}, f = {v.activation} (uninterpreted in z3), γ = {_value(v.gamma)}, rule = {v.rule}"
        lines[4] = f"  checked     {v.checked} z3 queries in {v.seconds:.2f} s"
        lines += induction_lines(v)
    if v.note:
        lines.append(f"  note        {to_text(v.note)}")
    c = v.counterexample
    if c:
        lines += [
            f"  fails at    {to_text(c['equation'])}, entry {c['entry']}"
            + (f" (at depth L = {c['depth']}, widths {c['widths']})" if v.depth is None and c.get("depth") else ""),
            f"              lhs = {c['lhs']}",
            f"              rhs = {c['rhs']}   (|difference| = {c['difference']}, {c['digits']} digits)",
            f"  at          {point_text(c['point'])}",
        ]
    return "\n".join(lines)


def induction_lines(v) -> list[str]:
    """The lemmas and the induction of an all-depth verdict, one line per z3 query."""
    def part(name, q):
        core = f"; uses {', '.join(to_text(c) for c in q['unsat_core'])}" if q.get("unsat_core") else ""
        return f"      {name:<6} {to_text(q['claim'])}: z3 {q['z3']} ({q['seconds']:.3f} s){core}"

    def block(title, g):
        out = [f"  {title:<11} {to_text(g['statement'])}  [{g['by']}]"]
        out += [part(k, g[k]) for k in ("base", "step", "direct") if k in g]
        if g.get("principle"):
            out.append(f"      hence  {to_text(g['principle'])}")
        return out

    lines = []
    ind = v.induction or {}
    for g in v.lemmas:
        if g["name"] != ind.get("name"):
            lines += block("lemma", g)
    if ind:
        lines += block("induction", ind)
        if ind.get("then"):
            lines += block("then", ind["then"])
        lines.append(f"  therefore   {to_text(ind.get('theorem', ''))}")
        if ind.get("assumes"):
            lines.append(f"  assuming    {'; '.join(to_text(a) for a in ind['assumes'])}")
    if v.axioms and v.unsat_core is not None:
        used = [a for a in v.axioms if a.get("used", True)]
        lines.append(f"  axioms      {len(v.axioms)} listed, {len(used)} used: "
                     + "; ".join(to_text(a["statement"]) for a in used))
    elif v.axioms:
        lines.append(f"  axioms      {len(v.axioms)} available: " + "; ".join(to_text(a["statement"]) for a in v.axioms))
    return lines


__all__ = ["to_text", "point_name", "point_text", "verdict_card", "induction_lines"]
