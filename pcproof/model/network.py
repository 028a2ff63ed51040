"""Architectures and parameter points (docs/notation.md, "Conventions").

Layer 0 is the output and layer L the input; ``theta[l+1]`` (n_l × n_{l+1}) maps
layer l+1 to layer l; ``b[l]`` is the bias of layer l.  A :class:`Params` holds the
numbers of one system (sympy symbols, rationals, mpmath, balls or numpy arrays);
the rules never look inside them, they only hand them to the ops.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable

from .activations import Activation


class ArchitectureError(ValueError):
    """Malformed depth or widths (a user error: exit code 2)."""


@dataclass(frozen=True)
class Architecture:
    """Widths ``n_0 … n_L`` (output first), activation and whether layers have biases."""

    widths: tuple[int, ...]
    activation: Activation
    bias: bool = False

    def __post_init__(self):
        if len(self.widths) < 2:
            raise ArchitectureError("depth must be at least 1 (need widths n_0 … n_L with L ≥ 1)")
        if any(int(n) != n or n < 1 for n in self.widths):
            raise ArchitectureError(f"widths must be positive integers, got {list(self.widths)}")

    @classmethod
    def make(cls, activation: Activation, *, depth: int | None = None, width: int | None = None,
             widths=None, bias: bool = False) -> "Architecture":
        """Build from ``widths`` or from ``depth`` and a uniform ``width``."""
        if widths is not None:
            widths = tuple(widths)
            if depth is not None and len(widths) != depth + 1:
                raise ArchitectureError(
                    f"--widths has {len(widths)} entries but depth {depth} needs {depth + 1} (n_0 … n_L)")
            return cls(widths, activation, bias)
        if depth is None or depth < 1:
            raise ArchitectureError(f"depth must be at least 1, got {depth}")
        width = 2 if width is None else width
        if width < 1:
            raise ArchitectureError(f"width must be a positive integer, got {width}")
        return cls((width,) * (depth + 1), activation, bias)

    @property
    def L(self) -> int:
        """The depth L (= l_max): number of weight matrices."""
        return len(self.widths) - 1

    def update_shapes(self, params) -> dict:
        """Each parameter's key and shape: ("theta", l+1) ↦ (n_l, n_{l+1}), ("b", l) ↦ (n_l,)."""
        n = self.widths
        out = {("theta", l + 1): (n[l], n[l + 1]) for l in range(self.L)}
        if params.b is not None:
            out.update({("b", l): (n[l],) for l in range(self.L)})
        return out

    @staticmethod
    def parameter(params, key):
        kind, i = key
        return params.theta[i] if kind == "theta" else params.b[i]

    def describe(self) -> str:
        return f"L={self.L}, widths={list(self.widths)}, f={self.activation.name}" + (", biases" if self.bias else "")


@dataclass
class Params:
    """One point: weights θ^{l+1}, biases b^l (or None), and the training pair."""

    theta: dict[int, Any]
    b: dict[int, Any] | None
    s_in: Any
    s_out: Any
    # Extra named values a condition needs (e.g. the C1 perturbation η^l).
    extra: dict[str, Any] = field(default_factory=dict)
    # Extra named matrices a rule declares (:meth:`pcproof.rules.Rule.matrices`), e.g. the
    # feedback matrices B^l of feedback alignment: name → layer → matrix (rows of scalars).
    # They are part of the point: symbols in a proof, drawn by the strategies and witnesses.
    matrices: dict[str, Any] = field(default_factory=dict)

    def scalars(self) -> dict[str, Any]:
        """Flat name → scalar view, the names of :func:`symbolic_params`' symbols."""
        out = {}
        for k, W in self.theta.items():
            for i, row in enumerate(W):
                for j, w in enumerate(row):
                    out[f"theta{k}_{i}_{j}"] = w
        for l, v in (self.b or {}).items():
            for i, c in enumerate(v):
                out[f"b{l}_{i}"] = c
        for i, c in enumerate(self.s_in):
            out[f"s_in_{i}"] = c
        for i, c in enumerate(self.s_out):
            out[f"s_out_{i}"] = c
        for name, vecs in self.extra.items():
            for l, v in vecs.items():
                for i, c in enumerate(v):
                    out[f"{name}{l}_{i}"] = c
        for name, mats in self.matrices.items():
            for l, M in mats.items():
                for i, row in enumerate(M):
                    for j, c in enumerate(row):
                        out[f"{name}{l}_{i}_{j}"] = c
        return out

    def graph_point(self, L: int):
        """This point on the ``mlp`` family's graph (model.families.mlp: vertices x0 … xL,
        parameters theta{l+1}, b{l}); the same objects, only named by the graph."""
        from .graph import GraphPoint
        theta = {f"theta{k}": W for k, W in self.theta.items()}
        theta.update({f"b{l}": b for l, b in (self.b or {}).items()})
        return GraphPoint(theta, {f"x{L}": self.s_in}, {"x0": self.s_out},
                          {f"x{l}": v for l, v in self.extra.get("eta", {}).items()})

    def map(self, fn: Callable[[Any], Any]) -> "Params":
        """The same point with every scalar mapped through ``fn`` (e.g. Fraction → mpf)."""
        vec = lambda v: tuple(fn(c) for c in v)
        return Params(
            theta={k: tuple(vec(r) for r in W) for k, W in self.theta.items()},
            b=None if self.b is None else {l: vec(v) for l, v in self.b.items()},
            s_in=vec(self.s_in), s_out=vec(self.s_out),
            extra={n: {l: vec(v) for l, v in d.items()} for n, d in self.extra.items()},
            matrices={n: {l: tuple(vec(r) for r in M) for l, M in d.items()} for n, d in self.matrices.items()},
        )


