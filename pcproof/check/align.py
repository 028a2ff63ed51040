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
    weights and batches (None where that run did not finish with finite weights).  ``status[s]``:
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
            lines.append(f"  {name:<6} cos {_cos(cm[i], cs[i])}   rel. error {_pm(em[i], es[i], '.2e')}")
        acc, bp = _mean_of(self.accuracy), _mean_of(self.bp_accuracy)
        lines.append(f"  test accuracy {_pct(acc)} (BP {_pct(bp)})")
        if any(v is None for v in self.bp_accuracy):
            lines.append(f"  BP itself diverged at α = {s['alpha']:g} for {sum(v is None for v in self.bp_accuracy)} seed(s)")
        for seed, st in zip(self.seeds, self.status):
            if st != "ok":
                lines.append(f"  seed {seed}: {st}")
        return "\n".join(lines)

    __str__ = summary

    def headline(self) -> str:
        """One line for a verdict card or a table cell: per-layer cosine and relative error
        (means over seeds), accuracy against BP's, and any seed that did not finish."""
        if self.outcome == "crashed":
            return next(s for s in self.status if s.startswith("crashed"))
        cm, em = self.cosine_mean(), self.rel_error_mean()
        cos = " / ".join(_cos(c, math.nan) for c in cm)
        err = " / ".join(_fmt(e, ".2g") for e in em)
        acc, bp = _mean_of(self.accuracy), _mean_of(self.bp_accuracy)
        line = (f"cos {cos}, rel. error {err} ({' / '.join(self.layers)}); "
                f"accuracy {_pct(acc)} vs BP {_pct(bp)} ({len(self.seeds)} seeds)")
        bad = [s for s in self.status if s != "ok"]
        return line + (f"; {len(bad)} seed(s) {bad[0]}" if bad else "")

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
        finite = lo[np.isfinite(lo)]
        ax.set_ylim(min(-0.05, float(finite.min()) - 0.05) if finite.size else -0.05, 1.05)
        ax.set_xlabel("updates (batches of %d)" % self.settings["batch"])
        ax.set_ylabel("cosine similarity to BP's update")
        acc, bp = _mean_of(self.accuracy), _mean_of(self.bp_accuracy)
        ax.set_title(title or f"{self.rule}: test accuracy {_pct(acc)} (BP {_pct(bp)})", fontsize=10)
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
    name, rule_params = None, {}
    for s, seed in enumerate(seeds):
        w0 = init_weights(arch, seed=int(seed))
        with np.errstate(all="ignore"):
            bp_run = train(_BP(), arch, data, w0, alpha=alpha, epochs=epochs, batch=batch, seed=int(seed))
        finite = all(np.all(np.isfinite(W)) for W in bp_run.weights.theta.values())
        bp_accuracy.append(100.0 - bp_run.test_error[-1] if finite else None)   # BP itself diverged at this α
        st, acc, rname, knobs = _train_and_compare(rule, arch, data, w0, int(seed), alpha, epochs, batch, steps,
                                                   cos[s], err[s])
        name = name or rname
        rule_params = rule_params if s else knobs
        status.append(st)
        accuracy.append(acc)
    settings = dict(dataset=dataset, widths=list(arch.widths), activation=act.name, epochs=epochs, batch=batch,
                    alpha=alpha, checkpoints=len(steps), limit=limit, bias=bias, rule_params=rule_params,
                    training_digits=len(data.x_train), test_digits=len(data.x_test))
    return Alignment(rule=name or _rule_name(rule), settings=settings, steps=steps, seeds=[int(s) for s in seeds],
                     cosine=cos, rel_error=err, accuracy=accuracy, bp_accuracy=bp_accuracy, status=status,
                     layers=[f"θ^{l + 1}" for l in range(L)])


