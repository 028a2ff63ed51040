"""A PC variant stated in a user's own file: Z-IL with the layer-wise learning rate
α_l = α / γ^l.  The corollary says this is exactly BP for every γ; check it with

    pcproof prove thm-3.2 --rule docs/examples/rescaled_zil.py:RescaledZIL --gamma 0.5
    pcproof prove thm-3.2 --rule docs/examples/rescaled_zil.py:RescaledZIL --gamma symbolic
"""
from pcproof import ZIL


class RescaledZIL(ZIL):
    name = "z-il, alpha/gamma^l"

    def gate(self, pcn, l, t):
        # learn at t = l (C2) with the step scaled by γ^{-l}
        return pcn.ops.number(1) / pcn.gamma**l if t == self.update_step(l) else None
