"""Common Reporting answers: their one validation and how they are recorded.

The workbook loader (``etl.reporting``, one row per project) and the OGC API's writes
(``gis.api.writes``, one feature) both check answers with :func:`check_answers` and record them
with :func:`record`, so a bad value gets the same message wherever it was entered, and a report
is versioned the same way: in transaction time only. Answers that differ from the believed
report of a project at a point supersede it (``superseded_at``) and are recorded as a new
report; identical answers are left alone. Challenge tags are matched to the controlled
vocabulary (code or label); any other tag is recorded as a free tag (``controlled = false``).

Values are matched to codes case-insensitively, by code or by any of the labels (en, de, fr),
with surrounding spaces ignored: an answer may say "In Umsetzung" or " in_implementation ".
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import psycopg2.extensions
from psycopg2 import sql

from gis.store.report_sections import REPORT_SECTIONS
from gis.store.staging import Stage

#: The languages a text may be translated into besides English (``objectives_de`` …).
LANGS = ("de", "fr")
TEXT_SECTIONS = REPORT_SECTIONS
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


class ProblemSink(Protocol):
    """Where problems go (``gis.store.problems.ProblemList`` and the loaders' ``Problems``)."""

    def add(self, where: object, field: str, found: object, expected: str) -> None: ...

    def __len__(self) -> int: ...


# --- vocabularies --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Vocabulary:
    """A closed list of codes and the spellings that map to them."""

    name: str
    codes: tuple[str, ...]
    spellings: dict[str, str]

    def resolve(self, value: object) -> str | None:
        if value is None:
            return None
        return self.spellings.get(normalise(str(value)))

    def expected(self) -> str:
        return f"one of: {', '.join(self.codes)}"


def normalise(text: str) -> str:
    return " ".join(text.replace("_", " ").replace("-", " ").split()).casefold()


def _vocabulary(cur: psycopg2.extensions.cursor, name: str, query: str) -> Vocabulary:
    cur.execute(query)
    rows = cur.fetchall()
    spellings: dict[str, str] = {}
    for code, label in rows:
        for text in [code, *(label or {}).values()]:
            spellings.setdefault(normalise(text), code)
    return Vocabulary(name, tuple(code for code, _ in rows), spellings)


def statuses(cur: psycopg2.extensions.cursor) -> Vocabulary:
    return _vocabulary(
        cur, "status", "SELECT code, label FROM kc.implementation_status ORDER BY sort_order"
    )


def thematic_fields(cur: psycopg2.extensions.cursor) -> Vocabulary:
    return _vocabulary(
        cur, "thematic field", "SELECT code, name FROM kc.thematic_field ORDER BY sort_order"
    )


def challenges(cur: psycopg2.extensions.cursor) -> Vocabulary:
    return _vocabulary(
        cur, "challenge", "SELECT code, label FROM kc.challenge WHERE controlled ORDER BY code"
    )


# --- checking answers ----------------------------------------------------------------------------


def slug(text: str) -> str:
    """A free tag's code: ``"Door openers"`` → ``door-openers``."""
    return re.sub(r"[^0-9a-z]+", "-", text.casefold()).strip("-")


def parse_progress(value: object) -> float | None:
    """0-100 from a number, ``"45"``, ``"45 %"`` or ``"45,5"``; a fraction cell (0.45 formatted as %)
    cannot be told from 0.45 %, so it is read as written."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
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


def _text(
    values: Mapping, key: str, where: str, problems: ProblemSink, *, required: bool
) -> dict | None:
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


def _tags(values: Mapping) -> list[str]:
    tags = []
    for key in sorted(values):
        if re.fullmatch(r"challenges?(_\d+)?", key) and values[key] is not None:
            tags += [t.strip() for t in re.split(r"[;,\n]", str(values[key])) if t.strip()]
    return tags


@dataclass(frozen=True)
class Context:
    """What answers are checked against: the projects (code -> id, thematic field), the lists."""

    projects: dict[str, tuple[int, str]]
    status: Vocabulary
    fields: Vocabulary
    challenge: Vocabulary


def read_context(cur: psycopg2.extensions.cursor) -> Context:
    cur.execute("SELECT code, project_id, thematic_field FROM kc.project")
    projects = {code: (pid, field) for code, pid, field in cur.fetchall()}
    return Context(projects, statuses(cur), thematic_fields(cur), challenges(cur))


def check_answers(
    values: Mapping[str, object],
    where: str,
    ctx: Context,
    problems: ProblemSink,
    free: dict[str, str],
) -> tuple | None:
    """One validated stage row (``STAGE``'s columns), or None (with problems added).

    ``values`` are the answers by the workbook's column keys (``objectives``, ``objectives_de``,
    ``challenge_1`` …); ``where`` says where they come from (``row 7``, ``feature``); free tags
    found are added to ``free`` (code -> tag as written).
    """
    v = values
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


# --- recording them ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportLoad:
    """What recording answers did: reports new, changed (superseded), unchanged; free tags added."""

    point: str
    new: int
    changed: int
    unchanged: int
    free_tags: int
    load_id: int | None

    @property
    def changes(self) -> int:
        return self.new + self.changed


APPLY = """
CREATE TEMP TABLE _kc_report_class ON COMMIT DROP AS
SELECT s.*, r.report_id AS old_id,
       CASE WHEN r.report_id IS NULL THEN 'new'
            WHEN r.content_hash = s.content_hash THEN 'unchanged' ELSE 'changed' END AS change
  FROM {stage} s
  LEFT JOIN kc.report r ON r.project_id = s.project_id AND r.point_code = %(point)s
                       AND r.superseded_at IS NULL"""


def record(
    cur: psycopg2.extensions.cursor,
    staged: list[tuple],
    free: dict[str, str],
    point: str,
    source: str,
    sha: str | None,
    *,
    written_by: str | None = None,
) -> ReportLoad:
    """Stage with COPY and apply set-based (caller's transaction); ``written_by``: the account."""
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
        "INSERT INTO kc.load_run (kind, city_code, point_code, source, source_sha256, "
        "is_correction, summary, written_by) "
        "VALUES ('reporting', NULL, %s, %s, %s, %s, %s, %s) RETURNING load_id",
        (point, source, sha, counts["changed"] > 0, json.dumps(counts), written_by),
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
