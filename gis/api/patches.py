"""Every change the server makes to pygeoapi, named, explained and checked before it starts.

pygeoapi is used as a library, but a few of its module functions are replaced (``PATCHES``) and
the PostgreSQL provider's private filter methods are overridden by ``ValidTimeProvider``
(``PRIVATE_METHODS``); each entry says why. Such changes are written against one release's code.
After an upgrade a replaced function may have moved (the patch then silently does nothing) or a
private method been renamed (the override is then silently bypassed: ``datetime`` would stop
selecting versions by valid time, with no error anywhere). So ``apply_patches`` first checks that

- the installed pygeoapi is the release the patches were written for (``PYGEOAPI_VERSION``);
- every patched module attribute still exists;
- every private provider method we override or call still exists on pygeoapi's base class, and
  none of our own private helpers shadows a base method without being declared here;

and refuses to start with a ``ConfigError`` saying what it found and what to do; nothing is
patched then. Applying is idempotent: a target that already holds its patch is left alone, so a
second call (an app factory run twice, tests) never wraps a wrapper.
"""

from __future__ import annotations

import functools
import importlib
import json
import logging
import sys
from collections.abc import Callable, Iterable
from copy import copy as shallow_copy
from dataclasses import dataclass
from typing import Any

from gis.api.cql import parse_text as parse_filter_text
from gis.api.errors import RETRY_AFTER_S, exception_document, is_database_unavailable
from gis.api.valid_time import canonical
from gis.store.errors import ConfigError

#: The pygeoapi release the patches below were written for (and pinned in pyproject.toml).
PYGEOAPI_VERSION = "0.21.0"
#: The attribute marking a replacement with the name of its patch (for idempotence).
MARK = "__kc_patch__"
#: The class whose private methods ``ValidTimeProvider`` overrides or calls.
PROVIDER_BASE = "pygeoapi.provider.sql.PostgreSQLProvider"
PROVIDER = "gis.api.provider.ValidTimeProvider"


# -- the replacements ---------------------------------------------------------------------------
def validate_valid_time(resource_def: dict, datetime_: str | None = None) -> str | None:
    """Stands in for pygeoapi's ``validate_datetime`` on the items endpoint.

    pygeoapi's own check answers a malformed value with dateutil's wording (or a 500 on an
    overflow) and refuses instants outside the temporal extent; for valid time those are simply
    empty states. A ``ValueError`` here becomes a 400 InvalidParameterValue with our message.
    The value is parsed here, once, and passed on in canonical form (see ``gis.api.valid_time``).
    """
    return canonical(datetime_)


def ranked_choices(raw: str | list | None) -> list[str]:
    """The values of a ``lang`` parameter or an Accept-* header, best first (by q-value)."""
    if isinstance(raw, list):
        return raw
    ranked = []
    for position, part in enumerate((raw or "").split(",")):
        value, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if value.strip() and 0 < quality <= 1:
            ranked.append((-quality, position, value.strip()))
    return [value for _, _, value in sorted(ranked)]


def get_choice_from_headers(headers: dict, header_name: str, all: bool = False):
    """pygeoapi's helper with the preferences really sorted (0.21 returns a heap, not a list)."""
    from pygeoapi.util import get_from_headers

    choices = ranked_choices(get_from_headers(headers=headers, header_name=header_name))
    if not choices:
        return None
    return choices if all else choices[0]


def locale_from_list(original: Callable) -> Callable:
    """pygeoapi's ``get_plugin_locale`` given the parsed list of languages, not the raw string."""

    def get_plugin_locale(config: dict, requested_locale):
        return original(config, ranked_choices(requested_locale) or None)

    return get_plugin_locale


class Conformance(list):
    """A conformance list that can carry the patch mark (a plain list cannot)."""


def implemented_conformance(original: list[str]) -> Conformance:
    """pygeoapi's feature conformance classes without those this server does not implement.

    pygeoapi declares OGC API - Features Part 4 (create, replace, delete) for every feature
    provider; ours is read-only (writes go through ``kc``), so a client trusting /conformance
    would try writes and fail.
    """
    return Conformance(c for c in original if "/ogcapi-features-4/" not in c)


