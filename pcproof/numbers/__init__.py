"""Stage 3: number systems.  Each implements the algebra of :mod:`pcproof.numbers.ops`.

The systems load on first use (PEP 562): a command that needs only z3 terms or the
comparator does not pay for symengine, mpmath, numpy or python-flint."""
from ..lazy import exports

__all__ = ["Ops", "ListOps", "ShapeError", "SymbolicOps", "RationalOps", "NotExact", "MpmathOps", "NumpyOps", "ArbOps", "TaylorOps"]
_HOME = dict.fromkeys(["Ops", "ListOps", "ShapeError"], ".ops")
_HOME.update(SymbolicOps=".symbolic", RationalOps=".exact", NotExact=".exact", MpmathOps=".mp",
             NumpyOps=".floats", ArbOps=".arb", TaylorOps=".taylor")


__getattr__, __dir__ = exports(__name__, _HOME, __all__)
