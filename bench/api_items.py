"""Benchmark: ``items?bbox=…&datetime=…&limit=100`` on the buildings collection.

Loads N synthetic square buildings (default 100,000) at PM18, PM24 and PM30 with some changes
(2% heights changed, 1% removed, 1% added per point) into a bench database of the local cluster,
starts ``kc serve``'s gunicorn with one extra collection, and times in the same run:

- ``valid-time``: our provider (``/collections/buildings``), datetime = an instant;
- ``raw SQL``: the same query straight through psycopg2 (the floor: no HTTP, no GeoJSON encoding
  beyond ST_AsGeoJSON);
- ``stock``: pygeoapi's own PostgreSQLProvider over a plain table of the same rows
  (``/collections/buildings_plain``), with the same validity condition as a CQL filter, since the
  stock provider's ``datetime`` only compares one column.

Usage: KC_HOME=.kc .venv/bin/python bench/api_items.py [--buildings 100000] [--requests 300]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg2
import requests
import yaml
from psycopg2 import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gis.api import serve as server
from gis.api.roles import LOGIN_ROLE, ensure_login_role, reader_password, with_credentials
from gis.store.building_snapshots import apply_staged, stage_rows
from gis.store.cluster import Cluster
from gis.store.db import connect
from gis.store.migrations import migrate
from gis.store.reference import seed
from gis.store.settings import load_settings

DATABASE = "kc_bench"
ORIGIN = (4.70, 45.70)
STEP = 0.0003
SIZE = 0.0002
DATES = ("2017-10-01", "2018-03-01", "2018-09-01")
RAW = """SELECT id, feature_id, city, source_id, valid_from, valid_to, height, height_estimated,
                storeys, base_elevation, source_crs, recorded_at, ST_AsGeoJSON(geom)
           FROM kc.api_buildings
          WHERE ST_Intersects(geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326))
            AND valid_from <= %s AND (valid_to IS NULL OR valid_to > %s)
          ORDER BY id LIMIT 101"""


def square(i: int, columns: int, shift: float = 0.0) -> str:
    x0 = ORIGIN[0] + (i % columns) * STEP + shift
    y0 = ORIGIN[1] + (i // columns) * STEP
    x1, y1 = x0 + SIZE, y0 + SIZE
    return f"SRID=4326;MULTIPOLYGON((({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0})))"


def snapshots(n: int, columns: int) -> dict[str, list[tuple]]:
    """PM18, PM24, PM30: each from the previous with 2% changed, 1% removed, 1% added."""
    rng = random.Random(42)  # noqa: S311 - reproducible test data
    current = {f"B{i:07d}": (square(i, columns), 10.0 + (i % 40)) for i in range(n)}
    result = {}
    next_id = n
    for point in ("PM18", "PM24", "PM30"):
        if point != "PM18":
            keys = list(current)
            for key in rng.sample(keys, n // 50):
                geom, height = current[key]
                current[key] = (geom, height + 3.0)
            for key in rng.sample(keys, n // 100):
                del current[key]
            for _ in range(n // 100):
                current[f"B{next_id:07d}"] = (square(next_id % n, columns, shift=SIZE / 4), 12.0)
                next_id += 1
        result[point] = [
            (sid, geom, height, False, int(height // 3), 170.0, None, "EPSG:3946", {})
            for sid, (geom, height) in current.items()
        ]
    return result


def create_database(admin_url: str, n: int) -> str:
    admin = psycopg2.connect(admin_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE))
        )
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    admin.close()
    url = admin_url.rsplit("/", 1)[0] + "/" + DATABASE
    conn = connect(url)
    migrate(conn)
    seed(conn)
    columns = int(n**0.5)
    for point, rows in snapshots(n, columns).items():
        started = time.perf_counter()
        with conn:
            stage_rows(conn.cursor(), rows)
            summary = apply_staged(conn, "lyon", point, source=f"bench-{point}")
        print(
            f"  loaded {point}: {len(rows):,} buildings, {summary.new} new, {summary.changed} "
            f"changed, {summary.ended} ended ({time.perf_counter() - started:.1f} s)"
        )
    with conn, conn.cursor() as cur:
        cur.execute(
            "CREATE TABLE kc.bench_buildings_plain AS SELECT * FROM kc.api_buildings;"
            "ALTER TABLE kc.bench_buildings_plain ADD PRIMARY KEY (id);"
            "CREATE INDEX ON kc.bench_buildings_plain USING gist (geom);"
            "CREATE INDEX ON kc.bench_buildings_plain USING gist (daterange(valid_from, valid_to));"
            "GRANT SELECT ON kc.bench_buildings_plain TO kc_reader;"
            "ANALYZE"
        )
        cur.execute("SELECT count(*) FROM kc.api_buildings")
        print(f"  {cur.fetchone()[0]:,} building versions")
    conn.close()
    return url


def queries(count: int, n: int) -> list[tuple[tuple[float, ...], str]]:
    rng = random.Random(7)  # noqa: S311 - reproducible test data
    side = int(n**0.5) * STEP
    result = []
    for _ in range(count):
        x = ORIGIN[0] + rng.uniform(0, side - 0.003)
        y = ORIGIN[1] + rng.uniform(0, side * 0.9 - 0.003)
        result.append(((x, y, x + 0.003, y + 0.003), rng.choice(DATES)))
    return result


def timed(call, work: list, threads: int) -> tuple[list[float], float]:
    def one(item):
        started = time.perf_counter()
        call(item)
        return time.perf_counter() - started

    one(work[0])  # warm-up
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        latencies = list(pool.map(one, work))
    return latencies, len(work) / (time.perf_counter() - started)


def report(name: str, latencies: list[float], rps: float, concurrent_rps: float) -> None:
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"  {name:<12} p50 {cuts[49] * 1000:7.1f} ms   p95 {cuts[94] * 1000:7.1f} ms   "
        f"{rps:7.1f} req/s (1 client)   {concurrent_rps:7.1f} req/s (4 clients)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buildings", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--port", type=int, default=5090)
    args = parser.parse_args()
    settings = load_settings()
    admin_url = Cluster(settings).start().url()
    print(f"Loading {args.buildings:,} synthetic buildings x 3 measurement points …")
    url = create_database(admin_url, args.buildings)
    password = reader_password(settings.home)
    conn = connect(url)
    ensure_login_role(conn, password)
    conn.close()
    reader = with_credentials(url, LOGIN_ROLE, password)
    files = server.prepare(settings, reader, host="127.0.0.1", port=args.port)
    config = yaml.safe_load(files.config.read_text())
    plain = {
        **config["resources"]["buildings"],
        "providers": [
            {
                "type": "feature",
                "name": "PostgreSQL",
                "data": config["resources"]["buildings"]["providers"][0]["data"],
                "id_field": "id",
                "table": "bench_buildings_plain",
                "geom_field": "geom",
                "time_field": "valid_from",
            }
        ],
    }
    config["resources"]["buildings_plain"] = plain
    files.config.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    process = subprocess.Popen(
        server.gunicorn_command("127.0.0.1", args.port, 2),
        env=server.environment(files, dict(os.environ)),
    )
    base = files.base_url
    try:
        for _ in range(200):
            try:
                requests.get(base, timeout=10)
                break
            except requests.RequestException:
                time.sleep(0.2)
        work = queries(args.requests, args.buildings)
        session = requests.Session()

        def ours(item):
            bbox, day = item
            r = session.get(
                f"{base}/collections/buildings/items",
                params={"bbox": ",".join(f"{v:.6f}" for v in bbox), "datetime": day, "limit": 100},
                timeout=60,
            )
            r.raise_for_status()
            return r.json()["numberReturned"]

        def stock(item):
            bbox, day = item
            condition = f"valid_from <= '{day}' AND (valid_to IS NULL OR valid_to > '{day}')"
            r = session.get(
                f"{base}/collections/buildings_plain/items",
                params={
                    "bbox": ",".join(f"{v:.6f}" for v in bbox),
                    "filter": condition,
                    "limit": 100,
                },
                timeout=60,
            )
            r.raise_for_status()
            return r.json()["numberReturned"]

        raw_conn = psycopg2.connect(reader)
        raw_conn.autocommit = True

        def raw(item):
            bbox, day = item
            with raw_conn.cursor() as cur:
                cur.execute(RAW, (*bbox, day, day))
                return len(cur.fetchall()[:100])

        # The three answer the same: check on a few queries before timing.
        for item in work[:10]:
            assert ours(item) == stock(item) == raw(item), item
        returned = statistics.mean(ours(item) for item in work[:30])
        print(
            f"\nitems?bbox=(~230 x 330 m)&datetime=<instant>&limit=100, {args.requests} requests, "
            f"{returned:.0f} features per answer on average:"
        )
        for name, call, concurrent in (
            ("raw SQL", raw, False),
            ("valid-time", ours, True),
            ("stock", stock, True),
        ):
            latencies, rps = timed(call, work, 1)
            if concurrent:
                _, rps4 = timed(call, work, 4)
            else:
                rps4 = float("nan")
            report(name, latencies, rps, rps4)
        raw_conn.close()
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    main()
