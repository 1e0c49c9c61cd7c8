"""The questionnaire's pages: login (rate-limited), the list of projects, one report's form.

Sessions are Flask's signed cookies (HttpOnly, SameSite=Strict, Secure behind HTTPS) holding the
account name, the interface language and the CSRF token; the secret is generated once into
``KC_HOME`` (mode 600). Every form carries the token and a POST without it is a 403. Saving
goes through ``gis.store.feature_writes.write_report`` with the report the form was opened on:
if someone saved in between, nothing is saved, the answers stay in the form and the page shows
what changed (optimistic locking, as the API's If-Match).
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from http import HTTPStatus
from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    abort,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from itsdangerous import BadSignature, URLSafeTimedSerializer

from gis.api.form.footprint import FootprintRefused, as_geojson, posted_footprint
from gis.api.form.oidc import Provider, SignOnRefused, Transaction
from gis.api.form.words import LANGUAGES, WORDS, say
from gis.api.roles import reader_password
from gis.api.writes import Writer
from gis.store import feature_writes as fw
from gis.store.accounts import FAILURE_WINDOW, Account, list_accounts, too_many_failures
from gis.store.accounts import login as login_as
from gis.store.problems import ProblemList
from gis.store.report_answers import LANGS, TEXT_SECTIONS, check_answers, read_context
from gis.store.settings import OidcSettings

BLUEPRINT = "kc_form"
SECRET_FILE = "form-session.json"  # noqa: S105 - a file name
SESSION_HOURS = 8
#: The single sign-on's transaction cookie: its name, path and lifetime (seconds).
OIDC_COOKIE, OIDC_PATH, OIDC_SECONDS = "kc_oidc", "/report/oidc", 600


def _lang() -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked
    return session.get("lang") or request.accept_languages.best_match(LANGUAGES) or "en"


def _csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def _check_csrf() -> None:
    sent = request.form.get("csrf", "")
    if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
        abort(HTTPStatus.FORBIDDEN, say("csrf", _lang()))


def _render(template: str, status: int = 200, **values):
    lang = _lang()
    return (
        render_template(
            template, lang=lang, t=lambda key: say(key, lang), csrf=_csrf_token(),
            languages=LANGUAGES, sections=TEXT_SECTIONS, text_langs=("en", *LANGS),
            words=WORDS, **values,
        ),
        status,
    )  # fmt: skip


def _current_account(cur) -> Account | None:
    name = session.get("account")
    if not name:
        return None
    found = [a for a in list_accounts(cur) if a.name == name]
    return found[0] if found else None


LABELS = {
    "implementation_status": "SELECT code, label FROM kc.implementation_status ORDER BY sort_order",
    "challenge": "SELECT code, label FROM kc.challenge WHERE controlled ORDER BY code",
}


def _labels(cur, table: str) -> list[tuple[str, dict]]:
    """The codes of a vocabulary with their labels (en, de, fr), for the form's choices."""
    cur.execute(LABELS[table])
    return cur.fetchall()


def _form_values(form, project: str) -> dict[str, object]:
    """The posted answers as the workbook's column keys."""
    values: dict[str, object] = {"project_code": project}
    for key in ("status", "progress", "reported_on"):
        values[key] = (form.get(key) or "").strip() or None
    for section in TEXT_SECTIONS:
        values[section] = (form.get(section) or "").strip() or None
        for lang in LANGS:
            values[f"{section}_{lang}"] = (form.get(f"{section}_{lang}") or "").strip() or None
    tags = [*form.getlist("challenge"), *(form.get("free_tags") or "").split(",")]
    tags = [t.strip() for t in tags if t.strip()]
    values.update({f"challenge_{i}": tag for i, tag in enumerate(tags, start=1)})
    return values


def _changes(before: dict, now: dict) -> list[tuple[str, object, object]]:
    keys = sorted(set(before) | set(now))
    return [(k, before.get(k), now.get(k)) for k in keys if before.get(k) != now.get(k)]


def _start_session(account: Account) -> None:
    lang = session.get("lang")
    session.clear()  # a new session at login: nothing carried over but the language
    session.permanent = True
    session["account"] = account.name
    if lang:
        session["lang"] = lang


