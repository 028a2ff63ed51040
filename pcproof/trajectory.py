"""Closed-form inference trajectories: the PCN state x^l_t, ε^l_t of a network at
every step, symbolically, in the paper's names (docs/notation.md, wavefront lemma and
Theorem 3.1): under C1, x^l_t = x̄^l and ε^l_t = 0 for t < l, and ε^l_l = γ^l δ^l.

The one implementation is :class:`pcproof.report.trajectory.Trajectory` (tables,
figure, notebook display); this is its entry point for scripts and the CLI.
"""
from __future__ import annotations

from .report.trajectory import Trajectory
from .theorem import Setting, get


def closed_form(arch, steps: int | None = None, setting: Setting = Setting()) -> Trajectory:
    """The Z-IL trajectory of ``arch`` for t = 0 … steps-1 (default L), γ free unless the setting fixes it."""
    return Trajectory(get("cor-gamma"), arch, setting, steps)


__all__ = ["Trajectory", "closed_form"]
