"""The reporting form in headless Chromium, and its session, CSRF and login guards over HTTP.

The same kind of server as ``test_writes`` (a Lyon database of its own, reader and writer
roles, accounts anne (Lyon), victor (Vienna), cora (coordinator)).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

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
            assert cookie["path"] == "/report"  # the API and the viewer get no session
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


def kc_command(site: Site, *args: str) -> str:
    """``kc`` as an operator runs it, on the site's database and ``KC_HOME`` (the server's)."""
    env = {**os.environ, "KC_HOME": str(site.server.log.parent), "KC_DATABASE_URL": site.url}
    kc = Path(sys.executable).parent / "kc"
    done = subprocess.run([str(kc), *args], env=env, capture_output=True, text=True, timeout=900,
                          check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


GERMAN = {
    "objectives_de": "Block A sanieren, Phase 2: Fassaden und Dächer der Höfe",
    "barriers_de": "Die Eigentümerversammlung vertagte den Beschluss zweimal",
    "lessons_learned_de": "Früh mit der Hausverwaltung sprechen spart Monate",
}


def test_a_report_saved_in_german_shows_in_the_viewer_and_the_project_book(site: Site) -> None:
    """The whole way of an answer: the form, the API, the viewer (live: it reads the API) and
    the Project Book (an edition: ``kc books build`` after the save, as an operator runs it).

    The viewer shows a save at once because it reads the OGC API; the books are built
    publications (HTML and PDF per point, language and field, a WeasyPrint PDF takes seconds),
    so the form says they show it from their next build, and the test builds them.
    """
    from playwright.sync_api import sync_playwright

    kc_command(site, "tiles", "export", "--at", "PM24", "--city", "lyon", "--workers", "1")
    with sync_playwright() as pw:
        anne = Browser(pw)
        try:
            anne.login(site.base, "anne")
            anne.page.goto(f"{site.base}/report/LYO-REF-A/PM24?lang=de")
            for key, text in GERMAN.items():
                anne.page.fill(f"#{key}", text)
            anne.page.fill("#barriers", "The owners' meeting postponed the decision twice")
            anne.page.fill("#lessons_learned", "Talking to the property manager early saves months")
            anne.page.fill("#progress", "55")
            anne.page.click("#save")
            anne.page.wait_for_selector("p.ok, .message.bad")
            assert "Gespeichert" in anne.page.inner_text(".message"), anne.page.inner_text("body")
            anne.shot("saved_pm24_de")

            # The viewer, through the form's link: the project's report at PM24, in German.
            anne.page.click("#in-viewer")
            anne.page.wait_for_function(
                "() => window.kc && (window.kc.state.ready || window.kc.state.error)",
                timeout=240_000,
            )
            error = anne.page.evaluate("window.kc.state.error")
            assert error is None, (error, site.server.log.read_text()[-6000:])
            assert anne.page.evaluate("window.kc.state.point") == "PM24"
            assert anne.page.evaluate("window.kc.state.solution.project") == "LYO-REF-A"
            panel = anne.page.locator("#panel-solution")
            assert panel.is_visible()
            shown = panel.inner_text()
            for text in GERMAN.values():
                assert text in shown, (text, shown)
            assert "55" in shown
            anne.page.set_viewport_size({"width": 1280, "height": 800})
            anne.page.screenshot(path=str(ARTIFACTS / "form_saved_in_viewer_de.png"))

            # The Project Book of the field at PM24 in German, HTML and PDF.
            kc_command(site, "books", "build", "--at", "PM24", "--lang", "de")
            book = site.server.log.parent / "books" / "PM24" / "de"
            anne.page.goto(f"{site.base}/books/PM24/de/holistic_refurbishment.html")
            page_text = anne.page.inner_text("body")
            for text in GERMAN.values():
                assert text in page_text, text
            anne.shot("saved_in_book_de")
            pdftotext = shutil.which("pdftotext")
            assert pdftotext, "poppler-utils (pdftotext) is needed: tools/setup.sh installs it"
            pdf_text = subprocess.run(
                [pdftotext, "-raw", str(book / "holistic_refurbishment.pdf"), "-"],
                capture_output=True, text=True, check=True, timeout=120,
            ).stdout  # fmt: skip
            flat = " ".join(pdf_text.split())
            for text in GERMAN.values():
                assert text in flat, (text, flat[:2000])
        finally:
            anne.close()


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
