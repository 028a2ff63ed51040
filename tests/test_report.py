"""Issue 6: `pcproof report` — formats, determinism, index, missing stages, closed forms."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pcproof.model import Architecture, get_activation
from pcproof.report import build, evidence
from pcproof.commands.report import command
from pcproof.report.render import PROVENANCE_BEGIN, PROVENANCE_END, TIMING_BEGIN, TIMING_END, strip_timing
from pcproof.report.trajectory import CLOSED, OTHER, ZERO, Trajectory
from pcproof.theorem import all_theorems, get

QUICK = ["--quick", "--fuzz-cases", "20", "--timeout", "60"]
NO_ABLATION = "/nonexistent/pcproof-ablation"


def run_report(out: Path, *args: str):
    res = CliRunner().invoke(command, [*args, "--out", str(out), *QUICK])
    assert res.exit_code == 0, res.output + repr(res.exception)
    return res


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    run_report(out, "--seed", "3", "--ablation", NO_ABLATION, "--no-all-depths")
    return out


def visible_text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(style|pre)>.*?</\1>", " ", html, flags=re.S))


def test_every_format_and_the_index(reports):
    names = [t.name for t in all_theorems() if not t.graph]   # graph theorems get no report yet
    for name in names:
        for fmt in ("md", "tex", "html"):
            assert (reports / f"{name}.{fmt}").is_file()
        assert (reports / "figures" / f"{name}-wavefront.png").stat().st_size > 1000
    index_md = (reports / "index.md").read_text()
    index_html = (reports / "index.html").read_text()
    for name in names:
        assert f"({name}.md)" in index_md and f'href="{name}.html"' in index_html
    # each verdict at a glance: the quick run proves each theorem once and refutes the C1-broken control
    rows = [line for line in index_md.splitlines() if line.startswith("| thm-") or line.startswith("| cor-")]
    assert len(rows) == len(names)
    assert all("proved (1/1)" in r and "| refuted, as it must be |" in r for r in rows)


def test_markdown_maths_is_between_dollars(reports):
    md = (reports / "thm-3.2.md").read_text()
    assert "$$\n" in md and r"$\varepsilon^{1}_t$" in md
    # GitHub reads $…$ only without blanks inside the delimiters
    inline = re.sub(r"\$\$\n.*?\n\$\$", "", md, flags=re.S)
    spans = re.findall(r"\$([^$\n]+)\$", inline)
    assert len(spans) > 50 and all(s == s.strip() for s in spans)
    assert inline.count("$") == 2 * len(spans)
    assert "<math" not in md


def test_html_has_mathml_and_no_raw_tex(reports):
    for name in ("index", "thm-3.1", "cor-gamma"):
        html = (reports / f"{name}.html").read_text()
        text = visible_text(html)
        assert "\\" not in text and "$" not in text, name
        assert "cdn" not in html.lower() and "<script" not in html
    html = (reports / "cor-gamma.html").read_text()
    assert html.count("<math") > 20 and '<img src="figures/cor-gamma-wavefront.png"' in html


def test_latex_is_standalone(reports):
    tex = (reports / "thm-3.1.tex").read_text()
    assert tex.startswith(r"\documentclass") and tex.rstrip().endswith(r"\end{document}")
    assert all(ord(c) < 128 for c in tex), "pdflatex needs ASCII"


def test_one_marked_timing_block_per_file(reports):
    for path in [p for ext in ("md", "tex", "html") for p in reports.glob(f"*.{ext}")]:
        text = path.read_text()
        assert text.count(TIMING_BEGIN) == 1 and text.count(TIMING_END) == 1, path.name
        timed = re.search(rf"{TIMING_BEGIN}(.*?){TIMING_END}", text, re.S).group(1)
        assert re.search(r"\d\.\d{3} s", timed)
        # no wall-clock figure outside the block
        assert not re.search(r"\d\.\d{3} s\b", strip_timing(text)), path.name


def test_provenance_record():
    from importlib.metadata import version

    from pcproof.provenance import provenance
    rec = provenance(["/venv/bin/pcproof", "report", "thm-3.2", "--out", "my reports"], seed=7)
    assert rec["seed"] == 7 and rec["command"] == "pcproof report thm-3.2 --out 'my reports'"
    assert rec["sympy"] == version("sympy") and rec["z3"] == version("z3-solver")
    assert rec["mpmath"] == version("mpmath") and rec["python-flint"] == version("python-flint")
    assert rec["pcproof"] == version("pcproof") and rec["python"].count(".") == 2
    checkout = (Path(__file__).resolve().parents[1] / ".git").exists()
    if checkout and shutil.which("git"):
        assert re.fullmatch(r"[0-9a-f]{40}", rec["commit"]) and isinstance(rec["dirty"], bool)
    else:
        assert rec["commit"] is None


def test_provenance_is_cheap_to_import():
    """The module itself imports neither sympy nor z3 (loaded on its own, without the package)."""
    src = Path(__file__).resolve().parents[1] / "pcproof" / "provenance.py"
    code = ("import importlib.util, sys\n"
            f"spec = importlib.util.spec_from_file_location('prov', {str(src)!r})\n"
            "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
            "r = m.provenance(seed=1)\n"
            "print(sorted(k for k in ('sympy', 'z3', 'flint', 'mpmath', 'numpy') if k in sys.modules), r['sympy'] is not None)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stdout.split() == ["[]", "True"], proc.stdout + proc.stderr


def test_every_report_records_its_provenance(reports):
    from importlib.metadata import version
    for path in [p for ext in ("md", "tex", "html") for p in reports.glob("thm-*." + ext)]:
        text = path.read_text()
        assert text.count(PROVENANCE_BEGIN) == 1 and text.count(PROVENANCE_END) == 1, path.name
        block = re.search(rf"{PROVENANCE_BEGIN}(.*?){PROVENANCE_END}", text, re.S).group(1)
        assert version("sympy") in block and version("z3-solver") in block and "seed" in block
        assert PROVENANCE_BEGIN not in strip_timing(text)  # the identity check ignores the block


def test_same_seed_same_report_except_timing(reports):
    """A re-run of the same command (same folder, same seed) changes only the marked provenance and
    timing blocks; the sidecars and figures are byte-identical."""
    first = {p.relative_to(reports): p.read_bytes() for p in reports.rglob("*") if p.is_file()}
    run_report(reports, "--seed", "3", "--ablation", NO_ABLATION, "--no-all-depths")
    again = {p.relative_to(reports): p.read_bytes() for p in reports.rglob("*") if p.is_file()}
    assert sorted(first) == sorted(again)
    for rel, a in first.items():
        if rel.suffix in (".png", ".json"):
            assert a == again[rel], rel
        else:
            assert strip_timing(a.decode()) == strip_timing(again[rel].decode()), rel


def prose(md: str) -> str:
    """Markdown without its maths, code blocks and the HTML of anchors and folds: the words a reader sees."""
    md = re.sub(r"```.*?```", " ", md, flags=re.S)
    md = re.sub(r"\$\$.*?\$\$", " ", md, flags=re.S)
    md = re.sub(r"\$[^$\n]+\$", " ", md)
    return re.sub(r"<[^>]+>", " ", md)


def test_all_depth_proof_is_typeset(tmp_path):
    pytest.importorskip("pcproof.check.induction", reason="the all-depth prover is not installed")
    for run in ("a", "b"):
        run_report(tmp_path / run, "thm-3.2", "--no-fuzz", "--ablation", NO_ABLATION)
    md = (tmp_path / "a" / "thm-3.2.md").read_text()
    section = md.split("## Proof for every depth and width")[1].split("## Verdicts at concrete depths")[0]
    verdict = re.search(r"^\| f uninterpreted \| (\w+) \|", section, re.M).group(1)
    assert verdict in ("proved", "refuted", "unknown")
    if verdict == "proved":
        # the predicate, base case and step as displayed equations, the lemmas used with their statements
        assert re.search(r"Base case \(z3: unsat[^)]*\):\n\n\$\$\nP\(0\)\n\$\$", section)
        assert re.search(r"Inductive step \(z3: unsat[^)]*\):\n\n\$\$\nP\(t\)\\to P\(t\+1\)\n\$\$", section)
        assert re.search(r"^- lemma \[wavefront\]\(#lemma-wavefront\): \$P\(t\):", section, re.M)
        assert "\\varepsilon^{l}_{t=l}=\\delta^{l}" in section          # ε^l_{t=l} typeset, not raw
        # the axioms in one table, once, each row the target of the links to it
        assert md.count("### Axioms") == 1 and md.count("| axiom | statement |") <= 2
        for target in re.findall(r"\]\(#(axiom-[\w-]+)\)", section):
            assert f'<a id="{target}"></a>' in section, target
    words = prose(section)
    assert "{" not in words and "}" not in words, "JSON or raw TeX in the prose"
    assert "^" not in words and "None" not in words
    assert strip_timing(md) == strip_timing((tmp_path / "b" / "thm-3.2.md").read_text().replace(
        str(tmp_path / "b"), str(tmp_path / "a")))


def _fake_verdict(**kw):
    """A verdict-like object with the fields the renderer reads (the prover's structure may change)."""
    from types import SimpleNamespace
    base = dict(theorem="mine", verdict="proved", method="induction", lemmas=[], axioms=[], unsat_core=None,
                induction=None, counterexample=None, note="", hypotheses=[], seconds=0.0)
    return SimpleNamespace(**{**base, **kw})


def test_proof_renderer_survives_a_new_shape():
    """Keys the renderer does not know (a new obligation, a nested dict) are typeset as prose, never as JSON."""
    from pcproof.report.document import Document
    from pcproof.report.render import to_html, to_latex, to_markdown
    lemma = {"name": "wavefront", "statement": "P(t): x^l_t = x̄^l", "by": "induction on t",
             "base": {"claim": "P(0)", "z3": "unsat", "unsat_core": ["C1", "sub-self", "def x[Not(l == L), 0 == t]"],
                      "facts_satisfiable": "sat", "seconds": 0.01},
             "step": {"claim": "P(t) → P(t+1)", "z3": "unsat", "unsat_core": ["IH P(t)", "add-zero"]},
             "novel": {"kind": "case split", "cases": ["δ^l = 0", "δ^l ≠ 0"], "extra": None}}
    ind = {"name": "mine", "statement": "Q(l): ε^l_{t=l} = δ^l", "by": "induction on l",
           "base": {"claim": "Q(0)", "z3": "unsat", "unsat_core": ["wavefront lemma"]},
           "then": {"name": "mine", "statement": "Δθ^{l+1} = α δ^l f(x̄^{l+1})ᵀ", "by": "direct",
                    "direct": {"claim": "Σ_t Δθ^{l+1}_t = α δ^l", "z3": "unsat", "unsat_core": ["wavefront"]}}}
    axioms = [{"name": "sub-self", "statement": "u − u = 0_u", "kind": "linear algebra", "width": "dim u = dim v"},
              {"name": "add-zero", "statement": "u + 0_v = u", "kind": "linear algebra", "width": None}]
    v = _fake_verdict(lemmas=[lemma], axioms=axioms, induction=ind)
    blocks = build.induction_blocks(v, build.ProofIndex(v.lemmas, v.axioms)) + [build.axiom_table(axioms, {"sub-self"})]
    doc = Document("x", "x", blocks)
    md = to_markdown(doc)
    words = prose(md)
    assert "{" not in words and "}" not in words and "None" not in words and "^" not in words, words
    assert "case split" in words and "[sub-self](#axiom-sub-self)" in md and "[wavefront](#lemma-wavefront)" in md
    assert r"\delta^{l}\neq0" in md and r"x\;(l\neq L,\ 0=t)" in md   # a z3 case condition, typeset
    html = visible_text(to_html(doc))
    assert "{" not in html and "^" not in html and "\\" not in html
    assert all(ord(c) < 128 for c in to_latex(doc))


def test_plain_text_maths_converter():
    from pcproof.report.plaintex import definition_latex, plain_to_latex
    assert plain_to_latex("Q(l): l ≤ L-1 → ε^l_{t=l} = δ^l") == r"Q(l):\;l\leq L-1\to\varepsilon^{l}_{t=l}=\delta^{l}"
    assert plain_to_latex("Δθˆ{l+1}".replace("ˆ", "^")) == r"\Delta\theta^{l+1}"
    assert plain_to_latex("Wᵀ(c v) = c Wᵀv") == r"W^{\top}(c\,v)=c\,W^{\top}v"
    assert plain_to_latex("γ^(n+1) = γ·γ^n for n ≥ 0") == r"\gamma^{n+1}=\gamma\cdot\gamma^{n}\text{ for }n\geq0"
    assert plain_to_latex("α δ^l f(x̄^{l+1})ᵀ") == r"\alpha\,\delta^{l}\,f(\bar{x}^{l+1})^{\top}"
    assert definition_latex("def theta[Not(0 == t), Not(t >= 1 + L)]") == r"\theta\;(0\neq t,\ t<1+L)"
    assert plain_to_latex("t = l_gate + 0") == r"t=l_{\text{gate}}+0"
    assert plain_to_latex("(t* < rule.steps(L))") == r"(t^{*}<\text{rule.steps}(L))"
    assert plain_to_latex("δ^l ≠ 0") == r"\delta^{l}\neq0"    # NFD must not split ≠ into = and a slash
    assert definition_latex("wavefront") is None


def test_missing_and_failing_stages_are_said_plainly(tmp_path, monkeypatch):
    monkeypatch.setattr(evidence, "_optional", lambda module: (None, f"{module} is not part of this installation"))
    run_report(tmp_path / "a", "thm-3.1")
    md = (tmp_path / "a" / "thm-3.1.md").read_text()
    assert "No all-depth verdict: pcproof.check.induction is not part of this installation" in md
    assert "No fuzzing summary: pcproof.check.fuzz is not part of this installation" in md

    class Broken:
        @staticmethod
        def prove_all_depths(*a, **k):
            raise RuntimeError("z3 exploded")
    monkeypatch.setattr(evidence, "_optional", lambda module: (Broken, None) if module.endswith("induction")
                        else (None, "absent"))
    run_report(tmp_path / "b", "thm-3.1")
    md = (tmp_path / "b" / "thm-3.1.md").read_text()
    assert "The all-depth prover failed" in md and "z3 exploded" in md
    assert "| failed / failed |" in (tmp_path / "b" / "index.md").read_text()


def test_ablation_results_are_copied_in_and_nothing_written_outside(tmp_path, monkeypatch):
    abl = tmp_path / "elsewhere" / "ablation"
    abl.mkdir(parents=True)
    _tiny_png(abl / "c1_sigma.png")
    (abl / "c1_sigma.csv").write_text("sigma,divergence,seconds\n0,0,1.5\n0.1,0.02,1.7\n")
    (abl / "ablation.json").write_text('{"pattern_holds": false, "rows": [{"condition": "c3", "value": 0.5}]}')
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    monkeypatch.chdir(tmp_path)
    run_report(Path("out"), "thm-3.2", "--ablation", str(abl), "--no-fuzz", "--no-all-depths")
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and "out" not in p.relative_to(tmp_path).parts[:1]}
    assert after == before
    html = (tmp_path / "out" / "thm-3.2.html").read_text()
    assert '<img src="figures/ablation/c1_sigma.png"' in html and (tmp_path / "out/figures/ablation/c1_sigma.png").is_file()
    md = (tmp_path / "out" / "thm-3.2.md").read_text()
    assert "| sigma | divergence |" in md and "| 0.1 | 0.02 |" in md   # a small table, the timing column left out
    assert "| C3 | 0.5 | none | — |" in md     # one compact row per broken condition
    # the full grid goes into a CSV in the report's folder, linked from the report
    assert "(tables/ablation-ablation.csv)" in md
    assert "c3,0.5" in (tmp_path / "out" / "tables" / "ablation-ablation.csv").read_text()
    assert "| paper's pattern does NOT hold |" in (tmp_path / "out" / "index.md").read_text()


