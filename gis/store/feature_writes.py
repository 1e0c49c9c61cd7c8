"""Writes of one project or one report, as the web server makes them (OGC API - Features Part 4).

Nothing is overwritten or deleted. A report is versioned in transaction time: a new answer at
a project's point supersedes the believed report and records a new one
(``gis.store.report_answers.record``, the workbook loader's code); withdrawing one supersedes it
without a successor. A project is versioned in valid time: a write at a measurement point is a
snapshot of that one project (``gis.store.project_snapshots.apply_staged`` with ``only``): a new
version from the point on, or, at the point its version started, a correction that supersedes
the validity row; ending it closes its validity at the point.

Optimistic locking: each served feature has a tag (:func:`report_tag`, :func:`project_tag`) that
changes with every write that touches it. A write names the tag it read (``If-Match``); under a
row lock on the identity, a tag that is no longer current is a :class:`StaleWrite`, so of two
writes made from the same tag exactly one succeeds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import psycopg2.extensions
from psycopg2 import sql

from gis.store.errors import KCError
from gis.store.project_snapshots import apply_staged, stage_rows
from gis.store.report_answers import TEXT_SECTIONS, record


class WriteRefused(KCError):
    """A write that cannot be made as asked; ``status`` is the HTTP status that says why."""

    status = 409

    def __init__(self, message: str, *, current_tag: str | None = None) -> None:
        super().__init__(message)
        self.current_tag = current_tag


class StaleWrite(WriteRefused):
    """The feature changed since the tag the writer read (HTTP 412)."""

    status = 412


class NotFound(WriteRefused):
    status = 404


# --- reports -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredReport:
    """A believed or past report, as a write starts from it."""

    report_id: int
    project_id: int
    project: str
    city: str
    point: str
    superseded: bool
    values: dict[str, object]

    @property
    def tag(self) -> str:
        return report_tag(self.report_id)


def report_tag(report_id: int) -> str:
    """A report's entity tag: its id (every correction records a new report)."""
    return f"report-{report_id}"


def read_report(cur: psycopg2.extensions.cursor, report_id: int) -> StoredReport:
    """The report ``report_id`` and its answers by the workbook's column keys."""
    sections = sql.SQL(", ").join(sql.Identifier("r", section) for section in TEXT_SECTIONS)
    cur.execute(
        sql.SQL(
            "SELECT r.report_id, r.project_id, p.code, p.city_code, r.point_code, "
            "r.superseded_at IS NOT NULL, r.status, r.progress::float8, r.reported_on, "
            "ARRAY(SELECT c.challenge_code FROM kc.report_challenge c "
            "WHERE c.report_id = r.report_id ORDER BY 1), {sections} "
            "FROM kc.report r JOIN kc.project p USING (project_id) WHERE r.report_id = %s"
        ).format(sections=sections),
        (report_id,),
    )
    row = cur.fetchone()
    if row is None:
        raise NotFound(f"no report {report_id}")
    values: dict[str, object] = {
        "project_code": row[2],
        "status": row[6],
        "progress": row[7],
        "reported_on": row[8].isoformat() if row[8] else None,
    }
    values.update({f"challenge_{i}": tag for i, tag in enumerate(row[9], start=1)})
    for section, texts in zip(TEXT_SECTIONS, row[10:], strict=True):
        for lang, text in (texts or {}).items():
            values[section if lang == "en" else f"{section}_{lang}"] = text
    return StoredReport(row[0], row[1], row[2], row[3], row[4], row[5], values)


def lock_believed_report(
    cur: psycopg2.extensions.cursor, project_id: int, point: str
) -> int | None:
    """The id of the believed report of a project at a point, locked until the transaction ends.

    A concurrent write waits for the lock, then finds the report it read superseded.
    """
    cur.execute(
        "SELECT report_id FROM kc.report WHERE project_id = %s AND point_code = %s "
        "AND superseded_at IS NULL FOR UPDATE",
        (project_id, point),
    )
    row = cur.fetchone()
    return row[0] if row else None


