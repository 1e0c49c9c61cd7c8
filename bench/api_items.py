"""Benchmark: the buildings collection of the OGC API against stock pygeoapi and raw SQL.

Loads N synthetic square buildings (default 100,000) at PM18, PM24 and PM30 with some changes
(2% heights changed, 1% removed, 1% added per point: 105,952 versions for 100,000) into a
database of its own on the local cluster, starts ``kc serve``'s gunicorn (the same worker class,
workers and threads) with one extra collection, and measures in the same run:

- ``ours``: our provider (``/collections/buildings``), ``datetime`` = an instant;
- ``stock``: pygeoapi's own PostgreSQLProvider over a plain table of the same rows
  (``/collections/buildings_plain``, indexed on its id and footprint), with the validity as a
  CQL filter, since the stock provider's ``datetime`` only compares one column;
- ``raw SQL``: the same query straight through psycopg2 on the view (the floor: no HTTP, no
  GeoJSON beyond ST_AsGeoJSON).

1. latency (p50/p95, one client) of ``bbox`` (~230 x 330 m) + ``datetime`` + ``limit=100``, of
   a single item, of a deep page (``offset`` 50,000 to 100,000 of 105,952, ``limit=100``) and,
   ours only, of a deep page by its keyset cursor (``after=``);
2. throughput of the bbox requests with 1, 8 and 32 concurrent clients: Python clients
   (requests in threads, answers parsed, then read unparsed), then (2b) wrk, a C load
   generator (``bench/wrk.py``; Debian ``apt-get install wrk``) cycling through
   ``--wrk-requests`` bboxes drawn the same way, ``--wrk-seconds`` a run, the same generator
   for ours and stock; the very paths wrk sends are checked through Python first (a sample of
   20: ours and stock give the same features), and wrk counts every answer >= 400 and every
   socket error or timeout (any fails the run). On 2 shared cores a Python client spends about
   2.5 ms of CPU a request, more than half of what our server spends: its figures measure the
   client as much as the server, wrk's do not. Then the raw-SQL floor from pgbench
   (``bench/pgbench_raw.py``: the same statement, bboxes drawn the same way);
3. full harvests (``bench/api_harvest.py``): ``limit=100`` following the next links (with the
   first pages' latency against the last pages'), ``ogr2ogr -f GPKG … OAPIF:… -oo
   PAGE_SIZE=1000`` and ``ogr2ogr`` with GDAL's default page size (stock: stopped after
   ``--stock-cap`` seconds).

Before anything is timed the three are checked to answer the same (ids, properties, geometries).
The machine's load average is printed: on a shared machine compare the ratios, not the times.

Usage: KC_HOME=.kc .venv/bin/python bench/api_items.py [--buildings 100000] [--requests 300]
       [--sections latency,throughput,harvest] [--wrk-requests 3000] [--wrk-seconds 10]
       [--keep] (keep the database for another run, then --reuse)
Needs ``wrk`` and ``pgbench`` on PATH for 2b (skipped with a note without wrk).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg2
import requests
import yaml
from psycopg2 import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import cpu
import pgbench_raw
import wrk
from api_harvest import ogr2ogr, walk
from databases import fresh_database

from gis.api import serve as server
from gis.api.roles import ensure_login_role, with_credentials
from gis.cli.serve import default_workers
from gis.store.building_snapshots import apply_staged, stage_rows
from gis.store.cluster import Cluster
from gis.store.db import connect
from gis.store.settings import load_settings

ORIGIN = (4.70, 45.70)
STEP = 0.0003
SIZE = 0.0002
DATES = ("2017-10-01", "2018-03-01", "2018-09-01")
ROLE = "kc_bench_items_reader"
SELECT = """SELECT id, feature_id, city, source_id, valid_from, valid_to, height,
       height_estimated, storeys, base_elevation, source_crs, recorded_at, ST_AsGeoJSON(geom)
  FROM kc.api_buildings """
RAW_BBOX = (
    SELECT + "WHERE ST_Intersects(geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326)) "
    "AND valid_from <= %s AND (valid_to IS NULL OR valid_to > %s) ORDER BY id LIMIT 101"
)
RAW_ITEM = SELECT + "WHERE id = %s"
RAW_DEEP = SELECT + "ORDER BY id OFFSET %s LIMIT 101"


# -- data ----------------------------------------------------------------------------------------
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


def versions_in(url: str) -> int | None:
    try:
        conn = psycopg2.connect(url)
    except psycopg2.OperationalError:
        return None
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass('kc.bench_buildings_plain')")
            if cur.fetchone()[0] is None:
                return None
            cur.execute("SELECT count(*) FROM kc.api_buildings")
            return cur.fetchone()[0]
    finally:
        conn.close()


def load_database(url: str, n: int) -> None:
    """``n`` synthetic buildings at three points through the real loader, and the stock
    provider's plain table of the same versions."""
    conn = connect(url)
    for point, rows in snapshots(n, int(n**0.5)).items():
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
        )
    conn.close()


