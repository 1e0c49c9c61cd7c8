"""Benchmark: 3D Tiles export of N synthetic buildings at one point, against two references.

    .venv/bin/python bench/tiles_export.py [--buildings 100000]

Runs on a throw-away database of the managed cluster (or the server of KC_DATABASE_URL) and
prints, for the same buildings in the same run:
  floor      only reading the geometries out of PostGIS (kc.building_state + WKB parsing)
  kc         `kc tiles export` (glb and b3dm): buildings per second, MB per 1,000 buildings
  py3dtiles  `py3dtiles export -D ... -t ... -c ...` on a plain table of the same extruded
             solids (triangles, built beforehand and not timed)
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import shutil
import subprocess
import sys
import tempfile
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
from tiles.export import export_all, read_buildings
from tiles.features import frame_for, solids

POINT, AT = "PM18", dt.date(2017, 7, 31)


def rows(n: int) -> list[tuple]:
    """n rotated rectangles of 10-25 m on a 30 m grid around Lyon Confluence, in EPSG:4326."""
    side = math.ceil(math.sqrt(n))
    i = np.arange(n)
    x = 4.80 + (i % side) * 0.00038
    y = 45.70 + (i // side) * 0.00027
    w = (10 + (i % 7) * 2.0) * 0.0000129
    h = (10 + (i % 5) * 3.0) * 0.000009
    out = []
    for k in range(n):
        box = shapely.box(x[k], y[k], x[k] + w[k], y[k] + h[k])
        geom = shapely.MultiPolygon([box])
        ewkb = shapely.to_wkb(shapely.set_srid(geom, 4326), hex=True, include_srid=True)
        out.append(
            (f"B{k:06d}", ewkb, 6.0 + (k % 10) * 3, False, 2 + k % 8, 170.0, None, "EPSG:3946", {})
        )
    return out


def with_db(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def dir_mb(path: Path) -> float:
    return (
        sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buildings", type=int, default=100_000)
    n = parser.parse_args().buildings
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
            stage_rows(conn.cursor(), rows(n))
            apply_staged(conn, "lyon", POINT, source="bench")
        print(
            f"loaded {n:,} buildings in {time.perf_counter() - t:.1f} s (not part of the figures)"
        )

        t = time.perf_counter()
        with conn.cursor() as cur:
            b = read_buildings(cur, "lyon", AT)
        conn.rollback()
        floor = time.perf_counter() - t
        assert len(b) == n

        figures = {}
        for fmt in ("glb", "b3dm"):
            out = work / f"kc-{fmt}"
            t = time.perf_counter()
            export_all(conn, out, point=POINT, city="lyon", fmt=fmt)
            figures[fmt] = (time.perf_counter() - t, dir_mb(out / "lyon"))

        # py3dtiles: a plain table of the same solids (triangles as MultiPolygonZ, local metres).
        shapes = solids(b, frame_for(b))
        with conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE bench_solids (id bigint, geom geometry(MultiPolygonZ))")

            def wkb(mesh) -> str:
                tri = mesh.positions[mesh.triangles]
                polys = [shapely.Polygon(t) for t in tri]
                return shapely.to_wkb(shapely.MultiPolygon(polys), hex=True)

            copy_rows(
                cur,
                sql.Identifier("bench_solids"),
                ("id", "geom"),
                ((vid, wkb(m)) for vid, m in zip(b.version_id, shapes.meshes, strict=True)),
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
        print(f"{'':<28}{'seconds':>10}{'buildings/s':>14}{'MB/1000 bldg':>14}")
        print(f"{'floor: read from PostGIS':<28}{floor:>10.2f}{n / floor:>14,.0f}{'-':>14}")
        for fmt, (secs, mb) in figures.items():
            print(
                f"{'kc tiles export ' + fmt:<28}{secs:>10.2f}{n / secs:>14,.0f}{mb / n * 1000:>14.3f}"
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
