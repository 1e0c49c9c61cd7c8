"""Progress for the long commands (``kc demo``): one line per step, a bar with counts while it runs.

On a terminal a bar is redrawn in place (``label [#####-----] 12/54 item``) and replaced by the
step's final line with its time; elsewhere (a log, CI) only the final line is written.
"""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

#: Redraw a bar at most this often (seconds): drawing must not cost what it measures.
REDRAW = 0.1
LABEL_WIDTH = 18
BAR_WIDTH = 24


def _clock(seconds: float) -> str:
    return (
        f"{seconds:.1f} s" if seconds < 60 else f"{int(seconds // 60)} min {seconds % 60:02.0f} s"
    )


class Step:
    """One step of a long command: ``advance()`` per unit of work, then ``done(note)``.

    Used as a context manager, an error ends the half-drawn bar's line first.
    """

    def __init__(self, label: str, total: int | None = None, stream: TextIO | None = None) -> None:
        self.label = label
        self.total = total
        self.count = 0
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self._drawn = 0.0
        self._draw("")

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def _line(self, item: str) -> str:
        head = f"{self.label:<{LABEL_WIDTH}}"
        if self.total:
            filled = BAR_WIDTH * min(self.count, self.total) // self.total
            width = len(str(self.total))
            head += (
                f" [{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {self.count:>{width}}/{self.total}"
            )
        elif not item:
            item = "…"
        return f"{head}  {item}".rstrip()

    def _draw(self, item: str) -> None:
        if not self.tty:
            return
        columns = shutil.get_terminal_size((100, 20)).columns
        self.stream.write("\r\x1b[K" + self._line(item)[: columns - 1])
        self.stream.flush()
        self._drawn = time.monotonic()

    def advance(self, item: str = "", by: int = 1) -> None:
        """One more unit done; ``item`` says which (shown on a terminal)."""
        self.count += by
        if self.tty and (time.monotonic() - self._drawn >= REDRAW or self.count == self.total):
            self._draw(item)

    def done(self, note: str = "") -> float:
        """Write the step's final line (its count, ``note`` and its time); the seconds it took."""
        elapsed = self.elapsed
        line = f"{self._line(note)}  ({_clock(elapsed)})"
        self.stream.write(("\r\x1b[K" if self.tty else "") + line + "\n")
        self.stream.flush()
        return elapsed

    def __enter__(self) -> Step:
        return self

    def __exit__(self, kind, error, trace) -> None:
        if kind is not None and self.tty:
            self.stream.write("\n")  # an error message starts on its own line
            self.stream.flush()
