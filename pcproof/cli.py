"""Command line: ``pcproof list | prove | report …``.

Exit codes: 0 proved (or success), 1 refuted (a counterexample was found),
2 bad input (one line on stderr, never a traceback), 3 unknown or timeout.
"""
from __future__ import annotations

import importlib.util
import sys
from fractions import Fraction
from pathlib import Path

import click

from . import kernel
from .model import ActivationError, Architecture, ArchitectureError, get_activation
from .numbers import NotExact
from .theorem import Setting, TheoremError

EXIT_BAD_INPUT = 2

#: Errors a user can cause; each becomes one line on stderr and exit code 2.
USER_ERRORS = (ActivationError, ArchitectureError, TheoremError, NotExact, click.ClickException)


class UserError(click.ClickException):
    """Any other bad input found by a command."""


def parse_widths(text: str | None):
    if text is None:
        return None
    try:
        return tuple(int(w) for w in text.split(","))
    except ValueError:
        raise UserError(f"--widths must be comma-separated integers n0,…,nL, got {text!r}") from None


def parse_gamma(text: str | None):
    """A rational γ ("1", "0.5", "1/2", "1e-2"), or "symbolic" for a free γ."""
    if text is None:
        return None
    if text.strip().lower() in ("symbolic", "gamma", "γ"):
        from .theorem import gamma
        return gamma
    try:
        return Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise UserError(f"--gamma must be a number (like 1, 0.5 or 1/2) or 'symbolic', got {text!r}") from None


def load_rule(spec: str | None):
    """``FILE.py:NAME`` → the PC rule class (or factory) NAME defined in the user's file."""
    from .rules import ZIL
    if spec is None:
        return ZIL
    path, _, name = spec.rpartition(":")
    if not path or not name:
        raise UserError(f"--rule must look like FILE.py:NAME, got {spec!r}")
    file = Path(path)
    if not file.is_file():
        raise UserError(f"--rule: no such file {path!r}")
    try:
        module_spec = importlib.util.spec_from_file_location(f"pcproof_user_rule_{file.stem}", file)
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
    except Exception as exc:  # the user's file may fail in any way; report it in one line
        raise UserError(f"--rule: cannot load {path!r}: {type(exc).__name__}: {exc}") from None
    rule = getattr(module, name, None)
    if rule is None or not callable(rule):
        raise UserError(f"--rule: {path!r} defines no rule named {name!r}")
    return rule


def architecture(depth, width, widths, activation, bias) -> Architecture:
    act = get_activation(activation)
    widths = parse_widths(widths)
    if widths is None and depth is None:
        depth = 3
    return Architecture.make(act, depth=depth, width=width, widths=widths, bias=bias)


