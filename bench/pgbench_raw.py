"""The raw-SQL floor of the throughput benchmark, from pgbench (PostgreSQL's own C client).

The same statement as ``bench/api_items.py``'s raw SQL (bbox + instant, ``LIMIT 101``, the
features as ST_AsGeoJSON) with bboxes drawn the same way (uniform over the synthetic city, one
of the three dates), as the server's read-only role. pgbench costs the shared cores about what
wrk does, so ours / raw SQL says how close the API comes to what PostgreSQL alone can serve.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SCRIPT = """\\set x random(0, 1000000)
\\set y random(0, 1000000)
\\set d random(1, 3)
SELECT id, feature_id, city, source_id, valid_from, valid_to, height, height_estimated, storeys,
       base_elevation, source_crs, recorded_at, ST_AsGeoJSON(geom)
  FROM kc.api_buildings,
       LATERAL (SELECT {x0} + :x * {dx} / 1e6 AS x, {y0} + :y * {dy} / 1e6 AS y) AS b,
       LATERAL (SELECT (ARRAY['2017-10-01', '2018-03-01', '2018-09-01']::date[])[:d] AS day) AS t
 WHERE ST_Intersects(geom, ST_MakeEnvelope(b.x, b.y, b.x + 0.003, b.y + 0.003, 4326))
   AND valid_from <= t.day AND (valid_to IS NULL OR valid_to > t.day)
 ORDER BY id LIMIT 101;
"""


@dataclass(frozen=True)
class PgbenchRun:
    transactions: int
    failed: int
    rate: float  #: transactions per second
    latency_ms: float  #: average


def available() -> bool:
    return shutil.which("pgbench") is not None


def run(
    url: str,
    origin: tuple[float, float],
    extent: tuple[float, float],
    folder: Path,
    clients: int,
    seconds: float,
) -> PgbenchRun:
    """``clients`` connections running the bbox statement for ``seconds``; bboxes' lower-left
    corners uniform in ``origin`` + [0, extent)."""
    script = folder / "pgbench-bbox.sql"
    script.write_text(SCRIPT.format(x0=origin[0], y0=origin[1], dx=extent[0], dy=extent[1]))
    done = subprocess.run(
        [
            "pgbench",
            "--no-vacuum",
            "--client",
            str(clients),
            "--jobs",
            "1",
            "--time",
            str(max(1, round(seconds))),
            "--file",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        check=True,
    )
    out = done.stdout

    def number(pattern: str) -> float:
        found = re.search(pattern, out)
        if found is None:
            raise AssertionError(f"pgbench wrote no {pattern!r}:\n{out}\n{done.stderr}")
        return float(found.group(1))

    failed = re.search(r"number of failed transactions: (\d+)", out)
    return PgbenchRun(
        transactions=int(number(r"number of transactions actually processed: (\d+)")),
        failed=int(failed.group(1)) if failed else 0,
        rate=number(r"tps = ([\d.]+)"),
        latency_ms=number(r"latency average = ([\d.]+) ms"),
    )