def _train_and_compare(rule, arch, data, w0, seed, alpha, epochs, batch, steps, cos, err):
    """One seed: train with the rule, fill ``cos``/``err`` (checkpoints × layers) in place.
    Returns (status, test accuracy or None, the rule's name, its attributes as text)."""
    from ..rules.base import running_rule
    from ..train import TrainOps, batches, error_rate
    from ..userfile import UserCodeError

    name, knobs = _rule_name(rule), {}
    at = {k: i for i, k in enumerate(steps)}
    bp, ops, bp_ops = _BP(), TrainOps(arch.activation), TrainOps(arch.activation)
    w, count = w0.copy(), 0
    try:
        with running_rule():
            r = _instantiate(rule, seed)
            name = _rule_name(r)
            knobs = _knobs(r)
            mats = _draw_matrices(r, arch, seed)
            with np.errstate(all="ignore"):
                for epoch in range(epochs):
                    for idx in batches(len(data.x_train), batch, [seed, 0, epoch]):
                        x, y = data.x_train[idx], data.y_train[idx]
                        upd = _rule_step(r, arch, w, x, y, ops, alpha, mats)
                        if not _finite(upd):
                            return f"diverged at update {count} (a non-finite update)", None, name, knobs
                        if count in at:
                            ref = _step(bp, arch, w, x, y, bp_ops, alpha)
                            cos[at[count]], err[at[count]] = compare(upd, ref, arch.L)
                        w = w.apply(upd)
                        count += 1
                if not all(np.all(np.isfinite(W)) for W in w.theta.values()):
                    return f"diverged at update {count} (non-finite weights)", None, name, knobs
                return "ok", 100.0 - error_rate(arch, w, data, ops), name, knobs
    except UserCodeError as exc:
        # the user's rule cannot run: a result naming their file and line, not a traceback.  An
        # error inside pcproof (a built-in rule included) is pcproof's bug and is raised, so that
        # it never reads as a measurement of the rule.
        return f"crashed: {_one_line(exc).split(': ', 1)[-1]}", None, name, knobs


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


def _knobs(rule) -> dict:
    """The rule object's own attributes, as text (its hyper-parameters, for the record)."""
    try:
        return {k: repr(v) for k, v in vars(rule).items() if not k.startswith("_")}
    except TypeError:
        return {}


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


def _positive_numbers(name, values):
    values = tuple(values) if isinstance(values, (tuple, list)) else values
    if not isinstance(values, tuple) or not values or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v < math.inf for v in values):
        raise AlignmentError(f"{name} must be positive numbers, got {values!r}")


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


def _pct(v) -> str:
    return "—" if v is None or not math.isfinite(v) else f"{v:.1f}%"


def _pm(m, s, spec) -> str:
    if m is None or not math.isfinite(m):
        return "—" if m is None or math.isnan(m) else "∞"
    return f"{format(m, spec)} ± {format(s, spec)}" if math.isfinite(s) else format(m, spec)


def _cos(m, s) -> str:
    """A cosine near 1 as 1 − (its distance from 1), so 0.9999997 does not print as 1.000."""
    if m is None or not math.isfinite(m) or m < 0.999:
        return _pm(m, s, ".3f")
    gap = 1.0 - m
    return ("1" if gap <= 0 else f"1 − {gap:.1e}") + (f" ± {s:.1e}" if math.isfinite(s) else "")


def _latex(name: str) -> str:
    return name.replace("θ", r"\theta").replace("^", "^{") + "}"


# -- IL's approach to BP ---------------------------------------------------------------------
#: The three knobs of IL's approach to BP, the direction of each limit, and their symbols.
KNOBS = {
    "steps": ("t_c", "∞"),          # inference steps before the weights learn
    "precision": ("π_0", "0"),      # the output layer's precision relative to the hidden layers'
    "scale": ("s", "0"),            # the output error's size: s_out ← x̄^0 + s (s_out − x̄^0)
}


