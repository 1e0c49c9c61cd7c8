"""Project Books per thematic field and the cross-topic analysis of challenges, per point.

``build_books`` writes them, ``books_dir`` says where the server finds them (``/books/``).
"""

from gis.books.build import books_dir, build_books

__all__ = ["books_dir", "build_books"]
