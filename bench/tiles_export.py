"""Benchmark: 3D Tiles export of N synthetic buildings, against references in the same run.

    .venv/bin/python bench/tiles_export.py [--buildings 100000] [--py3dtiles 10000]
    .venv/bin/python bench/tiles_export.py --buildings 1000000 --points 3

Runs on a throw-away database of the managed cluster (or the server of KC_DATABASE_URL) and
prints, for the same buildings in the same run, each figure with the load average (1 min) of
the machine before and after it:
  floor      only reading what the export reads out of PostGIS, in one process: the layout
             (``tiles.read.read_layout``) and every row in tasks of 4,000 (``read_rows``)
  kc         ``export_all`` (glb and b3dm) on every core, in a process of its own: buildings
             per second, MB per 1,000 buildings, peak memory (resident, the export process and
             its workers together) and the export process's own peak
  py3dtiles  ``py3dtiles export -D ... -t ... -c ...`` on a plain table of the same extruded
             solids (built beforehand, not timed). It takes ~280 s for 100,000 buildings, so by
             default it runs on the first ``--py3dtiles`` buildings only and its time is
             extrapolated linearly to N (labelled as such); ``--py3dtiles N`` runs it on all.
``--points 3``: the temporal run (n buildings at PM18, a tenth changed at PM24, another tenth
at PM30; ``--all``): wall time, peak memory, bytes of the temporal and per-point tilesets.
``--points 3 --implicit``: the same export again with ``--implicit`` on the same database (the
explicit one is its reference): wall time, peak memory, the implicit temporal tileset's
tileset.json and subtree files against the explicit tileset.json, and its contents.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import shapely
from psycopg2 import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from databases import fresh_database

from gis.store.building_snapshots import apply_staged, stage_rows
from gis.store.db import connect
from gis.store.staging import copy_rows
from tests.tiles.data import synthetic_city
from tiles.features import tile_mesh
from tiles.placement import Frame
from tiles.publish import referenced_by
from tiles.read import read_layout, read_rows
from tiles.workers import TASK_FEATURES

POINT, AT = "PM18", dt.date(2017, 7, 31)


class PeakMemory:
    """Samples the resident memory of process ``root`` and all its descendants every 20 ms."""

    def __init__(self, root: int | None = None) -> None:
        self.root = root or os.getpid()
        self.peak = 0  # the process and its descendants together
        self.root_peak = 0  # the process alone
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def tree_rss(self) -> tuple[int, int]:
        """Resident bytes of the process and its descendants, and of the process alone."""
        parents: dict[int, int] = {}
        rss: dict[int, int] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                pid = int(stat.parent.name)
                parents[pid] = int(fields[1])
                rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            except (OSError, IndexError, ValueError):
                continue
        total = 0
        for pid, size in rss.items():
            p = pid
            while p > 1 and p != self.root:
                p = parents.get(p, 0)
            if p == self.root:
                total += size
        return total, rss.get(self.root, 0)

    def _sample(self) -> None:
        total, alone = self.tree_rss()
        self.peak, self.root_peak = max(self.peak, total), max(self.root_peak, alone)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self._sample()

    def __enter__(self) -> PeakMemory:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def dir_mb(path: Path) -> float:
    return (
        sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6
    )


def referenced_bytes(out: Path, hrefs: list[str]) -> tuple[int, int]:
    """Bytes and number of the distinct content files the tilesets ``hrefs`` refer to
    (through their external tilesets too)."""
    names = referenced_by(out / href for href in hrefs)
    return sum((out / "content" / n).stat().st_size for n in names), len(names)


def child(url: str, out: str, fmt: str, point: str, tiling: str = "explicit") -> None:
    """The export alone in this process (``--child``): prints its seconds."""
    from tiles.export import export_all

    conn = connect(url)
    t = time.perf_counter()
    export_all(
        conn, Path(out), point=None if point == "all" else point, city="lyon", fmt=fmt,
        database_url=url, implicit=tiling == "implicit",
    )  # fmt: skip
    print(json.dumps({"seconds": time.perf_counter() - t}))


def timed_export(url: str, out: Path, fmt: str, point: str, tiling: str = "explicit") -> dict:
    """Run the export in a child process; its time, the load around it and peak memory."""
    before = load()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", url, str(out), fmt, point, tiling],
        stdout=subprocess.PIPE,
        text=True,
    )
    with PeakMemory(proc.pid) as memory:
        stdout, _ = proc.communicate()
    if proc.returncode:
        sys.exit(f"the export failed ({proc.returncode})")
    result = json.loads(stdout.strip().splitlines()[-1])
    # (Sampled: the child's own ru_maxrss would include this process's, kept across exec.)
    return {
        **result,
        "peak": memory.peak,
        "main_peak": memory.root_peak,
        "load": f"{before}-{load()}",
    }


def settle(conn) -> None:
    """VACUUM ANALYZE after the load, as autovacuum does a little later: without it autovacuum
    ran during the first timed export (the glb one, then ~1 s slower than the b3dm one)."""
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    conn.autocommit = False


def files_of(folder: Path) -> tuple[int, int]:
    """Bytes and number of the files below ``folder``."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def implicit_figures(out: Path, r: dict, explicit: Path) -> None:
    """The implicit export's figures against the explicit one's (``explicit``: its tileset)."""
    folder = out / "lyon" / "temporal"
    tileset = json.loads((folder / "tileset.json").read_text())["root"]["implicitTiling"]
    sub_bytes, sub_files = files_of(folder / "subtrees")
    c_bytes, c_files = files_of(folder / "content")
    print(
        f"implicit (--implicit): wall time {r['seconds']:.1f} s, load average {r['load']}, "
        f"peak memory {r['peak'] / 1e6:,.0f} MB (export process alone "
        f"{r['main_peak'] / 1e6:,.0f} MB)"
    )
    print(
        f"  temporal tileset.json {(folder / 'tileset.json').stat().st_size:,} bytes + "
        f"{sub_files:,} subtree files {sub_bytes:,} bytes "
        f"(availableLevels {tileset['availableLevels']}, subtreeLevels "
        f"{tileset['subtreeLevels']}); explicit tileset.json {explicit.stat().st_size:,} bytes"
    )
    print(
        f"  contents: {c_bytes / 1e6:,.1f} MB in {c_files:,} files (hard links to the content "
        f"store); export folder {dir_mb(out):,.1f} MB"
    )


