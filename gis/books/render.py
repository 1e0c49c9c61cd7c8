"""HTML of the books from plain records, through the Jinja2 templates in ``templates/``.

Every value reaches the page through autoescape: report texts, titles and free tags come from
people and may hold ``<`` or ``&``. Only the inline SVG of ``svg.py`` (which escapes the text it
embeds) is marked safe. Pages link to each other with relative paths only
(``books/<point>/<lang>/<field>.html``), carry their stylesheet and SVG inline and contain no URL,
so they open from a file, a USB stick or the web server alike.

The functions here compute what the templates show but should not compute themselves (counts,
groupings, the SVG); the markup is in the templates.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from gis.books.challenges import Cell, ChallengeMatrix, merge_cells
from gis.books.i18n import LANGS, pick, word
from gis.books.model import SECTIONS, Book, Point, ProjectAtPoint, ProjectPage, Reference
from gis.books.svg import footprint_map, status_cells, text_colour

DASH = "\u2013"  # en dash, for empty cells and titles
LANG_NAMES = {"en": "English", "de": "Deutsch", "fr": "Français"}
TEMPLATES = Path(__file__).resolve().parent / "templates"


def percent(value: float) -> str:
    return f"{value:.0f} %"


def facts(entry: ProjectAtPoint, lang: str) -> list[str]:
    """Progress, report date and where the status comes from, as plain text for the head."""
    out = []
    if entry.progress is not None:
        out.append(f"{word('progress', lang)} {percent(entry.progress)}")
    if entry.reported_on is not None:
        out.append(f"{word('reported_on', lang)} {entry.reported_on.isoformat()}")
    if entry.status_source == "footprint":
        out.append(word("status_from_footprint", lang))
    return out


def status_svg(ref: Reference, page: ProjectPage, current: str, lang: str) -> Markup:
    """The coloured status cells of a project over the points, ``current`` framed."""
    cells: list[tuple[str, str | None, str | None, str]] = []
    for point, entry in page.history:
        if entry is None:
            cells.append((point.code, None, DASH, point.code))
            continue
        status = ref.statuses[entry.status]
        label = pick(status.label, lang).text
        progress = percent(entry.progress) if entry.progress is not None else ""
        cells.append((point.code, status.colour, progress, f"{point.code}: {label} {progress}"))
    return Markup(status_cells(cells, current=current))  # noqa: S704 - svg.py escapes its text


def footprint_svg(ref: Reference, entry: ProjectAtPoint, lang: str) -> Markup:
    """The map of the project's footprint over its buildings; empty when there is nothing."""
    svg = footprint_map(
        entry.footprint_wkb,
        [b.wkb for b in entry.buildings],
        colour=ref.statuses[entry.status].colour,
        title=f"{entry.code}: {word('footprint', lang)}",
    )
    return Markup(svg)  # noqa: S704 - svg.py escapes its text


def status_counts(book: Book) -> Counter[str]:
    """How many projects of the book have each status now."""
    return Counter(p.now.status for p in book.projects)


def projects_by_city(book: Book) -> dict[str, list[ProjectPage]]:
    """The book's projects per city, in the book's order (cities already sorted there)."""
    out: dict[str, list[ProjectPage]] = {}
    for page in book.projects:
        out.setdefault(page.now.city, []).append(page)
    return out


@dataclass(frozen=True)
class BookSummary:
    """The numbers at the top of a book."""

    cities: list[tuple[str, int]]
    statuses: list[tuple[str, int]]
    new: int
    changed: int
    unchanged: int


def book_summary(ref: Reference, book: Book) -> BookSummary:
    per_status = status_counts(book)
    new = sum(1 for p in book.projects if any(c.kind == "new" for c in p.changes))
    changed = sum(1 for p in book.projects if p.changes) - new
    return BookSummary(
        cities=list(Counter(p.now.city for p in book.projects).items()),
        statuses=[(s, per_status[s]) for s in ref.statuses if per_status[s]],
        new=new,
        changed=changed,
        unchanged=len(book.projects) - new - changed,
    )


def cell_projects(cells: list[Cell]) -> list[tuple[Cell, str]]:
    """Every project of ``cells`` with its cell (for links to the project in its book)."""
    return [(c, p) for c in cells for p in c.projects]


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        DASH=DASH,
        LANGS=LANGS,
        LANG_NAMES=LANG_NAMES,
        SECTIONS=SECTIONS,
        pick=pick,
        text_colour=text_colour,
        facts=facts,
        status_svg=status_svg,
        footprint_svg=footprint_svg,
        status_counts=status_counts,
        projects_by_city=projects_by_city,
        book_summary=book_summary,
        merge_cells=merge_cells,
        cell_projects=cell_projects,
    )
    return env


#: The one environment of the books: templates are compiled once and cached.
ENV = _environment()


def _context(lang: str) -> dict:
    """What every template reads: the language and ``w``, the interface's words in it."""
    return {"lang": lang, "w": partial(word, lang=lang)}


def _render(template: str, lang: str, **values: object) -> str:
    return ENV.get_template(template).render(**_context(lang), **values)


def t(text: dict | None, lang: str, *, block: bool = False) -> Markup:
    """A text for people in ``lang`` as the pages show it (the ``text`` macro, for tests)."""
    macros = ENV.get_template("macros.html.j2").make_module(_context(lang))
    return macros.text(text, block=block)


def render_book(ref: Reference, book: Book, lang: str, *, pdf: bool = False) -> str:
    """The Project Book of one thematic field at one point as one self-contained HTML page."""
    return _render("book.html.j2", lang, ref=ref, book=book, pdf=pdf)


def render_matrix(ref: Reference, matrix: ChallengeMatrix, lang: str) -> str:
    """The cross-topic analysis of one point: by city, by field, new ones, and who raises what."""
    return _render("matrix.html.j2", lang, ref=ref, matrix=matrix)


def render_point_index(
    ref: Reference, point: Point, lang: str, books: list[Book], *, pdf: bool = False
) -> str:
    """The entry page of one point in one language: a card per thematic field."""
    return _render("point_index.html.j2", lang, ref=ref, point=point, books=books, pdf=pdf)


def render_root_index(entries: list[dict]) -> str:
    """``books/index.html``: every built point and language (from the entries of ``index.json``)."""
    return _render("root_index.html.j2", "en", entries=entries)
