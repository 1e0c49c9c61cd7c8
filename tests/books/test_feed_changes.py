"""The books' "changes since the previous point" on the demo data: what the change feeds say,
and what an independent SQL comparison of the two points finds.

The demo sample (``etl/sample``) reports every project at every point, so the feeds' previous
report is the previous point's: the book, the feeds and the plain comparison of the reports and
footprints of PM18 and PM24 must name the same changes for every project of every book.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from etl.sample.districts import load_sample
from gis.books.build import build_books
from gis.books.pdf import pdf_unavailable, write_pdf
from gis.store.report_sections import REPORT_SECTIONS
from tests.books.test_pdf_layout import screenshot
from tests.browser import ARTIFACTS
from tests.databases import query

PM18, PM24 = "2017-07-31", "2018-01-31"


class ChangesParser(HTMLParser):
    """The changes list of each project article: ``{project: {kind: text of the item}}``."""

    def __init__(self) -> None:
        super().__init__()
        self.projects: dict[str, dict[str, str]] = {}
        self.current: str | None = None
        self.item: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "article" and "project" in (a.get("class") or ""):
            self.current = a["data-project"]
            self.projects[self.current] = {}
        elif tag == "li" and self.current and "data-change" in a:
            self.item = a["data-change"]
            self.projects[self.current][self.item] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "li":
            self.item = None

    def handle_data(self, data: str) -> None:
        if self.current and self.item:
            self.projects[self.current][self.item] += data


#: The independent comparison: each project's reports at PM18 and PM24 and its footprints (the
#: states of the two dates), from the base tables.
STATE_DIFF = """
WITH r AS (
    SELECT p.code, r.point_code, r.status, r.report_id,
           jsonb_build_object('objectives', r.objectives, 'partners', r.partners,
                              'drivers', r.drivers, 'barriers', r.barriers,
                              'corrective_actions', r.corrective_actions, 'risks', r.risks,
                              'lessons_learned', r.lessons_learned) AS texts,
           ARRAY(SELECT c.challenge_code FROM kc.report_challenge c
                  WHERE c.report_id = r.report_id) AS challenges
      FROM kc.report r JOIN kc.project p USING (project_id)
     WHERE r.superseded_at IS NULL AND r.point_code IN ('PM18', 'PM24')
), f AS (
    SELECT p.code, s.at, s.footprint,
           ARRAY(SELECT b.source_id FROM kc.building b WHERE b.building_id = ANY (s.building_ids))
               AS buildings
      FROM (SELECT %(a)s::date AS at UNION ALL SELECT %(b)s::date) d,
           LATERAL (SELECT d.at, * FROM kc.project_state(d.at)) s
      JOIN kc.project p USING (project_id)
)
SELECT n.code, o.status, n.status, o.texts, n.texts, o.challenges, n.challenges,
       fo.footprint IS NOT NULL AND NOT ST_Equals(fo.footprint, fn.footprint), fo.buildings,
       fn.buildings
  FROM r n
  JOIN r o ON o.code = n.code AND o.point_code = 'PM18'
  LEFT JOIN f fo ON fo.code = n.code AND fo.at = %(a)s
  LEFT JOIN f fn ON fn.code = n.code AND fn.at = %(b)s
 WHERE n.point_code = 'PM24'
