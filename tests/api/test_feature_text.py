"""Features passed through as PostGIS wrote them (``gis.api.feature_text``) are, to the byte, what
parsing them and writing them again with pygeoapi's ``to_json`` gave (issue 15).

On the values of every kind (``test_geojson_sql``'s view), on the real Lyon data over HTTP
(French names: non-ASCII escaped as ``json.dumps`` does), and on the numbers PostgreSQL writes
in another form than Python (exponents, tiny coordinates, negative zero), which must be parsed.
"""

from __future__ import annotations

import json

import psycopg2
import pytest
import requests
from pygeoapi.util import to_json

from gis.api.feature_text import FeatureTexts, ascii_json, passable, splice
from tests.api.test_geojson_sql import values_provider  # noqa: F401 - a fixture

STRINGS = ["plain", "Lyon 1er arrondissement: Hôtel-Dieu", "ä ß € 😀", "tab\tnew\nline", "\x7f\x01"]


@pytest.mark.parametrize("value", STRINGS)
def test_non_ascii_is_escaped_as_json_dumps_escapes_it(value) -> None:
    written = json.dumps({"k": value}, ensure_ascii=False, separators=(",", ":"))
    assert ascii_json(written) == json.dumps({"k": value}, separators=(",", ":"))


@pytest.mark.parametrize(
    "number", ["1e+15", "1.2345678901234568e+15", "0.00001", "-0.00005", "-0"], ids=str
)
def test_numbers_python_writes_otherwise_are_not_passed(number) -> None:
    """PostgreSQL writes 1e15 <= |x| < 1e16 in exponent form, PostGIS tiny coordinates in full
    and a zero with its sign; Python otherwise. (Every exponent form is parsed: 1e+20 too.)"""
    text = f'{{"type":"Feature","id":1,"geometry":null,"properties":{{"x":{number}}}}}'
    assert to_json(json.loads(text)) != text
    assert passable([text]) is None


def test_a_collection_with_feature_texts_is_the_parsed_one() -> None:
    texts = ['{"type":"Feature","id":1,"geometry":null,"properties":{"a":1.5,"b":"Hôtel"}}'] * 3
    page = passable(texts)
    assert isinstance(page, FeatureTexts) and len(page) == 3
    collection = {"type": "FeatureCollection", "features": page, "numberReturned": 3}
    parsed = {**collection, "features": page.parsed()}
    write = splice(to_json)
    assert write(collection) == to_json(parsed)
    assert write(collection, True) == to_json(parsed, True)
    assert write({"type": "FeatureCollection", "features": []}) == to_json(
        {"type": "FeatureCollection", "features": []}
    )


def test_every_value_postgis_writes_passes_or_is_parsed(values_provider, db_url) -> None:  # noqa: F811
    """Each feature of the view of every kind of value: passed when its text is what parsing
    and writing gives, and it is (1e20 and jsonb are not: parsed)."""
    columns = [c.name for c in values_provider._table.columns]
    plain = [c for c in columns if c not in ("id", "geom", "a_jsonb")]
    assert values_provider._canonical(plain) and not values_provider._canonical(None)
    fragment = values_provider._feature_sql(plain, False, "de", None)
    conn = psycopg2.connect(db_url)
    try:
        with conn.cursor() as cur:
            cur.execute(f"SELECT {fragment} FROM kc.api_values ORDER BY id")
            texts = [row[0] for row in cur.fetchall()]
    finally:
        conn.close()
    passed = [text for text in texts if passable([text]) is not None]
    assert 0 < len(passed) < len(texts)  # 1e20 in every fifth feature
    for text in passed:
        assert passable([text])[0] == to_json(json.loads(text)), text


def test_an_answer_is_what_parsing_and_writing_gave(api) -> None:
    """Over HTTP: the Lyon buildings, projects (French and German titles) and reports."""
    for collection, params in (
        ("buildings", {"limit": 200, "datetime": "2018-03-01"}),
        ("buildings", {"bbox": "4.830,45.764,4.836,45.768", "limit": 50}),
        ("projects", {"limit": 50, "lang": "fr"}),
        ("reports", {"limit": 50, "lang": "de"}),
        ("cities", {"lang": "fr"}),
    ):
        response = requests.get(
            f"{api.base}/collections/{collection}/items", params=params, timeout=60
        )
        assert response.status_code == 200, response.text
        body = response.text
        assert body == to_json(json.loads(body)), collection
        assert body.isascii() and json.loads(body)["features"], collection
    html = requests.get(
        f"{api.base}/collections/buildings/items", params={"f": "html", "limit": 5}, timeout=60
    )
    assert html.status_code == 200 and "<html" in html.text
