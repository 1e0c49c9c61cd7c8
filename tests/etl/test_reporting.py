"""``kc load reporting``: Excel realities, CSV, supersede on change, nothing on reload."""

from __future__ import annotations

import datetime as dt

import openpyxl
import psycopg2

from tests.data import TEST_DATA
from tests.etl.helpers import fingerprint, kc, load_base


def query(db_url: str, statement: str, params=()) -> list[tuple]:
    conn = psycopg2.connect(db_url)
    with conn.cursor() as cur:
        cur.execute(statement, params)
        rows = cur.fetchall()
    conn.close()
    return rows


def messy_workbook(path, progress="45 %") -> None:
    """As people really fill them: a title, merged section headers, spaces, text numbers, dates."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Common Reporting"
    ws.append(["SMARTER TOGETHER Common Reporting - Lyon"])
    ws.append(["General information", None, None, "Implementation status", None, "Risks"])
    ws.merge_cells("A2:C2")
    ws.merge_cells("D2:E2")
    ws.append(
        ["Project code ", "Objectives", "Objectives (DE)", "Status", "Progress", "challenges"]
    )
    ws.merge_cells("F3:G3")  # a merged header cell spanning an empty column
    ws.append(["# help row", "what the project wants", None, None, None, None])
    ws.append(
        [
            " LYO-T-A ",
            "Heat the block ",
            "Den Block heizen",
            "In Umsetzung",
            progress,
            "Business models; Door openers",
        ]
    )
    ws.append(["LYO-T-B", "Show the data", None, "planned", 12, "data-privacy"])
    ws["H5"] = dt.datetime(2017, 7, 31)  # a stray cell outside the table is ignored
    for _ in range(5):
        ws.append([None, None, None, None, None, None])  # empty trailing rows
    wb.save(path)


def test_messy_workbook_loads_then_reload_changes_nothing_then_correction(db_url, tmp_path) -> None:
    load_base(db_url, tmp_path)
    path = tmp_path / "messy.xlsx"
    messy_workbook(path)
    result = kc(db_url, "load", "reporting", path, "--at", "PM18")
    assert result.exit_code == 0, result.output
    assert "new 2, changed 0, unchanged 0, free tags added 1" in result.output
    rows = query(
        db_url,
        "SELECT p.code, r.status, r.progress::float, r.objectives FROM kc.report r "
        "JOIN kc.project p USING (project_id) ORDER BY 1",
    )
    assert rows[0] == (
        "LYO-T-A",
        "in_implementation",
        45.0,
        {"en": "Heat the block", "de": "Den Block heizen"},
    )
    tags = query(
        db_url,
        "SELECT c.code, c.controlled FROM kc.report_challenge rc JOIN kc.challenge c "
        "ON c.code = rc.challenge_code ORDER BY 1",
    )
    assert tags == [("business-models", True), ("data-privacy", True), ("door-openers", False)]
    assert query(
        db_url,
        "SELECT kind, city_code, point_code, is_correction FROM kc.load_run WHERE kind = 'reporting'",
    ) == [("reporting", None, "PM18", False)]

    before = fingerprint(db_url)
    again = kc(db_url, "load", "reporting", path, "--at", "PM18")
    assert "new 0, changed 0, unchanged 2" in again.output and fingerprint(db_url) == before

    messy_workbook(path, progress="50")
    fixed = kc(db_url, "load", "reporting", path, "--at", "PM18")
    assert "correction of PM18: new 0, changed 1, unchanged 1" in fixed.output
    history = query(
        db_url,
        "SELECT r.progress::float, r.superseded_at IS NULL FROM kc.report r "
        "JOIN kc.project p USING (project_id) WHERE p.code = 'LYO-T-A' ORDER BY r.report_id",
    )
    assert history == [(45.0, False), (50.0, True)]
    # The same answers for another point are another report.
    other = kc(db_url, "load", "reporting", path, "--at", "PM24")
    assert "new 2" in other.output


def test_csv_with_semicolons_and_excel_dates(db_url, tmp_path) -> None:
    load_base(db_url, tmp_path)
    # Semicolons, a decimal comma, an Excel serial date, a French status label, a blank line.
    path = TEST_DATA / "reporting_semicolons_excel_dates.csv"
    result = kc(db_url, "load", "reporting", path, "--at", "PM18")
    assert result.exit_code == 0, result.output
    rows = query(
        db_url,
        "SELECT p.code, r.status, r.progress::float, r.reported_on FROM kc.report r "
        "JOIN kc.project p USING (project_id) ORDER BY 1",
    )
    assert rows == [
        ("LYO-T-A", "tendering", 30.5, dt.date(2017, 7, 31)),
        ("LYO-T-B", "planned", None, dt.date(2018, 1, 31)),
    ]
