"""Issue 5, item 4: `pcproof ablate` shows the paper's pattern — Z-IL matches BP only at σ = 0, t = l, γ = 1."""
import json

import pytest
from pcproof.check.ablate import CONDITIONS, FIGURE_NAMES
from pcproof.cli import main


def run(capsys, *argv):
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("ablation")
    with pytest.raises(SystemExit) as exc:
        main(["ablate", "--quick", "--out", str(out), "--json"])   # progress bar on stderr
    return out, exc.value.code


def rows(out):
    return json.loads((out / "ablation.json").read_text())["rows"]


def test_quick_run_writes_figures_and_json(quick):
    out, code = quick
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted([*FIGURE_NAMES.values(), "ablation.json"])
    for name in FIGURE_NAMES.values():
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    doc = json.loads((out / "ablation.json").read_text())
    assert doc["pattern_holds"] is True
    assert len(doc["rows"]) == 2 * sum(len(c.values) for c in CONDITIONS.values())  # hidden 1 and 2


def test_zero_divergence_exactly_at_the_papers_settings(quick):
    for r in rows(quick[0]):
        at_paper = r["value"] == CONDITIONS[r["condition"]].paper_value
        if at_paper:   # float64 round-off only
            assert r["update"] < 1e-12 and r["weights"] < 1e-12 and r["test_error"] == 0, r
        else:          # a real divergence, far above round-off
            assert r["update"] > 1e-6 and r["weights"] > 1e-7, r
        assert r["matches_bp"] == at_paper


def test_gamma_closed_form(quick):
    for r in rows(quick[0]):
        if r["condition"] == "c3":
            assert r["update"] == pytest.approx(r["closed_form_update"], rel=1e-9, abs=1e-12)
            assert r["layer_scale"] == pytest.approx(r["layer_scale_closed"], rel=1e-9)


def test_table_output(tmp_path, capsys):
    code, out, _ = run(capsys, "ablate", "--quick", "--hidden", "1", "--condition", "c3", "--out",
                       str(tmp_path / "a"), "--no-progress")
    assert code == 0
    assert "closed form" in out and "pattern" in out and "holds" in out
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["ablation.json", "c3_gamma.png"]


@pytest.mark.parametrize("args", [["--epochs", "0"], ["--hidden", "1,x"], ["--alpha", "-1"], ["--limit", "5"]])
def test_bad_input_exits_2(tmp_path, capsys, args):
    code, out, err = run(capsys, "ablate", "--quick", "--out", str(tmp_path / "a"), *args)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "a").exists()


def test_out_must_not_be_a_file(tmp_path, capsys):
    f = tmp_path / "keep.txt"
    f.write_text("user data")
    code, _, err = run(capsys, "ablate", "--quick", "--out", str(f), "--no-progress")
    assert code == 2 and f.read_text() == "user data"
