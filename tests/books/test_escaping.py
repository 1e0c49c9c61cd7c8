"""Texts from reports and data files are shown as text: markup in them never becomes markup.

Titles, report sections, free challenge tags, names and codes come from people and files; the
templates autoescape them. Pure records, no database: every page type is rendered here.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
import shapely

from gis.books.challenges import build_matrix
from gis.books.model import SECTIONS, Building, Named, Point, ProjectAtPoint, Reference, Status
from gis.books.pages import build_book
from gis.books.render import render_book, render_matrix, render_point_index, render_root_index
from gis.store.history import FeedChange

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
#: Closes the attribute it lands in and opens an event handler, if it is not escaped.
QUOTE = '" onclick="alert(2)'
# Codes come from data files and vocabularies too, and land in ids, links and data attributes.
CODE = f"LYO-1{QUOTE}"
FIELD = f"e_mobility{QUOTE}"
FIRST = f"PM18{QUOTE}"


class Page(HTMLParser):
    """The tags, attribute names and text of a page, and the text inside each tag kind."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: set[str] = set()
        self.hrefs: list[str] = []
        self.stack: list[str] = []
        self.text_in: dict[str, str] = {}
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.update(name for name, _ in attrs)
        self.hrefs += [value for name, value in attrs if name == "href" and value]
        if tag not in ("br", "meta", "rect", "path", "circle"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            del self.stack[len(self.stack) - 1 - self.stack[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        for tag in {*self.stack, "*"}:
            self.text_in[tag] = self.text_in.get(tag, "") + data


def square(size: float) -> bytes:
    return shapely.to_wkb(shapely.box(4.82, 45.73, 4.82 + size * 1e-4, 45.73 + size * 1e-4))


REF = Reference(
    points=(
        Point(FIRST, dt.date(2017, 7, 31), {"en": "Month 18"}),
        Point("PM24", dt.date(2018, 1, 31), {"en": f"Month 24 {SCRIPT}"}),
    ),
    statuses={
        "planned": Status("planned", {"en": "Planned"}, "#9e9e9e", 1),
        "delayed": Status("delayed", {"en": f"Delayed {SCRIPT}"}, "#e53935", 2),
    },
    cities={"lyon": Named("lyon", {"en": f"Lyon {SCRIPT}"})},
    fields={FIELD: Named(FIELD, {"en": f"E-mobility {SCRIPT}"})},
    challenges={"free": Named("free", {"en": f"Free tag {SCRIPT}"}, 0, False)},
)


def entry(point: str, status: str, partners: str, buildings: tuple[str, ...]) -> ProjectAtPoint:
    return ProjectAtPoint(
        project_id=1,
        code=CODE,
        city="lyon",
        field=FIELD,
        title={"en": f"Charging {SCRIPT}"},
        status=status,
        status_source="report",
        progress=50.0,
        version_id=1,
        footprint_wkb=square(2),
        attributes={"note": SCRIPT, "names": [SCRIPT, "b"], "flats": {"en": SCRIPT}},
        buildings=tuple(Building(i, s, square(1)) for i, s in enumerate(buildings)),
        report_id=1,
        sections={s: {"en": partners if s == "partners" else f"{s} {SCRIPT}"} for s in SECTIONS},
        reported_on=dt.date(2018, 1, 15),
        challenges=("free",) if point == "PM24" else (),
    )


BY_POINT = {
    FIRST: [entry(FIRST, "planned", "City of Lyon", ("B1",))],
    "PM24": [entry("PM24", "delayed", f"Partners {SCRIPT}", ("B1", f"B2{SCRIPT}"))],
}
# The project's rows of the change feeds for (FIRST, PM24], as gis.store.history reads them.
FEEDS = {
    CODE: {
        "report_changes": FeedChange(
            "report_changes", CODE, "changed", ("status", "partners", "challenges"), False,
            "delayed", "planned", ("free",), (),
        ),
        "project_changes": FeedChange(
            "project_changes", CODE, "changed", ("buildings",), False, "delayed", "planned",
            ("lyon/B1", f"lyon/B2{SCRIPT}"), ("lyon/B1",),
        ),
    }
}  # fmt: skip
# One row of kc.challenge_matrix: the free tag, raised by the project at PM24.
MATRIX_ROW = (
    "free",
    {"en": f"Free tag {SCRIPT}"},
    False,
    "lyon",
    FIELD,
    [1],
    [CODE],
    1,
    1,
    False,
    True,
    True,
    FIRST,
)
ENTRIES = [
    {
        "point": "PM24",
        "label": {"en": f"Month 24 {SCRIPT}"},
        "valid_at": "2018-01-31",
        "challenges": "PM24/challenges.json",
        "index": {"en": "PM24/en/index.html"},
    }
]


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    book = build_book(REF, BY_POINT, "PM24", FIELD, FEEDS)
    assert book.projects and book.projects[0].changes  # what the book shows below
    return {
        "book": render_book(REF, book, "en", pdf=True),
        "matrix": render_matrix(REF, build_matrix(REF, "PM24", [MATRIX_ROW]), "en"),
        "point_index": render_point_index(REF, REF.point("PM24"), "en", [book], pdf=True),
        "root_index": render_root_index(ENTRIES),
    }


@pytest.mark.parametrize("name", ["book", "matrix", "point_index", "root_index"])
def test_markup_in_texts_is_shown_as_text(pages: dict[str, str], name: str) -> None:
    html = pages[name]
    page = Page(html)
    assert "script" not in page.tags
    assert "<script" not in html.lower()
    assert ESCAPED in html
    assert SCRIPT in page.text_in["*"]  # readable on the page, as the characters typed
    assert "onclick" not in page.attributes


def test_every_text_of_a_project_is_escaped_in_its_book(pages: dict[str, str]) -> None:
    page = Page(pages["book"])
    for tag in ("title", "h1", "h2", "h3", "dd", "li", "p", "span"):
        assert SCRIPT in page.text_in[tag], tag
    text = page.text_in["*"]
    for shown in (
        f"Charging {SCRIPT}",  # title
        f"Partners {SCRIPT}",  # a report section
        f"Free tag {SCRIPT}",  # a free challenge tag
        f"B2{SCRIPT}",  # a building's source id in the changes
        f"Delayed {SCRIPT}",  # a status label
        CODE,  # the project's code, also in attributes (id, data-project)
    ):
        assert shown in text, shown
    assert pages["book"].count(ESCAPED) == text.count(SCRIPT)  # no occurrence left raw


def test_hostile_codes_stay_inside_their_attributes(pages: dict[str, str]) -> None:
    book, matrix, index = (Page(pages[n]) for n in ("book", "matrix", "point_index"))
    assert f"{FIELD}.html#p-{CODE}" in matrix.hrefs
    assert {f"{FIELD}.html", f"{FIELD}.pdf"} <= set(book.hrefs) & set(index.hrefs)
    assert f"Free tag {SCRIPT}" in matrix.text_in["th"]
