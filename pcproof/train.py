"""The reference trainer: batched float64 training of BP, IL, Z-IL and Fa-Z-IL.

Nothing here restates the maths.  A training step hands the current weights and a
batch to a rule's own ``updates`` (or, for a PC rule, its lazy ``trajectory``) —
the very rule classes :mod:`pcproof.rules` defines and the prover checks — running
over :class:`TrainOps`, numpy float64 batched on the leading axis (docs/notation.md: the
update Δθ^{l+1} = α Σ_b e^l_b f(x^{l+1}_b)ᵀ sums over the batch).

Data: scikit-learn's bundled digits (8×8 images, 64 inputs, 10 classes; shipped
with the package, no download), each pixel standardised with the training split's
mean and standard deviation, targets one-hot.

Example (a few seconds)::

    >>> from pcproof.train import load_digits_data, make_architecture, init_weights, train
    >>> from pcproof.rules import BP
    >>> data = load_digits_data()
    >>> arch = make_architecture(hidden=1)
    >>> run = train(BP(), arch, data, init_weights(arch, seed=0), epochs=1)
    >>> len(run.test_error)   # before training, then after each epoch
    2
"""
from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .model import Architecture, Params, get_activation
from .numbers import NumpyOps
from .rules import ANN, BP, IL, ZIL
from .rules.base import Rule, Updates, rule_updates

#: The paper's settings (Song et al. 2020, Sec. 5): sigmoid, α = 0.001, batch 20, hidden width 32.
ALPHA, BATCH, WIDTH, ACTIVATION = 1e-3, 20, 32, "sigmoid"


# -- the number system ---------------------------------------------------------------------
class TrainOps(NumpyOps):
    """:class:`NumpyOps` for training: the same numbers, fewer array operations.

    Two exact economies, both invisible to the rules:

    * **Re-use.**  Within one training step, f, f' and θ·v of the very same operand
      objects are computed once (a lazy PCN asks for the prediction θ^{l+1} f(x^{l+1}_t)
      again at every t while its operands are unchanged).  The cache holds its operands,
      so an ``id`` cannot be reused while it lives; :func:`step` clears it every step.
    * **Known zeros and ones.**  u − u is an exact zero array, and a zero operand is
      propagated without arithmetic: u + 0 = u, u ⊙ 0 = 0, θᵀ0 = 0, c·0 = 0, 1·u = u.  This
      is the numeric twin of the symbolic system's shared atoms: under C1 the PCN's first
      prediction *is* the array x^l_0, so ε^l_t = 0 for t < l (the wavefront lemma) is
      known without computing it, and Z-IL does about BP's work.  Likewise f' of the
      identity is a known one (u ⊙ 1 = u).
    * **f' from f.**  f and f' come in their efficient forms
      (:func:`pcproof.model.activations.array_form`); where f' is cheaper from s = f(x)
      (sigmoid′ = s(1 − s), tanh′ = 1 − t²), f'(x) reuses the f(x) of the same array.

    For finite values every result is the float64 value NumpyOps computes, up to the
    summation order inside a matrix product (``outer`` of two batches is one BLAS
    product uᵀv = Σ_b u_b v_bᵀ) and the sign of a zero; with inf or nan operands a
    short-cut zero stays 0 where IEEE arithmetic would give nan.

    While a :class:`Tape` is attached (``ops.tape``) every array operation actually
    performed is also recorded, so that the step can be replayed (see :func:`step`)."""

    def __init__(self, activation):
        super().__init__(activation)
        self._cache: dict = {}
        self._zeros: dict = {}
        self._ones: dict = {}
        self._tapes: dict = {}
        self._last: dict = {}               # id(rule) → (rule, arch, α, its attribute names, values, tape)
        self.tape: "Tape | None" = None

    def clear(self):
        self._cache.clear()
        self._zeros.clear()
        self._ones.clear()

    # -- bookkeeping --------------------------------------------------------------
    def _do(self, fn, *args):
        out = fn(*args)
        if self.tape is not None:
            self.tape.record(fn, args, out)
        return out

    def _memo(self, tag, a, b, fn, *args):
        key = (tag, id(a), id(b))
        hit = self._cache.get(key)
        if hit is not None and hit[0] is a and hit[1] is b:
            return hit[2]
        out = self._do(fn, *args)
        self._cache[key] = (a, b, out)
        return out

    def is_zero(self, v) -> bool:
        """Whether ``v`` is an array this system made as an exact zero."""
        return self._zeros.get(id(v)) is v

    def zero(self, shape):
        z = self._do(np.zeros, shape)
        self._zeros[id(z)] = z
        return z

    def is_one(self, v) -> bool:
        """Whether ``v`` is an array this system made as an exact one (f' of the identity)."""
        return self._ones.get(id(v)) is v

    # -- the algebra ----------------------------------------------------------------
    def f(self, v):
        if self.form.identity:
            return v
        return self._memo("f", v, None, self.form.f, v)

    def df(self, v):
        form = self.form
        if form.identity:
            one = self._do(_ones, np.shape(v))
            self._ones[id(one)] = one
            return one
        if form.df_from_f is not None:
            return self._memo("df", v, None, form.df_from_f, self.f(v))
        return self._memo("df", v, None, form.df, v)

    def matvec(self, W, v):
        if self.is_zero(v):
            return self.zero(v.shape[:-1] + (W.shape[0],))
        return self._memo("mv", W, v, _matvec, W, v)

    def rmatvec(self, W, v):
        if self.is_zero(v):
            return self.zero(v.shape[:-1] + (W.shape[1],))
        return self._do(np.matmul, v, W)

    def add(self, u, v):
        if self.is_zero(v):
            return u
        if self.is_zero(u):
            return v
        return self._do(np.add, u, v)

    def sub(self, u, v):
        if u is v:
            return self.zero(np.shape(u))
        if self.is_zero(v):
            return u
        return self._do(np.subtract, u, v)

    def mul(self, u, v):
        if self.is_zero(u) or self.is_zero(v):
            return self.zero(np.broadcast_shapes(np.shape(u), np.shape(v)))
        if self.is_one(u) and _same_float_shape(u, v):
            return v
        if self.is_one(v) and _same_float_shape(v, u):
            return u
        return self._do(np.multiply, u, v)

    def scale(self, c, v):
        if self.is_zero(v) or c == 1:
            return v
        return self._do(np.multiply, c, v)

    def outer(self, u, v):
        if self.is_zero(u) or self.is_zero(v):
            return self.zero((np.shape(u)[-1], np.shape(v)[-1]))
        if u.ndim == 2 and v.ndim == 2:
            return self._do(_batch_outer, u, v)
        return self._do(NumpyOps.outer, self, u, v)

    def mat_add(self, A, B):
        if self.is_zero(B):
            return A
        return self._do(np.add, A, B)

    def mat_scale(self, c, A):
        if self.is_zero(A):
            return A
        return self._do(np.multiply, c, A)


