"""Levels of detail: inner tiles show their buildings merged into blocks, one per grid cell.

An inner tile covers the buildings of the leaves below it. Its content lays a grid of
``GRID`` x ``GRID`` cells over them and draws, per cell, one box: the area of the cell's
footprints (a square, at most the cell), at their area-weighted mean height, centred on their
area-weighted centre, coloured by the status covering most of that area. Its geometric error is
the cell size: no wall of the block is further than that from a wall it stands for. So a tile's
content has at most ``GRID``² boxes whatever the number of buildings, a level covers a quarter of
the area of the level above (``tiles.tiling``) with cells half as large, and a viewer at any
distance draws boxes of at most a few pixels' error until the real buildings are worth loading
(refinement ``REPLACE``). Above the lowest inner tiles the blocks are merged from the children's
blocks rather than from every building (``Parts``): the sums are the same, only a child's block
falls into a cell as a whole, by its centre; each inner tile's work is bounded by its grid.

Blocks are features like buildings, with ``buildings`` = how many they stand for,
``version_id`` 0 and ``lod`` 1: a box, whatever the level of detail of its buildings. A city
model's LoD2 building counts in its block like a footprint does, with its footprint's area and
its highest point as its height; exported at true heights (``kc tiles export --heights true``)
a block stands on the mean ground of its buildings, so it covers the ones it stands for. In the
temporal tileset a cell has one block per set of points its buildings are valid at, with the
same ``in_<point>`` / ``status_<point>`` properties as the buildings, so
one style shows a measurement point at every level of detail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tiles import temporal
from tiles.content import Content, stored
from tiles.geometry import Prisms, bounds, extrude
from tiles.metadata import PROPERTIES
from tiles.placement import Frame

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Cells on the longer side of an inner tile: at most GRID² blocks in its content.
GRID = 24


def cell_size(centres: FloatArray) -> float:
    """The grid cell (m) of a tile over buildings with these centres: its geometric error."""
    return grid_cell(*bounds(centres))


def grid_cell(lo: FloatArray, hi: FloatArray) -> float:
    """The grid cell (m) of a tile whose buildings' centres lie within ``lo`` .. ``hi``."""
    return max(float((hi - lo).max()) / GRID, 1.0)


@dataclass(frozen=True)
class Merged:
    """Blocks: their centres (local m), sides, heights, and each building's block."""

    centre: FloatArray  # (m, 2)
    side: FloatArray  # (m,)
    height: FloatArray  # (m,) roof, m above the ellipsoid
    of: IntArray  # (n,) block of each building given
    base: FloatArray | None = None  # (m,) floor, m above the ellipsoid; None: 0


def merge(
    centres: FloatArray,
    area: FloatArray,
    top: FloatArray,
    key: IntArray,
    cell: float,
    ground: FloatArray | None = None,
):
    """Blocks of buildings per grid cell and ``key`` (a building's set of points, or 0).

    ``top`` and ``ground`` are heights above the ellipsoid as drawn (``tiles.layout.Layout``);
    a block stands on the area-weighted mean ground of its buildings when one of them is not
    drawn on the ellipsoid (city models at their true heights), else on 0."""
    ground = np.zeros(len(area)) if ground is None else ground
    status = np.zeros((1, len(area)), np.int64)
    parts = Parts.of_buildings(centres, area, top, ground, key, status, 1)
    grouped, _, of = group(parts, bounds(centres)[0], cell)
    return grouped.blocks(cell, of)


