"""OGC API - Features Part 4 on ``projects`` and ``reports``: create, replace, update, delete.

Served only when the server has a writer role (``KC_WRITER_DATABASE_URL``, or ``kc serve``'s
``kc_api_writer`` on the managed cluster); then /conformance and the OpenAPI document declare
the operations (``gis.api.openapi.declare_writes``). Reads keep the read-only role.

- Who: an account of ``kc users`` over HTTP Basic authentication, or one of its bearer tokens
  (``kc users token add``; ``Authorization: Bearer kct_…``); use HTTPS outside localhost.
  No account, a wrong password or an unknown, expired or revoked token: 401; an editor
  writing another city's project: 403.
- What: a GeoJSON feature. A report's properties are the Common Reporting answers (the text
  sections as ``{"en": …, "de": …, "fr": …}`` or a plain English string, ``challenges`` a list)
  checked by the workbook loader's code (``gis.store.report_answers``): the same messages, as a
  400 listing every problem. A project's are its code, city, thematic field, title, status and
  the measurement ``point`` the write describes.
- Versions: nothing is overwritten or deleted (``gis.store.feature_writes``). ``POST`` records
  a new report or project; ``PUT`` replaces, ``PATCH`` merges (RFC 7396) into, the feature at
  the URL: a report's correction supersedes it, a project's write at a point is a new version
  from that point (a correction when the point is where the version started); ``DELETE``
  withdraws a report (superseded, kept) and ends a project's validity at ``?point=``.
- Locking: every feature served has an ``ETag``; a write with ``If-Match`` naming an older tag,
  or to a version that is no longer current, gets 412 and the current tag. Of two writes from
  the same tag exactly one succeeds (row locks in the database).
- Record: each write is a load run with the account (``written_by``) and the request as its
  source, so it shows in ``kc history``, the version links and the change feed.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import logging
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http import HTTPStatus

import psycopg2
import psycopg2.errors
import psycopg2.extensions
import psycopg2.pool
import shapely
import shapely.geometry
from flask import Flask, Response, request

from gis.api.errors import error_response
from gis.store import feature_writes as fw
from gis.store.accounts import FAILURE_WINDOW, Account, login, too_many_failures
from gis.store.api_tokens import token_account
from gis.store.errors import KCError, UnknownReference
from gis.store.problems import ProblemList
from gis.store.report_answers import (
    LANGS,
    TEXT_SECTIONS,
    Context,
    check_answers,
    read_context,
    statuses,
    thematic_fields,
)
from gis.store.vocabulary import require_point

LOGGER = logging.getLogger(__name__)
COLLECTIONS = ("projects", "reports")
ITEMS = re.compile(r"^/collections/(projects|reports)/items(?:/([^/]+))?/?$")
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
REALM = 'Basic realm="Knowledge Carrier", charset="UTF-8"'
BEARER_REALM = 'Bearer realm="Knowledge Carrier"'
#: RFC 6750 3.1: what a client is told when its token is not (or no longer) accepted.
BAD_TOKEN = (
    f'{BEARER_REALM}, error="invalid_token", error_description="unknown, expired or revoked"'
)
#: Part 4 (draft 1.0): create/replace/delete and update (PATCH).
CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
)
#: Properties the server computes: a client may send back what it read, they are ignored.
SERVED_REPORT = frozenset(
    {
        "id",
        "feature_id",
        "city",
        "title",
        "valid_from",
        "valid_to",
        "status_label",
        "recorded_at",
        "links",
    }
)
SERVED_PROJECT = frozenset(
    {
        "id",
        "feature_id",
        "project",
        "valid_from",
        "valid_to",
        "status_label",
        "buildings_touched",
        "report_point",
        "progress",
        "objectives",
        "drivers",
        "barriers",
        "corrective_actions",
        "risks",
        "lessons_learned",
        "recorded_at",
        "links",
    }
)
REPORT_KEYS = frozenset(
    {
        "project",
        "project_code",
        "point",
        "status",
        "progress",
        "reported_on",
        "thematic_field",
        "challenges",
        *TEXT_SECTIONS,
    }
)
PROJECT_KEYS = frozenset(
    {"code", "city", "thematic_field", "title", "status", "point", "buildings", "attributes"}
)
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class Refused(Exception):
    """An answer other than success, with its status, message and headers."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        problems: ProblemList | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message = status, message
        self.headers = dict(headers or {})
        self.problems = problems

    def response(self) -> Response:
        response = error_response(self.status, self.message, headers=self.headers)
        if self.problems:
            body = json.loads(response.get_data())
            body["problems"] = [
                {"where": p.where, "field": p.field, "found": p.found, "expected": p.expected}
                for p in self.problems.items
            ]
            response.set_data(json.dumps(body, ensure_ascii=False))
        return response


