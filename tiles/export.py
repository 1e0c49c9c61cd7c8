"""Export one 3D tileset per city and measurement point: database at the edge, the rest pure.

``export_all`` reads the buildings valid at each point (``kc.building_state``) and the projects
touching them (``kc.project_state``), builds the tiles and publishes them atomically under
``DIR/<city>/<point>/tileset.json``; ``DIR/index.json`` then lists every published tileset.

The export is deterministic, so a tileset whose input has not changed is not built again: the
fingerprint of what it read (the rows, the options and the exporter's code) is kept beside the
published link (``DIR/<city>/.<point>.source.json``) and compared on the next export.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import psycopg2.extensions
import shapely
from py3dtiles.constants import SpecVersion
from py3dtiles.tileset import BoundingVolumeBox, Tile, TileSet
from py3dtiles.tileset.content.gltf import Gltf

from gis.store.errors import KCError
from gis.store.files import write_json_atomic
from gis.store.vocabulary import city_codes, point_dates, require_city, require_point
from tiles import tiling
from tiles.b3dm import b3dm
from tiles.features import Buildings, FeatureError, Solids, frame_for, solids
from tiles.geometry import merge
from tiles.gltf import glb
from tiles.metadata import (
    PROPERTIES,
    ProjectTouch,
    colouring_status,
    colours,
    projects_json,
)
from tiles.placement import TRUE_HEIGHTS, VERTICAL_REFERENCE, Frame
from tiles.publish import publish, unpublish

FORMATS = ("glb", "b3dm")
HEIGHTS = ("ground", "true")
INDEX = "index.json"


class ExportError(KCError):
    """The export cannot run (bad building geometry, bad option).

    An unknown city or point is the store's :class:`gis.store.errors.UnknownReference`, also a
    KCError: ``kc tiles export`` prints it and exits 1.
    """


@dataclass(frozen=True)
class Published:
    """What an export did for one city and point."""

    city: str
    point: str
    date: dt.date
    feature_count: int
    tile_count: int
    path: Path | None  # None: no buildings, no tileset
    reused: bool = False  # the input had not changed: the published tileset was kept


# --- database (the edge) ----------------------------------------------------------------------


def read_points(cur, point: str | None) -> list[tuple[str, dt.date]]:
    """Every measurement point with its date, or only ``point`` (UnknownReference if unknown)."""
    if point is None:
        return list(point_dates(cur).items())
    return [(point, require_point(cur, point))]


def read_cities(cur, city: str | None) -> list[str]:
    """Every city code, or only ``city`` (UnknownReference if unknown)."""
    if city is None:
        return city_codes(cur)
    require_city(cur, city)
    return [city]


#: What the exporter reads of each building version (``read_buildings``; ``read_fingerprints``
#: digests the same expressions).
BUILDING_COLUMNS = """version_id, building_id, source_id, valid_from, valid_to, height,
    height_estimated, storeys, base_elevation, ST_AsBinary(footprint),
    CASE WHEN geom_3d IS NULL OR surface_types IS NOT NULL THEN NULL ELSE
         (SELECT ST_AsBinary(ST_Collect(ST_MakePolygon(ST_ExteriorRing(d.geom)) ORDER BY d.path))
            FROM ST_Dump(geom_3d) d) END,
    lod, CASE WHEN surface_types IS NOT NULL THEN ST_AsBinary(geom_3d) END, surface_types,
    ellipsoid_offset, coalesce(source_attributes->>'roofType',
        (SELECT string_agg(DISTINCT p->>'roofType', ',')
           FROM jsonb_array_elements(source_attributes->'parts') p))"""
#: What it reads of the projects touching them (``read_touches``, ``read_fingerprints``).
TOUCH_COLUMNS = "p.code, p.status, p.thematic_field, s.sort_order, p.building_ids"
TOUCH_FROM = "kc.project_state(%(at)s) p JOIN kc.implementation_status s ON s.code = p.status"


def read_buildings(cur, city: str, at: dt.date, heights: str = "ground") -> Buildings:
    """The building versions of ``city`` valid at ``at``, ordered by version id."""
    cur.execute(
        f"SELECT {BUILDING_COLUMNS} FROM kc.building_state(%(at)s) "  # noqa: S608 - constants
        "WHERE city_code = %(city)s ORDER BY version_id",
        {"at": at, "city": city},
    )
    rows = cur.fetchall()
    cols = list(zip(*rows, strict=True)) if rows else [[] for _ in range(16)]
    surfaces = [None if g is None else shapely.from_wkb(bytes(g)) for g in cols[12]]
    return Buildings(
        version_id=list(cols[0]),
        building_id=list(cols[1]),
        source_id=list(cols[2]),
        valid_from=list(cols[3]),
        valid_to=list(cols[4]),
        height=list(cols[5]),
        height_estimated=list(cols[6]),
        storeys=list(cols[7]),
        base_elevation=list(cols[8]),
        footprint=list(shapely.from_wkb([bytes(g) for g in cols[9]])) if rows else [],
        geom_3d=[
            typed if g is None else shapely.from_wkb(bytes(g))
            for g, typed in zip(cols[10], surfaces, strict=True)
        ],
        lod=list(cols[11]),
        surfaces=surfaces,
        surface_types=list(cols[13]),
        ellipsoid_offset=list(cols[14]),
        roof_type=list(cols[15]),
        heights=heights,
    )


def read_touches(cur, city: str, at: dt.date) -> dict[int, list[ProjectTouch]]:
    """``{building_id: [projects touching it at at]}``."""
    cur.execute(
        f"SELECT {TOUCH_COLUMNS} FROM {TOUCH_FROM} "  # noqa: S608 - constants
        "WHERE p.city_code = %(city)s ORDER BY p.code",
        {"at": at, "city": city},
    )
    touches: dict[int, list[ProjectTouch]] = {}
    for code, status, field, rank, ids in cur.fetchall():
        for building_id in ids:
            touches.setdefault(building_id, []).append(ProjectTouch(code, status, field, rank))
    return touches


def read_fingerprints(cur, cities: Sequence[str], at: dt.date) -> dict[str, tuple]:
    """For each city with buildings valid at ``at``: how many, and digests (md5) of the rows
    ``read_buildings`` and ``read_touches`` would read. One query for all cities, nothing
    transferred but the digests: what decides whether a published tileset can be kept.
    """
    cur.execute(
        f"""SELECT b.city_code, b.n, b.digest, t.digest
              FROM (SELECT q.city_code, count(*) AS n,
                           md5(string_agg(q::text, E'\\n' ORDER BY q.version_id)) AS digest
                      FROM (SELECT city_code, {BUILDING_COLUMNS}
                              FROM kc.building_state(%(at)s)
                             WHERE city_code = ANY(%(cities)s)) q
                     GROUP BY q.city_code) b
              LEFT JOIN (SELECT q.city_code,
                                md5(string_agg(q::text, E'\\n' ORDER BY q.code)) AS digest
                           FROM (SELECT p.city_code, {TOUCH_COLUMNS} FROM {TOUCH_FROM}
                                  WHERE p.city_code = ANY(%(cities)s)) q
                          GROUP BY q.city_code) t USING (city_code)""",  # noqa: S608 - constants
        {"at": at, "cities": list(cities)},
    )
    return {city: (n, buildings, touches) for city, n, buildings, touches in cur.fetchall()}


def read_palette(cur) -> dict[str, str]:
    cur.execute("SELECT code, colour FROM kc.implementation_status ORDER BY code")
    return dict(cur.fetchall())


# --- pure part --------------------------------------------------------------------------------


def columns(city: str, b: Buildings, touches: dict[int, list[ProjectTouch]]) -> dict[str, list]:
    """The metadata columns of every building (``PROPERTIES`` order)."""
    found = [touches.get(i, []) for i in b.building_id]
    return {
        "version_id": b.version_id,
        "building_id": b.building_id,
        "source_id": b.source_id,
        "city": [city] * len(b),
        "valid_from": [d.isoformat() for d in b.valid_from],
        "valid_to": [None if d is None else d.isoformat() for d in b.valid_to],
        "height": b.height,
        "storeys": b.storeys,
        "height_estimated": b.height_estimated,
        "base_elevation": b.base_elevation,
        "status": [colouring_status(t) for t in found],
        "project_codes": [",".join(sorted(x.code for x in t)) or None for t in found],
        "projects": [projects_json(t) for t in found],
        "lod": b.lod or [0] * len(b),
        "roof_type": b.roof_type or [None] * len(b),
    }


@dataclass(frozen=True)
class TileFile:
    path: str  # relative to the tileset folder
    data: bytes
    box: list[float]  # mins and maxs in the local frame


def tile_contents(
    node: tiling.Node,
    shapes: Solids,
    cols: dict[str, list],
    palette: dict[str, str],
    fmt: str,
) -> TileFile:
    """The content file of one leaf: its buildings' meshes and metadata."""
    ids = node.features
    meshes = []
    for local, i in enumerate(ids):
        m = shapes.meshes[i]
        meshes.append(replace(m, feature=np.full_like(m.feature, local)))
    mesh = merge(meshes)
    sub = {name: [values[i] for i in ids] for name, values in cols.items()}
    rgba = colours(sub["status"], palette)
    if fmt == "glb":
        data = glb(mesh, rgba, properties=PROPERTIES, columns=sub)
        data = bytes(Gltf.from_bytes(data).to_array())
    else:
        data = b3dm(glb(mesh, rgba, batch_ids=True), PROPERTIES, sub)
    # 1 cm margin: the float32 positions in the file may round a hair outside the float64 box.
    lo, hi = mesh.positions.min(axis=0) - 0.01, mesh.positions.max(axis=0) + 0.01
    return TileFile(f"t/{node.path}.{fmt}", data, [*lo.tolist(), *hi.tolist()])