def _build(arch: Architecture, scalar: Callable[[str], Any], extra_vectors: tuple[str, ...] = (),
           matrices: dict | None = None) -> Params:
    """``matrices``: name → l → (layer of the rows, layer of the columns), the extra matrices
    a rule declares (:meth:`pcproof.rules.Rule.matrices`): ``(l, l-1)`` is n_l × n_{l-1};
    scalar ``{name}{l}_{i}_{j}`` is entry (i, j)."""
    n, L = arch.widths, arch.L
    vec = lambda stem, m: tuple(scalar(f"{stem}_{i}") for i in range(m))
    return Params(
        theta={l + 1: tuple(tuple(scalar(f"theta{l + 1}_{i}_{j}") for j in range(n[l + 1]))
                            for i in range(n[l])) for l in range(L)},
        b={l: vec(f"b{l}", n[l]) for l in range(L)} if arch.bias else None,
        s_in=vec("s_in", n[L]), s_out=vec("s_out", n[0]),
        # hidden-layer vectors, e.g. the C1 perturbation eta^l, l = 1 … L-1
        extra={name: {l: vec(f"{name}{l}", n[l]) for l in range(1, L)} for name in extra_vectors},
        # drawn after everything else, so a point without matrices is the same point as before
        matrices={name: {l: tuple(tuple(scalar(f"{name}{l}_{i}_{j}") for j in range(n[c])) for i in range(n[r]))
                         for l, (r, c) in sorted(shapes.items())}
                  for name, shapes in sorted((matrices or {}).items())},
    )


def symbolic_params(arch: Architecture, extra_vectors: tuple[str, ...] = (), matrices: dict | None = None) -> Params:
    """A point whose every scalar is a sympy symbol (real); a rule's matrices (``matrices``,
    see :meth:`pcproof.rules.Rule.matrices`) get their own symbols, so a proof holds for every value."""
    import sympy as sp   # here, not at import: an all-depth proof never needs it
    return _build(arch, lambda name: sp.Symbol(name, real=True), extra_vectors, matrices)


def random_params(arch: Architecture, rng: random.Random, extra_vectors: tuple[str, ...] = (),
                  denominator: int = 8, bound: int = 2, matrices: dict | None = None) -> Params:
    """A point of small exact rationals k/denominator with |value| ≤ bound (readable counterexamples)."""
    top = bound * denominator

    def scalar(_name):
        return Fraction(rng.randint(-top, top), denominator)

    return _build(arch, scalar, extra_vectors, matrices)


_NAMED = re.compile(r"^(theta|b|eta|B)(\d+)_(\d+(?:_\d+)?)$|^s_(in|out)_(\d+)$")


def symbol_latex(name: str) -> str:
    """LaTeX for the names :func:`symbolic_params` gives, in the paper's notation."""
    m = _NAMED.match(name)
    if not m:
        import sympy as sp
        return sp.latex(sp.Symbol(name))
    stem, layer, idx, which, i = m.groups()
    if which:
        return rf"s^{{\mathrm{{{which}}}}}_{{{i}}}"
    greek = {"theta": r"\theta", "b": "b", "eta": r"\eta", "B": "B"}[stem]
    return rf"{greek}^{{{layer}}}_{{{idx.replace('_', '')}}}"
