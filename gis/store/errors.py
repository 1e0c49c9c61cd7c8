"""Domain errors of the core.

Every error carries a message a user can act on; the command line prints it without a traceback
and exits non-zero.
"""

from __future__ import annotations

from collections.abc import Sequence


class KCError(Exception):
    """Base of every error the ``kc`` command reports to the user as a message."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        if not message:
            raise ValueError("a KCError needs a message")
        super().__init__(message)


class ConfigError(KCError):
    """A configuration file or environment variable holds a value that cannot be used."""


class ClusterError(KCError):
    """The managed local PostgreSQL cluster cannot be initialised, started or reached."""


class MigrationError(KCError):
    """The schema cannot be migrated (edited migration, failing SQL)."""


class SnapshotError(KCError):
    """A snapshot cannot be applied (unknown city or measurement point, inconsistent staging)."""


class UnknownReference(KCError, ValueError):
    """A code names no row of a reference table: an unknown city or measurement point.

    It carries the kind, the value found and the expected codes, so each caller can present it in
    its own terms (a row of a loader's problem table, a snapshot error, a message of ``kc books``)
    without looking the list up again.
    """

    def __init__(self, kind: str, found: str, expected: Sequence[str]) -> None:
        self.kind = kind
        self.found = found
        self.expected: tuple[str, ...] = tuple(expected)
        super().__init__(f"unknown {kind} {found!r}; expected one of: {', '.join(self.expected)}")
