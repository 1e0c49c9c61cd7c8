"""Cross-origin requests (CORS): anyone may read; only the configured origins may write.

Every answer allows any origin to read (``*``: the data is public). A page of an origin listed
in ``KC_CORS_WRITE_ORIGINS`` (a city's data platform) may also write through the OGC API's
Part 4 from the browser: for it the answer names the origin and allows ``POST``, ``PUT``,
``PATCH``, ``DELETE`` with ``Authorization`` and ``If-Match`` (and shows ``ETag`` and
``Location``). No cookie is ever allowed cross-origin (no ``Allow-Credentials``): a write
authenticates with its ``Authorization`` header. The answers then depend on ``Origin``, so
they say ``Vary: Origin`` for caches.
"""

from __future__ import annotations

from collections.abc import Collection

READ_METHODS = "GET, HEAD, OPTIONS"
WRITE_METHODS = "GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE"
READ_HEADERS = "Accept, Accept-Language, Content-Type, Range"
WRITE_HEADERS = f"{READ_HEADERS}, Authorization, If-Match"
EXPOSE = "Content-Language, Content-Crs, Content-Length, Link, ETag, Location"
#: Seconds a browser may keep a preflight's answer.
MAX_AGE = "600"
READ_ONLY = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": READ_METHODS,
    "Access-Control-Allow-Headers": READ_HEADERS,
    "Access-Control-Expose-Headers": EXPOSE,
}


def cors_headers(origin: str | None, write_origins: Collection[str]) -> dict[str, str]:
    """The CORS headers of an answer to a request from ``origin``."""
    if origin and origin in write_origins:
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": WRITE_METHODS,
            "Access-Control-Allow-Headers": WRITE_HEADERS,
            "Access-Control-Expose-Headers": EXPOSE,
            "Access-Control-Max-Age": MAX_AGE,
        }
    return dict(READ_ONLY)


def vary(existing: str | None, *names: str) -> str:
    """``existing`` Vary header with ``names`` added once each (case-insensitive)."""
    have = [v.strip() for v in (existing or "").split(",") if v.strip()]
    lower = {v.lower() for v in have}
    return ", ".join([*have, *(n for n in names if n.lower() not in lower)])
