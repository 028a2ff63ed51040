"""Where a result came from: pcproof's version, the commit of a source checkout, the versions
of the libraries a verdict depends on, the Python version, the command line and the seed.

Cheap to import and to call: package versions come from ``importlib.metadata`` (no sympy or
z3 import), the commit from one ``git`` call that is skipped outside a checkout.

Reports print this record inside a marked block (``provenance:begin`` … ``provenance:end``,
see :mod:`pcproof.report.render`): the commit, the dirty flag and the command line change
between runs that produce the same mathematics, so the identity check of two reports made with
one seed ignores that block, as it ignores the timing block.
"""
from __future__ import annotations

import sys
from pathlib import Path

# platform, shlex, subprocess and importlib.metadata are imported where used: the CLI imports
# this module at start-up (to record its command line), and they cost ~80 ms together

#: Distributions whose versions a verdict depends on (distribution name → label).
LIBRARIES = {"sympy": "sympy", "symengine": "symengine", "z3-solver": "z3", "python-flint": "python-flint",
             "mpmath": "mpmath"}


def _version(dist: str) -> str | None:
    from importlib import metadata
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _git(root: Path, *args: str) -> str | None:
    import subprocess
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def _checkout() -> tuple[str | None, bool | None]:
    """(commit, dirty) when pcproof is imported from a git checkout, else (None, None)."""
    root = Path(__file__).resolve().parent.parent
    if not (root / ".git").exists():  # an installed wheel: no commit to report
        return None, None
    commit = _git(root, "rev-parse", "HEAD")
    if commit is None:
        return None, None
    status = _git(root, "status", "--porcelain", "--untracked-files=no")
    return commit, (None if status is None else bool(status))


#: The command line the CLI is running (``pcproof.cli.main`` records it), else None: sys.argv.
_COMMAND: list | None = None


def record_command(argv) -> None:
    """Remember the command line being run (``["pcproof", *arguments]``) for :func:`provenance`."""
    global _COMMAND
    _COMMAND = list(argv)


def provenance(argv=None, seed=None) -> dict:
    """The provenance record of a run, as a JSON-ready dict.

    ``argv`` is the command line (default: the one the CLI recorded, else ``sys.argv``);
    ``seed`` the seed of any random stage.  Absent facts (no checkout, a library not
    installed) are ``None``.
    """
    import platform
    import shlex
    argv = list((_COMMAND if _COMMAND is not None else sys.argv) if argv is None else argv)
    if argv and argv[0].endswith(("__main__.py", "/pcproof", "pcproof")):
        argv[0] = "pcproof"  # the entry point's path says nothing about the run
    commit, dirty = _checkout()
    return {
        "pcproof": _version("pcproof"),
        "commit": commit,
        "dirty": dirty,
        **{label: _version(dist) for dist, label in LIBRARIES.items()},
        "python": platform.python_version(),
        "command": shlex.join(str(a) for a in argv),
        "seed": seed,
    }


#: Keys whose values measure time (or a rate): they differ between two runs of one command.
TIMING_KEYS = frozenset({"seconds", "end_to_end_seconds", "cases_per_second", "end_to_end_cases_per_second"})


def timing_fields(doc, path: str = "") -> list[str]:
    """JSON pointers (RFC 6901) to every timing value in ``doc``, in document order."""
    found = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            here = f"{path}/{str(k).replace('~', '~0').replace('/', '~1')}"
            if k in TIMING_KEYS and not isinstance(v, (dict, list)):
                found.append(here)
            else:
                found += timing_fields(v, here)
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            found += timing_fields(v, f"{path}/{i}")
    return found


def stamp(doc: dict, seed=None, argv=None) -> dict:
    """``doc`` (a JSON verdict or report) with its ``provenance`` record and a ``timing`` list:
    the JSON pointers of the fields that measure time.  Everything else is the same on every
    run of the same command (with the same seed) from the same checkout."""
    return {**doc, "provenance": provenance(argv, seed), "timing": timing_fields(doc)}


def comparable(doc: dict) -> dict:
    """A stamped ``doc`` without the fields its ``timing`` list marks (and without that list):
    two runs of one command compare equal on this."""
    import copy
    out = copy.deepcopy(doc)
    for pointer in out.pop("timing", []):
        *parents, last = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
        node = out
        for p in parents:
            node = node[int(p)] if isinstance(node, list) else node[p]
        del node[last]
    return out


__all__ = ["provenance", "record_command", "stamp", "comparable", "timing_fields", "LIBRARIES", "TIMING_KEYS"]