def _matvec(W, v):
    return v @ W.T


def _ones(shape):
    return np.broadcast_to(1.0, shape)


def _same_float_shape(one, u):
    """1 ⊙ u is u itself (no broadcast, no change of type)."""
    return isinstance(u, np.ndarray) and u.dtype == np.float64 and u.shape == one.shape


def _batch_outer(u, v):
    return u.T @ v


class Tape:
    """The array operations one training step performed, replayable on new arrays.

    Recorded while the rule's own code runs (eagerly) on a batch; replaying it on the
    next batch performs the same operations without the Python that chose them.  That
    is valid only when the choice does not depend on the numbers — true of BP, Z-IL and
    IL, whose schedules are fixed, and false of Fa-Z-IL, whose gate reads the errors —
    so :func:`step` replays only rules of the exact types in :data:`STATIC_RULES`, and
    checks the first replay against an eager step bit for bit.

    ``sources`` says where each input comes from (see :func:`_inputs`), so that the
    compiled replay reads its inputs from the weights and the batch directly."""

    def __init__(self, sources, inputs):
        self.sources = sources
        self.slots = {id(a): i for i, a in enumerate(inputs)}
        # inputs must be distinct arrays (anything else would be taken for a constant)
        self.ok = len(self.slots) == len(inputs) and all(isinstance(a, np.ndarray) for a in inputs)
        self.keep = list(inputs)                   # holds every recorded array: ids stay unique
        self.program: list = []
        self.checked = False
        self.replay: Callable | None = None

    def record(self, fn, args, out):
        refs = []
        for a in args:
            if isinstance(a, np.ndarray):
                i = self.slots.get(id(a))
                if i is None or self.keep[i] is not a:
                    self.ok = False          # an array from outside the algebra: not replayable
                    return
                refs.append((True, i))
            else:
                refs.append((False, a))
        self.slots[id(out)] = len(self.keep)
        self.keep.append(out)
        self.program.append((fn, tuple(refs)))

    def finish(self, out: Updates):
        if not self.ok:
            return
        outputs = []
        for key, o in out.items():
            i = self.slots.get(id(o))
            if i is None or self.keep[i] is not o:
                self.ok = False
                return
            outputs.append((key, i))
        self.replay = _compile(self.sources, self.program, outputs, self.keep)
        self.program = self.keep = None       # only the compiled replay is needed from now on

    def run(self, theta, b, s_in, s_out, extra) -> Updates | None:
        """The updates the recorded step makes on these weights and this batch, or None if
        an input is missing or differs in shape or dtype from the recorded one."""
        try:
            return self.replay(theta, b, s_in, s_out, extra)
        except (KeyError, IndexError, TypeError, AttributeError):
            return None          # not the recorded structure (a missing layer, a list for an array, no extra)