def points_run(n: int, implicit: bool = False) -> None:
    """``--points 3``: n buildings at PM18, a tenth of them (one band of the city) changed at
    PM24 and another tenth at PM30; the ``--all`` export: wall time, peak memory, bytes of the
    temporal tileset and of the three per-point tilesets (shared content counted once)."""
    with fresh_database("kc_bench_tiles_points") as db:
        work = Path(tempfile.mkdtemp(prefix="kc-bench-tiles-"))
        try:
            conn = connect(db.url)
            t = time.perf_counter()
            base = synthetic_city(n)
            for k, point in enumerate(("PM18", "PM24", "PM30")):
                rows = [
                    (r[0], r[1], r[2] + 3.0, *r[3:]) if k and i * 10 // n == k else r
                    for i, r in enumerate(base)
                ]
                with conn:
                    stage_rows(conn.cursor(), rows)
                    apply_staged(conn, "lyon", point, source="bench")
                base = rows
            del base, rows
            settle(conn)
            conn.close()
            print(f"loaded {n:,} buildings x 3 points in {time.perf_counter() - t:.1f} s")
            out = work / "kc"
            r = timed_export(db.url, out, "glb", "all")
            index = json.loads((out / "index.json").read_text())
            per_point = [e["href"] for e in index["tilesets"]]
            temporal = [e["href"] for e in index["temporal"]]
            pp_bytes, pp_files = referenced_bytes(out, per_point)
            separate = sum(referenced_bytes(out, [h])[0] for h in per_point)
            t_bytes, t_files = referenced_bytes(out, temporal)
            secs = r["seconds"]
            print(f"\n{n:,} buildings x {len(per_point)} points, one city, {os.cpu_count()} cores")
            print(
                f"wall time: {secs:.1f} s ({n * len(per_point) / secs:,.0f} building-points/s), "
                f"load average {r['load']}"
            )
            print(
                f"peak memory: {r['peak'] / 1e6:,.0f} MB (export process and workers), "
                f"export process alone {r['main_peak'] / 1e6:,.0f} MB"
            )
            print(f"temporal tileset: {t_bytes / 1e6:,.1f} MB in {t_files:,} files")
            print(
                f"per-point tilesets: {pp_bytes / 1e6:,.1f} MB in {pp_files:,} files with shared "
                f"content once ({separate / 1e6:,.1f} MB if each point had its own copy)"
            )
            print(f"export folder: {dir_mb(out):,.1f} MB")
            if implicit:
                out_implicit = work / "kc-implicit"
                r = timed_export(db.url, out_implicit, "glb", "all", "implicit")
                implicit_figures(out_implicit, r, out / temporal[0])
        finally:
            shutil.rmtree(work, ignore_errors=True)


def read_floor(conn, n: int) -> tuple[float, str]:
    """Seconds to read the layout and every row as the export does, in one process."""
    before = load()
    t = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute("SET LOCAL jit = off")
        layout = read_layout(cur, "lyon", [AT])
        count = 0
        for start in range(0, len(layout), TASK_FEATURES):
            part = slice(start, start + TASK_FEATURES)
            rows = read_rows(
                cur, layout.version_id[part], layout.valid_from[part], layout.valid_to[part]
            )
            count += len(rows)
    conn.rollback()
    assert count == n, (count, n)
    return time.perf_counter() - t, f"{before}-{load()}"


