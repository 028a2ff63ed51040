"""Named hypotheses a zoo rule may be exact under (beside the paper's C1–C3, which live in
pcproof.conditions), and the small parameters it may be exact to order k in (docs/zoo.md).
One object per condition: its name, LaTeX, a sentence, and how it is imposed — as a
substitution on the point (every number system: the same lines run on sympy atoms,
rationals and balls) or by fixing the activation.

A compound condition (:func:`both`) is exact only if each part is needed: the judge
refutes the claim with each part left out (pcproof.kernel.judge_under).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from ..model import Architecture, get_activation
from ..model.network import Params
from ..rules.zoo.gaitprop import gauss_jordan   # the one elimination ([I + A | I − A] here, [θ | I] there)


@dataclass(frozen=True)
class Hypothesis:
    """A condition: ``substitute(arch, params, ops)`` → params with it imposed (None: nothing
    to substitute); ``activation``: the activation it fixes (None: f stays as given);
    ``applies(arch, rule)`` → None, or why the condition makes no sense there."""

    name: str
    text: str
    latex: str
    substitute: Callable | None = None
    activation: str | None = None
    applies: Callable | None = None
    parts: tuple = ()

    def arch(self, arch: Architecture) -> Architecture:
        acts = [p.activation for p in (self.parts or (self,)) if p.activation]
        return Architecture(arch.widths, get_activation(acts[-1]), arch.bias) if acts else arch

    def impose(self, arch, params: Params, ops) -> Params:
        for p in self.parts or (self,):
            if p.substitute is not None:
                params = p.substitute(arch, params, ops)
        return params

    def why_not(self, arch, rule) -> str | None:
        for p in self.parts or (self,):
            if p.applies is not None:
                why = p.applies(arch, rule)
                if why:
                    return why
        return None

    def info(self) -> dict:
        return {"name": self.name, "text": self.text, "latex": self.latex,
                "parts": [p.name for p in self.parts] or [self.name]}


def both(a: Hypothesis, b: Hypothesis) -> Hypothesis:
    """a and b together (each part must be needed for the exact verdict)."""
    parts = (a.parts or (a,)) + (b.parts or (b,))
    return Hypothesis(f"{a.name} & {b.name}", f"{a.text} and {b.text}", rf"{a.latex},\ {b.latex}", parts=parts)


def without(h: Hypothesis, part: Hypothesis) -> Hypothesis | None:
    """h with ``part`` left out (None: nothing left)."""
    rest = tuple(p for p in h.parts if p is not part)
    if not rest:
        return None
    out = rest[0]
    for p in rest[1:]:
        out = both(out, p)
    return out


# -- matrix helpers on any number system (columns through ops.matvec, the one product) --
def transpose(M):
    return tuple(zip(*M)) if M else M


def matmul(ops, A, B):
    """A B, column by column with the number system's own matvec."""
    cols = [ops.matvec(A, col) for col in transpose(B)]
    return transpose(tuple(tuple(c) for c in cols))


def _with_matrix(params: Params, name: str, mats: dict) -> Params:
    return replace(params, matrices={**params.matrices, name: mats})


def _needs_B(shape_of: Callable):
    def check(arch, rule):
        from ..rules.base import rule_matrices
        shapes = rule_matrices(rule, arch).get("B")
        if shapes is None:
            return "the rule has no feedback matrices B"
        want = {l: shape_of(l) for l in shapes}
        if shapes != want:
            return "the rule's B^l do not have the shape this condition gives them"
        return None
    return check


def _feedback_transpose(arch, params, ops):
    return _with_matrix(params, "B", {l: transpose(params.theta[l]) for l in params.matrices["B"]})


def _chain(params, ops, l):
    """θ^1 θ^2 ⋯ θ^l (maps layer l to the output)."""
    M = params.theta[1]
    for k in range(2, l + 1):
        M = matmul(ops, M, params.theta[k])
    return M


def _feedback_chain(arch, params, ops):
    return _with_matrix(params, "B", {l: transpose(_chain(params, ops, l)) for l in params.matrices["B"]})


def _zero_output_error(arch, params, ops):
    from ..rules.bp import ANN
    return replace(params, s_out=tuple(ANN(arch, params, ops).x_bar(0)))


