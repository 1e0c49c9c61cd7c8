"""HTML of the books from plain records: pure functions, every page self-contained.

Pages link to each other with relative paths only (``books/<point>/<lang>/<field>.html``), carry
their stylesheet and SVG inline and contain no URL, so they open from a file, a USB stick or the
web server alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from html import escape

from gis.books.challenges import Cell, ChallengeMatrix
from gis.books.i18n import LANGS, pick, word
from gis.books.model import (
    SECTIONS,
    Book,
    Change,
    Named,
    Point,
    ProjectAtPoint,
    ProjectPage,
    Reference,
)
from gis.books.style import CSS
from gis.books.svg import footprint_map, status_cells, text_colour

DASH = "\u2013"  # en dash, for empty cells and titles
LANG_NAMES = {"en": "English", "de": "Deutsch", "fr": "Français"}


def t(text: dict | None, lang: str, *, block: bool = False) -> str:
    """A text for people in ``lang``; English fallback marked with ``lang="en"`` and a badge."""
    found = pick(text, lang)
    if found is None:
        return ""
    body = "<br>".join(escape(line) for line in found.text.splitlines() if line.strip())
    tag = "p" if block else "span"
    if not found.fallback:
        return f"<{tag}>{body}</{tag}>" if block else body
    badge = f'<span class="badge lang" title="{escape(word("fallback", lang))}">EN</span>'
    return f'<{tag} lang="en" class="fb">{body}{badge}</{tag}>'


def page(title: str, lang: str, header: str, body: str) -> str:
    """A whole HTML document with the inline stylesheet."""
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f'{header}\n<main class="page">\n{body}\n'
        f"<footer>{escape(word('generated', lang))}</footer>\n</main>\n</body>\n</html>\n"
    )


def point_label(point: Point, lang: str) -> str:
    return f"{t(point.label, lang)} ({escape(point.code)}, {point.valid_at.isoformat()})"


def nav(ref: Reference, point: Point, lang: str, here: str) -> str:
    """Links to every book of the point, the matrix, the other languages and all points."""
    links = [
        f'<a href="../../index.html">{escape(word("all_books", lang))}</a>',
        '<span class="sep">|</span>',
    ]
    for code, field in ref.fields.items():
        cls = ' class="here"' if code == here else ""
        links.append(f'<a{cls} href="{code}.html">{t(field.name, lang)}</a>')
    cls = ' class="here"' if here == "challenges" else ""
    links.append(
        f'<span class="sep">|</span><a{cls} href="challenges.html">{escape(word("cross_topic", lang))}</a>'
    )
    links.append('<span class="sep">|</span>')
    for other in LANGS:
        if other != lang:
            target = f"../{other}/{here}.html"
            links.append(
                f'<a href="{target}" hreflang="{other}" lang="{other}">{LANG_NAMES[other]}</a>'
            )
    return f'<nav class="bar">{"".join(links)}</nav>'


def header(kicker: str, title: str, sub: str, navigation: str) -> str:
    return (
        f'<header class="top"><div class="inner"><div class="kicker">{kicker}</div>'
        f'<h1>{title}</h1><div class="sub">{sub}</div>{navigation}</div></header>'
    )


def legend(ref: Reference, lang: str) -> str:
    items = "".join(
        f'<span><span class="swatch" style="background:{s.colour}"></span>{t(s.label, lang)}</span>'
        for s in ref.statuses.values()
    )
    return f'<div class="legend"><b>{escape(word("legend", lang))}:</b>{items}</div>'


def status_pill(ref: Reference, status: str, lang: str) -> str:
    s = ref.statuses[status]
    return (
        f'<span class="pill" data-status="{escape(status)}" style="background:{s.colour};'
        f'color:{text_colour(s.colour)}">{t(s.label, lang)}</span>'
    )


def attribute_value(value: object, lang: str) -> str:
    if isinstance(value, dict) and "en" in value:
        return t(value, lang)
    if isinstance(value, list):
        return escape(", ".join(str(v) for v in value))
    return escape(str(value))


def description(entry: ProjectAtPoint, lang: str) -> str:
    rows = "".join(
        f"<dt>{escape(str(key).replace('_', ' '))}</dt><dd>{attribute_value(value, lang)}</dd>"
        for key, value in sorted(entry.attributes.items())
    )
    attrs = f'<dl class="attrs">{rows}</dl>' if rows else ""
    return f"<p>{t(entry.title, lang)}</p>{attrs}"


def challenge_tags(ref: Reference, codes: Iterable[str], lang: str) -> str:
    tags = "".join(
        f'<span class="tag" data-challenge="{escape(c)}">{t(ref.challenges[c].name, lang)}</span>'
        for c in codes
        if c in ref.challenges
    )
    return f'<div class="tags">{tags}</div>' if tags else ""


def sections(ref: Reference, entry: ProjectAtPoint, lang: str) -> str:
    """Aim, description, partners, drivers, barriers, corrective actions, risks, lessons."""
    out = []
    for name in SECTIONS:
        text = t(entry.sections.get(name), lang, block=True)
        if name == "risks":
            text += challenge_tags(ref, entry.challenges, lang)
        if not text:
            text = f'<p class="none">{DASH}</p>'
        out.append(
            f'<div class="sec" data-section="{name}"><h4>{escape(word(name, lang))}</h4>{text}</div>'
        )
        if name == "objectives":
            out.append(
                f'<div class="sec" data-section="description"><h4>{escape(word("description", lang))}'
                f"</h4>{description(entry, lang)}</div>"
            )
    if entry.report_id is None:
        out.insert(0, f'<p class="none">{escape(word("not_reported", lang))}</p>')
    return "".join(out)


def change_item(ref: Reference, change: Change, lang: str) -> str:
    label = escape(word(f"change_{change.kind}", lang))
    if change.kind == "status":
        old, new = (t(ref.statuses[s].label, lang) for s in change.detail)
        return f'<li data-change="status">{label}: {old} → {new}</li>'
    if change.kind == "text":
        names = ", ".join(escape(word(s, lang)) for s in change.detail)
        return f'<li data-change="text">{label}: {names}</li>'
    if change.kind == "challenges":
        names = ", ".join(
            t(ref.challenges[c].name, lang) for c in change.detail if c in ref.challenges
        )
        return f'<li data-change="challenges">{label}: {names}</li>'
    if change.kind == "buildings":
        return f'<li data-change="buildings">{label}: {escape(" ".join(change.detail))}</li>'
    return f'<li data-change="{escape(change.kind)}">{label}</li>'


def history(ref: Reference, page_: ProjectPage, lang: str, current: str) -> str:
    """The status cells over the points and the same as a line of text (screen readers, tests)."""
    cells, words = [], []
    for point, entry in page_.history:
        if entry is None:
            cells.append((point.code, None, DASH, point.code))
            words.append(
                f'<span data-point="{point.code}" data-status="">{point.code}: {DASH}</span>'
            )
            continue
        status = ref.statuses[entry.status]
        label = pick(status.label, lang).text
        progress = f"{entry.progress:.0f} %" if entry.progress is not None else ""
        cells.append((point.code, status.colour, progress, f"{point.code}: {label} {progress}"))
        words.append(
            f'<span data-point="{point.code}" data-status="{entry.status}">{point.code}: '
            f"{escape(label)}</span>"
        )
    svg = status_cells(cells, current=current)
    return f'{svg}<div class="hist">{" · ".join(words)}</div>'


def project_article(ref: Reference, book: Book, page_: ProjectPage, lang: str) -> str:
    e = page_.now
    status = ref.statuses[e.status]
    badges = []
    for change in page_.changes:
        cls = "new" if change.kind == "new" else "changed"
        badges.append(
            f'<span class="badge {cls}">{escape(word(f"change_{change.kind}", lang))}</span>'
        )
    meta = []
    if e.progress is not None:
        meta.append(f"{escape(word('progress', lang))} {e.progress:.0f} %")
    if e.reported_on is not None:
        meta.append(f"{escape(word('reported_on', lang))} {e.reported_on.isoformat()}")
    if e.status_source == "footprint":
        meta.append(escape(word("status_from_footprint", lang)))
    map_svg = footprint_map(
        e.footprint_wkb,
        [b.wkb for b in e.buildings],
        colour=status.colour,
        title=f"{e.code}: {word('footprint', lang)}",
    )
    if map_svg:
        caption = (
            f'<div class="caption">{len(e.buildings)} {escape(word("buildings", lang))} · '
            f"{escape(word('map_note', lang))}</div>"
        )
    else:
        caption = f'<div class="caption">{escape(word("no_footprint", lang))}</div>'
    if book.previous is None:
        changes = f"<p>{escape(word('first_point', lang))}</p>"
    elif page_.changes:
        items = "".join(change_item(ref, c, lang) for c in page_.changes)
        changes = f'<ul class="changes">{items}</ul>'
    else:
        changes = f"<p>{escape(word('no_changes', lang))} {escape(book.previous.code)}</p>"
    since = f" {escape(book.previous.code)}" if book.previous else ""
    return (
        f'<article class="project" id="p-{escape(e.code)}" data-project="{escape(e.code)}" '
        f'data-city="{escape(e.city)}" data-status="{escape(e.status)}" '
        f'style="--status:{status.colour}">'
        f'<div class="head"><span class="code">{escape(e.code)}</span><h3>{t(e.title, lang)}</h3>'
        f"{status_pill(ref, e.status, lang)}{''.join(badges)}"
        f'<span class="code">{" · ".join(meta)}</span></div>'
        f'<div class="main">{sections(ref, e, lang)}</div>'
        f'<div class="side"><h4>{escape(word("status_history", lang))}</h4>{history(ref, page_, lang, book.point.code)}'
        f"<h4>{escape(word('footprint', lang))}</h4>{map_svg}{caption}"
        f"<h4>{escape(word('changes', lang))}{since}</h4>{changes}</div>"
        f"</article>"
    )


def count(n: int, lang: str) -> str:
    """``n`` project(s), in ``lang``."""
    return f"{n} {escape(word('project' if n == 1 else 'projects', lang))}"


def book_summary(ref: Reference, book: Book, lang: str) -> str:
    per_city = Counter(p.now.city for p in book.projects)
    per_status = Counter(p.now.status for p in book.projects)
    cities = ", ".join(f"{t(ref.cities[c].name, lang)}: {n}" for c, n in per_city.items())
    statuses = ", ".join(
        f"{t(ref.statuses[s].label, lang)}: {per_status[s]}" for s in ref.statuses if per_status[s]
    )
    new = sum(1 for p in book.projects if any(c.kind == "new" for c in p.changes))
    changed = sum(1 for p in book.projects if p.changes) - new
    lines = [f"{count(len(book.projects), lang)} {DASH} {cities}", statuses]
    if book.previous is not None:
        lines.append(
            f"{escape(word('changes', lang))} {escape(book.previous.code)}: "
            f"{new} {escape(word('new_projects', lang))}, "
            f"{changed} {escape(word('changed_projects', lang))}, "
            f"{len(book.projects) - new - changed} {escape(word('unchanged_projects', lang))}"
        )
    return (
        '<div class="summary"><ul>' + "".join(f"<li>{x}</li>" for x in lines if x) + "</ul></div>"
    )


def render_book(ref: Reference, book: Book, lang: str, *, pdf: bool = False) -> str:
    """The Project Book of one thematic field at one point as one self-contained HTML page."""
    field_name = t(book.field.name, lang)
    kicker = f"{escape(word('project_book', lang))} · SMARTER TOGETHER"
    sub = point_label(book.point, lang)
    if pdf:
        sub += (
            f' · <a style="color:#fff" href="{book.field.code}.pdf">{escape(word("pdf", lang))}</a>'
        )
    head = header(kicker, field_name, sub, nav(ref, book.point, lang, book.field.code))
    body = [legend(ref, lang), book_summary(ref, book, lang)]
    if not book.projects:
        body.append(f"<p>{escape(word('no_projects', lang))}</p>")
    by_city: dict[str, list[ProjectPage]] = {}
    for p in book.projects:
        by_city.setdefault(p.now.city, []).append(p)
    for city, pages in by_city.items():
        body.append(
            f'<section class="city" data-city="{escape(city)}"><h2>{t(ref.cities[city].name, lang)} '
            f'<span class="count">· {count(len(pages), lang)}</span></h2>'
        )
        body.extend(project_article(ref, book, p, lang) for p in pages)
        body.append("</section>")
    if book.ended:
        items = "".join(
            f'<li data-project="{escape(e.code)}"><span class="code">{escape(e.code)}</span> '
            f"{t(e.title, lang)} ({t(ref.cities[e.city].name, lang)})</li>"
            for e in book.ended
        )
        body.append(f'<h2>{escape(word("ended", lang))}</h2><ul class="ended">{items}</ul>')
    title = (
        f"{word('project_book', lang)}: {pick(book.field.name, lang).text} {DASH} {book.point.code}"
    )
    return page(title, lang, head, "\n".join(body))


# The cross-topic analysis ----------------------------------------------------------------------


def matrix_cell(cells: list[Cell] | None, lang: str, mark_new: bool = False) -> str:
    """One cell: how many reports raise the challenge there, and their projects (linked)."""
    if not cells:
        return "<td></td>"
    first = ""
    if mark_new and all(c.new_in_city for c in cells):
        first = f' <span class="badge new" title="{escape(word("new_in_city", lang))}">+</span>'
    reports = sorted({i for c in cells for i in c.report_ids})
    projects = sorted({p for c in cells for p in c.projects})
    links = ", ".join(
        f'<a href="{escape(c.field)}.html#p-{escape(p)}">{escape(p)}</a>'
        for c in cells
        for p in c.projects
    )
    return (
        f'<td class="hit" data-reports="{" ".join(map(str, reports))}" '
        f'data-projects="{escape(" ".join(projects))}"><span class="k">{len(reports)}</span>{first}'
        f'<span class="projects">{links}</span></td>'
    )


def matrix_table(
    ref: Reference, matrix: ChallengeMatrix, lang: str, columns: dict[str, Named], by: str
) -> str:
    head = "".join(f"<th>{t(n.name, lang)}</th>" for n in columns.values())
    count_head = escape(word("n_cities" if by == "city" else "n_fields", lang))
    rows = []
    for r in matrix.rows:
        grouped = r.by_city() if by == "city" else r.by_field()
        new = f' <span class="badge new">{escape(word("new", lang))}</span>' if r.new else ""
        free = (
            "" if r.controlled else f' <span class="badge">{escape(word("free_tag", lang))}</span>'
        )
        cls = ' class="shared"' if r.shared else ""
        n = r.city_count if by == "city" else r.field_count
        rows.append(
            f'<tr{cls} data-challenge="{escape(r.code)}"><th>{t(r.label, lang)}{new}{free}</th>'
            + "".join(matrix_cell(grouped.get(code), lang, by == "city") for code in columns)
            + f'<td class="n">{n}</td></tr>'
        )
    return (
        f'<table class="matrix" data-by="{by}"><thead><tr><th>{escape(word("challenge", lang))}</th>'
        f"{head}<th>{count_head}</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def render_matrix(ref: Reference, matrix: ChallengeMatrix, lang: str) -> str:
    """The cross-topic analysis of one point: by city, by field, new ones, and who raises what."""
    point = matrix.point
    head = header(
        f"{escape(word('project_books', lang))} · SMARTER TOGETHER",
        escape(word("cross_topic", lang)),
        point_label(point, lang),
        nav(ref, point, lang, "challenges"),
    )
    key = (
        '<div class="key">'
        f'<span><span class="box" style="background:#fff4d6"></span>{escape(word("shared", lang))}</span>'
        f'<span><span class="box" style="background:#e3f0fb"></span>'
        f"{escape(word('cell_key', lang))}</span>"
        f'<span><span class="badge new">+</span> {escape(word("new_in_city", lang))}</span>'
        f'<span><span class="badge new">{escape(word("new", lang))}</span> '
        f"{escape(word('new_challenges', lang))} {escape(matrix.previous or DASH)}</span></div>"
    )
    body = [key]
    if not matrix.rows:
        body.append(f"<p>{escape(word('no_challenges', lang))}</p>")
    else:
        cities = {c: ref.cities[c] for c in matrix.cities}
        body.append(f"<h2>{escape(word('by_city', lang))}</h2>")
        body.append(matrix_table(ref, matrix, lang, cities, "city"))
        body.append(f"<h2>{escape(word('by_field', lang))}</h2>")
        body.append(matrix_table(ref, matrix, lang, dict(ref.fields), "field"))
    since = escape(matrix.previous or DASH)
    body.append(f"<h2>{escape(word('new_challenges', lang))} {since}</h2>")
    if matrix.new_challenges:
        items = "".join(
            f'<li data-challenge="{escape(r.code)}">{t(r.label, lang)} — '
            + ", ".join(t(ref.cities[c].name, lang) for c in r.by_city())
            + "</li>"
            for r in matrix.new_challenges
        )
        body.append(f'<ul class="new-challenges">{items}</ul>')
    else:
        body.append(f'<p class="new-challenges">{escape(word("none", lang))}</p>')
    if matrix.rows:
        body.append(f'<h2>{escape(word("raised_by", lang))}</h2><ul class="raised">')
        for r in matrix.rows:
            refs = "; ".join(
                f'<a href="{escape(c.field)}.html#p-{escape(p)}">{escape(p)}</a> '
                f"({t(ref.cities[c.city].name, lang)}, {t(ref.fields[c.field].name, lang)}, "
                f"{escape(word('report', lang))} {', '.join(f'#{i}' for i in c.report_ids)})"
                for c in r.cells
                for p in c.projects
            )
            body.append(f"<li><b>{t(r.label, lang)}</b>: {refs}</li>")
        body.append("</ul>")
    title = f"{word('cross_topic', lang)} {DASH} {point.code}"
    return page(title, lang, head, "\n".join(body))


# Index pages -----------------------------------------------------------------------------------


def render_point_index(
    ref: Reference, point: Point, lang: str, books: list[Book], *, pdf: bool = False
) -> str:
    """The entry page of one point in one language: a card per thematic field."""
    head = header(
        f"{escape(word('project_books', lang))} · SMARTER TOGETHER",
        escape(word("project_books", lang)),
        point_label(point, lang),
        nav(ref, point, lang, "index"),
    )
    cards = []
    for book in books:
        counts = Counter(p.now.status for p in book.projects)
        swatches = " ".join(
            f'<span title="{escape(pick(ref.statuses[s].label, lang).text)}">'
            f'<span class="swatch" style="background:{ref.statuses[s].colour}"></span>{counts[s]}</span>'
            for s in ref.statuses
            if counts[s]
        )
        pdf_link = f' · <a href="{book.field.code}.pdf">PDF</a>' if pdf else ""
        cards.append(
            f'<div class="card"><h3><a href="{book.field.code}.html">{t(book.field.name, lang)}</a>'
            f"</h3><div>{count(len(book.projects), lang)}{pdf_link}</div>"
            f"<div>{swatches}</div></div>"
        )
    cards.append(
        f'<div class="card"><h3><a href="challenges.html">{escape(word("cross_topic", lang))}</a></h3>'
        f'<div><a href="../challenges.json">challenges.json</a></div></div>'
    )
    body = f'{legend(ref, lang)}<h2>{escape(word("contents", lang))}</h2><div class="cards">{"".join(cards)}</div>'
    return page(f"{word('project_books', lang)} {DASH} {point.code}", lang, head, body)


def render_root_index(entries: list[dict]) -> str:
    """``books/index.html``: every built point and language (from the entries of ``index.json``)."""
    rows = []
    for e in entries:
        langs = " · ".join(
            f'<a href="{escape(href)}" hreflang="{lang}">{LANG_NAMES.get(lang, lang)}</a>'
            for lang, href in sorted(e["index"].items(), key=lambda kv: LANGS.index(kv[0]))
        )
        label = escape(e["label"].get("en", e["point"]))
        rows.append(
            f'<div class="card"><h3>{label}</h3><div class="code">{escape(e["point"])} · '
            f"{escape(e['valid_at'])}</div><div>{langs}</div>"
            f'<div><a href="{escape(e["challenges"])}">challenges.json</a></div></div>'
        )
    head = header(
        "SMARTER TOGETHER · Knowledge Carrier",
        escape(word("project_books", "en")),
        "Project Books and cross-topic analysis per measurement point",
        "",
    )
    body = f'<div class="cards">{"".join(rows)}</div>' if rows else "<p>No book built yet.</p>"
    return page("Project Books", "en", head, body)
