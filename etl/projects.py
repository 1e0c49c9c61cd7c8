"""``kc load projects``: implementation-project footprints as a city's snapshot at a point.

One feature per project: a point, line or polygon with the project code, thematic field, titles
(``title_en`` required, ``title_de`` / ``title_fr`` optional) and status. Which buildings a project
touches is derived by :mod:`gis.store.project_snapshots` (spatial intersection with the buildings valid at the
point, so load buildings first), or taken from a column listing building ids (``buildings``,
separated by ``;`` or ``,``) when the file has one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from etl.fields import attributes_json, find_field, texts
from etl.geometry import ewkb_hex, present_mask, repair_invalid
from etl.problems import Problems
from etl.readers import check_location, file_sha256
from etl.snapshot_file import open_snapshot_file
from etl.vocabulary import statuses, thematic_fields
from gis.store import project_snapshots as store
from gis.store.versioning import SnapshotSummary

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
FIELDS = {
    "code": ("code", "project_code"),
    "thematic_field": ("thematic_field", "theme", "field"),
    "title_en": ("title_en", "title"),
    "title_de": ("title_de",),
    "title_fr": ("title_fr",),
    "status": ("status",),
}
BUILDING_FIELDS = ("buildings", "building_ids")
REQUIRED = ("code", "thematic_field", "title_en", "status")


@dataclass(frozen=True)
class ProjectLoad:
    snapshot: SnapshotSummary
    features: int
    repaired: int


def split_refs(value: str | None) -> list[str] | None:
    """``"B1; B2,B3"`` → ``["B1", "B2", "B3"]``; None when the cell is empty."""
    if value is None:
        return None
    refs = [r.strip() for r in re.split(r"[;,]", value) if r.strip()]
    return refs or None


def _column(frame, name: str | None) -> np.ndarray:
    return texts(frame[name]) if name else np.full(len(frame), None, dtype=object)


def _check_codes(
    cur, codes: np.ndarray, labels: np.ndarray, city: str, field: str, problems: Problems
) -> None:
    present = [c for c in codes if c is not None]
    bad = np.array([c is not None and not CODE.match(c) for c in codes], dtype=bool)
    problems.add_many(labels[bad], field, codes[bad], "a code of letters, digits, '_', '.', '-'")
    values, counts = np.unique(np.array(present, dtype=str), return_counts=True)
    for value in values[counts > 1]:
        problems.add(
            f"features {', '.join(map(str, np.flatnonzero(codes == value)[:5] + 1))}",
            field,
            value,
            "a project code used once in the file",
        )
    cur.execute(
        "SELECT code, city_code FROM kc.project WHERE code = ANY (%s) AND city_code <> %s",
        (present, city),
    )
    for code, other in cur.fetchall():
        problems.add(
            labels[list(codes).index(code)],
            field,
            code,
            f"a project of {city} (this code belongs to {other})",
        )


def _check_refs(
    cur, refs: list, labels: np.ndarray, city: str, field: str, problems: Problems
) -> None:
    wanted = sorted({r for rs in refs if rs for r in rs})
    cur.execute(
        "SELECT source_id FROM kc.building WHERE city_code = %s AND source_id = ANY (%s)",
        (city, wanted),
    )
    known = {r[0] for r in cur.fetchall()}
    for label, rs in zip(labels, refs, strict=True):
        for ref in rs or []:
            if ref not in known:
                problems.add(
                    label,
                    field,
                    ref,
                    f"the id of a building loaded for {city} (load buildings first)",
                )


def load_projects(
    url: str,
    path: Path,
    city: str,
    point: str,
    *,
    layer: str | None = None,
    crs: str | None = None,
    buildings_field: str | None = None,
) -> ProjectLoad:
    """Load ``path`` as the project footprints of ``city`` at ``point``: all of it, or nothing."""
    with open_snapshot_file(url, path, city, point, layer=layer, crs=crs) as snapshot:
        cur, problems, district, data = (
            snapshot.cur,
            snapshot.problems,
            snapshot.district,
            snapshot.data,
        )
        conn = cur.connection
        frame = data.frame
        columns = [c for c in frame.columns if c != frame.geometry.name]
        names = {
            k: find_field(columns, None, usual, k, problems, required=k in REQUIRED)
            for k, usual in FIELDS.items()
        }
        refs_name = find_field(
            columns,
            buildings_field,
            BUILDING_FIELDS,
            "--buildings-field",
            problems,
            required=False,
        )
        if len(frame) == 0:
            problems.add("(file)", "(features)", "no features", "at least one project")
        values = {k: _column(frame, n) for k, n in names.items()}
        labels = np.array(
            [f"feature {i + 1}" + (f" ({c})" if c else "") for i, c in enumerate(values["code"])],
            dtype=object,
        )
        for key in REQUIRED:
            if names[key]:
                empty = np.array([v is None for v in values[key]], dtype=bool)
                problems.add_many(
                    labels[empty],
                    names[key],
                    ["(empty)"] * int(empty.sum()),
                    f"a {key.replace('_', ' ')}",
                )
        if names["code"]:
            _check_codes(cur, values["code"], labels, city, names["code"], problems)
        status_vocab, field_vocab = statuses(cur), thematic_fields(cur)
        status = [status_vocab.resolve(v) for v in values["status"]]
        fields = [field_vocab.resolve(v) for v in values["thematic_field"]]
        for key, vocab, resolved in (
            ("status", status_vocab, status),
            ("thematic_field", field_vocab, fields),
        ):
            for label, raw, code in zip(labels, values[key], resolved, strict=True):
                if raw is not None and code is None:
                    problems.add(label, names[key], raw, f"a {vocab.name}, {vocab.expected()}")
        refs = [split_refs(v) for v in _column(frame, refs_name)]
        if refs_name:
            _check_refs(cur, refs, labels, city, refs_name, problems)
        geoms = np.asarray(frame.geometry.values, dtype=object)
        present = present_mask(geoms, labels, problems)
        check_location(geoms, labels, district, data.source_crs, problems)
        polygonal = present & np.isin(shapely.get_type_id(geoms), [3, 6])
        repair = repair_invalid(cur, geoms, labels, polygonal, problems)
        bad_other = present & ~polygonal & ~shapely.is_valid(geoms)
        problems.add_many(
            labels[bad_other],
            "geometry",
            shapely.is_valid_reason(geoms[bad_other]),
            "a valid geometry",
        )
        problems.raise_if_any()
        used = {names[k] for k in FIELDS if names[k]} | ({refs_name} if refs_name else set())
        attrs = attributes_json(frame.drop(columns=[frame.geometry.name, *sorted(used)]))
        titles = [
            {lang: t for lang, t in (("en", en), ("de", de), ("fr", fr)) if t}
            for en, de, fr in zip(
                values["title_en"], values["title_de"], values["title_fr"], strict=True
            )
        ]
        rows = list(
            zip(
                values["code"],
                fields,
                titles,
                ewkb_hex(repair.geoms),
                status,
                attrs,
                [data.source_crs] * len(frame),
                refs,
                strict=True,
            )
        )
        store.stage_rows(cur, rows)
        summary = store.apply_staged(
            conn, city, point, source=str(path), source_sha256=file_sha256(path)
        )
        return ProjectLoad(summary, len(rows), repair.repaired)
