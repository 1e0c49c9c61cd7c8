"""What is wrong with an input, one record per problem, as every entry path reports it.

A workbook row, a file's feature and a feature written through the OGC API are checked by the
same code and described the same way: where (file, row or feature, field), what was found and
what was expected. The loaders raise them together (``etl.errors.LoadProblems``); the web
server answers them as a 400 (``gis.api.writes``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an input: where (file, row or feature, field), what was found and expected."""

    file: str
    where: str
    field: str
    found: str
    expected: str


class ProblemList:
    """The problems of one input, in the order found."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[Problem] = []

    def add(self, where: object, field: str, found: object, expected: str) -> None:
        self.items.append(Problem(self.file, str(where), field, show(found), expected))

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


def show(value: object) -> str:
    """A found value as a message shows it: empty as ``(empty)``, stray spaces quoted."""
    if value is None:
        return "(empty)"
    if isinstance(value, float) and value != value:
        return "(empty)"
    text = str(value)
    return repr(text) if text != text.strip() else text or "(empty)"
