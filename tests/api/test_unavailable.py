"""The database going away: a JSON 503 with Retry-After, and the first request after it is back
succeeds. On a throw-away cluster of its own (the shared one must stay up for other tests)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.api.server import Server, start_kc_serve

#: What reads the database on every request.
PATHS = (
    "/collections/cities/items",
    "/collections/buildings/items?limit=5",
    "/collections/cities/items/lyon",
)
#: What needs no database at all (queryables do, on a worker that has not reflected the view yet).
STATIC_PATHS = ("/", "/conformance")


def kc(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KC_")}
    env["KC_HOME"] = str(home)
    result = subprocess.run(
        [sys.executable, "-m", "gis.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture
def served_cluster() -> Iterator[tuple[Path, Server]]:
    # Under /tmp itself: the cluster's service user must be able to enter the folder.
    root = Path(tempfile.mkdtemp(prefix="kc-unavailable-"))
    root.chmod(0o755)
    home = root / "home"
    server = None
    try:
        kc(home, "db", "start")
        kc(home, "db", "migrate")
        server = start_kc_serve(home, {})
        yield home, server
    finally:
        if server is not None:
            server.stop()
        subprocess.run(
            [sys.executable, "-m", "gis.cli", "db", "stop"],
            env={**os.environ, "KC_HOME": str(home)},
            capture_output=True,
            timeout=120,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.cluster
def test_database_down_is_503_and_back_is_200(served_cluster) -> None:
    home, server = served_cluster
    for path in PATHS + STATIC_PATHS:
        assert requests.get(server.base + path, timeout=60).status_code == 200, path

    kc(home, "db", "stop")
    # challenges: first asked for while the database is down (pygeoapi cannot even reflect it)
    for path in (*PATHS, "/collections/challenges/items"):
        response = requests.get(server.base + path, timeout=60)
        assert response.status_code == 503, (path, response.text)
        assert response.headers["Content-Type"].startswith("application/json")
        assert int(response.headers["Retry-After"]) > 0
        body = response.json()
        assert body["code"] == "ServiceUnavailable" and "retry" in body["description"]
    for path in STATIC_PATHS:
        assert requests.get(server.base + path, timeout=60).status_code == 200, path

    kc(home, "db", "start")
    for path in (*PATHS, "/collections/challenges/items"):  # the first after the restart
        response = requests.get(server.base + path, timeout=60)
        assert response.status_code == 200, (path, response.text)
    log = server.log.read_text()
    assert "Traceback" not in log, log
