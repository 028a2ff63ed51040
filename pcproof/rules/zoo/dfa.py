"""Direct feedback alignment (DFA): Nøkland, "Direct Feedback Alignment Provides Learning in
Deep Neural Networks", NIPS 2016, Sec. 2 (the DFA line of the error equations, δa_k =
(B_k e) ⊙ f'(a_k)).

Every hidden layer receives the *output* error through its own fixed random matrix, with
no layer-to-layer backward pass.  In pcproof's notation (docs/notation.md)::

    δ^0 = s_out − x̄^0
    δ^l = f'(x̄^l) ⊙ B^l δ^0,               l = 1 … L−1
    Δθ^{l+1} = α δ^l f(x̄^{l+1})ᵀ,   Δb^l = α δ^l

B^l is n_l × n_0, a parameter of the point (``params.matrices["B"][l]``).  With one
hidden layer DFA is FA.  Deeper, it is BP when f is linear and B^l = (θ^1 ⋯ θ^l)ᵀ (the
product of the transposed forward weights), and not when only one of the two holds —
a reconstruction pcproof proves and refutes (docs/zoo.md).
"""
from __future__ import annotations

from .. import equations as eq
from ..bp import ANN
from .fa import FA


class DFA(FA):
    """Direct feedback alignment: δ^l = f'(x̄^l) ⊙ B^l δ^0 (FA's updates and knobs, its own
    feedback path)."""

    name = "dfa"

    @classmethod
    def matrices(cls, arch) -> dict:
        # B^l: n_l × n_0, from the output straight to layer l
        return {"B": {l: (l, 0) for l in range(1, arch.L)}}

    def errors(self, arch, params, ops, ann: ANN) -> dict:
        B = params.matrices["B"]
        delta = {0: eq.error(ops, params.s_out, ann.x_bar(0))}
        for l in range(1, arch.L):
            delta[l] = ops.mul(ops.df(ann.x_bar(l)), ops.matvec(B[l], delta[0]))
        return delta
