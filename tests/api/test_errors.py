"""One error model: every error is a JSON OGC exception, a 4xx where the client erred.

Against ``kc serve`` on the real Lyon data (the ``api`` fixture), as a client sees it.
"""

from __future__ import annotations

import pytest
import requests


def get(api, path: str, **params) -> requests.Response:
    return requests.get(f"{api.base}{path}", params=params, timeout=60)


def assert_ogc_error(response: requests.Response, status: int, code: str, *words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code and body["type"] == code
    for word in words:
        assert word in body["description"], body


@pytest.mark.parametrize(
    ("path", "params", "words"),
    [
        ("/collections/buildings/items", {"foo": "1"}, ("unknown query parameter 'foo'", "bbox")),
        ("/collections/buildings/items", {"limit": "2", "heigth": "3"}, ("'heigth'",)),
        ("/collections/cities/items/lyon", {"limit": "2"}, ("'limit'",)),
        ("/collections", {"bbox": "0,0,1,1"}, ("'bbox'",)),
        ("/collections/buildings/items", {"sortby": ""}, ("invalid sortby ''",)),
        ("/collections/projects/items", {"sortby": "+"}, ("property names",)),
        ("/collections/buildings/items", {"bbox": "nan,nan,nan,nan"}, ("NaN or infinity",)),
        ("/collections/buildings/items", {"bbox": "4.8,45.7,inf,45.8"}, ("NaN or infinity",)),
        ("/collections/buildings/items", {"datetime": "2018-02-30"}, ("2018-02-30",)),
        # Found by the fuzzer: PostgreSQL text cannot hold NUL, psycopg2 raised (a 500).
        ("/collections/cities/items", {"vision": "\x00N"}, ("NUL",)),
        ("/collections/buildings/items", {"filter": "city = '\x00'"}, ("NUL",)),
    ],
)
def test_bad_requests_are_400_saying_what_was_wrong(api, path, params, words) -> None:
    assert_ogc_error(get(api, path, **params), 400, "InvalidParameterValue", *words)


def test_documented_parameters_and_lang_f_still_work(api) -> None:
    response = get(
        api,
        "/collections/buildings/items",
        limit="3",
        f="json",
        lang="fr",
        height="5.1",
        sortby="-height",
        bbox="4.82,45.76,4.84,45.78",
    )
    assert response.status_code == 200, response.text
    assert response.json()["features"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/collections/buildings/items"),
        ("PUT", "/collections/buildings/items/1"),
        ("DELETE", "/collections/buildings/items/1"),
        ("POST", "/collections"),
    ],
)
def test_writes_are_405_with_allow(api, method, path) -> None:
    response = requests.request(method, f"{api.base}{path}", timeout=60)
    assert_ogc_error(response, 405, "OperationNotSupported", method)
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_cors_preflight_is_answered(api) -> None:
    response = requests.options(
        f"{api.base}/collections/buildings/items",
        headers={"Origin": "https://viewer.example", "Access-Control-Request-Method": "GET"},
        timeout=60,
    )
    assert response.status_code == 200 and not response.content
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Allow"]


def test_conformance_declares_no_writes(api) -> None:
    classes = get(api, "/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in classes
    assert not [c for c in classes if "ogcapi-features-4" in c]


def test_unknown_path_is_a_json_404(api) -> None:
    assert_ogc_error(get(api, "/collectionz"), 404, "NotFound", "/collectionz")
    assert_ogc_error(get(api, "/collections/buildings/items/1%00"), 404, "NotFound")
    assert_ogc_error(get(api, "/collections/nope/items"), 404, "NotFound")


def test_features_are_geojson_and_other_documents_json(api) -> None:
    items = get(api, "/collections/buildings/items", limit="1")
    assert items.headers["Content-Type"].startswith("application/geo+json")
    one = items.json()["features"][0]["id"]
    item = get(api, f"/collections/buildings/items/{one}")
    assert item.headers["Content-Type"].startswith("application/geo+json")
    collection = get(api, "/collections/buildings")
    assert collection.headers["Content-Type"].startswith("application/json")


def test_openapi_declares_exactly_what_is_served(api) -> None:
    document = get(api, "/openapi", f="json").json()
    assert "vendorSpecificParameters" not in str(document)
    assert not [p for p in document["paths"] if p.startswith(("/jobs", "/processes"))]
    for path, item in document["paths"].items():
        assert "options" not in item, path
        if path.endswith("/items"):
            names = {p.get("name") for p in item["get"]["parameters"]}
            assert {"filter", "filter-lang", "filter-crs"} <= names, path


def test_client_errors_are_one_log_line_without_traceback(api) -> None:
    before = api.log.read_text()
    for params in ({"foo": "1"}, {"sortby": ""}, {"bbox": "nan,0,1,1"}, {"datetime": "x"}):
        assert get(api, "/collections/buildings/items", **params).status_code == 400
    assert get(api, "/collections/buildings/items/999999999").status_code == 404
    new = api.log.read_text()[len(before) :]
    assert "Traceback" not in new and "ERROR" not in new, new
    lines = [line for line in new.splitlines() if "/collections/buildings/items" in line]
    assert len(lines) == 5, new