@dataclass(frozen=True)
class Parts:
    """What blocks are merged from: buildings, or the blocks of the tiles below, as sums.

    A tile's blocks are merged from its children's blocks, not from every building below it:
    areas, counts, area-weighted centres, heights and status areas add up exactly, only the
    cell a child's block falls in is decided by its centre instead of each building's. So an
    inner tile's work and memory are bounded by its grid (at most ``(GRID + 1)²`` parts per set
    of points and child), whatever the number of buildings below it.
    """

    centre: FloatArray  # (m, 2) area-weighted centre (local m)
    area: FloatArray  # (m,) footprint area, m² (at least AREA_FLOOR per building)
    top: FloatArray  # (m,) area-weighted roof height, m above the ellipsoid as drawn
    ground: FloatArray  # (m,) area-weighted ground, m above the ellipsoid as drawn
    count: IntArray  # (m,) buildings
    member: IntArray  # (m,) set of points the buildings are valid at (bit mask)
    status: FloatArray  # (m, points, kinds) footprint area per status index at each point

    def __len__(self) -> int:
        return len(self.area)

    @staticmethod
    def of_buildings(centres, area, top, ground, member, status: IntArray, kinds: int) -> Parts:
        """Buildings as parts; ``status``: (points, n) index of each one's status."""
        weight = np.maximum(area, AREA_FLOOR)
        table = np.zeros((len(weight), status.shape[0], kinds))
        rows = np.arange(len(weight))
        for k in range(status.shape[0]):
            table[rows, k, status[k]] = weight
        return Parts(centres, weight, top, ground, np.ones(len(weight), np.int64), member, table)

    @staticmethod
    def join(parts: list[Parts]) -> Parts:
        return Parts(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in Parts.__dataclass_fields__)
        )

    def take(self, which) -> Parts:
        return Parts(*(getattr(self, f)[which] for f in Parts.__dataclass_fields__))

    def blocks(self, cell: float, of: IntArray | None = None) -> Merged:
        """One block per part: a square of its area (at most the cell), at its height."""
        of = np.arange(len(self)) if of is None else of
        base = self.ground if self.ground.any() else None
        return Merged(self.centre, np.minimum(np.sqrt(self.area), cell), self.top, of, base)


#: The least footprint area a building counts with (m²): a weight, never 0.
AREA_FLOOR = 1e-6


def _sum(parts: Parts, of: IntArray, m: int) -> Parts:
    """The parts summed into ``m`` sums, part i into sum ``of[i]``."""
    area = np.bincount(of, parts.area, m)
    centre = np.column_stack(
        [np.bincount(of, parts.area * parts.centre[:, k], m) / area for k in (0, 1)]
    )
    member = np.zeros(m, np.int64)
    np.bitwise_or.at(member, of, parts.member)
    flat = parts.status.reshape(len(parts), -1)
    status = np.column_stack([np.bincount(of, flat[:, j], m) for j in range(flat.shape[1])])
    status = status.reshape(m, *parts.status.shape[1:])
    return Parts(
        centre,
        area,
        np.bincount(of, parts.area * parts.top, m) / area,
        np.bincount(of, parts.area * parts.ground, m) / area,
        np.bincount(of, parts.count, m).astype(np.int64),
        member,
        status,
    )


def group(parts: Parts, origin: FloatArray, cell: float) -> tuple[Parts, IntArray, IntArray]:
    """The parts summed per grid cell (of ``cell`` m from ``origin``) and set of points:
    (the sums, each sum's cell, each part's sum)."""
    ix = np.clip(np.floor((parts.centre - origin) / cell).astype(np.int64), 0, GRID)
    cells = ix[:, 1] * (GRID + 1) + ix[:, 0]
    codes, of = np.unique(parts.member * (GRID + 1) ** 2 + cells, return_inverse=True)
    return _sum(parts, of, len(codes)), codes % (GRID + 1) ** 2, of


