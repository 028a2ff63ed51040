"""Command line: ``pcproof list | prove | trajectory | fuzz | ablate | report``.

Exit codes (the same for every command):

* 0 — proved, or the command succeeded (fuzz: every case equal);
* 1 — refuted: a counterexample was found (never anything else);
* 2 — bad input: one line on stderr (an option out of range, an unknown name, a user's
  rule or theorem file that raises, is circular or has the wrong shapes — named by
  file and line);
* 3 — unknown: undecided or timed out;
* 4 — internal error (a bug in pcproof): one line on stderr naming the saved log,
  which holds the traceback (in ``$PCPROOF_LOG_DIR``, else the temporary directory);
* 130 — interrupted (Ctrl-C); 141 — the output pipe was closed (``| head``).

No command prints a traceback.  Subcommands are imported only when they run, so
``pcproof --help``, ``--version`` and ``list`` start quickly.
"""
from __future__ import annotations

import functools

import difflib
import importlib
import os
import re
import sys
import time
from fractions import Fraction

import click

from . import __version__
from .userfile import UserError, user_error_message
from .userfile import load as load_user_file

EXIT_REFUTED, EXIT_BAD_INPUT, EXIT_UNKNOWN, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 1, 2, 3, 4, 130, 141

EXIT_CODES_HELP = ("Exit codes: 0 proved / passed, 1 refuted (a counterexample), 2 bad input (one line on "
                   "stderr), 3 unknown / undecided / timeout, 4 internal error (one line naming a log file "
                   "with the traceback; set PCPROOF_LOG_DIR to choose its folder), 130 interrupted, 141 output pipe closed.")

#: Longest --timeout accepted (the POSIX interval timer overflows near 1e10 s).
MAX_TIMEOUT = 1e8


_IMPORTED = time.perf_counter()


def process_started() -> float:
    """The ``time.perf_counter()`` reading when this process started: from /proc on Linux,
    so the interpreter's start-up and every import count; elsewhere when this module loaded."""
    try:
        with open("/proc/self/stat") as stat, open("/proc/uptime") as up:
            ticks = int(stat.read().rpartition(")")[2].split()[19])  # field 22, starttime
            uptime = float(up.read().split()[0])
        elapsed = uptime - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return _IMPORTED
    return time.perf_counter() - max(elapsed, time.perf_counter() - _IMPORTED)


def user_error_types() -> tuple[type, ...]:
    """Errors a user can cause, from the modules that define them (imported only if loaded:
    an error of a module never imported cannot have been raised)."""
    found = [click.ClickException]
    for module, name in (("pcproof.model.activations", "ActivationError"), ("pcproof.model.network", "ArchitectureError"),
                         ("pcproof.theorem", "TheoremError"), ("pcproof.numbers.exact", "NotExact"),
                         ("pcproof.numbers", "ShapeError"), ("pcproof.kernel", "ShapeError"),
                         ("pcproof.rules.base", "RuleError"), ("pcproof.model.graph", "GraphError")):
        cls = getattr(sys.modules.get(module), name, None)
        if cls is not None:
            found.append(cls)
    return tuple(found)


