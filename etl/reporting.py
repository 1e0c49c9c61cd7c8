"""``kc load reporting``: Common Reporting answers, one report per project per measurement point.

The answers are checked and recorded by ``gis.store.report_answers`` (the same code as the OGC
API's writes): in transaction time only, a re-load whose answers for a project differ supersedes
the believed report and records the new one; identical answers are left alone, so loading the
same workbook twice changes nothing. This module reads the file and checks what only a file can
get wrong (one row per project).
"""

from __future__ import annotations

from pathlib import Path

from etl.errors import load_transaction
from etl.problems import Problems
from etl.readers import file_sha256
from etl.vocabulary import check_point
from etl.workbook import Row, read_rows
from gis.store.report_answers import ReportLoad, check_answers, read_context, record

__all__ = ["ReportLoad", "load_reporting", "validate"]

REQUIRED = ("project_code", "status", "objectives")


def validate(cur, rows: list[Row], problems: Problems) -> tuple[list[tuple], dict[str, str]]:
    ctx = read_context(cur)
    free: dict[str, str] = {}
    checked = (check_answers(row.values, f"row {row.number}", ctx, problems, free) for row in rows)
    staged = [r for r in checked if r is not None]
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
        return record(cur, staged, free, point, str(path), file_sha256(path))