#: Elementwise operations a replay may write into an operand it no longer needs: the
#: result is bitwise the same, and no array is allocated for it.
_IN_PLACE = (np.add, np.subtract, np.multiply)


def _compile(sources, program, outputs, values):
    """The recorded operations as one straight-line Python function of the weights and batch.

    Only what the outputs depend on is kept (a known zero feeds no operation: it is
    short-cut); an operation on constants alone is done once, its array kept read-only
    and reused by every replay.  The same functions are called on the same operands in
    the same order as when recorded, so a replay computes what the rule computed; the
    function only removes the Python that chose them.  One economy: an elementwise
    ``add``/``subtract``/``multiply`` whose operand is a temporary of this replay, of
    the result's shape and read by nothing later, writes its result into that operand."""
    n_in = len(sources)
    needed = {i for _, i in outputs}
    for k in range(len(program) - 1, -1, -1):
        if n_in + k in needed:
            needed.update(a for is_slot, a in program[k][1] if is_slot)
    last_read = {}
    for k, (fn, refs) in enumerate(program):
        if n_in + k in needed:
            for is_slot, a in refs:
                if is_slot:
                    last_read[a] = k
    for _, i in outputs:
        last_read[i] = len(program)
    # an array that another recorded array views, or that sits in two slots, is never overwritten
    shared = {id(v.base) for v in values if isinstance(v, np.ndarray) and v.base is not None}
    seen: dict = {}
    for v in values:
        seen[id(v)] = seen.get(id(v), 0) + 1

    names, env, body, temporaries = {}, {}, [], set()
    if not any(src[0] == "b" for src in sources):   # recorded without biases: a step with them is another tape
        body.append("    if b is not None:\n        return None")
    for i, src in enumerate(sources):
        names[i] = f"a{i}"
        env[f"S{i}"] = src[1:]                # the layer (and name) read, bound by name, not by repr
        body.append(f"    a{i} = {_source_code(src, f'S{i}')}")
    env["SHAPES"] = tuple((values[i].shape, values[i].dtype) for i in range(n_in))
    body.append(f"    if ({''.join(f'(a{i}.shape, a{i}.dtype), ' for i in range(n_in))}) != SHAPES:")
    body.append("        return None")
    for k, (fn, refs) in enumerate(program):
        slot = n_in + k
        if slot not in needed:
            continue
        if not any(is_slot for is_slot, _ in refs):
            value = values[slot]
            value.flags.writeable = False
            names[slot] = f"c{slot}"
            env[names[slot]] = value
            continue
        args = []
        for j, (is_slot, a) in enumerate(refs):
            if is_slot:
                args.append(names[a])
            else:                             # a Python constant (α, a shape): bound by name, not by repr
                args.append(f"k{slot}_{j}")
                env[args[-1]] = a
        out = values[slot]
        if any(fn is u for u in _IN_PLACE) and len(refs) == 2:
            for is_slot, a in refs:
                v = values[a] if is_slot else None
                if (is_slot and a in temporaries and last_read[a] == k and v.shape == out.shape
                        and v.dtype == out.dtype and v.flags.owndata and id(v) not in shared and seen[id(v)] == 1):
                    args.append(f"out={names[a]}")
                    break
        env[f"f{slot}"] = fn
        names[slot] = f"v{slot}"
        body.append(f"    v{slot} = f{slot}({', '.join(args)})")
        if isinstance(out, np.ndarray):
            temporaries.add(slot)
    env.update({f"K{j}": key for j, (key, _) in enumerate(outputs)})
    result = ", ".join(f"K{j}: {names[i]}" for j, (_, i) in enumerate(outputs))
    source = "\n".join(["def replay(theta, b, s_in, s_out, extra):", *body, f"    return {{{result}}}"])
    exec(source, env)
    return env["replay"]