def did_you_mean(name: str, known) -> str:
    """`` (did you mean 'x'?)`` when a known name is close to ``name``, else ``""``."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def get_theorem(name: str):
    """The registered theorem ``name``; a misspelt name gets a suggestion."""
    from .theorem import REGISTRY, TheoremError, all_theorems, get
    all_theorems()  # the library registers itself on first use
    if name not in REGISTRY:
        names = sorted({t.name for t in REGISTRY.values()})
        raise TheoremError(f"unknown theorem {name!r}{did_you_mean(name, REGISTRY)} (known: {', '.join(names)})")
    return get(name)


def get_activation(name: str):
    """The activation ``name``; a misspelt name gets a suggestion."""
    from .model import ActivationError, get_activation as get
    from .model.activations import BUILTIN
    if name not in BUILTIN and not name.startswith("expr:"):
        raise ActivationError(f"unknown activation {name!r}{did_you_mean(name, BUILTIN)} "
                              f"(choose from {', '.join(BUILTIN)}, or expr:<expression in x>)")
    return get(name)


def check_timeout(ctx, param, value):
    """--timeout: a finite number of seconds > 0 (the interval timer refuses the rest)."""
    if value is not None and not (0 < value <= MAX_TIMEOUT):
        raise UserError(f"--timeout must be a number of seconds > 0 and ≤ {MAX_TIMEOUT:g}, got {value}")
    return value


def parse_widths(text: str | None):
    if text is None:
        return None
    try:
        return tuple(int(w) for w in text.split(","))
    except ValueError:
        raise UserError(f"--widths must be comma-separated integers n0,…,nL, got {text!r}") from None


def parse_gamma(text: str | None):
    """A rational γ ("1", "0.5", "1/2", "1e-2"), or "symbolic" for a free γ.

    γ = 0 is accepted: a legal, degenerate inference step (the state never moves).  A
    rule that divides by γ then raises in its own code, which is reported as its error."""
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
    """``FILE.py:NAME`` → the PC rule class (or factory) NAME defined in the user's file;
    ``MODULE:NAME`` (a dotted module name, e.g. ``pcproof.rules:FaZIL``) → one importable."""
    if spec is None:
        from .rules import ZIL
        return ZIL
    path, _, name = spec.rpartition(":")
    if not path or not name:
        raise UserError(f"--rule must look like FILE.py:NAME or MODULE:NAME, got {spec!r}")
    dotted = all(part.isidentifier() for part in path.split("."))
    if dotted and not path.endswith(".py") and not os.path.isfile(path):
        try:
            module = importlib.import_module(path)
        except ModuleNotFoundError as exc:
            if not (exc.name and path.startswith(exc.name)):
                raise  # the module exists but an import inside it failed: not the user's typo
            raise UserError(f"--rule: no module named {path!r} (give FILE.py:NAME or MODULE:NAME)") from None
    else:
        module = load_user_file(path, "--rule")
    rule = getattr(module, name, None)
    if rule is None or not callable(rule):
        defined = [k for k, v in vars(module).items() if callable(v) and not k.startswith("_")]
        raise UserError(f"--rule: {path!r} defines no rule named {name!r}{did_you_mean(name, defined)}")
    return rule


def architecture(depth, width, widths, activation, bias):
    """The network the options describe (--width and --widths exclude each other)."""
    from .model import Architecture
    if widths is not None and width is not None:
        raise UserError(f"give --width or --widths, not both (--widths {widths} already fixes every width)")
    act = get_activation(activation)
    widths = parse_widths(widths)
    if widths is None and depth is None:
        depth = 3
    return Architecture.make(act, depth=depth, width=width, widths=widths, bias=bias)


def shown_unless(as_json: bool):
    """Progress bars on stderr for this block (on a terminal only), none under ``--json``."""
    from .progress import shown
    return shown(not as_json)


def family_options(f):
    """The options of the graph families (``--blocks``, ``--steps``, … ``--skip``), handed to the
    command as one ``graph_options`` dict (None: not given), for every command that takes --model."""
    names = dict(kernel_size="kernel", attn_causal="causal", attn_skip="skip")

    @functools.wraps(f)
    def command(*args, **kw):
        given = {names.get(k, k): kw.pop(k) for k in list(kw) if k in _FAMILY_KEYS}
        kw["graph_options"] = {k: (v or None) if isinstance(v, bool) else v for k, v in given.items()}
        return f(*args, **kw)
    for option in reversed(_FAMILY_OPTIONS):
        command = option(command)
    return command


_FAMILY_OPTIONS = (
    click.option("--blocks", type=click.IntRange(1, 4096), default=None, help="residual: number of blocks (default 2)."),
    click.option("--steps", type=click.IntRange(1, 4096), default=None, help="rnn: steps unrolled (default 3)."),
    click.option("--outputs", type=click.Choice(["last", "all"]), default=None, help="rnn: loss on the last step or all."),
    click.option("--size", type=click.IntRange(1, 256), default=None, help="cnn: input size (default 5)."),
    click.option("--kernel", "kernel_size", type=click.IntRange(1, 256), default=None, help="cnn: kernel size (default 2)."),
    click.option("--dims", type=click.IntRange(1, 2), default=None, help="cnn: 1-D or 2-D (default 1)."),
    click.option("--pool", type=click.IntRange(1, 256), default=None, help="cnn: average pooling over p-wide windows."),
    click.option("--tokens", type=click.IntRange(1, 64), default=None, help="attention: tokens (default 2)."),
    click.option("--dim", type=click.IntRange(1, 64), default=None, help="attention: dimension of a token (default 2)."),
    click.option("--heads", type=click.IntRange(1, 64), default=None, help="attention: heads, dividing --dim (default 1)."),
    click.option("--causal", "attn_causal", is_flag=True, help="attention: causal mask, token i attends to j ≤ i."),
    click.option("--skip", "attn_skip", is_flag=True, help="attention: a transformer's residual form, y reads E + O."),
)
_FAMILY_KEYS = ("blocks", "steps", "outputs", "size", "kernel_size", "dims", "pool", "tokens", "dim", "heads",
                "attn_causal", "attn_skip")


def load_options(f):
    """``--load FILE.py`` (repeatable): a user's file that registers theorems, run before anything else."""
    return click.option("--load", "load_files", multiple=True, type=click.Path(dir_okay=False),
                        help="A Python file that registers your own theorems (pcproof.theorem.register); "
                             "repeatable.")(f)


