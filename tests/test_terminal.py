"""Issue 11, items 3, 5 and 6: provenance in every JSON verdict; a user's rule and theorem on every
command; terminal output for people (Unicode mathematics, never LaTeX or internal atom names);
progress bars only on a terminal and never under --json; ``str(verdict)`` is the CLI's card."""
import io
import json
import re
import sys
import textwrap
from pathlib import Path

import pytest

from pcproof import progress
from pcproof.cli import main
from pcproof.provenance import comparable
from pcproof.text import point_name, to_text

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
RULE = f"{EXAMPLES / 'rescaled_zil.py'}:RescaledZIL"
THEOREM = str(EXAMPLES / "wavefront_theorem.py")

#: What must never reach a person's terminal: LaTeX commands and groups, internal atoms (a_36).
RAW = re.compile(r"\\|\^\{|_\{|\ba_\{?\d+|\b_a\d+|\ba[₀-₉]+")  # a₃₆: an atom, even in Unicode


def run(capsys, *argv):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def readable(text: str) -> bool:
    return RAW.search(text) is None


@pytest.fixture
def user_files(tmp_path):
    """A user's rules (one wrong, one that branches on symbolic values, one that raises) and a
    theorem file that raises while it loads."""
    (tmp_path / "rules.py").write_text(textwrap.dedent('''
        from pcproof import ZIL


        class Late(ZIL):
            name = "late by one"

            def update_step(self, l):
                return l + 1


        class Branchy(ZIL):
            name = "branchy"

            def gate(self, pcn, l, t):
                if t != l:
                    return None
                e = pcn.eps(l, t)
                return 1 if e[0] * e[0] + 3 * e[-1] + pcn.x(l, t)[0] * e[0] > 0 else None


        class Raises(ZIL):
            def inference_step(self, pcn, l, t):
                return 1 / 0
        '''))
    (tmp_path / "broken_theorem.py").write_text("import pcproof\n\nTHEOREM = undefined_name\n")
    return tmp_path


# -- the converter ------------------------------------------------------------------------------

@pytest.mark.parametrize("latex, text", [
    (r"\Delta\theta^{2}_{\text{z-il}} = \Delta\theta^{2}_{\text{BP}}", "Δθ²_z-il = Δθ²_BP"),
    (r"\Delta b^{0}_{\text{BP}}", "Δb⁰_BP"),
    (r"f\!\left(- \bar{x}^{1}_{0}\right)", "f(−x̄¹₀)"),
    (r"\varepsilon^{0}_{t}", "ε⁰ₜ"),
    (r"\left(\theta^{1}_{00}\right)^{2} \tanh^{2}{\left(s^{\mathrm{in}}_{0} \right)}", "(θ¹₀₀)² tanh²(sⁱⁿ₀)"),
    (r"\frac{\alpha}{\gamma^{l}}", "α/γˡ"),
    ("Q(l): l ≤ L-1 → ε^l_{t=l} = δ^l", "Q(l): l ≤ L-1 → εˡₜ₌ₗ = δˡ"),
    ("γ^(n+1) = γ · γ^n", "γⁿ⁺¹ = γ · γⁿ"),
    ("ran symbolically: PCRule.inference_step, PCN.delta_theta", "ran symbolically: PCRule.inference_step, "
                                                                 "PCN.delta_theta"),
    (r"\unknowncommand{x}", "unknowncommandx"),
])
def test_latex_and_caret_text_read_as_unicode(latex, text):
    assert to_text(latex) == text


def test_parameter_names_read_in_the_papers_notation():
    assert [point_name(n) for n in ("theta1_0_1", "theta12_10_3", "s_in_0", "s_out_2", "b2_1", "gamma", "alpha")] \
        == ["θ¹₀₁", "θ¹²₁₀,₃", "sⁱⁿ₀", "sᵒᵘᵗ₂", "b²₁", "γ", "α"]
    # a graph's parameters and clamped vertices
    assert [point_name(n) for n in ("theta_0_1", "theta0a_1_0", "theta_out_0_1", "U_1_0", "x_h0_1", "s_y2_0")] \
        == ["θ₀₁", "θ⁰ᵃ₁₀", "θᵒᵘᵗ₀₁", "U₁₀", "xʰ⁰₁", "sʸ²₀"]


# -- what each command prints -------------------------------------------------------------------