def _source_code(src, where: str) -> str:
    """Python reading one input of a step from ``theta, b, s_in, s_out, extra``; ``where``
    names the tuple (layer,) or (name, layer) it reads."""
    kind = src[0]
    if kind in ("theta", "b"):
        return f"{kind}[{where}[0]]"
    if kind == "extra":
        return f"extra[{where}[0]][{where}[1]]"
    return kind


# -- data ----------------------------------------------------------------------------------
@dataclass
class Dataset:
    """Inputs (examples × 64), one-hot targets (examples × 10) and labels, train and test."""

    x_train: np.ndarray
    y_train: np.ndarray
    label_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    label_test: np.ndarray

    @property
    def n_in(self) -> int:
        return self.x_train.shape[1]

    @property
    def n_out(self) -> int:
        return self.y_train.shape[1]


def load_digits_data(test_fraction: float = 0.25, split_seed: int = 0, limit: int | None = None) -> Dataset:
    """scikit-learn's digits, split at random (``split_seed``) into train and test,
    standardised with the training mean and std (a constant pixel keeps std 1).
    ``limit`` keeps only the first ``limit`` training examples (for quick runs)."""
    from sklearn.datasets import load_digits

    X, labels = load_digits(return_X_y=True)
    order = np.random.default_rng(split_seed).permutation(len(X))
    X, labels = X[order].astype(np.float64), labels[order]
    n_test = int(round(test_fraction * len(X)))
    X_te, lab_te, X_tr, lab_tr = X[:n_test], labels[:n_test], X[n_test:], labels[n_test:]
    if limit is not None:
        X_tr, lab_tr = X_tr[:limit], lab_tr[:limit]
    mean, std = X_tr.mean(axis=0), X_tr.std(axis=0)
    std[std == 0] = 1.0
    onehot = np.eye(10)
    return Dataset((X_tr - mean) / std, onehot[lab_tr], lab_tr, (X_te - mean) / std, onehot[lab_te], lab_te)


# -- networks --------------------------------------------------------------------------------
def make_architecture(hidden: int = 1, width: int = WIDTH, activation: str = ACTIVATION,
                      n_in: int = 64, n_out: int = 10, bias: bool = False) -> Architecture:
    """``hidden`` hidden layers of ``width`` between n_in inputs and n_out outputs (depth L = hidden + 1)."""
    return Architecture((n_out,) + (width,) * hidden + (n_in,), get_activation(activation), bias)


@dataclass
class Weights:
    """θ^{l+1} (n_l × n_{l+1} arrays) and biases b^l (or None)."""

    theta: dict[int, np.ndarray]
    b: dict[int, np.ndarray] | None = None

    def copy(self) -> "Weights":
        return Weights({k: W.copy() for k, W in self.theta.items()},
                       None if self.b is None else {l: v.copy() for l, v in self.b.items()})

    def apply(self, updates: Updates) -> "Weights":
        """θ + Δθ, b + Δb (new arrays; the updates a rule returned)."""
        theta = {k: W + updates[("theta", k)] for k, W in self.theta.items()}
        b = None if self.b is None else {l: v + updates[("b", l)] for l, v in self.b.items()}
        return Weights(theta, b)

    def distance(self, other: "Weights") -> float:
        """Σ_l ‖θ^{l+1} − θ'^{l+1}‖₂ (Frobenius; plus the biases' L2 distances)."""
        d = sum(float(np.linalg.norm(W - other.theta[k])) for k, W in self.theta.items())
        if self.b is not None:
            d += sum(float(np.linalg.norm(v - other.b[l])) for l, v in self.b.items())
        return d


