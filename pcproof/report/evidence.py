"""Orchestration: run the provers a report shows, once, and hand their results over as data.

:mod:`.build` only renders what :func:`gather` returns (it imports no prover); the job that
writes reports (:func:`pcproof.report.write.write_reports`) calls both.  A stage that is
missing or raises is recorded as such (its reason, or the exception), so the report says
so plainly instead of going down with it.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field

#: the all-depth runs of a report: (with biases, label)
ALL_DEPTH_RUNS = ((False, "f uninterpreted"), (True, "f uninterpreted, with biases"))


@dataclass
class Evidence:
    """What the provers said about one theorem.

    ``all_depths``: a reason string when not run or unavailable, else [(label, bias, Verdict or
    the exception)]; ``concrete``: [(Run, Verdict or the exception)] (the control last);
    ``fuzz``: a reason string, a FuzzReport, or the exception."""

    all_depths: str | list = "not run"
    concrete: list = field(default_factory=list)
    fuzz: object = "not run"


def _optional(module: str):
    """Import a stage that may not exist yet; (module, None) or (None, reason)."""
    try:
        return importlib.import_module(module), None
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None, f"{module} is not part of this installation"
        return None, f"{module} failed to import: {type(exc).__name__}: {exc}"
    except Exception as exc:  # a stage that is broken must not take the report down with it
        return None, f"{module} failed to import: {type(exc).__name__}: {exc}"


def _reraise_users(exc: Exception) -> None:
    """A stage that fails is named in the report, unless the user's own file raised: that is
    bad input, one line and exit 2 (pcproof.cli), as in every other command."""
    from ..userfile import UserError, user_error_message
    if isinstance(exc, UserError) or user_error_message(exc, strict=True) is not None:
        raise exc


def gather(thm, opts) -> Evidence:
    """Run the all-depth prover, the concrete prover at every run of ``opts`` (and the control)
    and the fuzzer, as ``opts`` asks; nothing is rendered here."""
    from ..conditions import C1
    ev = Evidence()
    if opts.all_depths:
        mod, why = _optional("pcproof.check.induction")
        if mod is None:
            ev.all_depths = why
        else:
            from ..model import get_activation
            ev.all_depths = []
            for bias, label in ALL_DEPTH_RUNS:
                try:
                    v = mod.prove_all_depths(thm, opts.setting(), activation=get_activation("uninterpreted"), bias=bias,
                                             timeout=opts.timeout)
                except Exception as exc:
                    _reraise_users(exc)
                    v = exc
                ev.all_depths.append((label, bias, v))
    from ..check.concrete import prove
    for run in list(opts.runs) + ([opts.control] if opts.control else []):
        try:
            setting = C1.broken(opts.setting(), True) if run.init_noise else opts.setting()   # the control breaks C1
            v = prove(thm, run.architecture(), setting, timeout=opts.timeout)
        except Exception as exc:
            _reraise_users(exc)
            v = exc
        ev.concrete.append((run, v))
    if opts.fuzz:
        mod, why = _optional("pcproof.check.fuzz")
        if mod is None:
            ev.fuzz = why
        else:
            try:
                ev.fuzz = mod.fuzz(thm.name, opts.fuzz_cases, opts.fuzz_digits, opts.seed, rule=opts.rule)
            except Exception as exc:  # a stage that fails is named in the report, not hidden
                _reraise_users(exc)
                ev.fuzz = exc
    return ev
