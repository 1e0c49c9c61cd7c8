"""Conditional requests: ETag and Last-Modified from the data, 304, a new tag after a load,
cache headers and gzip."""

from __future__ import annotations

import gzip
import json

import psycopg2
import requests

from gis.api.caching import DataVersion, entity_tag, not_modified
from gis.store.db import connect

ITEMS = "/collections/buildings/items"


def get(api, path: str, headers: dict | None = None, **params) -> requests.Response:
    return requests.get(f"{api.base}{path}", params=params, headers=headers or {}, timeout=60)


def test_a_repeated_request_is_a_304_without_a_body(api) -> None:
    first = get(api, ITEMS, limit="5")
    assert first.status_code == 200
    tag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert tag.startswith('W/"') and "max-age" in first.headers["Cache-Control"]
    again = get(api, ITEMS, headers={"If-None-Match": tag}, limit="5")
    assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == tag
    since = get(api, ITEMS, headers={"If-Modified-Since": modified}, limit="5")
    assert since.status_code == 304
    # Another page, another language: another representation, another tag.
    assert get(api, ITEMS, limit="6").headers["ETag"] != tag
    assert get(api, ITEMS, headers={"Accept-Language": "de"}, limit="5").headers["ETag"] != tag
    assert get(api, ITEMS, headers={"If-None-Match": tag}, limit="6").status_code == 200


def change_served_data(url: str) -> None:
    """A reference change like any load: the served data changed (a new data version)."""
    conn = connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("UPDATE kc.city SET country = country WHERE code = 'lyon'")
    finally:
        conn.close()


def test_a_load_changes_the_tag(api, lyon_db) -> None:
    tag = get(api, "/collections/reports/items").headers["ETag"]
    change_served_data(lyon_db[0])
    response = get(api, "/collections/reports/items", headers={"If-None-Match": tag})
    assert response.status_code == 200 and response.headers["ETag"] != tag


def test_compression_is_negotiated(api) -> None:
    plain = get(api, ITEMS, headers={"Accept-Encoding": "identity"}, limit="50")
    assert "Content-Encoding" not in plain.headers
    raw = requests.get(
        f"{api.base}{ITEMS}",
        params={"limit": "50"},
        headers={"Accept-Encoding": "gzip"},
        timeout=60,
        stream=True,
    )
    assert raw.headers["Content-Encoding"] == "gzip"
    body = raw.raw.read(decode_content=False)
    assert len(body) < len(plain.content) / 2
    unzipped, expected = json.loads(gzip.decompress(body)), plain.json()
    for document in (unzipped, expected):  # the time the page was made differs, nothing else
        document.pop("timeStamp", None)
    assert unzipped == expected
    assert "Accept-Encoding" in raw.headers["Vary"]


def test_every_table_of_kc_bumps_the_data_version(lyon_db) -> None:
    conn = psycopg2.connect(lyon_db[0])
    with conn.cursor() as cur:
        cur.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'kc' AND c.relkind = 'r' AND c.relname <> 'data_change' "
            "AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid "
            "AND t.tgname = 'note_data_change')"
        )
        assert cur.fetchall() == []
    conn.close()


def test_tags_and_dates_as_pure_functions() -> None:
    import datetime as dt

    from werkzeug.datastructures import ETags

    data = DataVersion(7, dt.datetime(2018, 1, 31, 12, 0, 30, 500, tzinfo=dt.UTC))
    tag = entity_tag(data, "server", "/collections?f=json", "de", "*/*")
    assert tag != entity_tag(
        DataVersion(8, data.changed_at), "server", "/collections?f=json", "de", "*/*"
    )
    assert not_modified(tag, data.changed_at, ETags(weak_etags=[tag]), None)
    assert not not_modified(tag, data.changed_at, ETags(weak_etags=["other"]), None)
    assert not_modified(tag, data.changed_at, ETags(), "Wed, 31 Jan 2018 12:00:30 GMT")
    assert not not_modified(tag, data.changed_at, ETags(), "Wed, 31 Jan 2018 12:00:29 GMT")


def test_a_page_tags_itself_as_a_conditional_request_would(api, lyon_db) -> None:
    """A page of our provider reads the data version in its own statement (no conditional
    header: nothing read before); its tag is the one the conditional path computes, empty page,
    keyset page and hits included, before and after a change."""
    queries = [
        {"limit": "5"},
        {"limit": "5", "bbox": "10,10,10.1,10.1"},  # no building there: an empty page
        {"limit": "5", "after": "3"},
        {"limit": "5", "resulttype": "hits"},
    ]
    for round_ in range(2):
        for params in queries:
            first = get(api, ITEMS, **params)
            assert first.status_code == 200, params
            tag = first.headers["ETag"]
            assert first.headers["Last-Modified"] and tag.startswith('W/"'), params
            assert get(api, ITEMS, headers={"If-None-Match": tag}, **params).status_code == 304
        if round_ == 0:
            change_served_data(lyon_db[0])
            again = get(api, ITEMS, headers={"If-None-Match": tag}, **queries[-1])
            assert again.status_code == 200 and again.headers["ETag"] != tag


def test_the_page_statement_reads_the_data_version(lyon_db) -> None:
    from gis.api.provider import PAGING, Paging
    from tests.api.providers import make_provider

    provider = make_provider(lyon_db[0], "api_buildings")
    [(version, changed_at)] = _rows(lyon_db[0], "SELECT version, changed_at FROM kc.data_change")
    for bbox in (None, [10, 10, 10.1, 10.1]):  # features, and none
        paging = Paging("http://x/items", "", None, "next", "prev", wants_data_version=True)
        token = PAGING.set(paging)
        try:
            page = provider.query(limit=3, bbox=bbox or [])
        finally:
            PAGING.reset(token)
        assert len(page["features"]) == (3 if bbox is None else 0)
        assert paging.data_version == DataVersion(version, changed_at)
    paging = Paging("http://x/items", "", None, "next", "prev")  # not asked: not read
    token = PAGING.set(paging)
    try:
        provider.query(limit=3)
    finally:
        PAGING.reset(token)
    assert paging.data_version is None


def _rows(url: str, statement: str) -> list:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
            return cur.fetchall()
    finally:
        conn.close()