def load_files_given(load_files) -> None:
    """Run every ``--load`` file (an error in one is one line naming file:line, exit 2)."""
    for file in load_files:
        load_user_file(file, "--load")


def network_options(f):
    """The options that describe a network, shared by every command that builds one."""
    for opt in reversed([
        click.option("--depth", "-L", type=int, default=None, help="Depth L ≥ 1 (number of weight matrices). Default 3."),
        click.option("--width", "-n", type=int, default=None, help="Width of every layer (default 2)."),
        click.option("--widths", default=None, help="Widths n0,…,nL, output first (instead of --width)."),
        click.option("--activation", "-f", default="uninterpreted", show_default=True,
                     help="uninterpreted, sigmoid, tanh, identity, softplus, poly, or expr:<expression in x>."),
        click.option("--bias/--no-bias", default=False, help="Give every layer a bias b^l."),
    ]):
        f = opt(f)
    return f


#: Every subcommand: name → (module, attribute, one-line help).  The module is imported
#: only when the command runs (or its own --help is asked for): start-up stays light.
COMMANDS = {
    "list": ("pcproof.cli", "list_cmd", "Name the theorems pcproof can prove."),
    "prove": ("pcproof.cli", "prove", "Prove a theorem at one depth and widths, or at all depths."),
    "trajectory": ("pcproof.cli", "trajectory", "Print the PCN state x^l_t, ε^l_t in closed form."),
    "fuzz": ("pcproof.commands.fuzz", "command", "Check a theorem numerically on random networks."),
    "ablate": ("pcproof.commands.ablate", "command", "Break C1, C2, C3 one at a time; measure how far Z-IL moves from BP."),
    "report": ("pcproof.commands.report", "command", "Write derivation reports (Markdown, LaTeX, HTML) and an index."),
    "validate": ("pcproof.commands.zoo", "validate_cmd", "Judge a rule against BP: exact, under a condition, to order k, "
                 "approximate, not BP."),
    "zoo": ("pcproof.commands.zoo", "zoo_cmd", "Judge every rule of the credit-assignment zoo against BP (a table)."),
}


