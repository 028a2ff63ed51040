"""Builders of the graph families (``pcproof list --models``).

Each builder returns a :class:`~pcproof.model.graph.Graph`; a user builds any graph in
their own file with the same API (``--model FILE.py:build``).  Names follow the papers:
the MLP's vertices are ``x0`` (output) … ``xL`` (input) with parameters ``theta{l+1}``,
``b{l}``, exactly docs/notation.md's layered network.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from math import isqrt
from typing import Callable

from .activations import Activation
from .graph import Graph, GraphError, Vertex


def mlp(activation: Activation, depth: int = 3, width: int = 2, widths=None, bias: bool = False) -> Graph:
    """docs/notation.md's layered network: x̄^l = θ^{l+1} f(x̄^{l+1}) (+ b^l), layer 0 the output."""
    n = tuple(widths) if widths is not None else (width,) * (depth + 1)
    if len(n) < 2 or min(n) < 1:
        raise GraphError(f"an MLP needs widths n0 … nL with L ≥ 1 and every width ≥ 1, got {list(n)}")
    L = len(n) - 1
    vertices = [Vertex(f"x{L}", "input", width=n[L])]
    shapes = []
    for l in range(L - 1, -1, -1):
        params = (f"theta{l + 1}",) + ((f"b{l}",) if bias else ())
        shapes.append((f"theta{l + 1}", (n[l], n[l + 1])))
        if bias:
            shapes.append((f"b{l}", (n[l],)))
        vertices.append(Vertex(f"x{l}", "dense", (f"x{l + 1}",), params, n[l]))
    return Graph(tuple(vertices), ("x0",), tuple(shapes), activation, f"mlp L={L}")


class Layers:
    """The ``mlp`` family's graph read by arithmetic on the layer number (docs/notation.md):
    vertex l is layer l, parents(l) = (l+1,), children(l) = (l−1,) for l ≥ 1, params(l) =
    (θ^{l+1}, b^l) named ("theta", l+1), ("b", l) (the layered update keys), d(l) = l, the
    input is l = L and the output l = 0.  It answers what :func:`mlp`'s graph answers (vertex
    ``x{l}``, parameter ``theta{l+1}``; tests/test_one_engine.py), through the protocol the
    graph engine reads (``by_name``, ``children``, ``distance``, ``users``, ``shapes``).

    Every answer is arithmetic and comparison on l, never a lookup keyed by l, so it also holds
    at a *symbolic* depth and layer (the all-depth prover's z3-backed index, whose comparisons
    its IndexSpace decides; a dict keyed by such an index would be a silent wrong answer).  At
    a concrete depth (an int L, so int layers) the same answers are tabulated once.  ``widths``
    is None at a symbolic depth (a shape is then only its rank)."""

    def __init__(self, L, widths=None, bias: bool = False):
        self.L, self.widths, self.bias = L, widths, bias
        self.by_name, self.children = _Arith(self.vertex), _Arith(lambda l: (l - 1,) if l >= 1 else ())
        self.distance, self.shapes = _Arith(lambda l: l), _Arith(self.shape)
        if type(L) is int:      # a concrete depth: the same answers, tabulated once (indices are ints)
            self.by_name = {l: self.vertex(l) for l in range(L)}
            self.children = {l: self.children[l] for l in range(L + 1)}
            self.distance = {l: l for l in range(L + 1)}
            self.shapes = dict(self.param_shapes)
            # in topological order (what BP's forward pass walks): the input L, then layers L−1 … 0
            self.vertices = (Vertex(L, "input", width=widths[L]),) + tuple(self.by_name[l] for l in range(L - 1, -1, -1))

    def vertex(self, l) -> Vertex:
        """Layer l's vertex: the dense primitive θ^{l+1} f(x^{l+1}) (+ b^l)."""
        params = (("theta", l + 1), ("b", l)) if self.bias else (("theta", l + 1),)
        return Vertex(l, "dense", (l + 1,), params, None if self.widths is None else self.widths[l])

    @staticmethod
    def users(p) -> tuple:
        """θ^k is read by layer k − 1 only, b^l by layer l."""
        kind, i = p
        return (i - 1,) if kind == "theta" else (i,)

    def shape(self, p) -> tuple:
        kind, i = p
        n = self.widths or _NO_WIDTHS
        return (n[i - 1], n[i]) if kind == "theta" else (n[i],)

    # -- the finite network's lists (a concrete depth only) ----------------------------------
    @property
    def depth(self) -> int:
        return self.L

    outputs = (0,)

    @property
    def computed(self) -> tuple:
        return tuple(range(self.L))

    @property
    def param_shapes(self) -> tuple:
        """In the layered order: θ^1, b^0, θ^2, b^1, …"""
        keys = [k for l in range(self.L) for k in self.vertex(l).params]
        return tuple((k, self.shape(k)) for k in keys)


