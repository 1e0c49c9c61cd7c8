"""pygeoapi's PostgreSQL provider with valid time, languages and a cheap ``numberMatched``.

Configured per collection (see ``config/pygeoapi.yaml``) with, besides the stock keys:

``valid_from_field`` / ``valid_to_field``  the validity columns (absent: not versioned, every row
                                           is always valid)
``i18n_fields``     jsonb ``{"en", "de", "fr"}`` columns served as one string in the language
                    asked for (``lang=`` / ``Accept-Language``), English where it is missing
``count_timeout_ms``  how long counting ``numberMatched`` may take (default 300)

A page is read with SQLAlchemy Core (plain rows, no ORM objects a later rollback could expire)
and turned into complete GeoJSON features before anything is counted. The count runs on
connections of its own (``count_engine``) whose ``statement_timeout`` cannot reach any other
query; a count that takes too long only leaves ``numberMatched`` out.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
from collections.abc import Iterator, Mapping

from geoalchemy2.shape import to_shape
from psycopg2.errors import UndefinedFunction
from pygeoapi.provider.base import (
    ProviderInvalidQueryError,
    ProviderItemNotFoundError,
)
from pygeoapi.provider.sql import PostgreSQLProvider
from shapely.geometry import mapping
from sqlalchemy import and_, asc, create_engine, desc, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import DataError, OperationalError, ProgrammingError

from gis.api import cql
from gis.api.languages import FALLBACK, pick_language, translate
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


class ValidTimeProvider(PostgreSQLProvider):
    """Serves a ``kc.api_*`` view; ``datetime`` selects versions by their validity."""

    def __init__(self, provider_def: dict) -> None:
        self.valid_from_field = provider_def.get("valid_from_field")
        self.valid_to_field = provider_def.get("valid_to_field")
        self.i18n_fields = frozenset(provider_def.get("i18n_fields", ()))
        self.count_timeout_ms = int(provider_def.get("count_timeout_ms", 300))
        super().__init__(provider_def)
        self.time_field = VALID_TIME

    # -- fields and columns ------------------------------------------------------------------
    def get_fields(self) -> dict:
        """JSON Schema of each column, in the view's order: i18n texts are strings, arrays
        arrays, and the validity columns carry their Part 3 roles."""
        if not self._fields:
            roles = interval_roles(
                {"valid_from_field": self.valid_from_field, "valid_to_field": self.valid_to_field}
            )
            self._fields = {
                str(column.name): _json_type(column, self.i18n_fields)
                | ({"x-ogc-role": roles[column.name]} if column.name in roles else {})
                for column in self.table_model.__table__.columns
                if column.name != self.geom
            }
        return self._fields

    def _column(self, name: str, language: str = FALLBACK):
        """The SQL expression of a property; i18n texts compare as the text in ``language``."""
        try:
            column = getattr(self.table_model, name)
        except AttributeError:
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
            for column in self.table_model.__table__.columns
            if column.name == self.id_field
            or (column.name == self.geom and not skip_geometry)
            or (column.name != self.geom and column.name in wanted)
        ]

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
        """
        valid_from = getattr(self.table_model, self.valid_from_field)
        valid_to = getattr(self.table_model, self.valid_to_field)
        clauses = []
        if valid_time.last is not None:
            clauses.append(valid_from <= valid_time.last)
        if valid_time.first is not None:
            clauses.append(or_(valid_to.is_(None), valid_to > valid_time.first))
        return and_(*clauses)

    def _get_property_filters(self, properties):
        if not properties:
            return True
        return and_(*(self._column(name) == value for name, value in properties))

    def _get_cql_filters(self, filterq, language: str = FALLBACK):
        if not filterq:
            return True
        columns = {
            name: self._column(name, language)
            for name in self.table_model.__table__.columns.keys()  # noqa: SIM118
        }
        return cql.to_sql(filterq, columns, geometry=self.geom)

    def _get_order_by_clauses(self, sort_by, table_model, language: str = FALLBACK):
        clauses = [
            (asc if s["order"] == "+" else desc)(self._column(s["property"], language))
            for s in sort_by
        ]
        # Always end on the id so that pages never skip or repeat a feature.
        clauses.append(asc(getattr(table_model, self.id_field)))
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
        **kwargs,
    ) -> dict:
        """One page of features, complete before anything is counted.

        ``numberMatched`` is exact or absent, never a guess: on the last page it is offset +
        returned; on the first page and on an empty page past the end it is counted within
        ``count_timeout_ms``; other pages leave it out, so paging through a large collection
        never recounts it. One row more than asked tells whether a next page exists.
        """
        lang = pick_language(language)
        where = self._where(properties, filterq, bbox, datetime_, lang)
        if resulttype == "hits":
            return _collection([], self._count(where))
        rows = self._rows(where, sortby, select_properties, skip_geometry, offset, limit + 1, lang)
        transform = self._get_crs_transform(crs_transform_spec)
        features = [self._feature(row, transform, lang) for row in rows[:limit]]
        return _collection(features, self._number_matched(where, offset, limit, len(rows)))

    def _rows(self, where, sortby, select_properties, skip_geometry, offset, limit, lang) -> list:
        """The page's rows as plain mappings (the connection is back in the pool on return)."""
        statement = (
            select(*self._selected_columns(select_properties, skip_geometry))
            .where(*where)
            .order_by(*self._get_order_by_clauses(sortby or [], self.table_model, lang))
            .offset(offset)
            .limit(limit)
        )
        with _client_errors(), self._engine.connect() as connection:
            return connection.execute(statement).mappings().all()

    def _number_matched(self, where: list, offset: int, limit: int, fetched: int) -> int | None:
        """Read off the last page; counted (within the timeout) on the first page and on an
        empty page past the end; left out on the pages between."""
        matched = total_from_page(offset, limit, fetched)
        if matched is None and (offset == 0 or fetched == 0):
            matched = self._bounded_count(where)
        return matched

    def _count(self, where: list) -> int:
        with _client_errors(), self._engine.connect() as connection:
            return connection.execute(self._count_statement(where)).scalar_one()

    def _bounded_count(self, where: list) -> int | None:
        """The full count, or None when it takes longer than ``count_timeout_ms``."""
        engine = count_engine(self._engine.url, self.count_timeout_ms)
        try:
            with engine.connect() as connection:
                return connection.execute(self._count_statement(where)).scalar_one()
        except OperationalError as err:  # QueryCanceled: too slow, leave it out
            LOGGER.info("numberMatched left out: %s", str(err.orig).strip())
            return None

    def _count_statement(self, where: list):
        return select(func.count()).select_from(self.table_model.__table__).where(*where)

    def get(self, identifier, crs_transform_spec=None, language=None, **kwargs) -> dict:
        lang = pick_language(language)
        try:
            feature = super().get(identifier, crs_transform_spec=crs_transform_spec, **kwargs)
        except DataError:  # an id that cannot be one (text for a number id)
            raise ProviderItemNotFoundError(
                user_msg=f"No such item: {self.id_field}={identifier}."
            ) from None
        feature["properties"] = self._translate(feature["properties"], lang)
        return feature

    # -- features ------------------------------------------------------------------------------
    def _sqlalchemy_to_feature(self, item, crs_transform_out=None) -> dict:
        """The base's ``get`` builds its feature here: the same as a page's (see ``_feature``)."""
        loaded = vars(item)
        values = {
            c.name: loaded[c.name] for c in self.table_model.__table__.columns if c.name in loaded
        }
        return self._feature(values, crs_transform_out)

    def _feature(self, row: Mapping, transform=None, lang: str | None = None) -> dict:
        """A GeoJSON feature of its own (nothing shared with the row), properties in the view's
        order; ``"geometry": null`` without a geometry and never a geometry property."""
        properties = {
            name: value for name, value in row.items() if name not in (self.id_field, self.geom)
        }
        if lang is not None:
            properties = self._translate(properties, lang)
        return {
            "type": "Feature",
            "id": row[self.id_field],
            "geometry": _geojson(row.get(self.geom), transform),
            "properties": properties,
        }

    def _translate(self, properties: dict, lang: str) -> dict:
        return {
            name: translate(value, lang) if name in self.i18n_fields else value
            for name, value in properties.items()
        }


