"""Closed-form inference trajectories: the PCN state x^l_t, ε^l_t of a network at
every step, symbolically, in the paper's names (MATH.md, wavefront lemma and
Theorem 3.1): under C1, x^l_t = x̄^l and ε^l_t = 0 for t < l, and ε^l_l = γ^l δ^l.
"""
from __future__ import annotations

from dataclasses import dataclass

from .check.concrete import symbolic_instance
from .theorem import Setting, get


@dataclass
class Trajectory:
    """x^l_t and ε^l_t (LaTeX per component) for t = 0 … steps-1 and every layer."""

    description: str
    gamma: str
    steps: int
    L: int
    x: dict          # (l, t) -> [latex of component i]
    eps: dict        # (l, t) -> [latex of component i]   (l < L)

    def latex(self) -> str:
        """One LaTeX array per quantity: rows are layers (0 = output), columns are steps."""
        def block(sym, table, layers):
            head = " & ".join(f"t={t}" for t in range(self.steps))
            rows = [rf"{sym}^{{{l}}}_t & " + " & ".join(
                r"\begin{pmatrix}" + r" \\ ".join(table[(l, t)]) + r"\end{pmatrix}" for t in range(self.steps))
                for l in layers]
            return (r"\begin{array}{c|" + "c" * self.steps + "}\n & " + head + r" \\ \hline" + "\n"
                    + " \\\\\n".join(rows) + "\n\\end{array}")
        return block("x", self.x, range(self.L + 1)) + "\n\n" + block(r"\varepsilon", self.eps, range(self.L))

    def _repr_latex_(self) -> str:
        return "$$" + self.latex() + "$$"

    def text(self) -> str:
        lines = [f"PCN trajectory: {self.description}, γ = {self.gamma}"]
        for t in range(self.steps):
            lines.append(f"t = {t}")
            for l in range(self.L + 1):
                eps = f"   ε = ({', '.join(self.eps[(l, t)])})" if l < self.L else ""
                lines.append(f"  l = {l}:  x = ({', '.join(self.x[(l, t)])}){eps}")
        return "\n".join(lines)


def closed_form(arch, steps: int | None = None, setting: Setting = Setting()) -> Trajectory:
    """The trajectory of ``arch`` under ``setting`` (γ free unless the setting fixes it)."""
    inst = symbolic_instance(get("cor-gamma"), arch, setting)
    ops, pcn = inst.ops, inst.pcn
    steps = arch.L + 1 if steps is None else steps
    x, eps = {}, {}
    for t in range(steps):
        for l in range(arch.L + 1):
            x[(l, t)] = [ops.latex(c, f"x^{{{l}}}_{{{t},{i}}}") for i, c in enumerate(pcn.x(l, t))]
            if l < arch.L:
                eps[(l, t)] = [ops.latex(c, rf"\varepsilon^{{{l}}}_{{{t},{i}}}") for i, c in enumerate(pcn.eps(l, t))]
    return Trajectory(arch.describe(), str(inst.gamma), steps, arch.L, x, eps)
