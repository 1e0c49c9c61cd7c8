"""The PDF copies of the Project Books read like a report (issue 17).

WeasyPrint lays the books out on A4; poppler's ``pdftotext -bbox-layout`` gives every word and
line of every page with its box, and the layout is checked from those boxes: no two words or lines
overlap, no page holds only a heading (or nothing), a project stays on one page where it fits
(pages <= projects + 2), lines are wider than a word, nothing runs off the page, and the PDF says
what the HTML says. ``pdftoppm`` writes two pages as PNG to ``tests/artifacts/`` to look at.
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import tinycss2

from etl.sample.districts import load_sample
from gis.books.build import build_books
from gis.books.pdf import break_inside, css_string, pdf_unavailable
from tests.books.fixture import load_fixture
from tests.browser import ARTIFACTS

XHTML = "{http://www.w3.org/1999/xhtml}"
#: Boxes may touch (glyph boxes are the font's ascent and descent): overlap beyond this, in pt.
TOLERANCE = 1.0
#: The running head and foot sit in the page margins, this close to the top and bottom edge.
RUNNING = 40.0
#: Nothing may come closer than this to the paper's edge (pt).
EDGE = 14.0
#: A page holds at least this many lines of body text (a heading alone is one or two).
MIN_LINES = 3
#: A heading is a line this much taller than the page's usual line.
HEADING = 1.25
#: Text is set in lines, not in columns a word wide: this share of the words of a book with
#: projects is in lines of at least LINE_WORDS words.
IN_LINES, LINE_WORDS = 0.4, 4


def poppler(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        pytest.fail(
            f"{tool} is not installed: run tools/setup.sh (as root) or apt-get install poppler-utils"
        )
    return found


@dataclass(frozen=True)
class Line:
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in pt, y down
    words: tuple[tuple[tuple[float, float, float, float], str], ...]

    @property
    def text(self) -> str:
        return " ".join(w for _, w in self.words)

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]


@dataclass(frozen=True)
class Page:
    number: int
    width: float
    height: float
    lines: tuple[Line, ...]

    def body(self) -> list[Line]:
        """The lines outside the running head and foot."""
        return [
            line
            for line in self.lines
            if line.box[1] > RUNNING and line.box[3] < self.height - RUNNING
        ]


def _box(element: ET.Element) -> tuple[float, float, float, float]:
    return tuple(float(element.get(k)) for k in ("xMin", "yMin", "xMax", "yMax"))  # type: ignore[return-value]


def read_pages(pdf: Path) -> list[Page]:
    """Every page of ``pdf`` with its lines and words, as poppler reads them."""
    xml = subprocess.run(
        [poppler("pdftotext"), "-bbox-layout", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    root = ET.fromstring(xml)  # noqa: S314 - poppler's output for a PDF built here
    pages = []
    for n, page in enumerate(root.iter(f"{XHTML}page"), start=1):
        lines = tuple(
            Line(_box(line), tuple((_box(w), w.text or "") for w in line.iter(f"{XHTML}word")))
            for line in page.iter(f"{XHTML}line")
        )
        pages.append(Page(n, float(page.get("width")), float(page.get("height")), lines))
    return pages


def overlaps(boxes: list[tuple[float, float, float, float]]) -> list[tuple[int, int]]:
    """Pairs of boxes that overlap by more than TOLERANCE in both directions."""
    if len(boxes) < 2:
        return []
    a = np.asarray(boxes)
    x0, y0, x1, y1 = (a[:, i] for i in range(4))
    wide = np.minimum.outer(x1, x1) - np.maximum.outer(x0, x0) > TOLERANCE
    high = np.minimum.outer(y1, y1) - np.maximum.outer(y0, y0) > TOLERANCE
    i, j = np.nonzero(np.triu(wide & high, k=1))
    return list(zip(i.tolist(), j.tolist(), strict=True))


class VisibleText(HTMLParser):
    """The words of an HTML book as a reader sees them: no style, SVG, navigation or screen-only."""

    SKIP = frozenset({"style", "title", "svg", "nav", "head"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []
        self.words: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"br", "meta", "link", "img", "input", "hr"}:
            return
        hidden = tag in self.SKIP or "screen" in (dict(attrs).get("class") or "").split()
        self.stack.append(hidden or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag: str) -> None:
        if tag not in {"br", "meta", "link", "img", "input", "hr"} and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.words.update(w.casefold() for w in re.findall(r"\w+", data))


def html_words(path: Path) -> set[str]:
    parser = VisibleText()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.words


@dataclass
class Layout:
    """What was found in one PDF book."""

    name: str
    pages: int
    projects: int
    overlapping_words: list[str]
    overlapping_lines: list[str]
    sparse_pages: list[str]
    off_page: list[str]
    in_lines: float  # the share of words in lines of LINE_WORDS words or more
    missing: list[str]

    def problems(self) -> list[str]:
        found = []
        if self.pages > self.projects + 2:
            found.append(f"{self.pages} pages for {self.projects} project(s)")
        for kind in ("overlapping_words", "overlapping_lines", "sparse_pages", "off_page"):
            items = getattr(self, kind)
            if items:
                found.append(f"{len(items)} {kind.replace('_', ' ')}: {items[:3]}")
        if self.projects and self.in_lines < IN_LINES:
            found.append(f"only {self.in_lines:.0%} of the words in lines of {LINE_WORDS} or more")
        if self.missing:
            found.append(f"not in the PDF: {sorted(self.missing)[:10]}")
        return [f"{self.name}: {p}" for p in found]


def check_layout(pdf: Path, projects: int) -> Layout:
    pages = read_pages(pdf)
    words, lines, sparse, off = [], [], [], []
    per_line = []
    pdf_words: set[str] = set()
    for page in pages:
        where = f"p{page.number}"
        boxes = [(box, text) for line in page.lines for box, text in line.words]
        words += [
            f"{where}: {boxes[i][1]!r}/{boxes[j][1]!r}" for i, j in overlaps([b for b, _ in boxes])
        ]
        lines += [
            f"{where}: {page.lines[i].text[:30]!r}/{page.lines[j].text[:30]!r}"
            for i, j in overlaps([line.box for line in page.lines])
        ]
        off += [
            f"{where}: {text!r}"
            for (x0, y0, x1, y1), text in boxes
            if x0 < EDGE or y0 < EDGE or x1 > page.width - EDGE or y1 > page.height - EDGE
        ]
        body = page.body()
        usual = statistics.median(line.height for line in body) if body else 0
        if len(body) < MIN_LINES:
            sparse.append(f"{where}: {' / '.join(line.text for line in body)!r}")
        elif (last := max(body, key=lambda line: line.box[3])).height > HEADING * usual:
            sparse.append(f"{where} ends with the heading {last.text!r}")
        per_line += [len(line.words) for line in body]
        for line in page.lines:
            pdf_words.update(w.casefold() for w in re.findall(r"\w+", line.text))
    missing = sorted(html_words(pdf.with_suffix(".html")) - pdf_words)
    return Layout(
        name=str(Path(*pdf.parts[-3:])),
        pages=len(pages),
        projects=projects,
        overlapping_words=words,
        overlapping_lines=lines,
        sparse_pages=sparse,
        off_page=off,
        in_lines=sum(n for n in per_line if n >= LINE_WORDS) / max(sum(per_line), 1),
        missing=missing,
    )


def check_books(out: Path) -> list[Layout]:
    """Every PDF book under ``out``, with its number of projects from the manifests."""
    found = []
    for manifest in sorted(out.glob("*/book.json")):
        point = json.loads(manifest.read_text(encoding="utf-8"))
        for info in point["langs"].values():
            for book in info["fields"]:
                assert book["pdf"], f"no PDF built for {book['href']}"
                found.append(check_layout(manifest.parent / book["pdf"], book["projects"]))
    assert found, f"no book under {out}"
    return found


def assert_reads_like_a_report(layouts: list[Layout]) -> None:
    for layout in layouts:
        print(
            f"{layout.name}: {layout.pages} page(s), {layout.projects} project(s), "
            f"{len(layout.overlapping_words)} overlapping word pair(s), "
            f"{len(layout.overlapping_lines)} overlapping line pair(s), "
            f"{len(layout.sparse_pages)} sparse page(s), {layout.in_lines:.0%} of the words in lines"
        )
    problems = [p for layout in layouts for p in layout.problems()]
    assert not problems, "\n".join(problems)


def screenshot(pdf: Path, page: int, target: Path) -> None:
    """Page ``page`` of ``pdf`` as PNG at ``target`` (look at it: it must read like a report)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            poppler("pdftoppm"),
            *("-png", "-r", "80", "-f", str(page), "-l", str(page), "-singlefile"),
            *(str(pdf), str(target.with_suffix(""))),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert target.stat().st_size > 10_000, f"{target} is (nearly) empty"