def init_weights(arch: Architecture, seed: int = 0) -> Weights:
    """Glorot-uniform θ^{l+1} ∈ U(±√(6/(n_l + n_{l+1}))), zero biases."""
    rng = np.random.default_rng(seed)
    n = arch.widths
    theta = {}
    for l in range(arch.L):
        r = np.sqrt(6.0 / (n[l] + n[l + 1]))
        theta[l + 1] = rng.uniform(-r, r, size=(n[l], n[l + 1]))
    b = {l: np.zeros(n[l]) for l in range(arch.L)} if arch.bias else None
    return Weights(theta, b)


#: Rules whose schedule does not depend on the numbers (exact types: a subclass may
#: override ``gate``), so a recorded step can be replayed.
STATIC_RULES = (BP, ZIL, IL)


# -- one step, one run -------------------------------------------------------------------------
def point(weights: Weights, s_in, s_out, extra=None) -> Params:
    """A batch as a :class:`Params` (s_in: batch × n_L, s_out: batch × n_0)."""
    return Params(theta=weights.theta, b=weights.b, s_in=s_in, s_out=s_out, extra=extra or {})


def _inputs(weights: Weights, s_in, s_out, extra) -> tuple[list, list]:
    """The arrays a step reads, in a fixed order, and where each comes from."""
    sources, values = [], []
    for k in sorted(weights.theta):
        sources.append(("theta", k))
        values.append(weights.theta[k])
    for l in sorted(weights.b or {}):
        sources.append(("b", l))
        values.append(weights.b[l])
    sources += [("s_in",), ("s_out",)]
    values += [s_in, s_out]
    for name in sorted(extra):
        for l in sorted(extra[name]):
            sources.append(("extra", name, l))
            values.append(extra[name][l])
    return sources, values


def step(rule: Rule, arch: Architecture, weights: Weights, s_in, s_out, ops: NumpyOps, alpha: float = ALPHA,
         extra=None, observe: Callable | None = None, replay: bool = True) -> Updates:
    """The updates ``rule`` makes on one batch (the rule's own code, over float64).

    ``observe(pcn)`` (PC rules only) sees the trajectory after the updates are made.

    With :class:`TrainOps` and a rule of a type in :data:`STATIC_RULES`, the first step
    of a given shape runs the rule and records a :class:`Tape`; later steps replay it
    (the first replay is checked bit for bit against the rule run eagerly, and a tape
    that fails the check is never used).  ``replay=False`` always runs the rule."""
    if observe is None and replay and isinstance(ops, TrainOps):
        # This rule's tape of its previous step, if the rule, network and α are the very same
        # objects and the rule's attributes too (one set anew, even to an equal value, takes
        # the slow way below: a key from their reprs).
        last = ops._last.get(id(rule))
        if last is not None and last[0] is rule and last[1] is arch and last[2] is alpha:
            attrs = vars(rule)
            if tuple(attrs) == last[3] and all(map(operator.is_, attrs.values(), last[4])):
                out = last[5].run(weights.theta, weights.b, s_in, s_out, extra)
                if out is not None:
                    return out
    extra = extra or {}
    if isinstance(ops, TrainOps):
        ops.clear()
    params = point(weights, s_in, s_out, extra)
    if observe is not None and hasattr(rule, "trajectory"):
        pcn = rule.trajectory(arch, params, ops, alpha)
        out = rule_updates(rule, arch, params, ops, alpha, pcn)
        observe(pcn)
        return out
    if not (replay and isinstance(ops, TrainOps) and type(rule) in STATIC_RULES):
        return rule_updates(rule, arch, params, ops, alpha)
    sources, inputs = _inputs(weights, s_in, s_out, extra)
    key = (type(rule), tuple(sorted((k, repr(v)) for k, v in vars(rule).items())), arch, repr(alpha),
           tuple(sources), tuple((np.shape(a), getattr(a, "dtype", None)) for a in inputs))
    tape = ops._tapes.get(key)
    if tape is None:                       # record while the rule runs
        tape = ops._tapes[key] = Tape(sources, inputs)
        ops.tape = tape
        try:
            out = rule_updates(rule, arch, params, ops, alpha)
        finally:
            ops.tape = None
        tape.finish(out)
        return out
    out = tape.run(weights.theta, weights.b, s_in, s_out, extra) if tape.ok else None
    if out is None:
        return rule_updates(rule, arch, params, ops, alpha)
    if not tape.checked:                   # the first replay must equal the rule run eagerly
        eager = rule_updates(rule, arch, params, ops, alpha)
        tape.checked = True
        if eager.keys() != out.keys() or not all(np.array_equal(eager[k], out[k]) for k in eager):
            tape.ok = False
            return eager
    ops._last[id(rule)] = (rule, arch, alpha, tuple(vars(rule)), tuple(vars(rule).values()), tape)
    return out