def boxes(m: Merged, frame: Frame):
    """The mesh of the blocks: closed boxes on the ellipsoid, roofs at their heights."""
    n = len(m.side)
    half = m.side[:, None] / 2
    corners = np.stack(
        [
            m.centre + np.column_stack([-half, -half]),
            m.centre + np.column_stack([half, -half]),
            m.centre + np.column_stack([half, half]),
            m.centre + np.column_stack([-half, half]),
        ],
        axis=1,
    ).reshape(-1, 2)  # counter-clockwise seen from above
    geo = frame.to_geographic(np.column_stack([corners, np.zeros(len(corners))]))
    lonlat = geo[:, :2]
    owner = np.repeat(np.arange(n, dtype=np.int64), 4)
    first = 4 * np.arange(n, dtype=np.int64)[:, None]
    roof = np.concatenate([first + np.array([0, 1, 2]), first + np.array([0, 2, 3])])
    edge = first + np.arange(4)
    walls = np.column_stack([edge.reshape(-1), (first + (np.arange(4) + 1) % 4).reshape(-1)])
    shape = Prisms(lonlat, owner, roof[np.argsort(roof[:, 0] // 4, kind="stable")], walls)
    floor = np.zeros(len(lonlat)) if m.base is None else np.repeat(m.base, 4)
    base = frame.to_local(lonlat[:, 0], lonlat[:, 1], floor)
    up = frame.up(lonlat[:, 0], lonlat[:, 1])
    return extrude(shape, base, base + up * (np.repeat(m.height, 4) - floor)[:, None], up)


@dataclass(frozen=True)
class InnerTask:
    """The blocks of one inner tile, per point and temporal (no database needed)."""

    path: str
    city: str
    origin: tuple[float, float]
    cell: float
    parts: Parts  # the buildings below, summed per cell of the tile's grid and set of points
    cells: IntArray  # (m,) each part's cell
    codes: list[str | None]  # status codes, [None, ...]
    points: list[str]
    dates: list[dt.date]
    palette: dict[str, str]
    fmt: str
    store: str
    temporal: bool

    def run(self, cur=None) -> InnerResult:
        frame = Frame.at(*self.origin)
        folder = Path(self.store)
        per_point: list[Content | None] = []
        for k in range(len(self.points)):
            keep = np.flatnonzero((self.parts.member >> k) & 1 == 1)
            if not len(keep):
                per_point.append(None)
                continue
            # The tile's blocks at this point: its parts valid there, summed per cell.
            cells, of = np.unique(self.cells[keep], return_inverse=True)
            merged = _sum(self.parts.take(keep), of, len(cells))
            status = merged.status[:, k, :].argmax(axis=1)
            m = merged.blocks(self.cell)
            # No dates: a block is the same file at every point where its buildings are.
            cols = self._columns(m, merged.count, [self.codes[s] for s in status])
            cols |= {"valid_from": [""] * len(merged), "valid_to": [None] * len(merged)}
            per_point.append(
                stored(folder, boxes(m, frame), PROPERTIES, cols, self.palette, self.fmt)
            )
        whole = None
        if self.temporal:
            m = self.parts.blocks(self.cell)
            whole = stored(folder, boxes(m, frame), *self._temporal(m), self.palette, self.fmt)
        return InnerResult(self.path, per_point, whole)

    def _after(self, k: int) -> str | None:
        return self.dates[k + 1].isoformat() if k + 1 < len(self.dates) else None

    def _columns(self, m: Merged, counts: IntArray, status: list) -> dict[str, list]:
        n = len(counts)
        return {
            "version_id": [0] * n,
            "building_id": [0] * n,
            "source_id": [""] * n,
            "city": [self.city] * n,
            "height": (m.height if m.base is None else m.height - m.base).tolist(),
            "storeys": [None] * n,
            "height_estimated": [False] * n,
            "base_elevation": [None] * n,
            "status": status,
            "project_codes": [None] * n,
            "projects": ["[]"] * n,
            "buildings": counts.tolist(),
            "lod": [1] * n,  # a box: CityGML's LoD1 block, standing for its buildings
            "roof_type": [None] * n,
        }

    def _temporal(self, m: Merged):
        blocks = len(m.side)
        member = self.parts.member  # one block per part: every building in it has the same
        cols = self._columns(m, self.parts.count, [None] * blocks)
        del cols["status"], cols["project_codes"], cols["projects"]
        first = [(int(b) & -int(b)).bit_length() - 1 for b in member]
        last = [int(b).bit_length() - 1 for b in member]
        cols["valid_from"] = [self.dates[f].isoformat() for f in first]
        cols["valid_to"] = [self._after(v) for v in last]
        cols["from_day"] = [(self.dates[f] - temporal.EPOCH).days for f in first]
        cols["to_day"] = [
            (self.dates[v + 1] - temporal.EPOCH).days if v + 1 < len(self.dates) else None
            for v in last
        ]
        latest: list = [None] * blocks
        for k, point in enumerate(self.points):
            valid = (member >> k) & 1 == 1
            status = self.parts.status[:, k, :].argmax(axis=1)
            codes = [self.codes[s] if v else None for s, v in zip(status, valid, strict=True)]
            cols[f"in_{point}"] = valid.tolist()
            cols[f"status_{point}"] = codes
            cols[f"projects_{point}"] = ["[]"] * blocks
            latest = [c if v else old for c, v, old in zip(codes, valid, latest, strict=True)]
        cols["status"] = latest
        return temporal.properties(self.points), cols


@dataclass(frozen=True)
class InnerResult:
    path: str
    per_point: list[Content | None]
    temporal: Content | None