def get_exception(self, status, headers: dict, format_, code: str, description: str):
    """pygeoapi's error responses in the one model of ``gis.api.errors`` (JSON, always).

    Its own logs every 4xx at ERROR with the traceback of whatever was being handled; here a
    client's error is left to the one-line request log, and only a 5xx that is not the database
    being away is logged with its traceback. A provider that cannot reach the database makes a
    503 with ``Retry-After``, not a 500: the client can come back.
    """
    error = sys.exc_info()[1]
    if status >= 500 and error is not None and is_database_unavailable(error):
        status, code = 503, "ServiceUnavailable"
        description = f"the database is not reachable at the moment; retry in {RETRY_AFTER_S} s"
        headers["Retry-After"] = str(RETRY_AFTER_S)
    elif status >= 500:
        logging.getLogger("pygeoapi.api").error(description, exc_info=error is not None)
    headers["Content-Type"] = "application/json"
    document = exception_document(status, description, code)
    return headers, status, json.dumps(document, ensure_ascii=False)


def queryables_with_roles(original: Callable) -> Callable:
    """pygeoapi's queryables endpoint with the x-ogc-role of the validity columns.

    pygeoapi marks only the id and its ``time_field`` (as ``primary-instant``); the validity of
    a version is the interval ``[valid_from, valid_to)``, whose bounds OGC API - Features -
    Part 3 calls ``primary-interval-start`` and ``primary-interval-end``.
    """

    def get_collection_queryables(api, request, dataset=None):
        headers, status, content = original(api, request, dataset)
        if status != 200 or headers.get("Content-Type") != "application/schema+json":
            return headers, status, content
        from pygeoapi.util import get_provider_by_type, to_json

        from gis.api.provider import interval_roles

        provider_def = get_provider_by_type(
            api.config["resources"][dataset]["providers"], "feature"
        )
        document = json.loads(content)
        for name, role in interval_roles(provider_def).items():
            if name in document["properties"]:
                document["properties"][name]["x-ogc-role"] = role
        return headers, status, to_json(document, api.pretty_print)

    return get_collection_queryables


def parse_json_bboxes(original: Callable) -> Callable:
    """pygeofilter's CQL2 JSON parser with its boxes put right (``gis.api.cql``).

    Only while the installed pygeofilter still misreads them (pygeofilter is not pinned): a
    fixed release gets a wrapper that changes nothing.
    """
    from gis.api.cql import json_bboxes_fixed, misreads_json_bbox

    fix = json_bboxes_fixed if misreads_json_bbox(original) else (lambda node: node)

    def parse(text):
        return fix(original(text))

    return parse


def boxes_in_filter_crs(original: Callable) -> Callable:
    """pygeoapi's ``modify_pygeofilter`` given boxes as polygons, so ``filter-crs`` applies."""

    def modify_pygeofilter(ast_tree, **kwargs):
        from gis.api.cql import boxes_as_polygons

        return original(boxes_as_polygons(ast_tree), **kwargs)

    return modify_pygeofilter


def filter_languages(original: Callable) -> Callable:
    """pygeoapi's items endpoint taking ``filter-lang=cql2-text`` and ``cql2-json`` (Part 3).

    pygeoapi 0.21 knows only the draft names ``cql-text``/``cql-json`` and reads CQL2 JSON only
    from a POST body. Part 3 puts either language in the ``filter`` query parameter: a
    ``cql2-json`` filter is handed on as the body pygeoapi parses (on a copy of its request
    object), a ``cql2-text`` one as text, which ``cql2-text-filters`` parses as CQL2.
    """

    def get_collection_items(api, request, dataset):
        language = request.params.get("filter-lang")
        if language in ("cql2-text", "cql2-json"):
            request = _with_filter_language(request, language)
        return original(api, request, dataset)

    return get_collection_items


def keyset_links(original: Callable) -> Callable:
    """The items endpoint with the request's paging context (``gis.api.provider``)."""
    from gis.api.provider import keyset_paging

    return keyset_paging(original)


def history_context(original: Callable) -> Callable:
    """An endpoint with the request's history context (``gis.api.history``)."""
    from gis.api.history import history_context as with_history

    return with_history(original)


def cached_bbox_transform(original: Callable) -> Callable:
    """pygeoapi's bbox-crs transform with its transformers kept (``gis.api.provider``)."""
    from gis.api.provider import cached_bbox_transform as cached

    return cached(original)


