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

import platform
import shlex
import subprocess
import sys
from importlib import metadata
from pathlib import Path

#: Distributions whose versions a verdict depends on (distribution name → label).
LIBRARIES = {"sympy": "sympy", "z3-solver": "z3", "python-flint": "python-flint", "mpmath": "mpmath"}


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _git(root: Path, *args: str) -> str | None:
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


def provenance(argv=None, seed=None) -> dict:
    """The provenance record of a run, as a JSON-ready dict.

    ``argv`` is the command line (default ``sys.argv``); ``seed`` the seed of any random stage.
    Absent facts (no checkout, a library not installed) are ``None``.
    """
    argv = list(sys.argv if argv is None else argv)
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


__all__ = ["provenance", "LIBRARIES"]
