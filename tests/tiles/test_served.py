"""The exported tilesets as ``kc serve`` publishes them: linked from the OGC API landing page."""

from __future__ import annotations

import json
import os

import requests

from gis.api.roles import ensure_login_role, reader_password, with_credentials
from tests.api.server import drop_role, start_server
from tests.tiles.data import district, load_rows
from tiles.export import export_all


def test_landing_page_links_every_tileset_and_the_temporal_one(conn, db_url, tmp_path) -> None:
    d = district("munich")
    load_rows(conn, "munich", "PM18", d.rows)
    load_rows(conn, "munich", "PM24", d.rows[:-5])  # 5 demolished
    home = tmp_path / "home"
    export_all(conn, home / "tiles", max_features=8)  # KC_HOME/tiles: what kc serve publishes
    role = f"kc_tiles_test_{os.getpid()}"
    password = reader_password(tmp_path / "reader")
    ensure_login_role(conn, password, role=role)
    conn.commit()
    server = start_server(home, db_url, with_credentials(db_url, role, password))
    try:
        landing = requests.get(f"{server.base}/", params={"f": "json"}, timeout=60).json()
        links = {link["href"]: link for link in landing["links"] if link["rel"] == "tiles3d"}
        tiles = f"{server.base}/tiles/munich"
        # A tileset per point with buildings (PM30: the PM24 snapshot is still valid then).
        built = ["PM18", "PM24", "PM30"]
        assert sorted(links) == [f"{tiles}/{p}/tileset.json" for p in [*built, "temporal"]]
        index = json.loads((home / "tiles" / "index.json").read_text())
        points = [p["point"] for p in index["temporal"][0]["points"]]
        assert points[-3:] == built
        temporal = links[f"{tiles}/temporal/tileset.json"]
        assert temporal["type"] == "application/json"
        assert f"every version at {', '.join(points)}" in temporal["title"]
        # What the link leads to is the temporal tileset: both points, every version once.
        tileset = requests.get(temporal["href"], timeout=60).json()
        assert [p["point"] for p in tileset["extras"]["points"]] == points
        assert tileset["extras"]["feature_count"] == len(d.rows)
        german = requests.get(f"{server.base}/", params={"f": "json", "lang": "de"}, timeout=60)
        [title] = [
            link["title"] for link in german.json()["links"] if link["href"] == temporal["href"]
        ]
        assert title.startswith(f"3D Tiles: Munich, alle Versionen zu {', '.join(points)}")
        # The buildings collection links the same tilesets.
        collection = requests.get(
            f"{server.base}/collections/buildings", params={"f": "json"}, timeout=60
        ).json()
        assert temporal["href"] in {link["href"] for link in collection["links"]}
    finally:
        server.stop()
        drop_role(db_url, role)