def check_current(found: int | None, expected: int | None, if_match: str | None) -> None:
    """Refuse a write from a report that is no longer the believed one (or a create over one)."""
    current = report_tag(found) if found is not None else None
    if expected is None and found is not None:
        raise WriteRefused(
            f"a report exists already for this project and point (id {found}): "
            f"replace or update it at /collections/reports/items/{found}",
            current_tag=current,
        )
    if expected is not None and found != expected:
        message = (
            f"report {expected} is no longer the current one: "
            + (f"report {found} replaced it" if found else "it was withdrawn")
            + "; read it again and apply your change to it"
        )
        raise StaleWrite(message, current_tag=current)
    if if_match is not None and if_match not in ("*", current):
        raise StaleWrite(
            f"the report changed since you read it (your tag {if_match}, current {current})",
            current_tag=current,
        )


def write_report(
    cur: psycopg2.extensions.cursor,
    staged: tuple,
    free: Mapping[str, str],
    point: str,
    *,
    account: str,
    source: str,
    replaces: int | None,
    if_match: str | None,
) -> int:
    """Record checked answers (``check_answers``' row) at ``point``; returns the report's id.

    ``replaces``: the report the writer read (None: a new report, refused if one exists).
    """
    project_id = staged[0]
    check_current(lock_believed_report(cur, project_id, point), replaces, if_match)
    record(cur, [staged], dict(free), point, source, None, written_by=account)
    found = lock_believed_report(cur, project_id, point)
    assert found is not None  # just recorded or unchanged
    return found


def withdraw_report(
    cur: psycopg2.extensions.cursor,
    report_id: int,
    *,
    account: str,
    source: str,
    if_match: str | None,
) -> None:
    """Supersede a report without a successor: it stays in the history (``known_at``)."""
    report = read_report(cur, report_id)
    check_current(lock_believed_report(cur, report.project_id, report.point), report_id, if_match)
    cur.execute(
        "INSERT INTO kc.load_run (kind, city_code, point_code, source, is_correction, summary, "
        "written_by) VALUES ('reporting', NULL, %s, %s, true, '{\"withdrawn\": 1}', %s)",
        (report.point, source, account),
    )
    cur.execute("UPDATE kc.report SET superseded_at = now() WHERE report_id = %s", (report_id,))


# --- projects ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredProject:
    """A project version as served (``id``: the version) with what a write starts from."""

    version_id: int
    project_id: int
    code: str
    city: str
    thematic_field: str
    title: dict[str, str]
    status: str
    attributes: dict
    source_crs: str
    footprint_hex: str
    valid_from: dt.date | None
    valid_to: dt.date | None

    @property
    def tag(self) -> str | None:
        """None when the version is no longer believed (a write replaced it)."""
        if self.valid_from is None:
            return None
        return project_tag(self.version_id, self.valid_from, self.valid_to)


def project_tag(version_id: int, valid_from: object, valid_to: object) -> str:
    """A project version's entity tag: its id and validity, as the API serves them.

    A version's content never changes (a change is a new version); a write that moves its end,
    or ends it, changes its validity. So the tag can be computed from a served feature alone.
    """
    return f"project-{version_id}-{valid_from}-{valid_to or 'open'}"


def read_project(cur: psycopg2.extensions.cursor, version_id: int) -> StoredProject:
    cur.execute(
        "SELECT v.version_id, p.project_id, p.code, p.city_code, p.thematic_field, p.title, "
        "v.status, v.attributes, v.source_crs, ST_AsEWKB(v.footprint)::text, r.valid_from, "
        "r.valid_to FROM kc.project_version v JOIN kc.project p USING (project_id) "
        "LEFT JOIN kc.project_validity r ON r.version_id = v.version_id "
        "AND r.superseded_at IS NULL WHERE v.version_id = %s",
        (version_id,),
    )
    row = cur.fetchone()
    if row is None:
        raise NotFound(f"no project version {version_id}")
    hexwkb = row[9][2:] if row[9].startswith("\\x") else row[9]
    return StoredProject(*row[:9], hexwkb, *row[10:])


