"""The reporting form in headless Chromium, and its session, CSRF and login guards over HTTP.

The same kind of server as ``test_writes`` (a Lyon database of its own, reader and writer
roles, accounts anne (Lyon), victor (Vienna), cora (coordinator)).
"""

from __future__ import annotations

import re
import shutil
import tempfile

import pytest
import requests

from tests.api.test_writes import PASSWORDS, Site, auth, feature, footprint, report_at, site
from tests.browser import ARTIFACTS, CHROMIUM, FLAGS

__all__ = ["site"]  # the fixture, shared with test_writes

pytestmark = pytest.mark.browser


class Browser:
    """One Chromium on a fresh profile (its own cookies: one person)."""

    def __init__(self, pw) -> None:
        self.profile = tempfile.mkdtemp(prefix="kc-form-chromium-")
        self.context = pw.chromium.launch_persistent_context(
            self.profile, executable_path=str(CHROMIUM), args=FLAGS, headless=True,
            viewport={"width": 1280, "height": 1400},
        )  # fmt: skip
        self.page = self.context.new_page()

    def login(self, base: str, name: str, password: str | None = None) -> None:
        self.page.goto(f"{base}/report/")
        self.page.fill("#account", name)
        self.page.fill("#password", password or PASSWORDS[name])
        self.page.click("#login")
        self.page.wait_for_load_state()

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"form_{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()
        shutil.rmtree(self.profile, ignore_errors=True)


def logged_in_session(base: str, name: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/report/login", timeout=60).text
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    answer = session.post(f"{base}/report/login", timeout=60,
                          data={"csrf": token, "account": name, "password": PASSWORDS[name]})  # fmt: skip
    assert answer.status_code == 200 and not answer.url.endswith("/login"), answer.text
    return session


def test_fill_a_report_in_german_and_a_stale_save_is_refused(site: Site) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        anne, cora = Browser(pw), Browser(pw)
        try:
            anne.login(site.base, "anne")
            cookie = next(c for c in anne.context.cookies() if c["name"] == "kc_session")
            assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
            assert PASSWORDS["anne"] not in anne.page.content()
            anne.page.goto(f"{site.base}/report/LYO-REF-A/PM30?lang=de")
            assert "Bericht zu PM30" in anne.page.content()
            anne.page.select_option("#status", "in_implementation")
            anne.page.fill("#progress", "70")
            anne.page.fill("#objectives", "Refurbish block A, phase 3")
            anne.page.fill("#objectives_de", "Block A sanieren, Phase 3")
            anne.page.fill("#barriers_de", "Lieferengpässe bei Dämmstoffen")
            anne.page.fill("#barriers", "Insulation supply shortages")
            anne.page.check("input[value=activation-home-owners]")
            anne.page.click("#save")
            anne.page.wait_for_selector("p.ok")
            assert "Gespeichert" in anne.page.inner_text("p.ok")
            anne.shot("saved_de")
            saved = report_at(site, "LYO-REF-A", "PM30")
            german = requests.get(f"{site.base}/collections/reports/items/{saved['id']}",
                                  params={"f": "json", "lang": "de"}, timeout=60).json()  # fmt: skip
            assert german["properties"]["objectives"] == "Block A sanieren, Phase 3"
            assert german["properties"]["progress"] == 70

            # Two editors open the same report; the second save is refused with what changed.
            cora.login(site.base, "cora")
            anne.page.goto(f"{site.base}/report/LYO-REF-A/PM30?lang=en")
            cora.page.goto(f"{site.base}/report/LYO-REF-A/PM30?lang=en")
            anne.page.fill("#progress", "75")
            anne.page.click("#save")
            anne.page.wait_for_selector("p.ok")
            cora.page.fill("#progress", "80")
            cora.page.click("#save")
            cora.page.wait_for_selector("#stale")
            stale = cora.page.inner_text("#stale")
            assert "Someone else saved" in stale and "progress" in stale and "75" in stale
            assert cora.page.input_value("#progress") == "80"  # her answer is kept
            cora.shot("stale")
            assert report_at(site, "LYO-REF-A", "PM30")["properties"]["progress"] == 75
        finally:
            anne.close()
            cora.close()


def test_an_editor_of_lyon_gets_403_for_a_vienna_project(site: Site) -> None:
    created = requests.post(
        f"{site.base}/collections/projects/items",
        json=feature({"code": "VIE-FORM-1", "city": "vienna", "point": "PM18", "status": "planned",
                      "thematic_field": "e_mobility", "title": "E-Bike-Verleih"}, footprint()),
        headers=auth("cora"), timeout=60,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    anne = logged_in_session(site.base, "anne")
    assert anne.get(f"{site.base}/report/VIE-FORM-1/PM18", timeout=60).status_code == 403
    victor = logged_in_session(site.base, "victor")
    assert victor.get(f"{site.base}/report/VIE-FORM-1/PM18", timeout=60).status_code == 200


def test_a_form_posted_without_its_csrf_token_gets_403(site: Site) -> None:
    anne = logged_in_session(site.base, "anne")
    before = report_at(site, "LYO-EV-1", "PM24")
    data = {"status": "completed", "objectives": "Changed without a token", "base": before["id"]}
    assert anne.post(f"{site.base}/report/LYO-EV-1/PM24", data=data, timeout=60).status_code == 403
    data["csrf"] = "forged-" + "x" * 30
    assert anne.post(f"{site.base}/report/LYO-EV-1/PM24", data=data, timeout=60).status_code == 403
    assert report_at(site, "LYO-EV-1", "PM24")["id"] == before["id"]
    # Another site's page cannot use the session either: the cookie is SameSite=Strict and
    # the token lives only in the pages of this site.


def test_wrong_passwords_five_times_slow_the_login_down(site: Site) -> None:
    session = requests.Session()
    token = re.search(r'name="csrf" value="([^"]+)"',
                      session.get(f"{site.base}/report/login", timeout=60).text).group(1)  # fmt: skip

    def attempt(password: str) -> requests.Response:
        return session.post(f"{site.base}/report/login", timeout=60,
                            data={"csrf": token, "account": "victor", "password": password})  # fmt: skip

    for _ in range(5):
        assert attempt("wrong-password-123").status_code == 401
    slowed = attempt(PASSWORDS["victor"])  # even the right one waits now
    assert slowed.status_code == 429 and int(slowed.headers["Retry-After"]) >= 60
    assert "try again in" in slowed.text
    assert PASSWORDS["victor"] not in site.server.log.read_text()
