"""The pure parts of the books: language fallback, change detection, the footprint map."""

from __future__ import annotations

from dataclasses import replace

import shapely

from gis.books.i18n import pick
from gis.books.model import SECTIONS, Building, ProjectAtPoint
from gis.books.pages import changes
from gis.books.render import t
from gis.books.svg import footprint_map, text_colour
from gis.store.history import FeedChange


def entry(
    status: str = "planned", size: float = 1.0, buildings=("B1",), **sections
) -> ProjectAtPoint:
    square = shapely.box(0, 0, size * 1e-4, size * 1e-4)
    return ProjectAtPoint(
        project_id=1,
        code="P",
        city="lyon",
        field="e_mobility",
        title={"en": "P"},
        status=status,
        status_source="report",
        progress=None,
        version_id=1,
        footprint_wkb=shapely.to_wkb(square),
        attributes={},
        buildings=tuple(Building(i, b, shapely.to_wkb(square)) for i, b in enumerate(buildings)),
        report_id=1,
        sections={s: sections.get(s) for s in SECTIONS},
        reported_on=None,
        challenges=(),
    )


def test_pick_falls_back_to_english_and_marks_it() -> None:
    assert pick({"en": "Aim", "de": "Ziel"}, "de").text == "Ziel"
    found = pick({"en": "Aim", "de": " "}, "de")
    assert (found.text, found.lang, found.fallback) == ("Aim", "en", True)
    assert pick({"en": "Aim"}, "en").fallback is False
    assert pick(None, "fr") is None
    html = t({"en": "Aim <b>"}, "fr", block=True)
    assert html.startswith('<p lang="en" class="fb">Aim &lt;b&gt;') and ">EN</span>" in html


def feed(kind: str, change: str, *names: str, status=("planned", "delayed"), items=((), ())):
    """One project's row of report_changes ("report") or project_changes ("footprint")."""
    name = {"report": "report_changes", "footprint": "project_changes"}[kind]
    before, after = status
    return FeedChange(name, "P", change, names, False, after, before, *reversed(items))


def test_changes_name_what_the_feeds_say_changed() -> None:
    now = entry(objectives={"en": "a"})
    assert changes(now, {}) == []
    footprint_new = {"project_changes": feed("footprint", "new")}
    assert [c.kind for c in changes(now, footprint_new)] == ["new"]
    both_new = footprint_new | {"report_changes": feed("report", "new")}
    assert [c.kind for c in changes(now, both_new)] == ["new"]
    first_report = {"report_changes": feed("report", "new")}  # the footprint was there before
    assert [c.kind for c in changes(now, first_report)] == ["reported"]
    no_footprint = replace(now, version_id=None, footprint_wkb=None, buildings=())
    assert [c.kind for c in changes(no_footprint, first_report)] == ["new"]
    said_again = {"report_changes": feed("report", "changed")}  # reported again, the same
    assert changes(now, said_again) == []
    rows = {
        "report_changes": feed(
            "report", "changed", "status", "objectives", "risks", "challenges",
            items=(("a", "b"), ("b", "c")),
        ),
        "project_changes": feed(
            "footprint", "changed", "geometry", "buildings", items=(("lyon/B1",), ("lyon/B2",)),
        ),
    }  # fmt: skip
    found = {c.kind: c.detail for c in changes(now, rows)}
    assert found == {
        "status": ("planned", "delayed"),
        "text": ("objectives", "risks"),
        "footprint": (),
        "buildings": ("+B2", "-B1"),
        "challenges": ("c",),
    }
    # only a challenge dropped: nothing raised to show; the footprint's status is not the report's
    dropped = {
        "report_changes": feed("report", "changed", "challenges", items=(("a", "b"), ("a",))),
        "project_changes": feed("footprint", "changed", "status"),
    }
    assert changes(now, dropped) == []
    by_footprint = replace(now, status_source="footprint", report_id=None)
    assert [c.detail for c in changes(by_footprint, dropped)] == [("planned", "delayed")]


def test_footprint_map_draws_every_shape_without_any_url() -> None:
    svg = footprint_map(
        shapely.to_wkb(shapely.Point(4.82, 45.73)),
        [shapely.to_wkb(shapely.box(4.8199, 45.7299, 4.8201, 45.7301))],
        colour="#66bb6a",
        title="x",
    )
    assert svg.count("<path") == 3 and "<circle" in svg and "http" not in svg
    assert footprint_map(None, [], colour="#000000", title="x") == ""
    assert text_colour("#2e7d32") == "#ffffff" and text_colour("#ffa726") == "#000000"
