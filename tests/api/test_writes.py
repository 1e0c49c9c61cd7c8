"""OGC API - Features Part 4 over real HTTP: accounts, versions, locking, history, one validation.

``kc serve`` runs on a Lyon database of its own (``tests/api/server.py``) with a read-only role
and a writer role (test-only login roles in kc_reader and kc_writer). Accounts: anne edits Lyon,
victor edits Vienna, cora coordinates all cities.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import shapely
import shapely.geometry
from openapi_spec_validator import validate

from etl.errors import LoadProblems
from etl.reporting import load_reporting
from gis.api.roles import ensure_login_role, ensure_writer_role, reader_password, with_credentials
from gis.store.accounts import add_account
from gis.store.db import connect
from tests.api.server import Server, drop_role, load_lyon, start_kc_serve
from tests.databases import fresh_database, query
from tests.etl.helpers import kc
from tests.shared_data import lyon_rows

PASSWORDS = {name: f"pw-{name}-" + secrets.token_urlsafe(12) for name in ("anne", "victor", "cora")}
PART4 = "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete"


@dataclass(frozen=True)
class Site:
    url: str
    server: Server

    @property
    def base(self) -> str:
        return self.server.base


@pytest.fixture(scope="module")
def site(server_url: str, template_db: str, tmp_path_factory) -> Iterator[Site]:
    yield from serve_site(server_url, template_db, tmp_path_factory)


def serve_site(
    server_url: str, template_db: str, tmp_path_factory, settings: dict[str, str] | None = None
) -> Iterator[Site]:
    """A Lyon database with the three accounts, served by ``kc serve`` with reader and writer
    roles (and ``settings`` besides); everything is removed afterwards."""
    for url in fresh_database(server_url, template_db):
        load_lyon(url)
        conn = connect(url)
        with conn, conn.cursor() as cur:
            add_account(cur, "anne", PASSWORDS["anne"], cities=["lyon"])
            add_account(cur, "victor", PASSWORDS["victor"], cities=["vienna"])
            add_account(cur, "cora", PASSWORDS["cora"], coordinator=True)
        suffix = secrets.token_hex(4)
        reader, writer = f"kc_api_wr_{suffix}", f"kc_writer_wr_{suffix}"
        read_pw = reader_password(tmp_path_factory.mktemp("reader"))
        write_pw = "kc-" + secrets.token_urlsafe(16)
        ensure_login_role(conn, read_pw, role=reader)
        ensure_writer_role(conn, write_pw, role=writer)
        conn.close()
        home = tmp_path_factory.mktemp("writes_home")
        server = start_kc_serve(
            home,
            {
                "KC_DATABASE_URL": url,
                "KC_READER_DATABASE_URL": with_credentials(url, reader, read_pw),
                "KC_WRITER_DATABASE_URL": with_credentials(url, writer, write_pw),
                **(settings or {}),
            },
        )
        try:
            yield Site(url, server)
        finally:
            server.stop()
            drop_role(url, reader)
            drop_role(url, writer)


def auth(name: str, password: str | None = None) -> dict[str, str]:
    token = base64.b64encode(f"{name}:{password or PASSWORDS[name]}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def feature(properties: dict, geometry: dict | None = None) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def footprint(dx: float = 0.0) -> dict:
    rows = lyon_rows(attributes=("USAGE1",))
    centre = shapely.from_wkb(rows[500][1]).centroid
    return shapely.geometry.mapping(shapely.affinity.translate(centre.buffer(0.0004), xoff=dx))


def report_at(site: Site, project: str, point: str) -> dict:
    page = requests.get(
        f"{site.base}/collections/reports/items",
        params={"feature_id": project, "f": "json", "limit": 100},
        timeout=60,
    ).json()
    [found] = [f for f in page["features"] if f["properties"]["point"] == point]
    return found


def get_item(site: Site, collection: str, feature_id: object) -> requests.Response:
    return requests.get(
        f"{site.base}/collections/{collection}/items/{feature_id}", params={"f": "json"}, timeout=60
    )


def new_id(response: requests.Response) -> int:
    return int(response.headers["Location"].rsplit("/", 1)[1])


# --- declared, and only for accounts ---------------------------------------------------------------


def test_writes_are_declared_in_conformance_and_openapi(site: Site) -> None:
    conformance = requests.get(f"{site.base}/conformance", params={"f": "json"}, timeout=60)
    assert PART4 in conformance.json()["conformsTo"]
    document = requests.get(f"{site.base}/openapi", params={"f": "json"}, timeout=60).json()
    validate(document)
    items = document["paths"]["/collections/reports/items/{featureId}"]
    assert {"put", "patch", "delete"} <= set(items)
    assert "post" in document["paths"]["/collections/projects/items"]
    assert "post" not in document["paths"]["/collections/buildings/items"]
    # Buildings take no writes: the request check answers 405.
    refused = requests.post(
        f"{site.base}/collections/buildings/items",
        json=feature({}),
        headers=auth("cora"),
        timeout=60,
    )
    assert refused.status_code == 405


def test_anonymous_and_wrong_passwords_cannot_write(site: Site) -> None:
    target = report_at(site, "LYO-REF-A", "PM18")
    url = f"{site.base}/collections/reports/items/{target['id']}"
    body = feature({"status": "completed", "objectives": "x"})
    anonymous = requests.put(url, json=body, timeout=60)
    assert anonymous.status_code == 401 and "Basic" in anonymous.headers["WWW-Authenticate"]
    wrong = requests.put(url, json=body, headers=auth("anne", "not-her-password"), timeout=60)
    assert wrong.status_code == 401
    nobody = requests.delete(url, headers=auth("mallory", "whatever-password"), timeout=60)
    assert nobody.status_code == 401
    assert report_at(site, "LYO-REF-A", "PM18")["id"] == target["id"]


# --- reports -------------------------------------------------------------------------------------


def test_a_report_replaced_updated_and_withdrawn_keeps_every_version(site: Site) -> None:
    start = dt.datetime.now(dt.UTC)
    first = report_at(site, "LYO-REF-A", "PM24")
    read = get_item(site, "reports", first["id"])
    tag = read.headers["ETag"]
    assert tag == f'"report-{first["id"]}"'
    replaced = requests.put(
        f"{site.base}/collections/reports/items/{first['id']}",
        json=feature(
            {
                "status": "In Umsetzung",
                "progress": "55 %",
                "objectives": {"en": "Refurbish block A, phase 2", "de": "Block A sanieren"},
                "barriers": {"en": "Scaffolding permits", "fr": "Permis d'échafaudage"},
                "challenges": ["activation-home-owners", "Door openers"],
            }
        ),
        headers={**auth("anne"), "If-Match": tag},
        timeout=60,
    )
    assert replaced.status_code == 200, replaced.text
    second = new_id(replaced)
    assert second != first["id"] and replaced.headers["ETag"] == f'"report-{second}"'
    now = get_item(site, "reports", second).json()["properties"]
    assert now["status"] == "in_implementation" and now["progress"] == 55
    assert now["barriers"] == "Scaffolding permits"  # English by default
    assert now["challenges"] == ["activation-home-owners", "door-openers"]
    assert get_item(site, "reports", first["id"]).status_code == 404  # superseded, not current

    updated = requests.patch(
        f"{site.base}/collections/reports/items/{second}",
        json=feature({"progress": 60, "drivers": None}),
        headers={**auth("anne"), "If-Match": replaced.headers["ETag"]},
        timeout=60,
    )
    assert updated.status_code == 200, updated.text
    third = new_id(updated)
    patched = get_item(site, "reports", third).json()["properties"]
    assert patched["progress"] == 60 and patched["drivers"] is None
    assert patched["barriers"] == "Scaffolding permits" and patched["status"] == "in_implementation"

    # A write from the first tag is stale now.
    stale = requests.put(
        f"{site.base}/collections/reports/items/{first['id']}",
        json=feature({"status": "completed", "objectives": "late"}),
        headers={**auth("anne"), "If-Match": tag},
        timeout=60,
    )
    assert stale.status_code == 412 and stale.headers["ETag"] == f'"report-{third}"'

    withdrawn = requests.delete(
        f"{site.base}/collections/reports/items/{third}",
        headers={**auth("anne"), "If-Match": f'"report-{third}"'},
        timeout=60,
    )
    assert withdrawn.status_code == 204, withdrawn.text
    assert get_item(site, "reports", third).status_code == 404
    # Nothing is lost: as known before, the first answers; every version is kept, with who.
    before = requests.get(
        f"{site.base}/collections/reports/items",
        params={
            "feature_id": "LYO-REF-A",
            "known_at": start.isoformat().replace("+00:00", "Z"),
            "f": "json",
        },
        timeout=60,
    ).json()["features"]
    assert first["id"] in [f["id"] for f in before]
    rows = query(
        site.url,
        "SELECT r.report_id, r.superseded_at IS NOT NULL, l.written_by FROM kc.report r "
        "JOIN kc.load_run l USING (load_id) WHERE r.report_id = ANY (%s) ORDER BY 1",
        ([second, third],),
    )
    assert rows == [(second, True, "anne"), (third, True, "anne")]
    assert query(
        site.url, "SELECT count(*) FROM kc.report WHERE report_id = %s", (first["id"],)
    ) == [(1,)]


def test_two_writes_from_the_same_tag_exactly_one_succeeds(site: Site) -> None:
    target = report_at(site, "LYO-EV-1", "PM24")
    tag = get_item(site, "reports", target["id"]).headers["ETag"]
    statuses: list[int] = []
    barrier = threading.Barrier(2)

    def write(progress: int) -> None:
        barrier.wait()
        response = requests.put(
            f"{site.base}/collections/reports/items/{target['id']}",
            json=feature({"status": "planned", "progress": progress, "objectives": "Car sharing"}),
            headers={**auth("cora"), "If-Match": tag},
            timeout=120,
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=write, args=(p,)) for p in (20, 30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 412]
    believed = query(
        site.url,
        "SELECT count(*) FROM kc.report r JOIN kc.project p USING (project_id) "
        "WHERE p.code = 'LYO-EV-1' AND r.point_code = 'PM24' AND r.superseded_at IS NULL",
    )
    assert believed == [(1,)]


def test_the_workbook_loader_and_the_api_give_the_same_messages(site: Site, tmp_path: Path) -> None:
    bad = {"project_code": "LYO-REF-A", "status": "bogus", "progress": "150",
           "objectives": "", "objectives_de": "Nur Deutsch", "reported_on": "31.13.2018"}  # fmt: skip
    csv = tmp_path / "bad.csv"
    csv.write_text(",".join(bad) + "\n" + ",".join(bad.values()) + "\n", encoding="utf-8")
    with pytest.raises(LoadProblems) as loaded:
        load_reporting(site.url, csv, "PM30")
    from_workbook = {(p.field, p.found, p.expected) for p in loaded.value.problems}
    properties = {"project": "LYO-REF-A", "point": "PM30", "status": "bogus", "progress": "150",
                  "objectives": {"en": "", "de": "Nur Deutsch"}, "reported_on": "31.13.2018"}  # fmt: skip
    answer = requests.post(
        f"{site.base}/collections/reports/items",
        json=feature(properties),
        headers=auth("anne"),
        timeout=60,
    )
    assert answer.status_code == 400
    from_api = {(p["field"], p["found"], p["expected"]) for p in answer.json()["problems"]}
    assert from_api == from_workbook
    assert {f for f, _, _ in from_api} == {"status", "progress", "objectives", "reported_on"}


# --- projects ------------------------------------------------------------------------------------


def feed(site: Site) -> list[dict]:
    return requests.get(
        f"{site.base}/collections/project_changes/items",
        params={"feature_id": "LYO-WEB-1", "f": "json", "limit": 100},
        timeout=60,
    ).json()["features"]


def test_a_project_created_versioned_and_ended_shows_in_history_and_feed(site: Site) -> None:
    created = requests.post(
        f"{site.base}/collections/projects/items",
        json=feature(
            {
                "code": "LYO-WEB-1",
                "city": "lyon",
                "point": "PM18",
                "status": "planned",
                "thematic_field": "e_mobility",
                "title": {"en": "Bike boxes", "fr": "Abris vélos"},
            },
            footprint(),
        ),
        headers=auth("anne"),
        timeout=60,
    )
    assert created.status_code == 201, created.text
    v1 = new_id(created)
    read = get_item(site, "projects", v1)
    assert read.status_code == 200 and read.headers["ETag"] == created.headers["ETag"]
    assert read.json()["properties"]["valid_to"] is None

    # A new version from PM24 on (PATCH: only the status changes).
    later = requests.patch(
        f"{site.base}/collections/projects/items/{v1}",
        json=feature({"status": "in_implementation", "point": "PM24"}),
        headers={**auth("anne"), "If-Match": read.headers["ETag"]},
        timeout=60,
    )
    assert later.status_code == 200, later.text
    v2 = new_id(later)
    assert v2 != v1
    first = get_item(site, "projects", v1).json()
    assert first["properties"]["valid_to"] == "2018-01-31"
    links = {link["rel"]: link["href"] for link in get_item(site, "projects", v2).json()["links"]}
    assert links["predecessor-version"].endswith(f"/items/{v1}")

    # A correction at PM24 (PUT: the whole content, a new footprint): supersedes v2.
    corrected = requests.put(
        f"{site.base}/collections/projects/items/{v2}",
        json=feature(
            {
                "point": "PM24",
                "status": "in_implementation",
                "thematic_field": "e_mobility",
                "title": {"en": "Bike boxes"},
            },
            footprint(0.0002),
        ),
        headers={**auth("anne"), "If-Match": later.headers["ETag"]},
        timeout=60,
    )
    assert corrected.status_code == 200, corrected.text
    v3 = new_id(corrected)
    assert get_item(site, "projects", v2).status_code == 404
    corrections = [f for f in feed(site) if f["properties"]["correction"]]
    assert [f["properties"]["superseded_version_id"] for f in corrections] == [v2]

    ended = requests.delete(
        f"{site.base}/collections/projects/items/{v3}",
        params={"point": "PM30"},
        headers={**auth("anne"), "If-Match": corrected.headers["ETag"]},
        timeout=60,
    )
    assert ended.status_code == 204, ended.text
    assert get_item(site, "projects", v3).json()["properties"]["valid_to"] == "2018-07-31"

    changes = sorted((f["properties"]["point"], f["properties"]["change"]) for f in feed(site))
    assert changes == [("PM18", "new"), ("PM24", "changed"), ("PM30", "ended")]

    history = kc(site.url, "history", "projects", "LYO-WEB-1", "--city", "lyon")
    assert history.exit_code == 0, history.output
    assert "3 versions" in history.output
    assert all("anne" in line for line in history.output.splitlines()[2:])


def test_an_editor_of_lyon_cannot_write_a_vienna_project(site: Site) -> None:
    vienna = {"code": "VIE-WEB-1", "city": "vienna", "point": "PM18", "status": "planned",
              "thematic_field": "e_mobility", "title": "E-bikes"}  # fmt: skip
    refused = requests.post(
        f"{site.base}/collections/projects/items",
        json=feature(vienna, footprint()),
        headers=auth("anne"),
        timeout=60,
    )
    assert refused.status_code == 403 and "lyon" in refused.json()["description"]
    created = requests.post(
        f"{site.base}/collections/projects/items",
        json=feature(vienna, footprint()),
        headers=auth("cora"),
        timeout=60,
    )
    assert created.status_code == 201, created.text
    url = f"{site.base}/collections/projects/items/{new_id(created)}"
    change = feature({"status": "completed", "point": "PM24"})
    assert requests.patch(url, json=change, headers=auth("anne"), timeout=60).status_code == 403
    assert requests.patch(url, json=change, headers=auth("victor"), timeout=60).status_code == 200


def test_passwords_never_in_logs_or_responses(site: Site) -> None:
    answers = [
        requests.post(f"{site.base}/collections/reports/items", json=feature({}),
                      headers=auth("anne", PASSWORDS["cora"]), timeout=60),
        requests.post(f"{site.base}/collections/reports/items", json=feature({}),
                      headers=auth("anne"), timeout=60),
    ]  # fmt: skip
    for answer in answers:
        assert answer.status_code in (400, 401)
        for password in PASSWORDS.values():
            assert password not in answer.text and password not in str(answer.headers)
    log = site.server.log.read_text()
    for password in PASSWORDS.values():
        assert password not in log
        assert base64.b64encode(password.encode()).decode()[:16] not in log
    assert "argon2" not in log


def test_wrong_passwords_five_times_slow_the_api_down(site: Site) -> None:
    url = f"{site.base}/collections/reports/items"
    for _ in range(5):
        wrong = requests.post(url, json=feature({}), headers=auth("victor", "guess-123456"),
                              timeout=60)  # fmt: skip
        assert wrong.status_code == 401
    slowed = requests.post(url, json=feature({}), headers=auth("victor"), timeout=60)
    assert slowed.status_code == 429 and int(slowed.headers["Retry-After"]) >= 60
