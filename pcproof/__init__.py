"""pcproof: prove when a predictive-coding learning rule reproduces backpropagation.

The pipeline (DESIGN.md): model → rule → number system → check → verdict → report,
as the subpackages ``model``, ``rules``, ``numbers``, ``check``, ``kernel`` and ``report``.
"""
from .model import Architecture, Params, get_activation
from .rules import ANN, BP, IL, PCN, PCRule, Rule, ZIL
from .theorem import C1, C2, C3, Equation, Instance, Setting, Theorem, register

__version__ = "0.1.0"
__all__ = ["Architecture", "Params", "get_activation", "ANN", "BP", "IL", "PCN", "PCRule", "Rule", "ZIL",
           "C1", "C2", "C3", "Equation", "Instance", "Setting", "Theorem", "register"]
