"""Issue 3: closed-form trajectories — the wavefront and ε^l_l = γ^l δ^l, as printed."""
import pytest

from pcproof.model import Architecture, get_activation
from pcproof.theorem import Setting
from pcproof.trajectory import closed_form


@pytest.mark.parametrize("activation", ["uninterpreted", "tanh", "poly"])
def test_closed_forms_up_to_t_equals_l(activation):
    L, n = 4, 2
    traj = closed_form(Architecture.make(get_activation(activation), depth=L, width=n), steps=L + 1)
    for l in range(1, L):
        for t in range(l):  # wavefront: untouched before t = l
            assert traj.x_latex(l, t) == [rf"\bar{{x}}^{{{l}}}_{{{i}}}" for i in range(n)]
            assert traj.eps_latex(l, t) == ["0"] * n
    for l in range(L):
        want = [rf"\delta^{{{l}}}_{{{i}}}" + ("" if l == 0 else r" \gamma" if l == 1 else rf" \gamma^{{{l}}}")
                for i in range(n)]
        assert traj.eps_latex(l, l) == want


def test_clamped_layers_and_latex():
    traj = closed_form(Architecture.make(get_activation("uninterpreted"), depth=2, width=1), steps=3)
    assert traj.x_latex(0, 2) == [r"s^{\mathrm{out}}_{0}"] and traj.x_latex(2, 1) == [r"s^{\mathrm{in}}_{0}"]
    tex = traj.latex()
    assert r"\begin{array}" in tex and r"\delta^{1}_{0} \gamma" in tex
    assert "δ¹₀ γ" in traj.text() and "\\" not in traj.text()  # the terminal reads Unicode, not LaTeX
    assert traj._repr_latex_().startswith("$$")


def test_broken_c1_leaves_the_closed_form():
    traj = closed_form(Architecture.make(get_activation("uninterpreted"), depth=3, width=1), steps=2,
                       setting=Setting(init_noise=True))
    assert traj.eps_latex(1, 0) != ["0"] and r"\eta" in traj.eps_latex(1, 0)[0]