def _raise_problems(problems: ProblemList) -> None:
    if problems:
        n = len(problems)
        lines = "; ".join(
            f"{p.field}: found {p.found}, expected {p.expected}" for p in problems.items
        )
        raise Refused(
            HTTPStatus.BAD_REQUEST,
            f"{n} problem{'s' if n != 1 else ''}, nothing was written: {lines}",
            problems=problems,
        )


# --- request pieces (pure) -----------------------------------------------------------------------


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header (RFC 6750), None when absent."""
    if not header or header[:7].lower() != "bearer ":
        return None
    return header[7:].strip() or None


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """``(name, password)`` of an ``Authorization: Basic`` header, None when absent or garbled."""
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    name, sep, password = decoded.partition(":")
    return (name, password) if sep else None


def if_match_tag(header: str | None) -> str | None:
    """The (one) entity tag of an ``If-Match`` header, unquoted; ``*`` stays ``*``."""
    if header is None:
        return None
    value = header.strip()
    if value == "*":
        return value
    if value.startswith("W/"):
        raise Refused(
            HTTPStatus.PRECONDITION_FAILED,
            "If-Match needs a strong entity tag (the ETag of the feature)",
        )
    return value.strip('"')


def feature_properties(body: object, problems: ProblemList) -> tuple[dict, dict | None]:
    """The properties and geometry of a GeoJSON feature (problems when it is not one)."""
    if not isinstance(body, dict) or body.get("type") != "Feature":
        problems.add(
            "feature",
            "type",
            body.get("type") if isinstance(body, dict) else body,
            "a GeoJSON Feature",
        )
        return {}, None
    properties = body.get("properties") or {}
    if not isinstance(properties, dict):
        problems.add("feature", "properties", properties, "an object")
        return {}, None
    return properties, body.get("geometry")


def unknown_properties(
    properties: Mapping, known: frozenset[str], served: frozenset[str], problems: ProblemList
) -> None:
    for key in sorted(set(properties) - known - served):
        problems.add("feature", key, "unknown property", f"one of: {', '.join(sorted(known))}")


def _clean(value: object) -> object:
    """As the workbook reader cleans a cell: strings stripped, empty as absent."""
    if isinstance(value, str):
        return value.strip() or None
    return value


def report_values(properties: Mapping, problems: ProblemList) -> dict[str, object]:
    """A report feature's properties as the workbook's column keys (``objectives_de`` …).

    A key present with null (or an empty text) clears that answer, as an empty cell does.
    """
    values: dict[str, object] = {}
    for key, raw in properties.items():
        value = _clean(raw)
        if key in ("project", "project_code"):
            values["project_code"] = value
        elif key in TEXT_SECTIONS:
            texts = value if isinstance(value, dict) else {"en": value}
            for lang in sorted(set(texts) - {"en", *LANGS}):
                problems.add("feature", key, lang, f"texts in en, {', '.join(LANGS)}")
            values[key] = _clean(texts.get("en"))
            for lang in LANGS:
                if lang in texts or not isinstance(value, dict):
                    values[f"{key}_{lang}"] = _clean(texts.get(lang))
        elif key == "challenges":
            tags = value if isinstance(value, list) else [] if value is None else [value]
            values.update({f"challenge_{i}": _clean(t) for i, t in enumerate(tags, start=1)})
            values["challenges"] = None
        elif key in REPORT_KEYS:
            values[key] = value
    return values


# --- the database edge ---------------------------------------------------------------------------


class Writer:
    """The writer role's connections (a small pool) and the operations on them."""

    def __init__(self, url: str, max_connections: int = 4) -> None:
        self.url = url
        self.max_connections = max_connections
        self._pool: psycopg2.pool.ThreadedConnectionPool | None = None
        self._lock = threading.Lock()

    def _get_pool(self) -> psycopg2.pool.ThreadedConnectionPool:
        with self._lock:  # created in the worker (after gunicorn's fork), once
            if self._pool is None:
                self._pool = psycopg2.pool.ThreadedConnectionPool(
                    0, self.max_connections, self.url, application_name="kc-writer"
                )
            return self._pool

    @contextmanager
    def transaction(self) -> Iterator[psycopg2.extensions.connection]:
        pool = self._get_pool()
        conn = pool.getconn()
        broken = False
        try:
            with conn:
                with conn.cursor() as cur:
                    cur.execute("SET TIME ZONE 'UTC'")
                yield conn
        except psycopg2.OperationalError:
            broken = True
            raise
        finally:
            pool.putconn(conn, close=broken or conn.closed != 0)