def _square(arch, rule):
    return None if len(set(arch.widths)) == 1 else "θ orthogonal needs square layers (equal widths)"


def cayley(ops, theta):
    """An orthogonal matrix from the entries of θ above its diagonal: A skew-symmetric with
    those entries, Q = (I + A)⁻¹(I − A) (Cayley).  I + A has positive leading minors for a
    skew A, so elimination without pivoting never divides by zero: no branch on values."""
    n = len(theta)
    zero, one = ops.number(0), ops.number(1)
    A = [[theta[i][j] if i < j else (zero - theta[j][i] if i > j else zero) for j in range(n)] for i in range(n)]
    M = [[(one if i == j else zero) + A[i][j] for j in range(n)] for i in range(n)]       # I + A
    R = [[(one if i == j else zero) - A[i][j] for j in range(n)] for i in range(n)]       # I − A
    return gauss_jordan(M, R)                # no pivoting needed (above)


def _orthogonal(arch, params, ops):
    return replace(params, theta={k: cayley(ops, W) for k, W in params.theta.items()})


def _columns_fit(arch, rule):
    w = arch.widths
    if any(w[l - 1] < w[l] for l in range(1, arch.L)):
        return "θᵀθ = I needs every inverted θ^l (l < L) at least as tall as wide: n_{l−1} ≥ n_l"
    if all(w[l - 1] == w[l] for l in range(1, arch.L)):
        return "square layers: that is θ orthogonal"
    return None


