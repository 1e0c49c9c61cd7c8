"""Test data and a real server for the OGC API tests.

The real Lyon 1er buildings (IGN BD TOPO, EPSG:3946, 2,576 footprints) are loaded as the PM18
snapshot; the PM24 snapshot is a copy made here: the first 50 buildings (by id) removed, the
next 100 raised by 3 m, and 20 new ones (shifted copies). Two projects with reports at both
points give the report, language and challenge tests something to read. ``kc serve`` runs in a
subprocess on a free port, as in production (gunicorn), with a read-only login role.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests
import shapely
from psycopg2 import sql

from gis.store.building_snapshots import apply_staged, stage_rows
from gis.store.db import connect
from gis.store.project_snapshots import apply_staged as apply_projects
from gis.store.project_snapshots import stage_rows as stage_projects
from tests.shared_data import LYON_BUILDINGS, lyon_rows

REMOVED, CHANGED, ADDED = 50, 100, 20


@dataclass(frozen=True)
class LyonCounts:
    pm18: int
    pm24: int
    versions: int


def pm24_rows(rows: list[tuple]) -> list[tuple]:
    """The PM24 copy: some removed, some heights changed, some added."""
    kept = rows[REMOVED:]
    changed = [(r[0], r[1], r[2] + 3.0, *r[3:]) for r in kept[:CHANGED]]
    added = []
    for index, r in enumerate(kept[-ADDED:]):
        geom = shapely.affinity.translate(shapely.from_wkb(r[1]), xoff=0.01)
        hexwkb = shapely.to_wkb(shapely.set_srid(geom, 4326), hex=True, include_srid=True)
        added.append((f"NEW{index:04d}", hexwkb, *r[2:]))
    return changed + kept[CHANGED:] + added


def load_lyon(url: str) -> LyonCounts:
    """Load both snapshots, two projects and their reports into the database at ``url``."""
    rows = lyon_rows(attributes=("USAGE1",))
    conn = connect(url)
    try:
        for point, snapshot in (("PM18", rows), ("PM24", pm24_rows(rows))):
            with conn:
                stage_rows(conn.cursor(), snapshot)
                apply_staged(conn, "lyon", point, source=f"{LYON_BUILDINGS.name} ({point})")
        _load_projects(conn, rows)
    finally:
        conn.close()
    return LyonCounts(
        pm18=len(rows), pm24=len(rows) - REMOVED + ADDED, versions=len(rows) + CHANGED + ADDED
    )


def _load_projects(conn, rows: list[tuple]) -> None:
    centre = shapely.from_wkb(rows[1000][1]).centroid
    area = shapely.set_srid(centre.buffer(0.0008), 4326)
    footprint = shapely.to_wkb(area, hex=True, include_srid=True)
    title = {"en": "Holistic refurbishment of block A", "de": "Ganzheitliche Sanierung Block A"}
    for point, status in (("PM18", "in_preparation"), ("PM24", "in_implementation")):
        with conn:
            stage_projects(
                conn.cursor(),
                [
                    (
                        "LYO-REF-A",
                        "holistic_refurbishment",
                        title,
                        footprint,
                        status,
                        {},
                        "EPSG:3946",
                        None,
                    ),
                    (
                        "LYO-EV-1",
                        "e_mobility",
                        {"en": "E-car sharing"},
                        footprint,
                        "planned",
                        {},
                        "EPSG:3946",
                        [],
                    ),
                ],
            )
            apply_projects(conn, "lyon", point, source=f"projects-{point}")
    reports = [
        (
            "LYO-REF-A",
            "PM18",
            "in_preparation",
            10,
            {"en": "Refurbish block A", "de": "Block A sanieren", "fr": "Rénover l'îlot A"},
            {"en": "Owners engaged early"},
            ["activation-home-owners"],
        ),
        (
            "LYO-REF-A",
            "PM24",
            "in_implementation",
            45,
            {"en": "Refurbish block A, phase 2", "de": "Block A sanieren, Phase 2"},
            {"en": "Subsidies granted", "fr": "Subventions accordées"},
            ["subsidies-refurbishment", "activation-home-owners"],
        ),
        (
            "LYO-EV-1",
            "PM24",
            "planned",
            0,
            {"en": "Car sharing at two stations"},
            None,
            ["business-models"],
        ),
    ]
    with conn, conn.cursor() as cur:
        for code, point, status, progress, objectives, drivers, challenges in reports:
            cur.execute(
                "INSERT INTO kc.report (project_id, point_code, status, progress, objectives, "
                "drivers, content_hash) SELECT project_id, %s, %s, %s, %s, %s, %s "
                "FROM kc.project WHERE code = %s RETURNING report_id",
                (
                    point,
                    status,
                    progress,
                    json.dumps(objectives),
                    json.dumps(drivers) if drivers else None,
                    hashlib.sha256(f"{code}{point}".encode()).digest(),
                    code,
                ),
            )
            report_id = cur.fetchone()[0]
            cur.executemany(
                "INSERT INTO kc.report_challenge (report_id, challenge_code) VALUES (%s, %s)",
                [(report_id, c) for c in challenges],
            )


def write_tiles(tiles_dir: Path) -> None:
    """A small export as the tiles helper writes it: index.json, a tileset, glb and b3dm."""
    base = tiles_dir / "lyon" / "PM18"
    base.mkdir(parents=True, exist_ok=True)
    (base / "tileset.json").write_text(
        json.dumps(
            {
                "asset": {"version": "1.1"},
                "geometricError": 100,
                "root": {
                    "boundingVolume": {"region": [0.0838, 0.7978, 0.0842, 0.7982, 160, 260]},
                    "geometricError": 0,
                    "refine": "ADD",
                    "content": {"uri": "0.glb"},
                },
            }
        )
    )
    # A minimal valid GLB header (magic, version 2, length) and a b3dm header.
    (base / "0.glb").write_bytes(b"glTF" + struct.pack("<II", 2, 12))
    (base / "1.b3dm").write_bytes(b"b3dm" + struct.pack("<IIIIII", 1, 28, 0, 0, 0, 0))
    (tiles_dir / "index.json").write_text(
        json.dumps(
            {
                "tilesets": [
                    {
                        "city": "lyon",
                        "point": "PM18",
                        "date": "2017-07-31",
                        "href": "lyon/PM18/tileset.json",
                        "bounding_region": [0.0838, 0.7978, 0.0842, 0.7982, 160, 260],
                        "feature_count": 2576,
                        "format": "glb",
                    }
                ]
            }
        )
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running ``kc serve`` subprocess (gunicorn and its workers, in their own process group)."""

    process: subprocess.Popen
    base: str
    log: Path

    def stop(self) -> None:
        """Stop the whole group (master and workers); idempotent, also run at interpreter exit."""
        if self.process.poll() is None:
            _signal_group(self.process, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                _signal_group(self.process, signal.SIGKILL)
                self.process.wait()
        # Workers outlive a killed master for a moment: make sure none is left.
        _signal_group(self.process, signal.SIGKILL)


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def start_server(home: Path, admin_url: str, reader_url: str, timeout: float = 240) -> Server:
    """``kc serve`` against the test database; returns once the landing page answers."""
    return start_kc_serve(
        home,
        {"KC_DATABASE_URL": admin_url, "KC_READER_DATABASE_URL": reader_url},
        timeout=timeout,
    )


def start_kc_serve(home: Path, settings: dict[str, str], timeout: float = 240) -> Server:
    """``kc serve`` with ``KC_HOME=home`` and ``settings``; returns once the landing page answers.

    A busy machine may take long to start gunicorn or answer the first request: every failed
    attempt (refused, reset, read timeout, 5xx while starting) is retried until ``timeout``, and
    whatever happens the server is stopped before an error leaves this function.
    """
    port = free_port()
    env = {**os.environ, "KC_HOME": str(home), "KC_PORT": str(port), **settings}
    log = home / "serve.log"
    kc = Path(sys.executable).parent / "kc"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(kc), "serve", "--workers", "2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    atexit.register(server.stop)
    try:
        _wait_until_up(server, timeout)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_until_up(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"kc serve exited with {server.process.returncode}:\n{server.log.read_text()}"
            )
        try:
            response = requests.get(f"{server.base}/", timeout=30)
            if response.status_code == 200:
                return
            last_error = f"HTTP {response.status_code}"
        except requests.RequestException as err:
            last_error = f"{type(err).__name__}: {err}"
        time.sleep(0.5)  # poll interval between attempts, not a wait for readiness
    raise RuntimeError(
        f"kc serve did not answer within {timeout} s ({last_error}):\n{server.log.read_text()}"
    )


def drop_role(admin_url: str, role: str) -> None:
    conn = connect(admin_url)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
    finally:
        conn.close()
