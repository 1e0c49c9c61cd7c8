"""Project Books: every project of each field in its book, with its status now and before."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from gis.books.build import build_books
from gis.books.data import load_reference
from gis.store.report_sections import REPORT_SECTIONS
from tests.books.fixture import POINTS, PROJECTS, load_fixture


class BookParser(HTMLParser):
    """Collects the projects of a book page: status, history, sections and fallback marks."""

    def __init__(self) -> None:
        super().__init__()
        self.projects: dict[str, dict] = {}
        self.current: str | None = None
        self.section: str | None = None
        self.fallback_depth = 0
        self.depth = 0
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for key in ("src", "href"):
            if a.get(key) is not None:
                self.urls.append(a[key])
        if tag == "article" and "project" in (a.get("class") or ""):
            self.current = a["data-project"]
            self.projects[self.current] = {
                "city": a["data-city"],
                "status": a["data-status"],
                "history": {},
                "text": {},
                "fallback": {},
            }
        if self.current is None:
            return
        if "data-point" in a:
            self.projects[self.current]["history"][a["data-point"]] = a["data-status"] or None
        if "data-section" in a:
            self.section = a["data-section"]
        if tag == "p" and self.section and a.get("lang") == "en" and "fb" in (a.get("class") or ""):
            self.projects[self.current]["fallback"][self.section] = True

    def handle_data(self, data: str) -> None:
        if self.current and self.section and data.strip():
            text = self.projects[self.current]["text"]
            text[self.section] = text.get(self.section, "") + data


def parse(path: Path) -> BookParser:
    parser = BookParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def expected_statuses(conn) -> dict[tuple[str, str], str]:
    """(project, point) -> status, straight from the tables: the report's, else the footprint's."""
    with conn, conn.cursor() as cur:
        cur.execute(
            """SELECT p.code, m.code,
                      coalesce((SELECT r.status FROM kc.report r WHERE r.project_id = p.project_id
                                   AND r.point_code = m.code AND r.superseded_at IS NULL),
                               (SELECT s.status FROM kc.project_state(m.valid_at) s
                                 WHERE s.project_id = p.project_id))
                 FROM kc.project p CROSS JOIN kc.measurement_point m"""
        )
        return {(code, point): status for code, point, status in cur.fetchall() if status}


@pytest.fixture
def books(conn, tmp_path: Path) -> tuple[object, Path]:
    load_fixture(conn)
    out = tmp_path / "books"
    with conn:
        report = build_books(conn, out, langs=["en", "de"], pdf=False)
    return report, out


def test_every_project_is_in_its_book_with_status_now_and_before(conn, books) -> None:
    report, out = books
    assert report.points == list(POINTS)
    statuses = expected_statuses(conn)
    with conn:
        ref = load_reference(conn)
    order = [p.code for p in ref.points]
    with conn, conn.cursor() as cur:
        cur.execute("SELECT code, thematic_field, city_code FROM kc.project")
        fields = {code: (field, city) for code, field, city in cur.fetchall()}
    for point in POINTS:
        for field in ref.fields:
            book = parse(out / point / "en" / f"{field}.html")
            expected = {c for c, (f, _) in fields.items() if f == field and (c, point) in statuses}
            assert set(book.projects) == expected, (point, field)
            for code, shown in book.projects.items():
                assert shown["city"] == fields[code][1]
                assert shown["status"] == statuses[(code, point)]
                earlier = order[: order.index(point) + 1]
                assert shown["history"] == {p: statuses.get((code, p)) for p in earlier}
    # The fixture itself, spelled out once: the history of one project over the three points.
    lyon = parse(out / "PM30" / "en" / "e_mobility.html").projects["LYO-EMOB-1"]
    assert lyon["history"] == {
        "start": None,
        "PM18": "planned",
        "PM24": "tendering",
        "PM30": "in_operation",
    }
    assert len(PROJECTS) == sum(
        len(parse(out / "PM30" / "en" / f"{f}.html").projects) for f in ref.fields
    )


def test_book_shows_report_sections_and_changes(books) -> None:
    _, out = books
    html = (out / "PM30" / "en" / "holistic_refurbishment.html").read_text(encoding="utf-8")
    page = parse(out / "PM30" / "en" / "holistic_refurbishment.html")
    lyon = page.projects["LYO-REF-1"]["text"]
    for section in REPORT_SECTIONS:
        assert f"{section} of LYO-REF-1 at PM30" in lyon[section]
    assert "Refurbishment of block A" in lyon["description"]
    assert "Activation of home-owners" in lyon["risks"]
    # LYO-REF-1's footprint grew at PM30; MUC-REF-1 got delayed and raised a new challenge.
    article = html[html.index('id="p-LYO-REF-1"') : html.index('id="p-MUC-REF-1"')]
    assert 'data-change="footprint"' in article and 'data-change="buildings"' in article
    assert 'data-change="status"' not in article
    munich = html[html.index('id="p-MUC-REF-1"') : html.index('id="p-VIE-REF-1"')]
    assert 'data-change="status"' in munich and "Planned → Delayed" in munich
    assert 'data-challenge="scaling-solutions"' in munich
    new = (out / "PM24" / "en" / "data_platform_smart_services.html").read_text(encoding="utf-8")
    assert 'data-change="new"' in new
    assert "<svg" in article and "<path" in article  # the footprint map


def test_german_books_fall_back_to_marked_english(books) -> None:
    _, out = books
    page = parse(out / "PM30" / "de" / "holistic_refurbishment.html")
    munich = page.projects["MUC-REF-1"]
    assert "Deutsches Ziel MUC-REF-1 PM30" in munich["text"]["objectives"]
    assert "objectives" not in munich["fallback"]
    assert "partners of MUC-REF-1 at PM30" in munich["text"]["partners"]
    assert munich["fallback"]["partners"]
    vienna = page.projects["VIE-REF-1"]  # no German at all: every section marked English
    assert set(vienna["fallback"]) >= {"objectives", "partners", "lessons_learned"}
    html = (out / "PM30" / "de" / "holistic_refurbishment.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="de">' in html
    assert "Ganzheitliche Sanierung" in html and "Sanierung Westkreuz" in html
    assert "Abgeschlossen" in html  # the status label in German
    assert '<span class="badge lang"' in html


def test_indexes_list_every_built_page(books) -> None:
    import json

    _, out = books
    index = json.loads((out / "index.json").read_text())
    assert [e["point"] for e in index["books"]] == list(POINTS)
    for entry in index["books"]:
        assert set(entry["langs"]) == {"en", "de"}
        assert (out / entry["challenges"]).is_file()
        for info in entry["langs"].values():
            assert (out / info["index"]).is_file() and (out / info["challenges"]).is_file()
            assert len(info["fields"]) == 6
            for field in info["fields"]:
                assert (out / field["href"]).is_file()
                assert field["pdf"] is None
    assert (out / "index.html").is_file()
