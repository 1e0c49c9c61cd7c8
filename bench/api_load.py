"""Load benchmark: 32 concurrent clients for 60 s against ``kc serve``, every answer checked.

Not a timed test: a script that prints figures and exits 1 when the server failed a client.

Data: the synthetic sample districts of Lyon, Munich and Vienna (``etl/sample``) with PLOTS plots
per city (default 35,000: over 100,000 buildings standing at each of PM18, PM24 and PM30, some
112,000 building versions), their projects and Common Reporting, loaded through the real loaders
(``load_sample``: GeoPackage, GeoJSON and XLSX files, point after point) into a throw-away
database ``kc_bench_load`` of the managed cluster (or of KC_DATABASE_URL's server).

Server: ``kc serve`` as in production (gunicorn with its default number of workers, reading as a
read-only login role made for the run), on a free port of 127.0.0.1.

Clients: CLIENTS threads, each with its own ``requests.Session`` and random generator (seeded),
send requests back to back for DURATION seconds, drawn as a population of clients would:

- ``bbox+datetime``  a first page: ``bbox`` (about 300 x 300 m in one district), ``datetime`` (an
                     instant or an interval), ``limit=100``: a viewer panning at a date;
- ``offset paging``  a harvester deep in the collection: a page at a random ``offset`` (up to
                     the last) with ``limit=100``, then the next two pages by their next links;
- ``item``           one building version by id;
- ``other``          a page of the projects, reports, cities, thematic fields, measurement points
                     or challenges (with a ``datetime`` for the versioned ones);
- ``hits``           ``resulttype=hits`` with a ``datetime`` instant.

Every answer is checked (``tests/api/feature_checks.py``): status 200; a page is a GeoJSON
FeatureCollection whose ``numberReturned`` is its feature count and whose ``numberMatched``, when
given, agrees with the page; every feature has an ``id`` and all the properties its collection's
schema declares (the queryables must name the same), each ``null`` or of the declared type
(never ``{}``); pages of a datetime query hold versions valid then; consecutive pages continue in
id order; an item is the one asked for; hits count what SQL counts. Latencies are measured by the
clients (request sent to body parsed), on the same machine as the server and the database.

Usage (from a clone set up as the README says):

    KC_HOME=.kc .venv/bin/python bench/api_load.py [--plots 35000] [--clients 32] [--duration 60]
                                                   [--keep] [--reuse]

``--keep`` leaves the database, the role and the files (sample, server log) for another run,
``--reuse`` uses the database if present. Otherwise the run removes everything it made.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg2
import requests
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from databases import fresh_database  # noqa: E402

from etl.sample.districts import load_sample  # noqa: E402
from gis.api.roles import ensure_login_role, with_credentials  # noqa: E402
from gis.store.cluster import Cluster  # noqa: E402
from gis.store.db import connect  # noqa: E402
from gis.store.settings import load_settings  # noqa: E402
from tests.api.feature_checks import declarations, feature_problems, page_problems  # noqa: E402

DATABASE = "kc_bench_load"
ROLE = "kc_bench_load_reader"
POINTS = {"PM18": "2017-07-31", "PM24": "2018-01-31", "PM30": "2018-07-31"}
#: Instants inside each measurement point's period, and intervals across them.
INSTANTS = ("2017-10-01", "2018-03-01", "2018-09-01", "2018-01-31")
INTERVALS = ("2017-10-01/2018-03-01", "2018-01-31/..", "../2017-12-31")
MIX = {"bbox+datetime": 45, "offset paging": 15, "item": 20, "other": 15, "hits": 5}
PAGE = 100
BOX = (0.004, 0.0027)  # degrees: about 300 x 300 m at these latitudes
TIMEOUT = 60
OTHERS = ("projects", "reports", "cities", "thematic_fields", "measurement_points", "challenges")
VERSIONED = {"projects", "reports", "measurement_points", "buildings"}


# -- data ----------------------------------------------------------------------------------------
def load(url: str, plots: int, work: Path) -> None:
    """The sample districts, ``plots`` per city, through the real loaders."""
    print(f"Loading the sample districts, {plots:,} plots per city, through the real loaders …")
    started = time.perf_counter()
    load_sample(url, work / "sample", plots, echo=lambda line: print(line, flush=True))
    print(f"  loaded in {time.perf_counter() - started:.0f} s")


def _loaded(url: str) -> bool:
    try:
        return scalar(url, "SELECT count(*) > 0 FROM kc.api_buildings")
    except psycopg2.Error:
        return False


def scalar(url: str, query: str, args: tuple = ()):
    conn = connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(query, args)
            return cur.fetchone()[0]
    finally:
        conn.close()


def rows(url: str, query: str, args: tuple = ()) -> list[tuple]:
    conn = connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(query, args)
            return cur.fetchall()
    finally:
        conn.close()


STANDING = """SELECT count(*) FROM kc.building_validity
               WHERE superseded_at IS NULL AND valid_from <= %s
                 AND (valid_to IS NULL OR valid_to > %s)"""


@dataclass(frozen=True)
class Facts:
    """What the checks compare with, read from SQL before the run."""

    versions: int
    hits: dict[str, int]  # datetime instant -> building versions valid then
    extents: dict[str, tuple[float, float, float, float]]  # city -> lon/lat box of its buildings
    ids: list[int]  # a sample of building version ids


def facts(url: str) -> Facts:
    versions = scalar(url, "SELECT count(*) FROM kc.building_validity WHERE superseded_at IS NULL")
    hits = {day: scalar(url, STANDING, (day, day)) for day in INSTANTS}
    extents = {
        city: (x0, y0, x1, y1)
        for city, x0, y0, x1, y1 in rows(
            url,
            "SELECT city, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
            "(SELECT city, ST_Extent(geom) AS e FROM kc.api_buildings GROUP BY city) s",
        )
    }
    ids = [r[0] for r in rows(url, "SELECT id FROM kc.api_buildings ORDER BY random() LIMIT 5000")]
    return Facts(versions, hits, extents, ids)


# -- the server ----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(home: Path, url: str, reader: str) -> tuple[subprocess.Popen, str, Path]:
    port = free_port()
    log = home / "serve.log"
    env = {
        **os.environ,
        "KC_HOME": str(home),
        "KC_DATABASE_URL": url,
        "KC_READER_DATABASE_URL": reader,
        "KC_HOST": "127.0.0.1",
        "KC_PORT": str(port),
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "kc"), "serve"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"kc serve exited with {process.returncode}:\n{log.read_text()}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{base}/", timeout=30).status_code == 200:
                return process, base, log
        time.sleep(0.5)  # polling interval while gunicorn starts
    stop_server(process)
    raise SystemExit(f"kc serve did not answer within 300 s:\n{log.read_text()}")


def stop_server(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


# -- the clients ---------------------------------------------------------------------------------
@dataclass
class Outcome:
    kind: str
    seconds: float
    status: int | None  # None: no answer (connection error, timeout)
    problems: list[str]
    url: str


@dataclass
class Results:
    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)


class Client:
    """One client: its own session and random generator; sends requests until the deadline."""

    def __init__(self, number: int, base: str, facts: Facts, declared: dict, results: Results):
        self.rng = random.Random(1000 + number)  # noqa: S311 - reproducible traffic, not secrets
        self.session = requests.Session()
        self.base = base
        self.facts = facts
        self.declared = declared
        self.results = results

    def run(self, deadline: float) -> None:
        kinds, weights = zip(*MIX.items(), strict=True)
        try:
            while time.monotonic() < deadline:
                kind = self.rng.choices(kinds, weights)[0]
                getattr(self, "_" + re.sub(r"\W", "_", kind))()
        finally:
            self.session.close()

    def get(self, kind: str, path: str, params: dict | None = None):
        """One request, timed and recorded; the parsed body (None when there is none to check)."""
        url = path if path.startswith("http") else f"{self.base}{path}"
        started = time.perf_counter()
        try:
            response = self.session.get(url, params=params, timeout=TIMEOUT)
            body = response.json() if response.status_code == 200 else None
        except requests.RequestException as err:
            self.results.add(Outcome(kind, time.perf_counter() - started, None, [str(err)], url))
            return None, None
        except ValueError as err:  # 200 but not JSON
            seconds = time.perf_counter() - started
            self.results.add(Outcome(kind, seconds, 200, [f"not JSON: {err}"], response.url))
            return None, None
        seconds = time.perf_counter() - started
        problems = [] if response.status_code == 200 else [f"HTTP {response.status_code}"]
        outcome = Outcome(kind, seconds, response.status_code, problems, response.url)
        self.results.add(outcome)
        return body, outcome

    def _page(self, kind, collection, params, *, offset=0, datetime_=None, url=None):
        body, outcome = self.get(
            kind, url or f"/collections/{collection}/items", None if url else params
        )
        if body is None:
            return None, None
        declared = self.declared[collection]
        problems = page_problems(body, declared, limit=PAGE, offset=offset)
        if datetime_:
            problems += _validity_problems(body, datetime_)
        outcome.problems += problems
        return body, outcome

    def _bbox_datetime(self) -> None:
        city = self.rng.choice(sorted(self.facts.extents))
        x0, y0, x1, y1 = self.facts.extents[city]
        x = self.rng.uniform(x0, max(x0, x1 - BOX[0]))
        y = self.rng.uniform(y0, max(y0, y1 - BOX[1]))
        when = self.rng.choice(INSTANTS + INTERVALS)
        params = {
            "bbox": f"{x:.6f},{y:.6f},{x + BOX[0]:.6f},{y + BOX[1]:.6f}",
            "datetime": when,
            "limit": PAGE,
        }
        self._page("bbox+datetime", "buildings", params, datetime_=when)

    def _offset_paging(self) -> None:
        offset = self.rng.randrange(0, max(1, self.facts.versions - PAGE // 2))
        params = {"limit": PAGE, "offset": offset}
        body, _ = self._page("offset paging", "buildings", params, offset=offset)
        for _ in range(2):  # then the next pages, as a harvester follows the links
            if body is None:
                return
            href = next((x["href"] for x in body.get("links", []) if x["rel"] == "next"), None)
            if href is None:
                return
            last = max((_id(f) for f in body["features"]), default=None)
            # An offset link says where it starts; a keyset link (after=<id>) starts right
            # after this page, whose position is known.
            query = parse_qs(urlsplit(href).query)
            offset = (
                int(query["offset"][0]) if "offset" in query else offset + len(body["features"])
            )
            body, outcome = self._page("offset paging", "buildings", None, offset=offset, url=href)
            if body is not None and last is not None and body["features"]:
                first = min(_id(f) for f in body["features"])
                if first <= last:
                    outcome.problems.append(f"next page starts at id {first}, not after {last}")

    def _item(self) -> None:
        wanted = self.rng.choice(self.facts.ids)
        body, outcome = self.get("item", f"/collections/buildings/items/{wanted}")
        if body is None:
            return
        outcome.problems += feature_problems(body, self.declared["buildings"])
        if body.get("id") != wanted:
            outcome.problems.append(f"asked for {wanted}, got {body.get('id')!r}")

    def _other(self) -> None:
        collection = self.rng.choice(OTHERS)
        params: dict = {"limit": PAGE}
        when = None
        if collection in VERSIONED and self.rng.random() < 0.5:
            when = params["datetime"] = self.rng.choice(INSTANTS)
        self._page("other", collection, params, datetime_=when)

    def _hits(self) -> None:
        when = self.rng.choice(INSTANTS)
        body, outcome = self.get(
            "hits", "/collections/buildings/items", {"resulttype": "hits", "datetime": when}
        )
        if body is None:
            return
        expected = self.facts.hits[when]
        if body.get("numberMatched") != expected:
            outcome.problems.append(
                f"hits at {when}: numberMatched {body.get('numberMatched')!r}, SQL counts {expected}"
            )
        if body.get("features") or body.get("numberReturned", 0) != 0:
            outcome.problems.append("resulttype=hits returned features")


def _id(feature) -> int:
    """A building feature's id as a number (-1 when it has none: a check reports that)."""
    value = feature.get("id") if isinstance(feature, dict) else None
    return value if isinstance(value, int) else -1


