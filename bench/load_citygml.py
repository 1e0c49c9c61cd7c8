"""Benchmark: ``kc load buildings`` on large CityGML files, speed and peak memory at two sizes.

Not a test. Writes CityGML files of about SIZE MB and 2 x SIZE MB (default 50: at least 50 MB)
by repeating the 20 real LoD2 buildings of Lyon 1er (``../shared/data/lyon1_citygml_lod2``) with
new gml:ids, then, for each file, in a child process of its own (so that its peak RSS is its own):
  1. the reference: lxml ``iterparse`` reading the file and counting its buildings (the parse
     cost every CityGML reader pays, no geometry);
  2. ``etree.parse`` of the whole file (what a reader that is not streaming holds in memory);
  3. the loader (``etl.model_buildings``, streamed in batches, COPY, versioning) into a fresh
     database of the managed cluster (or KC_DATABASE_URL's server), dropped afterwards.
Prints buildings/s and peak RSS (MB) of each; the loader's peak must not grow with the file.

    .venv/bin/python bench/load_citygml.py [--size 50]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
LYON = ROOT.parent / "shared" / "data" / "lyon1_citygml_lod2" / "LYON_1ER_BATI_2015-20_bldg.gml"
CORE2 = "{http://www.opengis.net/citygml/2.0}"
_ID = re.compile(r'(gml:id="|xlink:href="#)([^"]+)"')


def generate(path: Path, megabytes: float) -> int:
    """A CityGML file of at least ``megabytes`` MB: Lyon's buildings again and again, new ids."""
    root = etree.parse(str(LYON)).getroot()
    members = [etree.tostring(m, encoding="unicode") for m in root.iter(f"{CORE2}cityObjectMember")]
    head = LYON.read_text(encoding="utf-8").split("<cityObjectMember", 1)[0]
    n = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(head)
        copy = 0
        while out.tell() < megabytes * 1e6:
            for member in members:
                out.write(_ID.sub(lambda m, c=copy: f'{m.group(1)}r{c}_{m.group(2)}"', member))
                out.write("\n")
                n += 1
            copy += 1
        out.write("</CityModel>\n")
    return n


def peak_mb() -> float:
    """This process's peak RSS (VmHWM: unlike ru_maxrss, which Linux keeps across exec, it does
    not include the parent's memory at the time of the fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(task: str, path: Path, url: str | None) -> dict:
    """Run in a fresh process: one task on one file; its time and its own peak RSS."""
    t = time.perf_counter()
    if task == "iterparse":
        n = 0
        for _, elem in etree.iterparse(str(path), events=("end",), huge_tree=True):
            if elem.tag == "{http://www.opengis.net/citygml/building/2.0}Building":
                n += 1
            if elem.getparent() is not None and elem.getparent().getparent() is None:
                elem.clear()
                while elem.getprevious() is not None:
                    del elem.getparent()[0]
    elif task == "parse":
        tree = etree.parse(str(path), etree.XMLParser(huge_tree=True))
        n = len(tree.getroot().findall(".//{http://www.opengis.net/citygml/building/2.0}Building"))
    else:
        from etl.model_buildings import ModelOptions, load_model_buildings

        result = load_model_buildings(
            url, [(path, "citygml")], "lyon", "PM18", ModelOptions(crs="EPSG:3946+5720")
        )
        n = result.buildings
        assert result.snapshot.new == n
    return {"seconds": time.perf_counter() - t, "buildings": n, "peak_mb": peak_mb()}


def run_child(task: str, path: Path, url: str | None = None) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", task, str(path), url or ""],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.splitlines()[-1])


def main() -> None:
    from databases import fresh_database, server_url  # bench/ is on the path of a bench script

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=50.0, help="the smaller file, in MB")
    size = parser.parse_args().size
    server = server_url()
    work = Path(tempfile.mkdtemp(prefix="kc-bench-citygml-"))
    print(f"{'file':>10} {'buildings':>9}  {'task':<28} {'s':>7} {'bldg/s':>8} {'peak MB':>8}")
    try:
        for megabytes in (size, 2 * size):
            path = work / f"lyon_{int(megabytes)}mb.gml"
            n = generate(path, megabytes)
            mb = path.stat().st_size / 1e6
            with fresh_database("kc_bench_citygml", server) as db:
                for task, label in (
                    ("iterparse", "reference: lxml iterparse"),
                    ("parse", "whole tree (etree.parse)"),
                    ("load", "kc load buildings"),
                ):
                    r = run_child(task, path, db.url)
                    assert r["buildings"] == n, (task, r["buildings"], n)
                    rate = n / r["seconds"]
                    print(
                        f"{mb:8.1f}MB {n:9,}  {label:<28} {r['seconds']:7.1f} {rate:8.1f} "
                        f"{r['peak_mb']:8.0f}"
                    )
            path.unlink()
    finally:
        for leftover in work.glob("*"):
            leftover.unlink()
        work.rmdir()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        task, file, url = sys.argv[2], Path(sys.argv[3]), sys.argv[4] or None
        print(json.dumps(child(task, file, url)))
    else:
        main()
