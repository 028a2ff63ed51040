"""Stage 2: learning rules, written once against the op algebra."""
from .base import Rule, RuleError, Updates, rule_updates, update_latex
from .bp import ANN, BP
from .pc import IL, PCN, PCRule, ZIL
from .fazil import FaZIL
from . import equations

__all__ = ["Rule", "RuleError", "rule_updates", "Updates", "update_latex", "ANN", "BP", "IL", "PCN", "PCRule", "ZIL", "FaZIL", "equations"]
