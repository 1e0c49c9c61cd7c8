"""Collecting a file's problems while validating it (see ``etl.errors`` for the error raised)."""

from __future__ import annotations

from etl.errors import LoadProblems
from gis.store.problems import ProblemList


class Problems(ProblemList):
    """The problems of one load, in the order found; ``raise_if_any`` stops before writing."""

    def raise_if_any(self) -> None:
        if self.items:
            raise LoadProblems(self.items)
