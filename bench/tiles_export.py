"""Benchmark: 3D Tiles export of N synthetic buildings at one point, against two references.

    .venv/bin/python bench/tiles_export.py [--buildings 100000] [--points 3]

Runs on a throw-away database of the managed cluster (or the server of KC_DATABASE_URL) and
prints, for the same buildings in the same run:
  floor      only reading the geometries out of PostGIS (kc.building_state + WKB parsing)
  kc         `kc tiles export` (glb and b3dm) on every core: buildings per second, MB per
             1,000 buildings, peak memory (resident, the process and its workers together)
  py3dtiles  `py3dtiles export -D ... -t ... -c ...` on a plain table of the same extruded
             solids (triangles, built beforehand and not timed)
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import psycopg2
import shapely
from psycopg2 import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gis.store.building_snapshots import apply_staged, stage_rows
from gis.store.cluster import Cluster
from gis.store.db import connect
from gis.store.migrations import migrate
from gis.store.reference import seed
from gis.store.settings import load_settings
from gis.store.staging import copy_rows
from tests.tiles.data import synthetic_city
from tiles.export import export_all
from tiles.features import tile_mesh
from tiles.placement import Frame
from tiles.read import read_layout, read_rows

POINT, AT = "PM18", dt.date(2017, 7, 31)


class PeakMemory:
    """Samples the resident memory of this process and all its descendants every 20 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _tree_rss() -> int:
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
        root = os.getpid()
        total = 0
        for pid, size in rss.items():
            p = pid
            while p > 1 and p != root:
                p = parents.get(p, 0)
            if p == root:
                total += size
        return total

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._tree_rss())

    def __enter__(self) -> PeakMemory:
        self.peak = self._tree_rss()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def with_db(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def dir_mb(path: Path) -> float:
    return (
        sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6
    )


def referenced_bytes(out: Path, hrefs: list[str]) -> tuple[int, int]:
    """Bytes and number of the distinct content files the tilesets ``hrefs`` refer to."""
    names: set[str] = set()
    for href in hrefs:
        stack = [json.loads((out / href).read_text())["root"]]
        while stack:
            tile = stack.pop()
            if "content" in tile:
                names.add(tile["content"]["uri"].rsplit("/", 1)[-1])
            stack.extend(tile.get("children", []))
    return sum((out / "content" / n).stat().st_size for n in names), len(names)


def points_run(n: int) -> None:
    """``--points 3``: n buildings at PM18, a tenth of them (one band of the city) changed at
    PM24 and another tenth at PM30; ``kc tiles export --all``: wall time, peak memory, bytes of the temporal tileset and of
    the three per-point tilesets (content shared between them counted once)."""
    settings = load_settings()
    server = settings.database_url or Cluster(settings).start().url()
    name = "kc_bench_tiles_points"
    admin = psycopg2.connect(server)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = with_db(server, name)
    work = Path(tempfile.mkdtemp(prefix="kc-bench-tiles-"))
    try:
        conn = connect(url)
        migrate(conn)
        seed(conn)
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
        print(f"loaded {n:,} buildings x 3 points in {time.perf_counter() - t:.1f} s (not timed)")
        del base, rows
        gc.collect()
        out = work / "kc"
        before = PeakMemory._tree_rss()
        with PeakMemory() as memory:
            t = time.perf_counter()
            results = export_all(conn, out, city="lyon", database_url=url)
            secs = time.perf_counter() - t
        index = json.loads((out / "index.json").read_text())
        per_point = [e["href"] for e in index["tilesets"]]
        temporal = [e["href"] for e in index["temporal"]]
        pp_bytes, pp_files = referenced_bytes(out, per_point)
        separate = sum(referenced_bytes(out, [h])[0] for h in per_point)
        t_bytes, t_files = referenced_bytes(out, temporal)
        built = [r for r in results if r.path]
        print(f"\n{n:,} buildings x {len(built)} points, one city, {os.cpu_count()} cores")
        print(f"wall time: {secs:.1f} s ({n * len(built) / secs:,.0f} building-points/s)")
        print(
            f"peak memory (process and workers): {memory.peak / 1e6:,.0f} MB "
            f"(the process held {before / 1e6:,.0f} MB before the export)"
        )
        print(f"temporal tileset: {t_bytes / 1e6:,.1f} MB in {t_files:,} files")
        print(
            f"per-point tilesets: {pp_bytes / 1e6:,.1f} MB in {pp_files:,} files with shared "
            f"content once ({separate / 1e6:,.1f} MB if each point had its own copy)"
        )
        print(f"export folder: {dir_mb(out):,.1f} MB")
        conn.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
        with admin.cursor() as cur:
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buildings", type=int, default=100_000)
    parser.add_argument(
        "--points", type=int, choices=(1, 3), default=1, help="3: the temporal run (no py3dtiles)"
    )
    args = parser.parse_args()
    n = args.buildings
    if args.points == 3:
        points_run(n)
        return
    settings = load_settings()
    server = settings.database_url or Cluster(settings).start().url()
    name = "kc_bench_tiles"
    admin = psycopg2.connect(server)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = with_db(server, name)
    work = Path(tempfile.mkdtemp(prefix="kc-bench-tiles-"))
    try:
        conn = connect(url)
        migrate(conn)
        seed(conn)
        t = time.perf_counter()
        with conn:
            stage_rows(conn.cursor(), synthetic_city(n))
            apply_staged(conn, "lyon", POINT, source="bench")
        print(
            f"loaded {n:,} buildings in {time.perf_counter() - t:.1f} s (not part of the figures)"
        )

        t = time.perf_counter()
        with conn.cursor() as cur:
            cur.execute("SET LOCAL jit = off")
            ids = read_layout(cur, "lyon", [AT]).version_id.tolist()
            b = read_rows(cur, ids)
        conn.rollback()
        floor = time.perf_counter() - t
        assert len(b) == n

        figures = {}
        for fmt in ("glb", "b3dm"):
            out = work / f"kc-{fmt}"
            with PeakMemory() as memory:
                t = time.perf_counter()
                export_all(conn, out, point=POINT, city="lyon", fmt=fmt, database_url=url)
                secs = time.perf_counter() - t
            figures[fmt] = (secs, dir_mb(out), memory.peak / 1e6)

        # py3dtiles: a plain table of the same solids (triangles as MultiPolygonZ, local metres).
        mesh = tile_mesh(b, Frame.at(4.8 + 0.06, 45.7 + 0.04))
        order = np.argsort(mesh.feature[mesh.triangles[:, 0]], kind="stable")
        ends = np.cumsum(np.bincount(mesh.feature[mesh.triangles[order, 0]], minlength=n))
        with conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE bench_solids (id bigint, geom geometry(MultiPolygonZ))")

            def wkb(k: int) -> str:
                start = ends[k - 1] if k else 0
                tri = mesh.positions[mesh.triangles[order[start : ends[k]]]]
                polys = [shapely.Polygon(t) for t in tri]
                return shapely.to_wkb(shapely.MultiPolygon(polys), hex=True)

            copy_rows(
                cur,
                sql.Identifier("bench_solids"),
                ("id", "geom"),
                ((vid, wkb(k)) for k, vid in enumerate(b.version_id)),
            )
        conn.close()
        py3d_out = work / "py3dtiles"
        parts = urlsplit(url)
        conninfo = (
            f"dbname={name} host={parts.hostname} port={parts.port} "
            f"user={parts.username} password={parts.password}"
        )
        py3dtiles = Path(sys.executable).with_name("py3dtiles")
        t = time.perf_counter()
        subprocess.run(
            [
                str(py3dtiles),
                "export",
                "-D",
                conninfo,
                "-t",
                "bench_solids",
                "-c",
                "geom",
                "-i",
                "id",
                "-s",
                str(py3d_out),
            ],
            check=True,
            capture_output=True,
        )
        py3d = (time.perf_counter() - t, dir_mb(py3d_out))

        print(f"\n{n:,} buildings at {POINT} ({AT}), one city")
        print(f"cores: {os.cpu_count()}")
        print(f"{'':<28}{'seconds':>10}{'buildings/s':>14}{'MB/1000 bldg':>14}{'peak MB':>10}")
        print(f"{'floor: read from PostGIS':<28}{floor:>10.2f}{n / floor:>14,.0f}{'-':>14}")
        for fmt, (secs, mb, peak) in figures.items():
            print(
                f"{'kc tiles export ' + fmt:<28}{secs:>10.2f}{n / secs:>14,.0f}"
                f"{mb / n * 1000:>14.3f}{peak:>10.0f}"
            )
        secs, mb = py3d
        print(
            f"{'py3dtiles export (b3dm)':<28}{secs:>10.2f}{n / secs:>14,.0f}{mb / n * 1000:>14.3f}"
        )
        print(
            "\npy3dtiles export: positions relative to a float32 offset, no globe placement, "
            "no per-feature metadata; its table is pre-extruded (not timed)."
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
        with admin.cursor() as cur:
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        admin.close()


if __name__ == "__main__":
    main()