def crs_transform_spec_once(original: Callable) -> Callable:
    """pygeoapi's ``create_crs_transform_spec`` made once per storage CRS, supported CRSs and
    ``crs`` parameter, not on every request: it builds two pyproj CRSs and compares their text
    each time (0.1 ms, with no ``crs`` too). The key is every input it reads (the config's
    ``storage_crs`` and ``crs``); an error (unsupported or unknown CRS) is raised, not kept. It
    is given a copy of the config: pygeoapi's ``get_supported_crs_list`` appends to its list.
    """

    @functools.lru_cache(maxsize=256)
    def spec(storage_crs: str | None, crs: tuple[str, ...] | None, query_crs_uri: str | None):
        config: dict = {} if crs is None else {"crs": list(crs)}
        if storage_crs is not None:
            config["storage_crs"] = storage_crs
        return original(config, query_crs_uri)

    def create_crs_transform_spec(config: dict, query_crs_uri: str | None = None):
        crs = config.get("crs")
        return spec(config.get("storage_crs"), None if crs is None else tuple(crs), query_crs_uri)

    return create_crs_transform_spec


def features_as_written(original: Callable) -> Callable:
    """pygeoapi's ``to_json`` writing a page's features as PostGIS wrote them
    (``gis.api.feature_text``)."""
    from gis.api.feature_text import splice

    return splice(original)


def _with_filter_language(request, language: str):
    from werkzeug.datastructures import ImmutableMultiDict

    args = [(k, v) for k, v in request.params.items(multi=True) if k != "filter-lang"]
    copy = shallow_copy(request)
    if language == "cql2-json":
        filters = [v for k, v in args if k == "filter"]
        args = [(k, v) for k, v in args if k != "filter"]
        copy._data = filters[0].encode() if filters else b""
    copy._args = ImmutableMultiDict(args)
    return copy


# -- the registry -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Patch:
    """One replaced attribute of a pygeoapi module.

    ``replacement`` is given the original and returns what takes its place (most ignore it).
    """

    name: str
    module: str
    attribute: str
    replacement: Callable[[Any], Any]
    reason: str

    @property
    def target(self) -> str:
        return f"{self.module}.{self.attribute}"

    def location(self) -> tuple[Any, str]:
        """The object holding the patched attribute (a module, or a class in it) and its name."""
        owner: Any = importlib.import_module(self.module)
        *path, name = self.attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        return owner, name


@dataclass(frozen=True)
class PrivateMethod:
    """A private method of pygeoapi's provider that ``ValidTimeProvider`` overrides or calls."""

    name: str
    overridden: bool
    reason: str


