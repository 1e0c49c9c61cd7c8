"""The stored version links (kc.version_neighbour, migration 0051) kept by the database.

Whatever writes validity rows (a load, a correction, a web write as kc_writer, a purge as
kc_history_purger) leaves each believed version's predecessor, successor and latest stored as
the set-based computation from the validity rows gives them (kc.version_neighbours, which the
server still uses at a known_at), and as worked out by hand for the small timelines here.
"""

from __future__ import annotations

import os
import secrets

import psycopg2
import pytest
import shapely

from gis.api.roles import ensure_writer_role, with_credentials
from gis.store.db import connect
from gis.store.feature_writes import ProjectContent, write_project
from tests.api.server import drop_role
from tests.store.snapshots import LYON, load

STORED = (
    "SELECT kind, version_id, predecessor, successor, latest FROM kc.version_neighbour "
    "ORDER BY kind, version_id"
)
COMPUTED = """
SELECT 'buildings', n.* FROM kc.version_neighbours(
    'buildings', ARRAY(SELECT version_id FROM kc.building_validity), NULL) n
UNION ALL
SELECT 'projects', n.* FROM kc.version_neighbours(
    'projects', ARRAY(SELECT version_id FROM kc.project_validity), NULL) n
ORDER BY 1, 2
"""


def stored(conn) -> list[tuple]:
    with conn, conn.cursor() as cur:
        cur.execute(STORED)
        return cur.fetchall()


def assert_stored_as_computed(conn) -> list[tuple]:
    with conn, conn.cursor() as cur:
        cur.execute(COMPUTED)
        computed = cur.fetchall()
    rows = stored(conn)
    assert rows == computed
    return rows


def links(conn, source_id: str) -> list[tuple]:
    """(version, predecessor, successor, latest) of a building's believed versions, in
    valid-time order."""
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT n.version_id, n.predecessor, n.successor, n.latest "
            "FROM kc.version_neighbour n JOIN kc.building_validity r USING (version_id) "
            "JOIN kc.building b ON b.building_id = r.building_id "
            "WHERE n.kind = 'buildings' AND r.superseded_at IS NULL AND b.source_id = %s "
            "ORDER BY r.valid_from",
            (source_id,),
        )
        return cur.fetchall()


def chain(versions: list[int]) -> list[tuple]:
    """The links of a timeline of ``versions`` (valid-time order), worked out by hand."""
    return [
        (
            v,
            versions[i - 1] if i else None,
            versions[i + 1] if i + 1 < len(versions) else None,
            versions[-1],
        )
        for i, v in enumerate(versions)
    ]


def versions_of(conn, source_id: str) -> list[int]:
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT r.version_id FROM kc.building_validity r JOIN kc.building b "
            "USING (building_id) WHERE b.source_id = %s AND r.superseded_at IS NULL "
            "ORDER BY r.valid_from",
            (source_id,),
        )
        return [v for (v,) in cur.fetchall()]


def test_links_after_loads(loaded) -> None:
    rows = assert_stored_as_computed(loaded)
    assert len(rows) == 4  # B1, B2 twice, B3
    b2 = versions_of(loaded, "B2")
    assert len(b2) == 2
    assert links(loaded, "B2") == chain(b2)
    assert links(loaded, "B1") == chain(versions_of(loaded, "B1"))
    # B3 ended at PM24: still its own latest, no successor
    [b3] = versions_of(loaded, "B3")
    assert links(loaded, "B3") == [(b3, None, None, b3)]


def test_links_after_corrections(loaded) -> None:
    """A correction of PM18 and a load at an earlier point supersede rows and record new ones:
    superseded versions lose their links, the features' other versions get new neighbours."""
    b2_before = versions_of(loaded, "B2")
    load(loaded, "lyon", "PM18", {"B1": 11, "B2": 20, "B3": 30})
    load(loaded, "lyon", "start", {"B1": 9, "B2": 19})
    assert_stored_as_computed(loaded)
    b1 = versions_of(loaded, "B1")
    assert len(b1) == 3  # start (9), PM18 (11), PM24 (10)
    assert links(loaded, "B1") == chain(b1)
    b2 = versions_of(loaded, "B2")
    assert b2[1:] == b2_before and len(b2) == 3
    assert links(loaded, "B2") == chain(b2)
    with loaded, loaded.cursor() as cur:  # no row for a version not believed now
        cur.execute(
            "SELECT count(*) FROM kc.version_neighbour n WHERE NOT EXISTS (SELECT 1 FROM "
            "kc.building_validity r WHERE r.version_id = n.version_id AND r.superseded_at IS NULL)"
            " AND n.kind = 'buildings'"
        )
        assert cur.fetchone()[0] == 0


def test_purge_removes_the_links_of_that_feature_only(loaded) -> None:
    others = [row for row in stored(loaded) if row[1] not in versions_of(loaded, "B2")]
    with loaded, loaded.cursor() as cur:
        cur.execute("SELECT kc.purge_feature('buildings', 'lyon/B2', 'GDPR erasure request #42')")
    assert stored(loaded) == others
    assert_stored_as_computed(loaded)


def test_a_statement_that_changes_nothing_keeps_the_links(loaded) -> None:
    before = stored(loaded)
    load(loaded, "lyon", "PM24", {"B1": 10, "B2": 25})  # the same snapshot again
    assert stored(loaded) == before


@pytest.fixture
def writer_conn(db_url: str):
    load(connect(db_url), "lyon", "PM18", {"B1": 10})
    role = f"kc_writer_links_{os.getpid()}"
    password = "kc-" + secrets.token_urlsafe(16)
    owner = connect(db_url)
    ensure_writer_role(owner, password, role=role)
    owner.close()
    conn = psycopg2.connect(with_credentials(db_url, role, password))
    yield conn, connect(db_url)
    conn.close()
    drop_role(db_url, role)


def project(status: str) -> ProjectContent:
    area = shapely.set_srid(shapely.Point(*LYON).buffer(0.0005), 4326)
    return ProjectContent(
        code="LYO-LINKS-1",
        thematic_field="e_mobility",
        title={"en": "Links"},
        footprint_hex=shapely.to_wkb(area, hex=True, include_srid=True),
        status=status,
        attributes={},
        source_crs="EPSG:3946",
        buildings=None,
    )


def test_links_after_web_writes_as_the_writer_role(writer_conn) -> None:
    """Part 4 / the form write projects as kc_writer, which may not write the table itself:
    a project created at PM18, changed at PM24, ended at PM30, then PM24 rewritten."""
    writer, owner = writer_conn
    versions = []
    for point, content in (
        ("PM18", project("in_preparation")),
        ("PM24", project("in_implementation")),
        ("PM30", None),
        ("PM24", project("completed")),
    ):
        with writer:
            version = write_project(
                writer, "lyon", point, content, code="LYO-LINKS-1", account="test", source="t"
            )
        versions.append(version)
        assert_stored_as_computed(owner)
    assert versions[2] is None
    with owner, owner.cursor() as cur:
        cur.execute(
            "SELECT n.version_id, n.predecessor, n.successor, n.latest FROM kc.version_neighbour "
            "n JOIN kc.project_validity r USING (version_id) JOIN kc.project p USING "
            "(project_id) WHERE n.kind = 'projects' AND p.code = 'LYO-LINKS-1' "
            "AND r.superseded_at IS NULL ORDER BY r.valid_from"
        )
        assert cur.fetchall() == chain([versions[0], versions[3]])
    owner.close()
