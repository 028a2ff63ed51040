"""What a learning rule is: a map from (network, training pair) to weight updates."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

#: An update set: ("theta", l+1) → Δθ^{l+1} and ("b", l) → Δb^l.
Updates = dict[tuple[str, int], Any]


def update_latex(key) -> str:
    kind, i = key
    return rf"\Delta\theta^{{{i}}}" if kind == "theta" else rf"\Delta b^{{{i}}}"


class RuleError(ValueError):
    """A rule that cannot be run as written: it is circular, reads a state before the run
    starts, or returns updates of the wrong parameters or shapes (a user error: exit code 2)."""


class Rule(ABC):
    """A learning rule.  Subclass it (in your own file if you like) and pcproof can
    prove, fuzz and train with it exactly as with the built-in ones."""

    #: short name used on the command line and in reports
    name = "rule"

    @abstractmethod
    def updates(self, arch, params, ops, alpha) -> Updates:
        """The weight (and bias) updates this rule makes for one training pair."""

    def describe(self) -> str:
        return self.name


def rule_updates(rule: Rule, arch, params, ops, alpha, run=None) -> Updates:
    """The one door to a rule's updates: every prover, the fuzzer, the strategies, the
    trainer and the reports obtain them here.

    It runs the rule's own :meth:`Rule.updates` (a user's override included) and checks
    what came back: every key is a parameter of the network, ``("theta", l+1)`` of shape
    n_l × n_{l+1} and ``("b", l)`` of width n_l.  A parameter the rule leaves out did not
    learn: its update is zero (so a forgotten bias update is a wrong update, not a crash).

    ``run``: the trajectory ``rule.trajectory(arch, params, ops, alpha)`` if the caller has
    already built it (a theorem reading both error nodes and updates); it is used only
    when the rule keeps PCRule's own ``updates`` (which is ``trajectory(…).total_updates()``),
    so an override of ``updates`` always runs."""
    from .pc import PCRule
    if run is not None and type(rule).updates is PCRule.updates:
        out = run.total_updates()
    else:
        out = rule.updates(arch, params, ops, alpha)
    if not isinstance(out, dict):
        raise RuleError(f"rule {_rule_name(rule)!r}: updates() returned {type(out).__name__}, "
                        "not a dict of parameter → update")
    L, n = arch.L, arch.widths
    expected = {("theta", l + 1): (n[l], n[l + 1]) for l in range(L)}
    if params.b is not None:
        expected.update({("b", l): (n[l],) for l in range(L)})
    for key in out:
        if key not in expected:
            raise RuleError(f"rule {_rule_name(rule)!r} returned an update for {key!r}, which is not a "
                            f"parameter of this network (expected keys like ('theta', 1) and ('b', 0))")
    full = {}
    for key, shape in expected.items():
        if key not in out:
            zero = ops.number(0)
            full[key] = (ops.mat_scale(zero, params.theta[key[1]]) if key[0] == "theta"
                         else ops.scale(zero, params.b[key[1]]))
            continue
        got = _shape(out[key], len(shape))
        if got != shape:
            raise RuleError(f"rule {_rule_name(rule)!r}: the update {update_text(key)} has shape {got}, "
                            f"the parameter has shape {shape}")
        full[key] = out[key]
    return full


def update_text(key) -> str:
    kind, i = key
    return f"Δθ^{i}" if kind == "theta" else f"Δb^{i}"


def _rule_name(rule) -> str:
    return getattr(rule, "name", type(rule).__name__)


def _shape(v, rank: int):
    """The trailing ``rank`` axes of a vector or matrix (numpy: its last axes, after a batch)."""
    shape = getattr(v, "shape", None)
    if shape is not None:
        return tuple(shape[-rank:])
    try:
        if rank == 1:
            return (len(v),)
        widths = {len(row) for row in v}
        return (len(v), widths.pop() if len(widths) == 1 else tuple(sorted(widths)))
    except TypeError:
        return (type(v).__name__,)
