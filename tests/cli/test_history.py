"""``kc diff`` and ``kc history`` on real data, and the feed against every load of the demo data."""

from __future__ import annotations

import datetime as dt
import subprocess

import pyogrio
import pytest
from psycopg2 import sql

from etl.sample.districts import load_sample
from tests.api.server import ADDED, CHANGED, REMOVED, load_lyon
from tests.databases import query
from tests.etl.helpers import kc

#: Content of a building as the states compare it (not the feed): the independent reference.
STATE_DIFF = """
WITH a AS (SELECT source_id, ST_AsEWKB(footprint) AS g, height, storeys FROM kc.building_state(%(a)s)
            WHERE city_code = 'lyon'),
     b AS (SELECT source_id, ST_AsEWKB(footprint) AS g, height, storeys FROM kc.building_state(%(b)s)
            WHERE city_code = 'lyon')
SELECT CASE WHEN a.source_id IS NULL THEN 'new' WHEN b.source_id IS NULL THEN 'ended'
            ELSE 'changed' END, count(*)
  FROM a FULL JOIN b USING (source_id)
 WHERE a.source_id IS NULL OR b.source_id IS NULL OR (a.g, a.height, a.storeys)
       IS DISTINCT FROM (b.g, b.height, b.storeys)
 GROUP BY 1
"""


@pytest.fixture
def lyon(db_url: str) -> str:
    load_lyon(db_url)
    return db_url


def test_kc_diff_writes_what_gdal_opens_with_the_right_counts(lyon, tmp_path) -> None:
    out = tmp_path / "changes.gpkg"
    result = kc(lyon, "diff", "--city", "lyon", "PM18", "PM24", "--out", out)
    assert result.exit_code == 0, result.output
    expected = dict(query(lyon, STATE_DIFF, {"a": dt.date(2017, 7, 31), "b": dt.date(2018, 1, 31)}))
    assert expected == {"new": ADDED, "changed": CHANGED, "ended": REMOVED}
    line = f"buildings: {ADDED} new, {CHANGED} changed, {REMOVED} ended (0 by corrections)"
    assert line in result.output
    assert "projects: 0 new, 1 changed, 0 ended" in result.output
    # GDAL opens it: one layer per kind, one feature per change, tombstones with geometry.
    info = subprocess.run(["ogrinfo", "-ro", "-so", str(out)], capture_output=True, text=True)
    assert info.returncode == 0 and "building_changes" in info.stdout, info.stderr
    frame = pyogrio.read_dataframe(out, layer="building_changes")
    assert frame.change.value_counts().to_dict() == expected
    assert frame.geometry.notna().all() and (frame.point == "PM24").all()
    changed = frame[frame.change == "changed"]
    assert set(changed.changed_properties) == {"height"}
    assert (changed.previous_version_id != changed.version_id).all()
    projects = pyogrio.read_dataframe(out, layer="project_changes")
    assert projects.change.tolist() == ["changed"] and projects.changed_properties[0] == "status"


def test_kc_diff_as_geojson_and_its_refusals(lyon, tmp_path) -> None:
    out = tmp_path / "changes.geojson"
    refused = kc(lyon, "diff", "--city", "lyon", "PM18", "PM24", "--out", out)
    assert refused.exit_code != 0 and "--kind buildings or --kind projects" in refused.output
    ok = kc(lyon, "diff", "--city", "lyon", "PM18", "PM24", "--kind", "buildings", "--out", out)
    assert ok.exit_code == 0, ok.output
    assert pyogrio.read_info(out)["features"] == ADDED + CHANGED + REMOVED
    again = kc(lyon, "diff", "--city", "lyon", "PM18", "PM24", "--kind", "buildings", "--out", out)
    assert again.exit_code != 0 and "won't be overwritten without the --overwrite" in again.output
    reversed_ = kc(lyon, "diff", "--city", "lyon", "PM24", "PM18")
    assert reversed_.exit_code != 0 and "give the earlier point first" in reversed_.output
    unknown = kc(lyon, "diff", "--city", "lyon", "PM18", "PM99")
    assert unknown.exit_code != 0 and "unknown measurement point 'PM99'" in unknown.output
    bad = kc(lyon, "diff", "--city", "lyon", "PM18", "PM24", "--known-at", "yesterday")
    assert bad.exit_code != 0 and "RFC 3339 date-time with a time zone" in bad.output
    # Known before anything was loaded: nothing had changed.
    early = kc(lyon, "diff", "--city", "lyon", "PM18", "PM24", "--known-at", "2000-01-01T00:00:00Z")
    assert "buildings: 0 new, 0 changed, 0 ended" in early.output


