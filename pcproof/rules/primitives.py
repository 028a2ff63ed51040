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
from fractions import Fraction
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

# -- softmax attention (Vaswani et al. 2017), on row-major flattened matrices ------------------
# A vertex holding a matrix holds its rows one after another; these helpers cut and join them.
def _rows(x, n):
    return tuple(tuple(x[i:i + n]) for i in range(0, len(x), n))


def _cols(x, n):
    return tuple(tuple(x[j::n]) for j in range(n))


def _flat(rows):
    return tuple(c for r in rows for c in r)


def _scaled(ops, s, v):
    return v if s == 1 else ops.scale(ops.number(s), v)


def _tokens_update(ops, j, xs, ps, v, e, alpha):
    """Δθ = Σ_t α e_t f(x_t)ᵀ: the dense update of every token, summed (θ is shared by the tokens)."""
    (T,) = v.attrs
    n_in, n_out = len(xs[0]) // T, v.width // T
    total = None
    for x_t, e_t in zip(_rows(xs[0], n_in), _rows(e, n_out)):
        d = eq.weight_update(ops, alpha, e_t, x_t)
        total = d if total is None else ops.mat_add(total, d)
    return total


TOKENS = Primitive(
    "tokens", "(θ f(x_t))_t",
    value=lambda ops, xs, ps, v: _flat(eq.prediction(ops, ps[0], x_t)
                                       for x_t in _rows(xs[0], len(xs[0]) // v.attrs[0])),
    vjp=lambda ops, i, xs, ps, v, e: _flat(
        eq.backward(ops, x_t, ps[0], e_t)
        for x_t, e_t in zip(_rows(xs[0], len(xs[0]) // v.attrs[0]), _rows(e, v.width // v.attrs[0]))),
    update=_tokens_update,
)


def _matmul_value(ops, xs, ps, v):
    """C = s A B (or s A Bᵀ): row i of C is B-ish applied to row i of A."""
    n, m, p, tb, s = v.attrs
    B = _rows(xs[1], m if tb else p)
    return _flat(_scaled(ops, s, ops.matvec(B, a) if tb else ops.rmatvec(B, a)) for a in _rows(xs[0], m))


def _matmul_vjp(ops, i, xs, ps, v, e):
    """∂C/∂A: E Bᵀ (E B when C = A Bᵀ); ∂C/∂B: Aᵀ E (Eᵀ A when C = A Bᵀ); times s."""
    n, m, p, tb, s = v.attrs
    A, B, E = _rows(xs[0], m), _rows(xs[1], m if tb else p), _rows(e, p)
    if i == 0:
        return _flat(_scaled(ops, s, ops.rmatvec(B, e_i) if tb else ops.matvec(B, e_i)) for e_i in E)
    if tb:   # dB row k = s Σ_i E[i][k] A[i]
        return _flat(_scaled(ops, s, ops.rmatvec(A, col)) for col in _cols(e, p))
    return _flat(_scaled(ops, s, ops.rmatvec(E, col)) for col in _cols(xs[0], m))   # dB row j = s Σ_i A[i][j] E[i]


MATMUL = Primitive("matmul", "s x_u x_w (or s x_u x_wᵀ), as matrices", value=_matmul_value, vjp=_matmul_vjp)


def _softmax(ops, r):
    """softmax of one row: exp(r) / Σ exp(r) (exp exact in the symbolic system, a ball in arb)."""
    e = ops.exp(r)
    return ops.scale(ops.recip(ops.matvec(((ops.number(1),) * len(r),), e))[0], e)


def _softmax_back(ops, p, g):
    """Jᵀ g = p ⊙ (g − (p·g) 1) for one row of probabilities p (J = diag p − p pᵀ is symmetric)."""
    dot = ops.matvec((p,), g)[0]
    return ops.mul(p, ops.sub(g, (dot,) * len(g)))


def _softmax_rows(ops, x, n):
    return [_softmax(ops, r) for r in _rows(x, n)]


def _softmax_vjp(ops, i, xs, ps, v, e):
    (n,) = v.attrs
    return _flat(_softmax_back(ops, p, g) for p, g in zip(_softmax_rows(ops, xs[0], n), _rows(e, n)))


SOFTMAX = Primitive("softmax", "softmax of each row of x_u",
                    value=lambda ops, xs, ps, v: _flat(_softmax_rows(ops, xs[0], v.attrs[0])),
                    vjp=_softmax_vjp)


# -- multi-head, causal attention ---------------------------------------------------------
# A causal mask is a softmax over the allowed positions only (row i over j ≤ i), never a −∞
# added to the scores: every number system stays exact, and a masked entry is the number 0.
def _causal_value(ops, xs, ps, v):
    (n,) = v.attrs
    zero = ops.number(0)
    return _flat(tuple(_softmax(ops, r[:i + 1])) + (zero,) * (n - 1 - i) for i, r in enumerate(_rows(xs[0], n)))


def _causal_vjp(ops, i, xs, ps, v, e):
    """Row i: the softmax's Jᵀ g on the allowed positions j ≤ i, 0 on the masked ones (they do
    not reach the output)."""
    (n,) = v.attrs
    zero = ops.number(0)
    return _flat(tuple(_softmax_back(ops, _softmax(ops, r[:k + 1]), g[:k + 1])) + (zero,) * (n - 1 - k)
                 for k, (r, g) in enumerate(zip(_rows(xs[0], n), _rows(e, n))))


CAUSAL_SOFTMAX = Primitive("causal_softmax", "softmax of row i of x_u over positions j ≤ i (0 after)",
                           value=_causal_value, vjp=_causal_vjp)


def _token_widths(xs, T):
    return [len(x) // T for x in xs]


def _concat_value(ops, xs, ps, v):
    """Token t's row is the parents' rows t side by side (the heads of multi-head attention)."""
    (T,) = v.attrs
    rows = [_rows(x, w) for x, w in zip(xs, _token_widths(xs, T))]
    return tuple(c for t in range(T) for r in rows for c in r[t])


def _concat_vjp(ops, i, xs, ps, v, e):
    """The columns of e that parent i filled (a selection: no arithmetic)."""
    (T,) = v.attrs
    w = _token_widths(xs, T)
    start = sum(w[:i])
    return tuple(c for row in _rows(e, sum(w)) for c in row[start:start + w[i]])


CONCAT = Primitive("concat", "(x_u,t ‖ x_w,t ‖ …)_t: the parents' token rows side by side",
                   value=_concat_value, vjp=_concat_vjp)


# -- average pooling: the mean of x_u over each window (a fixed matrix P, never learned) ----------
def _pool_value(ops, xs, ps, v):
    """y_o = (1/n) Σ_{(o, i) ∈ windows} x_i, for windows of n entries (attrs: n, ((o, i), …))."""
    n, index = v.attrs
    out = [ops.number(0)] * v.width
    for o, i in index:
        out[o] = out[o] + xs[0][i]
    return ops.scale(ops.number(Fraction(1, n)), tuple(out))


def _pool_vjp(ops, i, xs, ps, v, e):
    """Pᵀ e: each input gets (1/n) e_o from every window o it lies in."""
    n, index = v.attrs
    out = [ops.number(0)] * len(xs[0])
    for o, j in index:
        out[j] = out[j] + e[o]
    return ops.scale(ops.number(Fraction(1, n)), tuple(out))


AVGPOOL = Primitive("avgpool", "mean of x_u over each window", value=_pool_value, vjp=_pool_vjp)


#: primitives whose values leave the rationals whatever f is (witnesses are computed in balls)
TRANSCENDENTAL = frozenset({"softmax", "causal_softmax"})

PRIMITIVES: dict[str, Primitive] = {p.name: p for p in (AVGPOOL, DENSE, LINEAR, RECURRENT, ADD, MUL, ACT, IDENTITY, CONV,
                                                        TOKENS, MATMUL, SOFTMAX, CAUSAL_SOFTMAX, CONCAT)}