def _tiny_png(path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig = plt.figure(figsize=(1, 1))
    fig.savefig(path)
    plt.close(fig)


def test_bad_format_is_a_user_error():
    proc = subprocess.run([sys.executable, "-m", "pcproof", "report", "--format", "pdf", "--out", "/nonexistent/x"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "--format" in proc.stderr


# -- closed forms as printed (docs/notation.md: wavefront lemma, Theorem 3.1, corollary) ---------------------

@pytest.mark.parametrize("activation", ["uninterpreted", "sigmoid"])
def test_closed_form_trajectory_prints_in_the_papers_names(activation):
    L, n = 3, 2
    tr = Trajectory(get("cor-gamma"), Architecture.make(get_activation(activation), depth=L, width=n))
    for l in range(1, L):
        for t in range(l):
            assert tr.x_latex(l, t) == [rf"\bar{{x}}^{{{l}}}_{{{i}}}" for i in range(n)]
            assert tr.eps_latex(l, t) == ["0"] * n
            assert tr.classify(l, t) == ZERO
    for l in range(L):
        power = "" if l == 0 else r" \gamma" if l == 1 else rf" \gamma^{{{l}}}"
        assert tr.eps_latex(l, l) == [rf"\delta^{{{l}}}_{{{i}}}{power}" for i in range(n)]
        assert tr.classify(l, l) == CLOSED
    assert tr.classify(0, 1) == OTHER and tr.wavefront_holds()
    assert r"\delta^{2}_{0} \gamma^{2}" in tr.latex()


def test_broken_c1_is_not_shown_as_closed_form():
    from pcproof.theorem import Setting
    tr = Trajectory(get("cor-gamma"), Architecture.make(get_activation("uninterpreted"), depth=3, width=1),
                    Setting(init_noise=True))
    assert tr.classify(1, 0) == OTHER and not tr.wavefront_holds()
    assert r"\eta" in tr.eps_latex(1, 0)[0]


TEX_ENGINES = ("pdflatex", "lualatex", "xelatex")
ABLATION = Path(__file__).resolve().parents[1] / "reports" / "ablation"  # pcproof ablate's shipped results
# "about four pages": measured 4 and 4 (thm-3.2 with the ablation section); one page of slack for longer proofs
MAX_PAGES = {"thm-3.2": 5, "cor-gamma": 5}


def tex_engine():
    engine = next((e for e in TEX_ENGINES if shutil.which(e)), None)
    if engine is None:
        pytest.skip(f"no TeX engine installed (looked for {', '.join(TEX_ENGINES)} on PATH); "
                    "scripts/test.sh installs texlive-latex-base as root")
    return engine


def compile_pages(engine: str, folder: Path, name: str) -> int:
    proc = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", f"{name}.tex"],
                          cwd=folder, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert (folder / f"{name}.pdf").stat().st_size > 10_000
    return int(re.search(r"Output written on \S+ \((\d+) pages?", proc.stdout).group(1))


def test_latex_compiles(reports, tmp_path):
    engine = tex_engine()
    work = tmp_path / "tex"
    shutil.copytree(reports, work)
    for name in ("thm-3.2", "cor-gamma"):
        assert compile_pages(engine, work, name) >= 1


def test_full_report_pdf_fits_in_about_four_pages(tmp_path):
    """The whole report (all-depth proof, fuzzing, ablation) compiles, and its PDF stays short."""
    engine = tex_engine()
    out = tmp_path / "full"
    ablation = ["--ablation", str(ABLATION)] if ABLATION.is_dir() else ["--ablation", NO_ABLATION]
    res = CliRunner().invoke(command, ["thm-3.2", "cor-gamma", "--out", str(out), "--fuzz-cases", "20", *ablation])
    assert res.exit_code == 0, res.output + repr(res.exception)
    for name, most in MAX_PAGES.items():
        pages = compile_pages(engine, out, name)
        assert pages <= most, f"{name}.pdf has {pages} pages"


def test_out_keeps_other_reports_and_the_index_lists_every_one(tmp_path, monkeypatch):
    """Issue 11, item 4: a second report --out into the same folder keeps the first report; the index
    lists both, each with the command that regenerates it (with --load where used); --clean removes
    the reports a run did not write, never files that no report wrote."""
    import pcproof.theorem
    monkeypatch.setattr(pcproof.theorem, "REGISTRY", dict(pcproof.theorem.REGISTRY))  # my-thm stays in this test
    out = tmp_path / "r"
    args = ("--no-fuzz", "--no-all-depths", "--ablation", NO_ABLATION)
    run_report(out, "thm-3.1", "--format", "md,html", *args)
    (out / "ablation").mkdir()
    (out / "ablation" / "keep.json").write_text("{}")
    (out / "notes.txt").write_text("mine")
    user = tmp_path / "mine.py"
    user.write_text("from pcproof.theorem import get, register\nfrom dataclasses import replace\n"
                    "register(replace(get('thm-3.1'), name='my-thm', aliases=()))\n")
    run_report(out, "my-thm", "--load", str(user), "--format", "md,html", *args)
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"thm-3.1.md", "thm-3.1.html", "my-thm.md", "my-thm.html", "notes.txt", "ablation/keep.json"} <= files
    index = (out / "index.md").read_text()
    assert "(thm-3.1.md)" in index and "(my-thm.md)" in index and 'href="thm-3.1.html"' in (out / "index.html").read_text()
    assert f"pcproof report my-thm --out {out} --format md,html --seed 0" in index
    assert f"--load {user}" in index.split("pcproof report my-thm")[1].split("\n")[0]
    assert f"--load" not in index.split("pcproof report thm-3.1")[1].split("\n")[0]
    # updating one report with fewer formats drops only its own old file
    run_report(out, "thm-3.1", "--format", "md", *args)
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert "thm-3.1.html" not in files and {"thm-3.1.md", "my-thm.html", "index.html"} <= files
    # --clean: only what this run wrote, plus the files no report wrote
    run_report(out, "thm-3.1", "--format", "md", "--clean", *args)
    left = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert left == ["ablation/keep.json", "figures/thm-3.1-wavefront.png", "index.html", "index.md", "notes.txt",
                    "thm-3.1.md", "thm-3.1.report.json"]
    assert "my-thm" not in (out / "index.md").read_text()


def test_notation_page_is_shipped_and_matches_the_docs():
    """Issue 11, item 7: what reports cite for notation is inside the package, identical to docs/notation.md."""
    from importlib.resources import files
    shipped = files("pcproof").joinpath("notation.md").read_text(encoding="utf-8")
    docs = Path(__file__).resolve().parents[1] / "docs" / "notation.md"
    if docs.is_file():
        assert shipped == docs.read_text(encoding="utf-8"), "copy docs/notation.md to pcproof/notation.md"
    assert "Z-IL" in shipped and "C1" in shipped


def test_reports_cite_the_shipped_notation(reports):
    for name in ("thm-3.2", "cor-gamma", "index"):
        md = (reports / f"{name}.md").read_text()
        assert "pcproof/notation.md" in md and "MATH.md" not in md, name
