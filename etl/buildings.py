"""``kc load buildings``: a vector file of footprints as a city's snapshot at a measurement point.

Reading, checks and the COPY rows are vectorised (pyogrio, pandas, shapely 2); the snapshot is
applied set-based by :mod:`gis.store.building_snapshots`. Everything happens in one transaction, after every
problem of the file has been collected: a file with problems loads nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from etl.fields import attributes_json, find_field, numbers, texts
from etl.geometry import as_multipolygons, ewkb_hex, polygonal_mask, present_mask, repair_invalid
from etl.problems import Problems
from etl.readers import VectorData, check_location, file_sha256
from etl.snapshot_file import open_snapshot_file
from gis.store import building_snapshots as store
from gis.store.versioning import SnapshotSummary

#: Height of one storey in metres, used when a building has a number of storeys but no height
#: (the version is then flagged ``height_estimated``). 3 m is the usual floor-to-floor height of
#: residential buildings in the three cities' building codes (2.5 m clear height + slab).
STOREY_HEIGHT_M = 3.0

ID_FIELDS = ("id", "source_id", "building_id", "gml_id", "fid")
HEIGHT_FIELDS = ("height", "hauteur", "measuredheight", "hoehe")
STOREY_FIELDS = ("storeys", "storeys_above_ground", "nb_etages", "floors", "geschosse")
BASE_FIELDS = ("base_elevation", "z_min_sol", "ground_elevation")

Progress = Callable[[Iterable, int, str], Iterable]


@dataclass(frozen=True)
class BuildingOptions:
    """How to read a building file (``None``: the usual field names, the file's own CRS)."""

    layer: str | None = None
    id_field: str | None = None
    height_field: str | None = None
    storeys_field: str | None = None
    base_field: str | None = None
    crs: str | None = None


@dataclass(frozen=True)
class PreparedBuildings:
    """Validated rows, column-wise, ready for COPY."""

    ids: list[str]
    footprints: list[str]
    heights: list[float]
    estimated: list[bool]
    storeys: list[int | None]
    base: list[float | None]
    attributes: list[str]
    source_crs: str
    repaired: int

    def rows(self) -> Iterator[tuple]:
        for row in zip(
            self.ids,
            self.footprints,
            self.heights,
            self.estimated,
            self.storeys,
            self.base,
            self.attributes,
            strict=True,
        ):
            sid, fp, h, est, st, base, attrs = row
            yield (sid, fp, h, est, st, base, None, self.source_crs, attrs)


@dataclass(frozen=True)
class BuildingLoad:
    """What a building load did: the snapshot summary plus repairs and estimated heights."""

    snapshot: SnapshotSummary
    features: int
    repaired: int
    estimated: int


def _labels(ids: np.ndarray) -> np.ndarray:
    return np.array(
        [f"feature {i + 1}" + (f" ({v})" if v is not None else "") for i, v in enumerate(ids)],
        dtype=object,
    )


def _check_identities(ids: np.ndarray, field: str, labels: np.ndarray, problems: Problems) -> None:
    missing = np.array([v is None for v in ids], dtype=bool)
    problems.add_many(labels[missing], field, ["(empty)"] * int(missing.sum()), "a building id")
    present = ids[~missing].astype(str)
    values, counts = np.unique(present, return_counts=True)
    for value in values[counts > 1]:
        rows = np.flatnonzero(ids == value) + 1
        problems.add(
            f"features {', '.join(map(str, rows[:5]))}",
            field,
            value,
            "a building id used once in the file",
        )


def _heights(frame, fields: dict[str, str | None], labels: np.ndarray, problems: Problems):
    n = len(frame)
    height = np.full(n, np.nan)
    storeys = np.full(n, np.nan)
    if fields["height"]:
        height, bad = numbers(frame[fields["height"]])
        problems.add_many(
            labels[bad], fields["height"], frame[fields["height"]][bad], "a height in metres"
        )
    if fields["storeys"]:
        storeys, bad = numbers(frame[fields["storeys"]])
        problems.add_many(
            labels[bad], fields["storeys"], frame[fields["storeys"]][bad], "a number of storeys"
        )
        fractional = np.isfinite(storeys) & (
            (storeys != np.round(storeys)) | (storeys < 0) | (storeys >= 300)
        )
        problems.add_many(
            labels[fractional],
            fields["storeys"],
            storeys[fractional],
            "a whole number of storeys, 0 to 299",
        )
        storeys = np.where(fractional, np.nan, storeys)
    out_of_range = np.isfinite(height) & ((height < 0) | (height >= 1000))
    problems.add_many(
        labels[out_of_range],
        fields["height"] or "height",
        height[out_of_range],
        "a height in metres, 0 to 1000",
    )
    known = np.isfinite(height) & (height > 0) & ~out_of_range
    estimable = ~known & ~out_of_range & np.isfinite(storeys) & (storeys > 0)
    none = ~known & ~estimable & ~out_of_range
    expected = (
        f"a height in {fields['height'] or '--height-field'} (> 0), or a number of storeys in "
        f"{fields['storeys'] or '--storeys-field'} (height = storeys x {STOREY_HEIGHT_M:g} m)"
    )
    problems.add_many(
        labels[none], fields["height"] or "height", ["(empty)"] * int(none.sum()), expected
    )
    final = np.where(known, height, storeys * STOREY_HEIGHT_M)
    return final, estimable, storeys


def _base(frame, field: str | None, labels: np.ndarray, problems: Problems) -> np.ndarray:
    if field is None:
        return np.full(len(frame), np.nan)
    base, bad = numbers(frame[field])
    problems.add_many(labels[bad], field, frame[field][bad], "a ground elevation in metres")
    wrong = np.isfinite(base) & ((base <= -500) | (base >= 9000))
    problems.add_many(
        labels[wrong], field, base[wrong], "a ground elevation between -500 and 9000 m"
    )
    return base


def prepare(
    cur, data: VectorData, options: BuildingOptions, district, problems: Problems
) -> PreparedBuildings:
    """Check every feature and build the COPY columns; problems are collected, not raised."""
    frame = data.frame
    columns = [c for c in frame.columns if c != frame.geometry.name]
    fields = {
        "id": find_field(
            columns, options.id_field, ID_FIELDS, "--id-field", problems, required=True
        ),
        "height": find_field(
            columns, options.height_field, HEIGHT_FIELDS, "--height-field", problems, required=False
        ),
        "storeys": find_field(
            columns,
            options.storeys_field,
            STOREY_FIELDS,
            "--storeys-field",
            problems,
            required=False,
        ),
        "base": find_field(
            columns, options.base_field, BASE_FIELDS, "--base-field", problems, required=False
        ),
    }
    if not fields["height"] and not fields["storeys"]:
        problems.add(
            "(file)",
            "--height-field",
            "(no height or storeys field)",
            f"a height field or a storeys field among: {', '.join(columns) or '(none)'}",
        )
    if len(frame) == 0:
        problems.add("(file)", "(features)", "no features", "at least one building")
    ids = texts(frame[fields["id"]]) if fields["id"] else np.full(len(frame), None, dtype=object)
    labels = _labels(ids)
    if fields["id"]:
        _check_identities(ids, fields["id"], labels, problems)
    heights, estimated, storeys = _heights(frame, fields, labels, problems)
    base = _base(frame, fields["base"], labels, problems)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    present = present_mask(geoms, labels, problems)
    polygonal = polygonal_mask(geoms, labels, present, problems)
    check_location(geoms, labels, district, data.source_crs, problems)
    repair = repair_invalid(cur, geoms, labels, polygonal, problems)
    geoms = as_multipolygons(repair.geoms)
    attrs = frame.drop(columns=[frame.geometry.name])
    return PreparedBuildings(
        ids=[str(v) for v in ids],
        footprints=ewkb_hex(geoms) if not problems else [],
        heights=heights.tolist(),
        estimated=estimated.tolist(),
        storeys=[None if not np.isfinite(s) else int(s) for s in storeys],
        base=[None if not np.isfinite(b) else float(b) for b in base],
        attributes=attributes_json(attrs) if not problems else [],
        source_crs=data.source_crs,
        repaired=repair.repaired,
    )


def _no_progress(rows: Iterable, length: int, label: str) -> Iterable:
    return rows


def load_buildings(
    url: str,
    path: Path,
    city: str,
    point: str,
    options: BuildingOptions = BuildingOptions(),
    *,
    progress: Progress = _no_progress,
) -> BuildingLoad:
    """Load ``path`` as the buildings of ``city`` at ``point``: all of it, or nothing."""
    with open_snapshot_file(
        url, path, city, point, layer=options.layer, crs=options.crs
    ) as snapshot:
        cur, problems = snapshot.cur, snapshot.problems
        prepared = prepare(cur, snapshot.data, options, snapshot.district, problems)
        problems.raise_if_any()
        n = len(prepared.ids)
        store.stage_rows(cur, progress(prepared.rows(), n, f"staging {n} buildings"))
        summary = store.apply_staged(
            cur.connection, city, point, source=str(path), source_sha256=file_sha256(path)
        )
        return BuildingLoad(summary, n, prepared.repaired, int(sum(prepared.estimated)))
