"""Feature history through the OGC API: ``known_at``, version links and the change feeds.

The store keeps every version with its validity (valid time) and when each row was recorded and
superseded (transaction time). Three things make that reachable by any OGC API client:

- ``known_at`` (an RFC 3339 instant) on every versioned collection and on the change feeds:
  the answer comes from the rows believed at that instant (``recorded_at <= known_at <
  superseded_at``), so "what did we publish at S about the state at T" is one request. The
  collection then reads its ``known_at_function`` (``kc.api_buildings_known(known_at)`` ...)
  instead of its view.
- Version links (RFC 5829): each feature of a collection with ``version_links`` carries
  ``version-history`` (its versions as features: ``items?feature_id=…&sortby=valid_from``),
  ``predecessor-version``, ``successor-version`` and ``latest-version``, written by PostgreSQL
  with the feature itself (``kc.version_links``).
- The change feeds: a collection with ``changes_function`` (``kc.building_changes``) reads that
  function with the request's ``datetime`` as its bounds, so a feed over one interval reads only
  the rows that start or end in it. With ``recorded_after`` (an instant), a feed answers what was
  recorded after it (up to ``known_at``, or now) about the state at the points of ``datetime``:
  what a harvester that applied the feed then must apply now, corrections of points it already
  harvested included.

The request's values reach the provider in a context variable set around pygeoapi's items and
item endpoints (``history_context``), as the paging context does (``gis.api.provider``).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import BigInteger, Text, column, func, select, table

from gis.api.valid_time import ValidTime, parse_datetime

#: The query parameters.
KNOWN_AT = "known_at"
RECORDED_AFTER = "recorded_after"
KNOWN_AT_EXPECTED = (
    "expected an RFC 3339 date-time with a time zone, e.g. 2018-03-01T12:00:00Z or "
    "2018-03-01T13:00:00+01:00"
)
_INSTANT = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})$"
)
#: The provider keys (config/pygeoapi.yaml) of a collection with history.
HISTORY_KEYS = ("known_at_function", "changes_function", "version_links")
#: The alias of ``kc.version_neighbours`` in a statement whose features carry version links.
NEIGHBOURS = "kc_n"
#: The stored neighbours of the versions believed now (sql/views/28_api_version_neighbours.sql).
STORED_NEIGHBOURS = table(
    "api_version_neighbours",
    column("kind", Text),
    column("version_id", BigInteger),
    column("predecessor", BigInteger),
    column("successor", BigInteger),
    column("latest", BigInteger),
    schema="kc",
)


def parse_known_at(text: str) -> dt.datetime:
    """The instant of a ``known_at`` value (timezone-aware); ValueError saying what is wrong."""
    value = text.strip()
    if not _INSTANT.match(value):
        raise ValueError(f"invalid known_at {text!r}: {KNOWN_AT_EXPECTED}")
    try:
        return dt.datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))
    except ValueError as err:
        raise ValueError(f"invalid known_at {text!r}: {err}; {KNOWN_AT_EXPECTED}") from None


def known_at_problem(value: str) -> str | None:
    """What is wrong with a ``known_at`` value, or None (for ``gis.api.parameters``)."""
    try:
        parse_known_at(value)
    except ValueError as err:
        return str(err).split(": ", 1)[1]
    return None


@dataclass(frozen=True)
class HistoryRequest:
    """What one items or item request asks of history."""

    items_url: str  #: the collection's items URL, as pygeoapi writes links
    known_at: dt.datetime | None
    valid_time: ValidTime | None  #: the request's datetime (None: absent or not valid time)
    recorded_after: dt.datetime | None = None  #: a change feed's recording-time start

    @property
    def link_query(self) -> str:
        """What each version link repeats: the same ``known_at``."""
        if self.known_at is None:
            return ""
        return f"{KNOWN_AT}={self.known_at.isoformat().replace('+00:00', 'Z').replace('+', '%2B')}"


HISTORY: contextvars.ContextVar[HistoryRequest | None] = contextvars.ContextVar(
    "kc_history", default=None
)


def _request(api, request, dataset: str) -> HistoryRequest:
    params = request.params
    try:
        valid_time = parse_datetime(params.get("datetime"))
    except ValueError:  # pygeoapi's validator answers it with a 400
        valid_time = None
    try:
        known_at = parse_known_at(params[KNOWN_AT]) if KNOWN_AT in params else None
    except ValueError:  # refused before (gis.api.parameters) on every documented path
        known_at = None
    try:
        after = params.get(RECORDED_AFTER)
        recorded_after = parse_known_at(after) if after is not None else None
    except ValueError:  # refused before, as known_at
        recorded_after = None
    return HistoryRequest(
        items_url=f"{api.get_collections_url()}/{dataset}/items",
        known_at=known_at,
        valid_time=valid_time,
        recorded_after=recorded_after,
    )


def history_context(original: Callable) -> Callable:
    """pygeoapi's items or item endpoint with the request's ``HistoryRequest`` set.

    ``known_at`` was checked before (``gis.api.parameters``): a bad one never gets here.
    """

    def endpoint(api, request, dataset, *args):
        token = HISTORY.set(_request(api, request, dataset))
        try:
            return original(api, request, dataset, *args)
        finally:
            HISTORY.reset(token)

    return endpoint


@dataclass(frozen=True)
class CollectionHistory:
    """The history keys of one collection's provider definition."""

    known_at_function: str | None = None
    changes_function: str | None = None
    version_links: str | None = None  #: the kind of feature: buildings or projects

    @classmethod
    def from_provider(cls, provider_def: Mapping) -> CollectionHistory:
        return cls(**{key: provider_def.get(key) for key in HISTORY_KEYS})

    @property
    def takes_known_at(self) -> bool:
        return bool(self.known_at_function or self.changes_function)


