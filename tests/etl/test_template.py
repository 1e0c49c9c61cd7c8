"""The Common Reporting template: the drop-downs' words, the projects' codes, read back as codes."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import psycopg2
import pytest

from tests.etl.helpers import kc, load_base


def test_template_in_german_lists_words_and_projects_and_reads_back(db_url, tmp_path) -> None:
    load_base(db_url, tmp_path)
    template = tmp_path / "vorlage.xlsx"
    result = kc(db_url, "reporting", "template", template, "--lang", "de")
    assert result.exit_code == 0 and "2 project code(s) listed" in result.output, result.output
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames == ["Common Reporting", "Listen", "Projekte", "Ausfüllhilfe"]
    assert wb["Listen"].sheet_state == "hidden"
    lists = list(wb["Listen"].iter_rows(min_row=2, values_only=True))
    words = {row[0]: row[1] for row in lists if row[0]}
    assert words["In Umsetzung"] == "in_implementation" and "in_implementation" not in words
    projects = list(wb["Projekte"].iter_rows(min_row=3, values_only=True))
    assert [(p[0], p[2]) for p in projects] == [
        ("LYO-T-A", "Fernwärme & erneuerbare Energien"),
        ("LYO-T-B", "Fernwärme & erneuerbare Energien"),
    ]
    ws = wb["Common Reporting"]
    assert ws["A1"].value == "Allgemeine Angaben"
    keys = [c.value for c in ws[2]]
    validations = {
        str(dv.sqref).split(":")[0]: dv.formula1 for dv in ws.data_validations.dataValidation
    }
    assert validations["A4"] == "=Projekte!$A$3:$A$4"
    # Filled in with the drop-downs' words: read back as the codes.
    values = {
        "project_code": "LYO-T-A",
        "thematic_field": "Fernwärme & erneuerbare Energien",
        "status": "In Umsetzung",
        "objectives": "Heat the block",
        "challenge_1": "Vergaberecht und Beschaffung",
        "challenge_2": "Geschäftsmodelle",
    }
    for key, value in values.items():
        ws.cell(row=4, column=keys.index(key) + 1, value=value)
    wb.save(template)
    result = kc(db_url, "load", "reporting", template, "--at", "PM18")
    assert result.exit_code == 0, result.output
    assert "new 1, changed 0, unchanged 0, free tags added 0" in result.output
    conn = psycopg2.connect(db_url)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT r.status, array_agg(rc.challenge_code ORDER BY rc.challenge_code) "
            "FROM kc.report r JOIN kc.report_challenge rc USING (report_id) GROUP BY r.status"
        )
        assert cur.fetchall() == [
            ("in_implementation", ["business-models", "tender-regulations-procurement"])
        ]
    conn.close()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_template_without_a_database_says_so(tmp_path: Path, lang: str) -> None:
    from click.testing import CliRunner

    from gis.cli import main

    out = tmp_path / "template.xlsx"
    env = {"KC_HOME": str(tmp_path / "nowhere"), "KC_DATABASE_URL": ""}
    result = CliRunner().invoke(main, ["reporting", "template", str(out), "--lang", lang], env=env)
    assert result.exit_code == 0 and "no database reachable" in result.output, result.output
    wb = openpyxl.load_workbook(out)
    projects = wb["Projects" if lang == "en" else "Projets"]
    assert "kc load projects" in projects["A1"].value
    status = {
        row[0] for row in wb["Lists" if lang == "en" else "Listes"].iter_rows(values_only=True)
    }
    assert ("In implementation" if lang == "en" else "En cours de réalisation") in status
