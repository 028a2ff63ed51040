"""pcproof: prove when a predictive-coding learning rule reproduces backpropagation.

The pipeline (DESIGN.md): model → rule → number system → check → verdict → report,
as the subpackages ``model``, ``rules``, ``numbers``, ``check``, ``kernel`` and ``report``.
"""
from .lazy import exports

__version__ = "0.1.0"
__all__ = ["Architecture", "Params", "get_activation", "ANN", "BP", "IL", "PCN", "PCRule", "Rule", "ZIL",
           "C1", "C2", "C3", "Equation", "Instance", "Setting", "Theorem", "register"]
# The public names load on first use (PEP 562): `pcproof --help` must not pay for sympy.
_HOME = dict.fromkeys(["Architecture", "Params", "get_activation"], ".model")
_HOME.update(dict.fromkeys(["ANN", "BP", "IL", "PCN", "PCRule", "Rule", "ZIL"], ".rules"))
_HOME.update(dict.fromkeys(["C1", "C2", "C3", "Equation", "Instance", "Setting", "Theorem", "register"], ".theorem"))


__getattr__, __dir__ = exports(__name__, _HOME, __all__)
