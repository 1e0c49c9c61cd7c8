"""The cross-topic analysis of challenges at one point, shaped from ``kc.challenge_matrix``.

The database computes the matrix (one row per challenge, city and thematic field); this module
groups it by challenge, city and field for the HTML page and the JSON document that the viewer
and other tools read (``books/<point>/challenges.json``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gis.books.model import I18n, Point, Reference


@dataclass(frozen=True)
class Cell:
    """The reports of one city in one thematic field that raise one challenge."""

    city: str
    field: str
    report_ids: tuple[int, ...]
    projects: tuple[str, ...]
    new_in_city: bool


@dataclass(frozen=True)
class ChallengeRow:
    code: str
    label: I18n
    controlled: bool
    city_count: int
    field_count: int
    shared: bool
    new: bool
    cells: tuple[Cell, ...]

    def by_city(self) -> dict[str, list[Cell]]:
        out: dict[str, list[Cell]] = {}
        for cell in self.cells:
            out.setdefault(cell.city, []).append(cell)
        return out

    def by_field(self) -> dict[str, list[Cell]]:
        out: dict[str, list[Cell]] = {}
        for cell in self.cells:
            out.setdefault(cell.field, []).append(cell)
        return out


@dataclass(frozen=True)
class ChallengeMatrix:
    point: Point
    previous: str | None
    cities: tuple[str, ...]
    fields: tuple[str, ...]
    rows: tuple[ChallengeRow, ...]

    @property
    def new_challenges(self) -> tuple[ChallengeRow, ...]:
        return tuple(r for r in self.rows if r.new)

    @property
    def shared_challenges(self) -> tuple[ChallengeRow, ...]:
        return tuple(r for r in self.rows if r.shared)


@dataclass(frozen=True)
class CellGroup:
    """The cells of one challenge in one city (or field) merged: what one matrix cell shows."""

    reports: list[int]
    projects: list[str]
    new_in_city: bool


def merge_cells(cells: Sequence[Cell]) -> CellGroup:
    """Distinct reports and projects of ``cells``, sorted; new only if new in every cell.

    The HTML page and ``challenges.json`` both show this, so both take it from here.
    """
    return CellGroup(
        reports=sorted({i for c in cells for i in c.report_ids}),
        projects=sorted({p for c in cells for p in c.projects}),
        new_in_city=all(c.new_in_city for c in cells),
    )


def build_matrix(ref: Reference, point: str, rows: Sequence[tuple]) -> ChallengeMatrix:
    """Group the rows of ``kc.challenge_matrix(point)``: shared first, then by how many cities."""
    grouped: dict[str, list[tuple]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    out = []
    for code, group in grouped.items():
        first = group[0]
        cells = tuple(
            Cell(r[3], r[4], tuple(r[5]), tuple(r[6]), bool(r[11]))
            for r in sorted(group, key=lambda r: (r[3], r[4]))
        )
        out.append(
            ChallengeRow(
                code=code,
                label=first[1],
                controlled=first[2],
                city_count=first[7],
                field_count=first[8],
                shared=first[9],
                new=first[10],
                cells=cells,
            )
        )
    order = {code: c.sort_order for code, c in ref.challenges.items()}
    out.sort(key=lambda r: (-r.city_count, -r.field_count, order.get(r.code, 999), r.code))
    previous = rows[0][12] if rows else (ref.previous(point).code if ref.previous(point) else None)
    seen_cities = {c.city for r in out for c in r.cells}
    cities = tuple(c for c, n in ref.cities.items() if n.lighthouse or c in seen_cities)
    return ChallengeMatrix(ref.point(point), previous, cities, tuple(ref.fields), tuple(out))


def matrix_document(matrix: ChallengeMatrix) -> dict:
    """The matrix as JSON-ready data: what ``challenges.json`` holds (language-independent)."""

    def group(cells: list[Cell], with_new: bool) -> dict:
        merged = merge_cells(cells)
        doc: dict = {"reports": merged.reports, "projects": merged.projects}
        if with_new:
            doc["new_in_city"] = merged.new_in_city
        return doc

    return {
        "point": matrix.point.code,
        "valid_at": matrix.point.valid_at.isoformat(),
        "previous_point": matrix.previous,
        "cities": list(matrix.cities),
        "thematic_fields": list(matrix.fields),
        "challenges": [
            {
                "code": r.code,
                "label": r.label,
                "controlled": r.controlled,
                "city_count": r.city_count,
                "field_count": r.field_count,
                "shared": r.shared,
                "new_since_previous": r.new,
                "by_city": {k: group(v, True) for k, v in r.by_city().items()},
                "by_field": {k: group(v, False) for k, v in r.by_field().items()},
                "cells": [
                    {
                        "city": c.city,
                        "thematic_field": c.field,
                        "reports": list(c.report_ids),
                        "projects": list(c.projects),
                    }
                    for c in r.cells
                ],
            }
            for r in matrix.rows
        ],
        "shared_challenges": [r.code for r in matrix.shared_challenges],
        "new_challenges": [r.code for r in matrix.new_challenges],
    }
