"""Issue 6: the example notebook executes, and theorems, verdicts and trajectories display as maths."""
from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel", reason="the notebook needs the python3 kernel from ipykernel")

from pcproof.check.concrete import prove  # noqa: E402
from pcproof.model import Architecture, get_activation  # noqa: E402
from pcproof.report.display import trajectory  # noqa: E402
from pcproof.theorem import get  # noqa: E402

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_example_notebook_executes():
    nb = nbformat.read(DOCS / "example.ipynb", as_version=4)
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(DOCS)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    rich = [o for o in outputs if o.output_type == "execute_result"]
    # the Theorem, Verdict and trajectory cells display as LaTeX and as HTML with MathML
    assert sum("text/latex" in o.data and "<math" in o.data.get("text/html", "") for o in rich) >= 4


def test_displays_carry_the_maths():
    thm = get("thm-3.1")
    assert thm._repr_latex_().startswith("$$") and r"\varepsilon^l_{t=l} = \delta^l" in thm._repr_latex_()
    assert "<math" in thm._repr_html_() and "C3" in thm._repr_html_()
    v = prove(thm, Architecture.make(get_activation("uninterpreted"), depth=2, width=1))
    assert r"\textbf{proved}" in v._repr_latex_() and "verdict-proved" in v._repr_html_()
    tr = trajectory("cor-gamma", depth=2, width=1)
    assert r"\delta^{1}_{0} \gamma" in tr._repr_latex_() and tr._repr_html_().count("<math") > 5
