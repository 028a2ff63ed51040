"""How a theorem is stated: name, hypotheses (C1–C3), claim.  The CLI, the tests
and the reports all read these declarations (DESIGN.md, "theorems read like the
paper"), so a theorem — built-in or a user's — is added in one place.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable

from fractions import Fraction

from . import conditions as _conditions
from .notebook import NotebookDisplay
from .conditions import C1, C2, C3, CONDITIONS, Condition  # noqa: F401 (the public names of the hypotheses)
from .rules import ANN, BP, PCRule, Rule, ZIL, rule_updates


def __getattr__(name):
    """``alpha`` and ``gamma``: the sympy symbols that stand for the learning rate and (when
    left free) the inference step, made on first use so stating a theorem needs no sympy."""
    if name in ("alpha", "gamma"):
        if name in globals():
            return globals()[name]
        import sympy as sp
        globals()[name] = value = sp.Symbol(name, positive=True)
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Equation:
    """One claimed equality between two vectors or matrices, labelled in LaTeX."""

    label: str
    lhs: Any
    rhs: Any


@dataclass(frozen=True)
class Setting:
    """What a run asks for beyond the network: which PC rule, and which conditions to break.

    ``gamma`` None means the theorem's own choice (1, or the free symbol γ)."""

    gamma: Any = None
    update_offset: int = 0
    init_noise: bool = False
    rule: Callable[..., PCRule] = ZIL
    shared_updates: str = "immediate"   # graphs: when a shared parameter's updates apply

    def rule_name(self) -> str:
        return getattr(self.rule, "name", getattr(self.rule, "__name__", "rule"))

    def matrices(self, arch) -> dict:
        """The extra matrices the rule reads from the point (:meth:`pcproof.rules.Rule.matrices`)."""
        from .rules.base import rule_matrices
        return rule_matrices(self.rule, arch)

    def make_rule(self, gamma_value):
        """The rule this setting asks for, with the PC knobs (γ, C1 noise, C2 offset) given to
        a PC rule; a rule that is not a PC rule has no such knobs, so a setting that turns
        one of them is refused for it.  A rule *instance* is used as it is."""
        rule = self.rule
        if isinstance(rule, Rule):
            return rule
        if isinstance(rule, type) and issubclass(rule, Rule) and not issubclass(rule, PCRule):
            if self.init_noise or self.update_offset or self.gamma not in (None, 1):
                raise TheoremError(f"rule {self.rule_name()!r} is not a PC rule: it has no inference step γ, "
                                   "initial noise or update step to change")
            return rule()
        return rule(gamma=gamma_value, init_noise=self.init_noise, update_offset=self.update_offset)


class Instance:
    """A theorem's world: one network at one point in one number system, with BP and
    the PC rule configured by the setting.  Everything is computed on first use."""

    def __init__(self, arch, ops, params, setting: Setting, gamma_value, alpha_value):
        self.arch, self.ops, self.params, self.setting = arch, ops, params, setting
        self.L = arch.L
        self.gamma, self.alpha = gamma_value, alpha_value
        self.rule = setting.make_rule(gamma_value)

    @cached_property
    def ann(self) -> ANN:
        return ANN(self.arch, self.params, self.ops)

    @cached_property
    def pcn(self):
        if not hasattr(self.rule, "trajectory"):
            raise TheoremError(f"rule {self.setting.rule_name()!r} has no error nodes (it is not a PC rule)")
        self.ann  # name the feed-forward values first, so displays use x̄ and δ
        return self.rule.trajectory(self.arch, self.params, self.ops, self.alpha)

    @cached_property
    def bp_updates(self):
        return BP.updates_of(self.ann, self.alpha)

    @cached_property
    def rule_updates(self):
        """The rule's updates, through the one door (its own ``updates``, overrides included)."""
        run = self.pcn if isinstance(self.rule, PCRule) else None
        return rule_updates(self.rule, self.arch, self.params, self.ops, self.alpha, run)

    def power(self, base, k):
        """base^k in this number system (γ^l in the corollary)."""
        out = self.ops.number(1)
        for _ in range(k):
            out = out * base
        return out


