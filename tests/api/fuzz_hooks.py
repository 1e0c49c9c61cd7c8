"""schemathesis hooks of ``tests/api/test_fuzz.py``, loaded by the ``schemathesis run`` it starts.

Environment (set by the test): ``KC_FUZZ_LOG``, a file that gets one line per request sent
(operation, status); ``KC_FUZZ_DECLARED``, a JSON file ``{collection: {property: schema}}``
with what each collection's schema declares (``/collections/{id}/schema``).

The check ``ogc_feature_content`` adds what the served document's response schemas do not say
(they declare a GeoJSON Feature or FeatureCollection as just ``type: object``): a 200 JSON
answer of ``/items`` or ``/items/{featureId}`` is a FeatureCollection or Feature as OGC API -
Features Part 1 defines it, and every feature carries the properties its collection declares,
with the declared types (``tests/api/feature_checks.py``).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import schemathesis

from tests.api.feature_checks import feature_problems, page_problems

_DECLARED = json.loads(Path(os.environ["KC_FUZZ_DECLARED"]).read_text(encoding="utf-8"))
_ITEMS = re.compile(r"^/collections/([^/]+)/items(/\{featureId\})?$")


@schemathesis.hook
def after_call(context, case, response) -> None:
    with open(os.environ["KC_FUZZ_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{case.operation.label}\t{response.status_code}\n")


def _integer(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _page_size(case, asked) -> int | None:
    """The page size in effect: the one asked for, else the declared default, at most the maximum
    (the server throttles a larger limit to it); None for a limit that is no integer (that it is
    accepted at all is ``negative_data_rejection``'s business)."""
    declared = next(p.definition["schema"] for p in case.operation.query if p.name == "limit")
    if asked is None:
        return declared["default"]
    if isinstance(asked, bool) or _integer(asked, None) is None:
        return None
    return min(int(asked), declared["maximum"])


@schemathesis.check
def ogc_feature_content(ctx, response, case) -> bool | None:
    match = _ITEMS.match(case.operation.path)
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    if (
        case.method.upper() != "GET"
        or match is None
        or response.status_code != 200
        or "json" not in content_type
    ):
        return None
    if "ld+json" in content_type:  # JSON-LD (f=jsonld) is not GeoJSON: it must parse, at least
        try:
            response.json()
        except ValueError as err:
            raise AssertionError(
                f"A 200 {content_type} answer that is not JSON ({err}): {response.text[-200:]!r}"
            ) from None
        return True
    declared = _DECLARED[match.group(1)]
    query = case.query or {}
    selected = query.get("properties")
    if isinstance(selected, str):
        selected = selected.split(",")
    try:
        body = response.json()
    except ValueError as err:
        raise AssertionError(
            f"A 200 {content_type} answer that is not JSON ({err}): {response.text[:300]!r}"
        ) from None
    if match.group(2):
        problems = feature_problems(body, declared, selected)
    else:
        problems = page_problems(
            body,
            declared,
            limit=_page_size(case, query.get("limit")),
            offset=_integer(query.get("offset"), 0),
            selected=selected,
            keyset=bool(query.get("after") or query.get("before")),
        )
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise AssertionError(f"Not what OGC API - Features promises: {problems[0]}{more}")
    return True
