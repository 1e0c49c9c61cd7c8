"""The checks the fuzz test and the load benchmark apply to every answer catch what they claim."""

from __future__ import annotations

import pytest

from tests.api.feature_checks import (
    declared_properties,
    feature_problems,
    page_problems,
    value_problem,
)

QUERYABLES = {
    "type": "object",
    "properties": {
        "geometry": {"format": "geometry-any", "x-ogc-role": "primary-geometry"},
        "id": {"type": "integer", "x-ogc-role": "id"},
        "feature_id": {"type": "string"},
        "valid_from": {"type": "string", "format": "date", "x-ogc-role": "primary-instant"},
        "valid_to": {"type": "string", "format": "date"},
        "height": {"type": "number"},
        "storeys": {"type": "integer"},
        "height_estimated": {"type": "boolean"},
        "challenges": {"type": "array", "items": {"type": "string"}},
        "recorded_at": {"type": "string", "format": "date-time"},
    },
}
DECLARED = declared_properties(QUERYABLES)


def feature(fid: int = 1, **changes) -> dict:
    properties = {
        "feature_id": "lyon/B1",
        "valid_from": "2017-07-31",
        "valid_to": None,
        "height": 12.5,
        "storeys": 4,
        "height_estimated": False,
        "challenges": ["a", "b"],
        "recorded_at": "2026-11-25T14:36:17.105452+00:00",
    }
    properties.update(changes)
    return {"type": "Feature", "id": fid, "geometry": None, "properties": properties}


def page(features: list[dict], **members) -> dict:
    return {
        "type": "FeatureCollection",
        "features": features,
        "numberReturned": len(features),
        "links": [],
        **members,
    }


def test_id_and_geometry_are_not_properties() -> None:
    assert set(DECLARED) == {
        "feature_id",
        "valid_from",
        "valid_to",
        "height",
        "storeys",
        "height_estimated",
        "challenges",
        "recorded_at",
    }


def test_a_complete_feature_has_no_problem() -> None:
    assert feature_problems(feature(), DECLARED) == []
    assert feature_problems(feature(height=12), DECLARED) == []  # an integer is a number
    assert page_problems(page([feature(1), feature(2)], numberMatched=2), DECLARED) == []


def test_empty_properties_are_caught() -> None:
    empty = {"type": "Feature", "id": 7, "geometry": None, "properties": {}}
    (problem,) = feature_problems(empty, DECLARED)
    assert "8 of 8 declared properties missing" in problem


def test_selected_properties_are_all_that_is_expected() -> None:
    only = {"type": "Feature", "id": 7, "geometry": None, "properties": {"height": 3.0}}
    assert feature_problems(only, DECLARED, selected=["height"]) == []
    assert feature_problems(only, DECLARED) != []


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"storeys": "4"}, "str '4' where integer is declared"),
        ({"height_estimated": 0}, "int 0 where boolean is declared"),
        ({"storeys": True}, "bool True where integer is declared"),
        ({"valid_from": "31.07.2017"}, "is not a date"),
        ({"recorded_at": "yesterday"}, "is not a date-time"),
        ({"challenges": [1]}, "item int 1 where string is declared"),
        ({"geom": None}, "undeclared properties ['geom']"),
    ],
)
def test_wrong_values_are_caught(change, says) -> None:
    problems = feature_problems(feature(**change), DECLARED)
    assert len(problems) == 1 and says in problems[0], problems


def test_a_feature_without_id_type_or_geometry_is_caught() -> None:
    broken = feature()
    del broken["geometry"]
    broken["id"] = None
    broken["type"] = "schema:Place"
    assert len(feature_problems(broken, DECLARED)) == 3


def test_null_fits_every_type() -> None:
    assert value_problem(None, {"type": "integer"}) is None


@pytest.mark.parametrize(
    ("body", "kwargs", "says"),
    [
        (page([feature()], numberReturned=2), {}, "numberReturned 2 but 1 features"),
        (page([feature()], numberMatched=0), {}, "numberMatched 0 < offset 0 + 1 returned"),
        (page([feature()], numberMatched=5), {"limit": 10}, "a short page"),
        (page([feature(1), feature(2)], numberMatched=5), {"limit": 2}, "but no next link"),
        (page([feature(1), feature(2)]), {"limit": 1}, "2 features on a page with limit=1"),
        (page([feature(1), feature(1)]), {}, "the same id twice"),
        (page([feature(1), feature(2)], numberMatched=1), {"keyset": True}, "numberMatched 1 < 2"),
        ({"type": "Feature"}, {}, "not 'FeatureCollection'"),
    ],
)
def test_page_problems(body, kwargs, says) -> None:
    problems = page_problems(body, DECLARED, **kwargs)
    assert any(says in p for p in problems), problems


def test_a_keyset_page_may_hold_fewer_than_it_matched() -> None:
    """A page before or after a cursor is positioned like one past an offset (found by the fuzzer:
    ``before=`` a cursor nothing comes before is empty while the filter matches 1)."""
    assert page_problems(page([], numberMatched=1), DECLARED, limit=10, keyset=True) == []
    assert page_problems(page([], numberMatched=1), DECLARED, limit=10) != []


def test_a_last_page_at_an_offset_is_consistent() -> None:
    body = page([feature(9)], numberMatched=9)
    assert page_problems(body, DECLARED, limit=4, offset=8) == []
    more = page([feature(1), feature(2)], numberMatched=5, links=[{"rel": "next", "href": "x"}])
    assert page_problems(more, DECLARED, limit=2) == []
