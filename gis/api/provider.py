"""pygeoapi's PostgreSQL provider with valid time, languages and a cheap ``numberMatched``.

Configured per collection (see ``config/pygeoapi.yaml``) with, besides the stock keys:

``valid_from_field`` / ``valid_to_field``  the validity columns (absent: not versioned, every row
                                           is always valid)
``i18n_fields``     jsonb ``{"en", "de", "fr"}`` columns served as one string in the language
                    asked for (``lang=`` / ``Accept-Language``), English where it is missing
``count_timeout_ms``  how long the first page may spend counting ``numberMatched`` (default 300)
"""

from __future__ import annotations

import datetime as dt
import logging

from psycopg2.errors import UndefinedFunction
from pygeoapi.provider.base import (
    ProviderInvalidQueryError,
    ProviderItemNotFoundError,
)
from pygeoapi.provider.sql import PostgreSQLProvider
from sqlalchemy import and_, asc, desc, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.exc import DataError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from gis.api.languages import FALLBACK, pick_language, translate
from gis.api.valid_time import ValidTime

LOGGER = logging.getLogger(__name__)


class ValidTimeProvider(PostgreSQLProvider):
    """Serves a ``kc.api_*`` view; ``datetime`` selects versions by their validity."""

    def __init__(self, provider_def: dict) -> None:
        self.valid_from_field = provider_def.get("valid_from_field")
        self.valid_to_field = provider_def.get("valid_to_field")
        self.i18n_fields = frozenset(provider_def.get("i18n_fields", ()))
        self.count_timeout_ms = int(provider_def.get("count_timeout_ms", 300))
        super().__init__(provider_def)
        # pygeoapi advertises ``datetime`` in the OpenAPI document only for a time_field.
        if self.valid_from_field and not self.time_field:
            self.time_field = self.valid_from_field

    # -- fields and columns ------------------------------------------------------------------
    def get_fields(self) -> dict:
        """JSON Schema type of each column: i18n texts are strings, arrays arrays."""
        if not self._fields:
            self._fields = {
                str(column.name): _json_type(column, self.i18n_fields)
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

    def _get_cql_filters(self, filterq):
        if not filterq:
            return True
        from pygeofilter.backends.sqlalchemy.evaluate import to_filter

        mapping = {name: self._column(name) for name in self.table_model.__table__.columns.keys()}  # noqa: SIM118
        return to_filter(filterq, mapping)

    def _get_order_by_clauses(self, sort_by, table_model, language: str = FALLBACK):
        clauses = [
            (asc if s["order"] == "+" else desc)(self._column(s["property"], language))
            for s in sort_by
        ]
        # Always end on the id so that pages never skip or repeat a feature.
        clauses.append(asc(getattr(table_model, self.id_field)))
        return clauses

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
        """One page of features.

        ``numberMatched`` is exact on the last page (offset + returned) and counted on the first
        page within ``count_timeout_ms``; other pages leave it out, so paging through a large
        collection never recounts it. One row more than asked tells whether a next page exists.
        """
        lang = pick_language(language)
        filters = [
            self._get_property_filters(properties or []),
            self._get_cql_filters(filterq),
            self._get_bbox_filter(bbox or []),
            self._get_datetime_filter(datetime_),
        ]
        try:
            with Session(self._engine) as session:
                base = session.query(self.table_model).filter(*filters)
                if resulttype == "hits":
                    return _collection([], base.count())
                order = self._get_order_by_clauses(sortby or [], self.table_model, lang)
                rows = (
                    base.options(
                        self._select_properties_clause(select_properties or [], skip_geometry)
                    )
                    .order_by(*order)
                    .offset(offset)
                    .limit(limit + 1)
                    .all()
                )
                more = len(rows) > limit
                transform = self._get_crs_transform(crs_transform_spec)
                features = [self._to_feature(row, transform, lang) for row in rows[:limit]]
                matched = None
                if not more:
                    matched = offset + len(features)
                elif offset == 0:
                    matched = self._bounded_count(session, base)
                return _collection(features, matched)
        except (DataError, ProgrammingError) as err:
            if isinstance(err, ProgrammingError) and not isinstance(err.orig, UndefinedFunction):
                raise
            raise _bad_query(err) from err

    def _bounded_count(self, session: Session, base) -> int | None:
        """The full count, or None when it takes longer than ``count_timeout_ms``."""
        try:
            session.execute(
                select(func.set_config("statement_timeout", str(self.count_timeout_ms), True))
            )
            return base.order_by(None).count()
        except OperationalError as err:  # QueryCanceled: too slow, leave it out
            LOGGER.info("numberMatched left out: %s", str(err.orig).strip())
            session.rollback()
            return None

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

    def _to_feature(self, row, transform, lang: str) -> dict:
        feature = self._sqlalchemy_to_feature(row, transform)
        feature["properties"] = self._translate(feature["properties"], lang)
        return feature

    def _translate(self, properties: dict, lang: str) -> dict:
        for name in self.i18n_fields.intersection(properties):
            properties[name] = translate(properties[name], lang)
        return properties


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


def _bad_query(err: Exception) -> ProviderInvalidQueryError:
    """A filter the database cannot apply (wrong type for a property, …) is the client's error."""
    detail = str(getattr(err, "orig", err)).strip().splitlines()[0]
    return ProviderInvalidQueryError(user_msg=f"the query cannot be applied: {detail}")