def _token_account(conn: psycopg2.extensions.connection, token: str) -> Account:
    with conn.cursor() as cur:
        account = token_account(cur, token)
    if account is None:
        raise Refused(
            HTTPStatus.UNAUTHORIZED,
            "unknown, expired or revoked token (kc users token list shows the tokens)",
            headers={"WWW-Authenticate": BAD_TOKEN},
        )
    return account


def _account(conn: psycopg2.extensions.connection) -> Account:
    header = request.headers.get("Authorization")
    token = bearer_token(header)
    if token is not None:
        return _token_account(conn, token)
    credentials = basic_credentials(header)
    if credentials is None:
        raise Refused(
            HTTPStatus.UNAUTHORIZED,
            "writing needs an account: send HTTP Basic credentials (kc users add) or a bearer "
            "token (kc users token add)",
            headers={"WWW-Authenticate": f"{REALM}, {BEARER_REALM}"},
        )
    with conn.cursor() as cur:
        if too_many_failures(cur, credentials[0]):
            minutes = int(FAILURE_WINDOW.total_seconds() // 60)
            raise Refused(HTTPStatus.TOO_MANY_REQUESTS,
                          f"too many wrong passwords for this account: try again in {minutes} "
                          "minutes", headers={"Retry-After": str(60 * minutes)})  # fmt: skip
        account = login(cur, *credentials)
    if account is None:
        conn.commit()  # the failure counts, though the request is refused
        raise Refused(
            HTTPStatus.UNAUTHORIZED,
            "unknown account or wrong password",
            headers={"WWW-Authenticate": REALM},
        )
    return account


def _may_write(account: Account, city: str, what: str) -> None:
    if not account.may_write(city):
        where = ", ".join(account.cities) or "no city"
        raise Refused(
            HTTPStatus.FORBIDDEN,
            f"account {account.name} may write the projects of {where}, not {what} ({city})",
        )


def _json_body() -> object:
    try:
        return json.loads(request.get_data(as_text=True) or "null")
    except ValueError as err:
        raise Refused(HTTPStatus.BAD_REQUEST, f"the body is not JSON: {err}") from err


def _source(account: Account) -> str:
    return f"web: {request.method} {request.path} by {account.name}"


def _id(raw: str | None) -> int:
    if raw is None or not raw.isdigit():
        raise Refused(HTTPStatus.NOT_FOUND, f"no feature {raw!r} here")
    return int(raw)


def _written(status: int, collection: str, feature: int | None, tag: str | None) -> Response:
    response = Response(status=status)
    if feature is not None:
        response.headers["Location"] = (
            f"{request.host_url.rstrip('/')}/collections/{collection}/items/{feature}"
        )
    if tag is not None:
        response.headers["ETag"] = f'"{tag}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --- reports -------------------------------------------------------------------------------------


def _check_point(cur, point: object, problems: ProblemList) -> str | None:
    if point is None:
        problems.add("feature", "point", "(empty)", "a measurement point (required)")
        return None
    try:
        require_point(cur, str(point))
    except UnknownReference as err:
        problems.add("feature", "point", point, f"a {err.kind}: {', '.join(err.expected)}")
        return None
    return str(point)


def _report_write(conn, account: Account, feature: str | None) -> Response:
    method = request.method
    if_match = if_match_tag(request.headers.get("If-Match"))
    cur = conn.cursor()
    if method == "DELETE":
        report = fw.read_report(cur, _id(feature))
        _may_write(account, report.city, f"project {report.project}")
        fw.withdraw_report(
            cur, report.report_id, account=account.name, source=_source(account), if_match=if_match
        )
        return _written(HTTPStatus.NO_CONTENT, "reports", None, None)
    problems = ProblemList("feature")
    properties, _ = feature_properties(_json_body(), problems)
    unknown_properties(properties, REPORT_KEYS, SERVED_REPORT, problems)
    stored = fw.read_report(cur, _id(feature)) if method != "POST" else None
    values = report_values(properties, problems)
    if stored is not None:
        if values.get("project_code") not in (None, stored.project):
            problems.add(
                "feature",
                "project",
                values["project_code"],
                f"the report's project {stored.project} (or absent)",
            )
        if properties.get("point") not in (None, stored.point):
            problems.add(
                "feature",
                "point",
                properties["point"],
                f"the report's point {stored.point} (or absent)",
            )
        base = dict(stored.values) if method == "PATCH" else {"project_code": stored.project}
        if method == "PATCH" and any(k.startswith("challenge_") for k in values):
            base = {k: v for k, v in base.items() if not k.startswith("challenge_")}
        values = {**base, **{k: v for k, v in values.items() if k != "project_code"}}
        values["project_code"] = stored.project
        point = stored.point
    else:
        point = _check_point(cur, properties.get("point"), problems)
    values.pop("point", None)
    ctx: Context = read_context(cur)
    free: dict[str, str] = {}
    staged = check_answers(values, "feature", ctx, problems, free)
    _raise_problems(problems)
    assert staged is not None
    cur.execute("SELECT city_code FROM kc.project WHERE project_id = %s", (staged[0],))
    _may_write(account, cur.fetchone()[0], f"project {values['project_code']}")
    report_id = fw.write_report(
        cur,
        staged,
        free,
        point or "",
        account=account.name,
        source=_source(account),
        replaces=stored.report_id if stored else None,
        if_match=if_match,
    )
    status = HTTPStatus.CREATED if method == "POST" else HTTPStatus.OK
    return _written(status, "reports", report_id, fw.report_tag(report_id))


# --- projects ------------------------------------------------------------------------------------


def footprint_hex(geometry: object, problems: ProblemList) -> str | None:
    """Hex EWKB (EPSG:4326) of a GeoJSON geometry in CRS84, or None with a problem."""
    if geometry is None:
        problems.add("feature", "geometry", "(empty)", "a footprint (GeoJSON geometry, CRS84)")
        return None
    try:
        geom = shapely.geometry.shape(geometry)
    except (ValueError, TypeError, AttributeError, KeyError, shapely.errors.GEOSException) as err:
        problems.add(
            "feature",
            "geometry",
            str(err) or type(err).__name__,
            "a GeoJSON geometry (CRS84 longitude, latitude)",
        )
        return None
    if geom.is_empty or not geom.is_valid:
        reason = "empty" if geom.is_empty else shapely.is_valid_reason(geom)
        problems.add("feature", "geometry", reason, "a valid geometry")
        return None
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        problems.add(
            "feature", "geometry", f"bounds {geom.bounds}", "longitude, latitude in degrees (CRS84)"
        )
        return None
    return shapely.to_wkb(shapely.set_srid(geom, 4326), hex=True, include_srid=True)


def _vocab(cur, reader: Callable, key: str, value: object, problems: ProblemList) -> str | None:
    vocab = reader(cur)
    code = vocab.resolve(value)
    if value is None:
        problems.add("feature", key, "(empty)", f"a {vocab.name} (required), {vocab.expected()}")
    elif code is None:
        problems.add("feature", key, value, f"a {vocab.name}, {vocab.expected()}")
    return code


def _title(value: object, problems: ProblemList) -> dict[str, str] | None:
    texts = value if isinstance(value, dict) else {"en": value}
    texts = {k: str(v).strip() for k, v in texts.items() if v is not None and str(v).strip()}
    if "en" not in texts:
        problems.add("feature", "title", "(empty)", "a title in English (required)")
        return None
    for lang in sorted(set(texts) - {"en", *LANGS}):
        problems.add("feature", "title", lang, f"texts in en, {', '.join(LANGS)}")
    return texts


def _point_of(cur, stored: fw.StoredProject) -> str | None:
    cur.execute(
        "SELECT code FROM kc.measurement_point WHERE valid_at = %s ORDER BY code LIMIT 1",
        (stored.valid_from,),
    )
    row = cur.fetchone()
    return row[0] if row else None


def _project_write(conn, account: Account, feature: str | None) -> Response:
    method = request.method
    if_match = if_match_tag(request.headers.get("If-Match"))
    cur = conn.cursor()
    problems = ProblemList("feature")
    stored = fw.read_project(cur, _id(feature)) if method != "POST" else None
    if stored is not None:
        _may_write(account, stored.city, f"project {stored.code}")
    if method == "DELETE":
        point = _check_point(cur, request.args.get("point"), problems)
        _raise_problems(problems)
        fw.check_project_current(cur, stored, if_match)
        fw.write_project(
            conn,
            stored.city,
            point,
            None,
            code=stored.code,
            account=account.name,
            source=_source(account),
        )
        return _written(HTTPStatus.NO_CONTENT, "projects", None, None)
    body = _json_body()
    properties, geometry = feature_properties(body, problems)
    unknown_properties(properties, PROJECT_KEYS, SERVED_PROJECT, problems)
    props = {k: _clean(v) for k, v in properties.items()}
    if stored is not None:
        for key, have in (("code", stored.code), ("city", stored.city)):
            if props.get(key) not in (None, have):
                problems.add("feature", key, props[key], f"the project's {key} {have} (or absent)")
        if method == "PATCH":
            current = {
                "thematic_field": stored.thematic_field,
                "title": stored.title,
                "status": stored.status,
                "attributes": stored.attributes,
            }
            props = {**current, **{k: v for k, v in props.items() if k in properties}}
            if geometry is None:  # a footprint cannot be removed: absent or null keeps it
                geometry = shapely.geometry.mapping(shapely.from_wkb(stored.footprint_hex))
        props["code"], props["city"] = stored.code, stored.city
        point_value = props.get("point") or _point_of(cur, stored)
    else:
        point_value = props.get("point")
    code = props.get("code")
    if code is None or not CODE.match(str(code)):
        problems.add("feature", "code", code, "a code of letters, digits, '_', '.', '-'")
    city = props.get("city")
    cur.execute("SELECT code FROM kc.city ORDER BY code")
    cities = [c for (c,) in cur.fetchall()]
    if city not in cities:
        problems.add("feature", "city", city, f"a city: {', '.join(cities)}")
    point = _check_point(cur, point_value, problems)
    status = _vocab(cur, statuses, "status", props.get("status"), problems)
    field = _vocab(cur, thematic_fields, "thematic_field", props.get("thematic_field"), problems)
    title = _title(props.get("title"), problems)
    footprint = footprint_hex(geometry, problems)
    buildings = props.get("buildings")
    if buildings is not None and not (
        isinstance(buildings, list) and all(isinstance(b, str) for b in buildings)
    ):
        problems.add("feature", "buildings", buildings, "a list of building ids (source ids)")
    attributes = props.get("attributes") or {}
    if not isinstance(attributes, dict):
        problems.add("feature", "attributes", attributes, "an object")
    if stored is None and code is not None:
        # Two creations of one code at once: the second waits here, then finds the first.
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"kc.project:{code}",))
        cur.execute("SELECT city_code FROM kc.project WHERE code = %s", (str(code),))
        if cur.fetchone():
            raise Refused(
                HTTPStatus.CONFLICT,
                f"project {code} exists already: replace or update one of its versions",
            )
    _raise_problems(problems)
    _may_write(account, city, f"project {code}")
    content = fw.ProjectContent(
        code=str(code),
        thematic_field=field,
        title=title,
        footprint_hex=footprint,
        status=status,
        attributes=attributes,
        source_crs=stored.source_crs if stored else "EPSG:4326",
        buildings=buildings,
    )
    if stored is not None:
        fw.check_project_current(cur, stored, if_match)
    try:
        version = fw.write_project(
            conn,
            city,
            point,
            content,
            code=str(code),
            account=account.name,
            source=_source(account),
        )
    except KCError as err:  # a snapshot refusal: unknown buildings, another city's code
        raise Refused(HTTPStatus.BAD_REQUEST, str(err)) from err
    tag = fw.current_project_tag(cur, version) if version is not None else None
    status_code = HTTPStatus.CREATED if method == "POST" else HTTPStatus.OK
    return _written(status_code, "projects", version, tag)


