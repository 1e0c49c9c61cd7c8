"""Errors of the loaders: a file's problems, collected and reported together.

A user who fixes a file wants to see every problem in it at once, not one per run. Loaders add
problems to a :class:`Problems` collection while they validate and raise :class:`LoadProblems` (a
:class:`gis.store.errors.KCError`, so the ``kc`` command prints it without a traceback and exits 1) before
anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import psycopg2.extensions

from gis.store.db import connect
from gis.store.errors import KCError
from gis.store.problems import Problem

__all__ = ["SHOWN", "LoadProblems", "Problem", "load_transaction", "render_table"]

#: How many problems the message shows; the rest are counted.
SHOWN = 50


class LoadProblems(KCError):
    """A file (or the command line naming it) has problems; nothing was loaded."""

    def __init__(self, problems: Iterable[Problem], *, shown: int = SHOWN) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("LoadProblems needs at least one problem")
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} found, nothing was loaded:"
        super().__init__(f"{head}\n{render_table(self.problems, shown=shown)}")


def _clip(text: str, width: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def render_table(problems: Iterable[Problem], *, shown: int = SHOWN) -> str:
    """A plain-text table (file, row/feature, field, found, expected) for a terminal."""
    problems = list(problems)
    header = ("file", "row/feature", "field", "found", "expected")
    rows = [
        (
            _clip(p.file, 40),
            _clip(p.where, 30),
            _clip(p.field, 24),
            _clip(p.found),
            _clip(p.expected, 90),
        )
        for p in problems[:shown]
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if len(problems) > shown:
        lines.append(f"… and {len(problems) - shown} more")
    return "\n".join(lines)


@contextmanager
def load_transaction(url: str, path: Path) -> Iterator[psycopg2.extensions.cursor]:
    """One transaction for loading ``path``: committed whole, or rolled back whole.

    A constraint the database enforces beyond the loader's own checks still reaches the user as a
    problem of the file (no traceback), and nothing of the file stays in the database.
    """
    conn = connect(url)
    try:
        with conn, conn.cursor() as cur:
            yield cur
    except psycopg2.Error as err:
        problem = Problem(
            path.name,
            "(database)",
            "(load)",
            " ".join(str(err).split()),
            "data the database accepts",
        )
        raise LoadProblems([problem]) from err
    finally:
        conn.close()