@dataclass
class Sweep:
    """IL's relative error to BP as one knob moves towards its limit, the others fixed.

    ``rel_error[i]``: Σ_l ‖Δθ^{l+1}_IL/π_0 − Δθ^{l+1}_BP‖ / Σ_l ‖Δθ^{l+1}_BP‖ at ``values[i]``,
    mean over the batches (``spread``: their standard deviation); ``layers[i][l]``: the
    same per layer.  ``order``: the fitted k of rel_error ∝ knob^k (k of t_c^{-k} for the
    steps), from a least-squares line on log–log through the last ``fit`` points that lie
    above float64's rounding floor; ``residual``: how far the measurement at the extreme
    value is from equilibrium (relative change of the error from t_c to 2 t_c).  For the
    steps, the limit t_c → ∞ is IL's equilibrium: ``limit_value`` is the error there
    (measured at t_c = ``limit_steps``, found by doubling until it stops changing)."""

    knob: str
    fixed: dict
    values: list
    rel_error: list
    spread: list
    layers: list
    order: float | None
    fitted: list
    residual: float | None = None
    limit_value: float | None = None
    limit_steps: int | None = None
    crosscheck: list = field(default_factory=list)   # [{value, float64, mpmath, digits}] on one example

    @property
    def symbol(self) -> str:
        return KNOBS[self.knob][0]

    @property
    def leveled(self) -> bool:
        """The last two values give the same error (within 5 %): the curve has flattened."""
        e = self.rel_error
        return len(e) >= 2 and abs(e[-1] - e[-2]) <= 0.05 * max(e[-1], e[-2])

    @property
    def reaches_bp(self) -> bool:
        """Knob → 0: the error falls by more than 100× from the first value to the last, at a
        fitted order above ½, and is still falling at the end.  Steps → ∞: the error at
        equilibrium is within 1000× of float64's rounding floor."""
        e = self.rel_error
        if self.knob == "steps":
            return self.limit_value is not None and self.limit_value <= _floor(self.fixed.get("precision", 1.0))
        return bool(e[-1] < 1e-2 * e[0] and self.order is not None and self.order > 0.5 and not self.leveled)

    def limit(self) -> str:
        """The numbers' own words: which way the error goes in this limit, at which order."""
        sym, to = KNOBS[self.knob]
        e = self.rel_error
        if self.knob == "steps" and self.limit_value is not None:
            at = f"IL's equilibrium (t_c = {self.limit_steps})"
            if self.reaches_bp:
                return f"→ BP as {sym} → ∞: the error at {at} is {self.limit_value:.2g}, rounding"
            weak = self.fixed.get("precision", 1) != 1
            return (f"not BP as {sym} → ∞: the error tends to {self.limit_value:.2g} at {at}"
                    + (f", the error of the π_0 = {self.fixed['precision']:g} limit" if weak else ""))
        if self.reaches_bp:
            power = f"{sym}^{self.order:.2f}" if to == "0" else f"{sym}^-{self.order:.2f}"
            return f"→ BP as {sym} → {to}: relative error ∝ {power}"
        if e[-1] < 1e-2 * e[0]:
            why = (f" (IL's equilibrium error at π_0 = {self.fixed['precision']:g})"
                   if self.knob == "steps" and self.fixed.get("precision", 1) != 1 else "")
            return f"falls to {e[-1]:.2g} as {sym} → {to}, then levels off{why}: not BP in this limit alone"
        return f"not BP as {sym} → {to}: the relative error levels off at {e[-1]:.2g} (order ≈ {_fmt(self.order, '.2f')})"

    def to_dict(self) -> dict:
        return _json(dict(knob=self.knob, symbol=self.symbol, fixed=self.fixed, values=list(self.values),
                          rel_error=list(self.rel_error), spread=list(self.spread), layers=self.layers,
                          order=self.order, fitted=list(self.fitted), residual=self.residual,
                          limit_value=self.limit_value, limit_steps=self.limit_steps, crosscheck=self.crosscheck,
                          reaches_bp=self.reaches_bp, limit=self.limit()))


