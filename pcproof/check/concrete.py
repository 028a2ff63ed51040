"""The concrete-depth prover: a theorem at one depth and one set of widths, with f
uninterpreted or concrete.  It states the claim in the symbolic system and asks the
kernel; for a refutation it hands the kernel the same claim evaluated in mpmath at
a random rational point (the same rule code, another number system)."""
from __future__ import annotations

import random
from fractions import Fraction

import sympy as sp

from .. import kernel
from ..model import Architecture, random_params, symbolic_params
from ..numbers import MpmathOps, SymbolicOps
from ..theorem import Instance, Setting, Theorem, alpha as ALPHA, gamma as GAMMA


def gamma_for(theorem: Theorem, setting: Setting):
    """γ of this run: the user's, else the free symbol γ (corollary) or 1 (C3)."""
    if setting.gamma is not None:
        return setting.gamma
    return GAMMA if theorem.free_gamma else Fraction(1)


def meta_for(theorem: Theorem, arch: Architecture, setting: Setting) -> dict:
    g = gamma_for(theorem, setting)
    return dict(theorem=theorem.name, depth=arch.L, widths=list(arch.widths),
                activation=arch.activation.name, bias=arch.bias, gamma=str(g),
                rule=setting.rule_name(), hypotheses=[c.name for c in theorem.hypotheses],
                conditions=theorem.conditions_held(setting, g))


def _extra(setting: Setting):
    return ("eta",) if setting.init_noise else ()


def symbolic_instance(theorem: Theorem, arch: Architecture, setting: Setting) -> Instance:
    ops = SymbolicOps(arch.activation)
    params = symbolic_params(arch, _extra(setting))
    return Instance(arch, ops, params, setting, ops.number(gamma_for(theorem, setting)), ALPHA)


def numeric_instance(theorem: Theorem, arch: Architecture, setting: Setting, seed: int, digits: int = 50):
    """The claim's world at a random rational point; returns (point as text, instance)."""
    rng = random.Random(seed)
    ops = MpmathOps(arch.activation, digits)
    exact = random_params(arch, rng, _extra(setting))
    g = gamma_for(theorem, setting)
    if isinstance(g, sp.Basic) and not g.is_Number:
        g = rng.choice([Fraction(1, 2), Fraction(3, 4), Fraction(3, 2)])
    a = Fraction(1, 10)
    point = {name: str(v) for name, v in exact.scalars().items()}
    point.update(gamma=str(g), alpha=str(a))
    if arch.activation.uninterpreted:
        point["f"] = arch.activation.numeric_instance
    inst = Instance(arch, ops, exact.map(ops.number), setting, ops.number(g), ops.number(a))
    return point, inst


def prove(theorem: Theorem, arch: Architecture, setting: Setting = Setting(),
          timeout: float | None = None, digits: int = 50) -> kernel.Verdict:
    def symbolic():
        inst = symbolic_instance(theorem, arch, setting)
        return inst.ops, theorem.claim(inst)

    def numeric(seed):
        point, inst = numeric_instance(theorem, arch, setting, seed, digits)
        return point, inst.ops, theorem.claim(inst)

    return kernel.decide_identities(meta_for(theorem, arch, setting), symbolic, numeric, timeout=timeout)