def py3dtiles_run(conn, db, work: Path, m: int) -> tuple[float, float, str]:
    """py3dtiles on a plain table of the first ``m`` buildings' solids: seconds, MB, load."""
    with conn.cursor() as cur:
        layout = read_layout(cur, "lyon", [AT])
        part = slice(0, m)
        b = read_rows(cur, layout.version_id[part], layout.valid_from[part], layout.valid_to[part])
    conn.rollback()
    # Triangles as MultiPolygonZ in local metres (py3dtiles places nothing on the globe).
    mesh = tile_mesh(b, Frame.at(4.8 + 0.06, 45.7 + 0.04))
    order = np.argsort(mesh.feature[mesh.triangles[:, 0]], kind="stable")
    ends = np.cumsum(np.bincount(mesh.feature[mesh.triangles[order, 0]], minlength=len(b)))

    def wkb(k: int) -> str:
        start = ends[k - 1] if k else 0
        tri = mesh.positions[mesh.triangles[order[start : ends[k]]]]
        return shapely.to_wkb(shapely.MultiPolygon([shapely.Polygon(t) for t in tri]), hex=True)

    with conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE bench_solids (id bigint, geom geometry(MultiPolygonZ))")
        copy_rows(
            cur,
            sql.Identifier("bench_solids"),
            ("id", "geom"),
            ((vid, wkb(k)) for k, vid in enumerate(b.version_id)),
        )
    out = work / "py3dtiles"
    py3dtiles = Path(sys.executable).with_name("py3dtiles")
    command = [str(py3dtiles), "export", "-D", db.conninfo(), "-t", "bench_solids", "-c", "geom"]
    before = load()
    t = time.perf_counter()
    subprocess.run([*command, "-i", "id", "-s", str(out)], check=True, capture_output=True)
    return time.perf_counter() - t, dir_mb(out), f"{before}-{load()}"


def one_point_run(n: int, py3d_n: int) -> None:
    with fresh_database("kc_bench_tiles") as db:
        work = Path(tempfile.mkdtemp(prefix="kc-bench-tiles-"))
        try:
            conn = connect(db.url)
            t = time.perf_counter()
            with conn:
                stage_rows(conn.cursor(), synthetic_city(n))
                apply_staged(conn, "lyon", POINT, source="bench")
            settle(conn)
            print(f"loaded {n:,} buildings in {time.perf_counter() - t:.1f} s (not timed)")
            floor, floor_load = read_floor(conn, n)
            figures = {
                fmt: timed_export(db.url, work / f"kc-{fmt}", fmt, POINT) for fmt in ("glb", "b3dm")
            }
            for fmt, r in figures.items():
                r["mb"] = dir_mb(work / f"kc-{fmt}")
            py3d = py3dtiles_run(conn, db, work, min(py3d_n, n)) if py3d_n else None
            conn.close()
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\n{n:,} buildings at {POINT} ({AT}), one city, {os.cpu_count()} cores")
    head = f"{'':<30}{'seconds':>9}{'bldg/s':>9}{'MB/1000':>9}{'peak MB':>9}{'main MB':>9}"
    print(f"{head}  load avg")
    print(f"{'floor: read from PostGIS':<30}{floor:>9.2f}{n / floor:>9,.0f}{'':>27}  {floor_load}")
    for fmt, r in figures.items():
        secs = r["seconds"]
        print(
            f"{'kc tiles export ' + fmt:<30}{secs:>9.2f}{n / secs:>9,.0f}{r['mb'] / n * 1000:>9.3f}"
            f"{r['peak'] / 1e6:>9.0f}{r['main_peak'] / 1e6:>9.0f}  {r['load']}"
        )
    if py3d:
        secs, mb, py3d_load = py3d
        m = min(py3d_n, n)
        label = "py3dtiles export (b3dm)" if m == n else f"py3dtiles, {m:,} x {n / m:g}*"
        print(
            f"{label:<30}{secs * n / m:>9.2f}{m / secs:>9,.0f}{mb / m * 1000:>9.3f}"
            f"{'':>18}  {py3d_load}"
        )
        if m < n:
            print(
                f"* py3dtiles ran on the first {m:,} buildings in {secs:.2f} s; its seconds are "
                f"that time x {n / m:g} (linear extrapolation), buildings/s as measured."
            )
    print(
        "\npeak MB: the export process and its workers (resident, sampled every 20 ms); main MB:"
        " the export process alone. py3dtiles: positions relative to a float32 offset, no globe"
        " placement, no per-feature metadata; its table is pre-extruded (not timed)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buildings", type=int, default=100_000)
    parser.add_argument(
        "--points", type=int, choices=(1, 3), default=1, help="3: the temporal run (no py3dtiles)"
    )
    parser.add_argument(
        "--py3dtiles",
        type=int,
        default=10_000,
        metavar="N",
        help="buildings py3dtiles exports (its time extrapolated to --buildings); 0: skip it",
    )
    parser.add_argument(
        "--implicit",
        action="store_true",
        help="with --points 3: also the export with --implicit (implicit temporal tileset)",
    )
    args = parser.parse_args()
    if args.points == 3:
        points_run(args.buildings, args.implicit)
    else:
        one_point_run(args.buildings, args.py3dtiles)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:7])
    else:
        main()
