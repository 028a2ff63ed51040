"""Lazy exports (PEP 562): a package names where each public name lives, and the name is
imported on first use, so `pcproof --help` or `pcproof list` does not pay for sympy and
numpy.  One helper for every package that exports this way."""
from __future__ import annotations

import importlib
import sys


def exports(package: str, home: dict[str, str], names: list[str]):
    """``__getattr__`` and ``__dir__`` for ``package``: ``home`` maps a public name to the
    module (relative to ``package``) that defines it, or to a submodule of the same name."""
    def __getattr__(name):
        if name not in home:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(home[name], package)
        value = module if home[name] == f".{name}" else getattr(module, name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(names))
    return __getattr__, __dir__
