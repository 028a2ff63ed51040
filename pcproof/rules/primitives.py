"""The primitives of a computational graph, each written once against the op algebra:
its value ``g_v`` and its vector–Jacobian products (docs/notation.md, "Graphs").

BP's reverse mode, the PC energy's inference drive and every rule's parameter update are
derived from these lines (:mod:`pcproof.rules.graph`), so a primitive is never typed twice
for two algorithms.  For a primitive with parents ``u_i`` and parameters ``θ_j``:

* ``value(ops, xs, ps, v)``            g_v(x_u…, θ…)
* ``vjp(ops, i, xs, ps, v, e)``        (∂g_v/∂x_{u_i})ᵀ e
* ``update(ops, j, xs, ps, v, e, α)``  α (∂g_v/∂θ_j)ᵀ e   (the update −α ∂(½‖e‖²-style)/∂θ_j)

The dense primitive is the MLP's layer (docs/notation.md): ``θ f(x_u) (+ b)``, built from the same
functions of :mod:`pcproof.rules.equations` the layered rules call.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import equations as eq


@dataclass(frozen=True)
class Primitive:
    name: str
    text: str                                   # g_v in the paper's notation (shapes: model.graph.SHAPES)
    value: Callable
    vjp: Callable
    update: Callable | None = None


def _dense_update(ops, j, xs, ps, v, e, alpha):
    return eq.weight_update(ops, alpha, e, xs[0]) if j == 0 else eq.bias_update(ops, alpha, e)


DENSE = Primitive(
    "dense", "θ f(x_u) (+ b)",
    value=lambda ops, xs, ps, v: eq.prediction(ops, ps[0], xs[0], ps[1] if len(ps) > 1 else None),
    vjp=lambda ops, i, xs, ps, v, e: eq.backward(ops, xs[0], ps[0], e),
    update=_dense_update,
)


LINEAR = Primitive(
    "linear", "W x_u",
    value=lambda ops, xs, ps, v: ops.matvec(ps[0], xs[0]),
    vjp=lambda ops, i, xs, ps, v, e: ops.rmatvec(ps[0], e),
    update=lambda ops, j, xs, ps, v, e, alpha: eq.linear_update(ops, alpha, e, xs[0]),
)


RECURRENT = Primitive(
    "recurrent", "θ f(h_{t-1}) + U x_t",
    value=lambda ops, xs, ps, v: ops.add(eq.prediction(ops, ps[0], xs[0]), ops.matvec(ps[1], xs[1])),
    vjp=lambda ops, i, xs, ps, v, e: eq.backward(ops, xs[0], ps[0], e) if i == 0 else ops.rmatvec(ps[1], e),
    update=lambda ops, j, xs, ps, v, e, alpha: (eq.weight_update(ops, alpha, e, xs[0]) if j == 0
                                                else eq.linear_update(ops, alpha, e, xs[1])),
)


ADD = Primitive("add", "x_u + x_w",
                value=lambda ops, xs, ps, v: ops.add(xs[0], xs[1]),
                vjp=lambda ops, i, xs, ps, v, e: e)
MUL = Primitive("mul", "x_u ⊙ x_w",
                value=lambda ops, xs, ps, v: ops.mul(xs[0], xs[1]),
                vjp=lambda ops, i, xs, ps, v, e: ops.mul(xs[1 - i], e))
ACT = Primitive("act", "f(x_u)",
                value=lambda ops, xs, ps, v: ops.f(xs[0]),
                vjp=lambda ops, i, xs, ps, v, e: ops.mul(ops.df(xs[0]), e))
IDENTITY = Primitive("identity", "x_u",
                     value=lambda ops, xs, ps, v: xs[0],
                     vjp=lambda ops, i, xs, ps, v, e: e)


# -- convolution: a dense layer whose matrix is built from a shared kernel -------------------
def conv_matrix(ops, k, index, n_out, n_in):
    zero = ops.number(0)
    rows = [[zero] * n_in for _ in range(n_out)]
    for o, i, j in index:
        rows[o][i] = k[j]
    return tuple(tuple(r) for r in rows)


def _conv_T(ops, xs, ps, v):
    return conv_matrix(ops, ps[0], v.attrs, v.width, len(xs[0]))


def _conv_update(ops, j, xs, ps, v, e, alpha):
    """Δk_j = Σ over the entries T[o][i] = k_j of α e_o f(x_u)_i (the dense update, summed)."""
    G = eq.weight_update(ops, alpha, e, xs[0])
    K = len(ps[0])
    out = [ops.number(0)] * K
    for o, i, kj in v.attrs:
        out[kj] = out[kj] + G[o][i]
    return tuple(out)


CONV = Primitive(
    "conv", "k ⋆ f(x_u)",
    value=lambda ops, xs, ps, v: ops.matvec(_conv_T(ops, xs, ps, v), ops.f(xs[0])),
    vjp=lambda ops, i, xs, ps, v, e: eq.backward(ops, xs[0], _conv_T(ops, xs, ps, v), e),
    update=_conv_update,
)

PRIMITIVES: dict[str, Primitive] = {p.name: p for p in (DENSE, LINEAR, RECURRENT, ADD, MUL, ACT, IDENTITY, CONV)}
