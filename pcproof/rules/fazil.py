"""Fa-Z-IL: Z-IL with full autonomy (docs/notation.md, "Fa-Z-IL").

Every weight may learn at every inference step, with a *local* learning rate
α·ϕ(ε^l_{i,·}): the update at step t is Δθ^{l+1}_t = α (ϕ^l_t ⊙ ε^l_t) f(x^{l+1}_t)ᵀ
(docs/notation.md's weight update with the error gated node by node).  No external clock
says when layer l learns; the detector ϕ of error node (l, i) decides from that
node's own recent history.

The reading implemented (docs/notation.md marks the paper's formula as lost in extraction)::

    ϕ^l_{i,t} = 1  iff  ε^l_{i,t} ≠ ε^l_{i,t−1}  and  ε^l_{i,t−1} = ε^l_{i,t−2} = … = ε^l_{i,t−t_d}
                0  otherwise

— the node has just moved after being steady for the window of t_d steps.  The
prediction phase before t = 0 counts as steady at its fixpoint value: ε^l_{t'} = 0
for t' < 0 (with the output unclamped and the hidden layers at x̄^l, every error
node is 0).  So at t = 0 the output layer moves from 0 to δ^0 and fires; by the
wavefront lemma a hidden node stays exactly at 0 until t = l and then moves to
ε^l_l (= δ^l under C3), so it fires at t = l.  For t_d = 1 the window is only
ε_{t−1} and ϕ fires at *every* change, including the ones after t = l.

"Equal" is the number system's own: bitwise for floats, a zero difference for
sympy (the hash-consed atoms make an unchanged node's difference exactly 0) and
for exact or mpmath numbers.  When δ^l_i = 0 the node never moves and ϕ stays 0 —
harmless, the update would be 0.

The detector is pluggable: ``FaZIL(detector=fn)`` with ``fn(ops, history, t_d)``,
``history`` = [ε_{t−t_d}, …, ε_{t−1}, ε_t] (vectors of the number system), returning
a vector of 0/1 (numpy: an array; other systems: a tuple of numbers).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .pc import PCRule


def _changed(ops, u, v):
    """Elementwise u ≠ v in the system's own equality (numpy: bool array; else tuple of bools)."""
    if isinstance(u, np.ndarray) or isinstance(v, np.ndarray):
        return np.asarray(u) != np.asarray(v)
    return tuple(bool(d != 0) for d in ops.sub(u, v))


def moved_after_steady(ops, history, t_d):
    """The default ϕ: 1 where ε_t ≠ ε_{t−1} and ε_{t−1} = … = ε_{t−t_d}, else 0."""
    fire = _changed(ops, history[-1], history[-2])
    for k in range(len(history) - 2):   # ε_{t−t_d+k} = ε_{t−t_d+k+1}
        steady_change = _changed(ops, history[k], history[k + 1])
        if isinstance(fire, np.ndarray):
            fire = fire & ~steady_change
        else:
            fire = tuple(a and not b for a, b in zip(fire, steady_change))
    if isinstance(fire, np.ndarray):
        return fire.astype(np.float64)
    return tuple(ops.number(1 if a else 0) for a in fire)


class FaZIL(PCRule):
    """Fa-Z-IL: every θ^{l+1} may learn at every step t, gated per error node by ϕ.

    ``t_d`` is the detector's window; ``detector`` the pluggable ϕ (default
    :func:`moved_after_steady`); ``steps`` how many inference steps a training pair
    is presented for (default L, the same t = 0 … L−1 as Z-IL).  ``update_offset``
    is accepted for the common constructor and has no effect (nothing is scheduled).
    """

    name = "fa-z-il"

    def __init__(self, gamma: Any = 1, init_noise: bool = False, update_offset: int = 0, t_d: int = 4,
                 detector: Callable | None = None, steps: int | None = None):
        super().__init__(gamma, init_noise, update_offset)
        if t_d < 1:
            raise ValueError(f"t_d must be at least 1, got {t_d}")
        self.t_d = t_d
        self.detector = detector or moved_after_steady
        self.n_steps = steps

    @classmethod
    def window(cls, t_d: int, **kw) -> type:
        """A FaZIL subclass fixed to window ``t_d`` (a rule class for ``Setting(rule=…)``)."""
        return type(f"FaZIL_td{t_d}", (cls,), {
            "name": f"fa-z-il(t_d={t_d})",
            "__init__": lambda self, gamma=1, init_noise=False, update_offset=0:
                cls.__init__(self, gamma, init_noise, update_offset, t_d=t_d, **kw)})

    def steps(self, L):
        return L if self.n_steps is None else self.n_steps

    def eps_before(self, pcn, l, t):
        """ε^l_t, with the prediction phase (t < 0) steady at its fixpoint value 0."""
        if t >= 0:
            return pcn.eps(l, t)
        e0 = pcn.eps(l, 0)
        return e0 * 0.0 if isinstance(e0, np.ndarray) else pcn.ops.scale(pcn.ops.number(0), e0)

    def phi(self, pcn, l, t):
        """ϕ^l_t, one 0/1 gate per error node of layer l (per example of a batch)."""
        history = [self.eps_before(pcn, l, s) for s in range(t - self.t_d, t + 1)]
        return self.detector(pcn.ops, history, self.t_d)

    def gate(self, pcn, l, t):
        """ϕ^l_t; a gate that is 0 everywhere is returned as None (no update: α·0·ε f(x)ᵀ = 0)
        and one that is 1 everywhere as 1 (ε unchanged), which changes no number."""
        g = self.phi(pcn, l, t)
        if isinstance(g, np.ndarray):
            if not g.any():
                return None
            return 1 if g.all() else g
        if all(c == 0 for c in g):
            return None
        return 1 if all(c == 1 for c in g) else g
