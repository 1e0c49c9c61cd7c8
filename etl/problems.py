"""Collecting a file's problems while validating it (see ``etl.errors`` for the error raised)."""

from __future__ import annotations

from collections.abc import Iterable

from etl.errors import LoadProblems, Problem


class Problems:
    """The problems of one load, in the order found; ``raise_if_any`` stops before writing."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[Problem] = []

    def add(self, where: object, field: str, found: object, expected: str) -> None:
        self.items.append(Problem(self.file, str(where), field, _show(found), expected))

    def add_many(
        self, wheres: Iterable[object], field: str, founds: Iterable[object], expected: str
    ) -> None:
        """One problem per (where, found) pair: the vectorised checks report this way."""
        for where, found in zip(wheres, founds, strict=True):
            self.add(where, field, found, expected)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise LoadProblems(self.items)


def _show(value: object) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, float) and value != value:
        return "(empty)"
    text = str(value)
    return repr(text) if text != text.strip() else text or "(empty)"
