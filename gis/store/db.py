"""Which database to talk to, and connections to it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import unquote, urlsplit, urlunsplit

import psycopg2
import psycopg2.extensions
from psycopg2 import sql

from gis.store.cluster import Cluster
from gis.store.errors import ClusterError
from gis.store.settings import DEMO_SUFFIX, Settings


def database_url(settings: Settings) -> str:
    """``KC_DATABASE_URL`` when set, else the managed cluster's URL (it must have been started).

    For the demo (``settings.demo``) the same server's ``<name>_demo`` database instead.
    """
    if settings.database_url:
        url = settings.database_url
    else:
        state = Cluster(settings).state()
        if state is None:
            raise ClusterError(
                f"No database: the local cluster in {settings.home} was never started. "
                "Run 'kc db start' (or set KC_DATABASE_URL)."
            )
        url = state.url()
    return demo_url(url) if settings.demo else url


def database_name(url: str) -> str:
    return unquote(urlsplit(url).path.lstrip("/"))


def with_database(url: str, name: str) -> str:
    """``url`` (same server, same login) naming database ``name``."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def demo_url(url: str) -> str:
    """The demo's database beside the one of ``url``: ``.../kc`` -> ``.../kc_demo``."""
    return with_database(url, database_name(url) + DEMO_SUFFIX)


def ensure_database(url: str, server_url: str) -> bool:
    """Create the database of ``url`` when it does not exist, connecting through ``server_url``.

    True when it was created. A login without CREATEDB gets a message saying what to do.
    """
    name = database_name(url)
    conn = connect(server_url)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone() is not None:
                return False
            try:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            except psycopg2.Error as err:
                raise ClusterError(
                    f"Cannot create the database {name} on {redact(server_url)}: "
                    f"{str(err).strip()}. Ask its administrator to create it (owned by the "
                    "login of the URL), or use the local cluster (unset KC_DATABASE_URL)."
                ) from err
            return True
    finally:
        conn.close()


def connect(url: str) -> psycopg2.extensions.connection:
    """A connection with our session defaults; the caller owns the transaction."""
    try:
        conn = psycopg2.connect(url, application_name="kc")
    except psycopg2.OperationalError as err:
        raise ClusterError(
            f"Cannot connect to the database ({redact(url)}): {str(err).strip()}. "
            "Is it running? 'kc db status' tells, 'kc db start' starts the local one."
        ) from err
    with conn.cursor() as cur:
        cur.execute("SET TIME ZONE 'UTC'")
    conn.commit()
    return conn


@contextmanager
def transaction(url: str) -> Iterator[psycopg2.extensions.connection]:
    """One transaction: committed when the block ends, rolled back on any error."""
    conn = connect(url)
    try:
        with conn:
            yield conn
    finally:
        conn.close()


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
