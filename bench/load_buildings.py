"""Benchmark: ``kc load buildings`` against ``ogr2ogr -f PostgreSQL`` on the same GeoPackage.

Not a test. Writes the buildings of N synthetic plots (default 105,000: over 100,000 buildings)
to a GeoPackage, then in one run:
  1. ogr2ogr loads it into a plain table (the reference: no validation, no versioning);
  2. ``kc load buildings`` loads it as a snapshot (validation, reprojection, COPY, versioning);
  3. ``kc load buildings`` re-loads the same snapshot (nothing changes).
Runs against a throw-away database ``kc_bench`` on the managed cluster (or KC_DATABASE_URL's server).

    .venv/bin/python bench/load_buildings.py [N]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import pyogrio
from databases import fresh_database  # bench/ is on the path of a bench script

from etl.sample.districts import write_buildings

ROOT = Path(__file__).resolve().parent.parent
KC = ROOT / ".venv" / "bin" / "kc"


def timed(label: str, command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{label} failed:\n{result.stdout}\n{result.stderr}")
    print(f"  {label:<34} {seconds:8.2f} s   {result.stdout.strip()[:110]}")
    return seconds


def pg_connection_string(url: str) -> str:
    parts = urlsplit(url)
    return (
        f"PG:host={parts.hostname} port={parts.port or 5432} dbname={parts.path.lstrip('/')} "
        f"user={parts.username} password={parts.password}"
    )


def main(n: int) -> None:
    with fresh_database("kc_bench") as db:
        run(n, db.url)


def run(n: int, url: str) -> None:
    env = {**os.environ, "KC_DATABASE_URL": url}
    with tempfile.TemporaryDirectory() as tmp:
        gpkg = Path(tmp) / "buildings.gpkg"
        start = time.perf_counter()
        write_buildings(gpkg, "lyon", "PM18", n)
        n = pyogrio.read_info(gpkg)["features"]  # plots left vacant at PM18 hold no building
        print(
            f"{n} synthetic buildings written in {time.perf_counter() - start:.1f} s ({gpkg.stat().st_size / 1e6:.0f} MB)"
        )
        ogr = timed(
            "ogr2ogr -f PostgreSQL (plain table)",
            [
                "ogr2ogr",
                "-f",
                "PostgreSQL",
                pg_connection_string(url),
                str(gpkg),
                "-nln",
                "bench_ogr",
                "-overwrite",
                "-lco",
                "GEOMETRY_NAME=geom",
            ],
            env,
        )
        load = timed(
            "kc load buildings (first load)",
            [str(KC), "load", "buildings", str(gpkg), "--city", "lyon", "--at", "PM18"],
            env,
        )
        again = timed(
            "kc load buildings (same snapshot)",
            [str(KC), "load", "buildings", str(gpkg), "--city", "lyon", "--at", "PM18"],
            env,
        )
    print(
        f"\nfirst load: {n / load:,.0f} buildings/s, {load / ogr:.2f}x the time of ogr2ogr ({n / ogr:,.0f}/s)"
    )
    print(f"re-load:    {n / again:,.0f} buildings/s, {again / ogr:.2f}x the time of ogr2ogr")


if __name__ == "__main__":
    # N plots; at PM18 about 96 % of them hold a building, so 105,000 plots give > 100,000.
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 105_000)
