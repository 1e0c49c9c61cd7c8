"""The request checks against the OpenAPI document, as pure functions."""

from __future__ import annotations

from gis.api.parameters import bbox_problem, find, operations, refusal, sortby_problem

DOCUMENT = {
    "paths": {
        "/collections/b/items": {
            "get": {
                "parameters": [
                    {"$ref": "#/components/parameters/bbox"},
                    {"name": "height", "in": "query"},
                    {"name": "featureId", "in": "path"},
                ]
            }
        },
        "/collections/b/items/{featureId}": {"get": {"parameters": []}},
    },
    "components": {"parameters": {"bbox": {"name": "bbox", "in": "query"}}},
}


def test_operations_resolve_references_and_add_f_and_lang() -> None:
    paths = operations(DOCUMENT)
    items = find(paths, "/collections/b/items")
    assert items is not None and items.parameters["GET"] == {"bbox", "height", "f", "lang"}
    assert find(paths, "/collections/b/items/42") is not None
    assert find(paths, "/collections/b/items/42/x") is None
    assert find(paths, "/collections/c/items") is None


def test_refusals() -> None:
    items = find(operations(DOCUMENT), "/collections/b/items")
    assert refusal(items, "GET", {"height": ["3"], "f": ["json"]}) is None
    assert refusal(items, "HEAD", {}) is None
    unknown = refusal(items, "GET", {"heigth": ["3"], "zz": ["1"]})
    assert unknown.status == 400 and "'heigth', 'zz'" in unknown.description
    post = refusal(items, "POST", {})
    assert post.status == 405 and post.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_value_checks() -> None:
    assert bbox_problem("1,2,3,4") is None
    assert bbox_problem("1,2,3,4,5,6") is None
    assert bbox_problem("nan,2,3,4") and bbox_problem("1,2,inf,4") and bbox_problem("1,-inf,3,4")
    assert bbox_problem("a,b") is None  # pygeoapi's own check answers that one
    assert sortby_problem("height,-storeys, +city") is None
    assert (
        sortby_problem("")
        and sortby_problem("  ")
        and sortby_problem("height,")
        and sortby_problem("-")
    )