@pytest.mark.parametrize("argv, code", [
    (["prove", "thm-3.2", "-L", "3"], 0),
    (["prove", "thm-3.2", "--all-depths"], 0),
    (["prove", "thm-3.2", "-L", "2", "--update-step", "1", "-f", "sigmoid"], 1),     # arb witness
    (["prove", "thm-3.2", "-L", "2", "--gamma", "1/2", "-f", "poly"], 1),           # exact witness
    (["prove", "thm-3.2", "--depth", "150", "--width", "6", "--timeout", "0.05"], 3),
    (["prove", "cor-gamma", "--width", "3", "--widths", "2,3,1,2"], 2),              # bad input, one line
    (["prove", "graph-updates", "--model", "rnn", "--steps", "2"], 1),                # a graph's names
])
def test_prove_prints_no_latex_and_no_atoms(capsys, argv, code):
    got, out, err = run(capsys, *argv)
    assert got == code
    assert readable(out) and readable(err), out + err
    if code == 1:
        assert "fails at    Δθ" in out or "fails at    Δb" in out


def test_an_undecided_branch_is_shown_in_unicode(capsys, user_files):
    code, out, _ = run(capsys, "prove", "thm-3.2", "-L", "3", "-f", "tanh", "--rule", f"{user_files}/rules.py:Branchy")
    assert code == 3 and "compares symbolic values" in out and "tanh(x̄¹₀)" in out
    assert readable(out), out


def test_fuzz_prints_no_latex(capsys, user_files):
    code, out, _ = run(capsys, "fuzz", "thm-3.2", "--cases", "20", "--seed", "1", "--max-depth", "3", "-j", "1")
    assert code == 0 and "Δθ¹_z-il = Δθ¹_BP" in out and readable(out), out
    code, out, _ = run(capsys, "fuzz", "thm-3.2", "--cases", "20", "--seed", "1", "--max-depth", "3", "-j", "1",
                       "--rule", f"{user_files}/rules.py:Late")
    assert code == 1 and "fails at" in out and readable(out), out
    assert re.search(r"  at          .*= ", out) and "theta" not in out.split("fails at")[1]


def test_trajectory_unfolds_atoms_instead_of_naming_them(capsys):
    # at depth 4, width 3, the later steps hold sums the symbolic system stores as atoms
    code, out, _ = run(capsys, "trajectory", "-L", "4", "-n", "3", "--steps", "6")
    assert code == 0 and "ε = (δ⁰₀" in out and readable(out), [m.group(0) for m in RAW.finditer(out)][:5]


def test_ablate_table_prints_no_latex(capsys, tmp_path):
    code, out, _ = run(capsys, "ablate", "--quick", "--hidden", "1", "--condition", "c3", "--out", tmp_path / "a")
    assert code == 0 and "γˡ" in out and readable(out), out


# -- str(verdict) is the card -------------------------------------------------------------------

@pytest.mark.parametrize("argv", [["thm-3.2", "-L", "2"], ["thm-3.2", "--all-depths"],
                                  ["thm-3.2", "-L", "2", "--update-step", "1"]])
def test_str_of_a_verdict_is_the_card_the_cli_prints(capsys, argv):
    from pcproof.check.concrete import prove
    from pcproof.model import Architecture, get_activation
    from pcproof.theorem import Setting, get
    _, out, _ = run(capsys, "prove", *argv)
    thm = get(argv[0])
    if "--all-depths" in argv:
        from pcproof.check.induction import prove_all_depths
        v = prove_all_depths(thm, Setting(), activation=get_activation("uninterpreted"))
    else:
        v = prove(thm, Architecture.make(get_activation("uninterpreted"), depth=2, width=2),
                          Setting(update_offset=1 if "--update-step" in argv else 0))
    strip = lambda s: re.sub(r"\d+\.\d+ s\b", "… s", s).strip()  # noqa: E731 — the times differ
    assert strip(str(v)) == strip(out)
    assert str(v).startswith(f"{thm.name}: {v.verdict.upper()}") and readable(str(v))


# -- provenance in JSON -------------------------------------------------------------------------

def _pointer(doc, pointer):
    for p in pointer.split("/")[1:]:
        doc = doc[int(p)] if isinstance(doc, list) else doc[p]
    return doc


