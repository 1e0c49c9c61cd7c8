"""The server's pure parts: valid-time parsing, configuration rendering, OpenAPI, languages."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat

import pytest

from gis.api import config as cfg
from gis.api.languages import LOCALES, pick_language, translate
from gis.api.openapi import make_self_contained
from gis.api.patches import ranked_choices
from gis.api.roles import reader_password, with_credentials
from gis.api.valid_time import ValidTime, canonical, parse_datetime
from gis.store.errors import ConfigError

D = dt.date


@pytest.mark.parametrize(
    ("value", "first", "last", "instant"),
    [
        ("2018-01-31", D(2018, 1, 31), D(2018, 1, 31), True),
        ("2018-01-31T23:30:00Z", D(2018, 1, 31), D(2018, 1, 31), True),
        ("2018-01-31T23:30:00-02:00", D(2018, 2, 1), D(2018, 2, 1), True),  # UTC day
        ("2018-01-31T00:30:00.123+01:00", D(2018, 1, 30), D(2018, 1, 30), True),
        ("2017-07-31/2018-01-31", D(2017, 7, 31), D(2018, 1, 31), False),
        ("2017-07-31/..", D(2017, 7, 31), None, False),
        ("../2018-01-31", None, D(2018, 1, 31), False),
        ("/2018-01-31", None, D(2018, 1, 31), False),
        ("2017-07-31/", D(2017, 7, 31), None, False),
        ("../..", None, None, False),
    ],
)
def test_datetime_values(value, first, last, instant) -> None:
    parsed = parse_datetime(value)
    assert (parsed.first, parsed.last, parsed.instant) == (first, last, instant)


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("tomorrow", "invalid datetime 'tomorrow'"),
        ("2018-02-30", "day is out of range"),
        ("2018-01-31T12:00:00+25:00", "offset"),
        ("2018-02-01/2017-01-01", "ends (2017-01-01) before it begins (2018-02-01)"),
        ("a/b/c", "more than one '/'"),
        ("  ", "empty datetime"),
    ],
)
def test_bad_datetime_values_say_what_is_wrong(value, says) -> None:
    with pytest.raises(ValueError, match=r"RFC 3339|before it begins") as err:
        parse_datetime(value)
    assert says in str(err.value)


def test_absent_datetime_is_no_filter() -> None:
    assert parse_datetime(None) is None


@pytest.mark.parametrize(
    ("value", "normalized"),
    [
        ("2018-01-31T23:30:00-02:00", "2018-02-01"),
        (" 2018-01-31 ", "2018-01-31"),
        ("/2018-01-31T12:00:00Z", "../2018-01-31"),
        ("2017-07-31/", "2017-07-31/.."),
        ("../..", "../.."),
    ],
)
def test_datetime_is_parsed_once_and_passed_on_canonical(value, normalized) -> None:
    assert canonical(value) == normalized
    decoded = ValidTime.from_normalized(normalized)
    assert decoded == parse_datetime(value)
    assert canonical(None) is None


@pytest.mark.parametrize(
    "value", ["2018-01-31T12:00:00Z", " 2018-01-31", "/2018-01-31", "20180131", "..", "a/b/c", ""]
)
def test_only_the_canonical_form_is_decoded(value) -> None:
    with pytest.raises(ValueError, match="not a normalized valid time"):
        ValidTime.from_normalized(value)


def test_languages() -> None:
    assert ranked_choices("fr;q=0.5, it, de;q=0.7") == ["it", "de", "fr"]
    assert ranked_choices("de-DE,de;q=0.9,*;q=0.1") == ["de-DE", "de", "*"]
    assert pick_language("fr-FR") == "fr" and pick_language(None) == "en"
    assert pick_language("it") == "en"
    assert translate({"en": "Buildings", "de": "Gebäude"}, "de") == "Gebäude"
    assert translate({"en": "Buildings", "de": "Gebäude"}, "fr") == "Buildings"
    assert translate(None, "de") is None


def test_render_fills_connection_extents_crs_and_tiles(tmp_path) -> None:
    template = cfg.load_template()
    tilesets = [cfg.Tileset("lyon", "PM18", "2017-07-31", "lyon/PM18/tileset.json", 10)]
    rendered = cfg.render(
        template,
        db=cfg.DatabaseParams.from_url("postgresql://reader:secret@db.example:5433/kc"),
        base_url="https://api.example",
        host="0.0.0.0",  # noqa: S104 - rendering only, nothing binds
        port=8080,
        extents={"buildings": cfg.Extent((4.8, 45.7, 4.9, 45.8), D(2017, 7, 31), None)},
        tilesets=tilesets,
    )
    buildings = rendered["resources"]["buildings"]
    provider = buildings["providers"][0]
    assert provider["data"]["password"] == "${KC_API_DB_PASSWORD}"
    assert provider["data"]["user"] == "reader" and provider["data"]["port"] == 5433
    assert "http://www.opengis.net/def/crs/EPSG/0/31256" in provider["crs"]
    assert buildings["extents"]["spatial"]["bbox"] == [4.8, 45.7, 4.9, 45.8]
    assert buildings["extents"]["temporal"]["begin"] == dt.datetime(2017, 7, 31, tzinfo=dt.UTC)
    assert buildings["extents"]["temporal"]["end"] is None
    assert buildings["links"][0]["href"] == "https://api.example/tiles/lyon/PM18/tileset.json"
    assert rendered["resources"]["thematic_fields"]["links"] == []
    # A collection without geometry gets the union of the others, not a made-up box.
    assert rendered["resources"]["thematic_fields"]["extents"]["spatial"]["bbox"] == [
        4.8,
        45.7,
        4.9,
        45.8,
    ]
    assert rendered["server"]["limits"]["max_items"] >= 10000
    assert set(rendered["server"]["languages"]) == {"en-US", "de-DE", "fr-FR"}
    assert rendered["server"]["languages"] == provider["languages"] == list(LOCALES)
    cfg.write(rendered, tmp_path / "pygeoapi.yml")
    assert "secret" not in (tmp_path / "pygeoapi.yml").read_text()


def test_bad_tiles_index_is_refused(tmp_path) -> None:
    assert cfg.read_tilesets(tmp_path) == []
    (tmp_path / "index.json").write_text(json.dumps({"tilesets": [{"city": "lyon"}]}))
    with pytest.raises(ConfigError, match=r"index\.json"):
        cfg.read_tilesets(tmp_path)
    (tmp_path / "index.json").write_text(
        json.dumps({"tilesets": [{"city": "l", "point": "p", "date": "d", "href": "../x.json"}]})
    )
    with pytest.raises(ConfigError, match="relative inside the tiles folder"):
        cfg.read_tilesets(tmp_path)


def test_openapi_remote_refs_become_local_or_fail() -> None:
    components = {"parameters": {"datetime": {"name": "datetime", "in": "query"}}, "schemas": {}}
    document = {
        "paths": {
            "/x": {
                "get": {
                    "parameters": [
                        {
                            "$ref": "https://schemas.opengis.net/a.yaml#/components/parameters/datetime"
                        }
                    ]
                }
            }
        }
    }
    result = make_self_contained(document, components)
    assert result["paths"]["/x"]["get"]["parameters"] == [
        {"$ref": "#/components/parameters/datetime"}
    ]
    assert result["components"]["parameters"]["datetime"]["name"] == "datetime"
    document["paths"]["/x"]["get"]["parameters"].append(
        {"$ref": "https://x.org/responses/Gone.yaml"}
    )
    with pytest.raises(ConfigError, match=r"Gone\.yaml"):
        make_self_contained(document, components)


def test_reader_password_is_kept_private(tmp_path) -> None:
    password = reader_password(tmp_path)
    assert reader_password(tmp_path) == password
    mode = stat.S_IMODE(os.stat(tmp_path / "api-reader.json").st_mode)
    assert mode == 0o600
    url = with_credentials("postgresql://kc:admin@127.0.0.1:5432/kc", "kc_api", "p@ss")
    assert url == "postgresql://kc_api:p%40ss@127.0.0.1:5432/kc"
