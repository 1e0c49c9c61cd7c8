"""What a book shows about each project: its history over the points and what changed.

Pure functions over the records of ``model.py``: the comparison of a project at a point with the
same project at the previous point is the "what changed since the previous point" of the books.
"""

from __future__ import annotations

import shapely

from gis.books.model import SECTIONS, Book, Change, ProjectAtPoint, ProjectPage, Reference


def same_footprint(a: bytes | None, b: bytes | None) -> bool:
    """True when both footprints are missing or cover the same shape (vertex order aside)."""
    if a is None or b is None:
        return a is b
    if a == b:
        return True
    return bool(shapely.from_wkb(a).equals(shapely.from_wkb(b)))


def changes(before: ProjectAtPoint | None, now: ProjectAtPoint, has_previous: bool) -> list[Change]:
    """The changes of ``now`` relative to ``before`` (the same project at the previous point)."""
    if before is None:
        return [Change("new")] if has_previous else []
    found = []
    if before.status != now.status:
        found.append(Change("status", (before.status, now.status)))
    texts = [s for s in SECTIONS if before.sections.get(s) != now.sections.get(s)]
    if before.title != now.title:
        texts.insert(0, "title")
    if texts:
        found.append(Change("text", tuple(texts)))
    if not same_footprint(before.footprint_wkb, now.footprint_wkb):
        found.append(Change("footprint"))
    old = {b.source_id for b in before.buildings}
    new = {b.source_id for b in now.buildings}
    if old != new:
        detail = [f"+{s}" for s in sorted(new - old)] + [f"-{s}" for s in sorted(old - new)]
        found.append(Change("buildings", tuple(detail)))
    raised = sorted(set(now.challenges) - set(before.challenges))
    if raised:
        found.append(Change("challenges", tuple(raised)))
    return found


def build_book(
    ref: Reference, by_point: dict[str, list[ProjectAtPoint]], point: str, field: str
) -> Book:
    """The book of ``field`` at ``point``; ``by_point`` must hold every point up to ``point``."""
    points = ref.points_until(point)
    previous = ref.previous(point)
    index = {p.code: {e.project_id: e for e in by_point.get(p.code, [])} for p in points}
    city_order = {code: c.sort_order for code, c in ref.cities.items()}
    now = sorted(
        (e for e in by_point.get(point, []) if e.field == field),
        key=lambda e: (city_order.get(e.city, 99), e.code),
    )
    pages = []
    for entry in now:
        history = tuple((p, index[p.code].get(entry.project_id)) for p in points)
        before = index[previous.code].get(entry.project_id) if previous else None
        pages.append(
            ProjectPage(entry, history, tuple(changes(before, entry, previous is not None)))
        )
    ended = ()
    if previous is not None:
        current = {e.project_id for e in now}
        ended = tuple(
            sorted(
                (
                    e
                    for e in index[previous.code].values()
                    if e.field == field and e.project_id not in current
                ),
                key=lambda e: (city_order.get(e.city, 99), e.code),
            )
        )
    return Book(ref.fields[field], ref.point(point), previous, tuple(pages), ended)
