"""Levels of detail: blocks per grid cell keep the area and height of what they stand for."""

from __future__ import annotations

import numpy as np

from tiles import lod, tiling
from tiles.placement import Frame


def test_blocks_keep_area_height_and_points_and_are_bounded() -> None:
    rng = np.random.default_rng(7)
    n = 5000
    centres = rng.uniform(0, 3000, size=(n, 2))
    area = rng.uniform(50, 400, size=n)
    top = rng.uniform(5, 40, size=n)
    member = rng.choice([0b01, 0b11, 0b10], size=n)
    cell = lod.cell_size(centres)
    assert cell == np.ptp(centres, axis=0).max() / lod.GRID
    m = lod.merge(centres, area, top, member, cell)
    blocks = len(m.side)
    assert blocks <= 3 * (lod.GRID + 1) ** 2  # three sets of points
    # Every building is in one block of its own set of points, within a cell of it.
    owner_member = np.zeros(blocks, np.int64)
    owner_member[m.of] = member
    assert np.array_equal(owner_member[m.of], member)
    assert np.all(np.abs(m.centre[m.of] - centres) <= cell + 1e-9)
    # Area kept (the square of each block is its buildings' area, at most a cell).
    total = np.bincount(m.of, area, blocks)
    assert np.allclose(m.side**2, np.minimum(total, cell**2))
    # Height: the area-weighted mean of its buildings'.
    assert np.allclose(m.height, np.bincount(m.of, area * top, blocks) / total)
    mesh = lod.boxes(m, Frame.at(4.83, 45.76))
    assert len(mesh.positions) == 24 * blocks and mesh.feature.max() == blocks - 1


def test_each_level_halves_the_cell_and_errors_never_grow_downwards() -> None:
    side = 200
    xy = np.stack(np.meshgrid(np.arange(side), np.arange(side)), axis=-1).reshape(-1, 2) * 30.0
    tree = tiling.build(xy, np.full(len(xy), 20.0), 400)
    assert all(len(n.children) == 4 for n in tree.walk() if not n.is_leaf)
    errors = {}
    for node in tree.walk():
        if not node.is_leaf:
            errors[node.path] = lod.cell_size(xy[node.below()])
    root = errors["0"]
    assert root == (side - 1) * 30.0 / lod.GRID
    for path, error in errors.items():
        depth = path.count("-")
        assert error <= root / 2**depth * 1.05
