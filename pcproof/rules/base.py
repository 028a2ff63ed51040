"""What a learning rule is: a map from (network, training pair) to weight updates."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

#: An update set: ("theta", l+1) → Δθ^{l+1} and ("b", l) → Δb^l.
Updates = dict[tuple[str, int], Any]


def update_latex(key) -> str:
    kind, i = key
    return rf"\Delta\theta^{{{i}}}" if kind == "theta" else rf"\Delta b^{{{i}}}"


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
