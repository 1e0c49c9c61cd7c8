"""The one check of cities and measurement points: what it returns, what its error carries."""

from __future__ import annotations

import pytest

from gis.store.errors import KCError, UnknownReference
from gis.store.vocabulary import (
    city_codes,
    point_dates,
    require_city,
    require_point,
    require_points,
)


def test_known_codes_give_their_data(conn) -> None:
    with conn.cursor() as cur:
        dates = point_dates(cur)
        assert list(dates)[:2] == ["start", "PM18"] and sorted(dates.values()) == list(
            dates.values()
        )
        assert require_points(cur, ["PM24", "PM18"]) == [dates["PM24"], dates["PM18"]]
        assert require_point(cur, "PM30") == dates["PM30"]
        assert city_codes(cur) == sorted(city_codes(cur)) and "lyon" in city_codes(cur)
        boundary = require_city(cur, "lyon")
        assert boundary is None or isinstance(boundary, bytes)


def test_unknown_codes_carry_what_was_found_and_expected(conn) -> None:
    with conn.cursor() as cur:
        with pytest.raises(UnknownReference) as point:
            require_points(cur, ["PM98", "PM18", "PM99"])
        with pytest.raises(UnknownReference) as city:
            require_city(cur, "paris")
        cities = tuple(city_codes(cur))
    assert (point.value.kind, point.value.found) == ("measurement point", "PM98, PM99")
    assert point.value.expected[:2] == ("start", "PM18")
    assert (city.value.kind, city.value.found, city.value.expected) == ("city", "paris", cities)
    assert str(city.value) == f"unknown city 'paris'; expected one of: {', '.join(cities)}"
    assert isinstance(city.value, KCError) and isinstance(city.value, ValueError)
