"""pygeoapi's PostgreSQL provider with valid time, languages, a cheap ``numberMatched`` and
GeoJSON made by PostGIS.

Configured per collection (see ``config/pygeoapi.yaml``) with, besides the stock keys:

``valid_from_field`` / ``valid_to_field``  the validity columns (absent: not versioned, every row
                                           is always valid)
``i18n_fields``     jsonb ``{"en", "de", "fr"}`` columns served as one string in the language
                    asked for (``lang=`` / ``Accept-Language``), English where it is missing
``count_timeout_ms``  how long counting ``numberMatched`` may take (default 300)
``stored_features``  a view of the features' texts kept by the database (``version_id``,
                    ``body``, ``links``: ``kc.api_building_features``, migration 0052), read
                    instead of writing each feature when a page asks for them whole
``known_at_function`` / ``changes_function`` / ``version_links``  history (``gis.api.history``)

A collection with ``valid_from_field`` and no ``valid_to_field`` is one of instants (the change
feeds: the date of each change); ``datetime`` selects the instants it contains.

Each feature is written as GeoJSON text by PostgreSQL itself (``ST_AsGeoJSON`` and
``json_build_object`` with the properties in the view's column order, ``crs`` by
``ST_Transform``, i18n texts picked in SQL): no ORM objects, no shapely, one round trip
(``feature_sql``); or, for a collection with ``stored_features`` and a page asking for its
features whole as believed now, read as the database keeps them written (``stored_fragment``).
Values come out as pygeoapi wrote them from Python before (a float keeps its
``.0``, a timestamp is ``isoformat()``'s text), in the form its ``to_json`` writes, so a JSON
answer carries the texts unparsed (``gis.api.feature_text``); other formats parse them once.

A page ordered by id links its next page by the last id (``after=<id>``, keyset paging), and a
keyset page the page before it by its first id (``before=<id>``); a page at an ``offset`` or
by a cursor first finds its ids, then builds only those features (``_page_statement``), so
deep pages cost the index walk, not building what is skipped.

The count runs on connections of its own (``count_engine``) whose ``statement_timeout`` cannot
reach any other query; a count that takes too long only leaves ``numberMatched`` out.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import json
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import quote

from psycopg2.errors import QueryCanceled, UndefinedFunction
from pygeoapi.provider.base import (
    ProviderInvalidQueryError,
    ProviderItemNotFoundError,
)
from pygeoapi.provider.sql import PostgreSQLProvider
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    Integer,
    Numeric,
    String,
    and_,
    asc,
    column,
    create_engine,
    desc,
    exists,
    func,
    literal_column,
    select,
    text,
    true,
)
from sqlalchemy import DateTime as SQLDateTime
from sqlalchemy import table as sql_table
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import DataError, DBAPIError, ProgrammingError

from gis.api import caching, compiled_pages, cql, history
from gis.api.feature_text import passable
from gis.api.languages import FALLBACK, pick_language
from gis.api.valid_time import ValidTime

LOGGER = logging.getLogger(__name__)

#: What ``time_field`` is set to. pygeoapi reads it twice: it documents ``datetime`` in OpenAPI
#: only when it is set, and it marks the column of that name ``primary-instant`` in the
#: queryables and the schema. Every collection takes ``datetime`` (valid time; a collection
#: without validity columns is valid at every time) and no column is an instant, so it is set on
#: every collection and names no column; ``get_fields`` gives the validity columns their roles.
VALID_TIME = "(valid time)"
#: OGC API - Features - Part 3: the roles of the columns bounding ``[valid_from, valid_to)``.
INTERVAL_START, INTERVAL_END = "primary-interval-start", "primary-interval-end"
INSTANT = "primary-instant"
#: The query parameters of keyset paging: the page starts after the feature with this id
#: (``next`` links), or ends before it (``prev`` links of keyset pages).
AFTER = "after"
BEFORE = "before"
#: Decimal digits ``ST_AsGeoJSON`` may write: enough for every double to read back unchanged.
GEOJSON_DIGITS = 17
#: A first page counts its matches in the same statement up to this many pages' worth, at
#: least ``FIRST_PAGE_WINDOW_ROWS[0]`` and at most ``[1]`` rows (a viewer's bbox usually has
#: fewer: no count apart); beyond, ``numberMatched`` is counted apart. The page then costs at
#: most that many rows read (not written as JSON), whatever the view. The floor also keeps the
#: planner from walking the id index for a tiny LIMIT with a bbox (limit=1: 450 ms -> 1 ms).
FIRST_PAGE_WINDOW = 4
FIRST_PAGE_WINDOW_ROWS = (100, 4000)


# -- the request's paging context (set around pygeoapi's items endpoint, see keyset_paging) -----
@dataclass
class Paging:
    """What the provider needs of the items request to write its ``next``/``prev`` links, and
    what it found (``more``: whether a next page exists; None: not told)."""

    uri: str  #: the items URL as pygeoapi writes it in links (KC_PUBLIC_URL based)
    query: str  #: the request's parameters but f, offset, after, before, as ``&k=v`` (pygeoapi's)
    after: str | None  #: the request's ``after``
    next_title: str
    prev_title: str
    #: a JSON answer that may carry the features as PostGIS wrote them (``gis.api.feature_text``)
    passthrough: bool = False
    more: bool | None = None
    before: str | None = None  #: the request's ``before``
    #: the page reads the data version with its features (``gis.api.caching.note_version``)
    wants_data_version: bool = False
    data_version: caching.DataVersion | None = None  #: what it read

    def href(self, **first: object) -> str:
        lead = "&".join(f"{k}={quote(str(v), safe='')}" for k, v in first.items())
        return f"{self.uri}?{lead}{self.query}"


PAGING: contextvars.ContextVar[Paging | None] = contextvars.ContextVar("kc_paging", default=None)


def keyset_paging(original: Callable) -> Callable:
    """pygeoapi's items endpoint with the request's paging context for the provider.

    The provider writes the ``next`` link (``after=<last id>`` when the page is ordered by id,
    else ``offset=``) and, with it, the ``prev`` link of an offset page; pygeoapi then adds
    neither (it keeps a provider's ``next``). A keyset page (``after=`` or ``before=``) links
    the page before it by ``before=<first id>`` when there is one. Outermost around the endpoint, so the links repeat
    the request's parameters as the client sent them (``filter-lang=cql2-json`` included).

    On the last page pygeoapi guesses a next link of its own (``numberMatched > offset +
    limit``, or a full page): after a cursor, where its offset is 0, or on a last page that
    happens to be full, that link leads nowhere. The provider knows there is no next page: its
    links of such a page are ``LastPageLinks``, which do not take that link. Should one still
    be written (a page without features, whose links pygeoapi makes), it is taken out again
    (JSON answers; this one page is parsed and written twice).
    """

    def get_collection_items(api, request, dataset):
        from pygeoapi import l10n
        from pygeoapi.util import to_json

        params = request.params
        paging = Paging(
            uri=f"{api.get_collections_url()}/{dataset}/items",
            query="".join(
                f"&{quote(k, safe='')}={quote(str(v), safe=',')}"
                for k, v in params.items()
                if k not in ("f", "offset", AFTER, BEFORE)
            ),
            after=params.get(AFTER),
            before=params.get(BEFORE),
            next_title=l10n.translate("Items (next)", request.locale),
            prev_title=l10n.translate("Items (prev)", request.locale),
            passthrough=request.format not in ("html", "jsonld", "csv") and not api.pretty_print,
            wants_data_version=caching.version_pending(),
        )
        token = PAGING.set(paging)
        try:
            headers, status, content = original(api, request, dataset)
        finally:
            PAGING.reset(token)
        if paging.data_version is not None:
            caching.note_version(paging.data_version)
        if (
            paging.more is False
            and status == 200
            and request.format in (None, "json")
            and isinstance(content, str)
            and '"next"' in content
        ):
            body = json.loads(content)
            body["links"] = [link for link in body.get("links", []) if link.get("rel") != "next"]
            content = to_json(body, api.pretty_print)
        return headers, status, content

    return get_collection_items


class LastPageLinks(list):
    """The links of a page the provider knows to be the last: pygeoapi's guessed ``next``
    link, appended after the query, is not taken (see ``keyset_paging``). Before, the whole
    page was parsed and written again to take it out: 2 ms for 100 buildings."""

    def append(self, link) -> None:
        if not (isinstance(link, dict) and link.get("rel") == "next"):
            super().append(link)


class ValidTimeProvider(PostgreSQLProvider):
    """Serves a ``kc.api_*`` view; ``datetime`` selects versions by their validity."""

    def __init__(self, provider_def: dict) -> None:
        self.valid_from_field = provider_def.get("valid_from_field")
        self.valid_to_field = provider_def.get("valid_to_field")
        self.i18n_fields = frozenset(provider_def.get("i18n_fields", ()))
        self.count_timeout_ms = int(provider_def.get("count_timeout_ms", 300))
        self.stored_features = provider_def.get("stored_features")
        self.history = history.CollectionHistory.from_provider(provider_def)
        super().__init__(provider_def)
        self.time_field = VALID_TIME

    @property
    def _table(self):
        """The view, or what stands for it in this request (``known_at``, a change feed)."""
        return history.source(self.table_model.__table__, self.history, history.HISTORY.get())

    # -- fields and columns ------------------------------------------------------------------
    def get_fields(self) -> dict:
        """JSON Schema of each column, in the view's order: i18n texts are strings, arrays
        arrays, and the validity columns carry their Part 3 roles."""
        if not self._fields:
            fields = _fields_of(
                self.table_model.__table__,
                self.geom,
                self.i18n_fields,
                self.valid_from_field,
                self.valid_to_field,
            )
            # pygeoapi's schema endpoint edits the dicts it is given: a copy of each.
            self._fields = {name: dict(schema) for name, schema in fields.items()}
        return self._fields

    def _column(self, name: str, language: str = FALLBACK, columns=None):
        """The SQL expression of a property; i18n texts compare as the text in ``language``.

        ``columns``: where the column is taken from (the view by default, or an alias of it).
        """
        columns = self._table.c if columns is None else columns
        try:
            column = columns[name]
        except KeyError:
            raise ProviderInvalidQueryError(user_msg=f"unknown property {name!r}") from None
        if name in self.i18n_fields:
            return func.coalesce(column.op("->>")(language), column.op("->>")(FALLBACK))
        return column

    def _selected_columns(self, select_properties, skip_geometry: bool) -> list:
        """The columns a page reads, in the view's order: the id, the properties asked for
        (all by default, within the configured ``properties``) and the geometry unless skipped."""
        wanted = set(select_properties or self.fields)
        if self.properties:
            wanted &= set(self.properties)
        return [
            column
            for column in self._table.columns
            if column.name == self.id_field
            or (column.name == self.geom and not skip_geometry)
            or (column.name != self.geom and column.name in wanted)
        ]

    def _canonical(self, select_properties) -> bool:
        """Whether SQL writes every column a page reads as ``to_json`` would (the id too)."""
        return all(
            written_canonically(c, _value_kind(c, self.i18n_fields))
            for c in self._selected_columns(select_properties, True)
        )

    def _feature_sql(self, select_properties, skip_geometry: bool, lang: str, crs_spec) -> str:
        """The SQL text of one feature as GeoJSON (``feature_sql``) for this request."""
        selected = self._selected_columns(select_properties, skip_geometry)
        properties = tuple(
            (c.name, _value_kind(c, self.i18n_fields))
            for c in selected
            if c.name not in (self.id_field, self.geom)
        )
        has_geometry = any(c.name == self.geom for c in selected)
        target = output_crs(crs_spec.target_crs_uri) if crs_spec is not None else None
        if target is not None and target[0] == storage_srid(self.storage_crs):
            target = (None, target[1])
        fragment = feature_sql(
            self.id_field, self.geom if has_geometry else None, properties, lang, target
        )
        return history.with_version_links(fragment, self.history, history.HISTORY.get())

    def _stored_sql(self, select_properties, skip_geometry: bool, crs_spec) -> str | None:
        """The SQL text of one feature read from ``stored_features`` (``stored_fragment``), or
        None when the request asks for something else than what is stored: the features as
        believed now, every property, the geometry in the storage CRS, with version links."""
        request = history.HISTORY.get()
        target = output_crs(crs_spec.target_crs_uri) if crs_spec is not None else None
        if (
            not self.stored_features
            or request is None
            or request.known_at is not None
            or not self.history.version_links
            or self._table is not self.table_model.__table__
            or self.i18n_fields
            or self.properties
            or skip_geometry
            or (target is not None and target != (storage_srid(self.storage_crs), False))
            or (select_properties and not set(self.fields) <= set(select_properties))
        ):
            return None
        return stored_fragment(self.stored_features, self.id_field, request.items_url)

    # -- filters (overrides of pygeoapi's private methods: see gis.api.patches) ---------------
    def _get_datetime_filter(self, datetime_: str | None):
        """Versions valid during the requested days; ``datetime_`` is already canonical.

        The items endpoint's validator (``gis.api.patches``) parsed the request's value and
        passed on ``ValidTime.normalized()``; here it is only decoded, not parsed again.
        """
        if datetime_ is None:
            return True
        try:
            valid_time = ValidTime.from_normalized(datetime_)
        except ValueError as err:
            raise ProviderInvalidQueryError(user_msg=str(err)) from err
        if valid_time.unbounded or not self.valid_from_field:
            return True
        return self.validity_overlaps(valid_time)

    def validity_overlaps(self, valid_time: ValidTime):
        """``[valid_from, valid_to)`` overlaps the requested days (an instant is one day).

        Plain comparisons rather than ``daterange(...) && ...``: the planner estimates them
        well and drives the query from the footprint index when there is a bbox (with the range
        operator it misjudged the selectivity and scanned every version valid at the date).
        SQL text with bound dates (``bound_sql``): a tree of column expressions cost more
        Python to build and compile than the rest of the statement's filters.
        """
        valid_from = _PREPARER.quote(self.valid_from_field)
        # No valid_to_field: a collection of instants, those within the requested days.
        valid_to = _PREPARER.quote(self.valid_to_field) if self.valid_to_field else None
        clauses, values = [], {}
        if valid_time.last is not None:
            clauses.append(f"{valid_from} <= :kc_last")
            values["kc_last"] = valid_time.last
        if valid_time.first is not None and valid_to is None:
            clauses.append(f"{valid_from} >= :kc_first")
            values["kc_first"] = valid_time.first
        elif valid_time.first is not None:
            clauses.append(f"({valid_to} IS NULL OR {valid_to} > :kc_first)")
            values["kc_first"] = valid_time.first
        return bound_sql(" AND ".join(clauses), values)

    def _get_property_filters(self, properties):
        if not properties:
            return True
        return and_(*(self._column(name) == value for name, value in properties))

    def _get_cql_filters(self, filterq, language: str = FALLBACK):
        if not filterq:
            return True
        columns = {name: self._column(name, language) for name in self._table.columns.keys()}  # noqa: SIM118
        return cql.to_sql(filterq, columns, geometry=self.geom)

    def _get_bbox_filter(self, bbox):
        """The features meeting ``bbox`` (in the storage CRS: pygeoapi moved it from bbox-crs).

        pygeoapi's asks pyproj for the storage CRS's EPSG code on every request (tens of
        milliseconds); it is looked up once (``storage_srid``). A 3D box keeps its x and y.
        """
        if not bbox:
            return True
        half = len(bbox) // 2
        corners = {
            "kc_minx": float(bbox[0]),
            "kc_miny": float(bbox[1]),
            "kc_maxx": float(bbox[half]),
            "kc_maxy": float(bbox[half + 1]),
        }
        srid = int(storage_srid(self.storage_crs))
        envelope = f"ST_MakeEnvelope(:kc_minx, :kc_miny, :kc_maxx, :kc_maxy, {srid})"
        return bound_sql(f"ST_Intersects({envelope}, {_PREPARER.quote(self.geom)})", corners)

    def _get_order_by_clauses(self, sort_by, table_model, language: str = FALLBACK, columns=None):
        clauses = [
            (asc if s["order"] == "+" else desc)(self._column(s["property"], language, columns))
            for s in sort_by
        ]
        # Always end on the id so that pages never skip or repeat a feature.
        columns = self._table.c if columns is None else columns
        clauses.append(asc(columns[self.id_field]))
        return clauses

    def _where(self, properties, filterq, bbox, datetime_, language: str) -> list:
        """The conditions of a query (those that filter nothing left out)."""
        clauses = [
            self._get_property_filters(properties or []),
            self._get_cql_filters(filterq, language),
            self._get_bbox_filter(bbox or []),
            self._get_datetime_filter(datetime_),
        ]
        return [clause for clause in clauses if clause is not True]

    # -- queries -------------------------------------------------------------------------------
    def query(
        self,
        offset=0,
        limit=10,
        resulttype="results",
        bbox=None,
        datetime_=None,
        properties=None,
        sortby=None,
        select_properties=None,
        skip_geometry=False,
        q=None,
        filterq=None,
        crs_transform_spec=None,
        language=None,
        after=None,
        **kwargs,
    ) -> dict:
        """One page of features, complete before anything is counted.

        ``numberMatched`` is exact or absent, never a guess: on the last page it is offset +
        returned (or counted, after a cursor); on the first page and on an empty page past the
        end it is counted within ``count_timeout_ms``; other pages leave it out, so paging
        through a large collection never recounts it. One row more than asked tells whether a
        next page exists. ``after`` (else the request's ``after=``): only features whose id
        comes after it, for pages ordered by id; ``before`` (else the request's ``before=``):
        the ``limit`` features whose ids come last before it (the page a ``prev`` link shows).
        A keyset page also tells whether features come before it (after) or after it (before).
        """
        lang = pick_language(language)
        paging = PAGING.get()
        if after is None and paging is not None:
            after = paging.after
        before = kwargs.get(BEFORE) or (paging.before if paging is not None else None)
        sortby = sortby or []
        by_id = all(s["property"] == self.id_field and s["order"] == "+" for s in sortby)
        _check_cursors(after, before, by_id, offset)
        where = self._where(properties, filterq, bbox, datetime_, lang)
        if resulttype == "hits":
            return _collection([], self._count(where))
        id_column = self._table.c[self.id_field]
        page_where, order, beyond = where, sortby, None
        if after is not None:
            page_where = [*where, id_column > after]
            beyond = self._exists([*where, id_column <= after])
        elif before is not None:
            page_where = [*where, id_column < before]
            order = [{"property": self.id_field, "order": "-"}]
            beyond = self._exists([*where, id_column >= before])
        first = not (offset or after or before)
        versioned = paging is not None and paging.wants_data_version

        def read(fragment: str, stored: bool) -> list:
            def statement():
                page = self._page_statement(
                    fragment, page_where, order, offset, limit + 1, lang, not first, beyond, stored
                )
                # The data version as the last two columns (``caching.note_version``).
                return page.add_columns(*_DATA_VERSION_COLUMNS) if versioned else page

            shape = (fragment, tuple((s["property"], s["order"]) for s in order), offset, limit)
            fetch_page = self._page_fetcher(
                statement, page_where, (*shape, lang, first, versioned), beyond
            )
            rows = fetch_page()
            if versioned:
                paging.data_version, rows = self._data_version_of(rows, fetch_page)
            return rows

        stored = self._stored_sql(select_properties, skip_geometry, crs_transform_spec)
        rows = None if stored is None else read(stored, True)
        if rows is not None and any(row[1] is None for row in rows):
            # A version without its stored text would be a bug of the triggers: written instead.
            LOGGER.error(
                "stored feature texts missing in %s: written instead", self.stored_features
            )
            rows = None
        if rows is None:
            fragment = self._feature_sql(select_properties, skip_geometry, lang, crs_transform_spec)
            rows = read(fragment, False)
        if before is not None:  # read backwards from the cursor: back in id order
            rows = [*reversed(rows[:limit]), *rows[limit:]]
        texts = [row[1] for row in rows[:limit]]
        features = None
        if paging is not None and paging.passthrough and self._canonical(select_properties):
            features = passable(texts)
        if features is None:
            features = parse_features(texts)
        more = len(rows) > limit  # beyond the page, in the direction it was read
        elsewhere = beyond is not None and bool(rows) and bool(rows[0][2])  # across the cursor
        if first and more and rows[0][2] < first_page_window(limit + 1):
            matched = rows[0][2]  # all the matches were within the first page's window
        elif before is not None:  # all on this page, or unknown; counted when none before
            matched = None if more or elsewhere else len(features)
            if not rows:
                matched = self._bounded_count(where)
        elif after is None:
            matched = self._number_matched(where, offset, limit, len(rows))
        else:  # after a cursor the offset of the page is unknown: count on the last page
            matched = self._bounded_count(where) if not more else None
        result = _collection(features, matched)
        if paging is not None and rows:
            has_next, has_prev = (elsewhere, more) if before is not None else (more, elsewhere)
            paging.more = has_next
            ids = (rows[0][0], rows[min(limit, len(rows)) - 1][0])
            keyset = after is not None or before is not None
            links = self._links(paging, offset, limit, ids, by_id, keyset, has_prev)
            result["links"] = links if has_next else LastPageLinks(links)
        elif paging is not None:
            paging.more = False
        return result

    def _links(
        self, paging: Paging, offset, limit, ids, by_id: bool, keyset: bool, has_prev: bool
    ) -> list[dict]:
        """The next link (keyset when ordered by id) when ``paging.more``; the prev link of an
        offset page (pygeoapi writes it when we write no next) and of a keyset page."""
        first_id, last_id = ids
        links = []
        if keyset and has_prev:
            previous = paging.href(**{BEFORE: first_id})
        elif offset > 0 and not keyset and paging.more:
            previous = paging.href(offset=max(0, offset - limit))
        else:
            previous = None
        if previous is not None:
            links.append(
                {"type": GEOJSON, "rel": "prev", "title": paging.prev_title, "href": previous}
            )
        if paging.more:
            href = paging.href(**{AFTER: last_id}) if by_id else paging.href(offset=offset + limit)
            links.append({"type": GEOJSON, "rel": "next", "title": paging.next_title, "href": href})
        return links

    def _exists(self, where: list):
        """Whether a feature meets ``where`` (a column of a page's statement)."""
        found = select(literal_column("1")).select_from(self._table).where(*where)
        return exists(found.correlate(None))

    def _page_statement(
        self,
        fragment: str,
        where,
        sortby,
        offset,
        limit,
        lang,
        deferred: bool,
        extra=None,
        stored: bool = False,
    ):
        """``SELECT id, feature`` of a page (and, on a first page, the number of matches; on a
        deferred page ``extra``, a scalar, when given).

        A first page reads its matches up to ``first_page_window`` rows and counts them in the
        same statement (only the page's rows are written as JSON): when there are fewer, that is
        ``numberMatched`` and no count runs apart.

        ``deferred`` (a page at an offset or after a cursor): the page's ids first, then the
        features of those ids only (a LATERAL lookup by id each, ``OFFSET 0`` keeping the
        planner from merging it back), so skipped rows are neither joined nor written as JSON.

        ``stored``: ``fragment`` reads the feature's stored text by its id (``stored_fragment``),
        links included; the statement reads of the view only the id and the sort keys.
        """
        table = self._table
        needed = self._stored_columns(sortby) if stored else None
        if not deferred:
            # The window's columns are named, not proxied (``unqualified_columns``): making
            # SQLAlchemy's column objects of the CTE cost a third of the statement's Python.
            read = [literal_column("*")] if needed is None else [table.c[n] for n in needed]
            window = (
                select(*read)
                .select_from(table)
                .where(*where)
                .order_by(*self._get_order_by_clauses(sortby, None, lang))
                .limit(first_page_window(limit))
                .cte("kc_first")
                # Planned whole: with count(*) OVER () under a small LIMIT the planner walked the
                # id index for a bbox's matches (limit=1: 600 ms instead of 1 ms).
                .prefix_with("MATERIALIZED")
            )
            columns = unqualified_columns(tuple(table.columns.keys()))
            matches = select(func.count()).select_from(window).scalar_subquery()
            order = self._get_order_by_clauses(sortby, None, lang, columns)
            id_column = columns[self.id_field]
            quoted_id = _PREPARER.quote(self.id_field)
            linked = None
            if not stored:
                linked = self._neighbours(f"ARRAY(SELECT {quoted_id} FROM kc_page)")  # noqa: S608
            if linked is None:
                return (
                    select(id_column, literal_column(fragment), matches)
                    .select_from(window)
                    .order_by(*order)
                    .limit(limit)
                )
            # With version links: the page first, then its features' neighbours in one go.
            page = (
                select(literal_column("*"))
                .select_from(window)
                .order_by(*order)
                .limit(limit)
                .cte("kc_page")
            )
            return (
                select(id_column, literal_column(fragment), matches)
                .select_from(page.outerjoin(linked, linked.c.version == id_column))
                .order_by(*order)
            )
        ids = (
            select(table.c[self.id_field].label("kc_page_id"))
            .where(*where)
            .order_by(*self._get_order_by_clauses(sortby, None, lang))
            .offset(offset)
            .limit(limit)
        )
        linked = None if stored else self._neighbours("ARRAY(SELECT kc_page_id FROM kc_page)")
        # With version links the ids are a CTE: the neighbours are looked up for all of them.
        page = ids.subquery("kc_page") if linked is None else ids.cte("kc_page")
        view = table.alias("kc_f")
        one = (
            select(*(view.c if needed is None else [view.c[n] for n in needed]))
            .where(view.c[self.id_field] == page.c.kc_page_id)
            .offset(literal_column("0"))
            .lateral("kc_feature")
        )
        source = page.join(one, true())
        if linked is not None:
            source = source.outerjoin(linked, linked.c.version == one.c[self.id_field])
        return (
            select(
                one.c[self.id_field], literal_column(fragment), *([] if extra is None else [extra])
            )
            .select_from(source)
            .order_by(*self._get_order_by_clauses(sortby, None, lang, one.c))
        )

    def _stored_columns(self, sortby) -> list[str]:
        """The columns a statement reading stored texts needs of the view: id and sort keys."""
        names = [self.id_field]
        names += [s["property"] for s in sortby if s["property"] not in names]
        return names

    def _page_fetcher(self, statement: Callable, where: list, shape: tuple, extra) -> Callable:
        """What reads a page's rows: ``statement()`` (made when needed) run the ordinary way, or
        its SQL compiled once for pages of this shape (``compiled_pages``) when the page reads
        the view itself, is filtered by SQL text only and has no ``extra`` column."""
        engine = read_engine(self._engine.url)
        request = history.HISTORY.get()
        filters = compiled_pages.filter_shape(where) if extra is None else None
        plain = self._table is self.table_model.__table__
        if filters is None or not plain or (request is not None and request.known_at is not None):
            return lambda: self._fetch(statement())
        texts, values = filters
        view = self.table_model.__table__
        linked = bool(self.history.version_links) and request is not None
        key = (view.fullname, self.id_field, self.geom, linked, texts, *shape)

        def fetch() -> list:
            found = compiled_pages.compiled(engine, key, statement, values)
            rows = None if found is None else compiled_pages.fetch(engine, *found)
            return self._fetch(statement()) if rows is None else rows

        return fetch

    def _data_version_of(
        self, rows: list, fetch_page: Callable
    ) -> tuple[caching.DataVersion, list]:
        """The data version a page's rows were read with, and the rows. An empty page has no
        row to tell it: the version is read, then the page again (never the other way round:
        see ``gis.api.caching``), and the page's version is the one read first unless the
        second reading finds rows (a load in between), which tell their own."""
        if not rows:
            [(version, changed_at)] = self._fetch(select(*_DATA_VERSION_COLUMNS))
            rows = fetch_page()
            if not rows:
                return caching.DataVersion(int(version), changed_at), rows
        return caching.DataVersion(int(rows[0][-2]), rows[0][-1]), rows

    def _neighbours(self, versions: str, lateral: bool = False):
        """The version neighbours of the features a statement writes (``history.neighbours``),
        or None when they carry no version links. ``versions``: SQL of their ids (bigint[])."""
        return history.neighbours(
            self.history, history.HISTORY.get(), literal_column(versions), lateral
        )

    def _fetch(self, statement, engine: Engine | None = None) -> list:
        """The statement's rows (the connection is back in the pool on return)."""
        with _client_errors():
            return _execute(engine or read_engine(self._engine.url), statement)

    def _number_matched(self, where: list, offset: int, limit: int, fetched: int) -> int | None:
        """Read off the last page; counted (within the timeout) on the first page and on an
        empty page past the end; left out on the pages between."""
        matched = total_from_page(offset, limit, fetched)
        if matched is None and (offset == 0 or fetched == 0):
            matched = self._bounded_count(where)
        return matched

    def _count(self, where: list) -> int:
        return self._fetch(self._count_statement(where))[0][0]

    def _bounded_count(self, where: list) -> int | None:
        """The full count, or None when it takes longer than ``count_timeout_ms``."""
        engine = count_engine(self._engine.url, self.count_timeout_ms)
        try:
            return _execute(engine, self._count_statement(where))[0][0]
        except DBAPIError as err:
            if not isinstance(err.orig, QueryCanceled):
                raise
            LOGGER.info("numberMatched left out: %s", str(err.orig).strip())
            return None

    def _count_statement(self, where: list):
        return select(func.count()).select_from(self._table).where(*where)

    def get(self, identifier, crs_transform_spec=None, language=None, **kwargs) -> dict:
        """One feature, built as a page's are (its stored text when there is one, see
        ``_stored_sql``), with pygeoapi's ``prev``/``next`` ids (the neighbouring ids, or its own
        at either end), in one round trip."""
        lang = pick_language(language)
        table = self._table
        id_column = table.c[self.id_field]
        before, beyond = table.alias("kc_prev"), table.alias("kc_next")
        previous = (
            select(before.c[self.id_field])
            .where(before.c[self.id_field] < identifier)
            .order_by(before.c[self.id_field].desc())
            .limit(1)
            .scalar_subquery()
        )
        following = (
            select(beyond.c[self.id_field])
            .where(beyond.c[self.id_field] > identifier)
            .order_by(beyond.c[self.id_field])
            .limit(1)
            .scalar_subquery()
        )

        def read(stored: str | None) -> list:
            fragment = stored or self._feature_sql(None, False, lang, crs_transform_spec)
            source = table
            linked = None
            if stored is None:  # the stored text holds its links
                linked = self._neighbours(f"ARRAY[{_PREPARER.quote(self.id_field)}]", lateral=True)
            if linked is not None:
                source = table.outerjoin(linked, linked.c.version == id_column)
            statement = (
                select(literal_column(fragment), previous, following)
                .select_from(source)
                .where(id_column == identifier)
            )
            try:
                return _execute(read_engine(self._engine.url), statement)
            except DataError:  # an id that cannot be one (text for a number id)
                return []

        stored = self._stored_sql(None, False, crs_transform_spec)
        rows = read(stored)
        if stored is not None and rows and rows[0][0] is None:
            LOGGER.error("stored feature text missing in %s: written instead", self.stored_features)
            rows = read(None)
        if not rows:
            raise ProviderItemNotFoundError(user_msg=f"No such item: {self.id_field}={identifier}.")
        text, prev_id, next_id = rows[0]
        feature = json.loads(text)
        feature["prev"] = identifier if prev_id is None else prev_id
        feature["next"] = identifier if next_id is None else next_id
        return feature


#: The version of the served data (``kc.api_data_version``, one row) as two scalar columns.
_DATA_VERSION = sql_table(
    "api_data_version",
    column("version", BigInteger),
    column("changed_at", SQLDateTime(timezone=True)),
    schema="kc",
)
_DATA_VERSION_COLUMNS = (
    select(_DATA_VERSION.c.version).scalar_subquery().label("kc_data_version"),
    select(_DATA_VERSION.c.changed_at).scalar_subquery().label("kc_data_changed_at"),
)


# -- GeoJSON in SQL -------------------------------------------------------------------------------
_PREPARER = postgresql.dialect().identifier_preparer
GEOJSON = "application/geo+json"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def value_sql(ref: str, kind: str, lang: str) -> str:
    """SQL of a property's JSON text (never NULL) as pygeoapi's ``to_json`` wrote the value.

    ``kind``: ``i18n`` (the text in ``lang``, else English, as ``languages.translate``),
    ``float`` (an integral double keeps its ``.0``: GDAL reads ``12`` as an integer field),
    ``numeric`` (a float, as pygeoapi writes a Decimal), ``timestamptz`` / ``timestamp``
    (``datetime.isoformat()``: microseconds only when not zero, offset as ``+HH:MM``),
    ``plain`` (PostgreSQL's own JSON of the value).
    """
    if kind == "i18n":
        text = f"coalesce(nullif({ref} ->> {_literal(lang)}, ''), {ref} ->> {_literal(FALLBACK)})"
        value = f"to_json({text})::text"
    elif kind in ("float", "numeric"):
        number = f"({ref})::float8" if kind == "numeric" else ref
        # An integral real prints in exponent form from 1e6 (float4 text): its float8 text
        # has every digit.
        value = (
            f"CASE WHEN {number} = trunc({number}) AND abs({number}) < 1e15 "
            f"THEN ({number})::float8::text || '.0' ELSE to_json({number})::text END"
        )
    elif kind in ("timestamptz", "timestamp"):
        offset = f" || to_char({ref}, 'TZH:TZM')" if kind == "timestamptz" else ""
        value = (
            f"to_json(to_char({ref}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN "
            f"mod(extract(microseconds FROM {ref})::bigint, 1000000) = 0 THEN '' "
            f"ELSE to_char({ref}, '.US') END{offset})::text"
        )
    else:
        value = f"to_json({ref})::text"
    return f"coalesce({value}, 'null')"


def _json_object(pairs: list[tuple[str, str]]) -> str:
    """SQL of the JSON object text of (key, value SQL) pairs, in their order, written as
    pygeoapi's ``to_json`` writes it (no spaces; ``json_build_object`` writes ``"k" : v``)."""
    if not pairs:
        return "'{}'"
    parts = []
    for position, (key, value) in enumerate(pairs):
        lead = "{" if position == 0 else ","
        parts += [_literal(lead + json.dumps(key) + ":"), value]
    return "(" + " || ".join([*parts, "'}'"]) + ")"


@functools.lru_cache(maxsize=512)
def feature_sql(
    id_field: str,
    geometry: str | None,
    properties: tuple[tuple[str, str], ...],
    lang: str,
    target: tuple[int | None, bool] | None,
) -> str:
    """SQL text of one GeoJSON feature (``{"type", "id", "geometry", "properties"}``).

    ``properties``: (column, kind of value, see ``value_sql``) in the view's order; ``geometry``:
    the geometry column (None: ``"geometry": null``); ``target``: (SRID to transform to or
    None, whether to swap the axes: a CRS whose first axis points north, as EPSG:4326).
    Column names are unqualified: the statement reads one view (or one lookup of it).
    """
    geometry_sql = "'null'"
    if geometry is not None:
        shape = _PREPARER.quote(geometry)
        if target is not None:
            srid, flip = target
            if srid is not None:
                shape = f"ST_Transform({shape}, {int(srid)})"
            if flip:
                shape = f"ST_FlipCoordinates({shape})"
        geometry_sql = f"coalesce(ST_AsGeoJSON({shape}, {GEOJSON_DIGITS}, 0), 'null')"
    pairs = [(name, value_sql(_PREPARER.quote(name), kind, lang)) for name, kind in properties]
    return (
        """'{"type":"Feature","id":' || """
        f"coalesce(to_json({_PREPARER.quote(id_field)})::text, 'null')"
        """ || ',"geometry":' || """
        f"{geometry_sql}"
        """ || ',"properties":' || """
        f"{_json_object(pairs)} || '}}'"
    )


@functools.lru_cache(maxsize=64)
def stored_fragment(view: str, id_field: str, items_url: str) -> str:
    """SQL text of one feature read from ``view`` (``kc.api_building_features``: ``body``, and
    ``links`` with the items URL as the placeholder ``\\u0001``, migration 0052) by its id:
    the text ``feature_sql`` and ``history.with_version_links`` write, without writing it. The
    URL goes in as JSON writes it inside a string (what ``to_json`` did when links were made)."""
    url = _literal(json.dumps(items_url, ensure_ascii=False)[1:-1])
    return (
        f"(SELECT kc_s.body || replace(kc_s.links, '\\u0001', {url}) "  # noqa: S608
        f"FROM kc.{_PREPARER.quote(view)} kc_s "
        f"WHERE kc_s.version_id = {_PREPARER.quote(id_field)})"
    )


def bound_sql(sql: str, values: Mapping[str, object]):
    """A condition written as SQL text with its values bound (``:name`` in ``sql``).

    Only quoted identifiers and numbers the code made are pasted into ``sql``; the request's
    values are always bound. Column names are unqualified: every statement filters one source.
    The text is parsed for its parameters once per process (``_parsed``), not per request.
    """
    return _parsed(sql).bindparams(**values)


@functools.lru_cache(maxsize=256)
def _parsed(sql: str):
    """``text(sql)``, kept: ``bindparams`` makes a new clause and leaves this one as it is."""
    return text(sql)


def parse_features(texts: list[str]) -> list[dict]:
    """The features of a page from their GeoJSON texts, parsed in one go."""
    return json.loads("[" + ",".join(texts) + "]") if texts else []


@functools.lru_cache(maxsize=256)
def unqualified_columns(names: tuple[str, ...]) -> dict:
    """``{name: column}`` of a statement's only source, written by their quoted names."""
    return {name: literal_column(_PREPARER.quote(name)) for name in names}


def written_canonically(column, kind: str) -> bool:
    """Whether ``value_sql`` writes the column's values as ``json.dumps(json.loads(...))``
    would write them again (numbers apart: ``feature_text.passable`` checks those on the text).

    Not jsonb (PostgreSQL writes ``{"k": 1}`` with spaces), nor arrays of numbers (numeric
    ``45.50``), nor types not listed here.
    """
    if kind != "plain":
        return True
    kind_ = column.type
    if isinstance(kind_, ARRAY):
        return isinstance(kind_.item_type, String)
    return isinstance(kind_, Integer | Boolean | String | Date) and not isinstance(
        kind_, JSON | JSONB
    )


def _value_kind(column, i18n_fields: frozenset[str]) -> str:
    if column.name in i18n_fields:
        return "i18n"
    kind = column.type
    if isinstance(kind, Float):
        return "float"
    if isinstance(kind, Numeric):
        return "numeric"
    if isinstance(kind, SQLDateTime):
        return "timestamptz" if kind.timezone else "timestamp"
    return "plain"


# -- CRS lookups, once per process ---------------------------------------------------------------
@functools.lru_cache(maxsize=64)
def storage_srid(uri: str | None) -> int:
    """The PostGIS SRID of a collection's storage CRS (CRS84: 4326)."""
    return cql.srid_of(uri)


@functools.lru_cache(maxsize=64)
def output_crs(uri: str) -> tuple[int, bool]:
    """(SRID, swap the axes) of an output CRS: PostGIS writes x = east, y = north; a CRS whose
    authority puts north first (EPSG:4326, EPSG:31256) is written in that order, as pygeoapi's
    pyproj transform (``always_xy=False``) did."""
    from pygeoapi.util import get_crs_from_uri

    axes = get_crs_from_uri(uri).axis_info
    flip = bool(axes) and axes[0].direction.lower() in ("north", "south")
    return cql.srid_of(uri), flip


_TRANSFORMERS = threading.local()


def cached_bbox_transform(original: Callable) -> Callable:
    """pygeoapi's ``transform_bbox`` (bbox-crs to the storage CRS) with its pyproj transformer
    made once per pair of CRSs and thread, not on every request (1.8 ms for a projected
    bbox-crs). The same transformer, the same numbers."""

    def transform_bbox(bbox: list, from_crs: str, to_crs: str) -> list:
        from pygeoapi.util import get_crs_from_uri
        from pyproj import Transformer

        cache = _TRANSFORMERS.__dict__.setdefault("by_crs", {})
        transform = cache.get((from_crs, to_crs))
        if transform is None:
            transform = Transformer.from_crs(
                get_crs_from_uri(from_crs), get_crs_from_uri(to_crs)
            ).transform
            cache[(from_crs, to_crs)] = transform
        half = len(bbox) // 2
        return list(transform(*bbox[:half]) + transform(*bbox[half:]))

    return transform_bbox


# -- pure parts ----------------------------------------------------------------------------------
def _check_cursors(after: str | None, before: str | None, by_id: bool, offset: int) -> None:
    """ProviderInvalidQueryError unless the keyset cursors can apply to the page."""
    if after is not None and (after == "" or not by_id):
        raise ProviderInvalidQueryError(
            user_msg=f"{AFTER} takes the id of a feature and pages ordered by id "
            "(no sortby other than +id); with sortby, page with offset"
        )
    if before is not None and (before == "" or not by_id or after is not None or offset):
        raise ProviderInvalidQueryError(
            user_msg=f"{BEFORE} takes the id of a feature and pages ordered by id (no sortby "
            f"other than +id), without {AFTER} or offset"
        )


def interval_roles(provider_def: Mapping) -> dict[str, str]:
    """``{column: x-ogc-role}`` of a collection's validity columns (none when not versioned)."""
    roles = {}
    if provider_def.get("valid_from_field") and not provider_def.get("valid_to_field"):
        roles[provider_def["valid_from_field"]] = INSTANT
    elif provider_def.get("valid_from_field"):
        roles[provider_def["valid_from_field"]] = INTERVAL_START
    if provider_def.get("valid_to_field"):
        roles[provider_def["valid_to_field"]] = INTERVAL_END
    return roles


def first_page_window(rows: int) -> int:
    """How many matches a first page of ``rows`` rows reads to count them in the same statement
    (at least the page itself)."""
    least, most = FIRST_PAGE_WINDOW_ROWS
    return max(rows, min(max(FIRST_PAGE_WINDOW * rows, least), most))


def total_from_page(offset: int, limit: int, fetched: int) -> int | None:
    """``numberMatched`` as a page shows it, reading ``limit + 1`` rows from ``offset``.

    Exact when the page is the last one and not past the end; None when it cannot tell (more
    rows follow, or an empty page past the end, which says only that there are at most
    ``offset`` features).
    """
    if fetched > limit or (fetched == 0 and offset > 0):
        return None
    return offset + fetched


# -- connections ---------------------------------------------------------------------------------
_ENGINES_LOCK = threading.Lock()
_ENGINES: dict[tuple, Engine] = {}


def _engine(url: URL, name: str, options: str | None = None) -> Engine:
    """One engine per (url, purpose) and process, in autocommit: a read is one round trip (no
    BEGIN, no ROLLBACK; the login role's transactions are read-only anyway) and no pre-ping
    (``_execute`` retries once on a connection the server dropped instead)."""
    key = (url, name, options)
    with _ENGINES_LOCK:
        if key not in _ENGINES:
            connect_args = {"client_encoding": "utf8", "application_name": name}
            if options:
                connect_args["options"] = options
            _ENGINES[key] = create_engine(
                url, isolation_level="AUTOCOMMIT", pool_size=8, connect_args=connect_args
            )
        return _ENGINES[key]


#: Settings of the connections that read pages: a page is a few milliseconds of work, and
#: parallel workers (started for a bbox over a whole city: 13 ms of a 16 ms query, 2.7 ms
#: without) or JIT compilation (tens of milliseconds) cost more than they save.
#: In UTC, as the stored feature texts (``stored_features``) write their timestamps.
READ_OPTIONS = "-c max_parallel_workers_per_gather=0 -c jit=off -c TimeZone=UTC"


def read_engine(url: URL) -> Engine:
    """Connections that read pages and features."""
    return _engine(url, "pygeoapi", READ_OPTIONS)


def count_engine(url: URL, timeout_ms: int) -> Engine:
    """Connections that only count: their ``statement_timeout`` is set when they connect, so no
    setting can outlive a count on a connection that reads pages."""
    return _engine(url, "pygeoapi count", f"-c statement_timeout={int(timeout_ms)}")


def _execute(engine: Engine, statement) -> list:
    """All rows of ``statement``; once more on a fresh connection when the pooled one was dead
    (the database restarted): the first request after a restart is answered, not a 503."""
    for attempt in (1, 2):
        try:
            with engine.connect() as connection:
                return connection.execute(statement).all()
        except DBAPIError as err:
            if attempt == 2 or not err.connection_invalidated:
                raise
    raise AssertionError("unreachable")


@contextlib.contextmanager
def _client_errors() -> Iterator[None]:
    """A filter the database cannot apply (wrong type for a property, ...) is the client's 400."""
    try:
        yield
    except (DataError, ProgrammingError) as err:
        if isinstance(err, ProgrammingError) and not isinstance(err.orig, UndefinedFunction):
            raise
        detail = str(getattr(err, "orig", err)).strip().splitlines()[0]
        raise ProviderInvalidQueryError(user_msg=f"the query cannot be applied: {detail}") from err


@functools.lru_cache(maxsize=64)
def _fields_of(
    view, geom: str, i18n_fields: frozenset[str], valid_from: str | None, valid_to: str | None
) -> dict:
    """``get_fields`` of a view, made once per process: pygeoapi makes a provider for every
    request. (What a request reads instead of the view, ``history.source``, has its columns.)
    Shared: callers copy it before they change it."""
    roles = interval_roles({"valid_from_field": valid_from, "valid_to_field": valid_to})
    return {
        str(column.name): _json_type(column, i18n_fields)
        | ({"x-ogc-role": roles[column.name]} if column.name in roles else {})
        for column in view.columns
        if column.name != geom
    }


_PYTHON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", dict: "object"}


def _json_type(column, i18n_fields: frozenset[str]) -> dict:
    if column.name in i18n_fields:
        return {"type": "string", "format": None}
    if isinstance(column.type, ARRAY):
        return {"type": "array", "format": None, "items": {"type": "string"}}
    if isinstance(column.type, JSONB):
        return {"type": "object", "format": None}
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        python_type = str
    if python_type in (dt.date, dt.datetime):
        return {"type": "string", "format": "date-time" if python_type is dt.datetime else "date"}
    if python_type.__name__ == "Decimal":
        return {"type": "number", "format": None}
    return {"type": _PYTHON_TYPES.get(python_type, "string"), "format": None}


def _collection(features: list[dict], matched: int | None) -> dict:
    result: dict = {"type": "FeatureCollection", "features": features}
    if matched is not None:
        result["numberMatched"] = matched
    result["numberReturned"] = len(features)
    return result
