"""CQL2 filters (as pygeofilter parses them) turned into SQL on a collection's view.

pygeoapi parses ``filter`` and, before the provider sees it, moves every geometry literal from
``filter-crs`` (CRS84 by default) to the storage CRS and tags it with that CRS's URN
(``urn:ogc:def:crs:OGC::CRS84``). pygeofilter's SQLAlchemy backend would pass that on to PostGIS
as ``SRID=CRS84;POINT(...)``, which PostGIS refuses (a 500). Here a tagged literal becomes
``ST_GeomFromEWKT('SRID=4326;...')``: CRS84 is PostGIS's 4326 with its lon/lat order.

Everything the client got wrong is a ``ProviderInvalidQueryError`` (400): a property the
queryables do not list, a spatial predicate on something that is not the geometry, a geometry
that is no geometry, a function that does not exist. A comparison of the wrong type (text with a
number, ...) is left to PostgreSQL, whose error the provider also answers with a 400.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import pyproj
import shapely.errors
import shapely.geometry
from pygeoapi.provider.base import ProviderInvalidQueryError
from pygeofilter import ast, values
from pygeofilter.backends.evaluator import handle
from pygeofilter.backends.sqlalchemy.evaluate import SQLAlchemyFilterEvaluator
from sqlalchemy import func, not_
from sqlalchemy.sql.elements import ColumnElement

#: The SRID PostGIS stores CRS84 coordinates with (same datum and axis order: lon, lat).
CRS84_SRID = 4326
#: What CQL2 calls the geometry of a feature (pygeoapi renames it to the geometry column).
GEOMETRY = "geometry"
#: Metres per unit of the distances ECQL's DWITHIN and BEYOND accept.
METRES = {
    "meters": 1.0,
    "kilometers": 1000.0,
    "feet": 0.3048,
    "statute miles": 1609.344,
    "nautical miles": 1852.0,
}


def parse_text(text: str):
    """A ``filter`` in CQL2 text (the standard, OGC 21-065), else in ECQL (older clients).

    pygeoapi 0.21 parses only ECQL, where the spatial functions lack CQL2's ``S_`` prefix
    (``INTERSECTS`` instead of ``S_INTERSECTS``) and ``DATE('…')`` is a function, not a date.
    """
    from pygeofilter.parsers.cql2_text import parse as parse_cql2_text
    from pygeofilter.parsers.ecql import parse as parse_ecql

    try:
        return parse_cql2_text(text)
    except Exception:
        return parse_ecql(text)


def to_sql(node: ast.AstType, columns: Mapping[str, ColumnElement], geometry: str) -> ColumnElement:
    """The SQL condition of the parsed filter ``node``.

    ``columns`` maps each queryable name to its SQL expression; ``geometry`` is the name of the
    geometry column among them (the filter may call it ``geometry``, as the queryables do).
    """
    try:
        return _Evaluator(columns, geometry).evaluate(node)
    except NotImplementedError as err:  # a node pygeofilter's SQL backend has no handler for
        raise ProviderInvalidQueryError(user_msg=f"filter not supported here: {err}") from err


def srid_of(crs_name: str | None) -> int:
    """The PostGIS SRID of a CRS named by URN or URI (None: the storage CRS, CRS84)."""
    if crs_name is None:
        return CRS84_SRID
    try:
        crs = pyproj.CRS.from_user_input(crs_name)
    except pyproj.exceptions.CRSError as err:
        raise ProviderInvalidQueryError(user_msg=f"unknown CRS {crs_name!r} in filter") from err
    if crs.equals(pyproj.CRS.from_user_input("OGC:CRS84")):
        return CRS84_SRID
    code = crs.to_epsg()
    if code is None:
        raise ProviderInvalidQueryError(user_msg=f"CRS {crs_name!r} has no EPSG code")
    return code


def geometry_literal(geojson: Mapping[str, Any]):
    """``ST_GeomFromEWKT`` of a GeoJSON-like geometry tagged (or not) with its CRS.

    A geometry that is not in CRS84 (a filter given to the provider directly, with its CRS) is
    transformed to it; pygeoapi's requests arrive in CRS84 already.
    """
    crs_name = geojson.get("crs", {}).get("properties", {}).get("name")
    try:
        wkt = shapely.geometry.shape(geojson).wkt
    except (ValueError, TypeError, AttributeError, shapely.errors.ShapelyError) as err:
        raise ProviderInvalidQueryError(user_msg=f"not a valid geometry in filter: {err}") from err
    srid = srid_of(crs_name)
    literal = func.ST_GeomFromEWKT(f"SRID={srid};{wkt}")
    return literal if srid == CRS84_SRID else func.ST_Transform(literal, CRS84_SRID)


def boxes_as_polygons(node):
    """``node`` with every box (``BBOX(geometry, ...)``, ``ENVELOPE``, CQL2 JSON ``bbox``) as the
    polygon of its corners, so that pygeoapi moves it from ``filter-crs`` to the storage CRS as
    it does every other geometry literal (it leaves boxes alone: their numbers would be read as
    CRS84 whatever ``filter-crs`` says). A ``BBOX`` that names its CRS keeps it."""

    def polygon(node):
        if isinstance(node, ast.BBox):
            corners = (node.minx, node.miny, node.maxx, node.maxy)
            return ast.GeometryIntersects(node.lhs, _box(*corners, crs=node.crs))
        if isinstance(node, values.Envelope):
            return _box(node.x1, node.y1, node.x2, node.y2)
        return None

    return _rewritten(node, polygon)


def misreads_json_bbox(parse) -> bool:
    """Whether the CQL2 JSON parser ``parse`` builds boxes as pygeofilter 0.4 does.

    It builds ``Envelope(*bbox)``, whose fields are ``x1, x2, y1, y2``: the box ``[west, south,
    east, north]`` comes out with south as its east and east as its south.
    """
    box = {"op": "s_intersects", "args": [{"property": GEOMETRY}, {"bbox": [1, 2, 3, 4]}]}
    envelope = parse(json.dumps(box)).rhs
    return (envelope.x1, envelope.x2, envelope.y1, envelope.y2) == (1, 2, 3, 4)


def json_bboxes_fixed(node):
    """``node`` with the boxes of a parser that ``misreads_json_bbox`` put right."""

    def fixed(node):
        if isinstance(node, values.Envelope):
            return values.Envelope(x1=node.x1, x2=node.y1, y1=node.x2, y2=node.y2)
        return None

    return _rewritten(node, fixed)


def _rewritten(node, replace):
    """``node`` where ``replace`` gives a replacement, else with its parts rewritten (in place)."""
    replacement = replace(node)
    if replacement is not None:
        return replacement
    if isinstance(node, ast.Node):
        for name, value in list(vars(node).items()):
            if isinstance(value, list):
                setattr(node, name, [_rewritten(v, replace) for v in value])
            else:
                setattr(node, name, _rewritten(value, replace))
    return node


def _box(minx, miny, maxx, maxy, crs: str | None = None) -> values.Geometry:
    ring = [[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]
    geometry: dict[str, Any] = {"type": "Polygon", "coordinates": [ring]}
    if crs is not None:
        authority, code = pyproj.CRS.from_user_input(crs).to_authority()
        geometry["crs"] = {"properties": {"name": f"urn:ogc:def:crs:{authority}::{code}"}}
    return values.Geometry(geometry)


class _Evaluator(SQLAlchemyFilterEvaluator):
    def __init__(self, columns: Mapping[str, ColumnElement], geometry: str) -> None:
        super().__init__(columns, undefined_as_null=False)
        self.columns = {**columns, GEOMETRY: columns[geometry]}
        self.geometry = geometry

    @handle(ast.Attribute)
    def attribute(self, node):
        try:
            return self.columns[node.name]
        except KeyError:
            queryables = ", ".join(sorted(n for n in self.columns if n != self.geometry))
            raise ProviderInvalidQueryError(
                user_msg=f"unknown property {node.name!r} in filter; the queryables are "
                f"{queryables}"
            ) from None

    @handle(values.Geometry)
    def geometry(self, node):
        return geometry_literal(node.__geo_interface__)

    @handle(values.Envelope)
    def envelope(self, node):
        # ECQL's ENVELOPE(x1 x2 y1 y2): west, east, south, north.
        return func.ST_MakeEnvelope(node.x1, node.y1, node.x2, node.y2, CRS84_SRID)

    @handle(ast.SpatialComparisonPredicate, subclasses=True)
    def spatial_operation(self, node, lhs, rhs):
        self._check_spatial(node)
        return getattr(func, f"ST_{node.op.name.capitalize()}")(lhs, rhs)

    @handle(ast.Relate)
    def spatial_pattern(self, node, lhs, rhs):
        self._check_spatial(node)
        return func.ST_Relate(lhs, rhs, node.pattern)

    @handle(ast.SpatialDistancePredicate, subclasses=True)
    def spatial_distance(self, node, lhs, rhs):
        """DWITHIN / BEYOND in metres on the ellipsoid (not in degrees of CRS84)."""
        self._check_spatial(node)
        try:
            metres = float(node.distance) * METRES[str(node.units).lower()]
        except KeyError:
            raise ProviderInvalidQueryError(
                user_msg=f"unknown distance unit {node.units!r}; use one of {', '.join(METRES)}"
            ) from None
        within = func.ST_DWithin(func.geography(lhs), func.geography(rhs), metres)
        return within if node.op.value == "DWITHIN" else not_(within)

    @handle(ast.BBox)
    def bbox(self, node, lhs):
        self._check_spatial(node)
        box = func.ST_MakeEnvelope(node.minx, node.miny, node.maxx, node.maxy, srid_of(node.crs))
        if srid_of(node.crs) != CRS84_SRID:
            box = func.ST_Transform(box, CRS84_SRID)
        return func.ST_Intersects(lhs, box)

    @handle(ast.Function)
    def function(self, node, *arguments):
        """CQL2's DATE('…') and TIMESTAMP('…') literals; no other function is known."""
        name = node.name.upper()
        try:
            if name == "DATE" and len(arguments) == 1:
                return dt.date.fromisoformat(str(arguments[0]))
            if name == "TIMESTAMP" and len(arguments) == 1:
                return dt.datetime.fromisoformat(str(arguments[0]).replace("Z", "+00:00"))
        except ValueError as err:
            raise ProviderInvalidQueryError(user_msg=f"{name}: {err}") from err
        raise ProviderInvalidQueryError(user_msg=f"unknown function {node.name!r} in filter")

    def _check_spatial(self, node) -> None:
        """Spatial predicates compare the geometry with geometries, nothing else."""
        for side in node.get_sub_nodes():
            if (
                isinstance(side, ast.Attribute)
                and self.columns.get(side.name) is not (self.columns[GEOMETRY])
            ):
                raise ProviderInvalidQueryError(
                    user_msg=f"{side.name!r} is not a geometry: spatial predicates apply to "
                    f"{GEOMETRY!r}"
                )
            if not isinstance(side, ast.Attribute | values.Geometry | values.Envelope):
                raise ProviderInvalidQueryError(
                    user_msg=f"spatial predicates compare {GEOMETRY!r} with geometries, "
                    f"not with {side!r}"
                )
