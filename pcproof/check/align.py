"""The *approximate* verdict's evidence: how closely a rule's updates align with BP's
over a real training run (issue 13, "Alignment measurements").

:func:`measure` trains a float64 network on scikit-learn's digits by the rule's own
updates (:func:`pcproof.rules.rule_updates`, through :mod:`pcproof.train`) and, at
checkpoints, compares the update the rule makes on the current batch with the update
BP makes on the same batch at the same weights.  Per layer (θ^{l+1}, with b^l if the
network has biases; layer 0 is the output, docs/notation.md):

* cosine similarity  cos = ⟨Δ, Δ_BP⟩ / (‖Δ‖ ‖Δ_BP‖)  (scale-free: a rule that is BP
  with another learning rate has cos = 1);
* relative error     ‖Δ − Δ_BP‖ / ‖Δ_BP‖  (0 only if the updates are BP's).

Conventions where a norm vanishes: both updates zero gives cos 1 and error 0; a zero
rule update against a non-zero BP update gives cos 0 (no alignment) and error 1; a
non-zero update where BP's is zero gives cos 0 and error ∞ (``None`` in JSON).

Nothing here is a proof: these are measurements, on one dataset, at a few seeds.  A
rule that raises or whose weights leave the finite floats gives a result saying so
(``status``), never a traceback.

Example (about a second)::

    >>> from pcproof.check.align import measure
    >>> from pcproof.rules import BP
    >>> a = measure(BP(), (16,), seeds=(0,), epochs=1, limit=200)
    >>> a.rel_error_mean()
    [0.0, 0.0]
"""
from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

#: Default sizes: small enough for ``pcproof zoo`` (seconds per rule), large enough that
#: the alignment of a random-feedback rule has time to develop.
WIDTHS, EPOCHS, BATCH, ALPHA, CHECKPOINTS = (32,), 3, 20, 1e-2, 13
DATASETS = ("digits",)


class AlignmentError(ValueError):
    """Bad arguments to :func:`measure` (a user error: exit code 2)."""


