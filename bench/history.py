"""Benchmark: history through the API (issue 12) against references in the same run.

The same synthetic city as ``bench/api_items.py`` (N square buildings at PM18, PM24 and PM30,
2% changed, 1% removed, 1% added per point: 105,952 versions for 100,000), in a database of its
own, then, through the provider that serves the API (``ValidTimeProvider``: the SQL the server
runs, without HTTP):

1. a page of 1000 buildings with their version links vs the same page without (the links' cost,
   read from the stored neighbours of migration 0051);
2. a page of 1000 buildings at ``known_at`` (before the PM30 load) vs the current page, without
   and with version links (computed from the validity rows at a known_at: what every page paid
   before the neighbours were stored);
3. the change feed for (PM18, PM24] (``kc.building_changes``, what ``building_changes`` and
   ``kc diff`` read) vs the reference a harvester computes without it: the states at PM18 and
   at PM24 compared row by row in SQL (a FULL JOIN of ``kc.building_state``), and vs the feed
   over the whole history (no bounds). The counts must agree.

Each figure is the median of ``--repeat`` runs. The machine's load average is printed: on a
shared machine compare the ratios, not the times.

Usage: KC_HOME=.kc .venv/bin/python bench/history.py [--buildings 100000] [--repeat 7] [--keep]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_items import load_database, vacuum
from databases import fresh_database

from gis.api import history
from gis.store.cluster import Cluster
from gis.store.settings import load_settings
from tests.api.providers import make_provider

PM18, PM24 = dt.date(2017, 7, 31), dt.date(2018, 1, 31)
STATE_DIFF = """
WITH a AS (SELECT building_id, version_id FROM kc.building_state(%(a)s)),
     b AS (SELECT building_id, version_id FROM kc.building_state(%(b)s))
SELECT CASE WHEN a.building_id IS NULL THEN 'new' WHEN b.building_id IS NULL THEN 'ended'
            ELSE 'changed' END, count(*)
  FROM a FULL JOIN b USING (building_id)
 WHERE a.version_id IS DISTINCT FROM b.version_id GROUP BY 1 ORDER BY 1
"""
FEED = "SELECT change, count(*) FROM kc.building_changes(%(first)s, %(last)s) GROUP BY 1 ORDER BY 1"


def median_ms(run: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def sql_counts(url: str, statement: str, params: dict) -> Callable[[], list]:
    def run() -> list:
        conn = psycopg2.connect(url)
        try:
            with conn.cursor() as cur:
                cur.execute(statement, params)
                return cur.fetchall()
        finally:
            conn.close()

    return run


def page(provider, request: history.HistoryRequest | None, **query) -> Callable[[], dict]:
    def run() -> dict:
        token = history.HISTORY.set(request)
        try:
            return provider.query(limit=1000, **query)
        finally:
            history.HISTORY.reset(token)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buildings", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database", default="kc_bench_history")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    admin = Cluster(load_settings()).start().url()
    print(f"load average: {os.getloadavg()}")
    with fresh_database(args.database, admin, keep=args.keep) as db:
        url = db.url
        load_database(url, args.buildings)
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            cur.execute("SELECT max(recorded_at) FROM kc.load_run WHERE point_code = 'PM24'")
            before_pm30 = cur.fetchone()[0]
            cur.execute("SELECT count(*) FROM kc.building_validity")
            print(f"{cur.fetchone()[0]:,} validity rows")
            # What the triggers of migration 0051 do for a load touching every building.
            started = time.perf_counter()
            cur.execute(
                "SELECT kc.refresh_version_neighbours('buildings', "
                "ARRAY(SELECT building_id FROM kc.building))"
            )
            print(
                f"stored version links of every building recomputed in "
                f"{time.perf_counter() - started:.2f} s"
            )
        conn.close()
        vacuum(url)
        plain = make_provider(url, "api_buildings", known_at_function="api_buildings_known")
        linked = make_provider(
            url,
            "api_buildings",
            known_at_function="api_buildings_known",
            version_links="buildings",
        )
        now = history.HistoryRequest("http://bench/collections/buildings/items", None, None)
        then = history.HistoryRequest("http://bench/collections/buildings/items", before_pm30, None)
        at = "2018-03-01"
        rows = [
            ("page of 1000, no links", page(plain, now, datetime_=at)),
            ("page of 1000, version links", page(linked, now, datetime_=at)),
            ("page of 1000 at known_at", page(plain, then, datetime_=at)),
            # At a known_at the links are computed from the validity rows (kc.version_neighbours);
            # believed now they are read from kc.version_neighbour (migration 0051).
            ("page of 1000 at known_at, links computed", page(linked, then, datetime_=at)),
            ("deep page (offset 50000), no links", page(plain, now, offset=50_000)),
            ("deep page (offset 50000), links", page(linked, now, offset=50_000)),
        ]
        for label, run in rows:
            ms, result = median_ms(run, args.repeat)
            print(f"  {label:<40} {ms:8.1f} ms  ({len(result['features'])} features)")
        feed_ms, feed = median_ms(
            sql_counts(url, FEED, {"first": PM18 + dt.timedelta(days=1), "last": PM24}),
            args.repeat,
        )
        diff_ms, diff = median_ms(sql_counts(url, STATE_DIFF, {"a": PM18, "b": PM24}), args.repeat)
        whole_ms, _ = median_ms(sql_counts(url, FEED, {"first": None, "last": None}), args.repeat)
        assert feed == diff, (feed, diff)
        print(f"  changes (PM18, PM24]: {dict(feed)}")
        print(f"  {'feed, one interval (kc.building_changes)':<40} {feed_ms:8.1f} ms")
        print(f"  {'reference: two states compared':<40} {diff_ms:8.1f} ms")
        print(f"  {'feed, whole history (no bounds)':<40} {whole_ms:8.1f} ms")


if __name__ == "__main__":
    main()
