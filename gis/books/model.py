"""Plain records the books are rendered from: no database, no I/O, easy to build in tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from gis.store.report_sections import REPORT_SECTIONS

#: A text for people: ``{"en": …, "de": …, "fr": …}``, English always present.
I18n = dict[str, str]

#: The report sections of the Common Reporting questionnaire, in the order the books show them.
SECTIONS = REPORT_SECTIONS


@dataclass(frozen=True)
class Point:
    code: str
    valid_at: dt.date
    label: I18n


@dataclass(frozen=True)
class Status:
    code: str
    label: I18n
    colour: str
    sort_order: int


@dataclass(frozen=True)
class Named:
    """A city, thematic field or challenge: a code, a name and an order to list them in."""

    code: str
    name: I18n
    sort_order: int = 0
    lighthouse: bool = True


@dataclass(frozen=True)
class Reference:
    """The vocabularies of the database, ordered for display."""

    points: tuple[Point, ...]
    statuses: dict[str, Status]
    cities: dict[str, Named]
    fields: dict[str, Named]
    challenges: dict[str, Named]

    def point(self, code: str) -> Point:
        return next(p for p in self.points if p.code == code)

    def points_until(self, code: str) -> tuple[Point, ...]:
        """The points up to and including ``code``, oldest first."""
        index = [p.code for p in self.points].index(code)
        return self.points[: index + 1]

    def previous(self, code: str) -> Point | None:
        index = [p.code for p in self.points].index(code)
        return self.points[index - 1] if index > 0 else None


@dataclass(frozen=True)
class Building:
    building_id: int
    source_id: str
    wkb: bytes


@dataclass(frozen=True)
class ProjectAtPoint:
    """One project as the database knows it at one measurement point."""

    project_id: int
    code: str
    city: str
    field: str
    title: I18n
    status: str
    status_source: str  # "report" or "footprint"
    progress: float | None
    version_id: int | None
    footprint_wkb: bytes | None
    attributes: dict
    buildings: tuple[Building, ...]
    report_id: int | None
    sections: dict[str, I18n | None]
    reported_on: dt.date | None
    challenges: tuple[str, ...]


@dataclass(frozen=True)
class Change:
    """One thing that changed for a project since the previous point (``kind`` + detail)."""

    kind: str  # new, status, text, footprint, buildings
    detail: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProjectPage:
    """A project as one book shows it: the state at the point, its history and its changes."""

    now: ProjectAtPoint
    history: tuple[tuple[Point, ProjectAtPoint | None], ...]
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class Book:
    """The Project Book of one thematic field at one point."""

    field: Named
    point: Point
    previous: Point | None
    projects: tuple[ProjectPage, ...]
    ended: tuple[ProjectAtPoint, ...] = field(default=())