def build_tileset(
    city: str,
    point: str,
    at: dt.date,
    b: Buildings,
    touches: dict[int, list[ProjectTouch]],
    palette: dict[str, str],
    fmt: str,
    max_features: int = tiling.DEFAULT_MAX_FEATURES,
) -> tuple[dict, list[TileFile]]:
    """tileset.json (as a dict) and its content files, for buildings ``b`` at point ``at``."""
    frame: Frame = frame_for(b)
    try:
        shapes = solids(b, frame)
    except FeatureError as err:
        raise ExportError(f"{city} at {point}: {err}") from err
    cols = columns(city, b, touches)
    tree = tiling.build(shapes.centres, shapes.sizes, max_features)
    files: dict[str, TileFile] = {}
    for node in tree.walk():
        if node.is_leaf:
            files[node.path] = tile_contents(node, shapes, cols, palette, fmt)
    digest = hashlib.sha256(f"{city}\0{point}\0{at}\0{fmt}\0".encode())
    for node in tree.walk():
        if node.path in files:
            digest.update(files[node.path].path.encode() + b"\0" + files[node.path].data)
    version = f"{point}-{digest.hexdigest()[:16]}"

    def tile_of(node: tiling.Node) -> Tile:
        if node.is_leaf:
            f = files[node.path]
            tile = Tile(
                geometric_error=node.geometric_error,
                bounding_volume=BoundingVolumeBox.from_mins_maxs(f.box),
                refine_mode="ADD",
                content_uri=f.path,
            )
        else:
            tile = Tile(geometric_error=node.geometric_error, refine_mode="ADD")
            for child in node.children:
                tile.add_child(tile_of(child))
        return tile

    root = tile_of(tree)
    root.transform = frame.matrix()
    spec = SpecVersion.V1_1 if fmt == "glb" else SpecVersion.V1_0
    # The tileset's own error is what is missed when nothing is drawn: the largest building.
    error = max(tree.geometric_error, float(shapes.sizes.max()))
    tileset = TileSet(geometric_error=error, spec_version=spec)
    tileset.root_tile = root
    tileset.asset.tileset_version = version
    tileset.asset.extras = {"generator": "knowledge-carrier tiles"}
    tileset.extras = {
        "city": city,
        "point": point,
        "date": at.isoformat(),
        "format": fmt,
        "feature_count": len(b),
        "bounding_region": list(shapes.region),
        "vertical_reference": VERTICAL_REFERENCE if b.heights == "ground" else TRUE_HEIGHTS,
    }
    return tileset.to_dict(), list(files.values())


