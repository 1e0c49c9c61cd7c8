"""The implicit temporal tileset (``kc tiles export --implicit``) against a real PostGIS.

Read back as a client reads it (``tests.tiles.implicit_read``, from the spec): every version
once in the leaves, every tile's volume holding its content's vertices and its children's
volumes (the buildings that stick out of their squares are not culled), errors never growing
downwards, contents that pass the glTF validator, and the same bytes from one or two processes.
"""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

from gis.cli import main
from tests.shared_data import lyon_rows
from tests.tiles.data import load_rows
from tests.tiles.implicit_read import read_implicit
from tests.tiles.test_export import _published, _version_ids, read_positions, validate
from tiles import workers as workers_module
from tiles.export import export_all


def _inside(points: np.ndarray, box: list[float], margin: float = 1e-6) -> bool:
    """Whether ``points`` (n, 3) lie in an axis-aligned 3D Tiles box (centre, half-axes)."""
    centre, half = np.array(box[:3]), np.array([box[3], box[7], box[11]])
    assert box[4:7] == [0.0, 0.0, 0.0] and box[8:11] == [0.0, 0.0, 0.0] and box[9] == 0.0
    return bool(np.all(np.abs(points - centre) <= half + margin))


def test_implicit_temporal_tileset_is_complete_exact_valid_and_the_same_with_two_processes(
    conn, db_url, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(workers_module, "TASK_FEATURES", 100)  # many tasks: the pool is used
    rows = lyon_rows()
    load_rows(conn, "lyon", "PM18", rows)
    load_rows(conn, "lyon", "PM24", rows[:-300])
    cut = {"max_features": 50, "city": "lyon", "partition_features": 300, "implicit": True}
    export_all(conn, tmp_path / "one", workers=1, **cut)
    export_all(conn, tmp_path / "two", workers=2, database_url=db_url, **cut)
    one = _published(tmp_path / "one")
    assert any(p.endswith(".subtree") for p in one)
    assert one == _published(tmp_path / "two")

    index = json.loads((tmp_path / "one" / "index.json").read_text())
    [entry] = index["temporal"]
    assert entry["href"] == "lyon/temporal/tileset.json" and entry["tiling"] == "implicit"
    folder = tmp_path / "one" / "lyon" / "temporal"
    tileset, tiles = read_implicit(folder)
    tiling = tileset["root"]["implicitTiling"]
    levels = max(t.level for t in tiles) + 1
    assert tiling["availableLevels"] == levels >= 5
    assert 1 < tiling["subtreeLevels"] < levels  # more than one band of subtrees
    assert len(list(folder.glob("subtrees/**/*.subtree"))) > 1
    at = {(t.level, t.x, t.y): t for t in tiles}
    assert (0, 0, 0) in at
    # Every tile but the root has its parent; every tile has content (leaves: buildings,
    # inner tiles: their level of detail), and nothing else is in the content folder.
    for t in tiles:
        assert t.level == 0 or (t.level - 1, t.x // 2, t.y // 2) in at
        assert t.content is not None and t.content.is_file()
    assert sorted(t.content for t in tiles) == sorted(folder.glob("content/**/*.glb"))
    children = {c: [] for c in at}
    for t in tiles:
        if t.level:
            children[(t.level - 1, t.x // 2, t.y // 2)].append(t)
    leaves = [t for t in tiles if not children[(t.level, t.x, t.y)]]

    # Every version once, in the leaves; blocks (version 0) only in inner tiles.
    ids = [v for t in leaves for v in _version_ids(t.content)]
    cur = conn.cursor()
    cur.execute("SELECT version_id FROM kc.building_version")
    assert sorted(ids) == sorted(r[0] for r in cur.fetchall())
    assert len(ids) == tileset["extras"]["feature_count"] == len(rows)
    assert all(set(_version_ids(t.content)) == {0} for t in tiles if children[(t.level, t.x, t.y)])

    # Exact volumes: the vertices of a tile's content lie in its box, its children's boxes in
    # its own; errors: 0 in the leaves, never growing downwards.
    root = tileset["root"]["boundingVolume"]["box"]
    origin = np.array(root[:2]) - [root[3], root[7]]
    sticking_out = 0
    for t in tiles:
        positions, _ = read_positions(t.content)
        assert _inside(positions, t.box), (t.level, t.x, t.y)
        for c in children[(t.level, t.x, t.y)]:
            centre, half = np.array(c.box[:3]), np.array([c.box[3], c.box[7], c.box[11]])
            assert _inside(np.array([centre - half, centre + half]), t.box)
            assert c.error <= t.error
        if t in leaves:
            assert t.error == 0.0
            # The square the tile has in the quadtree (what a client derives without metadata).
            side = 2 * root[3] / 2**t.level
            lo = origin + side * np.array([t.x, t.y])
            outside = (positions[:, :2] < lo - 1e-6) | (positions[:, :2] > lo + side + 1e-6)
            sticking_out += bool(outside.any())
        else:
            assert t.error > 0.0
    assert sticking_out > 0  # buildings out of their squares: the metadata volumes matter
    assert tileset["root"]["geometricError"] == at[(0, 0, 0)].error
    assert tileset["geometricError"] >= at[(0, 0, 0)].error

    reports = validate([t.content for t in tiles])
    assert [r["messages"] for r in reports if r["errors"]] == []


def test_export_command_implicit_option(conn, db_url, tmp_path) -> None:
    rows = lyon_rows()[:500]
    load_rows(conn, "lyon", "PM18", rows)
    load_rows(conn, "lyon", "PM24", rows[:-50])
    result = CliRunner().invoke(
        main,
        ["tiles", "export", "--all", "--implicit", "--out", str(tmp_path), "--workers", "1"],
        env={"KC_DATABASE_URL": db_url},
    )
    assert result.exit_code == 0, result.output
    tileset, tiles = read_implicit(tmp_path / "lyon" / "temporal")
    assert tileset["extras"]["tiling"] == "implicit" and tiles
    # The per-point tilesets stay explicit.
    pm18 = json.loads((tmp_path / "lyon" / "PM18" / "tileset.json").read_text())
    assert "implicitTiling" not in pm18["root"]
