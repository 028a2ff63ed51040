"""Stage 2: learning rules, written once against the op algebra.

The names load on first use (PEP 562): stating a theorem must not pay for numpy
(:mod:`.fazil`) when no rule that needs it runs."""
from ..lazy import exports

__all__ = ["Rule", "RuleError", "rule_updates", "Updates", "update_latex", "ANN", "BP", "IL", "PCN", "PCRule", "ZIL", "FaZIL", "equations"]
_HOME = dict.fromkeys(["Rule", "RuleError", "Updates", "rule_updates", "update_latex"], ".base")
_HOME.update(dict.fromkeys(["ANN", "BP"], ".bp"))
_HOME.update(dict.fromkeys(["IL", "PCN", "PCRule", "ZIL"], ".pc"))
_HOME.update(FaZIL=".fazil")


_HOME["equations"] = ".equations"   # the submodule itself
__getattr__, __dir__ = exports(__name__, _HOME, __all__)
