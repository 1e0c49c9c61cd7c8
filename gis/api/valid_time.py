"""The OGC API ``datetime`` parameter read as valid time.

Versions are valid over whole days ``[valid_from, valid_to)``. A request instant ``t`` selects
the versions whose validity contains the day of ``t`` (in UTC); a closed interval ``[a, b]``
(either end may be open, ``..`` or empty) selects the versions whose validity overlaps it. Pure
functions: the provider turns the result into SQL, the web layer turns a ``ValueError`` into a 400.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

EXPECTED = (
    "expected an RFC 3339 date or date-time (2018-01-31 or 2018-01-31T12:00:00Z) or an interval "
    "of two of them separated by '/', with '..' or nothing for an open end (2017-07-31/.., "
    "../2018-01-31)"
)

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$"
)


@dataclass(frozen=True)
class ValidTime:
    """Days selected by a ``datetime`` value: ``first`` to ``last`` inclusive, None = open end."""

    first: dt.date | None
    last: dt.date | None
    instant: bool

    @property
    def unbounded(self) -> bool:
        return self.first is None and self.last is None

    def normalized(self) -> str:
        """The value in canonical form (dates, ``..`` for open ends)."""
        if self.instant:
            return self.first.isoformat()  # type: ignore[union-attr]
        return "/".join(d.isoformat() if d else ".." for d in (self.first, self.last))


def parse_instant(text: str) -> dt.date:
    """The UTC day of an RFC 3339 date or date-time; ValueError with what was found otherwise."""
    text = text.strip()
    try:
        if match := _DATE.match(text):
            return dt.date(*map(int, match.groups()))
        if match := _DATETIME.match(text):
            year, month, day, hour, minute, second = map(int, match.groups()[:6])
            zone = match.group(8)
            stamp = dt.datetime(year, month, day, hour, minute, min(second, 59))
            if zone and zone not in "Zz":
                sign = 1 if zone[0] == "+" else -1
                hours, minutes = int(zone[1:3]), int(zone[4:6])
                if hours > 23 or minutes > 59:
                    raise ValueError(f"time zone offset {zone!r} out of range")
                stamp -= sign * dt.timedelta(hours=hours, minutes=minutes)
            return stamp.date()
    except (ValueError, OverflowError) as err:
        raise ValueError(f"invalid datetime {text!r}: {err}; {EXPECTED}") from None
    raise ValueError(f"invalid datetime {text!r}: {EXPECTED}")


def parse_datetime(value: str | None) -> ValidTime | None:
    """Parse the ``datetime`` query parameter; None when absent (no time filter)."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        raise ValueError(f"empty datetime parameter: {EXPECTED}")
    if "/" not in text:
        day = parse_instant(text)
        return ValidTime(day, day, instant=True)
    parts = text.split("/")
    if len(parts) != 2:
        raise ValueError(f"invalid datetime {text!r}: more than one '/'; {EXPECTED}")
    first, last = (None if p.strip() in ("", "..") else parse_instant(p) for p in parts)
    if first is not None and last is not None and first > last:
        raise ValueError(
            f"invalid datetime {text!r}: the interval ends ({last}) before it begins ({first})"
        )
    return ValidTime(first, last, instant=False)
