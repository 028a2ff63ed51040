"""The graph strategies' old home, kept so existing imports work: they live in
:mod:`pcproof.strategies.graph` and are exported by :mod:`pcproof.strategies`."""
from __future__ import annotations

from .strategies.graph import *  # noqa: F401,F403
from .strategies.graph import MAX_PICK, __all__  # noqa: F401
