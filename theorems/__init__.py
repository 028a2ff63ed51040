"""The paper's results, stated with pcproof's own API (installed as ``pcproof.theorems``)."""
from . import song2020  # noqa: F401
