"""Issue 10 item 5: `pcproof report` covers the graph theorems — the example graph coloured by
d(v), Z-IL's wavefront over it, the concrete and all-size verdicts, reproduce commands."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from pcproof.commands.report import command
from pcproof.report import evidence, graph_build
from pcproof.report.build import Options
from pcproof.report.render import strip_timing
from pcproof.theorem import Setting, all_theorems, get


def run(out: Path, *args: str):
    res = CliRunner().invoke(command, [*args, "--out", str(out), "--ablation", "", "--timeout", "60"])
    assert res.exit_code == 0, res.output + repr(res.exception)
    return res


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("graph-reports")
    run(out, "graph-updates", "graph-eps")
    return out


def section(md: str, title: str) -> str:
    """The text of the ``## title`` section (up to the next ``## ``)."""
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", md, re.S | re.M)
    assert m, f"no section {title!r}"
    return m.group(1)


def verdict_rows(text: str) -> dict:
    """{graph label: verdict} from the rows of a section's summary table (graph | verdict | command)."""
    return {m.group(1): m.group(2) for m in re.finditer(r"^\| ([^|]+?) \| (proved|refuted|unknown|failed[^|]*) \| pcproof prove ",
                                                        text, re.M)}


@pytest.mark.parametrize("name", ["graph-updates", "graph-eps"])
def test_the_report_has_its_sections_and_figures(report, name):
    for fmt in ("md", "tex", "html"):
        assert (report / f"{name}.{fmt}").is_file()
    md = (report / f"{name}.md").read_text()
    heads = re.findall(r"^## (.+)$", md, re.M)
    assert heads == ["Statement", "The example graph", "The wavefront over the graph", "Verdicts on concrete graphs",
                     "Verdicts for every size", "Fuzzing on random graphs", "Reproduce"]
    hyps = section(md, "Statement")
    declared = [c.name for c in get(name).hypotheses]
    assert set(declared) >= {"C1", "C3", "levelled"} and (name != "graph-updates" or "C2" in declared)
    for c in declared:
        assert f"- {c}: " in hyps
    assert r"x_v(0) = \bar{x}_v" in hyps     # C1 in its graph form, not the layered x^l_0
    assert "C2" not in declared or r"\text{ is updated at exactly } t = d(v)" in hyps
    for label in ("as-built", "levelled"):
        fig = f"figures/{name}-graph-{label}.png"
        assert (report / fig).stat().st_size > 5000 and f"]({fig})" in md
    assert f"({name}.md)" in (report / "index.md").read_text()


@pytest.mark.parametrize("name", ["graph-updates", "graph-eps"])
def test_the_verdicts_are_the_provers(report, name):
    md = (report / f"{name}.md").read_text()
    assert verdict_rows(section(md, "Verdicts on concrete graphs")) == {
        "residual, 3 blocks, width 2, levelled": "proved",
        "residual, 3 blocks, width 2, as built (not levelled)": "refuted",
        "rnn, 3 steps, width 2, shared updates deferred": "proved",
        "rnn, 3 steps, width 2, shared updates immediate": "refuted",
        "attention, 2 tokens, dimension 2": "proved",
        "attention, 2 heads, causal mask, 2 tokens, dimension 2": "proved"}
    assert verdict_rows(section(md, "Verdicts for every size")) == {
        "residual, n blocks, width 2, levelled": "proved",
        "residual, n blocks, width 2, as built": "refuted",
        "rnn, n steps, width 2, shared updates deferred": "proved"}
    # the refutation is shown with its re-checked counterexample
    assert "Counterexample, re-checked at 50 digits" in section(md, "Verdicts on concrete graphs")
    sidecar = (report / f"{name}.report.json").read_text()
    assert '"all_depths": "proved / refuted / proved"' in sidecar and '"fuzz": "passed / passed"' in sidecar


FUZZ_ROW = re.compile(r"^\| (random [^|]+?) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\w+) \| (pcproof fuzz [^|]+?) \|$", re.M)