def test_kc_history_prints_versions_with_validity_and_recording_times(lyon) -> None:
    [(source_id, versions)] = query(
        lyon,
        "SELECT b.source_id, array_agg(r.version_id ORDER BY r.valid_from) FROM kc.building b "
        "JOIN kc.building_validity r USING (building_id) WHERE r.superseded_at IS NULL "
        "GROUP BY 1 HAVING count(*) = 2 ORDER BY 1 LIMIT 1",
    )
    result = kc(lyon, "history", "buildings", source_id, "--city", "lyon")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"building {source_id} in lyon: 2 versions"
    assert lines[1].split()[:4] == ["version", "valid", "from", "valid"]
    body = [line.split() for line in lines[2:]]
    # The first version was believed open-ended, then closed at PM24 (superseded), then
    # recorded again as [PM18, PM24); the second opens at PM24.
    assert [row[:3] for row in body] == [
        [str(versions[0]), "2017-07-31", "(open)"],
        [str(versions[0]), "2017-07-31", "2018-01-31"],
        [str(versions[1]), "2018-01-31", "(open)"],
    ]
    assert body[0][4] != "(believed)" and body[1][4] == "(believed)"
    project = kc(lyon, "history", "projects", "LYO-REF-A", "--city", "lyon")
    assert project.exit_code == 0 and "project LYO-REF-A in lyon: 2 versions" in project.output
    missing = kc(lyon, "history", "buildings", "NOPE", "--city", "lyon")
    assert missing.exit_code != 0 and "no building 'NOPE' in 'lyon'" in missing.output


def test_feed_counts_equal_every_load_summary_of_the_demo_data(db_url, tmp_path) -> None:
    """Each load of the demo sample said new/changed/ended; the feed at its point agrees."""
    load_sample(db_url, tmp_path, count=200, echo=lambda _: None)
    loads = query(
        db_url,
        "SELECT l.kind, l.city_code, m.valid_at, l.summary FROM kc.load_run l "
        "JOIN kc.measurement_point m ON m.code = l.point_code "
        "WHERE l.kind IN ('buildings', 'projects') ORDER BY l.load_id",
    )
    assert len(loads) >= 18  # 3 cities x 3 points x 2 kinds
    for kind, city, at, summary in loads:
        function = sql.Identifier("building_changes" if kind == "buildings" else "project_changes")
        counts = dict(
            query(
                db_url,
                sql.SQL("SELECT change, count(*) FROM kc.{}(%s, %s, NULL, %s) GROUP BY 1").format(
                    function
                ),
                (at, at, city),
            )
        )
        expected = {c: summary[c] for c in ("new", "changed", "ended") if summary[c]}
        assert counts == expected, (kind, city, at)
    assert any(s["changed"] and s["ended"] and s["new"] for *_, s in loads)


def corrected_workbook(source, target, status: str) -> str:
    """A copy of a Common Reporting workbook with the first project's status changed; its code."""
    import openpyxl

    from etl.workbook import KEYS

    book = openpyxl.load_workbook(source)
    sheet = book.active
    code = sheet.cell(row=3, column=KEYS.index("project_code") + 1).value
    cell = sheet.cell(row=3, column=KEYS.index("status") + 1)
    assert cell.value != status
    cell.value = status
    book.save(target)
    return code


def test_report_feed_counts_equal_every_reporting_load_summary(db_url, tmp_path) -> None:
    """Each reporting load of the demo sample (and a correction of PM24) said how many reports
    were new at its point and how many it changed (a report of the same point replaced); the
    feed as known right after the load, over the rows it recorded, says the same: new+changed
    for the former (new: a project's first report), corrections for the latter."""
    from etl.reporting import load_reporting

    load_sample(db_url, tmp_path, count=200, echo=lambda _: None)
    code = corrected_workbook(
        tmp_path / "reporting_PM24.xlsx", tmp_path / "corrected_PM24.xlsx", "cancelled"
    )
    corrected = load_reporting(db_url, tmp_path / "corrected_PM24.xlsx", "PM24")
    assert (corrected.new, corrected.changed) == (0, 1)
    loads = query(
        db_url,
        "SELECT l.point_code, m.valid_at, l.recorded_at, l.summary FROM kc.load_run l "
        "JOIN kc.measurement_point m ON m.code = l.point_code "
        "WHERE l.kind = 'reporting' ORDER BY l.load_id",
    )
    [(projects,)] = query(db_url, "SELECT count(*) FROM kc.project")
    assert [(point, s["new"], s["changed"]) for point, _, _, s in loads] == [
        ("PM18", projects, 0), ("PM24", projects, 0), ("PM30", projects, 0), ("PM24", 0, 1),
    ]  # fmt: skip
    for point, at, recorded_at, summary in loads:
        rows = query(
            db_url,
            "SELECT change, correction, feature_id, superseded_version_id, changed_properties "
            "FROM kc.report_changes(%s, %s, %s) WHERE recorded_at = %s",
            (at, at, recorded_at, recorded_at),
        )
        made = [r for r in rows if not r[1]]
        corrections = [r for r in rows if r[1]]
        assert len(made) == summary["new"] and len(corrections) == summary["changed"], point
        # every sample project reports at every point: first reports at PM18 only
        expected = "new" if point == "PM18" else "changed"
        assert {r[0] for r in made} <= {expected}, point
        for _, _, feature, superseded, names in corrections:
            assert feature == code and superseded is not None and "status" in names
    # Now (after the correction) PM24's feed: the corrected report replaces the first one.
    now = query(
        db_url,
        "SELECT correction, count(*) FROM kc.report_changes('2018-01-31', '2018-01-31') "
        "GROUP BY 1 ORDER BY 1",
    )
    assert now == [(False, projects - 1), (True, 1)]
