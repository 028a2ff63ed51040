"""Stage 3: number systems.  Each implements the algebra of :mod:`pcproof.numbers.ops`."""
from .ops import Ops, ListOps, ShapeError
from .symbolic import SymbolicOps
from .exact import RationalOps, NotExact
from .mp import MpmathOps
from .floats import NumpyOps

__all__ = ["Ops", "ListOps", "ShapeError", "SymbolicOps", "RationalOps", "NotExact", "MpmathOps", "NumpyOps", "ArbOps"]


def __getattr__(name):  # python-flint is imported only when balls are asked for
    if name == "ArbOps":
        from .arb import ArbOps
        return ArbOps
    raise AttributeError(name)
