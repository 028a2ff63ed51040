"""The closed-form PCN trajectory of a small network, for reports and notebooks.

For each layer l and step t the error node ε^l_t (and the hidden value x^l_t) is
computed by the rule itself in the symbolic number system and printed by sympy in
the paper's names (``SymbolicOps.latex``).  Before and at the wavefront it comes
out in the closed forms of docs/notation.md (wavefront lemma, Theorem 3.1 and the
corollary): x^l_t = x̄^l and ε^l_t = 0 for t < l, ε^l_l = γ^l δ^l.  Each cell is
also *classified* by a symbolic check (difference expanded to 0), which the
figure shows; the check is a display aid, not a verdict (only the kernel issues
those).
"""
from __future__ import annotations

from functools import cached_property

from .document import M, Table, parts

ZERO, CLOSED, OTHER = "zero", "closed", "other"


class Trajectory:
    """ε^l_t and x^l_t of ``theorem``'s PC rule on ``arch`` (small depths: it prints everything).

    >>> from pcproof.theorem import get
    >>> from pcproof.model import Architecture, get_activation
    >>> tr = Trajectory(get("cor-gamma"), Architecture.make(get_activation("uninterpreted"), depth=2, width=1))
    >>> tr.eps_latex(1, 0), tr.eps_latex(1, 1)
    (['0'], ['\\\\delta^{1}_{0} \\\\gamma'])
    """

    def __init__(self, theorem, arch, setting=None, steps: int | None = None):
        from ..check.concrete import symbolic_instance
        from ..theorem import Setting
        self.theorem, self.arch = theorem, arch
        self.setting = setting or Setting()
        self.L = arch.L
        self.steps = arch.L + 1 if steps is None else steps  # t = 0 … L: one step past the last wavefront
        self.instance = symbolic_instance(theorem, arch, self.setting)
        self.ops, self.pcn = self.instance.ops, self.instance.pcn
        self.gamma = self.instance.gamma

    # -- printing: one printer (sympy's), through the symbolic system ---------------------
    def _latex(self, c, own: str, unfold: bool = False) -> str:
        return self.ops.latex(c, own, unfold)   # shows what the quantity is, not its own name

    def eps_latex(self, l: int, t: int, unfold: bool = False) -> list[str]:
        """ε^l_t, one LaTeX string per component (``unfold``: no internal atom names)."""
        return [self._latex(c, rf"\varepsilon^{{{l}}}_{{{t},{i}}}", unfold) for i, c in enumerate(self.pcn.eps(l, t))]

    def x_latex(self, l: int, t: int, unfold: bool = False) -> list[str]:
        """x^l_t, one LaTeX string per component (``unfold``: no internal atom names)."""
        return [self._latex(c, rf"x^{{{l}}}_{{{t},{i}}}", unfold) for i, c in enumerate(self.pcn.x(l, t))]

    # -- what each cell is ---------------------------------------------------------------
    def _is_zero(self, v) -> bool:
        return all(self.ops.tidy(c) == 0 for c in v)

    def classify(self, l: int, t: int) -> str:
        """'zero' (ε^l_t = 0), 'closed' (ε^l_t = γ^l δ^l ≠ 0) or 'other', by symbolic expansion."""
        return self.classes[(l, t)]

    @cached_property
    def classes(self) -> dict:
        out = {}
        for l in range(self.L):
            target = self.ops.scale(self.instance.power(self.gamma, l), self.instance.ann.delta(l))
            for t in range(self.steps):
                e = self.pcn.eps(l, t)
                if self._is_zero(e):
                    out[(l, t)] = ZERO
                elif self._is_zero(self.ops.sub(e, target)):
                    out[(l, t)] = CLOSED
                else:
                    out[(l, t)] = OTHER
        return out

    def x_is_feedforward(self, l: int, t: int) -> bool:
        """x^l_t = x̄^l (symbolically)."""
        return self._is_zero(self.ops.sub(self.pcn.x(l, t), self.instance.ann.x_bar(l)))

    def wavefront_holds(self) -> bool:
        """The closed forms of docs/notation.md at every shown cell with t ≤ l."""
        for l in range(self.L):
            for t in range(min(l, self.steps - 1) + 1):
                if t < l and not (self.classes[(l, t)] == ZERO and (l == 0 or self.x_is_feedforward(l, t))):
                    return False
                if t == l and self.classes[(l, t)] == OTHER:
                    return False
        return True

    # -- displays ------------------------------------------------------------------------
    @staticmethod
    def vector(entries: list[str]) -> str:
        return entries[0] if len(entries) == 1 else r"\left(" + r",\; ".join(entries) + r"\right)^{\top}"

    def cell(self, l: int, t: int) -> str:
        """ε^l_t as shown in a table: its closed form while it has one, ∗ once it has moved on."""
        if t > l and self.classes[(l, t)] == OTHER:
            return r"\ast"
        return self.vector(self.eps_latex(l, t))

    def x_cell(self, l: int, t: int) -> str:
        if t > l:
            return r"\ast"
        return self.vector(self.x_latex(l, t))

    def eps_table(self) -> Table:
        header = [parts("layer")] + [parts(M(f"t = {t}")) for t in range(self.steps)]
        rows = [[parts(M(rf"\varepsilon^{{{l}}}_t"))] + [parts(M(self.cell(l, t))) for t in range(self.steps)]
                for l in range(self.L)]
        return Table(header, rows, parts(
            "Error nodes ", M(r"\varepsilon^l_t"), " (layer 0 = output). ", M(r"\ast"),
            ": after ", M("t = l"), " the error leaves its closed form; its value is computed but not printed."))

    def x_table(self) -> Table:
        header = [parts("layer")] + [parts(M(f"t = {t}")) for t in range(self.steps)]
        rows = [[parts(M(rf"x^{{{l}}}_t"))] + [parts(M(self.x_cell(l, t))) for t in range(self.steps)]
                for l in range(1, self.L)]
        return Table(header, rows, parts("Hidden value nodes ", M(r"x^l_t"), "; ", M(r"\ast"),
                                          ": past the wavefront, not printed."))

    def latex(self) -> str:
        """The ε table as one LaTeX array."""
        cols = "c|" + "c" * self.steps
        head = " & ".join(f"t={t}" for t in range(self.steps))
        rows = [rf"\varepsilon^{{{l}}}_t & " + " & ".join(self.cell(l, t) for t in range(self.steps))
                for l in range(self.L)]
        return (r"\begin{array}{" + cols + "} & " + head + r" \\ \hline " + r" \\ ".join(rows) + r"\end{array}")

    def _repr_latex_(self) -> str:
        return "$$" + self.latex() + "$$"

    def text(self) -> str:
        """Every x^l_t and ε^l_t, one line per layer and step (for the terminal)."""
        from ..text import to_text
        shown = lambda cells: ", ".join(to_text(c) for c in cells)  # noqa: E731
        lines = [f"PCN trajectory: {self.arch.describe()}, γ = {to_text(self.ops.latex(self.gamma))}"]
        for t in range(self.steps):
            lines.append(f"t = {t}")
            for l in range(self.L + 1):
                eps = f"   ε = ({shown(self.eps_latex(l, t, True))})" if l < self.L else ""
                lines.append(f"  l = {l}:  x = ({shown(self.x_latex(l, t, True))}){eps}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from .render import to_html_fragment
        return to_html_fragment([self.eps_table(), self.x_table()])

    def figure(self, path) -> None:
        """A PNG of the wavefront: which cells are 0, γ^l δ^l, or have moved on."""
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.colors import ListedColormap

        code = {ZERO: 0, CLOSED: 1, OTHER: 2}
        grid = [[code[self.classes[(l, t)]] for t in range(self.steps)] for l in range(self.L)]
        fig, ax = plt.subplots(figsize=(1.2 + 0.9 * self.steps, 1.0 + 0.7 * self.L), dpi=100)
        ax.imshow(grid, cmap=ListedColormap(["#e8e8e8", "#4c9a4c", "#d98c3f"]), vmin=0, vmax=2, aspect="auto")
        label = {0: "0", 1: r"$\gamma^{%d}\delta^{%d}$", 2: "moved"}
        for l in range(self.L):
            for t in range(self.steps):
                k = grid[l][t]
                text = label[k] % (l, l) if k == 1 else label[k]
                if k == 1 and self.theorem.free_gamma is False and self.setting.gamma is None:
                    text = r"$\delta^{%d}$" % l
                ax.text(t, l, text, ha="center", va="center", fontsize=10)
        ax.set_xticks(range(self.steps), [f"t={t}" for t in range(self.steps)])
        ax.set_yticks(range(self.L), [f"l={l}" for l in range(self.L)])
        ax.set_xlabel("inference step t")
        ax.set_ylabel("layer l (0 = output)")
        ax.set_title(r"error nodes $\varepsilon^l_t$: the wavefront")
        fig.tight_layout()
        fig.savefig(path, format="png", metadata={"Software": None})
        plt.close(fig)