@pytest.mark.parametrize("name", ["graph-updates", "graph-eps"])
def test_the_fuzz_section_is_the_fuzzers_run(report, name):
    """Issue 10 item 5: the graph report's fuzz section is a bounded run of the random-DAG
    fuzzer (the one pcproof fuzz runs), with its counts and number system, and its command."""
    md = section((report / f"{name}.md").read_text(), "Fuzzing on random graphs")
    rows = {m.group(1): m.groups()[1:] for m in FUZZ_ROW.finditer(md)}
    assert rows == {
        "random levelled DAGs": ("200", "200", "0", "0", "passed", f"pcproof fuzz {name} --cases 200 --digits 50 --seed 0"),
        "random levelled DAGs with shared (tied) parameters, updates deferred":
            ("200", "200", "0", "0", "passed", f"pcproof fuzz {name} --cases 200 --digits 50 --seed 0 --shared-updates "
                                               "deferred")}
    assert "in arb balls at 50 digits" in md and "up to 12 vertices" in md
    assert f"pcproof fuzz {name} --unlevelled" in md
    assert f"pcproof fuzz {name} --cases 200 --digits 50 --seed 0\n" in section((report / f"{name}.md").read_text(),
                                                                                 "Reproduce")


def test_a_failing_fuzz_run_shows_its_smallest_graph(monkeypatch, tmp_path):
    """A run that fails shows the shrunk graph and its point, and the index says failed: here the
    fuzzer draws DAGs as drawn (not levelled), which fail at once."""
    import functools

    import pcproof.strategies
    monkeypatch.setattr(pcproof.strategies, "GraphSpace", functools.partial(pcproof.strategies.GraphSpace,
                                                                            levelled=False))
    thm = get("graph-updates")
    opts = Options(all_depths=False, fuzz_cases=50)
    ev = evidence.GraphEvidence(fuzz=evidence.gather_graph_fuzz(thm, opts))
    statuses = [rep["status"] for _, _, rep in ev.fuzz]
    assert statuses[0] == "failed" and ev.fuzz[0][2]["failure"]
    doc, result = graph_build.graph_document(thm, tmp_path, opts, evidence=ev)
    from pcproof.report.render import to_markdown
    md = section(to_markdown(doc), "Fuzzing on random graphs")
    assert result.fuzz.startswith("failed / ")
    shrunk = ev.fuzz[0][2]["failure"]
    assert "random levelled DAGs: the smallest failing graph" in md
    assert f"shrunk to {len(shrunk['vertices'])}); outputs {', '.join(shrunk['outputs'])}" in md
    for v in shrunk["vertices"]:
        assert f"| {v['name']} | {v['primitive']} |" in md
    assert "at  " + next(iter(shrunk["point"])) in md


def test_no_fuzz_and_a_users_rule_are_said_plainly(tmp_path):
    thm = get("graph-eps")
    assert evidence.gather_graph_fuzz(thm, Options(fuzz=False)) == "--no-fuzz"
    assert "checks Z-IL only" in evidence.gather_graph_fuzz(thm, Options(rule=object()))
    doc, result = graph_build.graph_document(thm, tmp_path, Options(), evidence=evidence.GraphEvidence(fuzz="--no-fuzz"))
    assert result.fuzz == "not run"


def test_each_reproduce_command_gives_the_verdict_it_sits_beside(report, capsys):
    """The commands quoted in the report are real: run two of them through the CLI."""
    from pcproof.cli import main
    md = (report / "graph-updates.md").read_text()
    commands = section(md, "Reproduce")
    for line, expect in (("pcproof prove graph-updates --model residual --blocks 3 --width 2 --level", 0),
                         ("pcproof prove graph-updates --model rnn --steps 3 --width 2", 1),
                         ("pcproof prove graph-updates --model attention --tokens 2 --dim 2 --heads 2 --causal", 0),
                         ("pcproof fuzz graph-updates --cases 200 --digits 50 --seed 0 --shared-updates deferred", 0)):
        assert line + "\n" in commands
        try:
            code = main(line.split()[1:] + ["--json"])
        except SystemExit as exc:
            code = exc.code
        assert code == expect, line   # 0 proved, 1 refuted


