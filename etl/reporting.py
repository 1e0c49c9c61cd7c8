"""``kc load reporting``: Common Reporting answers, one report per project per measurement point.

Reports are kept in transaction time only: a re-load whose answers for a project differ supersedes
the believed report (``superseded_at``) and records the new one; identical answers are left alone,
so loading the same workbook twice changes nothing. Challenge tags are matched to the controlled
vocabulary (code or label); any other tag is recorded as a free tag (``controlled = false``).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from psycopg2 import sql

from etl.errors import load_transaction
from etl.problems import Problems
from etl.readers import file_sha256
from etl.vocabulary import Vocabulary, challenges, check_point, statuses, thematic_fields
from etl.workbook import LANGS, TEXT_SECTIONS, Row, read_rows
from gis.store.staging import Stage

REQUIRED = ("project_code", "status", "objectives")
EXCEL_EPOCH = dt.date(1899, 12, 30)
#: One staged report per project, columns in COPY order (the text sections as jsonb by language).
STAGE = Stage(
    "_kc_stage_report",
    (
        ("project_id", "bigint NOT NULL"),
        ("status", "text NOT NULL"),
        ("progress", "numeric(5, 2)"),
        *((section, "jsonb") for section in TEXT_SECTIONS),
        ("reported_on", "date"),
        ("content_hash", "bytea NOT NULL"),
        ("challenges", "text[] NOT NULL"),
    ),
)


@dataclass(frozen=True)
class ReportLoad:
    point: str
    new: int
    changed: int
    unchanged: int
    free_tags: int
    load_id: int | None

    @property
    def changes(self) -> int:
        return self.new + self.changed


def slug(text: str) -> str:
    """A free tag's code: ``"Door openers"`` → ``door-openers``."""
    return re.sub(r"[^0-9a-z]+", "-", text.casefold()).strip("-")


