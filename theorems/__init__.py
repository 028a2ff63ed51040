"""The paper's results, stated with pcproof's own API (installed as ``pcproof.theorems``)."""
from . import song2020  # noqa: F401
from . import salvatori2022  # noqa: F401