class PipeClosed(Exception):
    """The reader of our output went away (``pcproof list | head -1``)."""


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use (see :data:`COMMANDS`)."""

    def list_commands(self, ctx):
        return list(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[name]
        return getattr(importlib.import_module(module), attr)

    def resolve_command(self, ctx, args):
        name = args[0] if args else ""
        if name not in COMMANDS and not name.startswith("-") and not ctx.resilient_parsing:
            raise click.UsageError(f"no such command {name!r}{did_you_mean(name, COMMANDS)} "
                                   f"(commands: {', '.join(COMMANDS)})", ctx)
        return super().resolve_command(ctx, args)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BrokenPipeError as exc:  # before click's own handler, which exits 1 (our "refuted")
            raise PipeClosed() from exc

    def format_commands(self, ctx, formatter):
        # the static one-line helps: listing the commands imports none of them
        with formatter.section("Commands"):
            formatter.write_dl([(name, text) for name, (_m, _a, text) in COMMANDS.items()])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_CODES_HELP)
@click.version_option(__version__, prog_name="pcproof")
def cli():
    """pcproof: prove when predictive coding reproduces backpropagation exactly."""


@click.command("list", epilog=EXIT_CODES_HELP)
@click.option("--models", is_flag=True, help="Name the graph families (--model) instead.")
def list_cmd(models):
    """Name the theorems pcproof can prove."""
    if models:
        from .model.families import FAMILIES
        for f in FAMILIES.values():
            click.echo(f"{f.name:<10} {f.text}  [{', '.join('--' + o for o in f.options)}]")
        click.echo("FILE.py:BUILDER  your own graph: a function (activation, **options) -> pcproof.model.graph.Graph")
        return 0
    from .theorem import all_theorems
    for t in all_theorems():
        hyps = ", ".join(c.name for c in t.hypotheses)
        click.echo(f"{t.name:<10} {t.title}  [{hyps}]  ({t.source})")
    return 0


@click.command(epilog=EXIT_CODES_HELP)
@click.argument("theorem")
@network_options
@click.option("--gamma", "gamma_text", default=None, help="Inference step γ (rational, or 'symbolic'). Default: the theorem's.")
@click.option("--update-step", "update_offset", type=int, default=0, show_default=True,
              help="C2 ablation: θ^{l+1} learns at t = l + OFFSET.")
@click.option("--init-noise", is_flag=True, help="C1 ablation: start hidden layers at x̄^l + η^l (η symbolic).")
@click.option("--rule", "rule_spec", default=None, help="Check your own PC rule, FILE.py:NAME, instead of Z-IL.")
@click.option("--timeout", type=float, default=600, show_default=True, callback=check_timeout,
              help="Seconds (> 0) before the verdict is 'unknown'.")
@click.option("--all-depths", is_flag=True, help="Prove for every depth L ≥ 1 and all widths, by induction (z3).")
@click.option("--model", default=None,
              help="Graph theorems: mlp, residual, rnn, cnn, attention (pcproof list --models) or FILE.py:BUILDER.")
@family_options
@click.option("--level", "do_level", is_flag=True, help="Insert identity vertices so every path to the output has one length.")
@click.option("--shared-updates", type=click.Choice(["immediate", "deferred"]), default="immediate", show_default=True,
              help="Graphs: apply a shared parameter's updates at once, or after the run.")
@load_options
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON (with its provenance).")
def prove(theorem, depth, width, widths, activation, bias, gamma_text, update_offset, init_noise, rule_spec,
          timeout, all_depths, model, graph_options, do_level, shared_updates, load_files, as_json):
    """Prove THEOREM at one depth and widths, or at all depths; a graph theorem on a --model."""
    from .theorem import Setting
    load_files_given(load_files)
    thm = get_theorem(theorem)
    setting = Setting(gamma=parse_gamma(gamma_text), update_offset=update_offset, init_noise=init_noise,
                      rule=load_rule(rule_spec), shared_updates=shared_updates)
    if thm.graph:
        if all_depths:
            verdict = prove_graph_all_sizes(thm, model, activation, width, widths, do_level, graph_options,
                                            setting, timeout)
            click.echo(verdict_json(verdict) if as_json else str(verdict))
            return verdict.exit_code
        from .check.graphs import prove as prove_graph
        graph = build_graph(model or "mlp", activation, depth, width, widths, bias, graph_options, do_level)
        with shown_unless(as_json):
            verdict = prove_graph(thm, graph, setting, timeout=timeout)
        click.echo(verdict_json(verdict) if as_json else str(verdict))
        return verdict.exit_code
    given = [f"--{k}" for k, v in graph_options.items() if v is not None] + (["--model"] if model else []) \
        + (["--level"] if do_level else [])
    if given:
        raise UserError(f"{' and '.join(given)} {'describe' if len(given) > 1 else 'describes'} a graph: {thm.name} is stated on the layered network "
                        "(graph theorems: graph-eps, graph-updates)")
    if all_depths:
        given = [name for name, v in (("--depth", depth), ("--width", width), ("--widths", widths)) if v is not None]
        if given:
            raise UserError(f"--all-depths proves every depth and width: drop {' and '.join(given)}")
        from .check.induction import prove_all_depths
        with shown_unless(as_json):
            verdict = prove_all_depths(thm, setting, activation=get_activation(activation), bias=bias, timeout=timeout)
    else:
        from .check.concrete import prove as prove_concrete
        arch = architecture(depth, width, widths, activation, bias)
        bad = [l for l in range(arch.L) if l + update_offset < 0]
        if bad:
            raise UserError(f"--update-step {update_offset} would update θ^{bad[0] + 1} at t = {bad[0] + update_offset} < 0")
        with shown_unless(as_json):
            verdict = prove_concrete(thm, arch, setting, timeout=timeout)
    click.echo(verdict_json(verdict) if as_json else str(verdict))
    return verdict.exit_code


@click.command(epilog=EXIT_CODES_HELP)
@network_options
@click.option("--steps", type=int, default=None, help="Show t = 0 … STEPS-1 (default L+1).")
@click.option("--gamma", "gamma_text", default=None, help="Inference step γ (default: free symbol γ).")
@click.option("--init-noise", is_flag=True, help="Start hidden layers at x̄^l + η^l (C1 broken).")
@click.option("--latex", "as_latex", is_flag=True, help="Print LaTeX arrays instead of text.")
@click.option("--rule", "rule_spec", default=None, help="Your own PC rule, FILE.py:NAME or MODULE:NAME, instead of Z-IL.")
@click.option("--theorem", "theorem_name", default="cor-gamma", show_default=True,
              help="The theorem whose setting (γ free or 1) the run follows; with --load, one of yours.")
@load_options
@click.option("--json", "as_json", is_flag=True, help="Print every x^l_t, ε^l_t as JSON (LaTeX strings, with provenance).")
def trajectory(depth, width, widths, activation, bias, steps, gamma_text, init_noise, as_latex, rule_spec,
               theorem_name, load_files, as_json):
    """Print the PCN state x^l_t, ε^l_t in closed form (Z-IL, C1 unless --init-noise)."""
    from .theorem import Setting
    from .trajectory import Trajectory
    load_files_given(load_files)
    thm = get_theorem(theorem_name)
    if as_latex and as_json:
        raise UserError("give --latex or --json, not both")
    arch = architecture(depth, width, widths, activation, bias)
    if steps is not None and steps < 1:
        raise UserError(f"--steps must be at least 1, got {steps}")
    setting = Setting(gamma=parse_gamma(gamma_text), init_noise=init_noise, rule=load_rule(rule_spec))
    traj = Trajectory(thm, arch, setting, steps)
    if as_json:
        import json

        from .provenance import stamp
        doc = dict(theorem=thm.name, architecture=arch.describe(), rule=setting.rule_name(),
                   gamma=traj.ops.latex(traj.gamma), steps=[
                       dict(t=t, layers=[dict(l=l, x=traj.x_latex(l, t, True),
                                              **({"eps": traj.eps_latex(l, t, True)} if l < traj.L else {}))
                                         for l in range(traj.L + 1)]) for t in range(traj.steps)])
        click.echo(json.dumps(stamp(doc), indent=2, ensure_ascii=False))
    else:
        click.echo(traj.latex() if as_latex else traj.text())
    return 0


def prove_graph_all_sizes(thm, model, activation, width, widths, do_level, options, setting, timeout):
    """``--all-depths`` on a graph theorem: every size of an indexed family (residual, rnn)."""
    from .check.graph_induction import INDEXED, prove_all_sizes
    if model not in INDEXED:
        raise UserError(f"--all-depths on {thm.name} needs --model {' or '.join(INDEXED)} (a family with a size), "
                        f"got {model or 'none'}")
    size = INDEXED[model]
    given = [f"--{k}" for k, v in options.items() if v is not None and (k == size or k not in ("outputs",))] \
        + (["--widths"] if widths is not None else [])
    if given:
        raise UserError(f"--all-depths proves every {size} n ≥ 1: drop {' and '.join(given)}")
    extra = dict(width=width) if width is not None else {}
    if options.get("outputs") is not None:
        extra["outputs"] = options["outputs"]
    return prove_all_sizes(thm, model, setting, activation=get_activation(activation), level=do_level,
                           timeout=timeout, **extra)


def build_graph(model, activation, depth, width, widths, bias, options, do_level):
    """The graph ``--model`` names (a family with its options, or FILE.py:BUILDER), levelled if asked."""
    from .model.families import FAMILIES
    from .model.graph import Graph, level
    act = get_activation(activation)
    given = {k: v for k, v in options.items() if v is not None}
    if ":" in model:
        from .userfile import load
        path, _, name = model.rpartition(":")
        build = getattr(load(path, "--model"), name, None)
        if not callable(build):
            raise UserError(f"--model: {path!r} defines no builder named {name!r}")
        import inspect
        try:
            inspect.signature(build).bind(act, **given)
        except TypeError as exc:   # the call itself would fail, not the user's code: say why
            raise UserError(f"--model: {name} must accept (activation, **options) "
                            f"with the options given ({exc})") from None
        except ValueError:         # no signature to read (a builtin): let the call decide
            pass
        graph = build(act, **given)
        if not isinstance(graph, Graph):
            raise UserError(f"--model: {name} returned {type(graph).__name__}, not a pcproof.model.graph.Graph")
    else:
        fam = FAMILIES.get(model)
        if fam is None:
            raise UserError(f"unknown model {model!r}{did_you_mean(model, FAMILIES)} (known: {', '.join(FAMILIES)})")
        if width is not None and widths is not None:
            raise UserError("give --width or --widths, not both")
        net = dict(depth=depth, width=width, widths=parse_widths(widths), bias=bias)
        wrong = [f"--{k}" for k in given if k not in fam.options] + \
                [f"--{k}" for k, v in net.items() if v not in (None, False) and k not in fam.options]
        if wrong:
            raise UserError(f"{' and '.join(wrong)} do not apply to --model {model} (it takes "
                            f"{', '.join('--' + o for o in fam.options)})")
        kw = {k: v for k, v in {**net, **given}.items() if v not in (None, False) and k in fam.options}
        graph = fam.build(act, **kw)
    return level(graph) if do_level else graph


def verdict_json(v) -> str:
    """The verdict as JSON, stamped with its provenance and the pointers of its timing fields."""
    import json

    from .provenance import stamp
    return json.dumps(stamp(v.to_dict()), indent=2)


def render_verdict(v) -> str:
    """The verdict as a short proof a person reads: ``str(v)``, one renderer
    (:func:`pcproof.text.verdict_card`) for the CLI and the Python API."""
    return str(v)


def log_internal_error(exc: BaseException, argv) -> str:
    """Save ``exc``'s traceback (and what was run) to a new log file; return its path."""
    import os
    import platform
    import tempfile
    import time
    import traceback
    folder = os.environ.get("PCPROOF_LOG_DIR") or tempfile.gettempdir()
    os.makedirs(folder, exist_ok=True)
    fd, path = tempfile.mkstemp(prefix=time.strftime("pcproof-error-%Y%m%d-%H%M%S-"), suffix=".log", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as log:
        log.write(f"pcproof {__version__}, Python {platform.python_version()} on {platform.platform()}\n")
        log.write(f"command: pcproof {' '.join(argv)}\n\n")
        log.write("".join(traceback.format_exception(exc)))
    return path


def main(argv=None) -> int:
    """Run the command line and exit with the code of the module docstring; never a traceback."""
    argv = sys.argv[1:] if argv is None else list(argv)
    from .provenance import record_command
    record_command(["pcproof", *argv])  # what JSON verdicts and reports record as their command
    try:
        code = cli.main(args=argv, prog_name="pcproof", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("pcproof: interrupted", err=True)
        return sys.exit(EXIT_INTERRUPTED)
    except PipeClosed:  # not an error, and not a verdict
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's flush at exit must not fail
        return sys.exit(EXIT_BROKEN_PIPE)
    except SystemExit as exc:  # a user's file calling sys.exit(1) must not read as "refuted"
        users = user_error_message(exc, strict=True)
        if users is None:
            raise
        click.echo(f"pcproof: error: {users}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except Exception as exc:  # noqa: BLE001 — every failure becomes an exit code, never a traceback
        sys.exit(report_failure(exc, argv))
    return sys.exit(code if isinstance(code, int) else 0)


def report_failure(exc: Exception, argv) -> int:
    """One line on stderr for a failed command; its exit code (2 the user's error, 4 pcproof's)."""
    no_args = getattr(click.exceptions, "NoArgsIsHelpError", ())
    if isinstance(exc, no_args) and exc.ctx is not None:  # bare `pcproof`: the help, as --help prints it
        click.echo(exc.ctx.get_help())
        return 0
    if isinstance(exc, user_error_types()):
        msg = exc.format_message() if isinstance(exc, click.ClickException) else str(exc)
        if re.search(r"\\[A-Za-z]+|\^\{|_\{", msg):  # an equation's LaTeX label: the terminal reads Unicode
            from .text import to_text
            msg = to_text(msg)
        click.echo(f"pcproof: error: {' '.join(msg.split())}", err=True)
        return EXIT_BAD_INPUT
    users = user_error_message(exc, strict=True)
    if users is not None:
        click.echo(f"pcproof: error: {users}", err=True)
        return EXIT_BAD_INPUT
    try:
        where = f"log: {log_internal_error(exc, argv)}"
    except OSError as log_error:  # the log cannot be written: say so, still in one line
        where = f"no log: {log_error}"
    msg = " ".join(str(exc).split())
    click.echo(f"pcproof: internal error: {type(exc).__name__}: {msg[:300]} ({where})", err=True)
    return EXIT_INTERNAL


if __name__ == "__main__":
    main()