def lock_project(cur: psycopg2.extensions.cursor, project_id: int) -> None:
    """Serialise the writes of one project (its identity row, until the transaction ends)."""
    cur.execute("SELECT 1 FROM kc.project WHERE project_id = %s FOR UPDATE", (project_id,))


def check_project_current(
    cur: psycopg2.extensions.cursor, stored: StoredProject, if_match: str | None
) -> None:
    """Under the project's lock: the version read is still believed and the tag still current."""
    lock_project(cur, stored.project_id)
    current = current_project_tag(cur, stored.version_id)
    if current is None or current != stored.tag or (if_match not in (None, "*", current)):
        raise StaleWrite(
            f"project version {stored.version_id} changed since you read it "
            f"(your tag {if_match or stored.tag}, current {current or 'none: it was replaced'}); "
            "read it again and apply your change to it",
            current_tag=current,
        )


@dataclass(frozen=True)
class ProjectContent:
    """What a write says a project is at a point (the stage row of ``project_snapshots``)."""

    code: str
    thematic_field: str
    title: dict[str, str]
    footprint_hex: str
    status: str
    attributes: dict
    source_crs: str
    buildings: Sequence[str] | None

    def stage_row(self) -> tuple:
        refs = None if self.buildings is None else list(self.buildings)
        return (
            self.code,
            self.thematic_field,
            self.title,
            self.footprint_hex,
            self.status,
            self.attributes,
            self.source_crs,
            refs,
        )


def version_at(cur: psycopg2.extensions.cursor, code: str, point: str) -> int | None:
    """The believed version of project ``code`` valid at ``point`` (None: not valid there)."""
    cur.execute(
        "SELECT r.version_id FROM kc.project_validity r JOIN kc.project p USING (project_id) "
        "JOIN kc.measurement_point m ON m.code = %s WHERE p.code = %s "
        "AND r.superseded_at IS NULL AND r.valid_from <= m.valid_at "
        "AND (r.valid_to IS NULL OR r.valid_to > m.valid_at)",
        (point, code),
    )
    row = cur.fetchone()
    return row[0] if row else None


def write_project(
    conn: psycopg2.extensions.connection,
    city: str,
    point: str,
    content: ProjectContent | None,
    *,
    code: str,
    account: str,
    source: str,
) -> int | None:
    """Apply one project's content (None: it ends) at ``point``; returns the version valid there.

    Caller's transaction, after :func:`check_project_current` for a replace, update or delete.
    """
    cur = conn.cursor()
    stage_rows(cur, [content.stage_row()] if content is not None else [])
    apply_staged(conn, city, point, source=source, only=[code], written_by=account)
    return version_at(cur, code, point)


def write_footprint(
    conn: psycopg2.extensions.connection,
    stored: StoredProject,
    point: str,
    footprint_hex: str,
    source_crs: str,
    *,
    account: str,
    source: str,
) -> int | None:
    """``stored`` with a new footprint at ``point``: a new version from the point, or a
    correction when the version began there. The buildings are those the footprint touches.

    Caller's transaction, after :func:`check_project_current`.
    """
    content = ProjectContent(
        code=stored.code,
        thematic_field=stored.thematic_field,
        title=stored.title,
        footprint_hex=footprint_hex,
        status=stored.status,
        attributes=stored.attributes,
        source_crs=source_crs,
        buildings=None,
    )
    return write_project(
        conn, stored.city, point, content, code=stored.code, account=account, source=source
    )


def current_project_tag(cur: psycopg2.extensions.cursor, version_id: int) -> str | None:
    cur.execute(
        "SELECT valid_from, valid_to FROM kc.project_validity WHERE version_id = %s "
        "AND superseded_at IS NULL",
        (version_id,),
    )
    row = cur.fetchone()
    return project_tag(version_id, *row) if row else None