def _orthonormal_columns(arch, params, ops):
    """θ^l (l < L, the layers GAIT-prop inverts) with orthonormal columns: the first n_l columns
    of the Cayley matrix of the skew-symmetric A^l (n_{l−1} × n_{l−1}) whose upper triangle is θ^l's
    entries, row by row (n_{l−1}(n_{l−1} − 1)/2 ≤ n_{l−1} n_l of them: enough for n_l ≥ (n_{l−1} − 1)/2)."""
    theta = dict(params.theta)
    zero = ops.number(0)
    for l in range(1, arch.L):
        W = params.theta[l]
        n, m = len(W), len(W[0])
        flat = [c for row in W for c in row]
        need = n * (n - 1) // 2
        if need > len(flat):
            raise ValueError(f"θ^{l} is {n}×{m}: too few entries to parametrise an orthonormal frame")
        it = iter(flat[:need])
        S = [[zero] * n for _ in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                S[i][j] = next(it)
        Q = cayley(ops, tuple(tuple(r) for r in S))
        theta[l] = tuple(tuple(Q[i][j] for j in range(m)) for i in range(n))
    return replace(params, theta=theta)


FEEDBACK_TRANSPOSE = Hypothesis(
    "B=theta^T", "B = θᵀ", r"B^{l} = (\theta^{l})^{\top}", substitute=_feedback_transpose,
    applies=_needs_B(lambda l: (l, l - 1)))
FEEDBACK_CHAIN = Hypothesis(
    "B=(theta^1...theta^l)^T", "B^l = (θ^1⋯θ^l)ᵀ", r"B^{l} = (\theta^{1} \cdots \theta^{l})^{\top}",
    substitute=_feedback_chain, applies=_needs_B(lambda l: (l, 0)))
LINEAR = Hypothesis("f linear", "f linear (f(x) = x)", r"f(x) = x", activation="identity")
ZERO_OUTPUT_ERROR = Hypothesis("delta^0=0", "output error zero (s_out = x̄^0)", r"\delta^{0} = 0",
                               substitute=_zero_output_error)
ORTHOGONAL = Hypothesis("theta orthogonal", "θ orthogonal, square layers (Cayley)",
                        r"\theta^{l} = (I + A^{l})^{-1}(I - A^{l}),\ A^{l} = -(A^{l})^{\top}",
                        substitute=_orthogonal, applies=_square)

ORTHONORMAL_COLUMNS = Hypothesis(
    "theta^T theta = I", "(θ^l)ᵀθ^l = I for l < L (orthonormal columns, n_{l−1} ≥ n_l; Cayley)",
    r"(\theta^{l})^{\top}\theta^{l} = I,\ l < L", substitute=_orthonormal_columns, applies=_columns_fit)

HYPOTHESES = {h.name: h for h in (FEEDBACK_TRANSPOSE, FEEDBACK_CHAIN, LINEAR, ZERO_OUTPUT_ERROR, ORTHOGONAL)}


@dataclass(frozen=True)
class SmallParameter:
    """A small parameter ε entering the point: ``perturb(arch, params, ops, eps)`` → params;
    at ε = 0 it is ``base`` (its activation is fixed by ``base`` too)."""

    name: str
    text: str
    latex: str
    perturb: Callable
    base: Hypothesis | None = None

    def info(self) -> dict:
        return {"parameter": self.name, "text": self.text, "latex": self.latex,
                "base": None if self.base is None else self.base.name}


def _feedback_error(target):
    """B := target + ε E, E the point's own (arbitrary) B."""
    def perturb(arch, params, ops, eps):
        at = target(arch, params, ops).matrices["B"]
        E = params.matrices["B"]
        mats = {l: tuple(tuple(a + eps * e for a, e in zip(ra, re)) for ra, re in zip(at[l], E[l])) for l in E}
        return _with_matrix(params, "B", mats)
    return perturb


FEEDBACK_ERROR = SmallParameter("epsilon", "ε in B = θᵀ + εE (E arbitrary)",
                                r"B^{l} = (\theta^{l})^{\top} + \varepsilon E^{l}",
                                _feedback_error(_feedback_transpose), FEEDBACK_TRANSPOSE)
CHAIN_ERROR = SmallParameter("epsilon", "ε in B^l = (θ^1⋯θ^l)ᵀ + εE with f linear",
                             r"B^{l} = (\theta^{1}\cdots\theta^{l})^{\top} + \varepsilon E^{l}",
                             _feedback_error(_feedback_chain), both(FEEDBACK_CHAIN, LINEAR))


@dataclass(frozen=True)
class Knob:
    """A small parameter that is one of the rule's *own* hyper-parameters (pcproof.kernel.
    decide_series_order): the knob ``knob`` is set to ``at(ε)`` (a sympy polynomial in ε: γ = ε
    for a nudge γ → 0, η = 1 − ε for a rate η → 1) and the rule's code runs in Taylor series
    in ε (pcproof.numbers.taylor).  ``base``: a condition imposed on the point; ``widths``: the
    widths judged at (default the entry's); ``build``: the rule judged, from the row's rule
    (default: the row's rule itself, e.g. AR with fewer sweeps) and ``variant`` says how in a
    few words; ``symbol``: how ε is named in the statement (γ, 1 − η); ``max_order``: the
    highest coefficient looked at."""

    knob: str
    text: str
    latex: str
    symbol: str
    at: Callable = None              # default: the knob is ε itself
    base: Hypothesis | None = None
    widths: tuple | None = None
    build: Callable | None = None
    max_order: int = 3
    variant: str = ""                # what ``build`` changed, in a few words ("T = 2")

    def value(self, eps):
        """The knob's value as a polynomial in ε."""
        return eps if self.at is None else self.at(eps)

    def info(self) -> dict:
        return {"parameter": self.knob, "text": self.text, "latex": self.latex, "symbol": self.symbol,
                "base": None if self.base is None else self.base.name, "knob": True,
                "variant": self.build is not None, "variant_text": self.variant}


def with_knob(rule, knob: str, value):
    """A copy of ``rule`` with its hyper-parameter ``knob`` set to ``value`` (a rule with typed
    knobs, pcproof.rules.zoo.hyper: rebuilt from them; otherwise an attribute of that name).
    The row's name, if the instance carries its own, is kept."""
    import copy
    from dataclasses import fields, is_dataclass
    hyper = getattr(rule, "hyper", None)
    if is_dataclass(hyper) and knob in {f.name for f in fields(hyper)}:
        out = type(rule)(replace(hyper, **{knob: value}))
        if "name" in vars(rule):
            out.name = rule.name
        return out
    if hasattr(rule, knob):
        out = copy.copy(rule)
        setattr(out, knob, value)
        return out
    raise ValueError(f"the rule has no knob {knob!r}")