def write_tileset(folder: Path, tileset: dict, files: Sequence[TileFile]) -> None:
    for f in files:
        path = folder / f.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f.data)
    (folder / "tileset.json").write_text(
        json.dumps(tileset, separators=(",", ":"), ensure_ascii=False), encoding="utf-8"
    )


def index(out: Path) -> dict:
    """The index of every tileset published under ``out`` (read from their tileset.json)."""
    entries = []
    for tileset_path in sorted(out.glob("*/*/tileset.json")):
        if any(part.startswith(".") for part in tileset_path.relative_to(out).parts):
            continue  # version folders behind the published links
        extras = json.loads(tileset_path.read_text(encoding="utf-8")).get("extras", {})
        if not {"city", "point", "date"} <= extras.keys():
            continue
        entries.append(
            {
                "city": extras["city"],
                "point": extras["point"],
                "date": extras["date"],
                "href": tileset_path.relative_to(out).as_posix(),
                "bounding_region": extras["bounding_region"],
                "feature_count": extras["feature_count"],
                "format": extras["format"],
            }
        )
    entries.sort(key=lambda e: (e["city"], e["date"], e["point"]))
    return {"tilesets": entries}


def _code_digest() -> str:
    """The exporter's own code (this package): a change to it changes every fingerprint."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _source_path(target: Path) -> Path:
    return target.parent / f".{target.name}.source.json"


def _kept(target: Path, fingerprint: str) -> dict | None:
    """What is published at ``target`` when it was built from input ``fingerprint``, else None."""
    try:
        kept = json.loads(_source_path(target).read_text(encoding="utf-8"))
        linked = os.readlink(target)
    except (OSError, ValueError):
        return None
    if not isinstance(kept, dict) or kept.get("fingerprint") != fingerprint:
        return None
    if linked != f".{target.name}.{kept.get('version')}":
        return None
    return kept if (target / "tileset.json").is_file() else None


@dataclass(frozen=True)
class _Exported:
    published: Published
    version: str

    @property
    def tile_count(self) -> int:
        return self.published.tile_count


def _export_one(
    cur, city, point, at, target, palette, fmt, max_features, heights="ground"
) -> _Exported:
    """Read, build and publish the tileset of ``city`` at ``point``."""
    b = read_buildings(cur, city, at, heights)
    touches = read_touches(cur, city, at)
    tileset, files = build_tileset(city, point, at, b, touches, palette, fmt, max_features)
    version = tileset["asset"]["tilesetVersion"]
    publish(target, version, lambda d: write_tileset(d, tileset, files))
    return _Exported(Published(city, point, at, len(b), len(files), target), version)


def export_all(
    conn: psycopg2.extensions.connection,
    out: Path,
    *,
    point: str | None = None,
    city: str | None = None,
    fmt: str = "glb",
    max_features: int = tiling.DEFAULT_MAX_FEATURES,
    progress: Callable[[Published], None] | None = None,
    reuse: bool = True,
    heights: str = "ground",
) -> list[Published]:
    """Export and publish the tilesets of every (or one) city and point; rewrite the index.

    With ``reuse``, a tileset whose input (rows read, options, exporter code) is the one it was
    built from is kept as published instead of being built again (same bytes either way).
    ``heights``: "ground" (every ground at ellipsoid height 0) or "true" (city models at their
    WGS 84 ellipsoidal height, for viewers with terrain; see ``tiles.placement``).
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if heights not in HEIGHTS:
        raise ExportError(f"unknown heights {heights!r}; expected one of {', '.join(HEIGHTS)}")
    results = []
    code_digest = _code_digest()
    with conn.cursor() as cur:
        points = read_points(cur, point)
        cities = read_cities(cur, city)
        palette = read_palette(cur)
        inputs = {p: read_fingerprints(cur, cities, at) for p, at in points}
        for code in cities:
            for point_code, at in points:
                target = out / code / point_code
                read = inputs[point_code].get(code)
                if read is None:  # no building valid at the point
                    unpublish(target)
                    _source_path(target).unlink(missing_ok=True)
                    result = Published(code, point_code, at, 0, 0, None)
                else:
                    fingerprint = hashlib.sha256(
                        repr(
                            (
                                code_digest,
                                code,
                                point_code,
                                at,
                                fmt,
                                max_features,
                                palette,
                                read,
                                heights,
                            )
                        ).encode()
                    ).hexdigest()
                    kept = _kept(target, fingerprint) if reuse else None
                    if kept is not None:
                        result = Published(
                            code, point_code, at, read[0], kept["tile_count"], target, reused=True
                        )
                    else:
                        result = _export_one(
                            cur, code, point_code, at, target, palette, fmt, max_features, heights
                        )
                        write_json_atomic(
                            _source_path(target),
                            {
                                "fingerprint": fingerprint,
                                "version": result.version,
                                "tile_count": result.tile_count,
                            },
                        )
                        result = result.published
                results.append(result)
                if progress:
                    progress(result)
    conn.rollback()
    write_json_atomic(out / INDEX, index(out), indent=1, skip_unchanged=True)
    return results
