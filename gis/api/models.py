"""``/models/buildings/{id}``: the 3D model of a building version as CityJSON (read-only role).

The buildings collection says which LoD each version has (``lod``); a version with ``lod`` 1 or
2 came from a city model, and this route gives its surfaces with their semantics. Footprint
versions (``lod`` 0) have no model here: 404, the footprint and height are in the feature.
"""

from __future__ import annotations

import json

import shapely
from flask import Flask, Response, abort
from sqlalchemy import text

from gis.api.cityjson import cityjson

CITYJSON_TYPE = "application/city+json"
QUERY = text(
    "SELECT source_id, lod, ST_AsBinary(geom), surface_types, surface_parts, "
    "source_attributes, source_crs, vertical_datum FROM kc.api_building_models WHERE id = :id"
)


def register(app: Flask, engine) -> None:
    """Add the route, reading with ``engine`` (the API's read-only role)."""

    @app.route("/models/buildings/<int:version_id>", methods=["GET", "HEAD"])
    def building_model(version_id: int) -> Response:
        with engine.connect() as conn:
            row = conn.execute(QUERY, {"id": version_id}).fetchone()
        if row is None:
            abort(404)
        sid, lod, wkb, types, parts, attributes, crs, datum = row
        doc = cityjson(sid, lod, shapely.from_wkb(bytes(wkb)), types, parts, attributes, crs, datum)
        body = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
        return Response(body, mimetype=CITYJSON_TYPE)