@pytest.fixture
def pdf_ready() -> None:
    assert pdf_unavailable() is None, pdf_unavailable()
    poppler("pdftotext")


#: A report longer than a page: it may break across pages, and starts where it is.
LONG = "\n".join(
    " ".join(f"Lesson {n}.{k}: what the long PM30 report of LYO-REF-1 learned." for k in range(9))
    for n in range(8)
)


def test_fixture_books_read_like_a_report(conn, pdf_ready, tmp_path: Path) -> None:
    load_fixture(conn)
    with conn, conn.cursor() as cur:  # a correction of the report: history is append-only
        cur.execute(
            "UPDATE kc.report r SET superseded_at = now() FROM kc.project p "
            "WHERE p.project_id = r.project_id AND p.code = 'LYO-REF-1' AND r.point_code = 'PM30' "
            "AND r.superseded_at IS NULL RETURNING r.report_id"
        )
        [(old,)] = cur.fetchall()
        cur.execute(
            "INSERT INTO kc.report (project_id, point_code, status, progress, objectives, "
            "partners, drivers, barriers, corrective_actions, risks, lessons_learned, reported_on, "
            "content_hash) SELECT project_id, point_code, status, progress, objectives, partners, "
            "drivers, barriers, corrective_actions, risks, %s, reported_on, content_hash "
            "FROM kc.report WHERE report_id = %s RETURNING report_id",
            (json.dumps({"en": LONG}), old),
        )
        [(new,)] = cur.fetchall()
        cur.execute(
            "INSERT INTO kc.report_challenge (report_id, challenge_code) "
            "SELECT %s, challenge_code FROM kc.report_challenge WHERE report_id = %s",
            (new, old),
        )
    out = tmp_path / "books"
    with conn:
        build_books(conn, out, points=["PM24", "PM30"], langs=["en", "de"])
    assert_reads_like_a_report(check_books(out))
    screenshot(
        out / "PM30" / "de" / "holistic_refurbishment.pdf",
        1,
        ARTIFACTS / "pdf-fixture-PM30-de-holistic_refurbishment-p1.png",
    )


def test_sample_books_read_like_a_report(conn, db_url: str, pdf_ready, tmp_path: Path) -> None:
    load_sample(db_url, tmp_path / "sample", count=150, echo=lambda _: None)
    out = tmp_path / "books"
    with conn:
        build_books(conn, out, points=["PM30"], langs=["en"])
    layouts = check_books(out)
    assert_reads_like_a_report(layouts)
    biggest = max(layouts, key=lambda layout: (layout.projects, layout.name))
    assert biggest.projects >= 3 and biggest.pages >= 2, biggest
    pdf = out / biggest.name
    for page in (1, 2):
        screenshot(pdf, page, ARTIFACTS / f"pdf-sample-PM30-en-{pdf.stem}-p{page}.png")


def test_projects_longer_than_a_page_are_named_in_css_strings() -> None:
    for name in ("p-LYO-REF-1", 'p-a"b\\c d', "p-Ümlaut\n1"):
        (token,) = tinycss2.parse_component_value_list(css_string(name))
        assert token.type == "string" and token.value == name
    rules = tinycss2.parse_stylesheet(break_inside(["p-A", 'p-"B"']))
    assert len(rules) == 1 and rules[0].type == "qualified-rule"
