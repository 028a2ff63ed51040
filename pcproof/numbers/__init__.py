"""Stage 3: number systems.  Each implements the algebra of :mod:`pcproof.numbers.ops`.

The systems load on first use (PEP 562): a command that needs only z3 terms or the
comparator does not pay for symengine, mpmath, numpy or python-flint."""
import importlib

__all__ = ["Ops", "ListOps", "ShapeError", "SymbolicOps", "RationalOps", "NotExact", "MpmathOps", "NumpyOps", "ArbOps"]
_HOME = dict.fromkeys(["Ops", "ListOps", "ShapeError"], ".ops")
_HOME.update(SymbolicOps=".symbolic", RationalOps=".exact", NotExact=".exact", MpmathOps=".mp",
             NumpyOps=".floats", ArbOps=".arb")


def __getattr__(name):
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name], __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + __all__)
