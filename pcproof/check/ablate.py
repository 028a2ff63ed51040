"""``pcproof ablate``: the paper's ablation of C1, C2 and C3 (Song et al. 2020, Sec. 5.1, Fig. 3).

Each condition is broken in turn while the other two hold, and Z-IL is trained beside
BP on scikit-learn's digits from the same initial weights and batches
(:mod:`pcproof.train`, the rules' own code over float64):

* **C1** — the hidden layers start at x̄^l + η^l, η^l ~ N(0, σ²) drawn afresh per batch
  (``ZIL(init_noise=True)``; σ = 0 runs the same code with η = 0);
* **C2** — every θ^{l+1} learns at one step t for all layers (``IL(gamma=1, t_c=t)``);
  t = l is Z-IL itself;
* **C3** — inference step γ (``ZIL(gamma=γ)``).  Closed form (the γ corollary,
  ε^l_l = γ^l δ^l): layer l's update is γ^l times BP's, so the relative divergence of
  one update is Σ_l |γ^l − 1| ‖Δθ^{l+1}_BP‖ / Σ_l ‖Δθ^{l+1}_BP‖.

Measured for each setting (mean over seeds):

* ``update`` — divergence of single weight updates: Σ_l ‖Δθ^{l+1} − Δθ^{l+1}_BP‖ / Σ_l ‖Δθ^{l+1}_BP‖
  at the initial weights, averaged over the first ``--updates`` batches;
* ``weights`` — divergence of final weights: Σ_l ‖θ^{l+1} − θ^{l+1}_BP‖ (Frobenius) after training;
* ``test_error`` — mean over epochs of |test error − BP's test error| (percentage points).

A setting *matches BP* when ``update`` ≤ 1e-12 and ``weights`` ≤ 1e-9 × Σ_l ‖θ_BP − θ_0‖
(float64 round-off; that the match is exact is what ``pcproof prove thm-3.2`` shows).
The paper's pattern: a match exactly at σ = 0, t = l, γ = 1.  Exit code 0 when the
pattern holds, 1 when it does not, 2 on bad input.  With ``--rule`` (a user's PC rule in place
of Z-IL; C1 and C3) the run is a measurement: it names the settings where the rule matched BP
and exits 0 (the pattern is Z-IL's, not a claim about the user's rule; ``pattern_holds`` is null).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..conditions import C1, C2, C3

SIGMAS = (0.0, 1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0, 100.0)
STEPS = ("l", 0, 1, 2, 3, 4, 16, 64)
GAMMAS = (0.01, 0.1, 0.5, 1.0, 5.0, 10.0)
UPDATE_TOL, WEIGHT_TOL = 1e-12, 1e-9


@dataclass(frozen=True)
class Condition:
    key: str            # c1, c2, c3
    title: str
    symbol: str         # σ, t, γ
    values: tuple
    paper_value: object  # the setting where the condition holds

    def rule(self, value, user=None):
        """The PC rule of one setting, and the C1 noise σ (or None).  ``user``: a PC rule class
        (or factory) of the user's, given its knobs as pcproof.theorem.Setting gives them; C2 is
        broken here by the built-in IL (every layer at one step t), which has no such knob."""
        from ..rules import IL, ZIL
        if user is not None:
            if self.key == "c2" and value != "l":
                raise ValueError("C2 is broken by IL (every layer learns at one step t): not a knob of --rule")
            noise = self.key == "c1"
            gamma = float(value) if self.key == "c3" else 1
            return user(gamma=gamma, init_noise=noise, update_offset=0), (float(value) if noise else None)
        if self.key == "c1":
            return ZIL(init_noise=True), float(value)
        if self.key == "c2":
            return (ZIL(), None) if value == "l" else (IL(gamma=1, t_c=int(value)), None)
        return ZIL(gamma=float(value)), None

    def label(self, value) -> str:
        if self.key == "c2":
            return "t = l" if value == "l" else f"t = {value}"
        return f"{self.symbol} = {value:g}"


#: the sweep of each condition; what it is and how a run breaks it come from pcproof.conditions
CONDITIONS = {
    c.name.lower(): Condition(c.name.lower(), f"{c.name} broken: {c.breaks}", symbol, values, paper)
    for c, symbol, values, paper in ((C1, "σ", SIGMAS, 0.0), (C2, "t", STEPS, "l"), (C3, "γ", GAMMAS, 1.0))
}


@dataclass
class Row:
    """One setting at one depth, averaged over seeds."""

    condition: str
    value: object
    hidden: int
    update: float
    weights: float
    test_error: float
    weights_scale: float            # Σ_l ‖θ_BP − θ_0‖, for the relative test
    matches_bp: bool
    diverged: int = 0               # seeds whose training blew up (weights not finite); left out of the means
    closed_form_update: float | None = None
    layer_scale: list = field(default_factory=list)       # measured ⟨Δ, Δ_BP⟩/‖Δ_BP‖² per layer l
    layer_scale_closed: list = field(default_factory=list)  # γ^l


def _update_divergence(upd, ref, L):
    diff = sum(float(np.linalg.norm(upd[("theta", l + 1)] - ref[("theta", l + 1)])) for l in range(L))
    size = sum(float(np.linalg.norm(ref[("theta", l + 1)])) for l in range(L))
    return diff / size


def _layer_scales(upd, ref, L):
    out = []
    for l in range(L):
        a, b = upd[("theta", l + 1)], ref[("theta", l + 1)]
        out.append(float(np.sum(a * b) / np.sum(b * b)))
    return out


def run(conditions=("c1", "c2", "c3"), hidden=(1, 2, 3), seeds=3, epochs=10, updates=10, alpha=1e-3,
        batch=20, limit=None, width=32, progress=True, rule=None) -> list[Row]:
    """Train and measure every setting; returns one :class:`Row` per (setting, depth).
    ``rule``: a user's PC rule class (or factory) in place of Z-IL (C1 and C3 only)."""
    from tqdm import tqdm

    from ..rules import BP
    from ..train import TrainOps, batches, init_weights, load_digits_data, make_architecture, noise_extra, step, train

    data = load_digits_data(limit=limit)
    n_batches = len(data.x_train) // batch
    settings = [(CONDITIONS[c], v) for c in conditions for v in CONDITIONS[c].values]
    total = len(hidden) * seeds * (len(settings) + 1) * n_batches * epochs
    bar = tqdm(total=total, desc="ablate", unit="batch", disable=not progress, file=sys.stderr)
    acc: dict = {}
    try:
        for h in hidden:
            arch = make_architecture(hidden=h, width=width, n_in=data.n_in, n_out=data.n_out)
            L = arch.L
            ops = TrainOps(arch.activation)
            for seed in range(seeds):
                w0 = init_weights(arch, seed=seed)
                common = dict(alpha=alpha, epochs=epochs, batch=batch, seed=seed, ops=ops, progress=bar.update)
                bp = train(BP(), arch, data, w0, **common)
                first = batches(len(data.x_train), batch, [seed, 0, 0])[:updates]
                bp_first = [step(BP(), arch, w0, data.x_train[i], data.y_train[i], ops, alpha) for i in first]
                scale = w0.distance(bp.weights)
                for cond, value in settings:
                    rule_v, sigma = cond.rule(value, rule)
                    noise_rng = np.random.default_rng([seed, 2])
                    upd_div, scales, closed = [], [], []
                    for idx, ref in zip(first, bp_first):
                        extra = None if sigma is None else noise_extra(arch, sigma, len(idx), noise_rng)
                        upd = step(rule_v, arch, w0, data.x_train[idx], data.y_train[idx], ops, alpha, extra)
                        upd_div.append(_update_divergence(upd, ref, L))
                        if cond.key == "c3":
                            scales.append(_layer_scales(upd, ref, L))
                            sizes = [float(np.linalg.norm(ref[("theta", l + 1)])) for l in range(L)]
                            closed.append(sum(abs(value ** l - 1) * s for l, s in enumerate(sizes)) / sum(sizes))
                    r = train(rule_v, arch, data, w0, noise_sigma=sigma, **common)
                    m = dict(update=float(np.mean(upd_div)), weights=r.weights.distance(bp.weights),
                             test_error=float(np.mean(np.abs(np.subtract(r.test_error[1:], bp.test_error[1:])))),
                             weights_scale=scale,
                             closed=float(np.mean(closed)) if closed else None,
                             layer_scale=list(np.mean(scales, axis=0)) if scales else [])
                    acc.setdefault((cond.key, value, h), []).append(m)
    finally:
        bar.close()
    rows = []
    for (key, value, h), ms in acc.items():
        finite = [m for m in ms if np.isfinite(m["weights"])]
        mean = lambda k, among=ms: float(np.mean([m[k] for m in among])) if among else float("inf")
        update, weights, wscale = mean("update"), mean("weights", finite), mean("weights_scale")
        row = Row(key, value, h, update, weights, mean("test_error"), wscale,
                  matches_bp=not (len(finite) < len(ms)) and update <= UPDATE_TOL and weights <= WEIGHT_TOL * wscale,
                  diverged=len(ms) - len(finite))
        if key == "c3":
            row.closed_form_update = mean("closed")
            row.layer_scale = [float(v) for v in np.mean([m["layer_scale"] for m in ms], axis=0)]
            row.layer_scale_closed = [float(value) ** l for l in range(h + 1)]
        rows.append(row)
    return rows


