"""One error model for the whole API: every error is an OGC exception document in JSON.

pygeoapi answers the errors it knows with ``{"code", "type", "description"}``; anything else
(Flask's own 404 and 405, an exception nobody caught) would be an HTML page that no client can
read. Here every error takes the same shape, with an OGC API exception code and a description
that says what was wrong and what is expected. A 5xx is a bug, with one exception: the database
being unreachable is a 503 with ``Retry-After``, because the client can and should come back.

Logging follows the same split: a client's error (4xx) is one line at INFO, the database being
away one line at WARNING, a bug (500) the whole traceback at ERROR.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

LOGGER = logging.getLogger(__name__)

#: Seconds a client should wait before retrying when the database is unreachable.
RETRY_AFTER_S = 5
#: OGC API exception codes by HTTP status (OGC API - Common; OWS Common's codes).
CODES = {
    HTTPStatus.BAD_REQUEST: "InvalidParameterValue",
    HTTPStatus.NOT_FOUND: "NotFound",
    HTTPStatus.METHOD_NOT_ALLOWED: "OperationNotSupported",
    HTTPStatus.NOT_ACCEPTABLE: "InvalidParameterValue",
    HTTPStatus.SERVICE_UNAVAILABLE: "ServiceUnavailable",
}
JSON = "application/json"


def exception_document(status: int, description: str, code: str | None = None) -> dict:
    """The body of an error response (pygeoapi's shape, so clients see one format)."""
    code = code or CODES.get(HTTPStatus(status), "NoApplicableCode")
    return {"code": code, "type": code, "description": description}


def error_response(
    status: int, description: str, *, code: str | None = None, headers: dict | None = None
) -> Response:
    """A JSON OGC exception response; a 503 always says when to come back."""
    body = json.dumps(exception_document(status, description, code), ensure_ascii=False)
    response = Response(body, status=status, mimetype=JSON, headers=headers or {})
    if status == HTTPStatus.SERVICE_UNAVAILABLE:
        response.headers.setdefault("Retry-After", str(RETRY_AFTER_S))
    return response


def is_database_unavailable(error: BaseException) -> bool:
    """True when ``error`` (or what caused it) says the database cannot be reached.

    Connection failures and a server going away are ``OperationalError`` in psycopg2; a query
    cancelled by a timeout is one too (``QueryCanceled``), but that is not unavailability.
    """
    import psycopg2
    import psycopg2.errors
    import sqlalchemy.exc
    from pygeoapi.provider.base import ProviderConnectionError

    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, psycopg2.errors.QueryCanceled):
            return False
        if isinstance(current, sqlalchemy.exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, psycopg2.OperationalError):
            return True
        if isinstance(current, ProviderConnectionError):  # pygeoapi's, when reflecting fails
            return True
        orig = getattr(current, "orig", None)
        current = (
            orig if isinstance(orig, BaseException) else (current.__cause__ or current.__context__)
        )
    return False


def log_response(response: Response) -> None:
    """One line for a client's error or an unavailable database (the body says what was wrong)."""
    if response.status_code < 400:
        return
    level = logging.WARNING if response.status_code == HTTPStatus.SERVICE_UNAVAILABLE else None
    if response.status_code < 500:
        level = logging.INFO
    if level is None:
        return  # a bug: logged with its traceback where it was caught
    LOGGER.log(level, "%s %s -> %s", request.method, request.full_path.rstrip("?"), response.status)


def register(app: Flask) -> None:
    """Route every HTTP error and every uncaught exception of ``app`` through the model.

    pygeoapi sets the root logger to its configured level (ERROR); the request lines of this
    module are INFO and WARNING, so its logger gets its own level.
    """
    LOGGER.setLevel(logging.INFO)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or HTTPStatus.INTERNAL_SERVER_ERROR
        description = error.description or HTTPStatus(status).phrase
        if status == HTTPStatus.NOT_FOUND:
            description = f"nothing at {request.path}: see the landing page / for what exists"
        headers = dict(error.get_headers())
        headers.pop("Content-Type", None)
        return error_response(status, description, headers=headers)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        if is_database_unavailable(error):
            return database_unavailable()
        LOGGER.exception(
            "bug: unhandled %s on %s %s", type(error).__name__, request.method, request.path
        )
        return error_response(
            HTTPStatus.INTERNAL_SERVER_ERROR,
            "the server failed on this request; this is a bug, please report it with the URL",
        )


def database_unavailable() -> Response:
    return error_response(
        HTTPStatus.SERVICE_UNAVAILABLE,
        f"the database is not reachable at the moment; retry in {RETRY_AFTER_S} s",
    )
