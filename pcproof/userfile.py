"""A user's Python file (``--rule FILE.py:NAME``, ``--load FILE.py``): loading it, and
telling an error in the user's code from an error in pcproof's.

Every command loads user files through :func:`load`, which remembers each file it ran.
When a command fails, :func:`user_error_message` walks the traceback: if a frame of a
remembered file is in it, the error is the user's (exit 2, one line naming the file and
the line that raised); otherwise it is pcproof's own (exit 4, see :mod:`pcproof.cli`).

This module sits at the bottom of the import graph: it imports nothing from pcproof.
"""
from __future__ import annotations

import importlib.util
import os
import sys
import sysconfig
from pathlib import Path

import click


class UserError(click.ClickException):
    """Bad input found by a command: one line on stderr, exit code 2."""


class UserCodeError(ValueError):
    """An error already located in the user's code (its message names the file and line):
    :func:`user_error_message` passes it on as it is.  pcproof.rules.RuleError is one."""


#: The files loaded so far: resolved path → (the path as the user wrote it, its role).
_LOADED: dict[str, tuple[str, str]] = {}

#: A frame whose call repeats this often with the same arguments is a cycle, not depth.
_CYCLE = 3


def load(path: str, role: str = "--load"):
    """Run the user's file ``path`` as a fresh module and return it.

    ``role`` is the option that named it (``--rule`` or ``--load``).  Any error the file
    raises while it runs becomes one line naming the file and the line."""
    file = Path(path)
    if not file.is_file():
        raise UserError(f"{role}: no such file {path!r}")
    _LOADED[os.path.realpath(file)] = (path, "rule" if role == "--rule" else "file")
    name = f"pcproof_user_{file.stem}_{len(_LOADED)}"
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None:  # importlib recognises no Python source by this name
        raise UserError(f"{role}: {path!r} is not a Python file (FILE.py)")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look their module up here
    try:
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
    except SyntaxError as exc:  # raised by the compiler: no frame of the file in the traceback
        where = f"{path}:{exc.lineno}" if exc.lineno else path
        raise UserError(f"{role}: cannot load {where}: SyntaxError: {exc.msg}") from None
    except Exception as exc:  # noqa: BLE001 — the user's file may fail in any way; one line
        where = user_error_message(exc) or f"{path} raised {_one_line(exc)}"
        raise UserError(f"{role}: cannot load {path!r}: {where}") from None
    return module


_PACKAGE = os.path.dirname(os.path.realpath(__file__))
#: pcproof's own code: the package, and its theorem library in a source checkout
_OWN = (_PACKAGE + os.sep, os.path.join(os.path.dirname(_PACKAGE), "theorems") + os.sep)
_SYSTEM = tuple(sorted({os.path.realpath(sysconfig.get_path(k)) + os.sep
                        for k in ("stdlib", "platstdlib", "purelib", "platlib")}))


def is_user_file(filename: str, strict: bool = False) -> bool:
    """A file of the user's: one loaded with ``--rule``/``--load``, or (for the Python API)
    any source file that is neither pcproof's own nor the standard library's or an
    installed package's (a rule defined in the user's own module or test file)."""
    if filename.startswith("<"):          # <frozen …>, <string>: not a file anyone wrote
        return False
    real = os.path.realpath(filename)
    if real in _LOADED:
        return True
    return not strict and not real.startswith(_OWN) and not real.startswith(_SYSTEM)


def _frames(exc: BaseException):
    """The traceback's frames, outermost first, following ``raise … from`` causes."""
    frames = []
    while exc is not None:
        tb, chain = exc.__traceback__, []
        while tb is not None:
            chain.append(tb)
            tb = tb.tb_next
        frames += chain  # a cause was raised inside the frames above it
        exc = exc.__cause__
    return frames


def _one_line(exc: BaseException) -> str:
    msg = " ".join(str(exc).split())
    if len(msg) > 300:
        msg = msg[:300] + " …"
    return f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__


def _arguments(frame) -> tuple:
    """The call's arguments, compared by value for numbers and strings, by identity otherwise."""
    code = frame.f_code
    n = code.co_argcount + code.co_kwonlyargcount
    values = (frame.f_locals.get(v) for v in code.co_varnames[:n])
    return tuple(v if isinstance(v, (int, str, type(None))) else id(v) for v in values)


def _function(code) -> str:
    """The qualified name of the function a frame runs, a comprehension or lambda in it
    named by the function (``R.inference_step``, not ``R.inference_step.<locals>.<genexpr>``)."""
    parts = getattr(code, "co_qualname", code.co_name).split(".")
    while len(parts) > 1 and parts[-1].startswith("<"):
        parts.pop()
        if parts[-1] == "<locals>":
            parts.pop()
    return ".".join(parts)


def user_error_message(exc: BaseException, strict: bool = False) -> str | None:
    """One line saying where in a user's file ``exc`` was raised, or None if no frame of
    a user's file is in its traceback (then the error is pcproof's).  ``strict``: only files
    loaded with ``--rule``/``--load`` are the user's (the CLI); otherwise any file outside
    pcproof, the standard library and installed packages is (the Python API).

    The innermost frame of a user's file is named.  A RecursionError is the user's
    when a call in their file recurs with the same arguments: the rule is circular."""
    if isinstance(exc, UserCodeError):
        return str(exc)
    frames = [tb for tb in _frames(exc) if is_user_file(tb.tb_frame.f_code.co_filename, strict)]
    if not frames:
        return None
    inner = frames[-1]
    filename = inner.tb_frame.f_code.co_filename
    shown, role = _LOADED.get(os.path.realpath(filename), (filename, "rule"))
    where = f"{Path(shown).name}:{inner.tb_lineno}"
    qualname = _function(inner.tb_frame.f_code)
    if isinstance(exc, RecursionError):
        seen: dict = {}
        for tb in frames:
            key = (tb.tb_frame.f_code, tb.tb_lineno, _arguments(tb.tb_frame))
            seen[key] = seen.get(key, 0) + 1
            if seen[key] >= _CYCLE:
                return (f"the {role} is circular: {Path(shown).name}:{tb.tb_lineno} "
                        f"({_function(tb.tb_frame.f_code)}) calls itself with the same "
                        f"arguments (a value that depends on itself)")
        return None  # deep but not circular: pcproof's recursion limit, not the user's error
    raised = f"raised {_one_line(exc)}"
    deepest = _frames(exc)[-1]
    if deepest is not inner:  # raised in code the user's line called: name that module too
        raised += f" (in {deepest.tb_frame.f_globals.get('__name__', '?')}, called from this line)"
    return f"rule {where} ({qualname}) {raised}" if role == "rule" else f"{where} ({qualname}) {raised}"


def calling_user_code() -> str | None:
    """``FILE:LINE (function)`` of the innermost frame of the user's code on the current
    stack (None if there is none): where a rule asked for something it cannot have."""
    frame = sys._getframe(1)
    while frame is not None:
        if is_user_file(frame.f_code.co_filename):
            filename = frame.f_code.co_filename
            shown, _role = _LOADED.get(os.path.realpath(filename), (filename, "rule"))
            return f"{Path(shown).name}:{frame.f_lineno} ({_function(frame.f_code)})"
        frame = frame.f_back
    return None
