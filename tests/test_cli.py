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


# -- issue 9 item 7: a user's error is one line naming file:line (exit 2); ours is exit 4 ---------
USER_RULES = {
    "notes.txt": "not a rule\n",
    "bad_call.py": ("from pcproof.rules import ZIL\n\n\nclass BadCall(ZIL):\n"
                    "    def inference_step(self, pcn, l, t):\n        return pcn.ops.add(pcn.x(l, t), 5)\n"),
    "exits.py": ("import sys\nfrom pcproof.rules import ZIL\n\n\nclass Quit(ZIL):\n"
                 "    def gate(self, pcn, l, t):\n        sys.exit(1)\n"),
    "raises_at_import.py": "from pcproof.rules import ZIL\n\nscale = 1 / 0\n",
    "raises_in_step.py": ("from pcproof.rules import ZIL\n\n\nclass Bad(ZIL):\n"
                          "    def inference_step(self, pcn, l, t):\n        return 1 / 0\n"),
    # circular: x^l_{t+1} is made from itself
    "circular.py": ("from pcproof.rules import ZIL\n\n\nclass Circ(ZIL):\n"
                    "    def inference_step(self, pcn, l, t):\n        return pcn.x(l, t + 1)\n"),
    # (θ^l)ᵀ ε^{l-1} written by hand with θ^l's indices swapped: wrong on a non-square layer
    "wrong_shape.py": ("from pcproof.rules import ZIL\n\n\nclass Swapped(ZIL):\n"
                       "    def inference_step(self, pcn, l, t):\n"
                       "        x, e, W = pcn.x(l, t), pcn.eps(l - 1, t), pcn.theta(l, t)\n"
                       "        back = tuple(sum(W[i][j] * e[j] for j in range(len(e))) for i in range(len(x)))\n"
                       "        return pcn.ops.add(pcn.ops.sub(x, pcn.eps(l, t)), pcn.ops.mul(pcn.ops.df(x), back))\n"),
}

USER_ERRORS = [
    (["prove", "thm-3.2", "--rule", "raises_at_import.py:Bad"],
     "--rule: cannot load 'raises_at_import.py': rule raises_at_import.py:3 (<module>) raised ZeroDivisionError"),
    (["prove", "thm-3.2", "--rule", "raises_in_step.py:Bad"],
     "rule raises_in_step.py:6 (Bad.inference_step) raised ZeroDivisionError: division by zero"),
    (["prove", "thm-3.2", "--rule", "circular.py:Circ"], "the rule is circular: circular.py:6 (Circ.inference_step)"),
    (["prove", "thm-3.2", "--widths", "2,3,2", "--rule", "wrong_shape.py:Swapped"],
     "rule wrong_shape.py:7 (Swapped.inference_step) raised IndexError: tuple index out of range"),
    (["prove", "thm-3.2", "--rule", "raises_in_step.py:Bda"], "defines no rule named 'Bda' (did you mean 'Bad'?)"),
    (["prove", "thm-3.2", "--rule", "exits.py:Quit"], "rule exits.py:7 (Quit.gate) raised SystemExit: 1"),
    (["prove", "thm-3.2", "--rule", "bad_call.py:BadCall"], "rule bad_call.py:6 (BadCall.inference_step) raised "
     "TypeError: "),
    (["prove", "thm-3.2", "--rule", "notes.txt:X"], "--rule: 'notes.txt' is not a Python file"),
    (["prove", "thm-3.2", "--rule", "pcproof.rulez:ZIL"], "--rule: no module named 'pcproof.rulez'"),
    (["prove", "thm-3.2", "--timeout", "-1"], "--timeout must be a number of seconds > 0"),
    (["prove", "thm-3.2", "--timeout", "nan"], "--timeout must be a number of seconds > 0"),
    (["report", "--timeout", "0", "--quick"], "--timeout must be a number of seconds > 0"),
    (["prove", "thm-3.2", "--widths", "2,3,2", "--width", "7"], "give --width or --widths, not both"),
    (["trajectory", "--widths", "2,3,2", "--width", "7"], "give --width or --widths, not both"),
    (["prove", "thm-3.2", "--all-depths", "--depth", "5"], "--all-depths proves every depth and width: drop --depth"),
    (["prove", "thm-3.3"], "unknown theorem 'thm-3.3' (did you mean 'thm-3.2'?)"),
    (["fuzz", "thm-32"], "unknown theorem 'thm-32' (did you mean 'thm-3.2'?)"),
    (["prove", "thm-3.2", "-f", "tahn"], "unknown activation 'tahn' (did you mean 'tanh'?)"),
    (["fuzz", "thm-3.2", "-f", "sigmoidd"], "unknown activation 'sigmoidd' (did you mean 'sigmoid'?)"),
    (["porve", "thm-3.2"], "no such command 'porve' (did you mean 'prove'?)"),
]


