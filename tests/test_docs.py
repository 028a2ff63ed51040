"""Issue 6: the documentation builds with mkdocs in strict mode (every nav entry and link resolves,
every API page renders), and its maths is MathML made at build time (no CDN, no script)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytest.importorskip("mkdocs", reason="mkdocs is in the test extra: pip install '.[test]'")
pytest.importorskip("mkdocstrings", reason="mkdocstrings is in the test extra: pip install '.[test]'")


def test_mkdocs_build_strict(tmp_path):
    site = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
                           "-d", str(site)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    notation = (site / "notation" / "index.html").read_text()
    assert notation.count("<math") > 20 and "$" not in notation.split("<body")[1].split("<footer")[0]
    assert "decide_identities" in (site / "api" / "index.html").read_text()


def test_math_hook_leaves_code_alone():
    from pcproof.report.mkdocs_hook import math_to_mathml
    out = math_to_mathml("costs $5 and $x^l_t$ here\n\n```text\n$ pcproof list\n```\n\n`$a$`\n\n$$\n\\delta^0\n$$\n")
    assert "<math" in out and "```text\n$ pcproof list\n```" in out and "`$a$`" in out
    assert 'display="block"' in out and "costs $5" in out
