"""Helpers to build small building snapshots for the versioning tests."""

from __future__ import annotations

from gis.store.building_snapshots import apply_staged, stage_rows
from gis.store.versioning import SnapshotSummary

LYON = (4.8200, 45.7350)


def square(index: int, size: float = 0.0001) -> str:
    """A small square footprint in Lyon Confluence as EWKT (one per index, never overlapping)."""
    x0, y0 = LYON[0] + (index % 50) * 0.0003, LYON[1] + (index // 50) * 0.0003
    x1, y1 = x0 + size, y0 + size
    return f"SRID=4326;MULTIPOLYGON((({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0})))"


def row(source_id: str, height: float, index: int | None = None) -> tuple:
    index = int(source_id.strip("B")) if index is None else index
    return (source_id, square(index), height, False, None, 170.0, None, "EPSG:3946", {"n": index})


def load(conn, city: str, point: str, heights: dict[str, float]) -> SnapshotSummary:
    """Apply ``{source_id: height}`` as the snapshot of ``city`` at ``point``, committed."""
    with conn:
        cur = conn.cursor()
        stage_rows(cur, [row(sid, h) for sid, h in heights.items()])
        return apply_staged(conn, city, point, source=f"test-{point}")


def counts(summary: SnapshotSummary) -> tuple[int, int, int, int]:
    return summary.new, summary.changed, summary.unchanged, summary.ended
