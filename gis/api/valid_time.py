"""The OGC API ``datetime`` parameter read as valid time.

Versions are valid over whole days ``[valid_from, valid_to)``. A request instant ``t`` selects
the versions whose validity contains the day of ``t`` (in UTC); a closed interval ``[a, b]``
(either end may be open, ``..`` or empty) selects the versions whose validity overlaps it. Pure
functions: the provider turns the result into SQL, the web layer turns a ``ValueError`` into a 400.

The value is parsed once per request, by the items endpoint's validator (``canonical``, patched
into pygeoapi by ``gis.api.patches``), which hands pygeoapi the canonical form
(``ValidTime.normalized``: dates and ``..``). The provider only decodes that form
(``ValidTime.from_normalized``). pygeoapi's contract stays a string from validator to provider, so
nothing in pygeoapi between the two (logging, the provider call) sees an unexpected type, and the
parser's rules and messages live in one place.
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

#: A date; GDAL 3.6's OAPIF driver writes one with a bare "T" (a -where on valid_from becomes
#: datetime=../2017-07-31T): read as that date rather than refused.
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt]?$")
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

    @classmethod
    def from_normalized(cls, text: str) -> ValidTime:
        """The inverse of ``normalized``: decodes the canonical form, and only that form.

        Anything else (a value that did not come through ``canonical``) is a ValueError, not a
        second, lenient parse.
        """
        first, slash, last = text.partition("/")
        try:
            if slash:
                decoded = cls(_day_or_open(first), _day_or_open(last), instant=False)
            else:
                day = dt.date.fromisoformat(text)
                decoded = cls(day, day, instant=True)
        except ValueError:
            decoded = None
        if decoded is None or decoded.normalized() != text:
            raise ValueError(f"{text!r} is not a normalized valid time (ValidTime.normalized)")
        return decoded


def _day_or_open(text: str) -> dt.date | None:
    return None if text == ".." else dt.date.fromisoformat(text)


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


def canonical(value: str | None) -> str | None:
    """The ``datetime`` parameter parsed and given back in canonical form; None when absent.

    Raises ``parse_datetime``'s ValueError (the 400's message) for a value that is not valid time.
    """
    parsed = parse_datetime(value)
    return None if parsed is None else parsed.normalized()
