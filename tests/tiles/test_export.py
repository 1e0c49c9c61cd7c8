"""3D Tiles export against a real PostGIS: real Lyon buildings and synthetic districts.

Every content file goes through the Khronos glTF validator (node); vertices read back from the
files, converted to longitude/latitude and then to each city's CRS, must lie on the footprints.
"""

from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pygltflib
import pytest
import shapely
from click.testing import CliRunner

from gis.cli import main
from tests.shared_data import lyon_rows
from tests.tiles.data import REPO, district, load_projects, load_rows
from tests.tiles.implicit_read import read_implicit
from tiles import workers as workers_module
from tiles.export import export_all
from tiles.placement import Frame
from tiles.publish import PublishError

VALIDATOR = REPO / "tools" / "validate_gltf.mjs"


def validate(files: list[Path]) -> list[dict]:
    assert (REPO / "node_modules" / "gltf-validator").is_dir(), "run tools/setup.sh (npm ci)"
    proc = subprocess.run(
        ["node", str(VALIDATOR), *map(str, files)], capture_output=True, text=True, check=False
    )
    reports = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(reports) == len(files), proc.stderr
    return reports


def glb_of(path: Path) -> bytes:
    data = path.read_bytes()
    if data[:4] == b"b3dm":
        ft, ftb, bt, btb = struct.unpack_from("<4I", data, 12)
        return data[28 + ft + ftb + bt + btb :]
    return data


