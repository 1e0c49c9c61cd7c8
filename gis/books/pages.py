"""What a book shows about each project: its history over the points and what changed.

Pure functions over the records of ``model.py``. "What changed since the previous point" is
read from the change feeds (``report_changes`` for the report, ``project_changes`` for the
footprint, ``gis.store.history.project_changes_between``): the books show what a harvester of
the API sees, they do not compare the two points themselves.
"""

from __future__ import annotations

from collections.abc import Mapping

from gis.books.model import SECTIONS, Book, Change, ProjectAtPoint, ProjectPage, Reference
from gis.store.history import FeedChange

#: ``{project code: {feed: change}}`` for the interval since the previous point.
Feeds = Mapping[str, Mapping[str, FeedChange]]


def _changed(row: FeedChange | None, name: str) -> bool:
    return row is not None and row.change == "changed" and name in row.changed_properties


def _source_ids(buildings: tuple[str, ...]) -> set[str]:
    """``city/source id`` (the feed's) as source ids (what the book lists)."""
    return {b.split("/", 1)[-1] for b in buildings}


def changes(now: ProjectAtPoint, feeds: Mapping[str, FeedChange]) -> list[Change]:
    """The changes of ``now`` since the previous point, from its rows of the two feeds.

    New: every row it has in the feeds is new, and its footprint is one of them (or it has no
    footprint). A first report for a project whose footprint was there before: "reported".
    """
    report = feeds.get("report_changes")
    footprint = feeds.get("project_changes")
    begun = [row for row in (report, footprint) if row is not None]
    all_new = bool(begun) and all(row.change == "new" for row in begun)
    if all_new and (footprint is not None or now.version_id is None):
        return [Change("new")]
    first_report = report is not None and report.change == "new"
    footprint_new = footprint is not None and footprint.change == "new"
    found = [Change("reported")] if first_report else []
    status = report if now.status_source == "report" else footprint
    if _changed(status, "status"):
        found.append(Change("status", (status.previous_status, status.status)))
    texts = [s for s in SECTIONS if _changed(report, s)]
    if texts:
        found.append(Change("text", tuple(texts)))
    if (
        footprint_new
        or _changed(footprint, "geometry")
        or (footprint is not None and footprint.change == "ended")
    ):
        found.append(Change("footprint"))
    if _changed(footprint, "buildings"):
        old, new = _source_ids(footprint.previous_items), _source_ids(footprint.items)
        detail = [f"+{s}" for s in sorted(new - old)] + [f"-{s}" for s in sorted(old - new)]
        found.append(Change("buildings", tuple(detail)))
    if _changed(report, "challenges"):
        raised = sorted(set(report.items) - set(report.previous_items))
        if raised:
            found.append(Change("challenges", tuple(raised)))
    return found


def build_book(
    ref: Reference,
    by_point: dict[str, list[ProjectAtPoint]],
    point: str,
    field: str,
    feeds: Feeds | None = None,
) -> Book:
    """The book of ``field`` at ``point``; ``by_point`` must hold every point up to ``point``,
    ``feeds`` the changes since the previous point (``project_changes_between``)."""
    points = ref.points_until(point)
    previous = ref.previous(point)
    feeds = feeds or {}
    index = {p.code: {e.code: e for e in by_point.get(p.code, [])} for p in points}
    city_order = {code: c.sort_order for code, c in ref.cities.items()}
    now = sorted(
        (e for e in by_point.get(point, []) if e.field == field),
        key=lambda e: (city_order.get(e.city, 99), e.code),
    )
    pages = []
    for entry in now:
        history = tuple((p, index[p.code].get(entry.code)) for p in points)
        found = changes(entry, feeds.get(entry.code, {})) if previous else []
        pages.append(ProjectPage(entry, history, tuple(found)))
    ended = ()
    if previous is not None:
        current = {e.code for e in now}
        before = index[previous.code]
        ended = tuple(
            sorted(
                (
                    before[code]
                    for code, rows in feeds.items()
                    if code not in current
                    and code in before
                    and before[code].field == field
                    and rows.get("project_changes", None) is not None
                    and rows["project_changes"].change == "ended"
                ),
                key=lambda e: (city_order.get(e.city, 99), e.code),
            )
        )
    return Book(ref.fields[field], ref.point(point), previous, tuple(pages), ended)