def vacuum(url: str) -> None:
    """What autovacuum does after a load, done now: statistics and the visibility map."""
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    conn.close()


def drop_role(admin_url: str) -> None:
    """The server's login role (cluster-wide: it outlives the database)."""
    admin = psycopg2.connect(admin_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(ROLE)))
    admin.close()


# -- requests ------------------------------------------------------------------------------------
def boxes(count: int, n: int) -> list[tuple[tuple[float, ...], str]]:
    rng = random.Random(7)  # noqa: S311 - reproducible test data
    side = int(n**0.5) * STEP
    result = []
    for _ in range(count):
        x = ORIGIN[0] + rng.uniform(0, side - 0.003)
        y = ORIGIN[1] + rng.uniform(0, side * 0.9 - 0.003)
        result.append(((x, y, x + 0.003, y + 0.003), rng.choice(DATES)))
    return result


class Client:
    """HTTP GETs with one kept-alive session per thread (as a harvester or a viewer keeps one)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.local = threading.local()

    def get(self, path: str, params: dict | None = None) -> dict:
        return self.response(path, params).json()

    def read(self, path: str, params: dict | None = None) -> int:
        """The body's length, unparsed (only a FeatureCollection is taken): a client that
        leaves the shared cores to the server (parsing 50 kB of JSON in Python costs about as
        much CPU as our server spends on the page)."""
        body = self.response(path, params).content
        if not body.startswith(b'{"type":"FeatureCollection"') or not body.endswith(b"}"):
            raise AssertionError(f"not a FeatureCollection: {body[:200]!r}")
        return len(body)

    def response(self, path: str, params: dict | None) -> requests.Response:
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
        url = path if path.startswith("http") else self.base + path
        response = session.get(url, params=params, timeout=120)
        response.raise_for_status()
        return response


def bbox_params(item) -> dict:
    bbox, day = item
    return {"bbox": ",".join(f"{v:.6f}" for v in bbox), "datetime": day, "limit": 100}


def stock_bbox_params(item) -> dict:
    bbox, day = item
    return {
        "bbox": ",".join(f"{v:.6f}" for v in bbox),
        "filter": f"valid_from <= '{day}' AND (valid_to IS NULL OR valid_to > '{day}')",
        "limit": 100,
    }


def timed(call: Callable, work: list, threads: int = 1) -> tuple[list[float], float]:
    """Latencies of ``call`` over ``work`` with ``threads`` concurrent clients, and req/s."""

    def one(item):
        started = time.perf_counter()
        call(item)
        return time.perf_counter() - started

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, work[: max(threads, 5)]))  # warm-up: every client connected
        started = time.perf_counter()
        latencies = list(pool.map(one, work))
    return latencies, len(work) / (time.perf_counter() - started)


def quantiles(latencies: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(latencies, n=100)
    return cuts[49] * 1000, cuts[94] * 1000


def same_feature(ours: dict, stock: dict) -> bool:
    return (
        ours["id"] == stock["id"]
        and ours["properties"] == stock["properties"]
        and ours["geometry"] == stock["geometry"]
    )


# -- the run ------------------------------------------------------------------------------------
SECTIONS = ("latency", "throughput", "harvest")


def main(sections: tuple[str, ...] = SECTIONS) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buildings", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--port", type=int, default=5090)
    parser.add_argument("--database", default="kc_bench_items")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--threads", type=int, default=server.THREADS)
    parser.add_argument("--stock-cap", type=float, default=120.0, help="seconds (harvests)")
    parser.add_argument("--sections", default=",".join(sections), help="of " + ",".join(SECTIONS))
    parser.add_argument("--wrk-requests", type=int, default=3000, help="bboxes wrk cycles")
    parser.add_argument("--wrk-seconds", type=float, default=10.0, help="per wrk run")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept database")
    args = parser.parse_args()
    settings = load_settings()
    admin_url = Cluster(settings).start().url()
    try:
        with fresh_database(
            args.database, admin_url, keep=args.keep, reuse=versions_in if args.reuse else None
        ) as db:
            if not db.reused:
                print(f"Loading {args.buildings:,} synthetic buildings x 3 measurement points …")
                load_database(db.url, args.buildings)
            serve_and_run(args, settings, db.url)
    finally:
        if not args.keep:
            drop_role(admin_url)


def serve_and_run(args, settings, url: str) -> None:
    """The server (ours beside stock pygeoapi's provider) over ``url``, then the sections."""
    home = Path(tempfile.mkdtemp(prefix="kc-bench-items-"))
    process = None
    try:
        vacuum(url)
        conn = connect(url)
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM kc.api_buildings")
            versions = cur.fetchone()[0]
        password = "kc-" + secrets.token_urlsafe(18)
        ensure_login_role(conn, password, role=ROLE)
        conn.close()
        print(f"  {versions:,} building versions")
        reader = with_credentials(url, ROLE, password)
        served = dataclasses.replace(
            settings, home=home, tiles_dir=home / "tiles", books_dir=home / "books"
        )
        files = server.prepare(served, reader, host="127.0.0.1", port=args.port)
        config = yaml.safe_load(files.config.read_text())
        ours_def = config["resources"]["buildings"]
        config["resources"]["buildings_plain"] = {
            **ours_def,
            "providers": [
                {
                    "type": "feature",
                    "name": "PostgreSQL",
                    "data": ours_def["providers"][0]["data"],
                    "id_field": "id",
                    "table": "bench_buildings_plain",
                    "geom_field": "geom",
                    "time_field": "valid_from",
                }
            ],
        }
        files.config.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
        process = subprocess.Popen(
            server.gunicorn_command("127.0.0.1", args.port, args.workers, args.threads),
            env=server.environment(files, dict(os.environ)),
            start_new_session=True,
        )
        args.server_session = process.pid  # its own session: gunicorn and its workers
        run(args, files.base_url, reader, versions, home)
    finally:
        if process is not None:
            os.killpg(process.pid, 15)
            process.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)