# -- pure parts ----------------------------------------------------------------------------------
def interval_roles(provider_def: Mapping) -> dict[str, str]:
    """``{column: x-ogc-role}`` of a collection's validity columns (none when not versioned)."""
    roles = {}
    if provider_def.get("valid_from_field"):
        roles[provider_def["valid_from_field"]] = INTERVAL_START
    if provider_def.get("valid_to_field"):
        roles[provider_def["valid_to_field"]] = INTERVAL_END
    return roles


def total_from_page(offset: int, limit: int, fetched: int) -> int | None:
    """``numberMatched`` as a page shows it, reading ``limit + 1`` rows from ``offset``.

    Exact when the page is the last one and not past the end; None when it cannot tell (more
    rows follow, or an empty page past the end, which says only that there are at most
    ``offset`` features).
    """
    if fetched > limit or (fetched == 0 and offset > 0):
        return None
    return offset + fetched


@functools.cache
def count_engine(url: URL, timeout_ms: int) -> Engine:
    """Connections that only count: their ``statement_timeout`` is set when they connect and
    they run in autocommit, so there is no transaction to roll back (nothing a timeout could
    cancel on the way out) and no setting that could outlive a count on a shared connection."""
    return create_engine(
        url,
        isolation_level="AUTOCOMMIT",
        pool_pre_ping=True,
        connect_args={
            "client_encoding": "utf8",
            "application_name": "pygeoapi count",
            "options": f"-c statement_timeout={int(timeout_ms)}",
        },
    )


def _geojson(value, transform) -> dict | None:
    if value is None:
        return None
    geometry = to_shape(value)
    if transform is not None:
        geometry = transform(geometry)
    return mapping(geometry)


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
