"""``kc load buildings`` for city models: CityGML / CityJSON buildings with their 3D surfaces.

The model is streamed in batches of buildings: each batch is checked, reprojected (x, y through
the same datum handling as footprints, ``gis.store.crs``; z kept as in the source) and COPYed into the
building stage, so memory does not grow with the file. Problems of every batch are collected;
when there are any, nothing is applied and the transaction is rolled back (nothing loaded).
The snapshot is then applied set-based exactly as for footprints
(``gis.store.building_snapshots``): same versions, validity, corrections.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from lxml import etree
from pyproj import CRS
from pyproj.exceptions import CRSError

from etl.citymodel import CityBuilding, Part, all_polygons, footprint, z_range
from etl.errors import load_transaction
from etl.geometry import as_multipolygons, ewkb_hex, repair_invalid
from etl.heights import VerticalDatum, datum_of, geoid_heights, parse_srs, split
from etl.model_files import open_model
from etl.problems import Problems
from etl.readers import check_location, crs_label, file_sha256
from etl.surfaces_wkb import surfaces_ewkb
from etl.vocabulary import check_city, check_point
from gis.store import building_snapshots as store
from gis.store.crs import area_of, to_wgs84
from gis.store.versioning import SnapshotSummary

#: Buildings per COPY batch, and at most this many vertices (a Lyon LoD2 block has 10,000 or
#: more): large enough for vectorised reprojection, small enough that memory stays flat whatever
#: the file's size (measured in bench/load_citygml.py).
BATCH = 500
BATCH_VERTICES = 100_000


@dataclass(frozen=True)
class ModelOptions:
    crs: str | None = None
    vertical_datum: str | None = None


@dataclass(frozen=True)
class ModelLoad:
    """What a city-model load did."""

    snapshot: SnapshotSummary
    buildings: int
    parts: int
    surfaces: int
    roofs: int
    dropped: int  # degenerate polygons (no area) left out
    repaired: int  # footprints repaired by ST_MakeValid
    format: str
    vertical_datum: str | None
    geoid: str | None


@dataclass(frozen=True)
class Reference:
    """The horizontal CRS (label for gis.store.crs), and the vertical datum (None = unknown)."""

    horizontal: str
    datum: VerticalDatum | None


def resolve_crs(found: list[str], options: ModelOptions, problems: Problems) -> Reference | None:
    """The model's CRS from the file (srsName / referenceSystem) or ``--crs``, checked."""
    given = None
    if options.crs:
        try:
            given = parse_srs(options.crs)
        except CRSError:
            problems.add("(command line)", "--crs", options.crs, "a CRS such as EPSG:3946+5720")
            return None
    file_crs = []
    for name in found:
        try:
            file_crs.append(parse_srs(name))
        except CRSError:
            problems.add("(file)", "srsName", name, "a CRS name PROJ knows (EPSG, OGC URN/URL)")
            return None
    distinct = {c.to_wkt() for c in file_crs}
    if len(distinct) > 1:
        problems.add("(file)", "srsName", ", ".join(found), "one CRS for the whole file")
        return None
    crs: CRS | None = file_crs[0] if file_crs else None
    if crs is not None and given is not None and not split(crs)[0].equals(split(given)[0]):
        problems.add(
            "(file)",
            "--crs",
            _label(given),
            f"the file's own CRS {_label(crs)} (drop --crs)",
        )
        return None
    crs = crs or given
    if crs is None:
        problems.add(
            "(file)",
            "CRS",
            "no srsName / referenceSystem in the file",
            "a file with a CRS, or --crs (e.g. --crs EPSG:3946+5720 for Lyon: CC46 + NGF-IGN69)",
        )
        return None
    horizontal, vertical = split(crs)
    if vertical is None and given is not None:
        vertical = split(given)[1]
    try:
        datum = datum_of(vertical, options.vertical_datum)
    except CRSError:
        problems.add(
            "(command line)",
            "--vertical-datum",
            options.vertical_datum,
            "wiener-null or a vertical CRS such as EPSG:5720",
        )
        return None
    return Reference(crs_label(horizontal), datum)


def _label(crs: CRS) -> str:
    """``EPSG:25832+7837`` for a compound CRS, else as ``crs_label``."""
    if crs.is_compound:
        return "+".join(crs_label(sub) for sub in crs.sub_crs_list)
    return crs_label(crs)


@dataclass(frozen=True)
class Batch:
    rows: list[tuple]
    parts: int
    surfaces: int
    roofs: int
    dropped: int
    repaired: int
    geoid: str | None


def _part_index(building: CityBuilding, part: Part) -> int:
    if part.source_id == building.source_id:
        return 0
    return building.part_ids.index(part.source_id) + 1


