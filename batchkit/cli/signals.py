"""SIGINT and SIGTERM end every command at once, in one line: the signal raises :class:`Interrupted` (a
``KeyboardInterrupt``) in the main thread, so the command's cleanup runs (partial output removed, worker
processes stopped) and :func:`interrupted` prints one line and gives the exit code (130, 143). A second
signal while that cleanup runs exits immediately."""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Callable

_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_QUIET_TRACKER = "ignore::UserWarning:multiprocessing.resource_tracker"


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM, raised where the command was."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum, frame) -> None:
    for s in _SIGNALS:  # a second one while cleaning up: out at once
        signal.signal(s, _on_second_signal)
    raise Interrupted(signum)


def _on_second_signal(signum, frame) -> None:
    os.write(2, b"batchkit: interrupted\n")
    os._exit(128 + signum)


def catch_signals() -> Callable[[], None]:
    """Turn SIGINT and SIGTERM into :class:`Interrupted` (from the main thread only); returns what restores
    the handlers that were there."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    # Workers killed on a signal may leave a pool's semaphores to multiprocessing's resource tracker, which
    # cleans them up and warns about each on stderr: noise after the one line. The tracker (started later, by
    # the first pool) takes its -W options from sys.warnoptions; this process's own warnings are unchanged.
    if _QUIET_TRACKER not in sys.warnoptions:
        sys.warnoptions.append(_QUIET_TRACKER)
    old = {s: signal.signal(s, _on_signal) for s in _SIGNALS}

    def restore() -> None:
        for s, h in old.items():
            signal.signal(s, h)
    return restore


def interrupted(exc: KeyboardInterrupt) -> int:
    """Say the command was stopped (one line on stderr) and return its exit code: 128 + the signal."""
    signum = getattr(exc, "signum", signal.SIGINT)
    print(f"batchkit: {'terminated' if signum == signal.SIGTERM else 'interrupted'}", file=sys.stderr)
    return 128 + signum
