"""Progress on stderr for the long commands, shown only when stderr is a terminal (never in a pipe, a log
or a test), with ``tqdm``.

- :func:`bar`: a bar over countable work (transactions, payloads, batches).
- :class:`Stages`: named steps of one long call that cannot report from inside (an LZMA compression, KZG
  commitments): the bar shows the step and its elapsed time, refreshed by a ticker thread.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

#: Seconds between refreshes of a :class:`Stages` bar during a step.
TICK_SECONDS = 0.5
#: A :class:`Stages` bar: the step, steps done of all, time so far (``compress: 1/3 [00:04]``).
STAGES_FORMAT = "{desc}: {n_fmt}/{total_fmt} [{elapsed}]"


def enabled() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed stderr
        return False


def bar(total: int | None, desc: str, unit: str = "it") -> Any:
    """A tqdm bar on stderr, disabled unless stderr is a terminal (a disabled bar accepts every call)."""
    from tqdm import tqdm
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False, disable=not enabled(),
                dynamic_ncols=True)


class Stages:
    """``with Stages(["recover senders", "compress", "verify"]) as s: s.step("compress") ...``"""

    def __init__(self, names: list[str], desc: str = "batchkit"):
        self._bar = bar(len(names), desc, unit="step")
        # Steps differ in length: no rate and no time left, which steps of one kind would be needed for.
        self._bar.bar_format = STAGES_FORMAT
        self._done = threading.Event()
        self._started = False
        self._ticker: threading.Thread | None = None
        if not self._bar.disable:
            self._ticker = threading.Thread(target=self._tick, name="batchkit-progress", daemon=True)

    def _tick(self) -> None:
        while not self._done.wait(TICK_SECONDS):
            self._bar.refresh()

    def step(self, name: str) -> None:
        """Start step ``name`` (the previous one is done)."""
        if self._started:
            self._bar.update(1)
        self._started = True
        self._bar.set_description(name)
        if self._ticker is not None and not self._ticker.is_alive():
            self._ticker.start()

    def close(self) -> None:
        self._done.set()
        if self._ticker is not None and self._ticker.is_alive():
            self._ticker.join()
        self._bar.close()

    def __enter__(self) -> "Stages":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


__all__ = ["bar", "enabled", "Stages", "TICK_SECONDS", "STAGES_FORMAT"]