def _validity_problems(body: dict, when: str) -> list[str]:
    """Features of a datetime query whose validity [valid_from, valid_to) misses ``when``."""
    first, _, last = when.partition("/")
    if not last:
        last = first
    first = "" if first in ("", "..") else first
    last = "9999-12-31" if last in ("", "..") else last
    wrong = [
        f.get("id")
        for f in body.get("features", [])
        if isinstance(f, dict)
        and isinstance(f.get("properties"), dict)
        and "valid_from" in f["properties"]
        and not (
            (f["properties"]["valid_from"] or "") <= last
            and (f["properties"].get("valid_to") is None or f["properties"]["valid_to"] > first)
        )
    ]
    return [f"{len(wrong)} features not valid at {when} (ids {wrong[:5]})"] if wrong else []


# -- the report ----------------------------------------------------------------------------------
def percentiles(seconds: list[float]) -> tuple[float, float, float]:
    if len(seconds) < 2:
        value = seconds[0] if seconds else float("nan")
        return value, value, value
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def distinct(problem: str) -> str:
    """A problem without its particulars (ids, counts), to group the same one."""
    problem = re.sub(r"feature [^:]+:", "feature …:", problem)
    return re.sub(r"\d+", "N", problem)


def report(results: Results, duration: float, clients: int, server_log: Path) -> int:
    outcomes = results.outcomes
    print(
        f"\n{len(outcomes):,} requests from {clients} clients in {duration:.0f} s "
        f"(shared machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f})\n"
    )
    header = f"  {'query':<15}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    print(header + f"{'5xx':>6}{'other':>7}{'checks':>8}")
    groups = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.kind].append(outcome)
    for kind in [*MIX, "all"]:
        group = outcomes if kind == "all" else groups.get(kind, [])
        if not group:
            continue
        p50, p95, p99 = percentiles([o.seconds for o in group])
        server = sum(1 for o in group if o.status is None or o.status >= 500)
        other = sum(1 for o in group if o.status is not None and o.status != 200 and o.status < 500)
        failed = sum(1 for o in group if o.status == 200 and o.problems)
        print(
            f"  {kind:<15}{len(group):>9,}{len(group) / duration:>8.1f}{p50 * 1000:>9.0f}"
            f"{p95 * 1000:>9.0f}{p99 * 1000:>9.0f}{server:>6}{other:>7}{failed:>8}"
        )
    server_errors = [o for o in outcomes if o.status is None or o.status >= 500]
    other_status = [
        o for o in outcomes if o.status is not None and o.status not in (200,) and o.status < 500
    ]
    incomplete = [o for o in outcomes if o.status == 200 and o.problems]
    bad_features = sum(1 for o in incomplete for p in o.problems if p.startswith("feature "))
    print(
        f"\nserver errors (5xx or no answer): {len(server_errors)}; other non-200: "
        f"{len(other_status)}; 200 answers failing a check: {len(incomplete)} "
        f"({bad_features} feature problems)"
    )
    seen: Counter[str] = Counter()  # distinct problem -> answers that had it (once per answer)
    examples: dict[str, tuple[Outcome, str]] = {}
    for outcome in server_errors + other_status + incomplete:
        keys = {}
        for problem in outcome.problems:
            keys.setdefault(f"{outcome.kind}: {distinct(problem)}", problem)
        for key, problem in keys.items():
            seen[key] += 1
            examples.setdefault(key, (outcome, problem))
    for key, count in seen.most_common(20):
        example, problem = examples[key]
        print(f"  {count:>6} x {key[:150]}")
        print(f"           e.g. {example.status} {example.url[:220]}")
        print(f"           {problem[:300]}")
    tracebacks = server_log.read_text(errors="replace").count("Traceback")
    if tracebacks:
        last_lines = Counter(
            line.strip()[:160]
            for line in server_log.read_text(errors="replace").splitlines()
            if re.match(r"^[A-Za-z_.]+(Error|Exception)\b", line)
        )
        print(f"\nserver log: {tracebacks} tracebacks; most frequent exceptions:")
        for line, count in last_lines.most_common(5):
            print(f"  {count:>6} x {line}")
    return 1 if server_errors or other_status or incomplete else 0