@lru_cache(maxsize=64)
def layers(widths: tuple, bias: bool) -> Layers:
    """The mlp family's graph of these widths, read by layer number (it holds shapes only: made
    once, shared by every run of the layered BP and PCN)."""
    return Layers(len(widths) - 1, widths, bias)


class LayerPoint:
    """A layered :class:`~pcproof.model.Params` as the graph engine reads a point: the input
    clamped at l = L, the target at l = 0, θ^k and b^l by their keys (by arithmetic, as
    :class:`Layers`)."""

    def __init__(self, params, L):
        self.params, self.extra = params, params.extra
        self.theta = _Arith(lambda p: params.theta[p[1]] if p[0] == "theta" else params.b[p[1]])
        if type(L) is int:      # a concrete depth: the same answers, tabulated (indices are ints)
            self.inputs, self.targets = {L: params.s_in}, {0: params.s_out}
            self.theta = {("theta", k): W for k, W in params.theta.items()}
            self.theta.update({("b", l): b for l, b in (params.b or {}).items()})
        else:
            self.inputs = _Clamp(lambda l: l == L, params.s_in)
            self.targets = _Clamp(lambda l: l == 0, params.s_out)


class _Arith:
    """``m[key]`` is ``fn(key)``: a map computed from its key, never looked up by it."""

    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn

    def __getitem__(self, key):
        return self.fn(key)


class _Clamp:
    """``v in m`` is ``test(v)``; ``m[v]`` the clamped value (asked only after the test)."""

    __slots__ = ("test", "value")

    def __init__(self, test, value):
        self.test, self.value = test, value

    def __contains__(self, v):
        return self.test(v)

    def __getitem__(self, v):
        return self.value


class _Unknown:
    """The widths of a symbolic depth: every width unknown (None)."""

    def __getitem__(self, i):
        return None


_NO_WIDTHS = _Unknown()


def residual(activation: Activation, blocks: int = 2, width: int = 2, out: int | None = None) -> Graph:
    """A chain of residual blocks: h_k = θ_k^a f(x_k), y_k = θ_k^b f(h_k), x_{k+1} = x_k + y_k
    (its own add vertex, so the skip path is two vertices shorter than the main path), then a
    dense head x_out = θ_out f(x_n)."""
    if blocks < 1 or width < 1:
        raise GraphError("a residual chain needs at least one block and width ≥ 1")
    out = width if out is None else out
    vs = [Vertex("x0", "input", width=width)]
    shapes = []
    for k in range(blocks):
        vs += [Vertex(f"h{k}", "dense", (f"x{k}",), (f"theta{k}a",), width),
               Vertex(f"y{k}", "dense", (f"h{k}",), (f"theta{k}b",), width),
               Vertex(f"x{k + 1}", "add", (f"x{k}", f"y{k}"), (), width)]
        shapes += [(f"theta{k}a", (width, width)), (f"theta{k}b", (width, width))]
    vs.append(Vertex("out", "dense", (f"x{blocks}",), ("theta_out",), out))
    shapes.append(("theta_out", (out, width)))
    return Graph(tuple(vs), ("out",), tuple(shapes), activation, f"residual blocks={blocks}")


def rnn(activation: Activation, steps: int = 3, width: int = 2, inputs: int | None = None,
        outputs: str = "last") -> Graph:
    """An RNN unrolled for ``steps``: h_t = θ f(h_{t-1}) + U x_t with θ, U shared over time,
    h_0 an input; the output y = V f(h_T) (``outputs="all"``: y_t = V f(h_t) at every step,
    a graph that is not levelled)."""
    if steps < 1 or width < 1:
        raise GraphError("an RNN needs at least one step and width ≥ 1")
    if outputs not in ("last", "all"):
        raise GraphError(f"--outputs must be last or all, got {outputs!r}")
    m = width if inputs is None else inputs
    vs = [Vertex("h0", "input", width=width)]
    outs = []
    for t in range(1, steps + 1):
        vs += [Vertex(f"u{t}", "input", width=m),
               Vertex(f"h{t}", "recurrent", (f"h{t - 1}", f"u{t}"), ("theta", "U"), width)]
        if outputs == "all" or t == steps:
            vs.append(Vertex(f"y{t}", "dense", (f"h{t}",), ("V",), width))
            outs.append(f"y{t}")
    shapes = (("theta", (width, width)), ("U", (width, m)), ("V", (width, width)))
    return Graph(tuple(vs), tuple(outs), shapes, activation, f"rnn steps={steps}, outputs={outputs}")