def wavefront_arrivals(graph, rows) -> dict:
    """The step at which each computed vertex's ε first turns nonzero."""
    first = {}
    for t, live in rows:
        for v in live:
            first.setdefault(v, t)
    return first


def test_the_wavefront_reaches_each_vertex_at_its_distance_only_when_levelled():
    thm = get("graph-updates")
    levelled = evidence.build_graph("residual", evidence.EXAMPLE, True)
    first = wavefront_arrivals(levelled, evidence.wavefront(thm, levelled, Setting()))
    assert first == {v: levelled.distance[v] for v in levelled.computed}
    built = evidence.build_graph("residual", evidence.EXAMPLE, False)
    first = wavefront_arrivals(built, evidence.wavefront(thm, built, Setting()))
    assert set(first) == set(built.computed)
    # the skip path brings x2's change into h2 at t = 2, one step before h2 learns (d = 3)
    assert {v for v in built.computed if first[v] != built.distance[v]} == {"h1", "h2"}
    assert first["h2"] == 2 and built.distance["h2"] == 3


def test_the_wavefront_table_marks_off_schedule_errors(report):
    md = section((report / "graph-updates.md").read_text(), "The wavefront over the graph")
    assert "| 2 | x2, h2 (d=3), y2 | x2, y2 | 5 |" in md
    assert "as built: 2 vertices' errors arrive off schedule (t ≠ d(v))" in md
    assert "levelled: every error arrives at t = d(v)" in md


def test_same_seed_same_graph_report_except_timing(report, tmp_path):
    run(tmp_path, "graph-updates")
    for fmt in ("md", "tex", "html"):
        a, b = (report / f"graph-updates.{fmt}").read_text(), (tmp_path / f"graph-updates.{fmt}").read_text()
        a, b = (strip_timing(x.replace(str(d), "OUT")) for x, d in ((a, report), (b, tmp_path)))
        assert a == b, fmt


def test_a_failing_stage_is_named_not_fatal(monkeypatch, tmp_path):
    def boom(*a, **k):
        raise RuntimeError("engine down")
    monkeypatch.setattr("pcproof.check.graphs.prove", boom)
    monkeypatch.setattr("pcproof.check.graphs.fuzz_graphs", boom)
    ev = evidence.gather(get("graph-eps"), Options(all_depths=False))
    assert [v for _, _, v in ev.concrete] and all(isinstance(v, RuntimeError) for _, _, v in ev.concrete)
    assert [r for _, _, r in ev.fuzz] and all(isinstance(r, RuntimeError) for _, _, r in ev.fuzz)
    doc, result = graph_build.graph_document(get("graph-eps"), tmp_path, Options(all_depths=False), evidence=ev)
    assert all(v == "failed (RuntimeError: engine down)" for _, v in result.concrete)
    assert result.all_depths == "not run" and result.fuzz == "failed / failed"


def test_the_default_report_includes_the_graph_theorems(tmp_path):
    run(tmp_path, "--quick", "--no-all-depths", "--no-fuzz", "--format", "md")
    names = {t.name for t in all_theorems()}
    assert {"graph-eps", "graph-updates"} <= names
    for name in names:
        assert (tmp_path / f"{name}.md").is_file(), name
    assert "| graph-updates |" in (tmp_path / "index.md").read_text()


def test_the_graph_renderer_runs_no_prover():
    """The house rule: provers run in report/evidence.py; graph_build renders only."""
    tree = ast.parse(Path(graph_build.__file__).read_text())
    imported = {(n.module or "") for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | \
        {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not [m for m in imported if "check" in m or "kernel" in m or "rules" in m], imported
