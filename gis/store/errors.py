"""Domain errors of the core.

Every error carries a message a user can act on; the command line prints it without a traceback
and exits non-zero.
"""


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