@dataclass
class ILLimits:
    """The sweeps of :func:`il_limits` and their settings."""

    settings: dict
    sweeps: list[Sweep]

    def table(self) -> str:
        s = self.settings
        lines = [f"IL (γ = {s['gamma']:g}) vs BP on {s['dataset']}: widths {'-'.join(map(str, s['widths']))}, "
                 f"{s['activation']}, {s['batches']} batch(es) of {s['batch']}, seed {s['seed']}",
                 "relative error Σ_l ‖Δθ_IL/π_0 − Δθ_BP‖ / Σ_l ‖Δθ_BP‖ (mean over batches)", ""]
        for sw in self.sweeps:
            fixed = ", ".join(f"{KNOBS[k][0]} = {v:g}" for k, v in sw.fixed.items())
            lines.append(f"{sw.symbol} → {KNOBS[sw.knob][1]}   ({fixed})")
            lines.append("  " + "  ".join(f"{sw.symbol}={_num(v)}: {e:.2e}" for v, e in zip(sw.values, sw.rel_error)))
            extra = f"; equilibrium residual {sw.residual:.1e}" if sw.residual is not None else ""
            how = f"log–log slope, last {len(sw.fitted)} points" if sw.fitted else "tends to a non-zero constant"
            lines.append(f"  order ({how}) {_fmt(sw.order, '.2f')}{extra}")
            for c in sw.crosscheck:
                f64 = "—" if c["float64"] is None else f"{c['float64']:.4e}"
                lines.append(f"  one example at {sw.symbol} = {c['value']:g}: mpmath ({c['digits']} digits) "
                             f"{c['mpmath']:.4e}, float64 {f64}")
            lines.append(f"  {sw.limit()}")
            lines.append("")
        return "\n".join(lines).rstrip()

    __str__ = table

    def headline(self) -> str:
        """One line: each limit, its order, and whether it reaches BP."""
        parts = []
        for sw in self.sweeps:
            sym, to = KNOBS[sw.knob]
            where = "" if sw.knob != "steps" or sw.fixed.get("precision", 1) == 1 else \
                f" at π_0 = {sw.fixed['precision']:g}"
            if sw.reaches_bp:
                parts.append(f"{sym} → {to}{where}: → BP at order {sw.order:.2f}")
            else:
                end = sw.limit_value if sw.limit_value is not None else sw.rel_error[-1]
                parts.append(f"{sym} → {to}{where}: not BP (error → {end:.2g})")
        return "; ".join(parts)

    def to_dict(self) -> dict:
        return dict(settings=self.settings, headline=self.headline(), sweeps=[sw.to_dict() for sw in self.sweeps])

    def plot(self, path):
        """PNG: one log–log panel per sweep, relative error against the knob, the fitted line dashed."""
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, len(self.sweeps), figsize=(3.6 * len(self.sweeps), 3.5), squeeze=False)
        for ax, sw in zip(axes[0], self.sweeps):
            v, e = np.asarray(sw.values, float), np.asarray(sw.rel_error, float)
            ax.loglog(v, e, marker="o", ms=4, color="C0", label="Σ_l (all layers)")
            lay = np.asarray(sw.layers, float)
            for l in range(lay.shape[1]):
                ax.loglog(v, lay[:, l], lw=0.8, alpha=0.6, color=f"C{l + 1}", label=f"$\\theta^{{{l + 1}}}$")
            if sw.order is not None and sw.fitted and (sw.reaches_bp or sw.rel_error[-1] >= 1e-2 * sw.rel_error[0]):
                fv = np.asarray(sw.fitted, float)
                k = sw.order if KNOBS[sw.knob][1] == "0" else -sw.order
                anchor = e[list(v).index(fv[-1])]
                ax.loglog(fv, anchor * (fv / fv[-1]) ** k, ls="--", color="k", lw=1, label=f"slope {k:+.2f}")
            if KNOBS[sw.knob][1] == "0":
                ax.invert_xaxis()
            fixed = ", ".join(f"{KNOBS[k][0]}={val:g}" for k, val in sw.fixed.items())
            ax.set_title(f"{sw.symbol} → {KNOBS[sw.knob][1]}  ({fixed})", fontsize=9)
            ax.set_xlabel(sw.symbol)
            ax.grid(alpha=0.3, which="both")
            ax.legend(fontsize=7)
        axes[0][0].set_ylabel("relative error of IL's update to BP's")
        fig.suptitle("IL's approach to BP (Whittington & Bogacz 2017): which limit works", fontsize=10)
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        return path


