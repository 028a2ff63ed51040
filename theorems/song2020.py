"""Song, Lukasiewicz, Xu & Bogacz (NeurIPS 2020): Z-IL makes exactly BP's updates.

Each declaration reads like the paper: hypotheses, then the claim as equations
between the PCN (``i.pcn``) and the ANN trained by BP (``i.ann``).  Layer 0 is the
output; ``i.L`` is the depth.
"""
from pcproof.rules import update_latex
from pcproof.theorem import C1, C2, C3, Equation, Theorem, register


def _eps_equals_delta(i):
    # Theorem 3.1: the error node of layer l at t = l is BP's error term.
    return [Equation(rf"\varepsilon^{{{l}}}_{{t={l}}} = \delta^{{{l}}}", i.pcn.eps(l, l), i.ann.delta(l))
            for l in range(i.L)]


def _updates_equal_bp(i):
    # Theorem 3.2: every update the PC rule makes equals BP's.
    return [Equation(rf"{update_latex(k)}_{{\text{{{i.rule.name}}}}} = {update_latex(k)}_{{\text{{BP}}}}",
                     i.rule_updates[k], i.bp_updates[k])
            for k in i.bp_updates]


def _eps_equals_gamma_power_delta(i):
    # Corollary: without C3, ε^l_l = γ^l δ^l (Z-IL is BP with learning rate α γ^l).
    return [Equation(rf"\varepsilon^{{{l}}}_{{t={l}}} = \gamma^{{{l}}} \delta^{{{l}}}",
                     i.pcn.eps(l, l), i.ops.scale(i.power(i.pcn.gamma, l), i.ann.delta(l)))
            for l in range(i.L)]


THM_3_1 = register(Theorem(
    name="thm-3.1",
    title="Z-IL error nodes equal BP's error terms",
    source="Song et al. 2020, Theorem 3.1",
    hypotheses=(C1, C3),
    statement=r"\varepsilon^l_{t=l} = \delta^l \quad \text{for } l = 0, \dots, L-1",
    claim=_eps_equals_delta,
))

THM_3_2 = register(Theorem(
    name="thm-3.2",
    title="Z-IL weight updates equal BP's",
    source="Song et al. 2020, Theorem 3.2",
    hypotheses=(C1, C2, C3),
    statement=r"\Delta\theta^{l+1}_{\text{Z-IL}} = \alpha\,\delta^l f(\bar{x}^{l+1})^\top"
              r" \quad \text{for } l = 0, \dots, L-1",
    claim=_updates_equal_bp,
))

COR_GAMMA = register(Theorem(
    name="cor-gamma",
    title="Without C3, Z-IL is BP with layer-wise learning rate α γ^l",
    source="Song et al. 2020, Theorem 3.1 with C3 relaxed (pcproof/notation.md, Corollary)",
    hypotheses=(C1,),
    statement=r"\varepsilon^l_{t=l} = \gamma^l \delta^l \quad \text{for } l = 0, \dots, L-1,\ \text{every } \gamma",
    claim=_eps_equals_gamma_power_delta,
    free_gamma=True,
))
