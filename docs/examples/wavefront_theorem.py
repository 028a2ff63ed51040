"""A theorem stated in a user's own file: the wavefront lemma (docs/notation.md).

Under C1, for any γ, layer l is untouched before the wavefront arrives: ε^l_t = 0 for t < l.
Report on it with

    pcproof report wavefront --load docs/examples/wavefront_theorem.py --out my-reports
"""
from pcproof import C1, Equation, Theorem, register


def _untouched(i):
    # ε^l_t for t < l, against a zero vector of the same shape (docs/notation.md, wavefront lemma)
    zero = lambda v: i.ops.scale(i.ops.number(0), v)
    return [Equation(rf"\varepsilon^{{{l}}}_{{t={t}}} = 0", i.pcn.eps(l, t), zero(i.pcn.eps(l, t)))
            for l in range(1, i.L) for t in range(l)]


WAVEFRONT = register(Theorem(
    name="wavefront",
    title="Before t = l, layer l's error node is zero",
    source="docs/notation.md, wavefront lemma",
    hypotheses=(C1,),
    statement=r"\varepsilon^l_t = 0 \quad \text{for } 1 \le l \le L-1,\ t < l,\ \text{every } \gamma",
    claim=_untouched,
    free_gamma=True,
))