# -- the result ------------------------------------------------------------------------------
@dataclass
class Alignment:
    """Cosine similarity and relative error of a rule's updates to BP's over training.

    ``cosine[s][k][l]`` and ``rel_error[s][k][l]``: seed ``seeds[s]``, checkpoint ``k``
    (after ``steps[k]`` updates), layer l (θ^{l+1}); nan where the seed had stopped
    (diverged or crashed) before that checkpoint.  ``accuracy[s]`` / ``bp_accuracy[s]``:
    test accuracy (%) after training with the rule / with BP from the same initial
    weights and batches (None where the rule's run did not finish).  ``status[s]``:
    ``"ok"``, ``"diverged at update k"`` or ``"crashed: <message>"``."""

    rule: str
    settings: dict
    steps: list[int]
    seeds: list[int]
    cosine: np.ndarray            # seeds × checkpoints × layers
    rel_error: np.ndarray         # seeds × checkpoints × layers
    accuracy: list
    bp_accuracy: list
    status: list[str]
    layers: list[str] = field(default_factory=list)

    # -- aggregates ---------------------------------------------------------------------
    @property
    def ok(self) -> bool:
        """Every seed trained to the end with finite weights."""
        return all(s == "ok" for s in self.status)

    @property
    def outcome(self) -> str:
        """``ok``, ``diverged`` (some seed's weights left the finite floats) or ``crashed``."""
        if any(s.startswith("crashed") for s in self.status):
            return "crashed"
        if any(s.startswith("diverged") for s in self.status):
            return "diverged"
        return "ok"

    def _per_seed(self, values) -> np.ndarray:
        """Mean over checkpoints of each seed and layer (seeds × layers; nan for a seed with none)."""
        with np.errstate(invalid="ignore"), _quiet():
            return np.nanmean(np.where(np.isinf(values), np.nan, values), axis=1)

    def cosine_mean(self) -> list:
        """Per layer: cosine similarity averaged over the checkpoints, then over seeds."""
        return _rounded(_nanmean(self._per_seed(self.cosine)))

    def cosine_spread(self) -> list:
        """Per layer: standard deviation over seeds of the checkpoint-averaged cosine."""
        return _rounded(_nanstd(self._per_seed(self.cosine)))

    def rel_error_mean(self) -> list:
        return _rounded(_nanmean(self._per_seed(self.rel_error)))

    def rel_error_spread(self) -> list:
        return _rounded(_nanstd(self._per_seed(self.rel_error)))

    def curve(self, which: str = "cosine"):
        """Per checkpoint and layer: mean, min and max over seeds (three checkpoints × layers arrays)."""
        v = np.asarray(self.cosine if which == "cosine" else self.rel_error, dtype=float)
        v = np.where(np.isinf(v), np.nan, v)
        with np.errstate(invalid="ignore"), _quiet():
            return np.nanmean(v, axis=0), np.nanmin(v, axis=0), np.nanmax(v, axis=0)

    # -- output -------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """JSON-ready: settings, the aggregates, the full per-seed curves (nan/inf as null)."""
        return dict(
            rule=self.rule, settings=self.settings, outcome=self.outcome, status=list(self.status),
            seeds=list(self.seeds), layers=list(self.layers), steps=list(self.steps),
            cosine_mean=_json(self.cosine_mean()), cosine_spread=_json(self.cosine_spread()),
            rel_error_mean=_json(self.rel_error_mean()), rel_error_spread=_json(self.rel_error_spread()),
            accuracy=_json(self.accuracy), bp_accuracy=_json(self.bp_accuracy),
            accuracy_mean=_json(_mean_of(self.accuracy)), bp_accuracy_mean=_json(_mean_of(self.bp_accuracy)),
            cosine=_json(np.asarray(self.cosine).tolist()), rel_error=_json(np.asarray(self.rel_error).tolist()),
        )

    def to_json(self, **kw) -> str:
        return json.dumps(self.to_dict(), **kw)

    def summary(self) -> str:
        """A few lines: per layer cos and relative error (mean ± spread over seeds), accuracy."""
        s = self.settings
        head = (f"{self.rule} vs BP on {s['dataset']}: widths {'-'.join(map(str, s['widths']))}, "
                f"{s['activation']}, {len(self.seeds)} seed(s), {s['epochs']} epoch(s), "
                f"{len(self.steps)} checkpoints")
        lines = [head]
        cm, cs, em, es = self.cosine_mean(), self.cosine_spread(), self.rel_error_mean(), self.rel_error_spread()
        for i, name in enumerate(self.layers):
            lines.append(f"  {name:<6} cos {_pm(cm[i], cs[i], '.3f')}   rel. error {_pm(em[i], es[i], '.2e')}")
        acc, bp = _mean_of(self.accuracy), _mean_of(self.bp_accuracy)
        lines.append(f"  test accuracy {_fmt(acc, '.1f')}% (BP {_fmt(bp, '.1f')}%)")
        for seed, st in zip(self.seeds, self.status):
            if st != "ok":
                lines.append(f"  seed {seed}: {st}")
        return "\n".join(lines)

    __str__ = summary

    def plot(self, path, title: str | None = None):
        """PNG: cosine similarity to BP over training, one line per layer (mean over seeds)
        with a band from the lowest to the highest seed."""
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        mean, lo, hi = self.curve("cosine")
        fig, ax = plt.subplots(figsize=(6.4, 3.8))
        for l, name in enumerate(self.layers):
            ax.plot(self.steps, mean[:, l], marker="o", ms=3, lw=1.5, color=f"C{l}", label=f"${_latex(name)}$")
            ax.fill_between(self.steps, lo[:, l], hi[:, l], color=f"C{l}", alpha=0.2, lw=0)
        ax.axhline(1.0, color="0.5", lw=0.8, ls="--")
        ax.axhline(0.0, color="0.7", lw=0.8)
        ax.set_ylim(min(-0.05, float(np.nanmin(lo)) - 0.05) if np.isfinite(np.nanmin(lo)) else -0.05, 1.05)
        ax.set_xlabel("updates (batches of %d)" % self.settings["batch"])
        ax.set_ylabel("cosine similarity to BP's update")
        acc, bp = _mean_of(self.accuracy), _mean_of(self.bp_accuracy)
        ax.set_title(title or f"{self.rule}: test accuracy {_fmt(acc, '.1f')}% (BP {_fmt(bp, '.1f')}%)", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right", title=f"{len(self.seeds)} seeds: band = min…max", title_fontsize=7)
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        return path


# -- measuring -------------------------------------------------------------------------------
def measure(rule, widths=WIDTHS, activation: str = "tanh", *, seeds=(0, 1, 2), epochs: int = EPOCHS,
            batch: int = BATCH, alpha: float = ALPHA, dataset: str = "digits", checkpoints: int = CHECKPOINTS,
            limit: int | None = None, bias: bool = False) -> Alignment:
    """Train with ``rule`` and measure its alignment with BP (see the module docstring).

    ``rule``: a rule object (anything :func:`pcproof.rules.rule_updates` accepts), a rule
    class (built with no arguments), or a factory ``seed -> rule`` for rules whose random
    parts depend on the seed.  A rule that declares matrices (``rule.matrices(arch)``, e.g.
    feedback alignment's B^l) gets them from ``rule.draw_matrices(arch, rng)``, one draw
    per seed, fixed during training.

    ``widths``: the hidden layers' widths, from the output side (n_1) to the input side
    (n_{L-1}); an int is one hidden layer.  n_0 = 10 and n_L = 64 come from the digits.
    ``checkpoints``: how many updates, evenly spaced from the first to the last, are
    compared with BP's.  ``limit``: use only the first ``limit`` training digits."""
    from ..model import Architecture, get_activation
    from ..model.activations import ActivationError
    from ..train import init_weights, train

    widths = _check_widths(widths)
    if dataset not in DATASETS:
        raise AlignmentError(f"unknown dataset {dataset!r} (known: {', '.join(DATASETS)})")
    seeds = tuple(seeds)
    for name, v in (("epochs", epochs), ("batch", batch), ("checkpoints", checkpoints)):
        if not isinstance(v, (int, np.integer)) or v < 1:
            raise AlignmentError(f"{name} must be a positive integer, got {v!r}")
    if not seeds or not all(isinstance(s, (int, np.integer)) and s >= 0 for s in seeds):
        raise AlignmentError(f"seeds must be non-negative integers, got {seeds!r}")
    if not (isinstance(alpha, (int, float)) and alpha > 0 and math.isfinite(alpha)):
        raise AlignmentError(f"alpha must be a positive number, got {alpha!r}")
    try:
        act = get_activation(activation)
    except (ActivationError, KeyError, ValueError) as exc:
        raise AlignmentError(str(exc).strip("'\"")) from None
    data = _digits(limit)
    n_batches = len(data.x_train) // batch
    if n_batches < 1:
        raise AlignmentError(f"batch ({batch}) is larger than the training set ({len(data.x_train)} digits)")
    arch = Architecture((data.n_out, *widths, data.n_in), act, bias)
    total = epochs * n_batches
    steps = sorted({int(round(v)) for v in np.linspace(0, total - 1, min(checkpoints, total))})
    L = arch.L
    cos = np.full((len(seeds), len(steps), L), np.nan)
    err = np.full((len(seeds), len(steps), L), np.nan)
    accuracy, bp_accuracy, status = [], [], []
    name = None
    for s, seed in enumerate(seeds):
        w0 = init_weights(arch, seed=int(seed))
        bp_run = train(_BP(), arch, data, w0, alpha=alpha, epochs=epochs, batch=batch, seed=int(seed))
        bp_accuracy.append(100.0 - bp_run.test_error[-1])
        st, acc, rname = _train_and_compare(rule, arch, data, w0, int(seed), alpha, epochs, batch, steps,
                                            cos[s], err[s])
        name = name or rname
        status.append(st)
        accuracy.append(acc)
    settings = dict(dataset=dataset, widths=list(arch.widths), activation=act.name, epochs=epochs, batch=batch,
                    alpha=alpha, checkpoints=len(steps), limit=limit, bias=bias,
                    training_digits=len(data.x_train), test_digits=len(data.x_test))
    return Alignment(rule=name or _rule_name(rule), settings=settings, steps=steps, seeds=[int(s) for s in seeds],
                     cosine=cos, rel_error=err, accuracy=accuracy, bp_accuracy=bp_accuracy, status=status,
                     layers=[f"θ^{l + 1}" for l in range(L)])


def _train_and_compare(rule, arch, data, w0, seed, alpha, epochs, batch, steps, cos, err):
    """One seed: train with the rule, fill ``cos``/``err`` (checkpoints × layers) in place.
    Returns (status, test accuracy or None, the rule's name)."""
    from ..train import TrainOps, batches, error_rate

    name = _rule_name(rule)
    at = {k: i for i, k in enumerate(steps)}
    bp, ops, bp_ops = _BP(), TrainOps(arch.activation), TrainOps(arch.activation)
    w, count = w0.copy(), 0
    try:
        r = _instantiate(rule, seed)
        name = _rule_name(r)
        mats = _draw_matrices(r, arch, seed)
        with np.errstate(all="ignore"):
            for epoch in range(epochs):
                for idx in batches(len(data.x_train), batch, [seed, 0, epoch]):
                    x, y = data.x_train[idx], data.y_train[idx]
                    upd = _rule_step(r, arch, w, x, y, ops, alpha, mats)
                    if not _finite(upd):
                        return f"diverged at update {count} (a non-finite update)", None, name
                    if count in at:
                        ref = _step(bp, arch, w, x, y, bp_ops, alpha)
                        cos[at[count]], err[at[count]] = compare(upd, ref, arch.L)
                    w = w.apply(upd)
                    count += 1
            if not all(np.all(np.isfinite(W)) for W in w.theta.values()):
                return f"diverged at update {count} (non-finite weights)", None, name
            return "ok", 100.0 - error_rate(arch, w, data, ops), name
    except Exception as exc:  # a rule that cannot run is a result, not a traceback
        return f"crashed: {_one_line(exc)}", None, name


def compare(upd, ref, L: int):
    """Per layer l (θ^{l+1}, and b^l if present): cosine similarity and relative error of
    ``upd`` to the reference ``ref`` (two update dicts), as two length-L arrays."""
    cos, err = np.empty(L), np.empty(L)
    for l in range(L):
        a = _flat(upd, l)
        b = _flat(ref, l)
        na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
        if nb == 0.0:
            cos[l], err[l] = (1.0, 0.0) if na == 0.0 else (0.0, math.inf)
        elif na == 0.0:
            cos[l], err[l] = 0.0, 1.0
        else:
            cos[l] = min(1.0, max(-1.0, float(np.dot(a, b)) / (na * nb)))   # rounding may pass ±1
            err[l] = float(np.linalg.norm(a - b)) / nb
    return cos, err


def _flat(upd, l):
    parts = [np.ravel(np.asarray(upd[("theta", l + 1)], dtype=float))]
    if ("b", l) in upd:
        parts.append(np.ravel(np.asarray(upd[("b", l)], dtype=float)))
    return np.concatenate(parts)


def _rule_step(rule, arch, w, x, y, ops, alpha, mats):
    """The rule's updates on one batch: :func:`pcproof.train.step`, or (for a rule with
    its own matrices) the same door with the matrices on the point."""
    if not mats:
        return _step(rule, arch, w, x, y, ops, alpha)
    from ..rules import rule_updates
    from ..train import point
    ops.clear()
    params = point(w, x, y)
    params.matrices = mats
    return rule_updates(rule, arch, params, ops, alpha)


def _step(rule, arch, w, x, y, ops, alpha):
    from ..train import step
    return step(rule, arch, w, x, y, ops, alpha)


def _instantiate(rule, seed):
    """A rule object from a rule, a rule class, or a factory seed -> rule."""
    from ..rules import Rule
    if isinstance(rule, Rule) or hasattr(rule, "updates") and not isinstance(rule, type):
        return rule
    if isinstance(rule, type):
        return rule()
    if callable(rule):
        return rule(seed)
    raise AlignmentError(f"not a rule: {rule!r}")


def _draw_matrices(rule, arch, seed) -> dict:
    """The rule's own matrices (e.g. feedback B^l), drawn once per seed; {} if it declares none."""
    declared = getattr(rule, "matrices", None)
    if not callable(declared) or not declared(arch):
        return {}
    return rule.draw_matrices(arch, np.random.default_rng([seed, 3]))


def _finite(upd) -> bool:
    return all(np.all(np.isfinite(v)) for v in upd.values())


def _check_widths(widths) -> tuple:
    if isinstance(widths, (int, np.integer)) and not isinstance(widths, bool):
        widths = (widths,)
    try:
        widths = tuple(widths)
    except TypeError:
        raise AlignmentError(f"widths must be hidden-layer widths (an int or a sequence), got {widths!r}") from None
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1 for n in widths):
        raise AlignmentError(f"widths must be positive integers, got {list(widths)}")
    return tuple(int(n) for n in widths)


