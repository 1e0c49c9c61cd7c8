"""What a client may rely on in a page of features, checked the same way by the tests and benches.

OGC API - Features Part 1 (GeoJSON encoding, ``numberMatched``/``numberReturned``) and the
collection's own declaration of its properties (``/collections/{id}/schema``, the same properties
as ``/collections/{id}/queryables``): every feature carries an ``id``, a ``geometry`` member and
every declared property, each ``null`` or of the declared JSON type. Apart from ``declarations``
(which asks the server), pure functions: they take parsed JSON and return the problems found as
sentences (empty: nothing wrong).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

#: Members of a queryables/schema document that are not properties of ``feature.properties``.
NOT_PROPERTIES = ("id", "primary-geometry")


def declared_properties(queryables: Mapping) -> dict[str, dict]:
    """``{name: JSON schema}`` of the properties a feature of the collection carries.

    The id (``x-ogc-role: id``) is the feature's ``id`` and the primary geometry its ``geometry``,
    not members of ``properties``.
    """
    return {
        name: schema
        for name, schema in queryables.get("properties", {}).items()
        if schema.get("x-ogc-role") not in NOT_PROPERTIES
    }


def declarations(base: str, timeout: float = 60) -> dict[str, tuple[dict[str, dict], list[str]]]:
    """``{collection: (declared properties, problems)}`` of the server at ``base``.

    The properties and their types are those of ``/collections/{id}/schema`` (it details the
    items of arrays); ``/collections/{id}/queryables`` must name the same ones, or that is a
    problem of its own.
    """
    import requests

    def get(path: str) -> dict:
        response = requests.get(f"{base}{path}", params={"f": "json"}, timeout=timeout)
        response.raise_for_status()
        return response.json()

    result = {}
    for collection in get("/collections")["collections"]:
        name = collection["id"]
        schema = declared_properties(get(f"/collections/{name}/schema"))
        queryables = declared_properties(get(f"/collections/{name}/queryables"))
        problems = []
        if set(schema) != set(queryables):
            problems.append(
                f"{name}: the schema declares {sorted(set(schema) - set(queryables))} "
                f"and the queryables {sorted(set(queryables) - set(schema))} besides the others"
            )
        result[name] = (schema, problems)
    return result


def _is_type(value: object, expected: str) -> bool:
    if expected == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(
        value, {"string": str, "boolean": bool, "array": list, "object": dict}.get(expected, object)
    )


def _format_problem(value: str, fmt: str | None) -> str | None:
    try:
        if fmt == "date":
            dt.date.fromisoformat(value)
        elif fmt == "date-time":
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return f"not a {fmt}"
    return None


def value_problem(value: object, schema: Mapping) -> str | None:
    """Why ``value`` does not fit the declared ``schema`` (None: it fits; null always fits)."""
    if value is None:
        return None
    types = schema.get("type")
    if types is None:
        return None
    types = [types] if isinstance(types, str) else list(types)
    if not any(_is_type(value, t) for t in types):
        return f"{type(value).__name__} {value!r:.40} where {'/'.join(types)} is declared"
    if isinstance(value, str):
        problem = _format_problem(value, schema.get("format"))
        if problem:
            return f"{value!r:.40} is {problem}"
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for item in value:
            problem = value_problem(item, schema["items"])
            if problem:
                return f"item {problem}"
    return None


def feature_problems(
    feature: object, declared: Mapping[str, Mapping], selected: Iterable[str] | None = None
) -> list[str]:
    """What is wrong with one GeoJSON feature of a collection declaring ``declared``.

    ``selected``: the ``properties=`` the request asked for (None: all of them).
    """
    if not isinstance(feature, Mapping):
        return [f"a feature is a {type(feature).__name__}, not an object"]
    name = f"feature {feature.get('id')!r}"
    problems = []
    if feature.get("type") != "Feature":
        problems.append(f"{name}: type is {feature.get('type')!r}, not 'Feature'")
    if feature.get("id") is None:
        problems.append(f"{name}: no id")
    if "geometry" not in feature:
        problems.append(f"{name}: no geometry member")
    properties = feature.get("properties")
    if not isinstance(properties, Mapping):
        return [*problems, f"{name}: properties is {properties!r:.40}, not an object"]
    expected = set(declared) if selected is None else set(declared) & set(selected)
    missing = expected - set(properties)
    if missing:
        problems.append(
            f"{name}: {len(missing)} of {len(expected)} declared properties missing "
            f"({', '.join(sorted(missing)[:8])}{' …' if len(missing) > 8 else ''}); "
            f"has {sorted(properties)[:8]}"
        )
    undeclared = set(properties) - set(declared)
    if undeclared:
        problems.append(f"{name}: undeclared properties {sorted(undeclared)}")
    for key in sorted(expected & set(properties)):
        problem = value_problem(properties[key], declared[key])
        if problem:
            problems.append(f"{name}: property {key}: {problem}")
    return problems


def page_problems(
    body: object,
    declared: Mapping[str, Mapping],
    *,
    limit: int | None = None,
    offset: int = 0,
    selected: Iterable[str] | None = None,
    keyset: bool = False,
) -> list[str]:
    """What is wrong with one page (a GeoJSON FeatureCollection) of ``/items``.

    ``limit``: the page size in effect (the request's, at most the server's maximum); a page with
    fewer features is the last one, so ``numberMatched``, when given, must end there.
    ``keyset``: the page starts after or ends before a cursor (``after=``/``before=``), so where
    it lies among the ``numberMatched`` features is unknown, as for a page past an offset: only
    that they are at least the page's can be checked.
    """
    if not isinstance(body, Mapping):
        return [f"the page is a {type(body).__name__}, not an object"]
    problems = []
    if body.get("type") != "FeatureCollection":
        problems.append(f"type is {body.get('type')!r}, not 'FeatureCollection'")
    features = body.get("features")
    if not isinstance(features, list):
        return [*problems, f"features is {features!r:.40}, not an array"]
    returned = body.get("numberReturned")
    matched = body.get("numberMatched")
    if returned is not None and returned != len(features):
        problems.append(f"numberReturned {returned} but {len(features)} features")
    end = offset + len(features)
    more = any(
        isinstance(link, Mapping) and link.get("rel") == "next" for link in body.get("links") or ()
    )
    if matched is not None:
        if not _is_type(matched, "integer") or matched < 0:
            problems.append(f"numberMatched {matched!r} is not a count")
        elif keyset:
            if matched < len(features):
                problems.append(f"numberMatched {matched} < {len(features)} returned")
        elif not features and offset > 0:
            # A page past the end: all that can be said is that nothing starts at the offset.
            if matched > offset:
                problems.append(f"numberMatched {matched} > offset {offset} of an empty page")
        elif matched < end:
            problems.append(f"numberMatched {matched} < offset {offset} + {len(features)} returned")
        elif limit is not None and len(features) < limit and matched != end:
            problems.append(
                f"a short page ({len(features)} of limit {limit}) at offset {offset} "
                f"but numberMatched {matched}"
            )
        elif matched > end and not more:
            problems.append(f"numberMatched {matched} > {end} but no next link")
    if limit is not None and len(features) > limit:
        problems.append(f"{len(features)} features on a page with limit={limit}")
    ids = [f.get("id") for f in features if isinstance(f, Mapping)]
    if len(set(map(str, ids))) != len(ids):
        problems.append("the same id twice on one page")
    for feature in features:
        problems.extend(feature_problems(feature, declared, selected))
    return problems
