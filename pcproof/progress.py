"""Progress bars (tqdm) on stderr for the commands that can run for more than a couple of
seconds: deep proofs, fuzzing, reports, ablation.

Silent unless a command turned them on (:func:`shown`; the CLI does, except under ``--json``)
and stderr is a terminal: the Python API, pipes, CI logs and tests see nothing.  A bar appears
only once its work has run for :data:`DELAY` seconds, so quick commands print nothing extra.
tqdm is imported only when a bar is shown (no start-up cost).  This module imports nothing
from pcproof: any stage may tick a bar without importing up the pipeline.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager

#: Seconds of work before a bar appears.
DELAY = 2.0

_SHOWN = False


@contextmanager
def shown(on: bool = True):
    """Within this block, bars are drawn (when stderr is a terminal) if ``on``."""
    global _SHOWN
    before, _SHOWN = _SHOWN, bool(on)
    try:
        yield
    finally:
        _SHOWN = before


def visible() -> bool:
    """Whether a bar made now would be drawn."""
    if not _SHOWN:
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed stderr
        return False


class Silent:
    """A bar that draws nothing (same methods as the tqdm ones used here)."""

    n = 0

    def update(self, n: int = 1) -> None:
        self.n += n

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def bar(total: int | None = None, desc: str = "", unit: str = "it"):
    """A tqdm bar on stderr if bars are :func:`visible`, else a :class:`Silent` one."""
    if not visible():
        return Silent()
    from tqdm import tqdm
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False, delay=DELAY,
                mininterval=0.25, dynamic_ncols=True)


@contextmanager
def working(desc: str):
    """For a step that cannot count its progress (running a rule symbolically): the time it has
    run so far, refreshed by a background thread, if bars are :func:`visible`."""
    if not visible():
        yield
        return
    import threading

    from tqdm import tqdm
    shown_bar = tqdm(total=None, desc=desc, file=sys.stderr, leave=False, delay=DELAY, mininterval=0.25,
                     bar_format="{desc}: {elapsed}", dynamic_ncols=True)
    done = threading.Event()

    def tick():
        while not done.wait(0.5):
            shown_bar.update(0)  # redraws (after DELAY) with the elapsed time
    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        shown_bar.close()


__all__ = ["shown", "visible", "bar", "working", "Silent", "DELAY"]