PATCHES: tuple[Patch, ...] = (
    Patch(
        name="cql2-filter-languages-and-keyset-links",
        module="pygeoapi.api.itemtypes",
        attribute="get_collection_items",
        replacement=lambda original: keyset_links(filter_languages(history_context(original))),
        reason="filter-lang cql2-text and cql2-json (OGC API - Features Part 3) were a 400; "
        "pygeoapi knows only the draft names and reads CQL2 JSON only from a POST body. And the "
        "provider is given the request's paging context (gis.api.provider.keyset_paging): its "
        "next link is after=<last id>, which pygeoapi's offset links cannot say; and the "
        "request's known_at and datetime for history (gis.api.history.history_context; one "
        "patch: two on one attribute would wrap each other again on every apply)",
    ),
    Patch(
        name="history-context-item",
        module="pygeoapi.api.itemtypes",
        attribute="get_collection_item",
        replacement=lambda original: history_context(original),
        reason="a single feature answers known_at and carries its version links "
        "(gis.api.history): the provider is given the request's HistoryRequest",
    ),
    Patch(
        name="cql2-text-filters",
        module="pygeoapi.api.itemtypes",
        attribute="parse_ecql_text",
        replacement=lambda _original: parse_filter_text,
        reason="pygeoapi parses filter as ECQL: S_INTERSECTS and the other CQL2 names were a 400",
    ),
    Patch(
        name="valid-time-datetime",
        module="pygeoapi.api.itemtypes",
        attribute="validate_datetime",
        replacement=lambda _original: validate_valid_time,
        reason="the items endpoint reads ``datetime`` as valid time: our 400 messages, no "
        "refusal outside the temporal extent, parsed once and passed on in canonical form",
    ),
    Patch(
        name="accept-by-q-value",
        module="pygeoapi.api",
        attribute="get_choice_from_headers",
        replacement=lambda _original: get_choice_from_headers,
        reason="pygeoapi 0.21 takes a heap for a sorted list: 'fr;q=0.5, it, de;q=0.7' came out "
        "as it, fr, de; we sort by q-value",
    ),
    Patch(
        name="plugin-locale-from-list",
        module="pygeoapi.l10n",
        attribute="get_plugin_locale",
        replacement=locale_from_list,
        reason="it hands the raw lang/Accept-Language string to babel's best_match, which takes "
        "a list and so always answers the first language: the provider never saw de or fr",
    ),
    Patch(
        name="conformance-as-implemented",
        module="pygeoapi.api.itemtypes",
        attribute="CONFORMANCE_CLASSES_FEATURES",
        replacement=implemented_conformance,
        reason="pygeoapi declares Part 4 (create/replace/delete) for every feature provider; "
        "this server is read-only",
    ),
    Patch(
        name="one-error-model",
        module="pygeoapi.api",
        attribute="API.get_exception",
        replacement=lambda _original: get_exception,
        reason="errors as JSON in every format, 503 when the database is away, and no traceback "
        "at ERROR for an ordinary 4xx",
    ),
    Patch(
        name="queryables-interval-roles",
        module="pygeoapi.api.itemtypes",
        attribute="get_collection_queryables",
        replacement=queryables_with_roles,
        reason="valid_from and valid_to bound an interval: primary-interval-start and -end "
        "(Part 3), where pygeoapi knows only one primary-instant column",
    ),
    Patch(
        name="bbox-crs-transformer-once",
        module="pygeoapi.api.itemtypes",
        attribute="transform_bbox",
        replacement=lambda original: cached_bbox_transform(original),
        reason="it builds a pyproj transformer from bbox-crs to the storage CRS on every request "
        "with a bbox (1.8 ms for a projected bbox-crs); made once per pair of CRSs and thread "
        "(gis.api.provider.cached_bbox_transform)",
    ),
    Patch(
        name="crs-transform-spec-once",
        module="pygeoapi.api.itemtypes",
        attribute="create_crs_transform_spec",
        replacement=crs_transform_spec_once,
        reason="it builds two pyproj CRSs on every items and item request, with or without a crs "
        "parameter (0.1 ms of a request); made once per storage CRS, supported CRSs and crs",
    ),
    Patch(
        name="features-as-written",
        module="pygeoapi.api.itemtypes",
        attribute="to_json",
        replacement=features_as_written,
        reason="a page's features, written as JSON by PostGIS in the form to_json writes, were "
        "parsed into dicts only to be written again (about 1.2 ms of a 100-feature page); they "
        "are written into the collection as they are (gis.api.feature_text), the same bytes",
    ),
    Patch(
        name="cql2-json-bbox",
        module="pygeoapi.api.itemtypes",
        attribute="parse_cql2_json",
        replacement=parse_json_bboxes,
        reason="pygeofilter 0.4 reads a CQL2 JSON bbox [west, south, east, north] as "
        "x1, x2, y1, y2: s_intersects with a bbox selected the wrong box, silently",
    ),
    Patch(
        name="filter-crs-for-boxes",
        module="pygeoapi.api.itemtypes",
        attribute="modify_pygeofilter",
        replacement=boxes_in_filter_crs,
        reason="pygeoapi moves geometry literals from filter-crs to the storage CRS but not "
        "BBOX, ENVELOPE or bbox: their numbers were read as CRS84 whatever filter-crs said",
    ),
)

PRIVATE_METHODS: tuple[PrivateMethod, ...] = (
    PrivateMethod(
        "_get_datetime_filter",
        overridden=True,
        reason="datetime selects versions whose [valid_from, valid_to) overlaps the requested "
        "days, not rows whose time_field equals a string",
    ),
    PrivateMethod(
        "_get_property_filters",
        overridden=True,
        reason="an unknown property is the client's 400, not a 500; i18n columns compare as text",
    ),
    PrivateMethod(
        "_get_cql_filters",
        overridden=True,
        reason="CQL on i18n (jsonb) columns compares their text; spatial literals reach PostGIS "
        "as SRID 4326 (pygeofilter writes SRID=CRS84); an unknown property, a spatial predicate "
        "on a non-geometry or an unknown function is a 400, not a 500 or a silent empty result",
    ),
    PrivateMethod(
        "_get_bbox_filter",
        overridden=True,
        reason="the base asks pyproj for the storage CRS's EPSG code on every request (tens of "
        "milliseconds, most of a bbox request's time); ours looks it up once per process",
    ),
    PrivateMethod(
        "_get_order_by_clauses",
        overridden=True,
        reason="sorts i18n texts in the requested language and always ends on the id, so pages "
        "never skip or repeat a feature",
    ),
)


