"""Requests checked against the OpenAPI document before pygeoapi sees them.

The document the server publishes is the contract: OGC API - Features Part 1 requires a 400 for
a query parameter the server does not know (/req/core/query-param-unknown), and a method a path
does not offer is a 405. pygeoapi 0.21 answers 200 to unknown parameters (it takes them for
property filters or ignores them), 500 to an empty ``sortby`` and to ``POST`` without a body, and
200 to ``bbox=nan,nan,nan,nan``. So each request to a documented path is checked here, from the
document itself (pure functions; ``register`` is the Flask edge):

- the method must be one the path declares (else 405 with ``Allow``);
- every query parameter must be one the operation declares (else 400 naming the unknown ones
  and listing the known);
- no value may contain a NUL character (PostgreSQL text cannot hold one: it was a 500);
- ``bbox`` must hold finite numbers, ``sortby`` a non-empty list of properties.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus

from flask import Flask, Response, request

from gis.api.errors import error_response
from gis.api.history import KNOWN_AT, RECORDED_AFTER, known_at_problem

#: Parameters every path accepts whatever the document says (pygeoapi reads them everywhere).
ALWAYS = frozenset({"f", "lang"})
METHODS = frozenset({"get", "put", "post", "delete", "patch", "head"})


@dataclass(frozen=True)
class Operations:
    """The operations of one documented path: allowed parameters by (upper-case) method."""

    pattern: re.Pattern
    parameters: Mapping[str, frozenset[str]]

    @property
    def allow(self) -> str:
        methods = set(self.parameters) | ({"HEAD"} if "GET" in self.parameters else set())
        return ", ".join(sorted(methods | {"OPTIONS"}))


@dataclass(frozen=True)
class Refusal:
    """Why a request is refused, as the API answers it."""

    status: int
    description: str
    headers: Mapping[str, str]


def path_pattern(template: str) -> re.Pattern:
    """``/collections/x/items/{featureId}`` as a regex matching one path segment per variable."""
    parts = re.split(r"(\{[^}/]+\})", template)
    regex = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{regex}/?$")


def _parameter_names(document: dict, parameters: Iterable[dict]) -> set[str]:
    names = set()
    components = document.get("components", {}).get("parameters", {})
    for parameter in parameters:
        ref = parameter.get("$ref", "")
        if ref.startswith("#/components/parameters/"):
            parameter = components.get(ref.rsplit("/", 1)[1], {})
        if parameter.get("in") == "query" and parameter.get("name"):
            names.add(parameter["name"])
    return names


def operations(document: dict) -> list[Operations]:
    """Every path of the document with its methods and their query parameters."""
    result = []
    for template, item in document.get("paths", {}).items():
        shared = item.get("parameters", [])
        parameters = {
            method.upper(): frozenset(
                _parameter_names(document, [*shared, *operation.get("parameters", [])]) | ALWAYS
            )
            for method, operation in item.items()
            if method in METHODS
        }
        if parameters:
            result.append(Operations(path_pattern(template), parameters))
    return result


def find(paths: Iterable[Operations], path: str) -> Operations | None:
    return next((ops for ops in paths if ops.pattern.match(path)), None)


def refusal(ops: Operations, method: str, args: Mapping[str, list[str]]) -> Refusal | None:
    """Why ``method`` with query ``args`` (name -> values) is refused at this path, or None."""
    method = "GET" if method == "HEAD" else method
    if method not in ops.parameters:
        return Refusal(
            HTTPStatus.METHOD_NOT_ALLOWED,
            f"{method} is not offered here; this path offers {ops.allow}",
            {"Allow": ops.allow},
        )
    allowed = ops.parameters[method]
    unknown = sorted(set(args) - allowed)
    if unknown:
        return Refusal(
            HTTPStatus.BAD_REQUEST,
            f"unknown query parameter{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(map(repr, unknown))}; this operation takes: {', '.join(sorted(allowed))}",
            {},
        )
    for name, values in args.items():
        if any("\x00" in value for value in values):
            return Refusal(
                HTTPStatus.BAD_REQUEST,
                f"invalid {name}: it contains a NUL character, which no text can hold",
                {},
            )
    for name, check in VALUE_CHECKS.items():
        for value in args.get(name, []):
            problem = check(value)
            if problem:
                return Refusal(HTTPStatus.BAD_REQUEST, f"invalid {name} {value!r}: {problem}", {})
    return None


def bbox_problem(value: str) -> str | None:
    """NaN or infinity in a ``bbox``, which pygeoapi takes for numbers (its other checks apply)."""
    try:
        numbers = [float(part) for part in value.split(",")]
    except ValueError:
        return None  # pygeoapi's own check answers it
    if not all(math.isfinite(n) for n in numbers):
        return "expected finite numbers, found NaN or infinity"
    return None


def sortby_problem(value: str) -> str | None:
    """What is wrong with a ``sortby`` value (comma-separated [+|-]property), or None."""
    names = [part.strip().lstrip("+-").strip() for part in value.split(",")]
    if not value.strip() or not all(names):
        return "expected one or more property names, each optionally prefixed by + or -"
    return None


VALUE_CHECKS = {
    "bbox": bbox_problem,
    "sortby": sortby_problem,
    KNOWN_AT: known_at_problem,
    RECORDED_AFTER: known_at_problem,
}


def register(app: Flask, document: dict) -> None:
    """Check each request to a documented path before any view runs."""
    paths = operations(document)

    @app.before_request
    def check_request() -> Response | None:
        ops = find(paths, request.path)
        if ops is None:
            return None
        if "\x00" in request.path:  # no id or name holds a NUL: nothing is there
            return error_response(HTTPStatus.NOT_FOUND, "no such item: the path holds a NUL")
        if request.method == "OPTIONS":  # CORS preflight; the CORS headers are added after
            return Response(status=HTTPStatus.OK, headers={"Allow": ops.allow})
        refused = refusal(ops, request.method, request.args.to_dict(flat=False))
        if refused is None:
            return None
        return error_response(refused.status, refused.description, headers=dict(refused.headers))