@functools.lru_cache(maxsize=4)
def _digits(limit):
    from ..train import load_digits_data
    return load_digits_data(limit=limit)


def _BP():
    from ..rules import BP
    return BP()


def _rule_name(rule) -> str:
    describe = getattr(rule, "describe", None)
    if callable(describe) and not isinstance(rule, type):
        try:
            return str(describe())
        except Exception:
            pass
    return getattr(rule, "name", None) or getattr(rule, "__name__", None) or type(rule).__name__


def _one_line(exc) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


# -- small helpers ---------------------------------------------------------------------------
class _quiet:
    """Silences numpy's 'mean of empty slice' (an all-nan column is a seed with no data)."""

    def __enter__(self):
        import warnings
        self._w = warnings.catch_warnings()
        self._w.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc):
        self._w.__exit__(*exc)


def _nanmean(a):
    with np.errstate(invalid="ignore"), _quiet():
        return np.nanmean(a, axis=0)


def _nanstd(a):
    with np.errstate(invalid="ignore"), _quiet():
        return np.nanstd(a, axis=0)


def _rounded(a) -> list:
    return [float(v) for v in np.asarray(a, dtype=float)]


def _mean_of(values):
    vals = [v for v in values if v is not None]
    return float(np.mean(vals)) if vals else None


def _json(v):
    if isinstance(v, list):
        return [_json(x) for x in v]
    if isinstance(v, (float, np.floating)):
        return float(v) if math.isfinite(v) else None
    return v


def _fmt(v, spec) -> str:
    return "—" if v is None or not math.isfinite(v) else format(v, spec)


def _pm(m, s, spec) -> str:
    if m is None or not math.isfinite(m):
        return "—" if m is None or math.isnan(m) else "∞"
    return f"{format(m, spec)} ± {format(s, spec)}" if math.isfinite(s) else format(m, spec)


def _latex(name: str) -> str:
    return name.replace("θ", r"\theta").replace("^", "^{") + "}"