def run(args, base: str, reader: str, versions: int, home: Path) -> None:
    for _ in range(300):
        try:
            requests.get(base, timeout=10)
            break
        except requests.RequestException:
            time.sleep(0.2)
    client = Client(base)
    raw = psycopg2.connect(reader)
    raw.autocommit = True
    raw_lock = threading.Lock()

    def raw_rows(query: str, params: tuple) -> list:
        with raw_lock, raw.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall()

    rng = random.Random(11)  # noqa: S311 - reproducible test data
    work = boxes(args.requests, args.buildings)
    every_id = [r[0] for r in raw_rows("SELECT id FROM kc.api_buildings", ())]
    items = [rng.choice(every_id) for _ in range(args.requests)]
    # Deep: from half the collection to its end (50,000 to 100,000 of 105,952).
    low, high = versions // 2, max(versions // 2, min(100_000, versions - 101))
    deep = [rng.randint(low, high) for _ in range(args.requests)]
    after = [every_id[rng.randint(low, high)] for _ in range(args.requests)]
    calls = {
        "bbox+datetime": {
            "ours": lambda w: client.get("/collections/buildings/items", bbox_params(w)),
            "stock": lambda w: client.get(
                "/collections/buildings_plain/items", stock_bbox_params(w)
            ),
            "raw SQL": lambda w: raw_rows(RAW_BBOX, (*w[0], w[1], w[1])),
        },
        "single item": {
            "ours": lambda i: client.get(f"/collections/buildings/items/{i}"),
            "stock": lambda i: client.get(f"/collections/buildings_plain/items/{i}"),
            "raw SQL": lambda i: raw_rows(RAW_ITEM, (i,)),
        },
        "deep offset": {
            "ours": lambda o: client.get(
                "/collections/buildings/items", {"offset": o, "limit": 100}
            ),
            "stock": lambda o: client.get(
                "/collections/buildings_plain/items", {"offset": o, "limit": 100}
            ),
            "raw SQL": lambda o: raw_rows(RAW_DEEP, (o,)),
        },
        "deep keyset": {
            "ours": lambda a: client.get(
                "/collections/buildings/items", {"after": a, "limit": 100}
            ),
        },
    }
    inputs = {
        "bbox+datetime": work,
        "single item": items,
        "deep offset": deep,
        "deep keyset": after,
    }

    # The same answers first.
    for w in work[:20]:
        ours = calls["bbox+datetime"]["ours"](w)
        stock = calls["bbox+datetime"]["stock"](w)
        rows = calls["bbox+datetime"]["raw SQL"](w)
        assert [f["id"] for f in ours["features"]] == [r[0] for r in rows[:100]], w
        assert all(map(same_feature, ours["features"], stock["features"])), w
        assert len(ours["features"]) == len(stock["features"])
    for i in items[:20]:
        ours, stock = calls["single item"]["ours"](i), calls["single item"]["stock"](i)
        assert same_feature(ours, stock) and (ours["prev"], ours["next"]) == (
            stock["prev"],
            stock["next"],
        )
    for o in deep[:5]:
        ours = calls["deep offset"]["ours"](o)
        assert [f["id"] for f in ours["features"]] == [r[0] for r in raw_rows(RAW_DEEP, (o,))[:100]]
    returned = statistics.mean(
        len(calls["bbox+datetime"]["ours"](w)["features"]) for w in work[:30]
    )
    load = os.getloadavg()
    print(
        f"\nThe same answers from ours, stock and raw SQL (checked). Load average "
        f"{load[0]:.1f} on {os.cpu_count()} cores; gunicorn {args.workers} workers x "
        f"{args.threads} threads (gthread). {args.requests} requests each; bbox ~230 x 330 m, "
        f"{returned:.0f} features per answer on average."
    )
    sections = args.sections.split(",")
    if "latency" in sections:
        latency(calls, inputs)
    if "throughput" in sections:
        throughput(client, work)
        if wrk.available():
            work_wrk = boxes(args.wrk_requests, args.buildings)
            throughput_wrk(client, base, reader, work_wrk, home, args)
        else:
            print("\n   (wrk is not installed: apt-get install wrk for the low-overhead client)")
    if "harvest" in sections:
        harvests(client, base, versions, home, args.stock_cap)
    load = os.getloadavg()
    print(f"\nLoad average at the end {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f}.")
    raw.close()


