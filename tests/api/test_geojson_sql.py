"""Features written by PostGIS (issue 15) are the JSON pygeoapi wrote from Python before.

A view of every kind of value the provider writes in SQL (``gis.api.provider.value_sql``):
integral and fractional doubles and reals, numerics, timestamps with and without time zone
(with and without microseconds), dates, booleans, texts with quotes and backslashes, arrays,
jsonb, i18n texts with missing and empty translations, NULLs, and more properties than one
``json_build_object`` call takes. Each feature must equal, to the byte, pygeoapi's ``to_json``
of the values psycopg2 reads, in the view's column order.
"""

from __future__ import annotations

import json

import pytest
from pygeoapi.util import to_json
from shapely import wkb
from shapely.geometry import mapping

from gis.api.languages import translate
from gis.api.provider import ValidTimeProvider
from gis.store.db import connect
from tests.api.providers import make_provider

#: Columns beyond the typed ones, so that the properties need two json_build_object calls.
EXTRA = 52

VIEW = f"""
CREATE VIEW kc.api_values AS
SELECT i AS id,
       (ARRAY[12.0, 12.5, -0.0, 1e20, NULL])[1 + i % 5]::float8 AS a_double,
       (ARRAY[3.0, 0.1, NULL])[1 + i % 3]::real AS a_real,
       (ARRAY[45, 45.50, NULL])[1 + i % 3]::numeric AS a_numeric,
       (ARRAY[7, NULL])[1 + i % 2]::integer AS an_integer,
       timestamptz '2018-01-31 10:00:00+00' + i * interval '1.25 seconds' AS a_timestamptz,
       timestamp '2018-01-31 10:00:00' + i * interval '0.5 seconds' AS a_timestamp,
       date '2017-07-31' + i AS a_date,
       i % 2 = 0 AS a_boolean,
       'it''s "quoted" \\ and ünïcode ' || i AS a_text,
       ARRAY['x', 'y"z'] AS an_array,
       jsonb_build_object('k', i, 'f', 1.0) AS a_jsonb,
       (ARRAY[
           '{{"en": "Town", "de": "Stadt"}}',
           '{{"en": "Town", "de": ""}}',
           '{{"en": "Town"}}',
           NULL
       ])[1 + i % 4]::jsonb AS a_label,
       {", ".join(f"i * {k} AS extra_{k:02d}" for k in range(EXTRA))},
       CASE WHEN i % 3 = 0 THEN NULL
            ELSE ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(4.8 + i * 1e-4, 45.7), 4326), 1e-4, 2))
       END AS geom
  FROM generate_series(1, 24) i
"""


@pytest.fixture
def values_provider(db_url) -> ValidTimeProvider:
    conn = connect(db_url)
    with conn, conn.cursor() as cur:
        cur.execute(VIEW)
    conn.close()
    return make_provider(db_url, "api_values", i18n_fields=["a_label"])


def expected_features(db_url: str, lang: str) -> list[dict]:
    """The features as pygeoapi built them from psycopg2's values (shapely for the geometry)."""
    conn = connect(db_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT *, ST_AsBinary(geom) FROM kc.api_values ORDER BY id")
            names = [d.name for d in cur.description][:-1]
            rows = cur.fetchall()
    finally:
        conn.close()
    features = []
    for row in rows:
        values = dict(zip(names, row[:-1], strict=True))
        shape = row[-1]
        properties = {k: v for k, v in values.items() if k not in ("id", "geom")}
        properties["a_label"] = translate(properties["a_label"], lang)
        features.append(
            {
                "type": "Feature",
                "id": values["id"],
                "geometry": mapping(wkb.loads(bytes(shape))) if shape is not None else None,
                "properties": properties,
            }
        )
    return features


@pytest.mark.parametrize("lang", ["en", "de"])
def test_features_are_what_pygeoapi_wrote_from_python(values_provider, db_url, lang) -> None:
    page = values_provider.query(limit=100, language=lang)
    expected = expected_features(db_url, lang)
    assert len(page["features"]) == len(expected) == 24
    for ours, theirs in zip(page["features"], expected, strict=True):
        assert to_json(ours) == to_json(json.loads(to_json(theirs))), theirs["id"]
        assert list(ours["properties"]) == list(theirs["properties"])
    written = to_json(page["features"])
    assert '"a_double":12.0' in written and '"a_numeric":45.0' in written
    assert '"a_label":"Stadt"' in written if lang == "de" else '"a_label":"Town"' in written


def test_a_single_feature_is_a_pages_feature(values_provider) -> None:
    page = values_provider.query(limit=100, language="de")
    for feature in page["features"][:6]:
        single = values_provider.get(str(feature["id"]), language="de")
        assert {k: single[k] for k in feature} == feature