STEPS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
SMALL = tuple(float(10.0 ** -k) for k in range(0, 7))         # 1 … 1e-6


def il_limits(widths=WIDTHS, activation: str = "tanh", *, seed: int = 0, batches: int = 3, batch: int = BATCH,
              gamma: float = 0.1, steps=STEPS, precisions=SMALL, scales=SMALL, equilibrium: int | None = None,
              weak_precision: float = 1e-4, fit: int = 4, limit: int | None = None,
              crosscheck: bool = True, digits: int = 40, quick: bool = False) -> ILLimits:
    """Measure how IL's updates approach BP's (Whittington & Bogacz 2017) in three limits,
    each with the other knobs fixed: (a) more inference steps t_c (at π_0 = 1, s = 1, and
    again at the weak precision ``weak_precision``), (b) a weaker output precision π_0
    (at equilibrium, s = 1), (c) a smaller output error, the target moved towards the
    prediction by s (at equilibrium, π_0 = 1).

    IL's update is divided by π_0 before it is compared (its errors are precision-weighted,
    so the update is π_0 times smaller: the same as scaling its learning rate by 1/π_0); BP's is
    taken at the same, possibly moved, target.  Both come from the rules' own code
    (:func:`pcproof.rules.rule_updates`, float64, batched) at Glorot weights (``seed``) on
    ``batches`` batches of the digits.  "At equilibrium" is t_c = ``equilibrium``, or, if
    None, the smallest power of two ≥ 64 at which doubling t_c changes the update at the
    sweep's extreme value by less than 1e-3 of the error measured there.

    float64 suffices here: the precision-weighted errors are O(π_0) differences of O(1)
    values, so rounding is about 1e-16/π_0 relative — 1e-10 at π_0 = 1e-6, far below the
    measured errors; points within 1000× of that floor are left out of the fit.  With
    ``crosscheck``, the first example is measured again in mpmath (``digits`` digits) at the
    smallest π_0 and at 1000× smaller, where float64 has only rounding left.

    ``quick``: one batch, t_c ∈ {1, 4, 16, 64, 256}, π_0 and s down to 1e-4 by decades, no
    mpmath check — a second or two, for ``pcproof zoo``."""
    if quick:
        batches, steps, crosscheck = 1, (1, 4, 16, 64, 256), False
        precisions = scales = SMALL[:5]
    from ..model import Architecture, get_activation
    from ..numbers import NumpyOps
    from ..train import batches as batch_order, init_weights

    widths = _check_widths(widths)
    _positive_numbers("precisions", precisions)
    _positive_numbers("scales", scales)
    if weak_precision is not None:
        _positive_numbers("weak_precision", (weak_precision,))
    if not steps or not all(isinstance(t, (int, np.integer)) and t >= 0 for t in steps):
        raise AlignmentError(f"steps must be non-negative integers, got {steps!r}")
    for name, v in (("batches", batches), ("batch", batch), ("fit", fit)):
        if not isinstance(v, (int, np.integer)) or v < (2 if name == "fit" else 1):
            raise AlignmentError(f"{name} must be an integer ≥ {2 if name == 'fit' else 1}, got {v!r}")
    if not (isinstance(gamma, (int, float)) and 0 < gamma < 2):
        raise AlignmentError(f"gamma must be a number in (0, 2), got {gamma!r}")
    data = _digits(limit)
    arch = Architecture((data.n_out, *widths, data.n_in), get_activation(activation))
    ops = NumpyOps(arch.activation)
    w = init_weights(arch, seed=seed)
    chosen = batch_order(len(data.x_train), batch, [seed, 0, 0])[:batches]
    if not chosen:
        raise AlignmentError(f"batch ({batch}) is larger than the training set ({len(data.x_train)} digits)")
    pairs = [(data.x_train[i], data.y_train[i]) for i in chosen]

    def at(t_c, pi, s):
        return _il_error(arch, w, pairs, ops, gamma, t_c, pi, s)

    sweeps = [_steps_sweep(dict(precision=1.0, scale=1.0), steps, lambda t: at(t, 1.0, 1.0), fit)]
    for knob, values in (("precision", precisions), ("scale", scales)):
        values = sorted(values, reverse=True)
        extreme = (lambda T: at(T, values[-1], 1.0)) if knob == "precision" else (lambda T: at(T, 1.0, values[-1]))
        T, residual, _ = _equilibrium(extreme, equilibrium)
        fixed = dict(steps=T, scale=1.0) if knob == "precision" else dict(steps=T, precision=1.0)
        fn = (lambda p: at(T, p, 1.0)) if knob == "precision" else (lambda s: at(T, 1.0, s))
        floor = _floor if knob == "precision" else (lambda s: _floor(s))
        sweeps.append(_sweep(knob, fixed, values, fn, fit, floor=floor, residual=residual))
        if crosscheck and knob == "precision":
            x, y = pairs[0][0][0], pairs[0][1][0]
            for p in (values[-1], values[-1] * 1e-3):
                f64 = _il_error(arch, w, [(x[None], y[None])], ops, gamma, T, p, 1.0)[0]
                mp = il_error_mpmath(arch, w, x, y, gamma=gamma, t_c=T, precision=p, digits=digits)
                sweeps[-1].crosscheck.append(dict(value=p, float64=f64, mpmath=mp, digits=digits))
    if weak_precision is not None:
        sweeps.append(_steps_sweep(dict(precision=weak_precision, scale=1.0), steps,
                                   lambda t: at(t, weak_precision, 1.0), fit))
    settings = dict(dataset="digits", widths=list(arch.widths), activation=arch.activation.name, seed=seed,
                    batches=len(pairs), batch=batch, gamma=gamma, limit=limit)
    return ILLimits(settings, sweeps)


