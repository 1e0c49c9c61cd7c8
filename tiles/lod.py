"""Levels of detail (placeholder: inner tiles without content)."""

from __future__ import annotations


class Blocks:
    def __init__(self, layout, tree, frame, store, fmt, points) -> None:
        pass

    def for_point(self, k):
        return lambda path: None

    def temporal(self):
        return lambda path: None
