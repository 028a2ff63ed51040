"""The credit-assignment zoo: rules researchers compare with backpropagation, each written
once against the op algebra, one module per rule (docs/zoo.md).  The registry that judges
them, :data:`pcproof.check.zoo.ZOO`, sits with the checks (it names their conditions).
"""
from __future__ import annotations

from .dfa import DFA
from .fa import FA
from .hyper import FeedbackHyper, Hyper, HyperRule

__all__ = ["FA", "DFA", "Hyper", "HyperRule", "FeedbackHyper"]
