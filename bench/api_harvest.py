"""Benchmark: harvesting the whole buildings collection, ours against stock pygeoapi.

Three harvesters, as city data platforms and desktop GIS run them, each timed against our
provider and stock pygeoapi's in the same run:

- a client following the ``next`` links with ``limit=100`` (also: the first pages' latency
  against the last pages', which must be no slower: keyset paging does not get slower with
  depth);
- ``ogr2ogr -f GPKG out.gpkg OAPIF:<server> <layer> -oo PAGE_SIZE=1000``;
- ``ogr2ogr`` with GDAL's default page size (GDAL 3.6 asks ``limit=10`` and follows ``next``).

Stock harvests stop after ``--stock-cap`` seconds (its offset pages get slower with depth: a
full walk takes many minutes); what they fetched by then is printed.

The server and the data are ``bench/api_items.py``'s (100,000 synthetic buildings x 3
measurement points): this script runs its harvest section only.

Usage: KC_HOME=.kc .venv/bin/python bench/api_harvest.py [--buildings 100000] [--stock-cap 120]
       [--keep] [--reuse]
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyogrio

#: Pages at either end of a walk whose latencies are compared.
ENDS = 20


@dataclass(frozen=True)
class Walk:
    """A walk by next links: features, distinct ids, seconds, per-page seconds; ``done``:
    it reached the last page (not stopped at the cap)."""

    features: int
    ids: int
    seconds: float
    pages: list[float]
    done: bool

    def ends(self) -> tuple[float, float]:
        """Median latency (ms) of the first and of the last ``ENDS`` pages."""
        first = statistics.median(self.pages[:ENDS]) * 1000
        last = statistics.median(self.pages[-ENDS:]) * 1000
        return first, last


def walk(get: Callable[[str, dict | None], dict], path: str, params: dict, cap: float | None):
    """Follow next links from ``path`` with ``get`` (a client's GET returning the parsed page)."""
    started = time.perf_counter()
    url: str | None = path
    count, ids, pages = 0, set(), []
    while url:
        sent = time.perf_counter()
        body = get(url, params)
        pages.append(time.perf_counter() - sent)
        params = None
        count += len(body["features"])
        ids.update(f["id"] for f in body["features"])
        url = next((x["href"] for x in body["links"] if x["rel"] == "next"), None)
        if url and cap is not None and time.perf_counter() - started > cap:
            return Walk(count, len(ids), time.perf_counter() - started, pages, False)
    return Walk(count, len(ids), time.perf_counter() - started, pages, True)


@dataclass(frozen=True)
class Copy:
    """An ogr2ogr run: seconds, features written (None: stopped at the cap), pages asked for."""

    seconds: float
    features: int | None
    pages: int


def ogr2ogr(base: str, layer: str, out: Path, page_size: int | None, cap: float | None) -> Copy:
    """``ogr2ogr -f GPKG`` of an OAPIF layer (GDAL's default page size when ``page_size`` is
    None), with GDAL's HTTP log to count the pages it fetched."""
    command = ["ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{base}", layer, "--debug", "HTTP"]
    if page_size is not None:
        command += ["-oo", f"PAGE_SIZE={page_size}"]
    log = out.with_suffix(".log")
    started = time.perf_counter()
    with log.open("w") as err:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err)
        try:
            process.wait(timeout=cap)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    seconds = time.perf_counter() - started
    pages = len(re.findall(r"Fetch\([^)]*/items\?", log.read_text(errors="replace")))
    if process.returncode != 0:
        if cap is not None and seconds >= cap:
            return Copy(seconds, None, pages)
        raise RuntimeError(f"{' '.join(command)} failed:\n{log.read_text()[-2000:]}")
    return Copy(seconds, pyogrio.read_info(out, layer=layer)["features"], pages)


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import api_items

    api_items.main(sections=("harvest",))


if __name__ == "__main__":
    main()
