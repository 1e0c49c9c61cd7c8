"""Cross-origin writes (CORS) in headless Chromium: a page of a listed origin writes through
the OGC API with a token and If-Match; a page of another origin is stopped by the browser.

Two small web servers play the other sites (a city's data platform, and anyone else); the
Knowledge Carrier is ``kc serve`` with ``KC_CORS_WRITE_ORIGINS`` naming the first.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server

from tests.api.server import free_port
from tests.api.test_form import Browser
from tests.api.test_tokens import make_token
from tests.api.test_writes import Site, report_at, serve_site

pytestmark = pytest.mark.browser
PAGE = "<!doctype html><html><head><title>platform</title></head><body>a platform</body></html>"


class OtherSite:
    """A web server on another port (another origin) serving one empty page."""

    def __init__(self) -> None:
        app = Flask("other-site")
        app.add_url_rule("/", "page", lambda: PAGE)
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=30)


@pytest.fixture(scope="module")
def platforms() -> Iterator[tuple[OtherSite, OtherSite]]:
    allowed, other = OtherSite(), OtherSite()
    try:
        yield allowed, other
    finally:
        allowed.stop()
        other.stop()


@pytest.fixture(scope="module")
def cors_site(server_url, template_db, tmp_path_factory, platforms) -> Iterator[Site]:
    allowed, _ = platforms
    yield from serve_site(server_url, template_db, tmp_path_factory,
                          {"KC_CORS_WRITE_ORIGINS": allowed.origin})  # fmt: skip


def test_preflight_allows_writes_only_to_the_listed_origin(cors_site: Site, platforms) -> None:
    allowed, other = platforms
    url = f"{cors_site.base}/collections/reports/items/1"
    asked = {"Access-Control-Request-Method": "PUT",
             "Access-Control-Request-Headers": "authorization, if-match, content-type"}  # fmt: skip
    yes = requests.options(url, headers={"Origin": allowed.origin, **asked}, timeout=60)
    assert yes.status_code == 200
    assert yes.headers["Access-Control-Allow-Origin"] == allowed.origin
    assert "PUT" in yes.headers["Access-Control-Allow-Methods"]
    assert "DELETE" in yes.headers["Access-Control-Allow-Methods"]
    assert {"Authorization", "If-Match"} <= {
        h.strip() for h in yes.headers["Access-Control-Allow-Headers"].split(",")
    }
    assert "Origin" in yes.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in yes.headers  # no cookies cross-origin
    no = requests.options(url, headers={"Origin": other.origin, **asked}, timeout=60)
    assert no.headers["Access-Control-Allow-Origin"] == "*"
    assert "PUT" not in no.headers["Access-Control-Allow-Methods"]
    # Reads stay open to every origin, and vary by origin for caches.
    read = requests.get(f"{cors_site.base}/collections/reports/items", timeout=60,
                        params={"f": "json"}, headers={"Origin": other.origin})  # fmt: skip
    assert read.headers["Access-Control-Allow-Origin"] == "*"
    assert "Origin" in read.headers["Vary"] and "Accept-Language" in read.headers["Vary"]


WRITE = """async ([base, id, token]) => {
  const url = `${base}/collections/reports/items/${id}`;
  try {
    const read = await fetch(`${url}?f=json`);
    const tag = read.headers.get("ETag");
    const written = await fetch(url, {
      method: "PATCH",
      headers: { "Authorization": `Bearer ${token}`, "If-Match": tag,
                 "Content-Type": "application/merge-patch+json" },
      body: JSON.stringify({ type: "Feature", geometry: null, properties: { progress: 33 } }),
    });
    return { status: written.status, location: written.headers.get("Location"),
             etag: written.headers.get("ETag"), read_tag: tag };
  } catch (err) {
    return { error: String(err) };
  }
}"""


def test_a_listed_origin_writes_from_the_browser_and_another_is_stopped(
    cors_site: Site, platforms
) -> None:
    from playwright.sync_api import sync_playwright

    allowed, other = platforms
    token = make_token(cors_site, "anne")
    before = report_at(cors_site, "LYO-REF-A", "PM18")
    with sync_playwright() as pw:
        browser = Browser(pw)
        try:
            browser.page.goto(f"{other.origin}/")
            refused = browser.page.evaluate(WRITE, [cors_site.base, before["id"], token])
            assert "Failed to fetch" in refused.get("error", ""), refused
            assert report_at(cors_site, "LYO-REF-A", "PM18")["id"] == before["id"]

            browser.page.goto(f"{allowed.origin}/")
            written = browser.page.evaluate(WRITE, [cors_site.base, before["id"], token])
            assert written.get("status") == 200, written
            assert written["read_tag"] == f'"report-{before["id"]}"'  # ETag readable
            assert written["location"] and written["etag"]  # Location and ETag readable
        finally:
            browser.close()
    after = report_at(cors_site, "LYO-REF-A", "PM18")
    assert after["id"] != before["id"] and after["properties"]["progress"] == 33