def pattern_holds(rows: list[Row]) -> bool:
    """Zero divergence exactly at the paper's settings (σ = 0, t = l, γ = 1)."""
    return all(r.matches_bp == (r.value == CONDITIONS[r.condition].paper_value) for r in rows)


# -- output ----------------------------------------------------------------------------------
def _fmt(v):
    if v is None:
        return "—"
    return "0" if v == 0 else f"{v:.2e}"


def table(rows: list[Row]) -> str:
    lines = []
    for key, cond in CONDITIONS.items():
        sel = [r for r in rows if r.condition == key]
        if not sel:
            continue
        lines.append(f"\n{cond.title}")
        head = f"{'setting':<12}{'hidden':>7}{'update':>11}{'weights':>14}{'test err':>10}{'= BP':>6}"
        if key == "c3":
            head += f"{'closed form':>13}  update scale per layer γˡ (max |measured/γˡ − 1|)"
        lines += [head, "-" * len(head)]
        for r in sel:
            weights = _fmt(r.weights) + (f" †{r.diverged}" if r.diverged else "")
            line = (f"{cond.label(r.value):<12}{r.hidden:>7}{_fmt(r.update):>11}{weights:>14}"
                    f"{r.test_error:>10.3f}{'yes' if r.matches_bp else 'no':>6}")
            if key == "c3":
                dev = max(abs(m / c - 1) for m, c in zip(r.layer_scale, r.layer_scale_closed))
                powers = ", ".join(f"{c:g}" for c in r.layer_scale_closed)
                line += f"{_fmt(r.closed_form_update):>13}  {powers}  ({dev:.1e})"
            lines.append(line)
    if any(r.diverged for r in rows):
        lines.append("\n†k: training diverged (weights overflowed to inf/nan) for k seeds; the weight divergence "
                     "is the mean over the other seeds")
    return "\n".join(lines).lstrip("\n")