def _il_error(arch, w, pairs, ops, gamma, t_c, precision, scale):
    """(total relative error, per-layer relative errors), each as (mean, std) over the batches."""
    from ..rules import IL, rule_updates
    from ..train import point, predict

    totals, per_layer = [], []
    rule = IL(gamma=gamma, t_c=int(t_c), output_precision=precision)
    for x, y in pairs:
        x_bar0 = predict(arch, w, x, ops)
        params = point(w, x, x_bar0 + scale * (y - x_bar0))
        ref = rule_updates(_BP(), arch, params, ops, 1.0)
        pcn = rule.trajectory(arch, params, ops, 1.0)
        for t in range(1, pcn.steps):          # states in order: no deep recursion at large t_c
            for l in range(1, arch.L):
                pcn.x(l, t)
        upd = rule_updates(rule, arch, params, ops, 1.0, run=pcn)
        diffs = [float(np.linalg.norm(upd[("theta", l + 1)] / precision - ref[("theta", l + 1)])) for l in range(arch.L)]
        sizes = [float(np.linalg.norm(ref[("theta", l + 1)])) for l in range(arch.L)]
        totals.append(sum(diffs) / sum(sizes))
        per_layer.append([d / s if s else math.inf for d, s in zip(diffs, sizes)])
    return float(np.mean(totals)), float(np.std(totals)), [float(v) for v in np.mean(per_layer, axis=0)]


def _floor(scale) -> float:
    """1000× float64's rounding of an error computed from O(scale) differences of O(1) values."""
    return 1e3 * 2.2e-16 / scale


def _equilibrium(measure_at, given, start: int = 64):
    """t_c for "at equilibrium", the residual there (relative change of the error from t_c
    to 2 t_c) and the error at t_c."""
    if given is not None:
        e1, e2 = measure_at(given)[0], measure_at(2 * given)[0]
        return given, abs(e2 - e1) / e2 if e2 else 0.0, e1
    T = start
    e1 = measure_at(T)[0]
    while True:
        e2 = measure_at(2 * T)[0]
        residual = abs(e2 - e1) / e2 if e2 else 0.0
        if residual < 1e-3 or T >= 4096:
            return 2 * T, residual, e2
        T, e1 = 2 * T, e2