def noise_extra(arch: Architecture, sigma: float, batch: int, rng: np.random.Generator) -> dict:
    """The C1 perturbation: η^l ~ N(0, σ²) per hidden node and example (``extra["eta"]``)."""
    return {"eta": {l: sigma * rng.standard_normal((batch, arch.widths[l])) for l in range(1, arch.L)}}


def predict(arch: Architecture, weights: Weights, x, ops: NumpyOps):
    """The network's output x̄^0 (the ANN's forward pass; also the PCN's prediction)."""
    if isinstance(ops, TrainOps):
        ops.clear()
    return ANN(arch, point(weights, x, np.zeros((len(x), arch.widths[0]))), ops).x_bar(0)


def error_rate(arch: Architecture, weights: Weights, data: Dataset, ops: NumpyOps) -> float:
    """Percentage of test digits whose largest output is not the label."""
    out = predict(arch, weights, data.x_test, ops)
    return 100.0 * float(np.mean(np.argmax(out, axis=1) != data.label_test))


@dataclass
class Run:
    """What a training run leaves: final weights, test error (%) before training and after each epoch."""

    weights: Weights
    test_error: list[float]
    updates: int = 0
    first_updates: list[Updates] = field(default_factory=list)


def batches(n: int, batch: int, epoch_seed) -> list[np.ndarray]:
    """Example indices of each batch of one epoch (a shuffle fixed by ``epoch_seed``)."""
    order = np.random.default_rng(epoch_seed).permutation(n)
    return [order[i:i + batch] for i in range(0, n - batch + 1, batch)]


def train(rule: Rule, arch: Architecture, data: Dataset, weights: Weights, *, alpha: float = ALPHA,
          epochs: int = 1, batch: int = BATCH, seed: int = 0, noise_sigma: float | None = None,
          keep_first: int = 0, observe: Callable | None = None, progress: Callable | None = None,
          ops: NumpyOps | None = None) -> Run:
    """Train a copy of ``weights`` with ``rule`` for ``epochs`` epochs of ``batch``-sized batches.

    The batch order depends only on ``seed`` (so BP and every other rule see the same
    batches); ``noise_sigma`` draws the C1 perturbation η for each batch (the rule must
    be built with ``init_noise=True``).  ``keep_first`` keeps the updates of the first
    batches; ``progress()`` is called once per batch."""
    ops = ops or TrainOps(arch.activation)
    w = weights.copy()
    noise_rng = np.random.default_rng([seed, 1])
    errors = [error_rate(arch, w, data, ops)]
    kept, count = [], 0
    for epoch in range(epochs):
        for idx in batches(len(data.x_train), batch, [seed, 0, epoch]):
            extra = None if noise_sigma is None else noise_extra(arch, noise_sigma, len(idx), noise_rng)
            upd = step(rule, arch, w, data.x_train[idx], data.y_train[idx], ops, alpha, extra, observe)
            if len(kept) < keep_first:
                kept.append(upd)
            w = w.apply(upd)
            count += 1
            if progress is not None:
                progress()
        errors.append(error_rate(arch, w, data, ops))
    return Run(w, errors, count, kept)


# -- Fa-Z-IL: how often ϕ fires where ------------------------------------------------------------
@dataclass
class Detection:
    """Counts of ϕ^l_{i,t} = 1 over a training run, per (example, error node) presentation."""

    t_d: int
    hidden: int
    steps: int
    nodes: int = 0            # (example, error node) pairs presented
    at_l: int = 0             # ϕ fired at t = l
    elsewhere: int = 0        # ϕ fired at t ≠ l
    silent_zero_delta: int = 0  # never fired, and ε^l_l = 0 (nothing to learn)
    equal_to_zil: bool = False  # final weights bitwise equal to Z-IL's
    max_diff_to_zil: float = 0.0

    @property
    def detected(self) -> float:
        """% of (example, node) pairs at which ϕ fires at t = l."""
        return 100.0 * self.at_l / self.nodes

    @property
    def share_elsewhere(self) -> float:
        """% of all firings that happen at t ≠ l."""
        fired = self.at_l + self.elsewhere
        return 100.0 * self.elsewhere / fired if fired else 0.0