# -- checks -------------------------------------------------------------------------------------
def check_version(found: str | None = None) -> None:
    """ConfigError unless the installed pygeoapi is ``PYGEOAPI_VERSION``."""
    if found is None:
        import pygeoapi

        found = pygeoapi.__version__
    if found != PYGEOAPI_VERSION:
        raise ConfigError(
            f"pygeoapi {found} is installed, but the server's patches of pygeoapi "
            f"(gis/api/patches.py) were written for pygeoapi {PYGEOAPI_VERSION}. Install the "
            f"pinned version ('make setup', or pip install pygeoapi=={PYGEOAPI_VERSION}); to "
            f"upgrade instead, review every patch and private method listed in "
            f"gis/api/patches.py against pygeoapi {found}, then change PYGEOAPI_VERSION."
        )


def missing_targets(patches: Iterable[Patch] = PATCHES) -> list[str]:
    """The patches whose module or attribute no longer exists, each with its reason."""
    missing = []
    for patch in patches:
        try:
            owner, name = patch.location()
            found = hasattr(owner, name)
        except (ImportError, AttributeError):
            found = False
        if not found:
            missing.append(f"patch {patch.name}: {patch.target} no longer exists ({patch.reason})")
    return missing


def private_method_problems(
    base: type, provider: type, methods: Iterable[PrivateMethod] = PRIVATE_METHODS
) -> list[str]:
    """What no longer matches between ``provider``'s private methods and ``base``'s.

    Every listed method must exist on ``base``; every private method ``provider`` defines must
    be a listed override or a name ``base`` does not have (an upgrade that adds one would
    otherwise be overridden without anyone deciding to).
    """
    methods = tuple(methods)
    problems = [
        f"{base.__name__}.{m.name} no longer exists, so {provider.__name__}'s "
        f"{'override' if m.overridden else 'call'} would be bypassed or fail ({m.reason})"
        for m in methods
        if not callable(getattr(base, m.name, None))
    ]
    declared = {m.name for m in methods if m.overridden}
    for name, value in vars(provider).items():
        private = name.startswith("_") and not name.startswith("__") and callable(value)
        if private and name not in declared and hasattr(base, name):
            problems.append(
                f"{provider.__name__}.{name} overrides {base.__name__}.{name} without being "
                "listed in PRIVATE_METHODS"
            )
    return problems


def check(
    patches: Iterable[Patch] = PATCHES, methods: Iterable[PrivateMethod] = PRIVATE_METHODS
) -> None:
    """Everything ``apply_patches`` relies on, without patching: a ConfigError listing problems.

    ``kc serve`` calls it before rendering anything, so the message reaches the terminal rather
    than a gunicorn worker's log.
    """
    check_version()
    problems = missing_targets(patches) + private_method_problems(
        _load(PROVIDER_BASE), _load(PROVIDER), methods
    )
    if problems:
        raise ConfigError(
            f"pygeoapi {PYGEOAPI_VERSION} does not have what gis/api/patches.py patches: "
            + "; ".join(problems)
            + ". Reinstall the pinned pygeoapi ('make setup') or update gis/api/patches.py."
        )


# -- applying -----------------------------------------------------------------------------------
def apply_patches(patches: Iterable[Patch] = PATCHES) -> list[str]:
    """Check (``check``), then apply each patch not yet applied; the names of those applied.

    Must run before ``pygeoapi.flask_app`` is imported (it builds its API objects at import).
    """
    patches = tuple(patches)
    check(patches)
    return [patch.name for patch in patches if _apply(patch)]


def _apply(patch: Patch) -> bool:
    owner, name = patch.location()
    current = getattr(owner, name)
    if getattr(current, MARK, None) == patch.name:
        return False
    replacement = patch.replacement(current)
    setattr(replacement, MARK, patch.name)
    setattr(owner, name, replacement)
    return True


def _load(dotted: str) -> type:
    module, _, name = dotted.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as err:
        raise ConfigError(
            f"{dotted} cannot be loaded ({err}): gis/api/patches.py was written for pygeoapi "
            f"{PYGEOAPI_VERSION}; reinstall it ('make setup') or update the patches."
        ) from err
