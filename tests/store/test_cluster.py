"""`kc db start/status/url/stop` from an empty folder, and KC_DATABASE_URL instead of a cluster."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

KC = [sys.executable, "-m", "gis.cli"]


def kc(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*KC, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KC_")}
    env.update(extra)
    return env


@pytest.fixture
def empty_home() -> Iterator[Path]:
    # Under /tmp itself, not pytest's private tmp folder: see the fallback test for that case.
    home = Path(tempfile.mkdtemp(prefix="kc-home-"))
    home.chmod(0o755)
    yield home / "data"
    kc("db", "stop", env=environment(KC_HOME=str(home / "data")))
    shutil.rmtree(home, ignore_errors=True)


@pytest.mark.cluster
def test_start_status_url_stop_from_an_empty_folder(empty_home: Path) -> None:
    env = environment(KC_HOME=str(empty_home))
    assert not empty_home.exists()
    status = kc("db", "status", env=env)
    assert status.returncode == 1 and "not initialised" in status.stdout

    started = kc("db", "start", env=env)
    assert started.returncode == 0, started.stderr
    assert "PostGIS started on 127.0.0.1:" in started.stdout
    assert kc("db", "start", env=env).stdout.startswith("PostGIS already running")
    assert oct((empty_home / "cluster.json").stat().st_mode & 0o777) == "0o600"

    status = kc("db", "status", env=env)
    assert status.returncode == 0 and status.stdout.startswith(
        "running: postgresql://kc@127.0.0.1:"
    )
    url = kc("db", "url", env=env).stdout.strip()
    conn = psycopg2.connect(url)
    with conn.cursor() as cur:
        cur.execute("SHOW listen_addresses")
        assert cur.fetchone()[0] == "127.0.0.1"
        cur.execute("SHOW unix_socket_directories")
        assert cur.fetchone()[0] == ""
        cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        cur.execute("SELECT postgis_version()")
        assert cur.fetchone()[0].startswith("3.")
    conn.close()
    if os.geteuid() == 0:
        # initdb refuses root: the server runs as an unprivileged user.
        assert (empty_home / "pgdata").stat().st_uid != 0

    migrated = kc("db", "migrate", env=env)
    assert migrated.returncode == 0 and "applied    0001_extensions.sql" in migrated.stdout
    assert kc("db", "migrate", env=env).stdout.strip() == "schema up to date, nothing to do"

    stopped = kc("db", "stop", env=env)
    assert stopped.returncode == 0 and stopped.stdout.strip() == "stopped"
    status = kc("db", "status", env=env)
    assert status.returncode == 1 and status.stdout.startswith("stopped")
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(url, connect_timeout=3)
    # Started again, it keeps its port, password and data.
    assert kc("db", "start", env=env).returncode == 0
    assert kc("db", "url", env=env).stdout.strip() == url


@pytest.mark.cluster
@pytest.mark.skipif(os.geteuid() != 0, reason="the private-parent case exists only as root")
def test_home_under_a_private_folder_still_works_as_root() -> None:
    private = Path(tempfile.mkdtemp(prefix="kc-private-"))  # mode 0700, owned by root
    env = environment(KC_HOME=str(private / "data"))
    try:
        started = kc("db", "start", env=env)
        assert started.returncode == 0, started.stderr
        assert "/var/lib/kc/" in started.stdout
        assert kc("db", "status", env=env).returncode == 0
    finally:
        kc("db", "stop", env=env)
        import json

        data = json.loads((private / "data" / "cluster.json").read_text())
        shutil.rmtree(Path(data["pgdata"]).parent, ignore_errors=True)
        shutil.rmtree(private, ignore_errors=True)


def test_database_url_is_honoured(empty_db_url: str, tmp_path: Path) -> None:
    env = environment(KC_DATABASE_URL=empty_db_url, KC_HOME=str(tmp_path / "unused"))
    start = kc("db", "start", env=env)
    assert start.returncode == 0 and "nothing to start" in start.stdout
    assert "***" in start.stdout and empty_db_url.split("@")[0] not in start.stdout
    assert kc("db", "url", env=env).stdout.strip() == empty_db_url
    status = kc("db", "status", env=env)
    assert status.returncode == 0 and "reachable" in status.stdout
    migrated = kc("db", "migrate", env=env)
    assert migrated.returncode == 0 and "applied    0004_reports.sql" in migrated.stdout
    conn = psycopg2.connect(empty_db_url)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM kc.city")
        assert cur.fetchone()[0] == 6
    conn.close()
    assert not (tmp_path / "unused").exists()  # no local cluster was made


def test_unreachable_database_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    env = environment(KC_DATABASE_URL="postgresql://kc:x@127.0.0.1:9/kc")
    migrated = kc("db", "migrate", env=env)
    assert migrated.returncode == 1
    assert "Cannot connect to the database (postgresql://kc:***@127.0.0.1:9/kc)" in migrated.stderr
    assert "Traceback" not in migrated.stderr