def read_positions(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(positions in the tileset frame, z-up), feature id per vertex, as stored in the file."""
    gltf = pygltflib.GLTF2.load_from_bytes(glb_of(path))
    blob = gltf.binary_blob()
    prim = gltf.meshes[0].primitives[0]

    def array(index: int, dtype, width: int) -> np.ndarray:
        acc = gltf.accessors[index]
        view = gltf.bufferViews[acc.bufferView]
        raw = np.frombuffer(blob, dtype=dtype, count=acc.count * width, offset=view.byteOffset)
        return raw.reshape(acc.count, width) if width > 1 else raw

    pos = array(prim.attributes.POSITION, np.float32, 3).astype(np.float64)
    fid_name = "_FEATURE_ID_0" if hasattr(prim.attributes, "_FEATURE_ID_0") else "_BATCHID"
    fid = array(getattr(prim.attributes, fid_name), np.float32, 1).astype(np.int64)
    # glTF y-up -> z-up (what CesiumJS does before applying the tile transform)
    return np.column_stack([pos[:, 0], -pos[:, 2], pos[:, 1]]), fid


def content_path(folder: Path, uri: str) -> Path:
    """A content URI resolved as a URL is (lexically: ``..`` before following links)."""
    return Path(os.path.normpath(folder / uri))


def load_tileset(folder: Path) -> dict:
    """``folder/tileset.json`` with its external tilesets (a partition's) in place: the tile
    pointing at one gets its root as its only child, as a client sees the tree."""
    tileset = json.loads((folder / "tileset.json").read_text())
    stack = [tileset["root"]]
    while stack:
        tile = stack.pop()
        uri = tile.get("content", {}).get("uri", "")
        if uri.endswith(".json"):
            del tile["content"]
            tile["children"] = [json.loads((folder / uri).read_text())["root"]]
        stack.extend(tile.get("children", []))
    return tileset


def contents(folder: Path) -> list[Path]:
    """The content files a tileset refers to (an implicit tileset's: from its subtrees)."""
    tileset = load_tileset(folder)
    if "implicitTiling" in tileset["root"]:
        return sorted(t.content for t in read_implicit(folder)[1] if t.content)
    return sorted(
        {
            content_path(folder, t["content"]["uri"])
            for t in tileset_tiles(tileset)
            if "content" in t
        }
    )


def tileset_tiles(tileset: dict):
    stack = [tileset["root"]]
    while stack:
        tile = stack.pop()
        yield tile
        stack.extend(tile.get("children", []))


@pytest.fixture
def lyon_db(conn):
    rows = lyon_rows()
    assert len(rows) == 2576
    load_rows(conn, "lyon", "PM18", rows)
    # A project touching two real buildings, in implementation at PM18.
    load_projects(
        conn,
        "lyon",
        "PM18",
        [("LY-REF-1", "holistic_refurbishment", "in_implementation", [rows[0][0], rows[1][0]])],
    )
    return conn, rows


def test_lyon_export_glb_valid_complete_and_described(lyon_db, tmp_path) -> None:
    conn, rows = lyon_db
    results = export_all(conn, tmp_path, point="PM18", max_features=400)
    published = {(r.city, r.point): r for r in results}
    assert published[("lyon", "PM18")].feature_count == 2576
    assert published[("munich", "PM18")].path is None  # no buildings, no tileset
    assert not (tmp_path / "munich").exists()

    folder = tmp_path / "lyon" / "PM18"
    tileset = json.loads((folder / "tileset.json").read_text())
    assert tileset["asset"]["version"] == "1.1" and tileset["asset"]["tilesetVersion"]
    tiles = list(tileset_tiles(tileset))
    assert all(t["refine"] in ("ADD", "REPLACE") for t in tiles)
    leaves = [t for t in tiles if "content" in t and not t.get("children")]
    assert len(leaves) >= 7 and all(t["geometricError"] == 0 for t in leaves)
    assert tileset["root"]["geometricError"] > 0 and len(tileset["root"]["transform"]) == 16

    reports = validate(contents(folder))
    assert [r["messages"] for r in reports if r["errors"]] == []

    # Feature count and metadata read back from the property tables.
    cur = conn.cursor()
    cur.execute(
        "SELECT version_id, source_id, height, storeys FROM kc.building_state('2017-07-31') "
        "WHERE city_code = 'lyon'"
    )
    db = {r[0]: r[1:] for r in cur.fetchall()}
    seen = {}
    for leaf in leaves:
        path = content_path(folder, leaf["content"]["uri"])
        gltf = pygltflib.GLTF2.load_from_bytes(path.read_bytes())
        meta = gltf.extensions["EXT_structural_metadata"]
        table = meta["propertyTables"][0]
        blob = gltf.binary_blob()

        def strings(name, table=table, gltf=gltf, blob=blob):
            prop = table["properties"][name]
            vals = gltf.bufferViews[prop["values"]]
            offs = gltf.bufferViews[prop["stringOffsets"]]
            o = np.frombuffer(blob, np.uint32, table["count"] + 1, offs.byteOffset)
            raw = blob[vals.byteOffset : vals.byteOffset + vals.byteLength]
            return [raw[o[i] : o[i + 1]].decode() for i in range(table["count"])]

        vid_view = gltf.bufferViews[table["properties"]["version_id"]["values"]]
        vids = np.frombuffer(blob, np.uint32, table["count"], vid_view.byteOffset)
        for vid, sid, projects in zip(vids, strings("source_id"), strings("projects"), strict=True):
            seen[int(vid)] = (sid, json.loads(projects))
        # Bounding box encloses the content.
        pos, _ = read_positions(path)
        box = np.array(leaf["boundingVolume"]["box"])
        assert np.all(np.abs(pos - box[:3]) <= np.abs(box[3:]).reshape(3, 3).sum(axis=0) + 1e-6)
    assert set(seen) == set(db)
    assert all(seen[v][0] == db[v][0] for v in db)
    touched = {v: p for v, (_, p) in seen.items() if p}
    assert sorted(s for s, _ in (seen[v] for v in touched)) == sorted([rows[0][0], rows[1][0]])
    assert all(
        p
        == [
            {
                "code": "LY-REF-1",
                "status": "in_implementation",
                "thematic_field": "holistic_refurbishment",
            }
        ]
        for p in touched.values()
    )

    index = json.loads((tmp_path / "index.json").read_text())
    assert index["tilesets"] == [
        {
            "city": "lyon",
            "point": "PM18",
            "date": "2017-07-31",
            "href": "lyon/PM18/tileset.json",
            "bounding_region": tileset["extras"]["bounding_region"],
            "feature_count": 2576,
            "format": "glb",
        }
    ]
    west, south, east, north, hmin, hmax = index["tilesets"][0]["bounding_region"]
    assert 0.0840 < west < east < 0.0845 and 0.7987 < south < north < 0.7990
    assert hmin == 0.0 and hmax == pytest.approx(max(r[2] for r in rows))


def test_b3dm_export_validates_and_carries_batch_table(lyon_db, tmp_path) -> None:
    conn, _ = lyon_db
    export_all(conn, tmp_path, point="PM18", city="lyon", fmt="b3dm")
    folder = tmp_path / "lyon" / "PM18"
    tileset = json.loads((folder / "tileset.json").read_text())
    assert tileset["asset"]["version"] == "1.0"
    files = contents(folder)
    assert all(f.suffix == ".b3dm" for f in files)
    reports = validate(files)
    assert [r["messages"] for r in reports if r["errors"]] == []
    total = 0
    for f in files:
        data = f.read_bytes()
        ft, ftb, bt, _btb = struct.unpack_from("<4I", data, 12)
        features = json.loads(data[28 : 28 + ft])
        batch = json.loads(data[28 + ft + ftb : 28 + ft + ftb + bt])
        n = features["BATCH_LENGTH"]
        _, fid = read_positions(f)
        assert fid.min() == 0 and fid.max() == n - 1
        assert len(batch["version_id"]) == n and len(batch["projects"]) == n
        total += sum(1 for v in batch["version_id"] if v > 0)  # 0: a level-of-detail block
    assert total == 2576


@pytest.mark.parametrize("city", ["lyon", "munich", "vienna"])
def test_vertices_lie_on_their_footprints_in_the_city_crs(conn, tmp_path, city) -> None:
    d = district(city)
    load_rows(conn, city, "PM24", d.rows)
    export_all(conn, tmp_path, point="PM24", city=city, max_features=10)
    folder = tmp_path / city / "PM24"
    tileset = json.loads((folder / "tileset.json").read_text())
    m = np.array(tileset["root"]["transform"]).reshape(4, 4, order="F")
    frame = Frame(0.0, 0.0, m[:3, 3], m[:3, :3].T)
    assert [r["messages"] for r in validate(contents(folder)) if r["errors"]] == []

    import pyproj

    back = pyproj.Transformer.from_crs("EPSG:4326", d.crs, always_xy=True)
    # version id -> source id, from the database
    cur = conn.cursor()
    cur.execute(
        "SELECT version_id, source_id, height FROM kc.building_state('2018-01-31') WHERE city_code = %s",
        (city,),
    )
    by_version = {r[0]: (r[1], r[2]) for r in cur.fetchall()}
    checked = set()
    for leaf in (t for t in tileset_tiles(tileset) if "content" in t and not t.get("children")):
        path = content_path(folder, leaf["content"]["uri"])
        pos, fid = read_positions(path)
        gltf = pygltflib.GLTF2.load_from_bytes(path.read_bytes())
        table = gltf.extensions["EXT_structural_metadata"]["propertyTables"][0]
        view = gltf.bufferViews[table["properties"]["version_id"]["values"]]
        vids = np.frombuffer(gltf.binary_blob(), np.uint32, table["count"], view.byteOffset)
        geo = frame.to_geographic(pos)
        x, y = back.transform(geo[:, 0], geo[:, 1])
        for k, vid in enumerate(vids):
            sid, height = by_version[int(vid)]
            sel = fid == k
            footprint = d.footprints[sid]  # in the city's CRS, as drawn
            dist = shapely.distance(footprint.boundary, shapely.points(x[sel], y[sel]))
            inside = shapely.contains_xy(footprint, x[sel], y[sel])
            assert np.all(inside | (dist < 0.5)), f"{city} {sid}: {np.max(dist):.3f} m off"
            # roof and floor: ground at ellipsoid height 0, roof at the building height
            assert np.allclose(sorted(set(np.round(geo[sel, 2], 2))), [0.0, height], atol=0.01)
            checked.add(sid)
    assert checked == set(d.footprints)


def _published(out: Path) -> dict[str, bytes]:
    """Everything a client can reach from ``out/index.json``: the index, every tileset.json
    and the content files they refer to (by their path as a client sees it)."""
    index_path = out / "index.json"
    if not index_path.exists():
        return {}
    found = {"index.json": index_path.read_bytes()}
    listed = json.loads(found["index.json"])
    for entry in listed["tilesets"] + listed.get("temporal", []):
        folder = (out / entry["href"]).parent
        found[entry["href"]] = (out / entry["href"]).read_bytes()
        for path in contents(folder):
            found[path.relative_to(out).as_posix()] = path.read_bytes()
        for path in sorted(folder.glob("subtrees/**/*.subtree")):  # implicit tiling
            found[path.relative_to(out).as_posix()] = path.read_bytes()
        for path in sorted(folder.glob("*.json")):  # external tilesets (partitions)
            found[path.relative_to(out).as_posix()] = path.read_bytes()
    return found


def test_same_data_gives_identical_bytes_with_one_or_more_processes(
    conn, db_url, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(workers_module, "TASK_FEATURES", 8)  # many tasks: the pool is used
    d = district("munich")
    load_rows(conn, "munich", "PM18", d.rows)
    load_rows(conn, "munich", "PM24", d.rows[:-5])
    runs = {
        "a": {"workers": 1},
        "b": {"workers": 1},
        "c": {"workers": 2, "database_url": db_url},
    }
    for name, options in runs.items():
        export_all(conn, tmp_path / name, max_features=4, **options)
    a = _published(tmp_path / "a")
    assert len([p for p in a if p.startswith("content/")]) > 10
    assert "munich/temporal/tileset.json" in a
    assert a == _published(tmp_path / "b") == _published(tmp_path / "c")


def test_unchanged_input_keeps_the_published_tileset(conn, tmp_path) -> None:
    d = district("munich")
    load_rows(conn, "munich", "PM18", d.rows)
    [first] = export_all(conn, tmp_path, point="PM18", city="munich", max_features=8)
    live, before = os.readlink(tmp_path / "live"), _published(tmp_path)
    [again] = export_all(conn, tmp_path, point="PM18", city="munich", max_features=8)
    assert not first.reused and again.reused and again.tile_count == first.tile_count
    assert os.readlink(tmp_path / "live") == live and _published(tmp_path) == before
    # Another option, or other rows, is another input: built again.
    [other] = export_all(conn, tmp_path, point="PM18", city="munich", max_features=9)
    assert not other.reused
    load_rows(conn, "munich", "PM18", [(r[0], r[1], r[2] + 1.0, *r[3:]) for r in d.rows])
    [changed] = export_all(conn, tmp_path, point="PM18", city="munich", max_features=9)
    assert not changed.reused and _published(tmp_path) != before
    after = _published(tmp_path)
    [forced] = export_all(conn, tmp_path, point="PM18", city="munich", max_features=9, reuse=False)
    assert not forced.reused and _published(tmp_path) == after  # same input, same bytes
    # Content nothing refers to any more is gone: only the published tileset's files remain.
    assert sorted((tmp_path / "content").iterdir()) == sorted(
        tmp_path / p for p in after if p.startswith("content/")
    )


def test_failed_export_leaves_the_previous_tilesets(conn, tmp_path, monkeypatch) -> None:
    d = district("vienna")
    load_rows(conn, "vienna", "PM18", d.rows)
    export_all(conn, tmp_path, point="PM18", city="vienna", max_features=8)
    before = _published(tmp_path)
    # New data, then a failure after half of the content files are written.
    load_rows(conn, "vienna", "PM18", [(r[0], r[1], r[2] + 1.0, *r[3:]) for r in d.rows])
    real = workers_module.run_task
    calls = []

    def half_then_fail(cur, task):
        calls.append(task)
        if len(calls) > 1:
            raise OSError("disk full (injected)")
        return real(cur, task)

    monkeypatch.setattr(workers_module, "run_task", half_then_fail)
    monkeypatch.setattr(workers_module, "TASK_FEATURES", 8)
    with pytest.raises(OSError, match="injected"):
        export_all(conn, tmp_path, point="PM18", city="vienna", max_features=8)
    assert len(calls) == 2
    assert _published(tmp_path) == before
    assert [p.name for p in (tmp_path / ".runs").iterdir() if p.name.startswith(".tmp")] == []


def test_killed_run_leaves_the_previous_state_everywhere(conn, db_url, tmp_path) -> None:
    """``--all`` over two cities and three points, killed while it writes: index.json and
    every tileset are those of the previous run; the next run publishes the new data."""
    lyon = district("lyon", n_grid=20)  # 403 buildings, one per tile: many files to write
    munich = district("munich", n_grid=8)
    for point in ("PM18", "PM24", "PM30"):
        load_rows(conn, "lyon", point, lyon.rows)
        load_rows(conn, "munich", point, munich.rows)
    env = {**os.environ, "KC_DATABASE_URL": db_url}
    kc = [sys.executable, "-c", "from gis.cli import main; main()", "tiles", "export", "--all"]
    args = [*kc, "--out", str(tmp_path), "--max-features", "1"]
    subprocess.run(args, env=env, check=True, capture_output=True, cwd=REPO)
    before = _published(tmp_path)
    assert {"lyon/PM30/tileset.json", "munich/temporal/tileset.json"} <= set(before)
    load_rows(conn, "lyon", "PM30", [(r[0], r[1], r[2] + 2.0, *r[3:]) for r in lyon.rows])
    load_rows(conn, "munich", "PM30", [(r[0], r[1], r[2] + 2.0, *r[3:]) for r in munich.rows])
    known = {p.name for p in (tmp_path / "content").iterdir()}
    proc = subprocess.Popen(
        args, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    written: set[str] = set()
    # Kill it once it has written new content files (the run is half done).
    while time.monotonic() < deadline and proc.poll() is None:
        written = {p.name for p in (tmp_path / "content").iterdir()} - known
        if len(written) > 20:
            break
        time.sleep(0.002)
    assert proc.poll() is None, "the export finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert written, "the export never started writing"
    assert _published(tmp_path) == before  # index and every tileset: the previous run
    # The next export cleans up and publishes the new data.
    subprocess.run(args, env=env, check=True, capture_output=True, cwd=REPO)
    after = _published(tmp_path)
    assert after["lyon/PM30/tileset.json"] != before["lyon/PM30/tileset.json"]
    assert after["munich/temporal/tileset.json"] != before["munich/temporal/tileset.json"]
    assert [p.name for p in (tmp_path / ".runs").iterdir()] == [
        os.readlink(tmp_path / "live").split("/")[-1]
    ]
    assert sorted(p.name for p in (tmp_path / "content").iterdir()) == sorted(
        p.split("/")[-1] for p in after if p.startswith("content/")
    )


#: ``kc tiles export`` that SIGKILLs itself at one moment of the publish (``--kill-at``):
#: "finish": when the run (index.json and every tileset) is written, before it is published;
#: "live": inside the publish, the run synced and renamed, just before ``DIR/live`` is switched.
KILLED_EXPORT = """
import os, signal, sys
import tiles.export, tiles.publish
at = sys.argv.pop(1)
def kill(*args):
    os.kill(os.getpid(), signal.SIGKILL)
if at == "finish":
    tiles.export.finish_run = lambda out, run: kill()
else:
    link = tiles.publish._link
    tiles.publish._link = lambda path, target: kill() if path.name == "live" else link(path, target)
from gis.cli import main
main()
"""


@pytest.mark.parametrize("at", ["finish", "live"])
def test_kill_after_the_run_is_written_leaves_the_previous_state(conn, db_url, tmp_path, at):
    """Killed once the run's index.json is written but before ``live`` switches: every reader
    still sees the previous run; the next export cleans up and publishes the new data."""
    d = district("lyon", n_grid=6)
    for point in ("PM18", "PM24"):
        load_rows(conn, "lyon", point, d.rows)
    env = {**os.environ, "KC_DATABASE_URL": db_url}
    args = ["tiles", "export", "--all", "--out", str(tmp_path), "--max-features", "4"]
    kc = [sys.executable, "-c", "from gis.cli import main; main()"]
    subprocess.run([*kc, *args], env=env, check=True, capture_output=True, cwd=REPO)
    before, live = _published(tmp_path), os.readlink(tmp_path / "live")
    load_rows(conn, "lyon", "PM24", [(r[0], r[1], r[2] + 2.0, *r[3:]) for r in d.rows])
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_EXPORT, at, *args], env=env, capture_output=True, cwd=REPO
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
    # The killed run was complete: its own index.json, with the new PM24, is on disk.
    [run] = [p for p in (tmp_path / ".runs").iterdir() if p.name != live.split("/")[-1]]
    assert (run / "index.json").read_bytes() != before["index.json"]
    assert (run / "lyon/PM24/tileset.json").read_bytes() != before["lyon/PM24/tileset.json"]
    # ... and nobody sees it: the index and every tileset are the previous run's.
    assert os.readlink(tmp_path / "live") == live
    assert _published(tmp_path) == before
    subprocess.run([*kc, *args], env=env, check=True, capture_output=True, cwd=REPO)
    after = _published(tmp_path)
    assert after["lyon/PM24/tileset.json"] != before["lyon/PM24/tileset.json"]
    assert after["lyon/temporal/tileset.json"] != before["lyon/temporal/tileset.json"]
    assert [p.name for p in (tmp_path / ".runs").iterdir()] == [
        os.readlink(tmp_path / "live").split("/")[-1]
    ]
    assert sorted(p.name for p in (tmp_path / "content").iterdir()) == sorted(
        p.split("/")[-1] for p in after if p.startswith("content/")
    )


def test_true_3d_geometry_is_written_instead_of_the_extrusion(conn, tmp_path) -> None:
    """A version with geom_3d (here a pyramid roof on a box) keeps its shape in the tiles."""
    from gis.store.building_snapshots import apply_staged, stage_rows
    from tests.store.snapshots import row

    x0, y0, x1, y1 = 4.8200, 45.7350, 4.8201, 45.7351
    cx, cy, base, eaves, apex = (x0 + x1) / 2, (y0 + y1) / 2, 170.0, 176.0, 181.0
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    faces = [[(x, y, base) for x, y in reversed(corners)]]  # floor, facing down
    for (ax, ay), (bx, by) in zip(corners, corners[1:] + corners[:1], strict=True):
        faces.append([(ax, ay, base), (bx, by, base), (bx, by, eaves), (ax, ay, eaves)])
        faces.append([(ax, ay, eaves), (bx, by, eaves), (cx, cy, apex)])
    wkt = ",".join("((" + ",".join(f"{x} {y} {z}" for x, y, z in [*f, f[0]]) + "))" for f in faces)
    # The footprint row of the same building, with the solid (history is append-only: the
    # version is loaded with its geom_3d, not given one afterwards).
    footprint, height, estimated, storeys, _, _, crs, attributes = row("B1", 11.0)[1:]
    with conn:
        stage_rows(
            conn.cursor(),
            [
                (
                    "B1", footprint, height, estimated, storeys, base,
                    f"SRID=4326;MULTIPOLYGON Z ({wkt})", crs, attributes,
                )
            ],
        )  # fmt: skip
        apply_staged(conn, "lyon", "PM18", source="test-PM18")
    export_all(conn, tmp_path, point="PM18", city="lyon")
    folder = tmp_path / "lyon" / "PM18"
    assert [r["messages"] for r in validate(contents(folder)) if r["errors"]] == []
    tileset = json.loads((folder / "tileset.json").read_text())
    m = np.array(tileset["root"]["transform"]).reshape(4, 4, order="F")
    frame = Frame(0.0, 0.0, m[:3, 3], m[:3, :3].T)
    [leaf] = [t for t in tileset_tiles(tileset) if "content" in t]
    pos, _ = read_positions(content_path(folder, leaf["content"]["uri"]))
    geo = frame.to_geographic(pos)
    heights = sorted(set(np.round(geo[:, 2], 2)))
    # Ground at 0 (shifted by the base elevation), eaves at 6 m, apex at 11 m: not a flat box.
    assert heights == [0.0, eaves - base, apex - base]
    top = geo[np.isclose(geo[:, 2], apex - base, atol=0.01)]
    assert np.allclose(top[:, 0], cx, atol=1e-7) and np.allclose(top[:, 1], cy, atol=1e-7)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--at", "PM99"], "unknown measurement point 'PM99'; expected one of: start, PM18, PM24"),
        (["--all", "--city", "paris"], "unknown city 'paris'; expected one of: lyon"),
    ],
)
def test_unknown_point_or_city_is_a_message_and_exit_1(db_url, tmp_path, args, message) -> None:
    result = CliRunner().invoke(
        main, ["tiles", "export", *args, "--out", str(tmp_path)], env={"KC_DATABASE_URL": db_url}
    )
    assert result.exit_code == 1 and message in result.output
    assert "Traceback" not in result.output and not any(tmp_path.iterdir())


def test_an_export_folder_of_the_earlier_layout_is_converted(conn, tmp_path) -> None:
    """One link per point (the earlier layout) becomes the run layout; a foreign folder
    where a city's link belongs is refused, and nothing of the run is published."""
    d = district("munich")
    load_rows(conn, "munich", "PM18", d.rows)
    old = tmp_path / "munich"
    (old / ".PM18.PM18-0123").mkdir(parents=True)
    (old / ".PM18.PM18-0123" / "tileset.json").write_text("{}")
    (old / "PM18").symlink_to(".PM18.PM18-0123")
    (tmp_path / "index.json").write_text('{"tilesets": []}')
    [result] = export_all(conn, tmp_path, point="PM18", city="munich")
    assert (tmp_path / "munich").is_symlink() and (tmp_path / "index.json").is_symlink()
    assert json.loads((tmp_path / "index.json").read_text())["tilesets"][0]["feature_count"] == (
        result.feature_count
    )
    assert validate(contents(tmp_path / "munich" / "PM18"))
    before = _published(tmp_path)
    load_rows(conn, "lyon", "PM18", district("lyon").rows)
    (tmp_path / "lyon").mkdir()
    (tmp_path / "lyon" / "notes.txt").write_text("mine")
    with pytest.raises(PublishError, match="not one published by 'kc tiles export'"):
        export_all(conn, tmp_path, point="PM18")
    assert (tmp_path / "lyon" / "notes.txt").read_text() == "mine"
    assert _published(tmp_path) == before


def _version_ids(path: Path) -> list[int]:
    gltf = pygltflib.GLTF2.load_from_bytes(path.read_bytes())
    table = gltf.extensions["EXT_structural_metadata"]["propertyTables"][0]
    view = gltf.bufferViews[table["properties"]["version_id"]["values"]]
    return np.frombuffer(gltf.binary_blob(), np.uint32, table["count"], view.byteOffset).tolist()


def test_a_city_cut_into_partitions_is_complete_valid_and_the_same_with_more_processes(
    conn, db_url, tmp_path, monkeypatch
) -> None:
    """The main process holds one partition of the city at a time (``tiles.partition``): the
    tilesets hold every building once, their errors never grow downwards, the contents
    validate, and one or two processes write the same bytes."""
    monkeypatch.setattr(workers_module, "TASK_FEATURES", 100)  # many tasks: the pool is used
    rows = lyon_rows()
    load_rows(conn, "lyon", "PM18", rows)
    load_rows(conn, "lyon", "PM24", rows[:-300])
    cut = {"max_features": 50, "city": "lyon", "partition_features": 300}
    export_all(conn, tmp_path / "one", workers=1, **cut)
    export_all(conn, tmp_path / "two", workers=2, database_url=db_url, **cut)
    export_all(conn, tmp_path / "whole", workers=1, max_features=50, city="lyon")
    one = _published(tmp_path / "one")
    assert one == _published(tmp_path / "two")
    # Built again over the published run: the contents only the external tilesets refer to
    # are kept by the clean-up after the switch (``tiles.publish.referenced``).
    export_all(conn, tmp_path / "one", workers=1, reuse=False, **cut)
    assert _published(tmp_path / "one") == one
    whole = _published(tmp_path / "whole")
    assert one["lyon/PM18/tileset.json"] != whole["lyon/PM18/tileset.json"]  # another tree

    cur = conn.cursor()
    for point, at in (("PM18", "2017-07-31"), ("PM24", "2023-07-31"), ("temporal", None)):
        folder = tmp_path / "one" / "lyon" / point
        top = json.loads((folder / "tileset.json").read_text())
        # Below the root, tiles of the partitions' squares, each over its own kd-tree in an
        # external tileset of its own.
        outside = [
            t for t in tileset_tiles(top) if t.get("content", {}).get("uri", "")[-5:] == ".json"
        ]
        assert len(outside) == len(list(folder.glob("*.json"))) - 1 > 1
        assert all(not t.get("children") for t in outside)
        tileset = load_tileset(folder)
        assert len(tileset["root"]["children"]) > 1
        stack = [tileset["root"]]
        while stack:
            tile = stack.pop()
            for child in tile.get("children", []):
                assert child["geometricError"] <= tile["geometricError"]
                stack.append(child)
        tiles = list(tileset_tiles(tileset))
        leaves = [t for t in tiles if not t.get("children")]
        ids = [v for t in leaves for v in _version_ids(content_path(folder, t["content"]["uri"]))]
        if at is None:
            cur.execute(
                "SELECT DISTINCT version_id FROM kc.building_state('2017-07-31') "
                "WHERE city_code = 'lyon' UNION "
                "SELECT version_id FROM kc.building_state('2023-07-31') WHERE city_code = 'lyon'"
            )
        else:
            cur.execute(
                "SELECT version_id FROM kc.building_state(%s) WHERE city_code = 'lyon'", (at,)
            )
        expected = sorted(r[0] for r in cur.fetchall())
        assert sorted(ids) == expected and tileset["extras"]["feature_count"] == len(expected)
        assert any("content" in t and t.get("children") for t in tiles)  # levels of detail
        reports = validate(contents(folder))
        assert [r["messages"] for r in reports if r["errors"]] == []


def _property(path: Path, name: str) -> list:
    """A string property of every feature of a glb content, in feature order ("" for none:
    a property without any value in a tile is left out of its table)."""
    gltf = pygltflib.GLTF2.load_from_bytes(path.read_bytes())
    table = gltf.extensions["EXT_structural_metadata"]["propertyTables"][0]
    blob = gltf.binary_blob()
    if name not in table["properties"]:
        return [""] * table["count"]
    prop = table["properties"][name]
    values = gltf.bufferViews[prop["values"]]
    offsets = np.frombuffer(
        blob, np.uint32, table["count"] + 1, gltf.bufferViews[prop["stringOffsets"]].byteOffset
    )
    raw = blob[values.byteOffset : values.byteOffset + values.byteLength]
    return [raw[offsets[i] : offsets[i + 1]].decode() for i in range(table["count"])]


def test_projects_are_read_per_partition_and_colour_as_for_the_whole_city(conn, tmp_path) -> None:
    """Each partition reads only its own buildings' projects (``read_touches``): the status and
    projects of every version at every point are those of an export of the city in one piece."""
    rows = lyon_rows()
    load_rows(conn, "lyon", "PM18", rows)
    load_rows(conn, "lyon", "PM24", rows[:-300])
    spread = [r[0] for r in rows[::7]]  # all over the city: in every partition
    load_projects(
        conn,
        "lyon",
        "PM18",
        [
            ("LY-P-1", "citizen_engagement", "completed", spread),
            ("LY-P-2", "district_heating_renewables", "in_implementation", spread[::3]),
        ],
    )
    load_projects(conn, "lyon", "PM24", [("LY-P-3", "citizen_engagement", "planned", spread[1::2])])
    seen = {}
    for name, options in {"cut": {"partition_features": 300}, "whole": {}}.items():
        export_all(conn, tmp_path / name, workers=1, max_features=50, city="lyon", **options)
        folder = tmp_path / name / "lyon" / "temporal"
        tileset = load_tileset(folder)
        if name == "cut":
            assert len(tileset["root"]["children"]) > 1  # partitions
        found = {}
        for tile in tileset_tiles(tileset):
            if "content" in tile and not tile.get("children"):
                path = content_path(folder, tile["content"]["uri"])
                columns = [
                    _property(path, p)
                    for p in ("source_id", "status_PM18", "projects_PM18", "status_PM24")
                ]
                for vid, *values in zip(_version_ids(path), *columns, strict=True):
                    found[vid] = tuple(values)
        seen[name] = found
    assert seen["cut"] == seen["whole"] and len(seen["cut"]) == len(rows)
    by_source = {v[0]: v for v in seen["cut"].values()}
    assert {s for s, _, p, _ in by_source.values() if "LY-P-2" in p} == set(spread[::3])
    cur = conn.cursor()
    gone = {r[0] for r in rows[-300:]}  # not valid at PM24: no status there
    for k, at, absent in ((1, "2017-07-31", set()), (3, "2023-07-31", gone)):
        cur.execute(
            "SELECT DISTINCT b.source_id FROM kc.project_state(%s) p, unnest(p.building_ids) i "
            "JOIN kc.building b ON b.building_id = i WHERE p.city_code = 'lyon'",
            (at,),
        )
        touched = {r[0] for r in cur.fetchall()} - absent
        assert touched and touched == {s for s, v in by_source.items() if v[k]}
