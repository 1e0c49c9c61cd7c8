"""Which database to talk to, and connections to it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import psycopg2.extensions

from gis.store.cluster import Cluster
from gis.store.errors import ClusterError
from gis.store.settings import Settings


def database_url(settings: Settings) -> str:
    """``KC_DATABASE_URL`` when set, else the managed cluster's URL (it must have been started)."""
    if settings.database_url:
        return settings.database_url
    state = Cluster(settings).state()
    if state is None:
        raise ClusterError(
            f"No database: the local cluster in {settings.home} was never started. "
            "Run 'kc db start' (or set KC_DATABASE_URL)."
        )
    return state.url()


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