def latency(calls: dict, inputs: dict) -> None:
    print("\n1. Latency, one client (ms)              p50      p95      stock/ours at p50")
    for kind, by_name in calls.items():
        p50s = {}
        for name, call in by_name.items():
            latencies, _ = timed(call, inputs[kind])
            p50, p95 = quantiles(latencies)
            p50s[name] = p50
            ratio = f"{p50s['stock'] / p50s['ours']:5.1f}x" if name == "stock" else ""
            print(f"   {kind:<14} {name:<10} {p50:8.1f} {p95:8.1f}      {ratio}")


def throughput(client: Client, work: list) -> None:
    """Clients parsing every answer, then clients reading it unparsed (``Client.read``): the
    clients run on the server's two cores, and the second leaves more of them to the server."""
    print("\n2. Throughput, bbox+datetime (req/s)     1 client   8 clients   32 clients")
    paths = {"ours": "/collections/buildings/items", "stock": "/collections/buildings_plain/items"}
    params = {"ours": bbox_params, "stock": stock_bbox_params}
    for how in ("parsed", "read"):
        rates: dict[str, list[float]] = {}
        for name in ("ours", "stock"):
            fetch = client.get if how == "parsed" else client.read

            def call(w, fetch=fetch, name=name):
                return fetch(paths[name], params[name](w))

            rates[name] = [timed(call, work, n)[1] for n in (1, 8, 32)]
            print(
                f"   {name + ', ' + how + ' answers':<36} "
                + "  ".join(f"{r:9.1f}" for r in rates[name])
            )
        ratios = (o / s for o, s in zip(rates["ours"], rates["stock"], strict=True))
        print(f"   {'ours/stock':<36} " + "  ".join(f"{r:8.1f}x" for r in ratios))
    print("   (every answer 200, a FeatureCollection: a failure stops the run, so 0 errors)")


