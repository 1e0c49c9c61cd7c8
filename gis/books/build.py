"""Build the Project Books and the cross-topic analysis into ``KC_HOME/books`` (or any folder).

Layout, relative to the books folder (what the web server mounts under ``/books/``)::

    index.json, index.html              every built point and language
    <point>/book.json                   what was built for the point (manifest)
    <point>/challenges.json             the cross-topic matrix of the point (language-independent)
    <point>/<lang>/index.html           the point's entry page
    <point>/<lang>/<field>.html (.pdf)  one Project Book per thematic field
    <point>/<lang>/challenges.html      the cross-topic analysis

Files are written to a temporary name and renamed, so a reader never sees half a page.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2.extensions

from gis.books.challenges import build_matrix, matrix_document
from gis.books.data import (
    BooksError,
    load_feeds,
    load_matrix_rows,
    load_projects,
    load_reference,
)
from gis.books.i18n import LANGS
from gis.books.pages import build_book
from gis.books.pdf import pdf_unavailable, write_pdf
from gis.books.render import render_book, render_matrix, render_point_index, render_root_index
from gis.store.errors import UnknownReference
from gis.store.files import write_atomic, write_json_atomic
from gis.store.vocabulary import require_points

INDEX = "index.json"
MANIFEST = "book.json"


@dataclass
class BuildReport:
    """What one build wrote."""

    out: Path
    points: list[str] = field(default_factory=list)
    langs: list[str] = field(default_factory=list)
    html: int = 0  # HTML pages built, written or found up to date
    pdf: int = 0  # PDF files written
    html_unchanged: int = 0  # HTML pages that already held what was built: not written again
    pdf_unchanged: int = 0  # PDF files of those pages: not rendered again
    pdf_skipped: str | None = None

    def summary(self) -> str:
        """What was written and what was up to date, for people: "Built 8 HTML page(s), 6 PDF(s)"."""
        with_pdf = self.pdf_skipped is None
        written = self.html - self.html_unchanged
        built = [f"{written} HTML page(s)"] + ([f"{self.pdf} PDF(s)"] if with_pdf else [])
        kept = [f"{self.html_unchanged} HTML page(s)"] if self.html_unchanged else []
        if with_pdf and self.pdf_unchanged:
            kept.append(f"{self.pdf_unchanged} PDF(s)")
        if kept and not written and not self.pdf:
            return f"Nothing to rebuild: {' and '.join(kept)} up to date"
        text = f"Built {', '.join(built)}"
        return f"{text}; {' and '.join(kept)} unchanged" if kept else text


def write_text(path: Path, text: str) -> bool:
    """Write ``text`` atomically; False, writing nothing, when the file already holds it.

    A rebuild of unchanged data touches no file and renders no PDF again.
    """
    return write_atomic(path, text, skip_unchanged=True)


def write_json(path: Path, data: object) -> None:
    write_json_atomic(path, data, skip_unchanged=True)


def _pdf(html: str, target: Path) -> None:
    write_atomic(target, lambda tmp: write_pdf(html, tmp))


@dataclass(frozen=True)
class PdfJob:
    """A PDF copy left for later (``build_books(pdf_jobs=...)``): ``write()`` renders it."""

    html: str
    target: Path

    def write(self) -> None:
        _pdf(self.html, self.target)


def points_with_content(conn: psycopg2.extensions.connection) -> list[str]:
    """The measurement points at which any project has a footprint version or a report."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT m.code FROM kc.measurement_point m "
            "WHERE EXISTS (SELECT 1 FROM kc.project_at_point(m.code)) ORDER BY m.valid_at"
        )
        return [code for (code,) in cur.fetchall()]


def check_langs(langs: Sequence[str]) -> list[str]:
    unknown = [lang for lang in langs if lang not in LANGS]
    if unknown:
        raise BooksError(
            f"unknown language {', '.join(unknown)}: expected one of {', '.join(LANGS)}"
        )
    return list(dict.fromkeys(langs))


def check_points(conn: psycopg2.extensions.connection, points: Sequence[str]) -> None:
    """A BooksError naming every unknown point in ``points`` and the known ones."""
    with conn.cursor() as cur:
        try:
            require_points(cur, points)
        except UnknownReference as err:
            expected = ", ".join(err.expected)
            raise BooksError(f"unknown {err.kind} {err.found}: expected one of {expected}") from err