def register(
    app: Flask,
    writer: Writer,
    home: Path,
    secure: bool,
    oidc: OidcSettings | None = None,
    public_url: str | None = None,
) -> None:
    """The form under ``/report/``, its session cookie settings and secret; with ``oidc``,
    single sign-on through that provider besides the local accounts."""
    app.secret_key = form_secret(home)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_NAME="kc_session",
        # Only the form's pages get the cookie: the OGC API, the viewer and the books need no
        # session, and pygeoapi's responses (headers replaced by a dict) cannot take a cookie:
        # a session refreshed on an API answer was a 500 for a logged-in browser.
        SESSION_COOKIE_PATH="/report",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=SESSION_HOURS),
    )
    bp = Blueprint(BLUEPRINT, __name__, template_folder="templates", url_prefix="/report")

    @bp.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "GET":
            return _render("kc_form_login.html")
        _check_csrf()
        name = (request.form.get("account") or "").strip().lower()
        password = request.form.get("password") or ""
        with writer.transaction() as conn, conn.cursor() as cur:
            if too_many_failures(cur, name):
                minutes = int(FAILURE_WINDOW.total_seconds() // 60)
                page, _ = _render("kc_form_login.html", error=say("slowed", _lang()).format(
                    minutes=minutes))  # fmt: skip
                return page, HTTPStatus.TOO_MANY_REQUESTS, {"Retry-After": str(60 * minutes)}
            account = login_as(cur, name, password)
            if account is None:
                return _render("kc_form_login.html", HTTPStatus.UNAUTHORIZED,
                               error=say("wrong", _lang()))  # fmt: skip
        _start_session(account)
        return redirect(url_for(f"{BLUEPRINT}.index"))

    provider = Provider(oidc) if oidc else None
    app.config["KC_SSO"] = provider is not None  # the login page offers it
    sealer = URLSafeTimedSerializer(app.secret_key, salt="kc-oidc-transaction")

    def callback_url() -> str:
        base = public_url or request.host_url.rstrip("/")
        return f"{base}{OIDC_PATH}/callback"

    @bp.route("/oidc/start", methods=["GET"])
    def oidc_start():
        if provider is None:
            abort(HTTPStatus.NOT_FOUND)
        url, kept = provider.start(callback_url())
        response = redirect(url)
        response.set_cookie(OIDC_COOKIE, sealer.dumps(kept.as_dict()), max_age=OIDC_SECONDS,
                            path=OIDC_PATH, httponly=True, secure=secure, samesite="Lax")  # fmt: skip
        return response

    @bp.route("/oidc/callback", methods=["GET"])
    def oidc_callback():
        if provider is None:
            abort(HTTPStatus.NOT_FOUND)
        try:
            try:
                kept = Transaction(**sealer.loads(request.cookies.get(OIDC_COOKIE, ""),
                                                  max_age=OIDC_SECONDS))  # fmt: skip
            except (BadSignature, TypeError) as err:
                raise SignOnRefused(
                    "no sign-on was started in this browser, or it expired"
                ) from err
            name = provider.finish(kept, request.args.to_dict(), callback_url())
            with writer.transaction() as conn, conn.cursor() as cur:
                found = [a for a in list_accounts(cur) if a.name == name]
            if not found:
                raise SignOnRefused(f"no local account {name!r}: ask a coordinator (kc users add)")
        except SignOnRefused as refused:
            page, _ = _render(
                "kc_form_login.html", error=f"{say('sso_refused', _lang())} {refused}"
            )
            response = make_response(page, HTTPStatus.FORBIDDEN)
        else:
            _start_session(found[0])
            response = make_response(render_template("kc_form_onward.html",
                                                     target=url_for(f"{BLUEPRINT}.index")))  # fmt: skip
        response.delete_cookie(OIDC_COOKIE, path=OIDC_PATH)
        return response

    @bp.route("/logout", methods=["POST"])
    def logout():
        _check_csrf()
        session.clear()
        return redirect(url_for(f"{BLUEPRINT}.login"))

    @bp.route("/", methods=["GET"])
    def index():
        with writer.transaction() as conn, conn.cursor() as cur:
            account = _current_account(cur)
            if account is None:
                return redirect(url_for(f"{BLUEPRINT}.login"))
            cur.execute(
                "SELECT p.code, p.city_code, p.title FROM kc.project p "
                "WHERE %s OR p.city_code = ANY (%s) ORDER BY p.city_code, p.code",
                (account.coordinator, list(account.cities)),
            )
            projects = cur.fetchall()
            cur.execute("SELECT code FROM kc.measurement_point WHERE code <> 'start' "
                        "ORDER BY valid_at")  # fmt: skip
            points = [p for (p,) in cur.fetchall()]
        return _render("kc_form_index.html", account=account, projects=projects, points=points)

    @bp.route("/<project>/<point>", methods=["GET", "POST"])
    def report(project: str, point: str):
        with writer.transaction() as conn, conn.cursor() as cur:
            account = _current_account(cur)
            if account is None:
                return redirect(url_for(f"{BLUEPRINT}.login"))
            cur.execute("SELECT project_id, city_code, title FROM kc.project WHERE code = %s",
                        (project,))  # fmt: skip
            found = cur.fetchone()
            cur.execute("SELECT 1 FROM kc.measurement_point WHERE code = %s", (point,))
            if found is None or cur.fetchone() is None:
                abort(HTTPStatus.NOT_FOUND)
            project_id, city, title = found
            if not account.may_write(city):
                return _render("kc_form_message.html", HTTPStatus.FORBIDDEN, account=account,
                               message=say("forbidden", _lang()))  # fmt: skip
            ctx = read_context(cur)
            current_id = fw.lock_believed_report(cur, project_id, point)
            page = {"account": account, "project": project, "point": point, "title": title,
                    "city": city, "statuses": _labels(cur, "implementation_status"),
                    "challenges": _labels(cur, "challenge")}  # fmt: skip
            if request.method == "GET":
                values = fw.read_report(cur, current_id).values if current_id else {}
                return _render("kc_form_report.html", values=values, base=current_id or "",
                               **page)  # fmt: skip
            _check_csrf()
            values = _form_values(request.form, project)
            base = request.form.get("base") or None
            base_id = int(base) if base and base.isdigit() else None
            problems = ProblemList("form")
            free: dict[str, str] = {}
            staged = check_answers(values, "form", ctx, problems, free)
            if staged is None:
                return _render("kc_form_report.html", HTTPStatus.BAD_REQUEST, values=values,
                               base=base or "", problems=problems.items, **page)  # fmt: skip
            try:
                saved = fw.write_report(cur, staged, free, point, account=account.name,
                                        source=f"web form: {project} at {point} by "
                                        f"{account.name}",
                                        replaces=base_id, if_match=None)  # fmt: skip
            except fw.WriteRefused:
                conn.rollback()
                then = fw.read_report(cur, base_id).values if base_id else {}
                now_id = fw.lock_believed_report(cur, project_id, point)
                now = fw.read_report(cur, now_id).values if now_id else {}
                return _render("kc_form_report.html", HTTPStatus.CONFLICT, values=values,
                               base=now_id or "", stale=_changes(then, now), **page)  # fmt: skip
            message = say("saved" if saved != base_id else "unchanged", _lang())
            values = fw.read_report(cur, saved).values
            return _render("kc_form_report.html", values=values, base=saved, saved=message,
                           **page)  # fmt: skip

    @bp.route("/<project>/<point>/footprint", methods=["GET", "POST"])
    def footprint(project: str, point: str):
        with writer.transaction() as conn, conn.cursor() as cur:
            account = _current_account(cur)
            if account is None:
                return redirect(url_for(f"{BLUEPRINT}.login"))
            cur.execute("SELECT city_code, title FROM kc.project WHERE code = %s", (project,))
            found = cur.fetchone()
            cur.execute("SELECT valid_at FROM kc.measurement_point WHERE code = %s", (point,))
            at = cur.fetchone()
            if found is None or at is None:
                abort(HTTPStatus.NOT_FOUND)
            city, title = found
            if not account.may_write(city):
                return _render("kc_form_message.html", HTTPStatus.FORBIDDEN, account=account,
                               message=say("forbidden", _lang()))  # fmt: skip
            version = fw.version_at(cur, project, point)
            if version is None:
                return _render("kc_form_message.html", HTTPStatus.CONFLICT, account=account,
                               message=say("not_valid_at", _lang()))  # fmt: skip
            stored = fw.read_project(cur, version)
            page = {"account": account, "project": project, "point": point, "title": title,
                    "city": city, "date": at[0].isoformat()}  # fmt: skip
            if request.method == "GET":
                return _render("kc_form_footprint.html", base=stored.tag,
                               footprint=as_geojson(stored.footprint_hex), **page)  # fmt: skip
            _check_csrf()
            try:
                hexwkb, source_crs = posted_footprint(request)
                fw.check_project_current(cur, stored, request.form.get("base") or None)
            except FootprintRefused as refused:
                return _render("kc_form_footprint.html", refused.status, base=stored.tag,
                               footprint=as_geojson(stored.footprint_hex),
                               problems=refused.problems.items, **page)  # fmt: skip
            except fw.WriteRefused:
                conn.rollback()
                return _render("kc_form_footprint.html", HTTPStatus.CONFLICT, base=stored.tag,
                               footprint=as_geojson(stored.footprint_hex),
                               error=say("stale_footprint", _lang()), **page)  # fmt: skip
            saved = fw.write_footprint(
                conn, stored, point, hexwkb, source_crs, account=account.name,
                source=f"web form: footprint of {project} at {point} by {account.name}",
            )  # fmt: skip
            now = fw.read_project(cur, saved)
            return _render("kc_form_footprint.html", base=now.tag, saved=say("saved_footprint",
                           _lang()), footprint=as_geojson(now.footprint_hex), version=saved,
                           **page)  # fmt: skip

    app.register_blueprint(bp)


def form_secret(home: Path) -> bytes:
    """The session cookies' signing key, generated once into ``KC_HOME`` (mode 600): by
    ``kc serve`` before the workers start, read by each worker."""
    return reader_password(home, SECRET_FILE, "session").encode()
