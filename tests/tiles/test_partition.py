"""The quadtree a city is cut into partitions by (``tiles.partition.plan``), on grids of counts."""

from __future__ import annotations

import numpy as np

from tiles.partition import GRID_CELLS, plan


def _squares(square):
    yield square
    for child in square.children:
        yield from _squares(child)


def test_partitions_cover_every_building_once_and_hold_at_most_the_limit() -> None:
    rng = np.random.default_rng(7)
    # A dense centre and a sparse outskirt, as a city.
    xy = np.concatenate([rng.normal(128, 12, (40_000, 2)), rng.uniform(0, 256, (10_000, 2))])
    xy = np.clip(xy, 0, GRID_CELLS - 1).astype(np.int64)
    counts = np.bincount(xy[:, 1] * GRID_CELLS + xy[:, 0], minlength=GRID_CELLS**2)
    root, owner = plan(counts, 2_000)
    parts = [s for s in _squares(root) if s.part is not None]
    assert [s.part for s in parts] == list(range(len(parts))) and len(parts) > 25
    assert sum(s.count for s in parts) == 50_000
    assert all(s.count <= 2_000 or s.size == 1 for s in parts)
    # Each non-empty cell belongs to the partition whose square holds it, empty ones to none.
    assert np.all((owner >= 0) == (counts > 0))
    grid = counts.reshape(GRID_CELLS, GRID_CELLS)
    for s in parts:
        square = (slice(s.row, s.row + s.size), slice(s.column, s.column + s.size))
        cells = owner.reshape(GRID_CELLS, GRID_CELLS)[square]
        assert set(np.unique(cells)) <= {s.part, -1}
        assert grid[square][cells == s.part].sum() == s.count == grid[square].sum()
    # A split square has at least two non-empty quarters (no tile only repeating its child),
    # numbered in its path.
    for s in _squares(root):
        assert s.part is not None or len(s.children) >= 2
        assert all(c.path == f"{s.path}-{k}" for k, c in enumerate(s.children))


def test_a_city_within_the_limit_is_one_partition_the_whole_tree() -> None:
    counts = np.zeros(GRID_CELLS**2, np.int64)
    counts[[5, 700, 65_000]] = [10, 20, 30]
    root, owner = plan(counts, 60)
    assert root.part == 0 and root.path == "0" and not root.children and root.count == 60
    assert set(owner[counts > 0]) == {0} and set(owner[counts == 0]) == {-1}
