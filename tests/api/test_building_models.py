"""The buildings collection's ``lod`` and ``/models/buildings/{id}`` (CityJSON), over HTTP.

A database of its own with the real Lyon LoD2 model and Lyon footprints at another point, served
by ``kc serve`` with the read-only role. The CityJSON served is read back with the project's own
CityJSON reader and compared with the source file (lxml): same parts, same roof surfaces, the
same coordinates in the city's CRS.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np
import psycopg2
import pytest
import requests
from lxml import etree

from etl.cityjson import CityJSONStream
from tests.databases import fresh_database
from tests.etl.city_models import BLDG2, GML, LYON_LOD2
from tests.etl.helpers import kc
from tests.shared_data import require


@pytest.fixture(scope="module")
def served(server_url, template_db, tmp_path_factory) -> Iterator[tuple[str, str]]:
    from gis.api.roles import ensure_login_role, reader_password, with_credentials
    from gis.store.db import connect
    from tests.api.server import drop_role, start_server
    from tests.etl.helpers import buildings_frame, write

    for url in fresh_database(server_url, template_db):
        home = tmp_path_factory.mktemp("kc_home_models")
        footprints = write(buildings_frame(), home / "footprints.geojson")
        assert (
            kc(url, "load", "buildings", footprints, "--city", "lyon", "--at", "PM18").exit_code
            == 0
        )
        load = kc(
            url,
            "load",
            "buildings",
            require(LYON_LOD2),
            "--city",
            "lyon",
            "--at",
            "PM24",
            "--crs",
            "EPSG:3946+5720",
        )
        assert load.exit_code == 0, load.output
        role = f"kc_api_models_{os.getpid()}"
        password = reader_password(tmp_path_factory.mktemp("reader_models"))
        conn = connect(url)
        ensure_login_role(conn, password, role=role)
        conn.close()
        server = start_server(home, url, with_credentials(url, role, password))
        try:
            yield server.base, url
        finally:
            server.stop()
            drop_role(url, role)


def sql(url: str, query: str, *params) -> list[tuple]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(query, params)
        rows = cur.fetchall()
    conn.close()
    return rows


def test_every_version_says_its_lod(served) -> None:
    base, url = served
    got = {}
    link = f"{base}/collections/buildings/items?limit=1000&f=json"
    while link:
        page = requests.get(link, timeout=60).json()
        got.update({f["id"]: f["properties"]["lod"] for f in page["features"]})
        link = next((lk["href"] for lk in page["links"] if lk["rel"] == "next"), None)
    expected = dict(sql(url, "SELECT version_id, lod FROM kc.building_version"))
    assert got == expected
    assert sorted(set(got.values())) == [0, 2] and sum(v == 2 for v in got.values()) == 20


def test_known_at_says_the_lod_as_known_then(served) -> None:
    """``known_at`` reads kc.api_buildings_known: the same ``lod`` as the current state once the
    model is recorded, and only footprints (lod 0) before it was."""
    base, url = served
    [(footprints_at, model_at)] = sql(
        url,
        "SELECT min(recorded_at) FILTER (WHERE v.lod = 0), min(recorded_at) FILTER (WHERE v.lod = 2)"
        " FROM kc.building_validity r JOIN kc.building_version v USING (version_id)",
    )
    assert footprints_at < model_at

    def lods(known_at) -> dict[int, int]:
        got = {}
        link = f"{base}/collections/buildings/items"
        params = {"limit": 1000, "f": "json", "known_at": known_at.isoformat()}
        while link:
            response = requests.get(link, params=params, timeout=60)
            assert response.status_code == 200, response.text
            page = response.json()
            got.update({f["id"]: f["properties"]["lod"] for f in page["features"]})
            link, params = (
                next((lk["href"] for lk in page["links"] if lk["rel"] == "next"), None),
                None,
            )
        return got

    expected = dict(sql(url, "SELECT version_id, lod FROM kc.building_version"))
    assert lods(model_at) == expected
    before = lods(footprints_at)
    assert before and set(before.values()) == {0}


def test_a_building_model_is_cityjson_with_its_parts_roofs_and_source_coordinates(
    served, tmp_path
) -> None:
    base, url = served
    versions = sql(
        url,
        "SELECT v.version_id, b.source_id FROM kc.building_version v "
        "JOIN kc.building b USING (building_id) WHERE v.lod = 2",
    )
    assert len(versions) == 20
    source = {
        b.get(f"{GML}id"): b for b in etree.parse(str(LYON_LOD2)).getroot().iter(f"{BLDG2}Building")
    }
    for version_id, source_id in versions:
        response = requests.get(f"{base}/models/buildings/{version_id}", timeout=60)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("application/city+json")
        doc = response.json()
        assert doc["type"] == "CityJSON" and doc["version"] == "2.0"
        assert doc["metadata"]["referenceSystem"] == "https://www.opengis.net/def/crs/EPSG/0/3946"
        path = tmp_path / f"{version_id}.city.json"
        path.write_bytes(response.content)
        with path.open("rb") as handle:
            [building] = list(CityJSONStream(handle, sequence=False).buildings())
        elem = source[source_id]
        assert building.source_id == source_id
        assert len(building.part_ids) == len(elem.findall(f".//{BLDG2}BuildingPart"))
        roofs = sum(s.kind == "roof" for p in building.parts for s in p.surfaces)
        assert roofs == len(elem.findall(f".//{BLDG2}RoofSurface"))
        # Coordinates back in EPSG:3946 (metres) with the source's heights, to the millimetre.
        served_xyz = np.concatenate(
            [r for p in building.parts for s in p.surfaces for q in s.polygons for r in q]
        )
        file_xyz = np.concatenate(
            [
                np.array(pos.text.split(), float).reshape(-1, 3)
                for b in elem.findall(f".//{BLDG2}boundedBy")
                for pos in b.iter(f"{GML}posList")
            ]
        )
        assert np.allclose(served_xyz.min(axis=0), file_xyz.min(axis=0), atol=0.002)
        assert np.allclose(served_xyz.max(axis=0), file_xyz.max(axis=0), atol=0.002)


def test_a_footprint_version_has_no_model(served) -> None:
    base, url = served
    [(version_id,)] = sql(url, "SELECT min(version_id) FROM kc.building_version WHERE lod = 0")
    assert requests.get(f"{base}/models/buildings/{version_id}", timeout=60).status_code == 404
    assert requests.get(f"{base}/models/buildings/999999999", timeout=60).status_code == 404