def _steps_sweep(fixed, values, fn, fit) -> Sweep:
    """A sweep of t_c, and its limit: the error at IL's equilibrium."""
    sw = _sweep("steps", fixed, values, fn, fit)
    T, sw.residual, sw.limit_value = _equilibrium(fn, None, start=max(64, max(values)))
    sw.limit_steps = T
    if not sw.reaches_bp:      # the error tends to a non-zero constant: order 0 in 1/t_c
        sw.order, sw.fitted = 0.0, []
    return sw


def _sweep(knob, fixed, values, fn, fit, floor=None, residual=None) -> Sweep:
    values = list(values)
    results = [fn(v) for v in values]
    err = [r[0] for r in results]
    usable = [(v, e) for v, e in zip(values, err) if e > 0 and (floor is None or e > floor(v))]
    fitted = usable[-fit:] if len(usable) >= 2 else []
    order = None
    if len(fitted) >= 2:
        slope = float(np.polyfit(np.log([v for v, _ in fitted]), np.log([e for _, e in fitted]), 1)[0])
        order = -slope if KNOBS[knob][1] == "∞" else slope
        order = 0.0 if abs(order) < 5e-3 else order
    return Sweep(knob, fixed, values, err, [r[1] for r in results], [r[2] for r in results], order,
                 [v for v, _ in fitted], residual)


def _num(v) -> str:
    return f"{v:g}" if not isinstance(v, int) else str(v)


def il_error_mpmath(arch, w, x, y, *, gamma: float, t_c: int, precision: float, scale: float = 1.0,
                    digits: int = 40) -> float:
    """The relative error of :func:`il_limits` for one example, computed in mpmath at
    ``digits`` digits (the same rule code over :class:`~pcproof.numbers.MpmathOps`, the
    float64 weights and example read exactly): a check that a small measured error is
    IL's and not float64's rounding."""
    from ..model import Params
    from ..numbers.mp import MpmathOps
    from ..rules import IL, rule_updates
    from ..rules.bp import ANN

    ops = MpmathOps(arch.activation, digits=digits)
    mpf = ops.ctx.mpf
    vec = lambda v: tuple(mpf(float(c)) for c in v)
    theta = {k: tuple(vec(row) for row in W) for k, W in w.theta.items()}
    s_in = vec(x)
    x_bar0 = ANN(arch, Params(theta=theta, b=None, s_in=s_in, s_out=vec(y)), ops).x_bar(0)
    s = mpf(float(scale))
    target = tuple(o + s * (mpf(float(t)) - o) for o, t in zip(x_bar0, y))
    params = Params(theta=theta, b=None, s_in=s_in, s_out=target)
    alpha = ops.number(1)
    ref = rule_updates(_BP(), arch, params, ops, alpha)
    rule = IL(gamma=gamma, t_c=int(t_c), output_precision=precision)
    pcn = rule.trajectory(arch, params, ops, alpha)
    for t in range(1, pcn.steps):
        for l in range(1, arch.L):
            pcn.x(l, t)
    upd = rule_updates(rule, arch, params, ops, alpha, run=pcn)
    pi = ops.number(precision)
    num = den = mpf(0)
    for l in range(arch.L):
        a, b = upd[("theta", l + 1)], ref[("theta", l + 1)]
        num += ops.ctx.sqrt(sum((ai / pi - bi) ** 2 for ra, rb in zip(a, b) for ai, bi in zip(ra, rb)))
        den += ops.ctx.sqrt(sum(bi ** 2 for rb in b for bi in rb))
    return float(num / den)