# -- main ----------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plots", type=int, default=35_000, help="plots per city")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--keep", action="store_true", help="keep the database, role and files")
    parser.add_argument("--reuse", action="store_true", help="use the database if loaded")
    args = parser.parse_args()
    settings = load_settings()
    admin_url = settings.database_url or Cluster(settings).start().url()
    # The sample files and the server's home (configuration, log): removed at the end.
    work = Path(tempfile.mkdtemp(prefix="kc_bench_load_"))
    try:
        return run(args, admin_url, work)
    finally:
        if args.keep:
            print(f"(kept: database {DATABASE}, role {ROLE}, files in {work})")
        else:
            shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, admin_url: str, work: Path) -> int:
    try:
        with fresh_database(
            DATABASE, admin_url, keep=args.keep, reuse=_loaded if args.reuse else None
        ) as db:
            if db.reused:
                print(f"Reusing the loaded database {DATABASE} (--reuse)")
            else:
                load(db.url, args.plots, work)
            return measure(args, db.url, work)
    finally:
        if not args.keep:
            admin = psycopg2.connect(admin_url)
            admin.autocommit = True
            with admin.cursor() as cur:
                cur.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(ROLE)))
            admin.close()


def measure(args: argparse.Namespace, url: str, work: Path) -> int:
    """The server over ``url`` and ``args.clients`` clients against it; 1 on any problem."""
    standing = {p: scalar(url, STANDING, (day, day)) for p, day in POINTS.items()}
    known = facts(url)
    projects = scalar(url, "SELECT count(*) FROM kc.api_projects")
    reports = scalar(url, "SELECT count(*) FROM kc.api_reports")
    points = ", ".join(f"{p} {n:,}" for p, n in standing.items())
    print(
        f"Buildings standing: {points}; {known.versions:,} building versions; "
        f"{projects:,} project versions, {reports:,} reports"
    )
    if min(standing.values()) < 100_000:
        print("  (fewer than 100,000 buildings at a point: not the benchmark's size, see --plots)")
    password = "kc-" + secrets.token_urlsafe(24)
    conn = connect(url)
    ensure_login_role(conn, password, role=ROLE)
    conn.close()
    home = work / "home"
    home.mkdir(exist_ok=True)
    process, base, log = start_server(home, url, with_credentials(url, ROLE, password))
    try:
        found = declarations(base, TIMEOUT)
        declared = {name: properties for name, (properties, _) in found.items()}
        mismatched = [p for _, problems in found.values() for p in problems]
        for problem in mismatched:
            print(f"  schema and queryables disagree: {problem}")
        results = Results()
        warm = Client(-1, base, known, declared, Results())
        for kind in MIX:  # warm-up, not counted: each query type once
            getattr(warm, "_" + re.sub(r"\W", "_", kind))()
        print(f"\n{args.clients} clients for {args.duration:.0f} s against {base} …", flush=True)
        clients = [Client(i, base, known, declared, results) for i in range(args.clients)]
        started = time.monotonic()
        deadline = started + args.duration
        threads = [threading.Thread(target=c.run, args=(deadline,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        return report(results, elapsed, args.clients, log) or (1 if mismatched else 0)
    finally:
        stop_server(process)


if __name__ == "__main__":
    sys.exit(main())