def parse_progress(value: object) -> float | None:
    """0-100 from a number, ``"45"``, ``"45 %"`` or ``"45,5"``; a fraction cell (0.45 formatted as %)
    cannot be told from 0.45 %, so it is read as written."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).replace("%", "").replace(",", ".").strip()
    return float(text)


def parse_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float):
        return EXCEL_EPOCH + dt.timedelta(days=int(value))
    text = str(value).strip()
    if text.isdigit() and 20000 <= int(text) <= 80000:  # an Excel serial date that became text
        return EXCEL_EPOCH + dt.timedelta(days=int(text))
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _text(values: dict, key: str, where: str, problems: Problems, *, required: bool) -> dict | None:
    texts = {"en": values.get(key)} | {lang: values.get(f"{key}_{lang}") for lang in LANGS}
    texts = {lang: str(t) for lang, t in texts.items() if t is not None}
    if "en" not in texts:
        if required:
            problems.add(where, key, "(empty)", "an answer in English (required)")
        elif texts:
            problems.add(
                where, key, "(empty)", f"the English text when {key}_de / {key}_fr are given"
            )
        return None
    return texts


def _tags(values: dict) -> list[str]:
    tags = []
    for key in sorted(values):
        if re.fullmatch(r"challenges?(_\d+)?", key) and values[key] is not None:
            tags += [t.strip() for t in re.split(r"[;,\n]", str(values[key])) if t.strip()]
    return tags


@dataclass(frozen=True)
class Context:
    projects: dict[str, tuple[int, str]]
    status: Vocabulary
    fields: Vocabulary
    challenge: Vocabulary


def check_row(row: Row, ctx: Context, problems: Problems, free: dict[str, str]) -> tuple | None:
    """One validated stage row, or None (with problems added)."""
    v, where = row.values, f"row {row.number}"
    before = len(problems)
    code = v.get("project_code")
    project = ctx.projects.get(str(code)) if code is not None else None
    if code is None:
        problems.add(where, "project_code", "(empty)", "a project code (required)")
    elif project is None:
        close = difflib.get_close_matches(str(code), list(ctx.projects), n=3)
        hint = (
            f"did you mean {', '.join(close)}?"
            if close
            else "load it with 'kc load projects' first"
        )
        problems.add(where, "project_code", code, f"a loaded project code ({hint})")
    status = ctx.status.resolve(v.get("status"))
    if v.get("status") is None:
        problems.add(where, "status", "(empty)", f"a status (required), {ctx.status.expected()}")
    elif status is None:
        problems.add(where, "status", v["status"], f"a status, {ctx.status.expected()}")
    field = v.get("thematic_field")
    if field is not None and project is not None and ctx.fields.resolve(field) != project[1]:
        problems.add(
            where, "thematic_field", field, f"the project's thematic field {project[1]} (or empty)"
        )
    progress = None
    try:
        progress = parse_progress(v.get("progress"))
        if progress is not None and not 0 <= progress <= 100:
            raise ValueError(progress)
    except ValueError:
        problems.add(where, "progress", v.get("progress"), "a percentage from 0 to 100")
    reported_on = None
    if v.get("reported_on") is not None:
        try:
            reported_on = parse_date(v["reported_on"])
        except ValueError:
            problems.add(
                where, "reported_on", v["reported_on"], "a date (YYYY-MM-DD or DD.MM.YYYY)"
            )
    texts = {k: _text(v, k, where, problems, required=k == "objectives") for k in TEXT_SECTIONS}
    codes = []
    for tag in _tags(v):
        controlled = ctx.challenge.resolve(tag)
        code_ = controlled or slug(tag)
        if not code_:
            problems.add(where, "challenge", tag, "a challenge tag with letters or digits")
            continue
        if controlled is None:
            free.setdefault(code_, tag)
        codes.append(code_)
    if len(problems) > before:
        return None
    progress = None if progress is None else round(progress, 2)
    codes = sorted(set(codes))
    content = [status, progress, texts, reported_on.isoformat() if reported_on else None, codes]
    digest = hashlib.sha256(
        json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    return (
        project[0],
        status,
        progress,
        *(texts[k] for k in TEXT_SECTIONS),
        reported_on,
        "\\x" + digest,
        codes,
    )


def _context(cur) -> Context:
    cur.execute("SELECT code, project_id, thematic_field FROM kc.project")
    projects = {code: (pid, field) for code, pid, field in cur.fetchall()}
    return Context(projects, statuses(cur), thematic_fields(cur), challenges(cur))


def validate(cur, rows: list[Row], problems: Problems) -> tuple[list[tuple], dict[str, str]]:
    ctx = _context(cur)
    free: dict[str, str] = {}
    staged = [r for r in (check_row(row, ctx, problems, free) for row in rows) if r is not None]
    seen: dict[str, int] = {}
    for row in rows:
        code = row.values.get("project_code")
        if code is not None and str(code) in seen:
            problems.add(
                f"rows {seen[str(code)]}, {row.number}",
                "project_code",
                code,
                "one row per project in a workbook (one report per project and point)",
            )
        elif code is not None:
            seen[str(code)] = row.number
    return staged, free


APPLY = """
CREATE TEMP TABLE _kc_report_class ON COMMIT DROP AS
SELECT s.*, r.report_id AS old_id,
       CASE WHEN r.report_id IS NULL THEN 'new'
            WHEN r.content_hash = s.content_hash THEN 'unchanged' ELSE 'changed' END AS change
  FROM {stage} s
  LEFT JOIN kc.report r ON r.project_id = s.project_id AND r.point_code = %(point)s
                       AND r.superseded_at IS NULL"""


def apply(
    cur, staged: list[tuple], free: dict[str, str], point: str, source: str, sha: str | None
) -> ReportLoad:
    """Stage with COPY and apply set-based (caller's transaction)."""
    STAGE.fill(cur, staged)
    stage = STAGE.table
    cur.execute("DROP TABLE IF EXISTS _kc_report_class")
    cur.execute(sql.SQL(APPLY).format(stage=stage), {"point": point})
    cur.execute("SELECT change, count(*) FROM _kc_report_class GROUP BY change")
    counts = {"new": 0, "changed": 0, "unchanged": 0, **dict(cur.fetchall())}
    cur.execute(
        "INSERT INTO kc.challenge (code, label, controlled) "
        "SELECT c, jsonb_build_object('en', l), false FROM unnest(%s::text[], %s::text[]) AS t(c, l) "
        "WHERE c IN (SELECT unnest(challenges) FROM _kc_report_class WHERE change <> 'unchanged') "
        "ON CONFLICT (code) DO NOTHING",
        (list(free), list(free.values())),
    )
    free_added = cur.rowcount
    if counts["new"] + counts["changed"] == 0:
        return ReportLoad(point, 0, 0, counts["unchanged"], 0, None)
    cur.execute(
        "INSERT INTO kc.load_run (kind, city_code, point_code, source, source_sha256, is_correction, summary) "
        "VALUES ('reporting', NULL, %s, %s, %s, %s, %s) RETURNING load_id",
        (point, source, sha, counts["changed"] > 0, json.dumps(counts)),
    )
    load_id = cur.fetchone()[0]
    cur.execute(
        "UPDATE kc.report r SET superseded_at = now() FROM _kc_report_class c "
        "WHERE c.change = 'changed' AND r.report_id = c.old_id"
    )
    sections = sql.SQL(", ").join(map(sql.Identifier, TEXT_SECTIONS))
    cur.execute(
        sql.SQL(
            """WITH ins AS (
                   INSERT INTO kc.report (project_id, point_code, status, progress, {sections},
                                          reported_on, content_hash, load_id)
                   SELECT project_id, %(point)s, status, progress, {sections}, reported_on,
                          content_hash, %(load_id)s
                     FROM _kc_report_class WHERE change <> 'unchanged'
                   RETURNING report_id, project_id)
               INSERT INTO kc.report_challenge (report_id, challenge_code)
               SELECT ins.report_id, unnest(c.challenges) FROM ins
                 JOIN _kc_report_class c USING (project_id)"""
        ).format(sections=sections),
        {"point": point, "load_id": load_id},
    )
    return ReportLoad(
        point, counts["new"], counts["changed"], counts["unchanged"], free_added, load_id
    )


def load_reporting(url: str, path: Path, point: str, *, sheet: str | None = None) -> ReportLoad:
    """Load a Common Reporting workbook (.xlsx) or CSV for ``point``: all of it, or nothing."""
    problems = Problems(path.name)
    with load_transaction(url, path) as cur:
        check_point(cur, point, problems)
        rows = read_rows(path, sheet, problems)
        if not rows and not problems:
            problems.add(
                "(file)",
                "(rows)",
                "no report rows (only the header and help rows)",
                "one filled row per implementation project",
            )
        staged, free = validate(cur, rows, problems)
        problems.raise_if_any()
        return apply(cur, staged, free, point, str(path), file_sha256(path))