# --- Flask ---------------------------------------------------------------------------------------


def feature_tag(collection: str, feature: Mapping) -> str | None:
    """The ETag of a served feature (GeoJSON), as the writes compare it."""
    properties = feature.get("properties") or {}
    if collection == "reports" and feature.get("id") is not None:
        return fw.report_tag(int(feature["id"]))
    if collection == "projects" and feature.get("id") is not None:
        return fw.project_tag(
            int(feature["id"]), properties.get("valid_from"), properties.get("valid_to")
        )
    return None


def register(app: Flask, writer: Writer) -> None:
    """Answer the writes to ``projects`` and ``reports``; tag their single features."""

    @app.before_request
    def write() -> Response | None:
        match = ITEMS.match(request.path)
        if match is None or request.method not in WRITE_METHODS:
            return None
        collection, feature = match.groups()
        if (feature is None) != (request.method == "POST"):
            return None  # the request check (OpenAPI) answers 405
        try:
            with writer.transaction() as conn:
                account = _account(conn)
                if collection == "reports":
                    return _report_write(conn, account, feature)
                return _project_write(conn, account, feature)
        except Refused as refused:
            return refused.response()
        except fw.WriteRefused as err:
            headers = {"ETag": f'"{err.current_tag}"'} if err.current_tag else {}
            return error_response(err.status, str(err), headers=headers)
        except psycopg2.errors.UniqueViolation:
            return error_response(
                HTTPStatus.CONFLICT,
                "another write made the same feature at the same time; read it again",
            )

    @app.after_request
    def tag_feature(response: Response) -> Response:
        match = ITEMS.match(request.path)
        if (
            match is None
            or match.group(2) is None
            or request.method not in ("GET", "HEAD")
            or response.status_code != 200
            or "json" not in str(response.headers.get("Content-Type", ""))
        ):
            return response
        try:
            data = response.get_data()
            if response.headers.get("Content-Encoding") == "gzip":
                data = gzip.decompress(data)
            tag = feature_tag(match.group(1), json.loads(data))
        except (ValueError, TypeError):
            return response
        if tag is not None:
            response.headers["ETag"] = f'"{tag}"'
            response.headers["Cache-Control"] = "no-cache"
        return response