def build_books(
    conn: psycopg2.extensions.connection,
    out: Path,
    *,
    points: Sequence[str] | None = None,
    langs: Sequence[str] = LANGS,
    pdf: bool = True,
    progress: Callable[[str], None] | None = None,
    pdf_jobs: list[PdfJob] | None = None,
) -> BuildReport:
    """Build the books of ``points`` (default: every point with projects) in ``langs`` into ``out``.

    With ``pdf_jobs`` (a list), the PDFs to render are appended to it instead of rendered (an
    out-of-date PDF is removed, so an unfinished job is redone by the next build); the caller
    renders them later, e.g. while the server already runs.
    """
    langs = check_langs(langs)
    ref = load_reference(conn)
    order = [p.code for p in ref.points]
    wanted = list(points) if points is not None else points_with_content(conn)
    check_points(conn, wanted)
    wanted.sort(key=order.index)
    report = BuildReport(out=out, points=wanted, langs=langs)
    if pdf:
        report.pdf_skipped = pdf_unavailable()
    else:
        report.pdf_skipped = "PDF not asked for (--no-pdf)"
    with_pdf = pdf and report.pdf_skipped is None
    if wanted:
        needed = [p.code for p in ref.points_until(wanted[-1])]
        by_point = load_projects(conn, needed)
    built_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    for point in wanted:
        matrix = build_matrix(ref, point, load_matrix_rows(conn, point))
        write_json(out / point / "challenges.json", matrix_document(matrix))
        manifest = _read_manifest(out / point / MANIFEST)
        feeds = load_feeds(conn, ref, point)
        books = [build_book(ref, by_point, point, f, feeds) for f in ref.fields]
        for lang in langs:
            folder = out / point / lang
            entries = []
            for book in books:
                html = render_book(ref, book, lang, pdf=with_pdf)
                changed = write_text(folder / f"{book.field.code}.html", html)
                report.html += 1
                report.html_unchanged += not changed
                pdf_path = folder / f"{book.field.code}.pdf"
                if with_pdf and (changed or not pdf_path.exists()):
                    if pdf_jobs is None:
                        _pdf(html, pdf_path)
                    else:
                        pdf_path.unlink(missing_ok=True)
                        pdf_jobs.append(PdfJob(html, pdf_path))
                    report.pdf += 1
                elif with_pdf:
                    report.pdf_unchanged += 1
                entries.append(
                    {
                        "code": book.field.code,
                        "name": book.field.name,
                        "href": f"{lang}/{book.field.code}.html",
                        "pdf": f"{lang}/{book.field.code}.pdf" if with_pdf else None,
                        "projects": len(book.projects),
                    }
                )
                if progress:
                    progress(f"{point}/{lang}/{book.field.code}")
            for name, page in (
                ("challenges.html", render_matrix(ref, matrix, lang)),
                (
                    "index.html",
                    render_point_index(ref, ref.point(point), lang, books, pdf=with_pdf),
                ),
            ):
                report.html += 1
                report.html_unchanged += not write_text(folder / name, page)
            manifest["langs"][lang] = {
                "built_at": built_at,
                "index": f"{lang}/index.html",
                "challenges": f"{lang}/challenges.html",
                "fields": entries,
            }
        p = ref.point(point)
        manifest.update(
            point=point,
            label=p.label,
            valid_at=p.valid_at.isoformat(),
            challenges="challenges.json",
        )
        write_json(out / point / MANIFEST, manifest)
    write_index(out, order)
    return report


def _read_manifest(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"langs": {}}
    return data if isinstance(data, dict) and isinstance(data.get("langs"), dict) else {"langs": {}}


def write_index(out: Path, order: Sequence[str]) -> dict:
    """``index.json`` and ``index.html`` from every point's manifest, hrefs relative to ``out``."""
    entries = []
    for manifest_path in sorted(out.glob(f"*/{MANIFEST}")):
        m = _read_manifest(manifest_path)
        point = m.get("point")
        if point != manifest_path.parent.name:
            continue
        langs = {
            lang: {
                "built_at": info["built_at"],
                "index": f"{point}/{info['index']}",
                "challenges": f"{point}/{info['challenges']}",
                "fields": [
                    {
                        **f,
                        "href": f"{point}/{f['href']}",
                        "pdf": f"{point}/{f['pdf']}" if f.get("pdf") else None,
                    }
                    for f in info["fields"]
                ],
            }
            for lang, info in m["langs"].items()
        }
        entries.append(
            {
                "point": point,
                "label": m["label"],
                "valid_at": m["valid_at"],
                "challenges": f"{point}/{m['challenges']}",
                "index": {lang: info["index"] for lang, info in langs.items()},
                "langs": langs,
            }
        )
    rank = {code: n for n, code in enumerate(order)}
    entries.sort(key=lambda e: (rank.get(e["point"], len(rank)), e["valid_at"]))
    index = {"books": entries}
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / INDEX, index)
    write_text(out / "index.html", render_root_index(entries))
    return index
