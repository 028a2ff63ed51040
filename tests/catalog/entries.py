"""The catalog: each rule with the mathematical truth about it, derived by hand.

Truth is given per *where*: ``ragged`` (the concrete prover at :data:`RAGGED`),
``deep`` (at the entry's deep widths, :data:`DEEP` unless said), ``every`` (every
depth and every width: what the all-depth prover claims), each one of

* ``HOLDS`` — the claim is an identity there (for every point, and for every f when
  f is uninterpreted);
* ``FAILS`` — some point (some f) makes the two sides differ;
* ``ILL`` — the rule is ill-formed there (ill-typed, circular, raises): the right
  outcome is a user error, never a verdict.  For ``every``, ``ILL`` means ill-formed
  at some shape and wrong at no shape where it is well-formed (no rigorous witness
  exists, so *refuted* is wrong too).

The derivations use docs/notation.md's wavefront lemma (under C1: x^l_t = x̄^l, ε^l_t = 0 for
t < l) and Theorem 3.1 (ε^l_l = δ^l at γ = 1); "generic" means "at a generic point".
They were made before running pcproof on the entry and are cross-checked in exact
rationals by :mod:`.exact` (outside the provers).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from pcproof.rules import ZIL

from . import correct as C
from . import mutants as M

HOLDS, FAILS, ILL = "holds", "fails", "ill-formed"

#: the ragged shape: widths n_0 … n_L = 2, 3, 1, 2 (no layer square with its neighbour)
RAGGED = (2, 3, 1, 2)
#: the deep shape: width 1, depth 8 (past the l ≥ 5 bugs) …
DEEP = (1,) * 9
#: … and depth 70 (past the step caps at 64–66), for the entries that need it and the
#: controls (a depth-70 run costs about a second, so not for every entry)
DEEP70 = (1,) * 71

USER_ERROR = "user-error"


@dataclass(frozen=True)
class Entry:
    name: str
    rule: type
    why: str                                  # the derivation, in one or two sentences
    ragged: str = FAILS
    deep: str = FAILS
    every: str = FAILS
    theorem: str = "thm-3.2"
    activation: str = "uninterpreted"
    bias: bool = False
    gamma: Fraction | None = None             # Setting(gamma=…) for the concrete and all-depth provers
    deep_widths: tuple[int, ...] = DEEP
    unknown_ok: str = ""                      # why the concrete prover may honestly answer unknown
    fuzz: frozenset | None = None             # allowed fuzz statuses when not the default
    fuzz_why: str = ""
    fuzz_system: str = "arb"
    user_error_ok: str = ""                   # why refusing the rule (a user error) is right too
    shows_past: int = 0                       # the bug shows only at depths L > shows_past
    exact_with: tuple[str, ...] = ("poly", "identity")   # polynomial stand-ins for f in :mod:`.exact`

    @property
    def kind(self) -> str:
        return "correct" if self.every == HOLDS else "mutant"

    @property
    def id(self) -> str:
        tags = [self.theorem, self.activation] + (["bias"] if self.bias else []) \
            + ([f"gamma={self.gamma}"] if self.gamma is not None else [])
        return f"{self.name}[{','.join(tags)}]"

    def allowed(self, prover: str) -> frozenset:
        """The outcomes that are not a soundness bug, for ``prover`` in :data:`PROVERS`."""
        if prover in ("ragged", "deep"):
            truth = self.ragged if prover == "ragged" else self.deep
            base = {HOLDS: {"proved"}, FAILS: {"refuted"}, ILL: {USER_ERROR}}[truth]
            return frozenset(base | ({"unknown"} if self.unknown_ok and truth != ILL else set())
                             | self._refusal)
        if prover == "all-depths":
            base = {HOLDS: {"proved", "unknown"}, FAILS: {"refuted", "unknown"},
                    ILL: {"unknown", USER_ERROR}}[self.every]
            # ill-formed at some shapes but not all: naming the ill-typed shape is right too
            some_ill = ILL in (self.ragged, self.deep) and self.every != ILL
            return frozenset(base | ({USER_ERROR} if some_ill else set()) | self._refusal)
        if prover == "fuzz":
            if self.fuzz is not None:
                return self.fuzz
            base = {HOLDS: {"passed"}, FAILS: {"failed"}, ILL: {USER_ERROR}}[self.every]
            some_ill = ILL in (self.ragged, self.deep) and self.every != ILL
            return frozenset(base | ({USER_ERROR} if some_ill else set()) | self._refusal)
        raise ValueError(prover)

    @property
    def _refusal(self) -> set:
        return {USER_ERROR} if self.user_error_ok else set()


PROVERS = ("ragged", "deep", "all-depths", "fuzz")
E = Entry
_BRANCH = ("a value branch: the failure is at a degenerate point (an error entry exactly 0) "
           "that only a case split finds")
_DEGENERATE_FUZZ = frozenset({"failed", "passed"})
_DEGENERATE_FUZZ_WHY = "the failing points (an error entry exactly 0) have small probability among the draws"
_UNREACHABLE = frozenset({"passed"})
_FLOATS = "a float in rule code may be refused with a clear message (issue 9, item 4)"
_MISSING = "an update set without a key the theorem needs may be refused as malformed"

MUTANTS = [
    # -- signs -------------------------------------------------------------------------
    E("neg-update", M.NegatedUpdate, "Δθ^{l+1} = −α δ^l f(x̄^{l+1})ᵀ ≠ BP's wherever δ^l ≠ 0."),
    E("neg-drive", M.NegatedDrive,
      "ε^1_1 = −δ^1, so Δθ^2 = −α δ^1 f(x̄^2)ᵀ (needs L ≥ 2: ragged L = 3, deep L = 70)."),
    E("flipped-error-node", M.FlippedErrorNode, "ε^0_0 = μ^0_0 − s_out = −δ^0 at every depth.",
      theorem="thm-3.1"),
    # -- f, f' -------------------------------------------------------------------------
    E("f-for-df", M.FForDf, "x^1_1 = x̄^1 + f(x̄^1) ⊙ (θ^1)ᵀ δ^0, not x̄^1 + δ^1, for f ≠ f' (e.g. tanh)."),
    E("df-of-minus-x", M.DfOfMinusX, "f'(−x̄^l) ≠ f'(x̄^l) unless f' is even (softplus: σ(−x) ≠ σ(x))."),
    E("df-of-minus-x", M.DfOfMinusX, "softplus' = σ is not even: ε^1_1 = σ(−x̄^1) ⊙ (θ^1)ᵀ δ^0 ≠ δ^1.",
      activation="softplus"),
    E("df-of-minus-x", M.DfOfMinusX, "poly f' = 1 + x, f'(−x) = 1 − x: differs wherever x̄^1 ≠ 0.",
      activation="poly"),
    E("no-df", M.NoDf, "ε^1_1 = (θ^1)ᵀ δ^0 ≠ f'(x̄^1) ⊙ (θ^1)ᵀ δ^0 = δ^1 unless f' = 1.", theorem="thm-3.1"),
    E("df-at-unbiased-mu", M.DfAtUnbiasedPrediction,
      "with biases θ^{l+1} f(x̄^{l+1}) = x̄^l − b^l, and f'(x̄^l − b^l) ≠ f'(x̄^l) for generic f.", bias=True),
    E("f-twice", M.SquaredPresynaptic, "f(f(x̄^{l+1})) ≠ f(x̄^{l+1}) for generic f (equal only when f∘f = f)."),
    # -- transposes and shapes -----------------------------------------------------------
    E("dropped-transpose", M.DroppedTranspose,
      "θ^l ε^{l-1} is ill-typed unless n_{l-1} = n_l (ragged); at width 1 θ = θᵀ (holds); "
      "at square width 2 θ ε ≠ θᵀ ε (fails).",
      ragged=ILL, deep=HOLDS),
    E("hand-transpose", M.HandTranspose,
      "the hand-made transpose is right for square θ (width 1 holds) and ill-typed (an IndexError "
      "or a truncated matrix) for every non-square θ: wrong nowhere it is well-typed.",
      ragged=ILL, deep=HOLDS, every=ILL),
    E("width-ratio-rate", M.WidthRatioRate,
      "the rate is α n_l / n_{l+1}: 2/3 α for θ^1 at widths 2,3,… (fails); 1 on square layers (width 1 holds).",
      deep=HOLDS),
    E("eps-layer-above", M.ErrorOfLayerAbove,
      "ε^{l+1} f(x^{l+1})ᵀ is n_{l+1} × n_{l+1}, not n_l × n_{l+1} (ill-typed when ragged); at width 1 "
      "ε^{l+1}_l = 0 (wavefront) for l + 1 < L, so Δθ^{l+1} = 0 ≠ α δ^l f(x̄^{l+1})ᵀ.",
      ragged=ILL),
    E("wrong-layer-weights", M.WrongLayerWeights,
      "(θ^{l+1})ᵀ ε^{l-1} is ill-typed on ragged widths; at width 1 x^l_l = x̄^l + f'(x̄^l) θ^{l+1} δ^{l-1} "
      "≠ x̄^l + δ^l.",
      ragged=ILL),
    # -- time ------------------------------------------------------------------------------
    E("late-update", M.UpdateOneStepLate,
      "Δθ^1 at t = 1 reads ε^0_1 = s_out − θ^1 f(x̄^1 + δ^1) ≠ δ^0 when L ≥ 2 (holds only at L = 1)."),
    E("early-update", M.UpdateOneStepEarly,
      "θ^1 never learns (no t = −1): Δθ^1 = 0 ≠ α δ^0 f(x̄^1)ᵀ at every depth."),
    E("stale-eps", M.StaleError, "for l ≥ 1, ε^l_{l−1} = 0 (wavefront), so Δθ^{l+1} = 0 ≠ α δ^l f(x̄^{l+1})ᵀ."),
    E("eps-after-step", M.ErrorAfterStep,
      "ε^l_{t+1} needs θ^{l+1}_{t+1} = θ^{l+1}_t + Δθ^{l+1}_t, the update being defined: circular.",
      ragged=ILL, deep=ILL, every=ILL),
    E("presyn-after-step", M.PresynapticAfterStep,
      "x^{l+1}_{l+1} = x̄^{l+1} + δ^{l+1} for l + 1 < L: Δθ^{l+1} = α δ^l f(x̄^{l+1} + δ^{l+1})ᵀ (holds only at L = 1)."),
    E("update-before-inference", M.UpdateBeforeInference,
      "x^1_1 = x̄^1 + δ^1 + α f'(x̄^1) ⊙ f(x̄^1) ‖δ^0‖² (θ^1 already moved), so ε^1_1 ≠ δ^1 for L ≥ 2."),
    E("mu-new-weights", M.PredictionWithNewWeights,
      "μ^l_l needs θ^{l+1}_{l+1}, i.e. Δθ^{l+1}_l, which needs ε^l_l = x^l_l − μ^l_l: circular.",
      ragged=ILL, deep=ILL, every=ILL),
    E("il-20", M.IL20,
      "every layer learns at t = 20: at L = 3 the errors have moved on by then; at L = 70 layers l > 20 "
      "still have ε^l_20 = 0 (holds only at L = 1).",
      exact_with=("identity",)),   # poly over 20 inference steps doubles its degree 20 times
    E("steps-l-minus-1", M.ForgetsLastLayer, "θ^L would learn at t = L − 1, after the run: Δθ^L = 0."),
    # -- deep layers only, step caps ------------------------------------------------------------
    E("deep-doubled", M.DeepLayersDoubled, "layers l ≥ 5 learn 2α δ^l f(x̄^{l+1})ᵀ: fine at L = 3, not at L = 70.",
      ragged=HOLDS, shows_past=5),
    E("deep-bias-forgotten", M.DeepBiasForgotten, "Δb^l = 0 for l ≥ 5 (L = 3 has none such).",
      ragged=HOLDS, bias=True, shows_past=5),
    E("step-cap-66", M.StepCap66,
      "steps = min(L, 66): at L = 70 layers 66 … 69 never learn; every depth ≤ 66 is right.",
      ragged=HOLDS, shows_past=66, deep_widths=DEEP70, fuzz=_UNREACHABLE, fuzz_why="the fuzzer draws depth ≤ 6, where the rule is right"),
    E("steps-64", M.Steps64, "64 steps: idle extra steps at L = 3 (holds); layers 64 … 69 never learn at L = 70.",
      ragged=HOLDS, shows_past=64, deep_widths=DEEP70, fuzz=_UNREACHABLE, fuzz_why="the fuzzer draws depth ≤ 6, where the rule is right"),
    # -- tiny differences ---------------------------------------------------------------------------
    E("tiny-exact-2^-60", M.TinyExact, "every update is (1 + 2^-60) times BP's: a relative 8.7e-19, exactly."),
    E("tiny-exact-2^-200", M.TinierExact,
      "every update is (1 + 2^-200) times BP's (relative 6e-61): exact rationals (poly f) show it.",
      activation="poly",
      unknown_ok="the difference is below 50 significant digits; a prover that does not escalate cannot show it",
      fuzz_system="auto"),
    E("tiny-float-gate", M.TinyFloatGate,
      "the float 1e-30 is a nonzero binary number: the gate 1 + 1e-30 ≠ 1.", user_error_ok=_FLOATS),
    E("float-0.3+0.7", M.FloatSplit,
      "as exact binary values 0.3 + 0.7 = 1 − 2^-54 (Fraction(0.3) + Fraction(0.7)), so the rate is "
      "α(1 − 2^-54) ≠ α.", user_error_ok=_FLOATS),
    # -- biases ------------------------------------------------------------------------------------------
    E("forgotten-bias", M.ForgottenBias, "Δb^l = 0 ≠ α δ^l.", bias=True),
    E("bias-sign", M.BiasSign, "Δb^l = −α δ^l ≠ α δ^l.", bias=True),
    E("mu-without-bias", M.UnbiasedPrediction,
      "ε^0_0 = s_out − θ^1 f(x̄^1) = δ^0 + b^0, so Δθ^1 = α(δ^0 + b^0) f(x̄^1)ᵀ.", bias=True),
    E("start-without-bias", M.UnbiasedStart, "x^{L−1}_0 = θ^L f(s_in) = x̄^{L−1} − b^{L−1}: C1 broken, ε^{L−1}_0 = −b^{L−1} (L ≥ 2).", bias=True),
    E("perturbed-start", M.PerturbedStart,
      "x^l_0 = x̄^l + 1/1000 breaks C1: ε^0_0 = s_out − θ^1 f(x̄^1 + 1/1000) ≠ δ^0 (holds only at L = 1)."),
    # -- γ ----------------------------------------------------------------------------------------------
    E("gamma-ignored", M.GammaIgnored,
      "with γ ≠ 1 the rule's ε^l_l = δ^l, not the corollary's γ^l δ^l (L ≥ 2).", theorem="cor-gamma"),
    E("rescaled-wrong-way", M.RescaledWrongWay,
      "at γ = 1/2: ε^l_l = γ^l δ^l and the rate α γ^l give α γ^{2l} δ^l f(x̄^{l+1})ᵀ ≠ BP's for l ≥ 1.",
      gamma=Fraction(1, 2), fuzz=frozenset({"passed"}),
      fuzz_why="the fuzzer draws γ = 1 for thm-3.2 (C3 held), where the rule is Z-IL"),
    # -- updates() overrides ----------------------------------------------------------------------------
    E("doubled-updates", M.DoubledUpdates, "2 α δ^l f(x̄^{l+1})ᵀ."),
    E("weight-decay", M.WeightDecay, "α δ^l f(x̄^{l+1})ᵀ − θ^{l+1}/100 ≠ BP's for θ ≠ 0."),
    E("drops-theta1", M.DropsFirstWeight,
      "no update for θ^1 at all: read as 0 it fails.", user_error_ok=_MISSING),
    E("bp-without-bias-keys", M.OnlyWeights,
      "a non-PC rule with no bias updates: with biases they are missing (0 or malformed).",
      bias=True, user_error_ok=_MISSING),
    E("shifted-keys", M.ShiftedKeys,
      "Δθ^{L+1−k} filed under θ^k: wrong shapes at ragged widths, wrong values at width 1 (L = 70: "
      "Δθ^1 = α δ^69 f(s_in)ᵀ); right only at L = 1.",
      ragged=ILL),
    # -- value branches ----------------------------------------------------------------------------------
    E("skip-if-eps0-zero", M.SkipIfFirstErrorZero,
      "where δ^l_0 = 0 but another δ^l_i ≠ 0 (widths ≥ 2) the whole update is skipped; at width 1 a "
      "skipped update is 0 anyway (deep holds).",
      deep=HOLDS, unknown_ok=_BRANCH, fuzz=_DEGENERATE_FUZZ, fuzz_why=_DEGENERATE_FUZZ_WHY),
    E("fa-z-il(t_d=4)", M.FaZIL4,
      "θ^1 = 0 gives δ^1 = 0: layer 1 stays at 0 through t = 1, moves at t = 2 (θ^1 learned at t = 0) and "
      "its gate fires: Δθ^2 = α ε^1_2 f(x̄^2)ᵀ ≠ 0 = BP's (L ≥ 3).",
      bias=True, unknown_ok=_BRANCH),
    E("fa-z-il(t_d=4)", M.FaZILNoBias, "as with biases: θ^1 = 0 makes layer 1 fire at t = 2 (L ≥ 3).",
      unknown_ok=_BRANCH),   # the fuzzer draws θ^1 = 0 (width 1: 1 value in 41) often enough
    # -- circular, raising ------------------------------------------------------------------------------
    E("circular-step", M.CircularStep, "x^l_{t+1} defined from x^l_{t+1}.", ragged=ILL, deep=ILL, every=ILL),
    E("circular-eps", M.CircularError, "ε^l_t from x^l_{t+1}, which is computed from ε^l_t.",
      ragged=ILL, deep=ILL, every=ILL),
    E("raising-gate", M.RaisingGate, "the rule's gate raises ZeroDivisionError for every input.",
      ragged=ILL, deep=ILL, every=ILL),
]

_OK = dict(ragged=HOLDS, deep=HOLDS, every=HOLDS)

CORRECT = [
    E("z-il", ZIL, "the control: Theorem 3.2 itself.", deep_widths=DEEP70, **_OK),
    E("z-il", ZIL, "the control, with biases.", bias=True, **_OK),
    E("reordered-sums", C.ReorderedSums, "the same sums and products in another order.", bias=True, **_OK),
    E("split-rate", C.SplitRate, "α/2 ε fᵀ + α/2 ε fᵀ = α ε fᵀ (weights and biases).", bias=True, **_OK),
    E("ill-conditioned-zero", C.IllConditionedZero,
      "σ' − (σ − σ²) = 0 identically, so 10³⁰ times it adds nothing; numerically a cancellation.",
      activation="sigmoid",
      unknown_ok="the zero is an identity of exp that the symbolic system need not find; any numeric "
                 "difference is rounding, so no rigorous witness exists",
      fuzz=frozenset({"passed", "undecided"}),
      fuzz_why="balls of radius ~10³⁰·10^-digits around 0: equal after escalation, else undecided", **_OK),
    E("rescaled-z-il", C.RescaledZIL, "α/γ^l · γ^l δ^l = δ^l (the corollary) at γ = 1/2.",
      gamma=Fraction(1, 2), **_OK),
    E("rescaled-z-il", C.RescaledZIL, "the corollary at γ = 2, with biases.", gamma=Fraction(2), bias=True, **_OK),
    E("updates-via-trajectory", C.UpdatesViaTrajectory, "the updates Z-IL makes, read at t = l.", bias=True, **_OK),
    E("gamma-2/2", C.GammaTwoOverTwo, "Fraction(2, 2) == 1: Z-IL.", **_OK),
    E("flipped-leak", C.FlippedLeak,
      "the leak term multiplies ε^l_t, which is 0 for t < l: x^l_l and ε^l_l are Z-IL's.", bias=True, **_OK),
    E("flipped-leak", C.FlippedLeak, "ε^l_l = δ^l: the flipped leak acts only after t = l.", theorem="thm-3.1", **_OK),
    E("df-at-mu", C.DfAtPrediction,
      "the drive is nonzero first at t = l − 1, where ε^l = 0, i.e. μ^l = x^l = x̄^l.", bias=True, **_OK),
    E("presyn-before-step", C.PresynapticBeforeStep, "x^{l+1}_{l−1} = x^{l+1}_l = x̄^{l+1} (wavefront).", **_OK),
    E("skip-zero-update", C.SkipZeroUpdate, "skipping an update that is exactly 0 changes nothing.",
      unknown_ok="a value branch; a prover may decline to split it", **_OK),
    E("float-halves", C.FloatHalves, "0.5 is exact in binary: 0.5α + 0.5α = α.", user_error_ok=_FLOATS, **_OK),
    E("extra-idle-steps", C.ExtraIdleSteps, "no gate fires after t = L − 1.", deep_widths=DEEP70, **_OK),
    E("inline-error", C.InlineError, "x^l − θ^{l+1} f(x^{l+1}) − b^l is ε^l.", bias=True, **_OK),
    E("cancelling-signs", C.CancellingSigns, "(−α)(μ − x) = α(x − μ) = α ε.", **_OK),
    E("df-of-minus-x", M.DfOfMinusX, "tanh' = 1 − tanh² is even: f'(−x) = f'(x).", activation="tanh",
      **_OK),
    E("df-of-minus-x", M.DfOfMinusX, "σ'(x) = σ(x) σ(−x) is even: f'(−x) = f'(x).", activation="sigmoid",
      unknown_ok="σ'(−x) = σ'(x) is an identity of exp that the symbolic system need not find", **_OK),
    E("no-df", M.NoDf, "identity: f' = 1.", theorem="thm-3.1", activation="identity", **_OK),
    E("gamma-ignored", M.GammaIgnored, "at γ = 1 (thm-3.2) hard-coding γ = 1 is Z-IL.", **_OK),
    E("bp-without-bias-keys", M.OnlyWeights, "without biases BP has no bias keys either.", **_OK),
    E("forgotten-bias", M.ForgottenBias, "without biases there is no Δb to forget.", **_OK),
]

CATALOG = MUTANTS + CORRECT


def find(name_or_id: str) -> list[Entry]:
    """Entries whose name or id is ``name_or_id``."""
    return [e for e in CATALOG if name_or_id in (e.name, e.id)]