def cnn(activation: Activation, size: int = 5, kernel: int = 2, channels_out: int = 2, dims: int = 1,
        pool: int | None = None) -> Graph:
    """A convolution with one shared kernel (1-D: an input of ``size``; 2-D: ``size``×``size``),
    'valid' padding, then a dense head to ``channels_out`` outputs.

    ``pool=p``: average pooling over non-overlapping p (p×p) windows between the convolution
    and the head (``avgpool``, a fixed matrix; windows that do not fit are dropped)."""
    if dims not in (1, 2) or kernel < 1 or size < kernel:
        raise GraphError(f"a CNN needs dims 1 or 2 and 1 ≤ kernel ≤ size, got dims={dims}, size={size}, kernel={kernel}")
    side = size - kernel + 1
    if pool is not None and not 1 <= pool <= side:
        raise GraphError(f"a CNN's pooling window must be between 1 and the convolution's side {side}, got pool={pool}")
    in_shape = (size,) * dims
    k_shape = (kernel,) * dims
    index = conv_index(in_shape, k_shape)
    n_in, n_conv = size ** dims, side ** dims
    vs = [Vertex("x", "input", width=n_in), Vertex("c", "conv", ("x",), ("k",), n_conv, index)]
    head, n_head = "c", n_conv
    if pool is not None:
        windows = pool_index((side,) * dims, pool)
        n_head = 1 + max(o for o, _ in windows)
        vs.append(Vertex("p", "avgpool", ("c",), (), n_head, (pool ** dims, windows)))
        head = "p"
    vs.append(Vertex("out", "dense", (head,), ("theta_out",), channels_out))
    shapes = (("k", (kernel ** dims,)), ("theta_out", (channels_out, n_head)))
    return Graph(tuple(vs), ("out",), shapes, activation,
                 f"cnn {dims}-D size={size} kernel={kernel}" + (f" pool={pool}" if pool else ""))