# --- the OpenAPI document ------------------------------------------------------------------------

SECURITY_SCHEME = {
    "type": "http",
    "scheme": "basic",
    "description": "An account of `kc users` (editor of cities, or coordinator).",
}
BEARER_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "A token of an account (`kc users token add`): writes with its cities.",
}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "The ETag of the feature as read: a write from an older one gets 412.",
    "schema": {"type": "string"},
}
DELETE_POINT = {
    "name": "point",
    "in": "query",
    "required": True,
    "description": "The measurement point (e.g. PM30) from which the project is no longer valid.",
    "schema": {"type": "string"},
}
_FEATURE_BODY = {
    "type": "object",
    "required": ["type", "properties"],
    "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "geometry": {"type": "object", "nullable": True},
        "properties": {"type": "object"},
    },
}
_WRITTEN_HEADERS = {
    "Location": {
        "description": "The feature written (its new version)",
        "schema": {"type": "string"},
    },
    "ETag": {"description": "Its entity tag, for the next If-Match", "schema": {"type": "string"}},
}


def _answers(*codes: int, written: int | None = None) -> dict:
    texts = {
        200: "Written: a new version or a correction (Location names it)",
        201: "Created (Location names it)",
        204: "Done: nothing was deleted, see the history",
        400: "Bad input: every problem listed (where, field, found, expected)",
        401: "No account, a wrong password, or an unknown, expired or revoked token",
        403: "The account may not write this city",
        404: "No such feature",
        409: "Conflicts with what is there (see the message)",
        412: "The feature changed since it was read (ETag: the current tag)",
    }
    answers = {}
    for code in codes:
        answer: dict = {"description": texts[code]}
        if code == written:
            answer["headers"] = dict(_WRITTEN_HEADERS)
        answers[str(code)] = answer
    return answers


