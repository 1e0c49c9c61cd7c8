"""A ``ValidTimeProvider`` on a test database, configured as ``kc serve`` configures it."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from gis.api.config import CRS84
from gis.api.provider import ValidTimeProvider


def make_provider(url: str, table: str, **keys: object) -> ValidTimeProvider:
    """The provider reading ``kc.<table>`` at ``url``; ``keys`` adds provider settings."""
    parts = urlsplit(url)
    return ValidTimeProvider(
        {
            "name": "gis.api.provider.ValidTimeProvider",
            "type": "feature",
            "data": {
                "host": parts.hostname,
                "port": parts.port,
                "dbname": parts.path.strip("/"),
                "user": unquote(parts.username or ""),
                "password": unquote(parts.password or ""),
                "search_path": ["kc"],
            },
            "table": table,
            "id_field": "id",
            "geom_field": "geom",
            "storage_crs": CRS84,
            **keys,
        }
    )