def _fired(gate, shape):
    """The 0/1 array of nodes a PC gate lets learn (None: none; 1: all)."""
    if gate is None:
        return np.zeros(shape, dtype=bool)
    if isinstance(gate, (int, float)):
        return np.full(shape, bool(gate))
    return np.asarray(gate) != 0


def fazil_detection(data: Dataset, hidden: int, t_d: int, *, epochs: int = 1, seed: int = 0,
                    steps: int | None = None, alpha: float = ALPHA, batch: int = BATCH) -> Detection:
    """Train Fa-Z-IL (window ``t_d``, ``steps`` inference steps per pair, default L) and Z-IL
    from the same weights and batches; count where ϕ fires and compare the final weights."""
    from .rules import ZIL
    from .rules.fazil import FaZIL

    arch = make_architecture(hidden=hidden, n_in=data.n_in, n_out=data.n_out)
    rule = FaZIL(t_d=t_d, steps=steps)
    det = Detection(t_d, hidden, rule.steps(arch.L))

    def observe(pcn):
        for l in range(arch.L):
            shape = np.shape(pcn.eps(l, 0))
            fired = [_fired(pcn.gate(l, t), shape) for t in range(pcn.steps)]
            det.nodes += int(np.prod(shape))
            at_l = fired[l] if l < pcn.steps else np.zeros(shape, dtype=bool)
            det.at_l += int(at_l.sum())
            det.elsewhere += int(sum(f.sum() for t, f in enumerate(fired) if t != l))
            if l < pcn.steps:
                never = ~np.any(fired, axis=0)
                det.silent_zero_delta += int(np.sum(never & (pcn.eps(l, l) == 0)))

    w0 = init_weights(arch, seed)
    fa = train(rule, arch, data, w0, alpha=alpha, epochs=epochs, batch=batch, seed=seed, observe=observe)
    zil = train(ZIL(), arch, data, w0, alpha=alpha, epochs=epochs, batch=batch, seed=seed)
    det.equal_to_zil = all(np.array_equal(fa.weights.theta[k], zil.weights.theta[k]) for k in zil.weights.theta)
    det.max_diff_to_zil = max(float(np.max(np.abs(fa.weights.theta[k] - zil.weights.theta[k])))
                              for k in zil.weights.theta)
    return det


#: The paper's Table 3: success rate (%) of detecting t = l, by t_d.
PAPER_DETECTION = {1: 93.4, 2: 92.4, 3: 99.6, 4: 100.0, 5: 100.0, 6: 100.0, 7: 100.0, 8: 100.0, 16: 100.0}


def _fazil_main(argv=None):
    """``python -m pcproof.train fazil [--epochs E] [--hidden 1 2 3] [--steps T]``: the Fa-Z-IL table."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m pcproof.train fazil", description=_fazil_main.__doc__)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--hidden", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--steps", type=int, default=None, help="inference steps per pair (default L)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    data = load_digits_data()
    print(f"Fa-Z-IL on digits: {args.epochs} epoch(s), batch {BATCH}, α = {ALPHA}, sigmoid, hidden layers of "
          f"{WIDTH}, seed {args.seed}; inference steps per pair: {args.steps or 'L'}")
    head = (f"{'t_d':>4}{'hidden':>7}{'fired at t=l %':>16}{'fired elsewhere':>17}{'% of firings':>15}"
            f"{'silent, δ=0':>13}{'= Z-IL':>8}{'max |Δθ|':>11}{'paper %':>9}")
    print(head)
    print("-" * len(head))
    for t_d in PAPER_DETECTION:
        for h in args.hidden:
            d = fazil_detection(data, h, t_d, epochs=args.epochs, seed=args.seed, steps=args.steps)
            print(f"{t_d:>4}{h:>7}{d.detected:>16.2f}{d.elsewhere:>17}{d.share_elsewhere:>15.3g}{d.silent_zero_delta:>13}"
                  f"{'yes' if d.equal_to_zil else 'no':>8}{d.max_diff_to_zil:>11.2e}{PAPER_DETECTION[t_d]:>9.1f}")


if __name__ == "__main__":
    import sys as _sys

    if _sys.argv[1:2] == ["fazil"]:
        _fazil_main(_sys.argv[2:])
    else:
        print("usage: python -m pcproof.train fazil [--epochs E] [--hidden 1 2 3] [--steps T]")
