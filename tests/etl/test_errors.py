"""Broken inputs: every problem named (file, feature/row, field, found, expected), exit 1, nothing loaded."""

from __future__ import annotations

import openpyxl
import pytest
import shapely

from tests.etl.helpers import (
    buildings_frame,
    fingerprint,
    kc,
    load_base,
    projects_frame,
    write,
)
from tests.shared_data import LYON_BUILDINGS as LYON_FILE
from tests.shared_data import require


def refused(db_url: str, *args: object) -> str:
    """Run kc, assert it failed cleanly and changed nothing; return what it said."""
    before = fingerprint(db_url)
    result = kc(db_url, *args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "nothing was loaded" in result.output or "Error:" in result.output
    assert fingerprint(db_url) == before
    return result.output


def test_all_geometry_and_id_problems_are_listed_together(db_url, tmp_path) -> None:
    frame = buildings_frame(
        6, HAUTEUR=[10.0, None, 12.0, 13.0, 14.0, 15.0], NB_ETAGES=[3, None, 3, 3, 3, 3]
    )
    frame.loc[2, "geometry"] = shapely.Polygon()  # empty
    x, y = frame.geometry.iloc[3].bounds[:2]
    frame.loc[3, "geometry"] = shapely.Polygon(
        [(x, y), (x + 10, y + 10), (x + 10, y), (x, y + 10)]
    )  # bow-tie
    frame.loc[5, "ID"] = "B4"  # duplicate id
    out = refused(
        db_url,
        "load",
        "buildings",
        write(frame, tmp_path / "bad.geojson"),
        "--city",
        "lyon",
        "--at",
        "PM18",
    )
    assert "4 problems" in out
    assert (
        "feature 2 (B1)" in out and "HAUTEUR" in out and "number of storeys" in out
    )  # missing height
    assert "feature 3 (B2)" in out and "non-empty geometry" in out
    assert "feature 4 (B3)" in out and "changes its area by 100%" in out
    assert "features 5, 6" in out and "used once in the file" in out
    assert "Point" not in out


def test_no_crs_wrong_crs_and_contradicting_crs(db_url, tmp_path) -> None:
    shp = write(buildings_frame(3), tmp_path / "nocrs.shp", driver="ESRI Shapefile")
    (tmp_path / "nocrs.prj").unlink()
    out = refused(db_url, "load", "buildings", shp, "--city", "lyon", "--at", "PM18")
    assert "no CRS in the file" in out and "--crs" in out
    out = refused(
        db_url, "load", "buildings", shp, "--city", "lyon", "--at", "PM18", "--crs", "EPSG:2154"
    )
    assert "far from the city" in out and "true CRS" in out
    geojson = write(buildings_frame(3), tmp_path / "b.geojson")
    out = refused(
        db_url,
        "load",
        "buildings",
        geojson,
        "--city",
        "lyon",
        "--at",
        "PM18",
        "--crs",
        "EPSG:25832",
    )
    assert "EPSG:25832" in out and "the file's own CRS EPSG:3946" in out
    # With the right --crs the same shapefile loads.
    assert (
        kc(
            db_url, "load", "buildings", shp, "--city", "lyon", "--at", "PM18", "--crs", "EPSG:3946"
        ).exit_code
        == 0
    )


def test_truncated_and_missing_files_unknown_city_and_point(db_url, tmp_path) -> None:
    truncated = tmp_path / "truncated.geojson"
    truncated.write_bytes(require(LYON_FILE).read_bytes()[:5000])
    out = refused(db_url, "load", "buildings", truncated, "--city", "lyon", "--at", "PM18")
    assert "truncated.geojson" in out and "readable" in out
    out = refused(
        db_url, "load", "buildings", tmp_path / "nowhere.gpkg", "--city", "atlantis", "--at", "PM99"
    )
    assert "atlantis" in out and "lyon, munich" in out
    assert "PM99" in out and "start, PM18, PM24, PM30" in out
    assert "an existing file" in out
    out = refused(
        db_url,
        "load",
        "buildings",
        write(buildings_frame(2), tmp_path / "b.geojson"),
        "--city",
        "lyon",
        "--at",
        "PM18",
        "--id-field",
        "NOPE",
    )
    assert "NOPE" in out and "a field of the file: ID, HAUTEUR, NB_ETAGES" in out


def test_project_problems(db_url, tmp_path) -> None:
    load_base(db_url, tmp_path)
    frame = projects_frame(
        ("LYO-T-A", "LYO-T-C", "bad code"),
        status=["planned", "finished", "planned"],
        buildings=[None, "B1;B404", None],
    )
    out = refused(
        db_url,
        "load",
        "projects",
        write(frame, tmp_path / "p2.geojson"),
        "--city",
        "lyon",
        "--at",
        "PM24",
    )
    assert "finished" in out and "planned, in_preparation, tendering" in out
    assert "B404" in out and "bad code" in out
    frame = projects_frame(("LYO-T-A",))
    out = refused(
        db_url,
        "load",
        "projects",
        write(frame, tmp_path / "p3.geojson"),
        "--city",
        "munich",
        "--at",
        "PM24",
    )
    assert "belongs to lyon" in out


def _workbook(path, rows, header=None, sheet="Common Reporting"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    keys = header or ["project_code", "status", "progress", "objectives", "challenge_1"]
    ws.append(keys)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_reporting_problems(db_url, tmp_path) -> None:
    load_base(db_url, tmp_path)
    path = _workbook(
        tmp_path / "r.xlsx",
        [
            ["LYO-T-AA", "planned", 10, "Objectives", None],  # misspelt code
            ["LYO-T-B", "almost done", 10, "Objectives", None],  # unknown status
            ["LYO-T-A", "planned", "lots", None, None],  # bad progress, missing objectives
        ],
    )
    out = refused(db_url, "load", "reporting", path, "--at", "PM18")
    assert "row 2" in out and "LYO-T-AA" in out and "did you mean LYO-T-A" in out
    assert "row 3" in out and "almost done" in out and "planned, in_preparation" in out
    assert "row 4" in out and "lots" in out and "percentage" in out
    assert "objectives" in out and "required" in out
    out = refused(db_url, "load", "reporting", path, "--at", "PM18", "--sheet", "Sheet9")
    assert "Sheet9" in out and "Common Reporting" in out
    formula = _workbook(tmp_path / "f.xlsx", [["LYO-T-A", "planned", "=5*2", "Objectives", None]])
    out = refused(db_url, "load", "reporting", formula, "--at", "PM18")
    assert "=5*2" in out and "without a saved value" in out
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(path.read_bytes()[:300])
    assert "an .xlsx workbook" in refused(db_url, "load", "reporting", broken, "--at", "PM18")


@pytest.mark.parametrize("point", ["PM18"])
def test_template_rejected_unfilled_accepted_filled(db_url, tmp_path, point) -> None:
    load_base(db_url, tmp_path)
    template = tmp_path / "template.xlsx"
    assert kc(db_url, "reporting", "template", template).exit_code == 0
    assert "no report rows" in refused(db_url, "load", "reporting", template, "--at", point)
    wb = openpyxl.load_workbook(template)
    ws = wb["Common Reporting"]
    assert ws["A2"].value == "project_code" and ws["A3"].value.startswith("#")
    assert ws["A2"].comment is not None and "How to fill in" in wb.sheetnames
    lists = {
        str(dv.sqref).split(":")[0][0]: dv.formula1 for dv in ws.data_validations.dataValidation
    }
    keys = [c.value for c in ws[2]]
    status_column = openpyxl.utils.get_column_letter(keys.index("status") + 1)
    assert lists[status_column] == "=Lists!$A$2:$A$9"  # the eight statuses
    keys = [c.value for c in ws[2]]
    for r, (code, status, tags) in enumerate(
        [
            ("LYO-T-A", "In implementation ", "tender-regulations-procurement"),
            ("LYO-T-B", "planned", "Door openers"),
        ],
        start=4,
    ):
        values = {
            "project_code": code,
            "status": status,
            "objectives": f"Objectives of {code}",
            "objectives_fr": "Objectifs",
            "progress": "45 %",
            "reported_on": "31.07.2017",
            "challenge_1": tags,
        }
        for key, value in values.items():
            ws.cell(row=r, column=keys.index(key) + 1, value=value)
    wb.save(template)
    result = kc(db_url, "load", "reporting", template, "--at", point)
    assert result.exit_code == 0, result.output
    assert "new 2, changed 0, unchanged 0, free tags added 1" in result.output
