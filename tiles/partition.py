"""A city cut into partitions of bounded size, so the export's memory does not grow with it.

The layout of a city (``tiles.read.spill_layout``) goes to a file, not into memory. Read back in
chunks, it gives the city's extent, per-point bounds and counts (``Summary``) and the number of
buildings per cell of a ``GRID_CELLS`` x ``GRID_CELLS`` grid over the buildings' centres. A
quadtree over that grid (``plan``) splits a square of cells into its four quarters until a square
holds at most ``PARTITION_FEATURES`` buildings (or is a single cell): its squares that are not
split are the partitions. Each partition's rows go to a file of their own (``split``); the
export reads one partition at a time, builds its kd-tree (``tiles.tiling``) below the square's
tile and hands its tiles to the workers; above the partitions it keeps only what each one sums
up to (its tree without buildings, the bounds of its centres, its LOD parts: ``tiles.lod.Parts``).

A city of at most ``PARTITION_FEATURES`` buildings is one partition: the tree of the whole city.
A square with a single non-empty quarter is that quarter (no tile above it that only repeats it).
Squares and cells depend only on the data, so the tree does, whatever the number of processes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tiles.layout import Layout
from tiles.placement import Frame
from tiles.read import LAYOUT_ROW, spilled

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Buildings per partition, at most (but for one grid cell holding more): what the export's
#: main process holds of a city at a time (about 225 bytes each).
PARTITION_FEATURES = 25_000
#: Cells on each side of the grid the partitions are made of.
GRID_CELLS = 256
#: Rows read from a spilled layout at a time (~10 MB).
CHUNK_ROWS = 1 << 16


def chunks(path: Path) -> Iterator[Layout]:
    """The spilled layout in ``path``, ``CHUNK_ROWS`` versions at a time, in order."""
    with path.open("rb") as f:
        while True:
            rows = np.fromfile(f, LAYOUT_ROW, CHUNK_ROWS)
            if not len(rows):
                return
            yield spilled(rows)


def read_part(path: Path) -> Layout:
    """A partition's layout (written by ``split``)."""
    return spilled(np.fromfile(path, LAYOUT_ROW))


@dataclass
class Summary:
    """What the tilesets' descriptions need of the whole city, gathered chunk by chunk:
    per point (and, last, for all versions) the bounds, lowest and highest point and count."""

    points: int
    lo: FloatArray = field(init=False)  # (points + 1, 3) west, south, bottom
    hi: FloatArray = field(init=False)  # (points + 1, 3) east, north, top
    count: IntArray = field(init=False)  # (points + 1,)
    size: float = 0.0  # the largest building's size (``Layout.sizes``)

    def __post_init__(self) -> None:
        self.lo = np.full((self.points + 1, 3), np.inf)
        self.hi = np.full((self.points + 1, 3), -np.inf)
        self.count = np.zeros(self.points + 1, np.int64)

    def add(self, layout: Layout) -> None:
        for k in range(self.points + 1):
            valid = layout.at(k) if k < self.points else np.ones(len(layout), bool)
            if not valid.any():
                continue
            box = layout.box[valid]
            lo = [box[:, 0].min(), box[:, 1].min(), layout.bottom[valid].min()]
            hi = [box[:, 2].max(), box[:, 3].max(), layout.top[valid].max()]
            self.lo[k] = np.minimum(self.lo[k], lo)
            self.hi[k] = np.maximum(self.hi[k], hi)
            self.count[k] += int(valid.sum())
        self.size = max(self.size, float(layout.sizes().max()))

    def region(self, k: int | None = None) -> tuple[float, float, float, float, float, float]:
        """As ``Layout.region`` of the versions valid at point ``k`` (None: all of them)."""
        k = self.points if k is None else k
        (west, south, bottom), (east, north, top) = self.lo[k], self.hi[k]
        return (
            float(np.radians(west)),
            float(np.radians(south)),
            float(np.radians(east)),
            float(np.radians(north)),
            float(min(0.0, bottom)),
            float(top),
        )

    def frame(self) -> Frame:
        """As ``Layout.frame``: the centre of the extent, at ground level."""
        (west, south, _), (east, north, _) = self.lo[-1], self.hi[-1]
        return Frame.at((west + east) / 2, (south + north) / 2, 0.0)


