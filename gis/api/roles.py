"""The read-only database role the web server connects with.

``kc_reader`` (migration 0030) holds SELECT on the ``kc.api_*`` views and nothing else. On the
managed cluster, ``kc serve`` makes sure the login role ``kc_api`` exists, is a member of it and
has the password kept in ``$KC_HOME/api-reader.json`` (mode 600, generated on first use). With
``KC_DATABASE_URL`` the database is managed elsewhere: its DBA creates a login role in
``kc_reader`` and gives it to the server as ``KC_READER_DATABASE_URL``.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg2.extensions
from psycopg2 import sql

from gis.store.errors import ConfigError

READER_GROUP = "kc_reader"
LOGIN_ROLE = "kc_api"
SECRET_FILE = "api-reader.json"  # noqa: S105 - a file name
#: The group role that writes projects and reports (migration 0043) and the server's login in it.
WRITER_GROUP = "kc_writer"
WRITER_LOGIN_ROLE = "kc_api_writer"
WRITER_SECRET_FILE = "api-writer.json"  # noqa: S105 - a file name
#: Session settings of the server's login role. A runaway query (a harvester's deep page, a
#: filter that scans everything) is cancelled instead of holding a connection and the CPU; a
#: transaction left open by a killed worker does not hold locks. Every transaction is read-only.
LOGIN_SETTINGS = {
    "default_transaction_read_only": "on",
    "statement_timeout": "30s",
    "idle_in_transaction_session_timeout": "60s",
}
#: The writer's: the same limits, and it may write (what kc_writer's grants allow).
WRITER_SETTINGS = {**LOGIN_SETTINGS, "default_transaction_read_only": "off"}


def reader_password(home: Path, secret_file: str = SECRET_FILE, user: str = LOGIN_ROLE) -> str:
    """The login role's password from KC_HOME, generated (mode 600) the first time."""
    path = home / secret_file
    if path.exists():
        try:
            return json.loads(path.read_text())["password"]
        except (ValueError, KeyError) as err:
            raise ConfigError(
                f"{path} is damaged ({err}); remove it to generate a new one"
            ) from err
    home.mkdir(parents=True, exist_ok=True)
    # A prefix keeps the password from ever looking like a number in pygeoapi's YAML loader.
    password = "kc-" + secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"user": user, "password": password}, fh)
    return password


def writer_password(home: Path) -> str:
    """The writer login role's password from KC_HOME, generated (mode 600) the first time."""
    return reader_password(home, WRITER_SECRET_FILE, WRITER_LOGIN_ROLE)


def ensure_login_role(
    conn: psycopg2.extensions.connection,
    password: str,
    *,
    role: str = LOGIN_ROLE,
    group: str = READER_GROUP,
    settings: dict[str, str] | None = None,
) -> None:
    """Create or update ``role``: may log in, member of ``group`` (``kc_reader``: read-only;
    ``kc_writer``: see migration 0043), with ``settings`` (default LOGIN_SETTINGS).

    Temporary tables are refused too: PostgreSQL grants TEMPORARY on every database to PUBLIC,
    so it is revoked from PUBLIC on this database and granted back to the role running this
    (the loaders' role, which stages with temp tables).
    """
    name, group_name = role, group
    role, group = sql.Identifier(name), sql.Identifier(group_name)
    with conn, conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = %s", (group_name,))
        if cur.fetchone() is None:
            raise ConfigError(
                f"role {group_name} does not exist: the schema is not migrated. "
                "Run 'kc db migrate' first."
            )
        cur.execute("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = %s", (name,))
        verb = "ALTER" if cur.fetchone() else "CREATE"
        cur.execute(
            sql.SQL(verb + " ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %s").format(
                role
            ),
            (password,),
        )
        cur.execute(sql.SQL("GRANT {} TO {}").format(group, role))
        for setting, value in (settings or LOGIN_SETTINGS).items():
            cur.execute(
                sql.SQL("ALTER ROLE {} SET {} = %s").format(role, sql.Identifier(setting)), (value,)
            )
        revoke_temporary(cur)
        if group_name == WRITER_GROUP:  # it versions projects through temp tables
            cur.execute("SELECT current_database()")
            database = sql.Identifier(cur.fetchone()[0])
            cur.execute(sql.SQL("GRANT TEMPORARY ON DATABASE {} TO {}").format(database, group))


def ensure_writer_role(
    conn: psycopg2.extensions.connection, password: str, *, role: str = WRITER_LOGIN_ROLE
) -> None:
    """Create or update the server's writer login ``role`` (member of ``kc_writer``)."""
    ensure_login_role(conn, password, role=role, group=WRITER_GROUP, settings=WRITER_SETTINGS)


def revoke_temporary(cur: psycopg2.extensions.cursor) -> None:
    """Only the role running this (and superusers) may create temp tables in this database."""
    cur.execute("SELECT current_database()")
    database = sql.Identifier(cur.fetchone()[0])
    cur.execute(sql.SQL("REVOKE TEMPORARY ON DATABASE {} FROM PUBLIC").format(database))
    cur.execute(sql.SQL("GRANT TEMPORARY ON DATABASE {} TO CURRENT_USER").format(database))


def with_credentials(url: str, user: str, password: str) -> str:
    """``url`` (same host, port, database) logging in as ``user``."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))
