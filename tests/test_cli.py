"""Issue 3: `pcproof prove` and `pcproof list` — exit codes, JSON, one-line errors."""
import json
import subprocess
import sys

import pytest

from pcproof.cli import main


def run(capsys, *argv):
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_list_names_the_theorems(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    for name in ("thm-3.1", "thm-3.2", "cor-gamma"):
        assert name in out


def test_prove_json_fields(capsys):
    code, out, _ = run(capsys, "prove", "thm-3.2", "--depth", "3", "--width", "2", "--json")
    v = json.loads(out)
    assert code == 0 and v["verdict"] == "proved"
    for key in ("theorem", "verdict", "depth", "widths", "activation", "gamma", "method", "seconds",
                "counterexample"):
        assert key in v
    assert v["counterexample"] is None and v["depth"] == 3 and v["widths"] == [2, 2, 2, 2]
    assert v["activation"] == "uninterpreted" and v["gamma"] == "1"


@pytest.mark.parametrize("args", [["--gamma", "0.5"], ["--update-step", "1"], ["--init-noise"],
                                  ["--gamma", "1/2", "--activation", "softplus", "--bias"]])
def test_ablation_options_refute_with_exit_1(capsys, args):
    code, out, _ = run(capsys, "prove", "thm-3.2", "--depth", "3", "--json", *args)
    v = json.loads(out)
    assert code == 1 and v["verdict"] == "refuted"
    c = v["counterexample"]
    assert c["lhs"] != c["rhs"] and float(c["difference"]) > 0


def test_corollary_with_gamma_half_is_proved(capsys):
    code, out, _ = run(capsys, "prove", "cor-gamma", "--widths", "2,3,1,2", "--gamma", "0.5", "--json")
    assert code == 0 and json.loads(out)["widths"] == [2, 3, 1, 2]


def test_human_output_reads_as_a_verdict(capsys):
    code, out, _ = run(capsys, "prove", "thm-3.2", "--depth", "2", "--update-step", "1")
    assert code == 1 and "REFUTED" in out and "breaks C2" in out and "fails at" in out


def test_timeout_exit_3(capsys):
    code, out, _ = run(capsys, "prove", "thm-3.2", "--depth", "150", "--width", "6", "--timeout", "0.05", "--json")
    assert code == 3 and json.loads(out)["verdict"] == "unknown"


BAD = [
    ["prove", "thm-3.2", "--depth", "0"],
    ["prove", "thm-3.2", "--width", "0"],
    ["prove", "thm-3.2", "--widths", "2,-1,2"],
    ["prove", "thm-3.2", "--depth", "3", "--widths", "2,2"],
    ["prove", "thm-3.2", "--widths", "2,x"],
    ["prove", "thm-3.2", "--activation", "relu9"],
    ["prove", "thm-3.2", "--activation", "expr:y+1"],
    ["prove", "thm-9.9"],
    ["prove", "thm-3.2", "--gamma", "fast"],
    ["prove", "thm-3.2", "--update-step", "-1"],
    ["prove", "thm-3.2", "--rule", "missing.py:Rule"],
    ["prove", "thm-3.2", "--depth", "three"],
    ["frobnicate"],
]


@pytest.mark.parametrize("argv", BAD, ids=[" ".join(a) for a in BAD])
def test_bad_input_one_line_exit_2(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pcproof: error:"), err
    assert "Traceback" not in err and out == ""


def test_installed_entry_point_has_no_traceback(tmp_path):
    # run as a user would, from another directory
    p = subprocess.run([sys.executable, "-m", "pcproof", "prove", "thm-3.2", "--depth", "0"],
                       capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "Traceback" not in p.stderr


def test_user_rule_file_errors_are_one_line(capsys, tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("this is not python\n")
    code, _, err = run(capsys, "prove", "thm-3.2", "--rule", f"{broken}:X")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "cannot load" in err
    ok = tmp_path / "ok.py"
    ok.write_text("x = 1\n")
    code, _, err = run(capsys, "prove", "thm-3.2", "--rule", f"{ok}:Nope")
    assert code == 2 and "defines no rule" in err
