"""Bearer tokens for the Part 4 writes over real HTTP: made by ``kc users token add``, accepted
alongside Basic, refused once revoked or expired, never logged, only their hash stored.

The server and accounts are ``test_writes``'s (anne edits Lyon, victor Vienna, cora all).
"""

from __future__ import annotations

import hashlib

import requests
from click.testing import CliRunner

from gis.cli import main
from tests.api.test_writes import Site, feature, footprint, get_item, new_id, report_at, site
from tests.databases import query
from tests.etl.helpers import kc

__all__ = ["site"]  # the fixture, shared with test_writes


def make_token(site: Site, name: str, *args: str) -> str:
    """A token as an operator makes one: the command prints it alone on standard output."""
    result = CliRunner().invoke(
        main, ["users", "token", "add", name, *args], env={"KC_DATABASE_URL": site.url},
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("kct_") and len(token) > 40 and "\n" not in token
    assert "shown only now" in result.stderr
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def project_feed(site: Site, code: str) -> list[tuple[str, str]]:
    features = requests.get(
        f"{site.base}/collections/project_changes/items",
        params={"feature_id": code, "f": "json", "limit": 100},
        timeout=60,
    ).json()["features"]
    return sorted((f["properties"]["point"], f["properties"]["change"]) for f in features)


PM30_ONLY = "2018-02-01/2018-07-31"  # after PM24, up to PM30


def report_feed(site: Site, code: str, interval: str) -> list[dict]:
    features = requests.get(
        f"{site.base}/collections/report_changes/items",
        params={"feature_id": code, "datetime": interval, "f": "json", "limit": 100},
        timeout=60,
    ).json()["features"]
    return [f["properties"] for f in features]


def test_a_project_created_replaced_updated_and_ended_with_a_token(site: Site) -> None:
    token = make_token(site, "anne", "--label", "city platform", "--days", "30")
    created = requests.post(
        f"{site.base}/collections/projects/items",
        json=feature({"code": "LYO-TOK-1", "city": "lyon", "point": "PM18", "status": "planned",
                      "thematic_field": "e_mobility", "title": "Charging hub"}, footprint()),
        headers=bearer(token), timeout=60,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    v1 = new_id(created)
    replaced = requests.put(
        f"{site.base}/collections/projects/items/{v1}",
        json=feature({"point": "PM18", "status": "in_preparation", "thematic_field": "e_mobility",
                      "title": {"en": "Charging hub", "fr": "Pôle de recharge"}}, footprint(2e-4)),
        headers={**bearer(token), "If-Match": created.headers["ETag"]}, timeout=60,
    )  # fmt: skip
    assert replaced.status_code == 200, replaced.text
    v2 = new_id(replaced)
    updated = requests.patch(
        f"{site.base}/collections/projects/items/{v2}",
        json=feature({"status": "in_implementation", "point": "PM24"}),
        headers={**bearer(token), "If-Match": replaced.headers["ETag"]}, timeout=60,
    )  # fmt: skip
    assert updated.status_code == 200, updated.text
    v3 = new_id(updated)
    assert get_item(site, "projects", v3).json()["properties"]["status"] == "in_implementation"
    ended = requests.delete(
        f"{site.base}/collections/projects/items/{v3}", params={"point": "PM30"},
        headers={**bearer(token), "If-Match": updated.headers["ETag"]}, timeout=60,
    )  # fmt: skip
    assert ended.status_code == 204, ended.text
    assert get_item(site, "projects", v3).json()["properties"]["valid_to"] == "2018-07-31"

    # In the change feed (the correction at PM18 replaces the first version there) and in the
    # history, written by the token's account.
    assert project_feed(site, "LYO-TOK-1") == [("PM18", "new"), ("PM24", "changed"),
                                               ("PM30", "ended")]  # fmt: skip
    history = kc(site.url, "history", "projects", "LYO-TOK-1", "--city", "lyon")
    assert history.exit_code == 0, history.output
    assert "3 versions" in history.output
    assert all("anne" in line for line in history.output.splitlines()[2:])
    listed = kc(site.url, "users", "token", "list", "anne")
    assert "city platform" in listed.output and "valid" in listed.output
    assert "never used" not in listed.output.split("city platform")[0].splitlines()[-1]


def test_a_report_created_replaced_updated_and_withdrawn_with_a_token(site: Site) -> None:
    token = make_token(site, "cora")
    created = requests.post(
        f"{site.base}/collections/reports/items",
        json=feature({"project": "LYO-EV-1", "point": "PM30", "status": "in_implementation",
                      "progress": 40, "objectives": {"en": "Three stations", "de": "Drei "
                      "Stationen"}}),
        headers=bearer(token), timeout=60,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    first = new_id(created)
    replaced = requests.put(
        f"{site.base}/collections/reports/items/{first}",
        json=feature({"status": "in_implementation", "progress": 50,
                      "objectives": "Four stations"}),
        headers={**bearer(token), "If-Match": created.headers["ETag"]}, timeout=60,
    )  # fmt: skip
    assert replaced.status_code == 200, replaced.text
    second = new_id(replaced)
    updated = requests.patch(
        f"{site.base}/collections/reports/items/{second}", json=feature({"progress": 65}),
        headers={**bearer(token), "If-Match": replaced.headers["ETag"]}, timeout=60,
    )  # fmt: skip
    assert updated.status_code == 200, updated.text
    third = new_id(updated)
    now = report_at(site, "LYO-EV-1", "PM30")
    assert now["id"] == third and now["properties"]["progress"] == 65
    assert now["properties"]["objectives"] == "Four stations"
    # In the report feed: one change at PM30, to the third version, a correction of the second
    # (all three were written at the same point).
    [change] = report_feed(site, "LYO-EV-1", PM30_ONLY)
    assert change["version_id"] == third and change["point"] == "PM30"
    assert change["correction"] and change["superseded_version_id"] == second
    withdrawn = requests.delete(
        f"{site.base}/collections/reports/items/{third}",
        headers={**bearer(token), "If-Match": updated.headers["ETag"]}, timeout=60,
    )  # fmt: skip
    assert withdrawn.status_code == 204, withdrawn.text
    assert get_item(site, "reports", third).status_code == 404
    # Every version kept, each written by cora through her token.
    rows = query(
        site.url,
        "SELECT r.report_id, r.superseded_at IS NOT NULL, l.written_by FROM kc.report r "
        "JOIN kc.load_run l USING (load_id) WHERE r.report_id = ANY (%s) ORDER BY 1",
        ([first, second, third],),
    )
    assert rows == [(first, True, "cora"), (second, True, "cora"), (third, True, "cora")]
    # Withdrawn: PM30 has no report of its own, so no change there.
    assert report_feed(site, "LYO-EV-1", PM30_ONLY) == []


def test_a_token_writes_only_its_accounts_cities(site: Site) -> None:
    token = make_token(site, "victor")
    target = report_at(site, "LYO-REF-A", "PM18")
    refused = requests.patch(
        f"{site.base}/collections/reports/items/{target['id']}", json=feature({"progress": 11}),
        headers=bearer(token), timeout=60,
    )  # fmt: skip
    assert refused.status_code == 403 and "vienna" in refused.json()["description"]


def test_revoked_expired_and_unknown_tokens_get_401(site: Site) -> None:
    revoked, expired, good = (make_token(site, "anne") for _ in range(3))
    [(revoked_id,)] = query(
        site.url, "SELECT token_id FROM kc_auth.api_token WHERE token_sha256 = %s",
        (hashlib.sha256(revoked.encode()).hexdigest(),),
    )  # fmt: skip
    done = kc(site.url, "users", "token", "revoke", str(revoked_id))
    assert done.exit_code == 0 and f"Token {revoked_id} of anne revoked" in done.output
    # Expired: its validity moved a day into the past (the clock cannot be waited for).
    query(
        site.url,
        "UPDATE kc_auth.api_token SET created_at = now() - interval '31 days', "
        "expires_at = now() - interval '1 day' WHERE token_sha256 = %s RETURNING 1",
        (hashlib.sha256(expired.encode()).hexdigest(),),
    )
    target = report_at(site, "LYO-REF-A", "PM18")
    url = f"{site.base}/collections/reports/items/{target['id']}"
    for token in (
        revoked,
        expired,
        "kct_" + "A" * 43,
        good[:-1] + ("B" if good[-1] != "B" else "C"),
    ):
        answer = requests.patch(url, json=feature({"progress": 12}), headers=bearer(token),
                                timeout=60)  # fmt: skip
        assert answer.status_code == 401, answer.text
        assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]
    assert report_at(site, "LYO-REF-A", "PM18")["id"] == target["id"]  # nothing written
    listed = kc(site.url, "users", "token", "list", "anne").output
    states = {int(line.split("\t")[0]): line.split("\t")[2] for line in listed.splitlines()}
    assert states[revoked_id] == "revoked" and "expired" in states.values()
    # The good one still writes.
    answer = requests.patch(url, json=feature({"progress": 12}), headers=bearer(good), timeout=60)
    assert answer.status_code == 200, answer.text


def test_tokens_are_never_logged_listed_or_stored(site: Site) -> None:
    token = make_token(site, "anne")
    target = report_at(site, "LYO-REF-A", "PM18")
    url = f"{site.base}/collections/reports/items/{target['id']}"
    for body in (feature({"progress": "not a number"}), feature({"progress": 13})):
        answer = requests.patch(url, json=body, headers=bearer(token), timeout=60)
        assert answer.status_code in (200, 400) and token not in answer.text
        assert token not in str(answer.headers)
    assert token not in site.server.log.read_text()
    assert token[4:20] not in site.server.log.read_text()
    listed = kc(site.url, "users", "token", "list").output
    assert token not in listed and hashlib.sha256(token.encode()).hexdigest() not in listed
    stored = query(site.url, "SELECT t::text FROM kc_auth.api_token t")
    assert all(token not in row for (row,) in stored)
    assert any(hashlib.sha256(token.encode()).hexdigest() in row for (row,) in stored)
