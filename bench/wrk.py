"""wrk as the throughput client of the benchmarks (Debian: ``apt-get install wrk``).

On a 2-core machine the clients share the cores with the server: a Python client (requests in
threads) spends about 2.5 ms of CPU a request, as much as half of what our server spends, so
Python clients measure the client as much as the server. wrk (C, one event loop) costs a few
microseconds a request. It GETs a list of request paths in turn (``bench/wrk_paths.lua``),
with the headers a Python requests client sends, and counts every answer with a status of
400 or more and every socket error or timeout: the run fails on any.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

SCRIPT = Path(__file__).resolve().parent / "wrk_paths.lua"


@dataclass(frozen=True)
class WrkRun:
    """What wrk counted in one run."""

    requests: int
    seconds: float
    status_errors: int  #: answers with status >= 400
    socket_errors: int  #: connect, read, write errors and timeouts
    p50_ms: float
    p95_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def errors(self) -> int:
        return self.status_errors + self.socket_errors


def available() -> bool:
    return shutil.which("wrk") is not None


def request_paths(base: str, path: str, params: list[dict]) -> list[str]:
    """The path and query of each request (what wrk sends after the host), as requests encodes
    them, so wrk asks exactly what the Python clients ask."""
    return [
        urlsplit(requests.Request("GET", base + path, params=p).prepare().url)
        ._replace(scheme="", netloc="")
        .geturl()
        for p in params
    ]


def run(base: str, paths: list[str], folder: Path, connections: int, seconds: float) -> WrkRun:
    """``connections`` clients (one wrk thread) GETting ``paths`` in turn for ``seconds``."""
    listing = folder / f"wrk-paths-{os.getpid()}-{abs(hash(tuple(paths)))}.txt"
    listing.write_text("\n".join(paths) + "\n")
    command = [
        "wrk",
        "--threads",
        "1",
        "--connections",
        str(connections),
        "--duration",
        f"{seconds:g}s",
        "--timeout",
        "60s",
        "--script",
        str(SCRIPT),
        base,
    ]
    done = subprocess.run(
        command,
        env={**os.environ, "KC_WRK_PATHS": str(listing)},
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        check=True,
    )
    for line in done.stdout.splitlines():
        if line.startswith("KC_WRK "):
            return WrkRun(**json.loads(line.removeprefix("KC_WRK ")))
    raise AssertionError(f"wrk wrote no summary:\n{done.stdout}\n{done.stderr}")