@dataclass(frozen=True)
class Grid:
    """The grid over the centres (local m): origin and cell side."""

    origin: FloatArray
    side: float

    @staticmethod
    def over(lo: FloatArray, hi: FloatArray) -> Grid:
        return Grid(lo, max(float((hi - lo).max()) / GRID_CELLS, 1e-6))

    def cells(self, centres: FloatArray) -> IntArray:
        """Each centre's cell: row * GRID_CELLS + column."""
        ix = np.clip(
            np.floor((centres - self.origin) / self.side).astype(np.int64), 0, GRID_CELLS - 1
        )
        return ix[:, 1] * GRID_CELLS + ix[:, 0]


@dataclass
class Square:
    """A square of the quadtree: its tile's path, cells, buildings; a partition or split."""

    path: str
    column: int
    row: int
    size: int  # cells on a side
    count: int
    children: list[Square] = field(default_factory=list)
    part: int | None = None  # the partition's number (depth-first), None: split


def plan(
    counts: IntArray, limit: int = PARTITION_FEATURES, collapse: bool = True
) -> tuple[Square, IntArray]:
    """The quadtree over the grid's ``counts`` (GRID_CELLS², row-major) and each cell's
    partition number (-1: empty). ``collapse``: a square with a single non-empty quarter is
    that quarter; without it every level of the quadtree is there (implicit tiling,
    ``tiles.quadtree``: a tile's level and place are those of its square)."""
    grid = counts.reshape(GRID_CELLS, GRID_CELLS)
    owner = np.full((GRID_CELLS, GRID_CELLS), -1, np.int64)
    parts = 0

    def square(path: str, column: int, row: int, size: int) -> Square:
        nonlocal parts
        count = int(grid[row : row + size, column : column + size].sum())
        if count <= limit or size == 1:
            owner[row : row + size, column : column + size] = parts
            parts += 1
            return Square(path, column, row, size, count, part=parts - 1)
        half = size // 2
        quarters = [
            (column + dx, row + dy)
            for dy, dx in ((0, 0), (0, half), (half, 0), (half, half))
            if grid[row + dy : row + dy + half, column + dx : column + dx + half].any()
        ]
        if len(quarters) == 1 and collapse:
            return square(path, *quarters[0], half)
        children = [square(f"{path}-{k}", c, r, half) for k, (c, r) in enumerate(quarters)]
        return Square(path, column, row, size, count, children)

    root = square("0", 0, 0, GRID_CELLS)
    owner[grid == 0] = -1
    return root, owner.reshape(-1)


def grid_of(summary: Summary, frame: Frame) -> Grid:
    """The grid over the extent of a city (``summary``) in its local ``frame``."""
    (west, south, _), (east, north, _) = summary.lo[-1], summary.hi[-1]
    corners = frame.to_local(np.array([west, east]), np.array([south, north]), np.zeros(2))
    return Grid.over(corners[0, :2], corners[1, :2])


def cut(
    path: Path,
    summary: Summary,
    frame: Frame,
    limit: int,
    folder: Path,
    collapse: bool = True,
) -> tuple[Square, list[Path]]:
    """The spilled layout in ``path`` (of extent ``summary``) cut into partitions of at most
    ``limit`` buildings: their quadtree (``plan``) and each partition's file (in ``folder``)."""
    grid = grid_of(summary, frame)
    counts = np.zeros(GRID_CELLS**2, np.int64)
    for chunk in chunks(path):
        counts += np.bincount(grid.cells(chunk.centres(frame)), minlength=len(counts))
    square, owner = plan(counts, limit, collapse)
    return square, split(path, frame, grid, owner, folder)


def split(path: Path, frame: Frame, grid: Grid, owner: IntArray, folder: Path) -> list[Path]:
    """The spilled layout in ``path`` cut into one file per partition (in version order),
    ``folder/<number>``; their paths by number."""
    files = [folder / f"part-{p}" for p in range(int(owner.max()) + 1)]
    with path.open("rb") as f:
        while True:
            rows = np.fromfile(f, LAYOUT_ROW, CHUNK_ROWS)
            if not len(rows):
                break
            part = owner[grid.cells(spilled(rows).centres(frame))]
            for p in np.unique(part):
                with files[p].open("ab") as out:
                    rows[part == p].tofile(out)
    return files