@pytest.mark.parametrize("argv", [
    ["prove", "thm-3.2", "-L", "2", "--update-step", "1", "--json"],
    ["prove", "thm-3.2", "--all-depths", "--json"],
    ["fuzz", "thm-3.2", "--cases", "10", "--seed", "4", "--max-depth", "3", "-j", "1", "--json"],
    ["trajectory", "-L", "2", "-n", "1", "--json"],
])
def test_json_records_provenance_and_is_deterministic_apart_from_timing(capsys, argv):
    code1, out1, _ = run(capsys, *argv)
    code2, out2, _ = run(capsys, *argv)
    a, b = json.loads(out1), json.loads(out2)
    p = a["provenance"]
    for key in ("pcproof", "commit", "sympy", "symengine", "z3", "python-flint", "mpmath", "python", "command",
                "seed"):
        assert key in p
    assert p["pcproof"] and p["sympy"] and p["z3"] and p["python"]
    assert p["command"] == "pcproof " + " ".join(argv)
    if argv[0] == "fuzz":
        assert p["seed"] == 4
    for pointer in a["timing"]:
        assert isinstance(_pointer(a, pointer), (int, float)), pointer
    if argv[0] != "trajectory":
        assert "/seconds" in a["timing"]
    assert code1 == code2 and comparable(a) == comparable(b)


def test_ablate_json_records_provenance(capsys, tmp_path):
    code, out, _ = run(capsys, "ablate", "--quick", "--hidden", "1", "--condition", "c3", "--out", tmp_path, "--json")
    doc = json.loads(out)
    assert code == 0 and doc["provenance"]["seed"] == [0] and doc["provenance"]["command"].startswith("pcproof ablate")
    assert json.loads((tmp_path / "ablation.json").read_text())["provenance"] == doc["provenance"]


# -- a user's rule and theorem on every command -------------------------------------------------

@pytest.mark.parametrize("argv, expect", [
    (["prove", "thm-3.2", "-L", "3", "--rule", RULE, "--gamma", "1/2"], "PROVED"),
    (["prove", "wavefront", "-L", "3", "--load", THEOREM], "PROVED"),
    (["prove", "wavefront", "--load", THEOREM, "-L", "3", "--rule", RULE, "--gamma", "symbolic"], "PROVED"),
    (["fuzz", "wavefront", "--load", THEOREM, "--cases", "10", "--seed", "1", "--max-depth", "3", "-j", "1"],
     "PASSED"),
    (["fuzz", "thm-3.2", "--rule", RULE, "--cases", "10", "--seed", "1", "--max-depth", "3", "-j", "1"], "PASSED"),
    (["trajectory", "-L", "2", "-n", "1", "--rule", RULE, "--gamma", "1/2"], "PCN trajectory"),
    (["trajectory", "-L", "2", "-n", "1", "--load", THEOREM, "--theorem", "wavefront"], "PCN trajectory"),
])
def test_user_rule_and_theorem_files(capsys, argv, expect):
    code, out, err = run(capsys, *argv)
    assert code == 0 and expect in out, out + err


def test_report_takes_a_users_rule_and_theorem(capsys, tmp_path):
    code, out, err = run(capsys, "report", "wavefront", "--load", THEOREM, "--rule", RULE, "--quick", "--fuzz-cases",
                         "5", "--no-all-depths", "--format", "md", "--out", tmp_path)
    assert code == 0, err
    index = (tmp_path / "index.md").read_text()
    assert f"--load {THEOREM}" in index and f"--rule {RULE}" in index   # the regeneration command has both
    report = (tmp_path / "wavefront.md").read_text()
    assert "alpha/gamma^l" in report                                   # the report is about the user's rule
    fuzz_line = next(line for line in report.splitlines() if line.startswith("pcproof fuzz wavefront"))
    assert "--load" in fuzz_line and "RescaledZIL" in fuzz_line         # and quotes a fuzz command that uses it


