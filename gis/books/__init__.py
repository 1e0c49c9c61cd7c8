"""Project Books per thematic field and the cross-topic analysis of challenges, per point.

``build_books`` writes them into ``Settings.books_dir`` (``KC_BOOKS_DIR``), which the server
serves under ``/books/``.
"""

from gis.books.build import build_books

__all__ = ["build_books"]