class GraphInstance:
    """A graph theorem's world: one graph at one point in one number system, with BP (reverse
    mode) and the PC rule configured by the setting."""

    def __init__(self, graph, ops, point, setting: "Setting", gamma_value, alpha_value):
        from .rules.graph import GraphPCRule, GraphZIL
        self.graph, self.ops, self.point, self.setting = graph, ops, point, setting
        self.gamma, self.alpha = gamma_value, alpha_value
        rule = setting.rule if setting.rule is not ZIL else GraphZIL   # Z-IL, on the graph
        layered = rule if isinstance(rule, type) else type(rule)
        if issubclass(layered, PCRule):   # its hooks speak of layers l, not vertices v
            from .rules import RuleError
            raise RuleError(f"rule {layered.__name__!r} is a layered PC rule (pcproof.rules.PCRule): a graph "
                            "theorem needs a graph rule (subclass pcproof.rules.graph.GraphPCRule)")
        self.rule = (rule if not isinstance(rule, type) or not issubclass(rule, GraphPCRule) else
                     rule(gamma=gamma_value, init_noise=setting.init_noise, update_offset=setting.update_offset,
                          shared_updates=setting.shared_updates))

    @cached_property
    def ann(self):
        from .rules.graph import GraphANN
        return GraphANN(self.graph, self.point, self.ops)

    @cached_property
    def pcn(self):
        if not hasattr(self.rule, "trajectory"):
            raise TheoremError(f"rule {self.setting.rule_name()!r} has no error nodes (it is not a PC rule)")
        self.ann
        return self.rule.trajectory(self.graph, self.point, self.ops, self.alpha)

    @cached_property
    def bp_updates(self):
        return self.ann.updates(self.alpha)

    @cached_property
    def rule_updates(self):
        run = self.pcn if hasattr(self.rule, "trajectory") else None
        return rule_updates(self.rule, self.graph, self.point, self.ops, self.alpha, run)


class TheoremError(ValueError):
    """A theorem that cannot be stated for this input (a user error: exit code 2)."""


@dataclass(frozen=True)
class Theorem(NotebookDisplay):   # shown as mathematics in Jupyter (pcproof.notebook)
    """A statement to prove.  ``claim`` lists the equations that make it up."""

    name: str
    title: str
    source: str
    hypotheses: tuple[Condition, ...]
    statement: str                      # LaTeX, in the paper's notation
    claim: Callable[[Instance], list[Equation]]
    free_gamma: bool = False            # True: γ is a free symbol unless the user fixes it
    graph: bool = False                 # True: stated on a computational graph (GraphInstance)
    aliases: tuple[str, ...] = field(default=())

    def conditions_held(self, setting: Setting, gamma_value) -> dict[str, bool]:
        """Which of C1–C3 a run with this setting satisfies (each condition says how a run breaks it)."""
        return _conditions.held(setting, gamma_value)

    def resolve_gamma(self, setting: Setting):
        """γ of a run: the user's, else the free symbol γ (a theorem with ``free_gamma``) or 1 (C3).
        The one place γ is resolved (concrete, graph and all-depth provers alike)."""
        if setting.gamma is not None:
            return setting.gamma
        return __getattr__("gamma") if self.free_gamma else Fraction(1)


REGISTRY: dict[str, Theorem] = {}


def register(thm: Theorem) -> Theorem:
    for key in (thm.name, *thm.aliases):
        REGISTRY[key] = thm
    return thm


def _load_library() -> None:
    """Import the paper's theorems (they register themselves).

    Installed, the top-level folder theorems/ is the subpackage pcproof.theorems
    (pyproject maps it).  Imported from a source checkout instead (the repo root on
    sys.path, as with ``python -m pytest``), that mapping is absent, so load the
    folder under the same name."""
    try:
        from . import theorems  # noqa: F401
    except ImportError:
        import importlib.util
        import sys
        from pathlib import Path
        init = Path(__file__).resolve().parent.parent / "theorems" / "__init__.py"
        if not init.is_file():
            raise
        spec = importlib.util.spec_from_file_location(f"{__package__}.theorems", init,
                                                      submodule_search_locations=[str(init.parent)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)


def get(name: str) -> Theorem:
    _load_library()
    if name not in REGISTRY:
        names = sorted({t.name for t in REGISTRY.values()})
        raise TheoremError(f"unknown theorem {name!r} (known: {', '.join(names)})")
    return REGISTRY[name]


def all_theorems() -> list[Theorem]:
    _load_library()
    seen, out = set(), []
    for t in REGISTRY.values():
        if t.name not in seen:
            seen.add(t.name)
            out.append(t)
    return out