def pool_index(shape: tuple[int, ...], p: int) -> tuple:
    """The (output, input) pairs of non-overlapping p-wide (p×p) windows over an input of
    ``shape`` (1-D or 2-D, flattened row-major); a window that does not fit is dropped."""
    if len(shape) == 1:
        return tuple((o, o * p + a) for o in range(shape[0] // p) for a in range(p))
    (h, w), ow = shape, shape[1] // p
    return tuple((r * ow + c, (r * p + a) * w + (c * p + b))
                 for r in range(h // p) for c in range(ow) for a in range(p) for b in range(p))


def conv_index(in_shape: tuple[int, ...], kernel_shape: tuple[int, ...]) -> tuple:
    """The (output, input, kernel) index triples of a 'valid' convolution (cross-correlation)
    of an input of ``in_shape`` (1-D or 2-D, flattened row-major) with a kernel of
    ``kernel_shape`` (flattened): T[o][i] = k[j]."""
    if len(in_shape) == 1:
        (n,), (K,) = in_shape, kernel_shape
        return tuple((o, o + j, j) for o in range(n - K + 1) for j in range(K))
    (h, w), (kh, kw) = in_shape, kernel_shape
    ow = w - kw + 1
    return tuple((r * ow + c, (r + a) * w + (c + b), a * kw + b)
                 for r in range(h - kh + 1) for c in range(ow) for a in range(kh) for b in range(kw))


def attention(activation: Activation, tokens: int = 2, dim: int = 2, out: int | None = None,
              skip: bool = False, heads: int = 1, causal: bool = False) -> Graph:
    """One softmax self-attention block on ``tokens`` tokens of dimension ``dim`` (every matrix
    a vertex, flattened row by row):

    Q = (W_q f(x_t))_t, K = (W_k f(x_t))_t, V = (W_v f(x_t))_t (W shared by the tokens),
    S = s Q Kᵀ, A = softmax of each row of S, O = A V, and a dense head y = θ_out f(O).

    s is 1/√d_k when that is rational, else 1/d_k (d_k = dim/heads; a constant scale changes
    no theorem, and the symbolic system keeps every number exact).  Every path from a vertex
    to y has one length (Q, K → S → A → O; V → O), so the block is levelled as built.

    ``heads=h`` (h | dim): multi-head attention.  Head k has its own W_q^k, W_k^k, W_v^k of
    shape (dim/h, dim) and vertices Qk, Kk, Vk, Sk, Ak, Ok; O = concat(O1, …, Oh) puts the
    heads' token rows side by side (the usual concatenation; the head's θ_out plays W^O).
    Every head has the same path lengths, so the block stays levelled.

    ``causal=True``: token i attends to tokens j ≤ i only.  A is the softmax of row i over
    those positions (``causal_softmax``): the masked entries are the number 0, never a −∞
    score, so the mask is exact in every number system.

    ``skip=True``: a transformer's residual form.  The tokens are embedded first,
    E = (W_e f(x_t))_t, Q, K, V read E, and the head reads R = E + O (its own add vertex):
    E reaches y in fewer steps along the skip, so the graph is not levelled (``level`` levels it)."""
    if tokens < 1 or dim < 1:
        raise GraphError(f"attention needs tokens ≥ 1 and dim ≥ 1, got tokens={tokens}, dim={dim}")
    if heads < 1 or dim % heads:
        raise GraphError(f"attention needs heads ≥ 1 dividing dim, got heads={heads}, dim={dim}")
    T, d, h = tokens, dim, heads
    dk = d // h
    out = d if out is None else out
    r = isqrt(dk)
    s = Fraction(1, r) if r * r == dk else Fraction(1, dk)
    src = "E" if skip else "x"
    softmax = "causal_softmax" if causal else "softmax"
    vs = [Vertex("x", "input", width=T * d)] + ([Vertex("E", "tokens", ("x",), ("W_e",), T * d, (T,))] if skip else [])
    shapes = [("W_e", (d, d))] if skip else []
    for k in range(1, h + 1):
        n = "" if h == 1 else str(k)      # one head: the single-head block's names
        q, kk, v, sc, a, o = (f"{m}{n}" for m in "QKVSAO")
        vs += [Vertex(q, "tokens", (src,), (f"W_q{n}",), T * dk, (T,)),
               Vertex(kk, "tokens", (src,), (f"W_k{n}",), T * dk, (T,)),
               Vertex(v, "tokens", (src,), (f"W_v{n}",), T * dk, (T,)),
               Vertex(sc, "matmul", (q, kk), (), T * T, (T, dk, T, True, s)),
               Vertex(a, softmax, (sc,), (), T * T, (T,)),
               Vertex(o, "matmul", (a, v), (), T * dk, (T, T, dk, False, Fraction(1)))]
        shapes += [(f"W_q{n}", (dk, d)), (f"W_k{n}", (dk, d)), (f"W_v{n}", (dk, d))]
    if h > 1:
        vs.append(Vertex("O", "concat", tuple(f"O{k}" for k in range(1, h + 1)), (), T * d, (T,)))
    if skip:
        vs.append(Vertex("R", "add", ("E", "O"), (), T * d))
    vs.append(Vertex("y", "dense", ("R" if skip else "O",), ("theta_out",), out))
    shapes.append(("theta_out", (out, T * d)))
    name = f"attention tokens={T} dim={d}" + (f", heads={h}" if h > 1 else "") + (", causal" if causal else "") \
        + (", skip" if skip else "")
    return Graph(tuple(vs), ("y",), tuple(shapes), activation, name)


@dataclass(frozen=True)
class Family:
    name: str
    build: Callable
    text: str
    options: tuple[str, ...]


FAMILIES: dict[str, Family] = {
    "mlp": Family("mlp", mlp, "the layered network of docs/notation.md (levelled)", ("depth", "width", "widths", "bias")),
    "residual": Family("residual", residual, "residual blocks with add vertices (not levelled; --level levels it)",
                       ("blocks", "width")),
    "rnn": Family("rnn", rnn, "an unrolled RNN, θ and U shared over time", ("steps", "width", "outputs")),
    "cnn": Family("cnn", cnn, "a convolution with a shared kernel, optional average pooling, a dense head",
                  ("size", "kernel", "dims", "pool")),
    "attention": Family("attention", attention,
                        "a softmax self-attention block (Q, K, V, softmax, dense head); multi-head, causal mask",
                        ("tokens", "dim", "heads", "causal", "skip")),
}