def figure(rows: list[Row], key: str, path: Path):
    """One PNG per condition in the manner of the paper's Fig. 3: the three divergences
    against the setting, one line per number of hidden layers; zero is drawn at the floor."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cond = CONDITIONS[key]
    sel = [r for r in rows if r.condition == key]
    hidden = sorted({r.hidden for r in sel})
    xs = list(range(len(cond.values)))
    labels = [_tick(v) for v in cond.values]
    panels = [("update", "divergence of one update\n(relative, Σ‖ΔW−ΔW_BP‖/Σ‖ΔW_BP‖)"),
              ("weights", "divergence of final weights\n(Σ_l ‖W−W_BP‖₂)"),
              ("test_error", "divergence of test error\n(mean |err − err_BP| over epochs, %)")]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.9))
    paper_x = cond.values.index(cond.paper_value)
    for ax, (metric, title) in zip(axes, panels):
        vals = [getattr(r, metric) for r in sel]
        positive = [v for v in vals if v > 0]
        floor = (min(positive) if positive else 1.0) / 30
        for i, h in enumerate(hidden):
            ys = []
            for v in cond.values:
                r = next(r for r in sel if r.hidden == h and r.value == v)
                ys.append(getattr(r, metric))
            ax.plot(xs, [(y if y > 0 else floor) if np.isfinite(y) else np.nan for y in ys], marker="o",
                    label=f"{h} hidden", color=f"C{i}", lw=1.5, ms=5)
            if metric == "weights":
                for x, v in zip(xs, cond.values):
                    r = next(r for r in sel if r.hidden == h and r.value == v)
                    if r.diverged and np.isfinite(r.weights):
                        ax.annotate(f"†{r.diverged}", (x, r.weights), textcoords="offset points", xytext=(-16, -12),
                                    fontsize=8, color=f"C{i}")
            zx = [x for x, y in zip(xs, ys) if y == 0]
            ax.plot(zx, [floor] * len(zx), ls="none", marker="v", ms=9, mfc="white", color=f"C{i}")
        if key == "c3" and metric == "update":
            for i, h in enumerate(hidden):
                ys = [next(r for r in sel if r.hidden == h and r.value == v).closed_form_update for v in cond.values]
                ax.plot(xs, [y if y > 0 else floor for y in ys], ls=":", color=f"C{i}", lw=2.5, alpha=0.6,
                        label=f"{h} hidden, closed form")
        ax.set_yscale("log")
        if metric == "update":
            ax.axhspan(floor, UPDATE_TOL, color="C2", alpha=0.08, zorder=0)
            ax.text(paper_x + 0.45, UPDATE_TOL, "float64 round-off (= BP)", va="top", fontsize=7, color="C2")
        ax.axvspan(paper_x - 0.35, paper_x + 0.35, color="0.85", zorder=0)
        ax.axhline(floor, color="0.6", lw=0.8, ls="--")
        ax.text(0.98, 0.02, "▽ = exactly 0", transform=ax.transAxes, va="bottom", ha="right", fontsize=7,
                color="0.35")
        ax.set_xticks(xs, labels)
        ax.set_xlabel(cond.symbol + ("  (t = l is Z-IL)" if key == "c2" else ""))
        ax.set_title(title, fontsize=9)
        ax.grid(alpha=0.3, which="major")
    axes[0].legend(fontsize=7, loc="best")
    if any(r.diverged for r in sel):
        axes[1].text(0.02, 0.98, "†k: k seeds diverged (left out)", transform=axes[1].transAxes, va="top",
                     fontsize=7, color="0.35")
    fig.suptitle(f"{cond.title}  (grey: the paper's setting; Z-IL vs BP on digits)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _tick(v):
    """Axis label of a setting: l, 0, 10^{-4}, 0.5, 64 …"""
    if v == "l" or (isinstance(v, int) and not isinstance(v, bool)):
        return str(v)
    if v == 0:
        return "0"
    if v < 0.1 or v > 100:
        e = int(round(np.log10(v)))
        if np.isclose(v, 10.0 ** e):
            return rf"$10^{{{e}}}$"
    return f"{v:g}"


FIGURE_NAMES = {"c1": "c1_noise.png", "c2": "c2_update_step.png", "c3": "c3_gamma.png"}


def _json_number(v):
    """inf and nan are not JSON: a diverged value is written as null."""
    return None if isinstance(v, float) and not np.isfinite(v) else v