# -- python -m pcproof.check.align -------------------------------------------------------------
#: Built-in rules by the names the command line uses.
NAMED = {"bp": "BP", "z-il": "ZIL", "zil": "ZIL", "il": "IL", "fa-z-il": "FaZIL", "fazil": "FaZIL"}


def _named_rule(spec: str):
    """A built-in rule by name, or ``FILE.py:NAME`` from the user's file (pcproof.userfile:
    a check module does not import the command line)."""
    from .. import rules
    if spec.lower() in NAMED:
        return getattr(rules, NAMED[spec.lower()])()
    path, _, name = spec.rpartition(":")
    if not path.endswith(".py") or not name:
        raise AlignmentError(f"--rule must be {', '.join(sorted(set(NAMED)))} or FILE.py:NAME, got {spec!r}")
    from ..userfile import load
    module = load(path, "--rule")
    rule = getattr(module, name, None)
    if rule is None or not callable(rule):
        raise AlignmentError(f"--rule: {path!r} defines no rule named {name!r}")
    return rule


def _ints(text: str, name: str) -> tuple:
    try:
        out = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise AlignmentError(f"{name} must be comma-separated integers, got {text!r}") from None
    return out


def main(argv=None) -> int:
    """``python -m pcproof.check.align measure --rule il`` (alignment over training) and
    ``python -m pcproof.check.align il-limits`` (IL's approach to BP); exit 2 on bad input."""
    import argparse
    import sys

    ap = argparse.ArgumentParser(prog="python -m pcproof.check.align", description=main.__doc__)
    sub = ap.add_subparsers(dest="what", required=True)
    m = sub.add_parser("measure", help="a rule's updates against BP's over training on the digits")
    m.add_argument("--rule", default="il", help="bp, z-il, il, fa-z-il, FILE.py:NAME or MODULE:NAME (default il)")
    m.add_argument("--epochs", type=int, default=EPOCHS)
    m.add_argument("--seeds", default="0,1,2")
    m.add_argument("--alpha", type=float, default=ALPHA)
    m.add_argument("--batch", type=int, default=BATCH)
    m.add_argument("--checkpoints", type=int, default=CHECKPOINTS)
    m.add_argument("--limit", type=int, default=None)
    i = sub.add_parser("il-limits", help="IL's relative error to BP against t_c, π_0 and the output error's size")
    i.add_argument("--seed", type=int, default=0)
    i.add_argument("--batches", type=int, default=3)
    i.add_argument("--gamma", type=float, default=0.1)
    i.add_argument("--no-crosscheck", action="store_true", help="skip the mpmath check of the smallest π_0")
    for p in (m, i):
        p.add_argument("--widths", default=",".join(map(str, WIDTHS)), help="hidden widths, output side first")
        p.add_argument("--activation", default="tanh")
        p.add_argument("--plot", default=None, help="write the figure here (PNG)")
        p.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = ap.parse_args(argv)
    try:
        widths = _ints(args.widths, "--widths")
        if args.what == "measure":
            result = measure(_named_rule(args.rule), widths, args.activation, seeds=_ints(args.seeds, "--seeds"),
                             epochs=args.epochs, batch=args.batch, alpha=args.alpha, checkpoints=args.checkpoints,
                             limit=args.limit)
            text = result.summary()
        else:
            if args.batches < 1 or args.gamma <= 0:
                raise AlignmentError("--batches must be ≥ 1 and --gamma > 0")
            result = il_limits(widths, args.activation, seed=args.seed, batches=args.batches, gamma=args.gamma,
                               crosscheck=not args.no_crosscheck)
            text = result.table()
    except Exception as exc:
        from ..model.network import ArchitectureError
        from ..userfile import UserCodeError, UserError
        if isinstance(exc, (AlignmentError, UserCodeError, UserError, ArchitectureError)):
            print(f"error: {_one_line(exc).split(': ', 1)[-1]}", file=sys.stderr)
            return 2
        raise
    print(json.dumps(result.to_dict(), indent=1) if args.json else text)
    if args.plot:
        result.plot(args.plot)
        if not args.json:
            print(f"wrote {args.plot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
