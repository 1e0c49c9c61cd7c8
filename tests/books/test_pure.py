"""The pure parts of the books: language fallback, change detection, the footprint map."""

from __future__ import annotations

import shapely

from gis.books.i18n import pick
from gis.books.model import SECTIONS, Building, ProjectAtPoint
from gis.books.pages import changes
from gis.books.render import t
from gis.books.svg import footprint_map, text_colour


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


def test_changes_name_what_differs() -> None:
    before = entry(objectives={"en": "a"})
    assert [c.kind for c in changes(None, before, has_previous=True)] == ["new"]
    assert changes(None, before, has_previous=False) == []
    assert changes(before, before, has_previous=True) == []
    after = entry("delayed", size=2, buildings=("B1", "B2"), objectives={"en": "b"})
    found = {c.kind: c.detail for c in changes(before, after, has_previous=True)}
    assert found == {
        "status": ("planned", "delayed"),
        "text": ("objectives",),
        "footprint": (),
        "buildings": ("+B2",),
    }


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