@pytest.mark.parametrize("argv, message", USER_ERRORS, ids=[" ".join(a) for a, _ in USER_ERRORS])
def test_user_errors_are_one_line_naming_the_place_exit_2(capsys, tmp_path, monkeypatch, argv, message):
    for name, text in USER_RULES.items():
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("pcproof: error: ") and "Traceback" not in err, err
    assert message in err, err


def test_user_theorem_file_raising_names_its_line(capsys, tmp_path):
    """--load goes through the same loader as --rule (pcproof.userfile), in every command."""
    (tmp_path / "thms.py").write_text("import pcproof\n\nraise RuntimeError('not ready')\n")
    for argv in (["fuzz", "thm-3.2", "--load"], ["report", "--quick", "--out", str(tmp_path / "r"), "--load"]):
        code, _, err = run(capsys, *argv, str(tmp_path / "thms.py"))
        assert code == 2 and err.strip() == ("pcproof: error: --load: cannot load "
                                             f"'{tmp_path / 'thms.py'}': thms.py:3 (<module>) raised "
                                             "RuntimeError: not ready"), err


def test_internal_error_is_exit_4_with_a_saved_log(capsys, tmp_path, monkeypatch):
    """A bug in pcproof is never a verdict: exit 4 (not 1, refuted), one line, traceback in the log."""
    import pcproof.check.concrete

    def broken(*args, **kw):
        raise KeyError("an internal table")

    monkeypatch.setattr(pcproof.check.concrete, "prove", broken)
    monkeypatch.setenv("PCPROOF_LOG_DIR", str(tmp_path / "logs"))
    code, out, err = run(capsys, "prove", "thm-3.2", "--depth", "2")
    assert code == 4 and out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("pcproof: internal error: KeyError: 'an internal table' (log: ")
    log = err.rstrip().rpartition("(log: ")[2].rstrip(")")
    assert log.startswith(str(tmp_path / "logs")) and "Traceback" in open(log).read()
    assert "command: pcproof prove thm-3.2 --depth 2" in open(log).read()


def test_deep_recursion_without_a_cycle_is_internal(capsys, tmp_path, monkeypatch):
    """A RecursionError is the user's only when their code calls itself with the same
    arguments; a rule that merely sits in a deep (non-repeating) recursion is not blamed."""
    import pcproof.check.concrete
    (tmp_path / "ok_rule.py").write_text("from pcproof.rules import ZIL\n\n\nclass Deep(ZIL):\n"
                                         "    def gate(self, pcn, l, t, n=0):\n"
                                         "        return self.gate(pcn, l, t, n + 1)\n")
    monkeypatch.setenv("PCPROOF_LOG_DIR", str(tmp_path))
    code, _, err = run(capsys, "prove", "thm-3.2", "--rule", f"{tmp_path / 'ok_rule.py'}:Deep")
    assert code == 4 and err.startswith("pcproof: internal error: RecursionError"), err

    def recurse(*args, n=0, **kw):
        return recurse(n=n + 1)

    monkeypatch.setattr(pcproof.check.concrete, "prove", recurse)
    code, _, err = run(capsys, "prove", "thm-3.2")
    assert code == 4 and err.startswith("pcproof: internal error: RecursionError"), err


def test_exit_codes_are_documented_in_help(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    text = " ".join(out.split())
    for phrase in ("0 proved", "1 refuted", "2 bad input", "3 unknown", "4 internal error", "PCPROOF_LOG_DIR"):
        assert phrase in text
    for name in ("list", "prove", "trajectory", "fuzz", "ablate", "report"):
        assert f"\n  {name} " in out


HEAVY = ("sympy", "numpy", "hypothesis", "z3", "matplotlib", "mpmath", "flint",
         "pcproof.check.fuzz", "pcproof.report.build", "pcproof.theorem")


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["prove", "--help"]])
def test_help_and_version_import_nothing_heavy(argv):
    """Issue 12 item 3: subcommands load lazily, so --help and --version stay light."""
    code = ("import sys\nfrom pcproof.cli import main\ntry:\n    main(%r)\nexcept SystemExit as e:\n"
            "    assert e.code == 0, e.code\nprint(sorted(m for m in %r if m in sys.modules))" % (argv, HEAVY))
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip().splitlines()[-1] == "[]"


def test_closed_output_pipe_is_not_a_verdict():
    """`pcproof list | head -1`: click would exit 1 (our "refuted"); pcproof exits 141, silently."""
    p = subprocess.Popen([sys.executable, "-m", "pcproof", "list"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.close()
    err = p.stderr.read()
    p.stderr.close()
    assert p.wait() == 141 and err == b""


def test_bare_command_prints_the_help(capsys):
    code, out, err = run(capsys)
    assert code == 0 and out.startswith("Usage: pcproof") and "4 internal error" in " ".join(out.split())