def _body(*media_types: str) -> dict:
    return {
        "required": True,
        "content": {media: {"schema": dict(_FEATURE_BODY)} for media in media_types},
    }


def declare_writes(document: dict, collections: tuple[str, ...] = COLLECTIONS) -> dict:
    """``document`` with the Part 4 operations on ``collections`` (only when they are served)."""
    paths = document.get("paths", {})
    components = document.setdefault("components", {})
    schemes = components.setdefault("securitySchemes", {})
    schemes["basicAuth"], schemes["bearerAuth"] = dict(SECURITY_SCHEME), dict(BEARER_SCHEME)
    security = [{"basicAuth": []}, {"bearerAuth": []}]
    for name in collections:
        items, item = f"/collections/{name}/items", f"/collections/{name}/items/{{featureId}}"
        if items not in paths or item not in paths:
            continue
        get_parameters = paths[item].get("get", {}).get("parameters", [])
        path_parameters = [
            dict(p) for p in get_parameters
            if p.get("in") == "path" or p.get("$ref", "").endswith("/featureId")
        ]  # fmt: skip
        paths[items]["post"] = {
            "summary": f"Add a {name[:-1]} (OGC API - Features Part 4)",
            "tags": [name],
            "operationId": f"create{name.title()}Feature",
            "security": security,
            "requestBody": _body("application/geo+json"),
            "responses": _answers(201, 400, 401, 403, 409, written=201),
        }
        paths[item]["put"] = {
            "summary": f"Replace a {name[:-1]}: a correction or a new version, never an overwrite",
            "tags": [name],
            "operationId": f"replace{name.title()}Feature",
            "security": security,
            "parameters": [*path_parameters, dict(IF_MATCH)],
            "requestBody": _body("application/geo+json"),
            "responses": _answers(200, 400, 401, 403, 404, 409, 412, written=200),
        }
        paths[item]["patch"] = {
            "summary": f"Update some properties of a {name[:-1]} (JSON merge patch)",
            "tags": [name],
            "operationId": f"update{name.title()}Feature",
            "security": security,
            "parameters": [*path_parameters, dict(IF_MATCH)],
            "requestBody": _body("application/merge-patch+json", "application/geo+json"),
            "responses": _answers(200, 400, 401, 403, 404, 409, 412, written=200),
        }
        delete_parameters = [*path_parameters, dict(IF_MATCH)] + (
            [dict(DELETE_POINT)] if name == "projects" else []
        )
        paths[item]["delete"] = {
            "summary": (
                "End the project's validity at a point (its versions are kept)"
                if name == "projects"
                else "Withdraw the report (it is kept in the history)"
            ),
            "tags": [name],
            "operationId": f"delete{name.title()}Feature",
            "security": security,
            "parameters": delete_parameters,
            "responses": _answers(204, 400, 401, 403, 404, 412),
        }
    return document
