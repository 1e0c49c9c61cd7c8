"""Single sign-on of the reporting form against a real (minimal) OpenID Connect provider.

The provider (``tests/api/oidc_provider.py``) runs in this process over HTTP; ``kc serve``
runs with ``KC_OIDC_*`` pointing at it, the client secret in a file. The local accounts of
``test_writes`` (anne edits Lyon) are what the provider's ``preferred_username`` names.
"""

from __future__ import annotations

import html
import secrets
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from tests.api.oidc_provider import Provider
from tests.api.test_form import Browser
from tests.api.test_writes import Site, serve_site

CLIENT_ID = "kc-reporting-form"
SECRET = "oidc-secret-" + secrets.token_urlsafe(16)


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with Provider(CLIENT_ID, SECRET) as running:
        yield running


@pytest.fixture(scope="module")
def sso_site(server_url, template_db, tmp_path_factory, provider: Provider) -> Iterator[Site]:
    secret_file = tmp_path_factory.mktemp("oidc") / "client-secret"
    secret_file.write_text(SECRET + "\n")
    secret_file.chmod(0o600)
    yield from serve_site(server_url, template_db, tmp_path_factory, {
        "KC_OIDC_ISSUER": provider.issuer,
        "KC_OIDC_CLIENT_ID": CLIENT_ID,
        "KC_OIDC_CLIENT_SECRET_FILE": str(secret_file),
        "KC_OIDC_CLAIM": "preferred_username",
    })  # fmt: skip


def to_callback(site: Site, session: requests.Session) -> str:
    """Start a sign-on and let the provider answer: the callback URL it sends the browser to."""
    started = session.get(f"{site.base}/report/oidc/start", allow_redirects=False, timeout=60)
    assert started.status_code == 302, started.text
    cookie = started.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/report/oidc" in cookie
    answered = session.get(started.headers["Location"], allow_redirects=False, timeout=60)
    assert answered.status_code == 302, answered.text
    assert answered.headers["Location"].startswith(f"{site.base}/report/oidc/callback?")
    return answered.headers["Location"]


def logged_in(site: Site, session: requests.Session) -> bool:
    index = session.get(f"{site.base}/report/", allow_redirects=False, timeout=60)
    return index.status_code == 200


def test_single_sign_on_logs_in_the_local_account(sso_site: Site, provider: Provider) -> None:
    from playwright.sync_api import sync_playwright

    provider.claims = {"sub": "lyon-4711", "preferred_username": "Anne"}
    provider.requests.clear()
    with sync_playwright() as pw:
        anne = Browser(pw)
        try:
            anne.page.goto(f"{sso_site.base}/report/login?lang=de")
            anne.page.click("#sso")
            anne.page.wait_for_url(f"{sso_site.base}/report/", timeout=60_000)
            text = anne.page.inner_text("body")
            assert "anne" in text and "LYO-REF-A" in text and "Ihre Projekte" in text
            anne.shot("sso_logged_in")
            # The account keeps its roles: Lyon's report opens.
            anne.page.goto(f"{sso_site.base}/report/LYO-REF-A/PM24")
            assert "LYO-REF-A" in anne.page.inner_text("h2")
        finally:
            anne.close()
    authorize, token = provider.requests
    assert authorize["endpoint"] == "authorize" and authorize["code_challenge_method"] == "S256"
    assert len(authorize["state"]) >= 20 and len(authorize["nonce"]) >= 20
    assert token["endpoint"] == "token" and len(token["code_verifier"]) >= 43
    assert SECRET not in sso_site.server.log.read_text()


def test_a_wrong_state_is_refused(sso_site: Site, provider: Provider) -> None:
    provider.claims = {"sub": "lyon-4711", "preferred_username": "anne"}
    session = requests.Session()
    callback = to_callback(sso_site, session)
    parts = urlsplit(callback)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    forged = {**query, "state": secrets.token_urlsafe(24)}
    refused = session.get(f"{sso_site.base}{parts.path}?{urlencode(forged)}", timeout=60)
    assert refused.status_code == 403 and "(state)" in refused.text
    assert not logged_in(sso_site, session)
    # The sign-on is over: even the provider's genuine answer is not taken any more.
    late = session.get(callback, timeout=60)
    assert late.status_code == 403 and "no sign-on was started" in late.text
    assert not logged_in(sso_site, session)


def test_an_id_token_with_another_nonce_is_refused(sso_site: Site, provider: Provider) -> None:
    provider.claims = {"sub": "lyon-4711", "preferred_username": "anne"}
    provider.nonce_override = "a-nonce-of-another-sign-on"
    try:
        session = requests.Session()
        refused = session.get(to_callback(sso_site, session), timeout=60)
    finally:
        provider.nonce_override = None
    assert refused.status_code == 403 and "ID token is not valid" in refused.text
    assert "nonce" in refused.text
    assert not logged_in(sso_site, session)


def test_a_person_without_a_local_account_is_refused(sso_site: Site, provider: Provider) -> None:
    provider.claims = {"sub": "x-1", "preferred_username": "mallory"}
    session = requests.Session()
    refused = session.get(to_callback(sso_site, session), timeout=60)
    assert refused.status_code == 403 and "no local account 'mallory'" in html.unescape(
        refused.text
    )
    assert not logged_in(sso_site, session)
    # And the right one gets in, over plain HTTP as well as in the browser.
    provider.claims = {"sub": "lyon-4711", "preferred_username": "anne"}
    welcomed = session.get(to_callback(sso_site, session), timeout=60)
    assert welcomed.status_code == 200 and 'http-equiv="refresh"' in welcomed.text
    assert logged_in(sso_site, session)