"""


def expected_from_states(url: str) -> dict[str, set[str]]:
    """The kinds of change each project shows, found by comparing PM18 with PM24."""
    found = {}
    for row in query(url, STATE_DIFF, {"a": PM18, "b": PM24}):
        code, s18, s24, t18, t24, c18, c24, moved, b18, b24 = row
        kinds = set()
        if s18 != s24:
            kinds.add("status")
        if any(t18.get(s) != t24.get(s) for s in REPORT_SECTIONS):
            kinds.add("text")
        if moved:
            kinds.add("footprint")
        if sorted(b18 or ()) != sorted(b24 or ()):
            kinds.add("buildings")
        if set(c24) - set(c18):
            kinds.add("challenges")
        found[code] = kinds
    return found


def expected_from_feeds(url: str) -> dict[str, set[str]]:
    """The kinds of change each project shows, read off the two feeds for (PM18, PM24]."""
    found: dict[str, set[str]] = {}
    rows = query(
        url,
        "SELECT f.feature_id, f.change, f.changed_properties, f.challenges, o.challenges "
        "FROM kc.report_changes('2017-08-01', %s) f LEFT JOIN kc.api_reports o "
        "ON o.id = f.previous_version_id",
        (PM24,),
    )
    for code, change, names, raised_now, raised_before in rows:
        assert change == "changed", code  # every project reported at PM18 too
        kinds = found.setdefault(code, set())
        kinds |= {"status"} & set(names)
        if set(REPORT_SECTIONS) & set(names):
            kinds.add("text")
        if set(raised_now) - set(raised_before):
            kinds.add("challenges")
    for code, change, names in query(
        url,
        "SELECT feature_id, change, changed_properties FROM kc.project_changes('2017-08-01', %s)",
        (PM24,),
    ):
        assert change == "changed", code
        kinds = found.setdefault(code, set())
        if "geometry" in names:
            kinds.add("footprint")
        if "buildings" in names:
            kinds.add("buildings")
    return found


@pytest.fixture(scope="module")
def sample(server_url: str, template_db: str, tmp_path_factory) -> tuple[str, Path]:
    from gis.store.db import connect
    from tests.databases import fresh_database

    folder = tmp_path_factory.mktemp("feed_books")
    for url in fresh_database(server_url, template_db):
        load_sample(url, folder / "sample", count=150, echo=lambda _: None)
        conn = connect(url)
        try:
            with conn:
                build_books(
                    conn, folder / "books", points=["PM18", "PM24"], langs=["en"], pdf=False
                )
        finally:
            conn.close()
        yield url, folder / "books"


def shown(books: Path) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for page in sorted((books / "PM24" / "en").glob("*.html")):
        parser = ChangesParser()
        parser.feed(page.read_text(encoding="utf-8"))
        found |= parser.projects
    return found


def test_the_books_changes_are_the_feeds_and_the_state_diff(sample) -> None:
    url, books = sample
    book = shown(books)
    from_feeds = expected_from_feeds(url)
    from_states = expected_from_states(url)
    assert set(book) == set(from_states) and len(book) >= 12
    changed = 0
    for code, items in book.items():
        kinds = set(items)
        assert kinds == from_feeds.get(code, set()), code
        assert kinds == from_states[code], code
        changed += bool(kinds)
    assert changed >= 6  # the sample changes status, texts and footprints between the points
    kinds = {k for items in book.values() for k in items}
    assert {"status", "text", "footprint", "challenges"} <= kinds, kinds


def test_status_changes_name_both_statuses(sample) -> None:
    url, books = sample
    labels = dict(query(url, "SELECT code, label->>'en' FROM kc.implementation_status"))
    statuses = {
        code: (before, after)
        for code, before, after in query(
            url,
            "SELECT f.feature_id, o.status, f.status FROM kc.report_changes('2017-08-01', %s) f "
            "JOIN kc.report o ON o.report_id = f.previous_version_id "
            "WHERE 'status' = ANY (f.changed_properties)",
            (PM24,),
        )
    }
    book = shown(books)
    assert statuses
    for code, (before, after) in statuses.items():
        assert f"{labels[before]} → {labels[after]}" in book[code]["status"], code


def test_at_the_first_loaded_point_every_project_is_new(sample) -> None:
    """PM18 has a point before it with nothing loaded: every feed row is new, so is every
    project in the books, and nothing else is said of it."""
    url, books = sample
    [(kinds,)] = query(
        url,
        "SELECT array_agg(DISTINCT change) FROM (SELECT change FROM kc.report_changes(NULL, %s) "
        "UNION ALL SELECT change FROM kc.project_changes(NULL, %s)) c",
        (PM18, PM18),
    )
    assert kinds == ["new"]
    projects = {}
    for page in (books / "PM18" / "en").glob("*.html"):
        parser = ChangesParser()
        parser.feed(page.read_text(encoding="utf-8"))
        projects |= parser.projects
    assert len(projects) >= 12
    assert all(list(items) == ["new"] for items in projects.values()), projects


def test_a_book_page_with_changes_as_pdf(sample, tmp_path) -> None:
    """The PDF page of a project with changes, as PNG in tests/artifacts/ (look at it)."""
    assert pdf_unavailable() is None, pdf_unavailable()
    _, books = sample
    page = books / "PM24" / "en" / "holistic_refurbishment.html"
    html = page.read_text(encoding="utf-8")
    assert 'data-change="status"' in html or 'data-change="text"' in html
    pdf = tmp_path / "holistic_refurbishment.pdf"
    write_pdf(html, pdf)
    screenshot(pdf, 2, ARTIFACTS / "pdf-feed-changes-PM24-en-holistic_refurbishment-p2.png")