def network_options(f):
    """The options that describe a network, shared by every command that builds one."""
    for opt in reversed([
        click.option("--depth", "-L", type=int, default=None, help="Depth L ≥ 1 (number of weight matrices). Default 3."),
        click.option("--width", "-n", type=int, default=None, help="Width of every layer (default 2)."),
        click.option("--widths", default=None, help="Widths n0,…,nL, output first."),
        click.option("--activation", "-f", default="uninterpreted", show_default=True,
                     help="uninterpreted, sigmoid, tanh, identity, softplus, poly, or expr:<expression in x>."),
        click.option("--bias/--no-bias", default=False, help="Give every layer a bias b^l."),
    ]):
        f = opt(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pcproof")
def cli():
    """pcproof: prove when predictive coding reproduces backpropagation exactly."""


@cli.command("list")
def list_cmd():
    """Name the theorems pcproof can prove."""
    from .theorem import all_theorems
    for t in all_theorems():
        hyps = ", ".join(c.name for c in t.hypotheses)
        click.echo(f"{t.name:<10} {t.title}  [{hyps}]  ({t.source})")
    return 0


@cli.command()
@click.argument("theorem")
@network_options
@click.option("--gamma", "gamma_text", default=None, help="Inference step γ (rational, or 'symbolic'). Default: the theorem's.")
@click.option("--update-step", "update_offset", type=int, default=0, show_default=True,
              help="C2 ablation: θ^{l+1} learns at t = l + OFFSET.")
@click.option("--init-noise", is_flag=True, help="C1 ablation: start hidden layers at x̄^l + η^l (η symbolic).")
@click.option("--rule", "rule_spec", default=None, help="Check your own PC rule, FILE.py:NAME, instead of Z-IL.")
@click.option("--timeout", type=float, default=600, show_default=True, help="Seconds before the verdict is 'unknown'.")
@click.option("--all-depths", is_flag=True, help="Prove for every depth L ≥ 1 and all widths, by induction (z3).")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
def prove(theorem, depth, width, widths, activation, bias, gamma_text, update_offset, init_noise, rule_spec,
          timeout, all_depths, as_json):
    """Prove THEOREM (thm-3.1, thm-3.2, cor-gamma) at one depth and widths, or at all depths."""
    from .theorem import get
    thm = get(theorem)
    setting = Setting(gamma=parse_gamma(gamma_text), update_offset=update_offset, init_noise=init_noise,
                      rule=load_rule(rule_spec))
    if all_depths:
        from .check.induction import prove_all_depths
        verdict = prove_all_depths(thm, setting, activation=get_activation(activation), bias=bias, timeout=timeout)
    else:
        from .check.concrete import prove as prove_concrete
        arch = architecture(depth, width, widths, activation, bias)
        bad = [l for l in range(arch.L) if l + update_offset < 0]
        if bad:
            raise UserError(f"--update-step {update_offset} would update θ^{bad[0] + 1} at t = {bad[0] + update_offset} < 0")
        verdict = prove_concrete(thm, arch, setting, timeout=timeout)
    click.echo(verdict.to_json(indent=2) if as_json else render_verdict(verdict))
    return verdict.exit_code


@cli.command()
@network_options
@click.option("--steps", type=int, default=None, help="Show t = 0 … STEPS-1 (default L+1).")
@click.option("--gamma", "gamma_text", default=None, help="Inference step γ (default: free symbol γ).")
@click.option("--init-noise", is_flag=True, help="Start hidden layers at x̄^l + η^l (C1 broken).")
@click.option("--latex", "as_latex", is_flag=True, help="Print LaTeX arrays instead of text.")
def trajectory(depth, width, widths, activation, bias, steps, gamma_text, init_noise, as_latex):
    """Print the PCN state x^l_t, ε^l_t in closed form (Z-IL, C1 unless --init-noise)."""
    from .trajectory import closed_form
    arch = architecture(depth, width, widths, activation, bias)
    if steps is not None and steps < 1:
        raise UserError(f"--steps must be at least 1, got {steps}")
    traj = closed_form(arch, steps, Setting(gamma=parse_gamma(gamma_text), init_noise=init_noise))
    click.echo(traj.latex() if as_latex else traj.text())
    return 0


def _widths_text(widths) -> str:
    if widths and len(widths) > 8 and len(set(widths)) == 1:
        return f"[{widths[0]}] × {len(widths)}"
    return str(widths)


def render_verdict(v: kernel.Verdict) -> str:
    """The verdict as a short proof a person reads."""
    held = [c for c, ok in v.conditions.items() if ok]
    broken = [c for c, ok in v.conditions.items() if not ok]
    lines = [
        f"{v.theorem}: {v.verdict.upper()}",
        f"  network     L = {v.depth}, widths = {_widths_text(v.widths)}, f = {v.activation}"
        + (", with biases" if v.bias else "") + f", γ = {v.gamma}, rule = {v.rule}",
        f"  hypotheses  {', '.join(v.hypotheses)};  this run keeps {', '.join(held) or 'none'}"
        + (f", breaks {', '.join(broken)}" if broken else ""),
        f"  method      {v.method}",
        f"  checked     {v.checked} scalar equations in {v.seconds:.2f} s",
    ]
    if v.depth is None:  # an all-depth verdict (pcproof.check.induction): read it as a short proof
        lines[1] = (f"  network     every depth L ≥ 1 and all widths, f = {v.activation} (uninterpreted in z3)"
                    + (", with biases" if v.bias else "") + f", γ = {v.gamma}, rule = {v.rule}")
        lines[4] = f"  checked     {v.checked} z3 queries in {v.seconds:.2f} s"
        lines += render_induction(v)
    if v.note:
        lines.append(f"  note        {v.note}")
    c = v.counterexample
    if c:
        lines += [
            f"  fails at    {c['equation']}, entry {c['entry']}",
            f"              lhs = {c['lhs']}",
            f"              rhs = {c['rhs']}   (|difference| = {c['difference']}, {c['digits']} digits)",
        ]
        point = ", ".join(f"{k}={val}" for k, val in c["point"].items())
        lines.append(f"  at          {point if len(point) < 600 else point[:600] + ' … (--json for all)'}")
    return "\n".join(lines)


def render_induction(v: kernel.Verdict) -> list[str]:
    """The lemmas and the induction of an all-depth verdict, one line per z3 query."""
    def part(name, q):
        core = f"; uses {', '.join(q['unsat_core'])}" if q.get("unsat_core") else ""
        return f"      {name:<6} {q['claim']}: z3 {q['z3']} ({q['seconds']:.3f} s){core}"

    def block(title, g):
        out = [f"  {title:<11} {g['statement']}  [{g['by']}]"]
        out += [part(k, g[k]) for k in ("base", "step", "direct") if k in g]
        if g.get("principle"):
            out.append(f"      hence  {g['principle']}")
        return out

    lines = []
    ind = v.induction or {}
    for g in v.lemmas:
        if g["name"] != ind.get("name"):
            lines += block("lemma", g)
    if ind:
        lines += block("induction", ind)
        if ind.get("then"):
            lines += block("then", ind["then"])
        lines.append(f"  therefore   {ind.get('theorem', '')}")
        if ind.get("assumes"):
            lines.append(f"  assuming    {'; '.join(ind['assumes'])}")
    if v.axioms and v.unsat_core is not None:
        used = [a for a in v.axioms if a.get("used", True)]
        lines.append(f"  axioms      {len(v.axioms)} listed, {len(used)} used: "
                     + "; ".join(a["statement"] for a in used))
    elif v.axioms:
        lines.append(f"  axioms      {len(v.axioms)} available: " + "; ".join(a["statement"] for a in v.axioms))
    return lines


# Commands that live beside the stage they belong to; each module defines ``command``.
for _module in ("pcproof.check.fuzz", "pcproof.check.ablate", "pcproof.report.cli"):
    try:
        cli.add_command(importlib.import_module(_module).command)
    except ModuleNotFoundError as _exc:  # a stage not built yet; any other import error is a bug
        if _exc.name != _module:
            raise


def main(argv=None) -> int:
    try:
        code = cli.main(args=argv, prog_name="pcproof", standalone_mode=False)
    except USER_ERRORS as exc:
        msg = exc.format_message() if isinstance(exc, click.ClickException) else str(exc)
        click.echo(f"pcproof: error: {msg}", err=True)
        return sys.exit(EXIT_BAD_INPUT)
    except click.exceptions.Abort:
        click.echo("pcproof: aborted", err=True)
        return sys.exit(EXIT_BAD_INPUT)
    return sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
