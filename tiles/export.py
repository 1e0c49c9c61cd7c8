"""Export the 3D tilesets of every city: per measurement point and temporal, one atomic run.

For each city, one light query (``spill_layout``, to a temporary file) gives a few numbers per
building version valid at any exported point; the tree is built over all of them (so a tile
holds the same area at every point, and a tile whose buildings did not change is the same file),
one partition of the city at a time (``tiles.partition``: the main process's memory does not
grow with the city), and worker processes draw groups of leaves (``tiles.workers``), each
reading its own rows. The tilesets
``DIR/<city>/<point>/tileset.json`` (and ``DIR/<city>/temporal/tileset.json`` when every point is
exported) and ``DIR/index.json`` are published together (``tiles.publish``).

The export is deterministic, so a city whose input has not changed is not built again: the
fingerprint of what it read (the rows, the options and the exporter's code) is kept beside its
tilesets (``DIR/<city>/.source.json``) and compared on the next export.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psycopg2.extensions

from gis.store.errors import KCError
from tiles import implicit, lod, partition, quadtree, tiling
from tiles import workers as pool
from tiles.content import CONTENT_DIR, Content
from tiles.features import FeatureError
from tiles.geometry import bounds
from tiles.layout import Layout
from tiles.metadata import colouring_status
from tiles.placement import TRUE_HEIGHTS, VERTICAL_REFERENCE, Frame
from tiles.publish import INDEX, finish_run, start_run
from tiles.read import (
    NO_JIT,
    Touches,
    read_cities,
    read_fingerprints,
    read_palette,
    read_points,
    read_touches,
    spill_layout,
)
from tiles.tileset import assemble, external
from tiles.workers import Mark, Task, run_tasks, tasks_of

FORMATS = ("glb", "b3dm")
HEIGHTS = ("ground", "true")
TEMPORAL = "temporal"
SOURCE = ".source.json"


class ExportError(KCError):
    """The export cannot run (bad building geometry, bad option).

    An unknown city or point is the store's :class:`gis.store.errors.UnknownReference`, also a
    KCError: ``kc tiles export`` prints it and exits 1.
    """


@dataclass(frozen=True)
class Published:
    """What an export did for one city and point."""

    city: str
    point: str
    date: dt.date
    feature_count: int
    tile_count: int
    path: Path | None  # None: no buildings, no tileset
    reused: bool = False  # the input had not changed: the published tileset was kept


@dataclass(frozen=True)
class Options:
    fmt: str
    max_features: int
    palette: dict[str, str]
    store: Path
    lod: bool = True
    heights: str = "ground"  # see tiles.features.Buildings
    #: buildings per partition, at most (``tiles.partition``)
    partition: int = partition.PARTITION_FEATURES
    #: the tree is a regular quadtree and the temporal tileset implicit (``tiles.implicit``)
    implicit: bool = False


def _write_json(path: Path, data: dict) -> None:
    """Write a new file (new inode) over ``path``: the run's files start as hard links to the
    published run's, and writing into one in place would change the published file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{path.name}")
    tmp.write_text(json.dumps(data, separators=(",", ":"), ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)


def _extras(city, region: tuple, opts: Options, **more) -> dict:
    return {
        "city": city,
        **more,
        "format": opts.fmt,
        "bounding_region": list(region),
        "vertical_reference": VERTICAL_REFERENCE if opts.heights == "ground" else TRUE_HEIGHTS,
    }


def build_city(
    cur,
    conn,
    run: Path,
    city: str,
    points: Sequence[tuple[str, dt.date]],
    opts: Options,
    workers: pool.Pool | None = None,
) -> list[Published]:
    """Build the tilesets of ``city`` at ``points`` into the run folder ``run``, on the
    processes of ``workers`` or in this one, one partition of the city at a time
    (``tiles.partition``)."""
    codes = [p for p, _ in points]
    dates = [at for _, at in points]
    folder = run / city
    for code in codes:
        shutil.rmtree(folder / code, ignore_errors=True)
    shutil.rmtree(folder / TEMPORAL, ignore_errors=True)
    # In the run's folder: a killed run's layout files go with it (``tiles.publish``).
    with tempfile.TemporaryDirectory(prefix=".layout-", dir=run) as tmp:
        spill = Path(tmp) / "layout"
        if not spill_layout(cur, city, dates, spill, opts.heights):
            return [Published(city, p, at, 0, 0, None) for p, at in points]
        summary = partition.Summary(len(points))
        for chunk in partition.chunks(spill):
            summary.add(chunk)
        frame = summary.frame()
        square, files = partition.cut(
            spill, summary, frame, opts.partition, Path(tmp), collapse=not opts.implicit
        )
        grid = partition.grid_of(summary, frame) if opts.implicit else None
        touches = [read_touches(cur, city, at) for at in dates]
        city_tasks = _CityTasks(city, frame, points, touches, opts, len(points) > 1, files, grid)
        trees: list[tiling.Node] = []

        def tasks():
            tree, *_ = yield from city_tasks.of(square, top=True)
            trees.append(tree)

        stored = _Stored(folder, codes, opts.fmt, len(points) > 1 and not opts.implicit)
        _run(tasks(), conn, workers, city, stored)
    [tree] = trees
    # What is missed when nothing is drawn: the city's extent.
    error = max(tree.geometric_error * lod.GRID, summary.size)
    out = []
    for k, (code, at) in enumerate(points):
        count = int(summary.count[k])
        if not count:
            out.append(Published(city, code, at, 0, 0, None))
            continue
        extras = _extras(city, summary.region(k), opts, point=code, date=at.isoformat())
        extras["feature_count"] = count
        tileset, tiles = assemble(
            tree,
            stored.per_point[k].get,
            stored.blocks[k].get,
            frame,
            fmt=opts.fmt,
            extras=extras,
            error=error,
            name=code,
            external=stored.outside[k].get,
        )
        _write_json(folder / code / "tileset.json", tileset)
        out.append(Published(city, code, at, count, tiles, folder / code))
    if len(points) > 1:
        extras = _extras(
            city,
            summary.region(),
            opts,
            points=[{"point": p, "date": at.isoformat()} for p, at in points],
            feature_count=int(summary.count[-1]),
            tiling="implicit" if opts.implicit else "explicit",
        )
        if grid is not None:
            tileset, _ = implicit.write(
                folder / TEMPORAL,
                tree,
                stored.whole.get,
                stored.blocks_whole.get,
                frame,
                grid,
                opts.store,
                fmt=opts.fmt,
                extras=extras,
                error=error,
                name=TEMPORAL,
            )
        else:
            tileset, _ = assemble(
                tree,
                stored.whole.get,
                stored.blocks_whole.get,
                frame,
                fmt=opts.fmt,
                extras=extras,
                error=error,
                name=TEMPORAL,
                external=stored.outside_whole.get,
            )
        _write_json(folder / TEMPORAL / "tileset.json", tileset)
    return out


class _Stored:
    """The contents the tasks stored, by tile path: leaves per point and of the temporal
    tileset, LOD blocks per point and of the temporal tileset; and the external tileset of each
    finished partition (``finish``), whose tiles are then forgotten."""

    def __init__(self, folder: Path, codes: list[str], fmt: str, temporal: bool) -> None:
        self.folder, self.codes, self.fmt = folder, codes, fmt
        #: the explicit temporal tileset gets external tilesets too (not the implicit one,
        #: written from every tile at the end)
        self.temporal = temporal
        self.per_point: list[dict[str, Content]] = [{} for _ in codes]
        self.whole: dict[str, Content] = {}
        self.blocks: list[dict[str, Content]] = [{} for _ in codes]
        self.blocks_whole: dict[str, Content] = {}
        self.outside: list[dict[str, Content]] = [{} for _ in codes]
        self.outside_whole: dict[str, Content] = {}

    def add(self, results) -> None:
        if isinstance(results, lod.InnerResult):
            into, into_whole, results = self.blocks, self.blocks_whole, [results]
        else:
            into, into_whole = self.per_point, self.whole
        for r in results:
            for k, c in enumerate(r.per_point):
                if c is not None:
                    into[k][r.path] = c
            if r.temporal is not None:
                into_whole[r.path] = r.temporal

    def finish(self, node: tiling.Node) -> None:
        """Partition ``node`` is done: its external tilesets, and its tiles forgotten."""
        paths = [n.path for n in node.walk()]
        sets = [
            (
                self.folder / code,
                f"{code}/{node.path}",
                self.per_point[k],
                self.blocks[k],
                self.outside[k],
            )
            for k, code in enumerate(self.codes)
        ]
        if self.temporal:
            sets.append(
                (
                    self.folder / TEMPORAL,
                    f"{TEMPORAL}/{node.path}",
                    self.whole,
                    self.blocks_whole,
                    self.outside_whole,
                )
            )
        for folder, name, leaves, inner, outside in sets:
            found = external(folder, node, leaves.get, inner.get, fmt=self.fmt, name=name)
            if found is not None:
                outside[node.path] = found
            for path in paths:
                leaves.pop(path, None)
                inner.pop(path, None)


def _run(tasks, conn, workers, city: str, stored: _Stored) -> None:
    """Run the tasks, keeping what they stored in ``stored``; a partition's ``Mark`` (all
    its tasks done) has its external tilesets written."""
    try:
        for results in run_tasks(tasks, conn, pool=workers):
            if isinstance(results, Mark):
                stored.finish(results.value)
            else:
                stored.add(results)
    except FeatureError as err:
        raise ExportError(f"{city}: {err}") from err


@dataclass(frozen=True)
class _CityTasks:
    """The tasks of one city, partition by partition (``tiles.partition``)."""

    city: str
    frame: Frame
    points: Sequence[tuple[str, dt.date]]
    touches: Sequence[Touches]  # the projects touching the city's buildings, per point
    opts: Options
    temporal: bool
    files: list[Path]  # each partition's layout
    #: the partitions' grid when the tree is a regular quadtree (implicit tiling), else None
    grid: partition.Grid | None = None

    def of(self, square: partition.Square, top: bool = False):
        """The tasks of the tiles of ``square`` (made as the workers take them: memory holds a
        few, not the city's) and, as the generator's value, its tree (without buildings),
        the bounds of the centres below and their LOD parts (None without levels of detail)
        and the largest building's size."""
        if square.part is not None:
            done = yield from self._partition(square)
            if not top:  # one partition of several: its tiles go to external tilesets
                yield Mark(done[0])
            return done
        below = []
        for child in square.children:
            below.append((yield from self.of(child)))
        path, coords = square.path, None
        if self.grid is not None:
            coords = quadtree.coords_of(square)
            path = quadtree.path_of(*coords)
        node = tiling.Node(path, np.zeros(0, np.int64), 0.0, [b[0] for b in below], coords=coords)
        lo = np.min([b[1] for b in below], axis=0)
        hi = np.max([b[2] for b in below], axis=0)
        size = max(b[4] for b in below)
        if not self.opts.lod:
            node.geometric_error = size
            return node, lo, hi, None, size
        node.geometric_error = max(lod.grid_cell(lo, hi), *(b[0].geometric_error for b in below))
        node.origin = lo
        task, grouped = _inner_task(node, lod.Parts.join([b[3] for b in below]), self)
        yield task
        return node, lo, hi, grouped, size

    def _partition(self, square: partition.Square):
        layout = partition.read_part(self.files[square.part])
        touches = [t.among(layout.building_id) for t in self.touches]
        centres = layout.centres(self.frame)
        sizes = layout.sizes()
        if self.grid is not None:
            coords = quadtree.coords_of(square)
            tree = quadtree.build(centres, sizes, self.opts.max_features, self.grid, coords)
        else:
            tree = tiling.build(centres, sizes, self.opts.max_features, square.path)
        lo, hi = bounds(centres)
        if self.opts.lod:
            _set_errors(tree, centres)
        yield from _leaf_tasks(tree, layout, touches, self)
        parts = None
        if self.opts.lod:
            parts = yield from _inner_tasks(tree, layout, centres, touches, self)
        for node in tree.walk():
            node.features = np.zeros(0, np.int64)  # the buildings are the partition's
        return tree, lo, hi, parts, float(sizes.max())


def _set_errors(node: tiling.Node, centres) -> tuple[float, np.ndarray, np.ndarray]:
    """Each inner tile's geometric error: its LOD cell, and never less than its children's.
    Returns the error and the bounds of the centres below (gathered from the leaves up, so
    no tile gathers every building below it)."""
    if node.is_leaf:
        return (0.0, *bounds(centres[node.features]))
    below = [_set_errors(child, centres) for child in node.children]
    lo = np.min([b[1] for b in below], axis=0)
    hi = np.max([b[2] for b in below], axis=0)
    node.geometric_error = max(lod.grid_cell(lo, hi), *(b[0] for b in below))
    node.origin = lo
    return node.geometric_error, lo, hi


def _status_index(layout: Layout, idx, touches, codes: list[str | None]) -> np.ndarray:
    """(points, len(idx)): index into ``codes`` of versions ``idx``'s colouring status."""
    out = np.zeros((len(touches), len(idx)), dtype=np.int64)
    building = layout.building_id[idx]
    for k, found in enumerate(touches):
        if not found:
            continue
        valid = (layout.member[idx] >> k) & 1 == 1
        for j in np.flatnonzero(np.isin(building, list(found)) & valid):
            out[k, j] = codes.index(colouring_status(found[int(building[j])]))
    return out


def _leaf_tasks(tree, layout, touches: list[dict], ctx: _CityTasks):
    """The tasks drawing the leaves, a few thousand buildings each (made one by one)."""
    leaves = (
        (
            n.path,
            layout.version_id[n.features].tolist(),
            layout.member[n.features].tolist(),
            layout.valid_from[n.features].tolist(),
            layout.valid_to[n.features].tolist(),
        )
        for n in tree.walk()
        if n.is_leaf
    )
    opts = ctx.opts
    for group in tasks_of(leaves):
        buildings = set(layout.building_id[_indices(layout, group)].tolist())
        yield Task(
            city=ctx.city,
            origin=(ctx.frame.lon, ctx.frame.lat),
            leaves=group,
            points=[p for p, _ in ctx.points],
            dates=[at for _, at in ctx.points],
            touches=[{b: t[b] for b in buildings if b in t} for t in touches],
            palette=opts.palette,
            fmt=opts.fmt,
            store=str(opts.store),
            temporal=ctx.temporal,
            heights=opts.heights,
        )


def _codes(opts: Options) -> list[str | None]:
    return [None, *sorted(opts.palette)]


def _inner_task(node: tiling.Node, parts: lod.Parts, ctx: _CityTasks):
    """The task drawing the level of detail of inner tile ``node`` from the ``parts`` below
    it, and its own parts (the sums per cell of its grid: what the tile above merges)."""
    grouped, cells, _ = lod.group(parts, node.origin, node.geometric_error)
    opts = ctx.opts
    task = lod.InnerTask(
        path=node.path,
        city=ctx.city,
        origin=(ctx.frame.lon, ctx.frame.lat),
        cell=node.geometric_error,
        parts=grouped,
        cells=cells,
        codes=_codes(opts),
        points=[p for p, _ in ctx.points],
        dates=[at for _, at in ctx.points],
        palette=opts.palette,
        fmt=opts.fmt,
        store=str(opts.store),
        temporal=ctx.temporal,
    )
    return task, grouped


def _inner_tasks(tree, layout, centres, touches: list[dict], ctx: _CityTasks):
    """The tasks drawing the levels of detail, one per inner tile (made one by one, each
    tile's from its children's blocks: ``tiles.lod.Parts``); as the generator's value, the
    parts of ``tree``'s root."""
    codes = _codes(ctx.opts)
    area = layout.area_m2()

    def parts_of(node: tiling.Node):
        """The tasks below ``node`` and, as the generator's value, its parts."""
        if node.is_leaf:
            idx = node.features
            return lod.Parts.of_buildings(
                centres[idx],
                area[idx],
                layout.top[idx],
                layout.ground[idx],
                layout.member[idx],
                _status_index(layout, idx, touches, codes),
                len(codes),
            )
        below = []
        for child in node.children:
            below.append((yield from parts_of(child)))
        task, grouped = _inner_task(node, lod.Parts.join(below), ctx)
        yield task
        return grouped

    return (yield from parts_of(tree))


def _indices(layout: Layout, group) -> list[int]:
    ids = np.array([v for leaf in group for v in leaf[1]], dtype=np.int64)
    return np.searchsorted(layout.version_id, ids).tolist()


def index(run: Path) -> dict:
    """The index of every tileset of a run (read from their tileset.json)."""
    entries, temporal = [], []
    for path in sorted(run.glob("*/*/tileset.json")):
        extras = json.loads(path.read_text(encoding="utf-8")).get("extras", {})
        href = path.relative_to(run).as_posix()
        if "points" in extras:
            temporal.append(
                {
                    "city": extras["city"],
                    "href": href,
                    "points": extras["points"],
                    "bounding_region": extras["bounding_region"],
                    "feature_count": extras["feature_count"],
                    "format": extras["format"],
                    "tiling": extras.get("tiling", "explicit"),
                }
            )
        elif {"city", "point", "date"} <= extras.keys():
            entries.append(
                {
                    "city": extras["city"],
                    "point": extras["point"],
                    "date": extras["date"],
                    "href": href,
                    "bounding_region": extras["bounding_region"],
                    "feature_count": extras["feature_count"],
                    "format": extras["format"],
                }
            )
    entries.sort(key=lambda e: (e["city"], e["date"], e["point"]))
    return {"tilesets": entries, "temporal": temporal}


def _code_digest() -> str:
    """The exporter's own code (this package): a change to it changes every fingerprint."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _kept(run: Path, city: str, fingerprint: str) -> dict | None:
    """What the run (a copy of the published one) holds for ``city`` when it was built from
    input ``fingerprint``, else None."""
    try:
        kept = json.loads((run / city / SOURCE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(kept, dict) or kept.get("fingerprint") != fingerprint:
        return None
    if not all((run / city / p / "tileset.json").is_file() for p in kept.get("tilesets", [])):
        return None
    return kept


def export_all(
    conn: psycopg2.extensions.connection,
    out: Path,
    *,
    point: str | None = None,
    city: str | None = None,
    fmt: str = "glb",
    max_features: int = tiling.DEFAULT_MAX_FEATURES,
    progress: Callable[[Published], None] | None = None,
    reuse: bool = True,
    database_url: str | None = None,
    workers: int | None = None,
    heights: str = "ground",
    partition_features: int = partition.PARTITION_FEATURES,
    implicit: bool = False,
) -> list[Published]:
    """Export the tilesets of every (or one) city and point and publish them in one run.

    With ``database_url`` the leaves are drawn by ``workers`` processes (default: every core),
    each with its own connection; otherwise in this process on ``conn``. With ``reuse``, a city
    whose input (rows read, options, exporter code) is the one it was built from is kept as
    published instead of being built again (same bytes either way). ``heights``: "ground"
    (every ground at ellipsoid height 0) or "true" (city models at their WGS 84 ellipsoidal
    height, for viewers with terrain; see ``tiles.placement``). ``partition_features``: the
    most buildings the main process holds at a time (``tiles.partition``; the tree's shape
    depends on it). ``implicit``: the tree is a regular quadtree (``tiles.quadtree``) and the
    temporal tileset uses implicit tiling (``tiles.implicit``); the per-point tilesets stay
    explicit, over the same tree and contents.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if heights not in HEIGHTS:
        raise ExportError(f"unknown heights {heights!r}; expected one of {', '.join(HEIGHTS)}")
    if partition_features < 1:
        raise ExportError(f"partition_features must be at least 1, found {partition_features}")
    workers = workers or os.cpu_count() or 1
    results = []
    code_digest = _code_digest()
    with conn.cursor() as cur:
        points = read_points(cur, point)
        cities = read_cities(cur, city)
    run = start_run(out)
    processes = None
    try:
        with conn.cursor() as cur:
            cur.execute(NO_JIT)
            palette = read_palette(cur)
            opts = Options(
                fmt,
                max_features,
                palette,
                out / CONTENT_DIR,
                heights=heights,
                partition=partition_features,
                implicit=implicit,
            )
            inputs = [read_fingerprints(cur, cities, at) for _, at in points]
            for code in cities:
                fingerprint = hashlib.sha256(
                    repr(
                        (
                            code_digest,
                            code,
                            points,
                            fmt,
                            max_features,
                            palette,
                            heights,
                            partition_features,
                            implicit,
                            [i.get(code) for i in inputs],
                        )
                    ).encode()
                ).hexdigest()
                kept = _kept(run, code, fingerprint) if reuse else None
                if kept is not None:
                    done = [
                        Published(c, p, at, n, t, out / c / p if n else None, reused=True)
                        for c, p, at, n, t in (
                            (code, p, at, *kept["counts"].get(p, (0, 0))) for p, at in points
                        )
                    ]
                else:
                    # One task's worth: starting processes would cost more than it saves.
                    largest = max((i.get(code) or (0,))[0] for i in inputs)
                    many = database_url is not None and workers > 1 and largest > pool.TASK_FEATURES
                    if many and processes is None:
                        processes = pool.Pool(database_url, workers)
                    done = build_city(
                        cur, conn, run, code, points, opts, processes if many else None
                    )
                    built = [r for r in done if r.path is not None]
                    _write_json(
                        run / code / SOURCE,
                        {
                            "fingerprint": fingerprint,
                            "tilesets": [r.point for r in built]
                            + ([TEMPORAL] if (run / code / TEMPORAL).is_dir() else []),
                            "counts": {r.point: [r.feature_count, r.tile_count] for r in built},
                        },
                    )
                    done = [
                        Published(
                            r.city,
                            r.point,
                            r.date,
                            r.feature_count,
                            r.tile_count,
                            out / r.city / r.point if r.path else None,
                        )
                        for r in done
                    ]
                    if not any((run / code).glob("*/tileset.json")):
                        shutil.rmtree(run / code, ignore_errors=True)
                for result in done:
                    results.append(result)
                    if progress:
                        progress(result)
        conn.rollback()
        _write_json(run / INDEX, index(run))
        finish_run(out, run)
    except BaseException:
        shutil.rmtree(run, ignore_errors=True)
        raise
    finally:
        if processes is not None:
            processes.shutdown()
    return results
