"""Project Books per thematic field and the cross-topic analysis of challenges, per point.

``build_books`` writes them into ``Settings.books_dir`` (``KC_BOOKS_DIR``), which the server
serves under ``/books/``.
"""

from __future__ import annotations

__all__ = ["build_books"]


def __getattr__(name: str):
    # Imported when used, not with the package: `kc db start` need not load the renderers.
    if name == "build_books":
        from gis.books.build import build_books

        return build_books
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