def test_ablate_takes_a_users_rule(capsys, tmp_path):
    code, out, err = run(capsys, "ablate", "--quick", "--hidden", "1", "--rule", RULE, "--out", tmp_path, "--json")
    doc = json.loads(out)
    assert code == 0 and doc["settings"]["rule"] == RULE and doc["pattern_holds"] is None
    # the corollary: Z-IL with α/γ^l is BP for every γ, so every C3 setting matches
    assert {r["condition"] for r in doc["rows"]} == {"c1", "c3"}
    assert all(r["matches_bp"] for r in doc["rows"] if r["condition"] == "c3")
    code, _, err = run(capsys, "ablate", "--quick", "--rule", RULE, "--condition", "c2", "--out", tmp_path / "b")
    assert code == 2 and "C2" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("command", [
    ["prove", "thm-3.2", "-L", "2"],
    ["fuzz", "thm-3.2", "--cases", "3", "-j", "1"],
    ["trajectory", "-L", "2"],
    ["report", "thm-3.2", "--quick", "--no-fuzz", "--no-all-depths", "--format", "md"],
    ["ablate", "--quick", "--hidden", "1", "--condition", "c1"],
])
@pytest.mark.parametrize("broken", ["rule", "theorem"])
def test_a_broken_file_is_one_line_naming_file_and_line(capsys, user_files, command, broken):
    out_dir = ["--out", user_files / "out"] if command[0] in ("report", "ablate") else []
    if broken == "rule":
        extra = ["--rule", f"{user_files}/rules.py:Raises"]
        where = "rules.py:24 (Raises.inference_step) raised ZeroDivisionError"
    else:
        if command[0] == "ablate":
            return  # ablate runs no theorem: it takes no --load
        extra = ["--load", user_files / "broken_theorem.py"]
        where = "broken_theorem.py:3 (<module>) raised NameError"
    code, out, err = run(capsys, *command, *out_dir, *extra)
    assert code == 2 and len(err.strip().splitlines()) == 1 and where in err, err
    assert "Traceback" not in err + out


def test_a_claim_with_sides_of_different_shapes_is_bad_input_in_unicode(capsys, tmp_path):
    (tmp_path / "badshape.py").write_text(textwrap.dedent('''
        from pcproof import C1, Equation, Theorem, register


        def claim(i):
            return [Equation(r"\\varepsilon^{1}_{0} = x^{1}", i.pcn.eps(1, 0), i.pcn.x(2, 0)[:1])]


        register(Theorem(name="badshape", title="shapes differ", source="test", hypotheses=(C1,),
                         statement=r"\\varepsilon = x", claim=claim))
        '''))
    code, out, err = run(capsys, "prove", "badshape", "--load", tmp_path / "badshape.py", "-L", "3")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "the two sides of ε¹₀ = x¹ differ in shape" in err and readable(err), err


# -- progress bars --------------------------------------------------------------------------------

class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def on_a_terminal(monkeypatch):
    """stderr replaced by a terminal (inside the test: pytest's capture resets it between phases)."""
    fake = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", fake)
    monkeypatch.setattr(progress, "DELAY", 0)  # draw at once: the test must not depend on speed
    return fake


def test_a_bar_is_drawn_on_a_terminal_only(monkeypatch):
    terminal = on_a_terminal(monkeypatch)
    assert isinstance(progress.bar(3), progress.Silent)        # not asked for (the Python API)
    with progress.shown():
        b = progress.bar(3, "work")
        assert not isinstance(b, progress.Silent)
        b.update()
        b.close()
    assert "work" in terminal.getvalue()
    with progress.shown():
        with progress.working("running the rule"):   # a step that cannot count: its elapsed time
            pass
    assert "running the rule" in terminal.getvalue()
    monkeypatch.setattr(terminal, "isatty", lambda: False)
    with progress.shown():
        assert isinstance(progress.bar(3), progress.Silent)    # a pipe or a file: nothing


@pytest.mark.parametrize("as_json", [False, True])
def test_fuzz_shows_a_bar_on_a_terminal_but_never_under_json(monkeypatch, as_json):
    terminal = on_a_terminal(monkeypatch)
    argv = ["fuzz", "thm-3.2", "--cases", "5", "--seed", "1", "--max-depth", "2", "-j", "1"] + (["--json"] * as_json)
    with pytest.raises(SystemExit):
        main(argv)
    assert ("fuzz thm-3.2" in terminal.getvalue()) is not as_json


def test_tqdm_is_not_imported_at_start_up():
    import subprocess
    code = "import sys, pcproof.cli; pcproof.cli.main(['list'])"
    probe = f"import atexit, sys; atexit.register(lambda: print('tqdm' in sys.modules, file=sys.stderr)); {code}"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert proc.stderr.strip().endswith("False"), proc.stderr