@functools.lru_cache(maxsize=256)
def source(view, history: CollectionHistory, request: HistoryRequest | None):
    """What a request reads: the view, or the function standing for it at ``known_at`` (and,
    for a change feed, within the ``datetime`` bounds), with the view's columns and types.

    One object for equal arguments (cached): a statement names its source several times and
    must get the same FROM item each time, not one more.
    """
    known_at = request.known_at if request else None
    if history.changes_function:
        valid_time = request.valid_time if request else None
        first = valid_time.first if valid_time else None
        last = valid_time.last if valid_time else None
        after = request.recorded_after if request else None
        if after is None:
            call = getattr(func.kc, history.changes_function)(first, last, known_at)
        else:  # kc.<feed>_recorded: what was recorded after ``after`` (sql/functions/50_history)
            recorded = getattr(func.kc, f"{history.changes_function}_recorded")
            call = recorded(first, last, after, known_at)
    elif history.known_at_function and known_at is not None:
        call = getattr(func.kc, history.known_at_function)(known_at)
    else:
        return view
    columns = [column(c.name, c.type) for c in view.columns]
    return call.table_valued(*columns).alias(view.name)


def neighbours(
    history: CollectionHistory, request: HistoryRequest | None, versions, lateral: bool = False
):
    """The neighbours of ``versions`` as ``NEIGHBOURS``, what the links of ``with_version_links``
    read, to be joined on its ``version`` (= the feature's id); None without version links.

    As believed now they are stored (``kc.api_version_neighbours``, kept by the triggers of
    migration 0051) and joined by id, whatever ``versions`` is: computed they cost about 2 ms of
    PostgreSQL a page of 100, and a deep page re-ran the computation for each of its features.
    At a ``known_at`` they are computed (``kc.version_neighbours(kind, versions, known_at)``).

    ``versions``: the SQL expression of the ids (``bigint[]``) of the features written, e.g. a
    page's ``ARRAY(SELECT id FROM kc_page)``: the neighbours of a whole page are looked up in one
    go. ``lateral``: for an expression of the row's own id (one feature).
    """
    if not history.version_links or request is None:
        return None
    if request.known_at is None:  # as believed now: stored, one index lookup a feature
        stored = STORED_NEIGHBOURS
        return (
            select(
                stored.c.version_id.label("version"),
                stored.c.predecessor,
                stored.c.successor,
                stored.c.latest,
            )
            .where(stored.c.kind == history.version_links)
            .subquery(NEIGHBOURS)
        )
    call = func.kc.version_neighbours(history.version_links, versions, request.known_at)
    table = call.table_valued(
        column("version", BigInteger),
        column("predecessor", BigInteger),
        column("successor", BigInteger),
        column("latest", BigInteger),
    )
    return table.lateral(NEIGHBOURS) if lateral else table.alias(NEIGHBOURS)


