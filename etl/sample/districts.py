"""Synthetic sample districts for the demo and benchmarks (the real data cannot be shipped).

Deterministic (seeded per city and per street block) and built in each city's own CRS: a street
grid, turned to the city's main street direction, with blocks of different sizes, lies over the
district's boundary (``config/cities.yaml``); each block gets a typology of the city (perimeter
blocks with courtyards, courtyard buildings, slab rows, towers, houses, large single buildings,
parks) and its buildings get their own footprint, storeys and roof. Buildings outside the
boundary are left out, so the district's edge follows the boundary. Plots are numbered from the
district's middle outwards: a small ``count`` is a compact core, ``None`` the whole district;
a count beyond the district's capacity continues in blocks around it (benchmarks).

Across PM18, PM24 and PM30 the district changes: refurbishments add a storey, new buildings fill
vacant plots and whole blocks are built, some buildings are demolished. The implementation
projects and Common Reporting answers come from the SMARTER TOGETHER deliverable D2.1.1
(``../shared/seed/smarter-together-d2.1.1.txt``). Everything is labelled synthetic where it shows
(source ids ``<CITY>-SYN-<n>``, an ``origin`` attribute, titles). The files written are real
GeoPackage, GeoJSON and XLSX files, loaded through the real loaders.

Where real buildings exist (Lyon 1er, IGN BD TOPO, in ``../shared/data``), ``load_sample`` can
load them instead of the synthetic ones (``real={"lyon": path}``): read in place, the same at every
point, with the sample projects placed on their street blocks.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyproj import Transformer

from gis.store.reference import read_yaml
from gis.store.settings import CONFIG_DIR, PROJECT_ROOT

POINTS = ("PM18", "PM24", "PM30")
#: Plots per city for the demo: ``None`` = every block inside the district's boundary.
DEMO_COUNT: int | None = None
#: Bump when the generator's output changes, so that ``kc sample load`` rewrites the files.
VERSION = 3
SYNTHETIC = "synthetic"
#: Real buildings that can replace a city's synthetic ones (``real=`` of :func:`load_sample`).
REAL_BUILDINGS = {
    "lyon": PROJECT_ROOT.parent
    / "shared"
    / "data"
    / "lyon1_bdtopo_buildings"
    / "buildings_lyon1.geojson",
}
REAL = "real"

#: Grid cells (column, row from the district's middle) of the blocks the sample projects use,
#: in the order of ``SampleProject.blocks``: 0-3 one row along a street, 6-7 side by side.
PROJECT_CELLS = (
    (-2, 0),
    (-1, 0),
    (0, 0),
    (1, 0),
    (1, 1),
    (-2, -1),
    (-1, 1),
    (0, 1),
    (2, -1),
    (-2, 1),
)

Shape = tuple[float, float, float, float] | shapely.Geometry  # a box (x0, y0, x1, y1) or a polygon


@dataclass(frozen=True)
class Building:
    shape: Shape  # in the block's frame: (0, 0) is its south-west corner
    storeys: int
    usage: str


@dataclass(frozen=True)
class Zone:
    """A part of the district with its own street grid: its seed ``offset`` (metres from the
    district's middle; the parts are the Voronoi cells of the seeds, main roads between them),
    the grid's direction (degrees anticlockwise from east) and its block typologies' weights
    (``None``: the city's)."""

    offset: tuple[float, float]
    angle: float
    kinds: dict[str, float] | None = None


@dataclass(frozen=True)
class CitySpec:
    code: str
    prefix: str
    epsg: int
    ground: float
    seed: int
    #: The district's parts, each with its own street grid (the first holds the middle).
    zones: tuple[Zone, ...]
    #: Block width and depth ranges in metres (between the streets).
    width: tuple[float, float]
    depth: tuple[float, float]
    #: Street width range; every fifth street is an avenue of ``avenue`` metres.
    street: tuple[float, float]
    avenue: float
    #: Block typologies and their weights (see ``TYPOLOGIES``).
    kinds: dict[str, float]
    #: Storeys (low, high) per typology.
    storeys: dict[str, tuple[int, int]]
    #: Typology of some project blocks (index in ``PROJECT_CELLS``).
    project_kinds: dict[int, str] = field(default_factory=dict)
    french_fields: bool = False  # Lyon's file uses the IGN BD TOPO field names


CITIES = {
    # Confluence: perimeter blocks and courtyards of the new quarter, offices and old halls.
    "lyon": CitySpec(
        "lyon",
        "LYO",
        3946,
        165.0,
        3946,
        zones=(
            Zone((0, 0), 68.0),
            # The new quarter in the south: offices, halls and courtyards on another grid.
            Zone(
                (200, -900),
                38.0,
                {
                    "large": 0.3,
                    "perimeter": 0.2,
                    "courtyard": 0.18,
                    "towers": 0.1,
                    "park": 0.14,
                    "square": 0.08,
                },
            ),
        ),
        width=(80, 130),
        depth=(60, 95),
        street=(12, 18),
        avenue=28,
        kinds={
            "perimeter": 0.30,
            "courtyard": 0.14,
            "large": 0.16,
            "towers": 0.08,
            "slabs": 0.10,
            "houses": 0.04,
            "park": 0.10,
            "square": 0.08,
        },
        storeys={
            "perimeter": (4, 8),
            "courtyard": (5, 8),
            "large": (2, 5),
            "towers": (9, 15),
            "slabs": (4, 7),
            "houses": (1, 3),
            "park": (1, 1),
            "square": (1, 2),
        },
        project_kinds={1: "perimeter", 2: "large"},
        french_fields=True,
    ),
    # Neuaubing-Westkreuz: 1960s-1980s slab estates and towers, row and detached houses, green.
    "munich": CitySpec(
        "munich",
        "MUC",
        25832,
        525.0,
        25832,
        zones=(
            Zone((0, 0), -8.0),
            # Terraced and detached houses in the north-west, the estate with towers in the east.
            Zone(
                (-1100, 600),
                12.0,
                {
                    "houses": 0.55,
                    "slabs": 0.1,
                    "large": 0.08,
                    "courtyard": 0.05,
                    "park": 0.2,
                    "towers": 0.02,
                },
            ),
            Zone(
                (1000, -500),
                -30.0,
                {"slabs": 0.35, "towers": 0.2, "large": 0.15, "perimeter": 0.1, "park": 0.2},
            ),
        ),
        width=(120, 200),
        depth=(90, 150),
        street=(14, 20),
        avenue=30,
        kinds={
            "slabs": 0.30,
            "towers": 0.10,
            "houses": 0.22,
            "large": 0.10,
            "perimeter": 0.06,
            "courtyard": 0.04,
            "park": 0.18,
        },
        storeys={
            "slabs": (3, 9),
            "towers": (10, 16),
            "houses": (1, 3),
            "large": (1, 4),
            "perimeter": (3, 5),
            "courtyard": (3, 6),
            "park": (1, 1),
        },
        project_kinds={6: "slabs", 7: "slabs", 5: "large"},
    ),
    # Simmering: perimeter blocks, municipal courtyard estates (Gemeindebau), slabs, houses.
    "vienna": CitySpec(
        "vienna",
        "VIE",
        31256,
        160.0,
        31256,
        zones=(
            Zone((0, 0), -38.0),
            # Estates and commerce towards the railway in the east, houses in the south-west.
            Zone(
                (1300, 200),
                -10.0,
                {"slabs": 0.3, "large": 0.25, "courtyard": 0.15, "park": 0.2, "towers": 0.1},
            ),
            Zone(
                (-1300, -300),
                -55.0,
                {"houses": 0.5, "perimeter": 0.15, "park": 0.2, "large": 0.1, "slabs": 0.05},
            ),
        ),
        width=(90, 150),
        depth=(70, 110),
        street=(12, 18),
        avenue=30,
        kinds={
            "perimeter": 0.28,
            "courtyard": 0.18,
            "slabs": 0.12,
            "houses": 0.14,
            "large": 0.10,
            "towers": 0.03,
            "park": 0.15,
        },
        storeys={
            "perimeter": (4, 6),
            "courtyard": (5, 8),
            "slabs": (4, 9),
            "houses": (1, 2),
            "large": (1, 4),
            "towers": (8, 12),
            "park": (1, 1),
        },
        project_kinds={6: "courtyard", 7: "courtyard", 4: "large", 5: "perimeter"},
    ),
}


@cache
def boundary(city: str) -> shapely.Geometry:
    """The district's boundary from ``config/cities.yaml``, in the city's CRS."""
    spec = CITIES[city]
    entry = next(c for c in read_yaml(CONFIG_DIR / "cities.yaml", "cities") if c["code"] == city)
    to_local = Transformer.from_crs(4326, spec.epsg, always_xy=True)
    return shapely.transform(
        shapely.from_wkt(entry["boundary"]), lambda xy: np.column_stack(to_local.transform(*xy.T))
    )


# --- block typologies ------------------------------------------------------------------------
# Each takes the block's random generator, its width and depth and the storey range, and returns
# its buildings in the block's frame.


def _split(
    r: random.Random, length: float, low: float, high: float
) -> Iterator[tuple[float, float]]:
    """Consecutive plots along ``length``: widths between ``low`` and ``high``, none shorter than
    ``low`` at the end."""
    start = 0.0
    while length - start > 1.0:
        end = start + r.uniform(low, high)
        if length - end < low:
            end = length
        yield start, end
        start = end


def _storeys(r: random.Random, span: tuple[int, int]) -> int:
    return r.randint(*span)


def perimeter(r: random.Random, w: float, d: float, span: tuple[int, int]) -> list[Building]:
    """A perimeter block: narrow buildings along the four streets around a courtyard, with gaps."""
    depth = r.uniform(10.0, 14.0)
    base = _storeys(r, span)
    out: list[Building] = []

    def add(box: tuple[float, float, float, float], edge: bool) -> None:
        if not edge and r.random() < 0.1:
            return  # a gap: a passage into the courtyard, a vacant plot
        storeys = max(1, min(span[1] + 1, base + r.choice((-1, 0, 0, 0, 1))))
        out.append(Building(box, storeys, r.choice(("residential", "residential", "mixed"))))

    for south in (True, False):
        for x0, x1 in _split(r, w, 12.0, 26.0):
            deep = depth * r.uniform(0.8, 1.0)
            box = (x0, 0.0, x1, deep) if south else (x0, d - deep, x1, d)
            add(box, x0 == 0.0 or x1 == w)
    for west in (True, False):
        inner = d - 2 * depth
        if inner < 10:
            continue
        for y0, y1 in _split(r, inner, 12.0, 24.0):
            deep = depth * r.uniform(0.8, 1.0)
            box = (
                (0.0, depth + y0, deep, depth + y1)
                if west
                else (w - deep, depth + y0, w, depth + y1)
            )
            add(box, False)
    if r.random() < 0.3 and inner_space(w, d, depth) > 20:
        x, y = r.uniform(depth + 4, w - depth - 14), r.uniform(depth + 4, d - depth - 12)
        out.append(Building((x, y, x + r.uniform(6, 10), y + r.uniform(5, 8)), 1, "garage"))
    return out


def inner_space(w: float, d: float, depth: float) -> float:
    return min(w, d) - 2 * depth


def courtyard(r: random.Random, w: float, d: float, span: tuple[int, int]) -> list[Building]:
    """One or two courtyard buildings (a closed ring, or a U open to one side)."""
    halves = [(0.0, w)]
    if w > 120 and r.random() < 0.7:
        gap = r.uniform(10, 16)
        halves = [(0.0, (w - gap) / 2), ((w + gap) / 2, w)]
    out = []
    for x0, x1 in halves:
        m = r.uniform(0.0, 4.0)
        depth = r.uniform(11.0, 14.0)
        outer = shapely.box(x0 + m, m, x1 - m, d - m)
        if min(x1 - x0, d) - 2 * (m + depth) < 8:
            shape = outer  # too small for a courtyard: a solid block
        else:
            top = d - m - depth if r.random() < 0.6 else d + 1  # closed ring, or open to the north
            shape = outer.difference(shapely.box(x0 + m + depth, m + depth, x1 - m - depth, top))
        usage = r.choice(("residential", "residential", "mixed"))
        out.append(Building(shape, _storeys(r, span), usage))
    return out


def slabs(r: random.Random, w: float, d: float, span: tuple[int, int]) -> list[Building]:
    """Parallel slabs (Zeilenbau) with lawns between, along or across the block."""
    across = r.random() < 0.3
    length, width = (d, w) if across else (w, d)
    margin, depth, gap = r.uniform(6, 14), r.uniform(10, 13), r.uniform(18, 32)
    rows = max(1, int((width - 2 * margin + gap) // (depth + gap)))
    offset = (width - rows * depth - (rows - 1) * gap) / 2
    out = []
    for k in range(rows):
        y0 = offset + k * (depth + gap)
        pieces = [(margin, length - margin)]
        if length > 90 and r.random() < 0.6:
            split = r.uniform(0.4, 0.6) * length
            between = r.uniform(12, 20) / 2
            pieces = [(margin, split - between), (split + between, length - margin)]
        for a, b in pieces:
            shift = r.uniform(-4, 4)
            a, b = a + shift + r.uniform(0, 0.15) * (b - a), b + shift
            box = (y0, a, y0 + depth, b) if across else (a, y0, b, y0 + depth)
            out.append(Building(box, _storeys(r, span), "residential"))
    return out


def towers(r: random.Random, w: float, d: float, span: tuple[int, int]) -> list[Building]:
    """Point towers on a jittered grid, sometimes with a low podium."""
    nx, ny = max(1, int(w // 55)), max(1, int(d // 55))
    out = []
    for i in range(nx):
        for j in range(ny):
            if nx * ny > 2 and r.random() < 0.2:
                continue
            size = r.uniform(16, 24)
            cx = (i + 0.5) * w / nx + r.uniform(-6, 6)
            cy = (j + 0.5) * d / ny + r.uniform(-6, 6)
            box = (cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2 * r.uniform(0.8, 1.3))
            out.append(Building(box, _storeys(r, span), r.choice(("residential", "office"))))
    podium = (4.0, 4.0, min(w - 4, 34.0), 16.0)
    free = all(b.shape[1] > podium[3] + 3 or b.shape[0] > podium[2] + 3 for b in out)
    if r.random() < 0.3 and free:
        out.append(Building(podium, 1, "retail"))
    return out


def houses(r: random.Random, w: float, d: float, span: tuple[int, int]) -> list[Building]:
    """Detached houses in gardens along the streets, or rows of terraced houses."""
    out = []
    terraced = r.random() < 0.35
    setback = r.uniform(4, 7)
    rows = [(setback, True), (d - setback, False)] if d > 45 else [(setback, True)]
    if d > 90:
        rows.insert(1, (d / 2 + 2, True))  # a lane through the middle: back-to-back plots
    for y, south in rows:
        if terraced:
            deep = r.uniform(9, 12)
            for x0, x1 in _split(r, w - 8, 30.0, 50.0):
                run_start, run_end = x0 + 4 + r.uniform(0, 4), x1 + 4 - r.uniform(4, 8)
                unit = r.uniform(6.0, 8.0)
                for k in range(max(1, int((run_end - run_start) // unit))):
                    a = run_start + k * unit
                    box = (a, y, a + unit, y + deep) if south else (a, y - deep, a + unit, y)
                    out.append(Building(box, _storeys(r, span), "residential"))
        else:
            for x0, x1 in _split(r, w, 14.0, 22.0):
                if r.random() < 0.12:
                    continue  # a garden plot
                hw, hd = min(x1 - x0 - 4, r.uniform(8, 12)), r.uniform(8, 11)
                a = x0 + r.uniform(2, max(2.0, x1 - x0 - hw - 2))
                box = (a, y, a + hw, y + hd) if south else (a, y - hd, a + hw, y)
                out.append(Building(box, _storeys(r, span), "residential"))
    return out


def large(r: random.Random, w: float, d: float, span: tuple[int, int]) -> list[Building]:
    """A school, office or hall: one large footprint (sometimes L-shaped) and an annex."""
    bw, bd = w * r.uniform(0.45, 0.8), d * r.uniform(0.4, 0.75)
    x0, y0 = r.uniform(6, w - bw - 6), r.uniform(6, d - bd - 6)
    usage = r.choice(("school", "office", "office", "retail", "sports"))
    shape: Shape = (x0, y0, x0 + bw, y0 + bd)
    if r.random() < 0.4:
        wing = shapely.box(x0, y0, x0 + bw * r.uniform(0.3, 0.45), min(d - 6, y0 + bd * 1.6))
        shape = shapely.box(*shape).union(wing)
    out = [Building(shape, _storeys(r, span), usage)]
    if r.random() < 0.5 and w - (x0 + bw) > 22:
        a = x0 + bw + r.uniform(6, 10)
        out.append(Building((a, y0, a + r.uniform(10, 14), y0 + r.uniform(10, 18)), 1, usage))
    return out


def park(r: random.Random, w: float, d: float, span: tuple[int, int]) -> list[Building]:
    """A park: at most a pavilion."""
    if r.random() < 0.35:
        x, y = r.uniform(10, w - 20), r.uniform(10, d - 20)
        return [Building((x, y, x + r.uniform(6, 10), y + r.uniform(6, 9)), 1, "public")]
    return []


def square(r: random.Random, w: float, d: float, span: tuple[int, int]) -> list[Building]:
    """A square with a market hall or kiosks on one side."""
    depth = r.uniform(12, 18)
    return [Building((r.uniform(8, 20), d - depth - 4, w - r.uniform(8, 20), d - 4), 2, "retail")]


TYPOLOGIES: dict[str, Callable[[random.Random, float, float, tuple[int, int]], list[Building]]] = {
    "perimeter": perimeter,
    "courtyard": courtyard,
    "slabs": slabs,
    "towers": towers,
    "houses": houses,
    "large": large,
    "park": park,
    "square": square,
}


# --- the street grid -------------------------------------------------------------------------


def _rng(*key: object) -> random.Random:
    """A generator seeded by ``key`` (string seeds are hashed the same on every platform)."""
    return random.Random("/".join(map(str, key)))  # noqa: S311 - sample data, not secrets


MAIN_ROAD = 24.0  # metres between the zones


class _Axis:
    """Blocks along one axis of a grid: block ``i`` spans ``span(i)`` (metres in the grid's
    frame, block 0 centred on the grid's origin); the street after block ``i`` is random, every
    fifth one an avenue. Each block's size comes from its own seed, whatever else is asked."""

    def __init__(self, spec: CitySpec, key: tuple, axis: str) -> None:
        self.spec, self.key, self.axis = spec, key, axis
        self.low, self.high = spec.width if axis == "x" else spec.depth
        self.starts = {0: -self._size(0)[0] / 2}

    @cache  # noqa: B019 - a handful of axes per process, each asked many times
    def _size(self, i: int) -> tuple[float, float]:
        r = _rng(*self.key, self.axis, i)
        block = r.uniform(self.low, self.high)
        street = self.spec.avenue if i % 5 == 2 else r.uniform(*self.spec.street)
        return block, street

    def start(self, i: int) -> float:
        while i not in self.starts:
            if i > 0:
                known = max(k for k in self.starts if k < i)
                self.starts[known + 1] = self.starts[known] + sum(self._size(known))
            else:
                known = min(k for k in self.starts if k > i)
                block, street = self._size(known - 1)
                self.starts[known - 1] = self.starts[known] - street - block
        return self.starts[i]

    def span(self, i: int) -> tuple[float, float]:
        start = self.start(i)
        return start, start + self._size(i)[0]

    def street_after(self, i: int) -> float:
        return self._size(i)[1]

    def covering(self, low: float, high: float) -> range:
        """The block indices whose spans reach into [low, high]."""
        first = 0
        while self.span(first)[1] > low:
            first -= 1
        last = 0
        while self.span(last)[0] < high:
            last += 1
        return range(first, last + 1)


@dataclass(frozen=True)
class Cell:
    """One street block: its polygon, the street south of it and its buildings (city CRS)."""

    index: tuple[int, int, int]  # zone, column, row
    order: float  # blocks are numbered from the district's middle outwards
    polygon: shapely.Geometry
    street: shapely.Geometry
    footprints: np.ndarray
    storeys: np.ndarray
    usage: np.ndarray
    extra: np.ndarray
    no_height: np.ndarray
    draw: np.ndarray  # one uniform number per building: vacant / demolished
    refurb: np.ndarray  # one uniform number per building: refurbished
    built_at: str  # PM18, or PM24 / PM30 for a block built later (a construction site before)


class Grid:
    """The street grid of one zone, turned by the zone's angle around its origin; ``area`` is
    where its buildings may stand."""

    def __init__(
        self, spec: CitySpec, zone: int, area: shapely.Geometry, origin: shapely.Point
    ) -> None:
        self.spec, self.zone, self.area = spec, zone, area
        self.middle = boundary(spec.code).centroid
        self.cx, self.cy = origin.x, origin.y
        a = math.radians(spec.zones[zone].angle)
        self.cos, self.sin = math.cos(a), math.sin(a)
        self.kinds = spec.zones[zone].kinds or spec.kinds
        self.x, self.y = _Axis(spec, (spec.seed, zone), "x"), _Axis(spec, (spec.seed, zone), "y")
        shapely.prepare(area)

    def to_crs(self, xy: np.ndarray) -> np.ndarray:
        x, y = xy[:, 0], xy[:, 1]
        return np.column_stack(
            (self.cx + x * self.cos - y * self.sin, self.cy + x * self.sin + y * self.cos)
        )

    def to_grid(self, xy: np.ndarray) -> np.ndarray:
        x, y = xy[:, 0] - self.cx, xy[:, 1] - self.cy
        return np.column_stack((x * self.cos + y * self.sin, -x * self.sin + y * self.cos))

    def covering(self, geometry: shapely.Geometry) -> list[tuple[int, int]]:
        """Grid cells that reach into the extent of ``geometry`` (in the grid's frame)."""
        corners = self.to_grid(shapely.get_coordinates(geometry))
        (x0, y0), (x1, y1) = corners.min(axis=0), corners.max(axis=0)
        return [(i, j) for i in self.x.covering(x0, x1) for j in self.y.covering(y0, y1)]

    def cell(self, i: int, j: int, project: int | None, clip: bool) -> Cell:
        spec = self.spec
        r = _rng(spec.seed, self.zone, i, j)
        (x0, x1), (y0, y1) = self.x.span(i), self.y.span(j)
        w, d = x1 - x0, y1 - y0
        kinds, weights = zip(*self.kinds.items(), strict=True)
        kind = r.choices(kinds, weights)[0]
        if project is not None:
            kind = spec.project_kinds.get(project) or kind
            while kind in ("park", "square"):
                kind = r.choices(kinds, weights)[0]
        buildings = TYPOLOGIES[kind](r, w, d, spec.storeys[kind])
        shapes = [
            shapely.box(*b.shape) if isinstance(b.shape, tuple) else b.shape for b in buildings
        ]
        footprints = shapely.transform(
            np.array(shapes, dtype=object), lambda xy: self.to_crs(xy + np.array([x0, y0]))
        )
        n = len(buildings)
        draws = np.array([[r.random() for _ in range(4)] for _ in range(n)]).reshape(n, 4)
        keep = shapely.within(footprints, self.area) if clip and n else np.ones(n, dtype=bool)
        site = r.random()
        built_at = "PM18"
        if project is None and kind not in ("park", "square"):
            built_at = "PM24" if site < 0.025 else "PM30" if site < 0.05 else "PM18"
        half = self.y.street_after(j - 1) / 2
        polygon = shapely.transform(shapely.box(x0, y0, x1, y1), self.to_crs)
        south = shapely.transform(
            shapely.LineString([(x0, y0 - half), (x1, y0 - half)]), self.to_crs
        )
        jitter = _rng(spec.seed, self.zone, i, j, "order").uniform(0, 120)
        return Cell(
            index=(self.zone, i, j),
            order=shapely.distance(polygon.centroid, self.middle) + jitter,
            polygon=polygon,
            street=south,
            footprints=footprints[keep],
            storeys=np.array([b.storeys for b in buildings], dtype=np.int64)[keep],
            usage=np.array([b.usage for b in buildings], dtype=object)[keep],
            extra=np.round(0.5 + 2.0 * draws[keep, 0], 1),
            no_height=draws[keep, 1] < 0.05,
            draw=draws[keep, 2],
            refurb=draws[keep, 3],
            built_at=built_at,
        )


@cache
def grids(city: str) -> tuple[Grid, ...]:
    """One grid per zone of the district, each over its part of the boundary (zone 0 holds the
    district's middle and the project blocks)."""
    spec = CITIES[city]
    area = boundary(city)
    middle = area.centroid
    seeds = [shapely.Point(middle.x + z.offset[0], middle.y + z.offset[1]) for z in spec.zones]
    if len(seeds) == 1:
        parts = [area]
    else:
        cells = shapely.get_parts(
            shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=area)
        )
        parts = [
            next(c for c in cells if c.contains(seed)).intersection(area).buffer(-MAIN_ROAD / 2)
            for seed in seeds
        ]
    return tuple(
        Grid(spec, z, part, middle if z == 0 else part.centroid) for z, part in enumerate(parts)
    )


@cache
def _inside(city: str) -> tuple[Cell, ...]:
    """The blocks of the district with buildings inside its boundary, the project blocks first
    (in ``PROJECT_CELLS`` order, in zone 0), then from the middle outwards."""
    projects = {(0, *cell): k for k, cell in enumerate(PROJECT_CELLS)}
    cells = [
        grid.cell(i, j, projects.get((grid.zone, i, j)), clip=True)
        for grid in grids(city)
        for i, j in grid.covering(grid.area)
    ]
    first = sorted((c for c in cells if c.index in projects), key=lambda c: projects[c.index])
    if [c.index for c in first] != list(projects) or any(len(c.footprints) < 1 for c in first):
        raise AssertionError(f"{city}: a project block lies outside the district's boundary")
    rest = sorted(
        (c for c in cells if c.index not in projects and len(c.footprints)), key=lambda c: c.order
    )
    return tuple(first + rest)


def _around(city: str) -> Iterator[Cell]:
    """Blocks beyond the district (for counts beyond its capacity), ring after ring of zone 0's
    grid, leaving out every block that reaches into the boundary."""
    grid = grids(city)[0]
    area = boundary(city)
    ring = 0
    while True:
        indices = [
            (i, j)
            for i in range(-ring, ring + 1)
            for j in range(-ring, ring + 1)
            if max(abs(i), abs(j)) == ring
        ]
        cells = [grid.cell(i, j, None, clip=False) for i, j in indices]
        yield from sorted(
            (c for c in cells if not c.polygon.intersects(area)), key=lambda c: c.order
        )
        ring += 1


def _cells(city: str, count: int | None) -> list[Cell]:
    cells = list(_inside(city))
    total = sum(len(c.footprints) for c in cells)
    if count is None or total >= count:
        return cells
    for cell in _around(city):
        cells.append(cell)
        total += len(cell.footprints)
        if total >= count:
            break
    return cells


# --- a district: plots and what stands on them at each point ------------------------------------


@dataclass(frozen=True)
class District:
    """All plots of a district and what stands on them at each point (vectorised).

    Blocks are numbered from 0: the sample projects' blocks first (``SampleProject.blocks``).
    """

    spec: CitySpec
    ids: np.ndarray
    footprints: np.ndarray  # shapely polygons in the city's CRS
    storeys: np.ndarray
    extra: np.ndarray  # metres above storeys x 3 m (roof)
    no_height: np.ndarray  # only storeys given: the loader estimates the height
    built: dict[str, np.ndarray]
    refurbished: dict[str, np.ndarray]
    usage: np.ndarray
    block: np.ndarray  # the block of each plot
    blocks: np.ndarray  # the polygon of each block
    streets: np.ndarray  # the street along the south side of each block (a line)
    origin: str = SYNTHETIC

    def plots(self, block: int) -> np.ndarray:
        return np.flatnonzero(self.block == block)


def district(city: str, count: int | None = DEMO_COUNT) -> District:
    """The synthetic district of ``city``: ``count`` plots from its middle outwards, or (``None``)
    every block inside its boundary."""
    spec = CITIES[city]
    cells = _cells(city, count)
    sizes = np.array([len(c.footprints) for c in cells])
    n = int(sizes.sum()) if count is None else count
    block = np.repeat(np.arange(len(cells)), sizes)[:n]
    cat = lambda name: np.concatenate([getattr(c, name) for c in cells])[:n]  # noqa: E731
    draw, refurb = cat("draw"), cat("refurb")
    site = np.repeat(np.array([c.built_at for c in cells], dtype=object), sizes)[:n]
    # Plots of the project blocks are never vacant or demolished.
    safe = block >= len(PROJECT_CELLS)
    vacant24 = (safe & (draw < 0.02)) | (site == "PM24")
    vacant30 = (safe & (draw >= 0.02) & (draw < 0.04)) | (site == "PM30")
    demolished24 = safe & (draw >= 0.04) & (draw < 0.05) & (site == "PM18")
    demolished30 = safe & (draw >= 0.05) & (draw < 0.06) & (site == "PM18")
    built = {
        "PM18": ~vacant24 & ~vacant30,
        "PM24": ~vacant30 & ~demolished24,
        "PM30": ~demolished24 & ~demolished30,
    }
    refurbished = {
        "PM18": np.zeros(n, dtype=bool),
        "PM24": refurb < 0.03,
        "PM30": refurb < 0.06,
    }
    return District(
        spec=spec,
        ids=np.array([f"{spec.prefix}-SYN-{i:06d}" for i in range(n)], dtype=object),
        footprints=cat("footprints"),
        storeys=cat("storeys"),
        extra=cat("extra"),
        no_height=cat("no_height"),
        built=built,
        refurbished=refurbished,
        usage=cat("usage"),
        block=block,
        blocks=np.array([c.polygon for c in cells], dtype=object),
        streets=np.array([c.street for c in cells], dtype=object),
    )


def real_district(city: str, path: Path) -> District:
    """The real buildings of ``path`` as a district: street blocks are the groups of buildings
    less than 5 m apart; the sample projects go on the blocks nearest the buildings' middle
    (0-3 ordered west to east, as along a street)."""
    spec = CITIES[city]
    frame = pyogrio.read_dataframe(path)
    frame = frame.set_crs(frame.crs or f"EPSG:{spec.epsg}", allow_override=True).to_crs(spec.epsg)
    frame = frame.sort_values(frame.columns[0] if "ID" not in frame else "ID")
    ids = frame["ID" if "ID" in frame else frame.columns[0]].astype(str).to_numpy(dtype=object)
    footprints = shapely.force_2d(np.asarray(frame.geometry.values, dtype=object))
    parts = shapely.get_parts(shapely.union_all(shapely.buffer(footprints, 2.5)))
    at, part = shapely.STRtree(parts).query(
        shapely.point_on_surface(footprints), predicate="within"
    )
    of = np.full(len(footprints), -1)
    of[at] = part
    counts = np.bincount(of, minlength=len(parts))
    middle = shapely.centroid(shapely.union_all(shapely.centroid(footprints)))
    distance = shapely.distance(shapely.centroid(parts), middle)
    near = [p for p in np.argsort(distance, kind="stable") if counts[p] >= 3]
    chosen = near[: len(PROJECT_CELLS)]
    along = sorted(chosen[:4], key=lambda p: shapely.centroid(parts[p]).x)
    chosen = along + chosen[4:]
    order = chosen + [p for p in np.argsort(distance, kind="stable") if p not in set(chosen)]
    rank = np.empty(len(parts), dtype=np.int64)
    rank[order] = np.arange(len(parts))
    blocks = parts[order]
    bounds = shapely.bounds(blocks)
    streets = shapely.linestrings(
        np.stack(
            [
                np.column_stack((bounds[:, 0], bounds[:, 1] - 6)),
                np.column_stack((bounds[:, 2], bounds[:, 1] - 6)),
            ],
            axis=1,
        )
    )
    n = len(ids)
    everywhere = np.ones(n, dtype=bool)
    return District(
        spec=spec,
        ids=ids,
        footprints=footprints,
        storeys=np.zeros(n, dtype=np.int64),
        extra=np.zeros(n),
        no_height=np.zeros(n, dtype=bool),
        built={p: everywhere for p in POINTS},
        refurbished={p: np.zeros(n, dtype=bool) for p in POINTS},
        usage=np.full(n, "", dtype=object),
        block=rank[np.where(of >= 0, of, order[-1])],
        blocks=blocks,
        streets=streets,
        origin=f"{REAL}: {path.name}",
    )


def buildings_at(d: District, point: str) -> gpd.GeoDataFrame:
    """The district's buildings standing at ``point``, in the city's CRS."""
    keep = d.built[point]
    storeys = d.storeys + d.refurbished[point].astype(int)
    height = np.where(d.no_height, np.nan, np.round(storeys * 3.0 + d.extra, 1))
    names = (
        ("ID", "HAUTEUR", "NB_ETAGES", "Z_MIN_SOL", "USAGE1")
        if d.spec.french_fields
        else ("id", "height", "storeys", "base_elevation", "usage")
    )
    ground = np.round(d.spec.ground + (d.block % 7) * 0.4, 1)
    data = {
        names[0]: d.ids[keep],
        names[1]: height[keep],
        names[2]: storeys[keep],
        names[3]: ground[keep],
        names[4]: d.usage[keep],
        "refurbished": d.refurbished[point][keep],
        "origin": np.full(
            int(keep.sum()), f"{SYNTHETIC}: generated by etl/sample/districts.py, not real data"
        ),
    }
    return gpd.GeoDataFrame(data, geometry=d.footprints[keep], crs=f"EPSG:{d.spec.epsg}")


def write_buildings(path: Path, city: str, point: str, count: int) -> Path:
    """A GeoPackage of ``count`` plots' buildings of ``city`` at ``point`` (for demo and bench)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = buildings_at(district(city, count), point)
    pyogrio.write_dataframe(frame, path, layer="buildings", driver="GPKG")
    return path


# --- projects and reports ------------------------------------------------------------------------


def project_geometry(d: District, project, point: str) -> shapely.Geometry:
    """The footprint of a sample project at ``point`` in the city's CRS."""
    first = lambda block: shapely.point_on_surface(d.footprints[d.plots(block)[0]])  # noqa: E731
    if project.shape == "block":
        return shapely.union_all(d.blocks[list(project.blocks)])
    if project.shape == "point":
        return first(project.blocks[0])
    if project.shape == "line":
        return shapely.LineString(
            np.vstack([shapely.get_coordinates(d.streets[b]) for b in project.blocks])
        )
    shown = project.blocks[: POINTS.index(point) + 1]  # charging points: more at every point
    return shapely.MultiPoint([first(b) for b in shown])


def projects_at(d: District, point: str) -> gpd.GeoDataFrame:
    from etl.sample.content import PROJECTS

    i = POINTS.index(point)
    chosen = [p for p in PROJECTS if p.city == d.spec.code]
    refs = [";".join(d.ids[d.plots(p.blocks[0])[:3]]) if p.explicit_refs else None for p in chosen]
    placed = (
        "the real buildings' street blocks" if d.origin != SYNTHETIC else "the synthetic blocks"
    )
    data = {
        "code": [p.code for p in chosen],
        "thematic_field": [p.thematic_field for p in chosen],
        "title_en": [p.title["en"] for p in chosen],
        "title_de": [p.title.get("de") for p in chosen],
        "title_fr": [p.title.get("fr") for p in chosen],
        "status": [p.statuses[i] for p in chosen],
        "buildings": refs,
        "origin": [f"{SYNTHETIC}: generated by etl/sample/districts.py after D2.1.1, on {placed}"]
        * len(chosen),
    }
    geoms = [project_geometry(d, p, point) for p in chosen]
    return gpd.GeoDataFrame(data, geometry=geoms, crs=f"EPSG:{d.spec.epsg}")


def report_rows(point: str, reported_on) -> list[dict[str, object]]:
    from etl.sample.content import PROJECTS

    i = POINTS.index(point)
    rows = []
    for p in PROJECTS:
        row: dict[str, object] = {
            "project_code": p.code,
            "thematic_field": p.thematic_field,
            "reported_on": reported_on,
            "status": p.statuses[i],
            "progress": p.progress[i],
            "partners": p.partners,
            "drivers": p.drivers[i],
            "barriers": p.barriers[i],
            "corrective_actions": p.corrective_actions[i],
            "risks": p.risks[i],
            "lessons_learned": p.lessons[i],
        }
        for lang, text in p.objectives.items():
            row["objectives" if lang == "en" else f"objectives_{lang}"] = text
        for key, texts in p.translations.items():
            row.update({f"{key}_{lang}": text for lang, text in texts.items()})
        for n, tag in enumerate(p.challenges[i], start=1):
            row[f"challenge_{n}"] = tag
        rows.append(row)
    return rows


def write_reporting(path: Path, point: str, reported_on) -> Path:
    """The Common Reporting workbook of every sample project at ``point``."""
    import openpyxl

    from etl.workbook import KEYS, SHEET

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(list(KEYS))
    ws.append(["# synthetic sample answers, after SMARTER TOGETHER D2.1.1"])
    for row in report_rows(point, reported_on):
        ws.append([row.get(k) for k in KEYS])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# --- the sample in KC_HOME -------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleFiles:
    buildings: dict[tuple[str, str], Path]
    projects: dict[tuple[str, str], Path]
    reporting: dict[str, Path]


def sample_files(folder: Path, real: dict[str, Path] | None = None) -> SampleFiles:
    """The sample's files; a city of ``real`` has its real file (read in place) as buildings."""
    real = real or {}
    return SampleFiles(
        buildings={
            (c, p): real.get(c, folder / c / f"buildings_{p}.gpkg") for c in CITIES for p in POINTS
        },
        projects={(c, p): folder / c / f"projects_{p}.geojson" for c in CITIES for p in POINTS},
        reporting={p: folder / f"reporting_{p}.xlsx" for p in POINTS},
    )


def write_sample(
    folder: Path,
    count: int | None = DEMO_COUNT,
    *,
    real: dict[str, Path] | None = None,
    force: bool = False,
) -> SampleFiles:
    """Write the sample files once (again only when the generator, ``count`` or ``real``
    changed). Cities in ``real`` get no building files: their real file is loaded in place."""
    from gis.store.reference import measurement_points

    real = {c: Path(p) for c, p in (real or {}).items()}
    unknown = set(real) - set(CITIES)
    if unknown:
        raise ValueError(
            f"no sample city {', '.join(sorted(unknown))}: expected {', '.join(CITIES)}"
        )
    files = sample_files(folder, real)
    stamp = folder / "GENERATED"
    plots = "whole districts" if count is None else f"{count} plots per city"
    marker = f"etl/sample/districts.py version {VERSION}, {plots}\n" + "".join(
        f"{c}: real buildings from {p}\n" for c, p in sorted(real.items())
    )
    if not force and stamp.exists() and stamp.read_text() == marker:
        return files
    dates = {m.code: m.valid_at for m in measurement_points()}
    for city in CITIES:
        d = real_district(city, real[city]) if city in real else district(city, count)
        for point in POINTS:
            path = files.projects[(city, point)]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.unlink(missing_ok=True)
            pyogrio.write_dataframe(projects_at(d, point), path, driver="GeoJSON")
            if city in real:
                continue
            path = files.buildings[(city, point)]
            path.unlink(missing_ok=True)
            pyogrio.write_dataframe(buildings_at(d, point), path, layer="buildings", driver="GPKG")
    for point in POINTS:
        write_reporting(files.reporting[point], point, dates[point])
    (folder / "README.txt").write_text(
        "SYNTHETIC sample data generated by etl/sample/districts.py (not real buildings or reports).\n"
        "Projects and topics follow SMARTER TOGETHER D2.1.1; statuses and wording are invented.\n"
        + "".join(
            f"{c}: REAL buildings, read in place from {p} (the same at every point).\n"
            for c, p in sorted(real.items())
        )
    )
    stamp.write_text(marker)
    return files


def load_sample(
    url: str,
    folder: Path,
    count: int | None = DEMO_COUNT,
    echo=print,
    progress=None,
    *,
    real: dict[str, Path] | None = None,
) -> None:
    """Write (if needed) and load the sample through the real loaders, point by point; the
    cities of ``real`` with their real buildings instead of synthetic ones."""
    from etl.buildings import load_buildings
    from etl.projects import load_projects
    from etl.reporting import load_reporting

    files = write_sample(folder, count, real=real)
    extra = {"progress": progress} if progress else {}
    for point in POINTS:
        for city in CITIES:
            b = load_buildings(url, files.buildings[(city, point)], city, point, **extra)
            p = load_projects(url, files.projects[(city, point)], city, point)
            kind = "REAL buildings" if real and city in real else "buildings"
            echo(
                f"  {city:<7} {point}: {kind} {_counts(b.snapshot)}, estimated heights {b.estimated}; "
                f"projects {_counts(p.snapshot)}"
            )
        r = load_reporting(url, files.reporting[point], point)
        echo(f"  reports {point}: new {r.new}, changed {r.changed}, unchanged {r.unchanged}")


def _counts(s) -> str:
    return f"+{s.new} ~{s.changed} ={s.unchanged} -{s.ended}"
