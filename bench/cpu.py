"""CPU seconds of the processes serving a benchmark (Linux ``/proc``), to give CPU per request.

On a machine shared with other jobs, requests per second follow whatever else runs; the CPU a
server spends on each request does not, and on two shared cores it bounds the throughput ratio.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: str) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # the fields after "(comm) "


def cpu_of(select: Callable[[str, list[str]], bool]) -> dict[str, float]:
    """{pid: user + system CPU seconds} of the processes ``select(pid, fields)`` keeps."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat(entry.name)
        if fields is not None and select(entry.name, fields):
            found[entry.name] = (int(fields[11]) + int(fields[12])) / TICK
    return found


def in_session(session: int) -> Callable[[str, list[str]], bool]:
    """The processes of a session (gunicorn started with ``start_new_session``)."""
    return lambda pid, fields: int(fields[3]) == session


def backends_of(role: str, database: str) -> Callable[[str, list[str]], bool]:
    """PostgreSQL's backends of ``role`` on ``database`` (their process titles)."""
    title = f"postgres: {role} {database} ".encode()

    def select(pid: str, fields: list[str]) -> bool:
        try:
            return Path(f"/proc/{pid}/cmdline").read_bytes().startswith(title)
        except OSError:
            return False

    return select


def spent(before: dict[str, float], after: dict[str, float]) -> float:
    """CPU seconds spent between two readings (processes started meanwhile: all of theirs)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