def throughput_wrk(client: Client, base: str, reader: str, work: list, home: Path, args) -> None:
    """The same requests (more of them) from wrk (``bench/wrk.py``), which leaves the shared
    cores to the servers: first a sample of the very paths wrk sends, checked through Python
    (ours and stock give the same features), then ``--wrk-seconds`` per run."""
    ours = wrk.request_paths(base, "/collections/buildings/items", [bbox_params(w) for w in work])
    stock = wrk.request_paths(
        base, "/collections/buildings_plain/items", [stock_bbox_params(w) for w in work]
    )
    for o, s in list(zip(ours, stock, strict=True))[:: max(1, len(ours) // 20)]:
        a, b = client.get(base + o), client.get(base + s)
        assert len(a["features"]) == len(b["features"]), (o, s)
        assert all(map(same_feature, a["features"], b["features"])), (o, s)
    print(
        f"\n2b. Throughput from wrk (C client, {len(ours):,} bbox+datetime requests in turn, "
        f"{args.wrk_seconds:g} s a run; sample of 20 checked)"
    )
    print("   req/s (p50 ms)                       1 client        8 clients       32 clients")
    rates: dict[str, list[float]] = {}
    gunicorn = cpu.in_session(args.server_session)
    postgres = cpu.backends_of(ROLE, args.database)
    used: dict[str, list[tuple[float, float]]] = {}
    for name, paths in (("ours", ours), ("stock", stock)):
        runs, used[name] = [], []
        for n in (1, 8, 32):
            before = cpu.cpu_of(gunicorn), cpu.cpu_of(postgres)
            done = wrk.run(base, paths, home, n, args.wrk_seconds)
            after = cpu.cpu_of(gunicorn), cpu.cpu_of(postgres)
            assert done.errors == 0 and done.requests > 0, (name, n, done)
            runs.append(done)
            used[name].append(
                tuple(
                    cpu.spent(b, a) * 1000 / done.requests
                    for b, a in zip(before, after, strict=True)
                )
            )
        rates[name] = [done.rate for done in runs]
        print(
            f"   {name:<36} " + "  ".join(f"{done.rate:7.1f} ({done.p50_ms:5.1f})" for done in runs)
        )
    ratios = (o / s for o, s in zip(rates["ours"], rates["stock"], strict=True))
    print(f"   {'ours/stock':<36} " + "  ".join(f"{r:14.1f}x" for r in ratios))
    print("   (wrk counted 0 answers >= 400 and 0 socket errors or timeouts in every run)")
    print("   CPU ms a request, gunicorn + PostgreSQL (steadier than req/s on a shared machine)")
    for name in ("ours", "stock"):
        print(f"   {name:<36} " + "  ".join(f"{g:6.2f} + {p:5.2f}" for g, p in used[name]))
    ratios = (sum(s) / sum(o) for o, s in zip(used["ours"], used["stock"], strict=True))
    print(f"   {'stock/ours (CPU a request)':<36} " + "  ".join(f"{r:14.1f}x" for r in ratios))
    if not pgbench_raw.available():
        return
    side = int(args.buildings**0.5) * STEP
    runs = [
        pgbench_raw.run(
            reader, ORIGIN, (side - 0.003, side * 0.9 - 0.003), home, n, args.wrk_seconds
        )
        for n in (1, 8, 32)
    ]
    assert all(done.failed == 0 and done.transactions > 0 for done in runs), runs
    print(
        f"   {'raw SQL (pgbench, same statement)':<36} "
        + "  ".join(f"{done.rate:7.1f} ({done.latency_ms:5.1f})" for done in runs)
    )
    ratios = (o / done.rate for o, done in zip(rates["ours"], runs, strict=True))
    print(f"   {'ours/raw SQL':<36} " + "  ".join(f"{r:14.2f}x" for r in ratios))


def harvests(client: Client, base: str, versions: int, home: Path, cap: float) -> None:
    print(
        f"\n3. Harvests of the whole collection ({versions:,} versions; stock stopped at {cap:.0f} s)"
    )
    for name, layer in (("ours", "buildings"), ("stock", "buildings_plain")):
        done = walk(
            client.get,
            f"/collections/{layer}/items",
            {"limit": 100},
            None if name == "ours" else cap,
        )
        first, last = done.ends()
        what = "all" if done.done else f"stopped at {done.features:,}"
        print(
            f"   {name + ',':<6} limit=100 by next links:    {what} in {done.seconds:6.1f} s "
            f"(first pages {first:.1f} ms, last pages {last:.1f} ms)"
        )
        if name == "ours":
            assert done.done and done.features == done.ids == versions, done
    for page_size in (1000, None):
        for name, layer in (("ours", "buildings"), ("stock", "buildings_plain")):
            out = home / f"{layer}-{page_size}.gpkg"
            copy = ogr2ogr(base, layer, out, page_size, None if name == "ours" else cap)
            what = (
                f"{copy.features:,} features"
                if copy.features is not None
                else f"stopped after {copy.pages:,} pages"
            )
            size = f"PAGE_SIZE={page_size}" if page_size else "default page size"
            print(
                f"   {name + ',':<6} ogr2ogr {size + ':':<19} {what} in {copy.seconds:6.1f} s "
                f"({copy.pages:,} requests)"
            )
            if name == "ours":
                assert copy.features == versions, copy


if __name__ == "__main__":
    main()
