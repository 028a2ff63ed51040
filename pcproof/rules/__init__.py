"""Stage 2: learning rules, written once against the op algebra.

The names load on first use (PEP 562): stating a theorem must not pay for numpy
(:mod:`.fazil`) when no rule that needs it runs."""
import importlib

__all__ = ["Rule", "RuleError", "rule_updates", "Updates", "update_latex", "ANN", "BP", "IL", "PCN", "PCRule", "ZIL", "FaZIL", "equations"]
_HOME = dict.fromkeys(["Rule", "RuleError", "Updates", "rule_updates", "update_latex"], ".base")
_HOME.update(dict.fromkeys(["ANN", "BP"], ".bp"))
_HOME.update(dict.fromkeys(["IL", "PCN", "PCRule", "ZIL"], ".pc"))
_HOME.update(FaZIL=".fazil")


def __getattr__(name):
    if name == "equations":
        return importlib.import_module(".equations", __name__)
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name], __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + __all__)
