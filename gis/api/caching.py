"""Conditional requests, cache headers and compression for the OGC API.

The data changes only when something is loaded, and every change bumps one row in the database
(``kc.data_change``, migration 0040). So a response's entity tag is derived, before any work,
from that version, the server's configuration and what the request asks for (path, query,
language, format): a harvester or a viewer that asks again with ``If-None-Match`` (or
``If-Modified-Since``) gets a 304 for the price of one tiny query, without the page being built.
A proxy or CDN may keep a page for ``MAX_AGE_S`` and revalidate it after.

A page of items that is not a conditional request reads the version in its own statement
instead (``register``'s ``deferred``; the provider calls ``note_version``): one round trip less
a request (about 1.5 ms of a page's 10), and the tag is that of the very snapshot the features
were read in. The version is never read after the data (a load in between would tag old
features with the new version, and the client's next conditional request would keep them).

Tags are weak (``W/``): the same representation may be sent compressed or not. Compression is
gzip, for JSON and HTML bodies above ``COMPRESS_FROM`` bytes, when the client accepts it.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, has_request_context, request
from werkzeug.datastructures import ETags
from werkzeug.http import http_date, parse_date

from gis.api.cors import vary

LOGGER = logging.getLogger(__name__)

#: Seconds a shared cache may serve a page without asking again.
MAX_AGE_S = 60
#: Bodies smaller than this are not worth compressing.
COMPRESS_FROM = 1024
#: gzip's fastest level: a page of 100 buildings (89 kB) in 0.2 ms to 5.9 kB; level 5 took
#: 0.4 ms for 4.8 kB. On a server whose cores are the bottleneck the CPU counts more.
COMPRESS_LEVEL = 1
COMPRESSIBLE = ("application/json", "application/geo+json", "application/schema+json", "text/")
#: What a response depends on besides the URL.
VARY = "Accept, Accept-Language, Accept-Encoding"


#: The request's (DataVersion, tag), once known.
KNOWN = "kc.data_version"
#: A page that reads the version in its own statement: the function making its tag.
PENDING = "kc.data_version_pending"


@dataclass(frozen=True)
class DataVersion:
    """The version of the served data and when it last changed."""

    version: int
    changed_at: dt.datetime


def version_pending() -> bool:
    """Whether the request in hand waits for its page to tell the data version."""
    return has_request_context() and PENDING in request.environ


def note_version(data: DataVersion) -> None:
    """The data version a page was read with (in the same statement): the response's tag."""
    if version_pending() and KNOWN not in request.environ:
        request.environ[KNOWN] = (data, request.environ[PENDING](data))


def is_api_path(path: str) -> bool:
    """The OGC API's own documents (static files under /tiles, /books, /viewer have their own)."""
    return path in ("", "/") or path.startswith(("/collections", "/conformance", "/openapi"))


def entity_tag(data: DataVersion, server: str, full_path: str, language: str, accept: str) -> str:
    """The weak tag of what a request asks for, given the data and the server's configuration."""
    key = "\n".join((str(data.version), server, full_path, language, accept))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def not_modified(
    tag: str, changed_at: dt.datetime, if_none_match: ETags, if_modified_since: str | None
) -> bool:
    """Whether the client's copy is current (If-None-Match wins over If-Modified-Since)."""
    if if_none_match:
        return if_none_match.contains_weak(tag)
    since = parse_date(if_modified_since) if if_modified_since else None
    return since is not None and changed_at.replace(microsecond=0) <= since


def compress(response: Response, accept_encoding: str) -> None:
    """gzip the body when the client accepts it and it is worth it."""
    content_type = str(response.headers.get("Content-Type", ""))
    if (
        response.status_code != 200
        or response.direct_passthrough
        or "gzip" not in accept_encoding.lower()
        or "Content-Encoding" in response.headers
        or not content_type.startswith(COMPRESSIBLE)
    ):
        return
    body = response.get_data()
    if len(body) < COMPRESS_FROM:
        return
    response.set_data(gzip.compress(body, compresslevel=COMPRESS_LEVEL))
    response.headers["Content-Encoding"] = "gzip"


def register(
    app: Flask,
    read_version: Callable[[], DataVersion | None],
    server: str,
    deferred: Callable[[str], bool] = lambda path: False,
) -> None:
    """Answer conditional GET/HEAD requests to the API with 304, tag and compress the others.

    ``read_version`` returns None when the database cannot be asked: the request then goes on
    uncached (and meets the database's 503 where it needs data). ``deferred(path)``: a page
    whose provider reads the version with its features (``note_version``); a conditional
    request or ``resulttype=hits`` there still reads it first. Should the page not tell it
    (an error), the answer goes untagged.
    """

    def tag_for_request(data: DataVersion) -> str:
        language = request.args.get("lang") or request.headers.get("Accept-Language", "")
        return entity_tag(
            data, server, request.full_path, language, request.headers.get("Accept", "")
        )

    def cache_headers(response: Response, data: DataVersion, tag: str) -> None:
        response.set_etag(tag, weak=True)
        response.headers["Last-Modified"] = http_date(data.changed_at)
        response.headers["Cache-Control"] = f"public, max-age={MAX_AGE_S}"
        response.headers["Vary"] = vary(response.headers.get("Vary"), *VARY.split(", "))

    @app.before_request
    def answer_conditional() -> Response | None:
        if request.method not in ("GET", "HEAD") or not is_api_path(request.path):
            return None
        conditional = request.if_none_match or "If-Modified-Since" in request.headers
        if not conditional and request.args.get("resulttype") != "hits" and deferred(request.path):
            request.environ[PENDING] = tag_for_request
            return None
        data = read_version()
        if data is None:
            return None
        tag = tag_for_request(data)
        request.environ[KNOWN] = (data, tag)
        if not_modified(
            tag, data.changed_at, request.if_none_match, request.headers.get("If-Modified-Since")
        ):
            response = Response(status=304)
            cache_headers(response, data, tag)
            return response
        return None

    @app.after_request
    def tag_and_compress(response: Response) -> Response:
        known = request.environ.get(KNOWN)
        if known is not None and response.status_code == 200:
            cache_headers(response, *known)
        if is_api_path(request.path):
            compress(response, request.headers.get("Accept-Encoding", ""))
        return response


def version_reader(engine) -> Callable[[], DataVersion | None]:
    """``read_version`` over a SQLAlchemy engine of the server's read-only role.

    One statement on a pooled DBAPI connection, read every request (a load is visible at once):
    through SQLAlchemy's Core it cost more Python than a page's features (0.5 ms); an engine
    in autocommit makes it one round trip (no BEGIN, no ROLLBACK).
    """
    import psycopg2
    from sqlalchemy.exc import SQLAlchemyError

    query = "SELECT version, changed_at FROM kc.api_data_version"

    def read() -> DataVersion | None:
        connection = None
        try:
            connection = engine.raw_connection()
            with connection.cursor() as cursor:
                cursor.execute(query)
                version, changed_at = cursor.fetchone()
        except (SQLAlchemyError, psycopg2.Error) as err:
            if connection is not None:
                connection.invalidate()  # a dropped connection is not handed out again
            LOGGER.warning("data version unavailable, answering uncached: %s", str(err).strip())
            return None
        finally:
            if connection is not None:
                connection.close()
        return DataVersion(int(version), changed_at)

    return read
