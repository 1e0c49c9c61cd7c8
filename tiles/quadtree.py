"""A regular quadtree over a city: the tree of an implicit tileset (``tiles.implicit``).

3D Tiles implicit tiling describes a tree by where its tiles are, not by their volumes: tile
(level, x, y) of a QUADTREE is the square x, y of the root square cut into 2^level x 2^level
(x east, y north, 0 at the west and south edges). So the tree is a regular quadtree over the
same square as the partition grid (``tiles.partition.Grid``, ``GRID_CELLS`` cells on a side:
a partition's square of ``size`` cells is a tile at level log2(GRID_CELLS / size)), and below a
partition's square the quadtree goes on: a tile holding more than ``max_features`` buildings is
split into its four quarters, each building into the quarter its centre lies in (a centre on
the edge of the square, or a hair outside it, in the nearest one), down to ``MAX_LEVEL``.

A building may stick out of the square its centre lies in, so the volumes the export writes are
those of the content, not the squares (``tiles.implicit``). Tiles without buildings are not in
the tree (unavailable). Like the kd-tree (``tiles.tiling``), the tree depends only on the data.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tiles.partition import GRID_CELLS, Grid, Square
from tiles.tiling import Node

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: The deepest level: x, y < 2^16, the Morton indices CesiumJS computes (16 bits each); about
#: half a metre on a side for a city of 30 km.
MAX_LEVEL = 16


def path_of(level: int, x: int, y: int) -> str:
    """A tile's path in the export (the keys of its contents): ``level-x-y``."""
    return f"{level}-{x}-{y}"


def coords_of(square: Square) -> tuple[int, int, int]:
    """The (level, x, y) of a partition quadtree's square (``tiles.partition.plan`` without
    collapsing)."""
    level = (GRID_CELLS // square.size).bit_length() - 1
    return level, square.column // square.size, square.row // square.size


def build(
    centres: FloatArray,
    sizes: FloatArray,
    max_features: int,
    grid: Grid,
    coords: tuple[int, int, int],
) -> Node:
    """The quadtree of the buildings with ``centres`` (n, 2; local m) and ``sizes`` below the
    tile ``coords`` = (level, x, y) of the square of ``grid``: its leaves hold at most
    ``max_features`` buildings (but at ``MAX_LEVEL``). An inner tile's geometric error is,
    as in ``tiles.tiling``, its largest building's size (the export sets the LOD's)."""
    if max_features < 1:
        raise ValueError(f"max_features must be at least 1, found {max_features}")
    idx = np.arange(len(centres), dtype=np.int64)
    side = grid.side * GRID_CELLS
    return _split(idx, centres, sizes, max_features, grid.origin, side, *coords)


def _split(
    idx: IntArray,
    centres: FloatArray,
    sizes: FloatArray,
    limit: int,
    origin: FloatArray,
    side: float,
    level: int,
    x: int,
    y: int,
) -> Node:
    path = path_of(level, x, y)
    if len(idx) <= limit or level >= MAX_LEVEL:
        return Node(path, np.sort(idx), 0.0, coords=(level, x, y))
    cell = side / 2 ** (level + 1)
    pts = centres[idx]
    cx = np.clip(np.floor((pts[:, 0] - origin[0]) / cell).astype(np.int64), 2 * x, 2 * x + 1)
    cy = np.clip(np.floor((pts[:, 1] - origin[1]) / cell).astype(np.int64), 2 * y, 2 * y + 1)
    children = []
    for dy in (0, 1):  # Morton order: x fastest
        for dx in (0, 1):
            which = idx[(cx == 2 * x + dx) & (cy == 2 * y + dy)]
            if len(which):
                children.append(
                    _split(
                        which,
                        centres,
                        sizes,
                        limit,
                        origin,
                        side,
                        level + 1,
                        2 * x + dx,
                        2 * y + dy,
                    )
                )
    error = float(sizes[idx].max())
    return Node(path, np.zeros(0, np.int64), error, children, coords=(level, x, y))