def _attributes(building: CityBuilding, fmt: str) -> dict:
    attrs = dict(building.attributes)
    by_id = {p.source_id: p for p in building.parts}
    if building.part_ids:
        attrs["parts"] = [
            {"id": pid, **(by_id[pid].attributes if pid in by_id else {})}
            for pid in building.part_ids
        ]
    semantics = sorted({p.semantics for p in building.parts})
    attrs["surfaces_from"] = ", ".join(
        "thematic surfaces" if s == "source" else "solid faces (types from normals)"
        for s in semantics
    )
    attrs["model_format"] = fmt
    return attrs


def _storeys(value: object) -> int | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() and 0 <= number < 300 else None


def prepare_batch(
    cur, buildings: list[CityBuilding], ref: Reference, fmt: str, district, problems: Problems
) -> Batch:
    """Check a batch and build its stage rows (problems collected, rows empty if any)."""
    keep = []
    for b in buildings:
        where = f"building {b.source_id or '(no id)'}"
        for surface, found, expected in b.problems:
            problems.add(where, surface, found, expected)
        if not b.source_id:
            problems.add(where, "gml:id / id", "(empty)", "a building id")
        if not b.parts:
            problems.add(
                where,
                "geometry",
                "no LoD1 or LoD2 geometry",
                "lod1/lod2 Solid or MultiSurface, or thematic surfaces with lod2MultiSurface",
            )
        if b.parts and not b.problems:
            keep.append(b)
    if not keep:
        return Batch([], 0, 0, 0, sum(b.dropped for b in buildings), 0, None)
    feet = np.array([footprint(b) for b in keep], dtype=object)
    labels = np.array([f"building {b.source_id}" for b in keep], dtype=object)
    empty = shapely.is_empty(feet)
    problems.add_many(
        labels[empty], "footprint", ["(empty)"] * int(empty.sum()), "a ground surface with area"
    )
    bounds = tuple(shapely.total_bounds(feet[~empty])) if (~empty).any() else (np.nan,) * 4
    area = area_of(ref.horizontal, bounds)
    if area is None:
        return Batch([], 0, 0, 0, 0, 0, None)
    transformer = to_wgs84(ref.horizontal, area)

    def lonlat(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    feet = shapely.transform(feet, lonlat)
    check_location(feet, labels, district, ref.horizontal, problems)
    polygonal = ~shapely.is_empty(feet)
    repair = repair_invalid(cur, feet, labels, polygonal, problems)
    feet = as_multipolygons(repair.geoms)
    ranges = [z_range(b) for b in keep]
    heights = np.array([top - ground for ground, _, top in ranges])
    bad = ~((heights > 0) & (heights < 1000))
    problems.add_many(labels[bad], "height (from geometry)", heights[bad], "0 < height < 1000 m")
    offsets, geoid = _ellipsoid_offsets(feet, ref.datum)
    rows = []
    n_parts = n_surfaces = n_roofs = 0
    if not problems:
        for i, b in enumerate(keep):
            surfaces = [(p, s) for p in b.parts for s in p.surfaces]
            # All rings of the building through the transformer in one call.
            rings = [r for _, s in surfaces for poly in s.polygons for r in poly]
            xyz = np.concatenate(rings)
            x, y = transformer.transform(xyz[:, 0], xyz[:, 1])
            moved = np.column_stack([x, y, xyz[:, 2]])
            cuts = np.cumsum([len(r) for r in rings])[:-1]
            new_rings = iter(np.split(moved, cuts))
            geo = [[[next(new_rings) for _ in poly] for poly in s.polygons] for _, s in surfaces]
            ground = ranges[i][0]
            datum = ref.datum
            rows.append(
                (
                    b.source_id,
                    ewkb_hex(np.array([feet[i]], dtype=object))[0],
                    float(heights[i]),
                    False,
                    _storeys(b.attributes.get("storeysAboveGround")),
                    None if datum is None else ground + datum.offset_m,
                    surfaces_ewkb(geo),
                    ref.horizontal,
                    json.dumps(_attributes(b, fmt), ensure_ascii=False, sort_keys=True),
                    b.lod,
                    [s.kind for _, s in surfaces],
                    [_part_index(b, p) for p, _ in surfaces],
                    None if datum is None else datum.name,
                    None if offsets is None else float(offsets[i]),
                    geoid,
                )
            )
            n_parts += len(b.part_ids)
            n_surfaces += len(surfaces)
            n_roofs += sum(s.kind == "roof" for _, s in surfaces)
    return Batch(
        rows,
        n_parts,
        n_surfaces,
        n_roofs,
        sum(b.dropped for b in buildings),
        repair.repaired,
        geoid,
    )


def _ellipsoid_offsets(
    feet: np.ndarray, datum: VerticalDatum | None
) -> tuple[np.ndarray | None, str | None]:
    """Per building: datum offset + geoid height at its footprint's centre (None: unknown)."""
    if datum is None or datum.epsg is None or len(feet) == 0:
        return None, None
    centres = shapely.get_coordinates(shapely.centroid(feet))
    found = geoid_heights(centres[:, 0], centres[:, 1], datum)
    if found is None:
        return None, None
    n, model = found
    return datum.offset_m + n, model


def _vertices(building: CityBuilding) -> int:
    return sum(len(r) for poly in all_polygons(building) for r in poly)


def _batches(
    items: Iterable[CityBuilding], size: int, max_vertices: int = BATCH_VERTICES
) -> Iterator[list[CityBuilding]]:
    """Buildings in batches of at most ``size`` buildings and about ``max_vertices`` vertices."""
    batch: list[CityBuilding] = []
    vertices = 0
    for building in items:
        batch.append(building)
        vertices += _vertices(building)
        if len(batch) >= size or vertices >= max_vertices:
            yield batch
            batch, vertices = [], 0
    if batch:
        yield batch


def load_model_buildings(
    url: str,
    files: list[tuple[Path, str]],
    city: str,
    point: str,
    options: ModelOptions = ModelOptions(),
    *,
    batch_size: int = BATCH,
    progress: Callable[[int], None] | None = None,
    source: Path | None = None,
) -> ModelLoad:
    """Load city-model ``files`` (``(path, kind)`` from ``etl.model_files.model_files``) as one
    snapshot of ``city`` at ``point``: all of it, or nothing."""
    source = source or files[0][0]
    problems = Problems(source.name)
    with load_transaction(url, source) as cur:
        district = check_city(cur, city, problems)
        check_point(cur, point, problems)
        problems.raise_if_any()
        load = _Loading(cur, options, district, batch_size, progress)
        for path, kind in files:
            problems.file = path.name
            load.read(path, kind, problems)
        if load.totals["buildings"] == 0:
            problems.add("(file)", "(buildings)", "no Building", "at least one building")
        problems.raise_if_any()
        summary = store.apply_staged(
            cur.connection,
            city,
            point,
            source=str(source),
            source_sha256=file_sha256(source) if len(files) == 1 else None,
        )
        ref = load.ref
        return ModelLoad(
            summary,
            format=", ".join(sorted(load.formats)),
            vertical_datum=ref.datum.name if ref and ref.datum else None,
            geoid=load.geoid,
            **load.totals,
        )


class _Loading:
    """The state of one load across its files and batches."""

    def __init__(self, cur, options, district, batch_size, progress) -> None:
        self.cur, self.options, self.district = cur, options, district
        self.batch_size, self.progress = batch_size, progress
        self.totals = dict(buildings=0, parts=0, surfaces=0, roofs=0, dropped=0, repaired=0)
        self.ids: set[str] = set()
        self.ref: Reference | None = None
        self.geoid: str | None = None
        self.formats: set[str] = set()

    def read(self, path: Path, kind: str, problems: Problems) -> None:
        with open_model(path, kind) as stream:
            ref = None
            try:
                for batch in _batches(stream.buildings(), self.batch_size):
                    if ref is None:
                        ref = resolve_crs(stream.srs_names, self.options, problems)
                        if ref is None:
                            problems.raise_if_any()
                        if self.ref is not None and ref != self.ref:
                            problems.add("(file)", "CRS", ref.horizontal, self.ref.horizontal)
                        self.ref = ref
                    self._batch(batch, ref, _format(stream), problems)
            except (etree.XMLSyntaxError, json.JSONDecodeError) as err:  # a truncated file …
                problems.add("(file)", "(file)", " ".join(str(err).split()), f"a valid {kind} file")
            if len(stream.srs_names) > 1 and ref is not None:
                problems.add("(file)", "srsName", ", ".join(stream.srs_names), "one CRS")
            self.formats.add(_format(stream))

    def _batch(self, batch: list[CityBuilding], ref: Reference, fmt: str, problems) -> None:
        for b in batch:
            if b.source_id in self.ids:
                problems.add(f"building {b.source_id}", "id", b.source_id, "an id used once")
            self.ids.add(b.source_id)
        done = prepare_batch(self.cur, batch, ref, fmt, self.district, problems)
        if not problems:
            store.stage_model_rows(self.cur, done.rows, first=self.totals["buildings"] == 0)
        self.totals["buildings"] += len(batch)
        for key in ("parts", "surfaces", "roofs", "dropped", "repaired"):
            self.totals[key] += getattr(done, key)
        self.geoid = self.geoid or done.geoid
        if self.progress:
            self.progress(len(batch))


def _format(stream) -> str:
    name = "CityGML" if type(stream).__name__ == "CityGMLStream" else "CityJSON"
    if name == "CityJSON" and getattr(stream, "sequence", False):
        name = "CityJSONSeq"
    return f"{name} {stream.version}" if stream.version else name