def with_version_links(fragment: str, history: CollectionHistory, request: HistoryRequest | None):
    """The SQL of a feature (``gis.api.provider.feature_sql``) with its version links.

    The links are written by PostgreSQL next to the feature (``kc.version_links``) from the
    feature's row of ``neighbours``, which the statement joins: no second round trip.
    """
    if not history.version_links or request is None:
        return fragment
    # Literals quoted by _literal, nothing else pasted.
    arguments = (
        f"{_literal(request.items_url)}, feature_id, {NEIGHBOURS}.predecessor, "
        f"{NEIGHBOURS}.successor, {NEIGHBOURS}.latest, {_literal(request.link_query)}"
    )
    links = (
        f"CASE WHEN {NEIGHBOURS}.version IS NULL THEN '[]' "
        f"ELSE kc.version_links({arguments})::text END"
    )
    # The feature's text ends with the properties' closing brace and its own.
    return f"left({fragment}, -1) || ',\"links\":' || {links} || '}}'"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# -- the OpenAPI document --------------------------------------------------------------------
KNOWN_AT_PARAMETER = {
    "name": KNOWN_AT,
    "in": "query",
    "required": False,
    "description": "Transaction time: answer from what was recorded and not yet superseded at "
    "this instant (RFC 3339 date-time with a time zone), e.g. what was published before a "
    "correction. Without it: what is believed now.",
    "schema": {"type": "string", "format": "date-time"},
}
RECORDED_AFTER_PARAMETER = {
    "name": RECORDED_AFTER,
    "in": "query",
    "required": False,
    "description": "Recording time: instead of the changes at the points of datetime, what was "
    "recorded after this instant (RFC 3339 date-time with a time zone) up to known_at (or now) "
    "about the state at each of those points: new, changed or ended against what was believed "
    "at this instant, corrections of earlier points included. A harvester that applied the feed "
    "at S applies recorded_after=S (in point order) and is up to date.",
    "schema": {"type": "string", "format": "date-time"},
}
FEATURE_ID_DESCRIPTION = (
    "The stable identity of a feature: with sortby=valid_from, the history of one feature (its "
    "versions in valid-time order), as the version-history link of each version gives it."
)


def declare_history_parameters(document: dict, resources: Mapping[str, Mapping]) -> dict:
    """``document`` with ``known_at`` declared on the items and item operations of every
    collection that takes it (``recorded_after`` too on the change feeds), and ``feature_id``
    described as the way to a feature's history.

    ``resources``: ``{collection: provider definition}``.
    """
    paths = document.get("paths", {})
    for name, provider_def in resources.items():
        history = CollectionHistory.from_provider(provider_def)
        for template in (f"/collections/{name}/items", f"/collections/{name}/items/{{featureId}}"):
            get = paths.get(template, {}).get("get")
            if get is None:
                continue
            parameters = get.setdefault("parameters", [])
            if history.takes_known_at:
                parameters.append(dict(KNOWN_AT_PARAMETER))
            if history.changes_function:
                parameters.append(dict(RECORDED_AFTER_PARAMETER))
            if history.version_links:
                for parameter in parameters:
                    if parameter.get("name") == "feature_id" and parameter.get("in") == "query":
                        parameter["description"] = FEATURE_ID_DESCRIPTION
    return document
