"""A page's features passed from PostGIS to the client as the text PostGIS wrote (issue 15).

The provider has PostGIS write each feature as JSON (``gis.api.provider.feature_sql``) in the
form pygeoapi's ``to_json`` gives it: no spaces, floats as Python writes them. Parsing that text
into dicts only for pygeoapi to write the same text again cost about 1.2 ms of a 100-feature
page (half of the Python a bbox request ran). So a JSON page keeps its features as texts
(``FeatureTexts``) and the items endpoint's ``to_json`` (patched, ``splice``) writes them into
the collection as they are.

The answer stays, to the byte, what parsing and writing gave: ``passable`` lets a text through
only when ``json.dumps(json.loads(text))`` is that text again. The SQL guarantees it for the
columns it writes canonically (the provider says which); what it cannot guarantee is checked on
the text: a number in exponent form (PostgreSQL writes ``1e+15`` where Python writes
``1000000000000000.0``), a coordinate below 1e-4 (PostGIS writes ``0.00001``, Python ``1e-05``)
or a negative zero. Non-ASCII characters are escaped as ``json.dumps`` escapes them. Anything
else, and every other format (HTML, JSON-LD, CSV, pretty-printed JSON), gets parsed features.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

#: Numbers whose text Python may write differently (see the module's docstring): exponent
#: forms, numbers below 1e-4 written in full, negative zeros. Each starts with a literal, which
#: ``re`` scans for fast (0.1 ms for a page of 100 buildings; one pattern with alternatives took
#: 1.5 ms). A match in a string value, or in a number such as 10.00001, only costs the parse.
_NOT_CANONICAL = tuple(map(re.compile, (r"e[-+]?\d", r"0\.0000", r"-0[,\]}]")))
#: What ``json.dumps`` (ensure_ascii) escapes beyond what PostgreSQL escapes: non-ASCII and DEL.
_ESCAPED = re.compile(r"[^\x00-\x7e]")
#: How pygeoapi's ``to_json`` writes an empty feature list (compact separators).
_EMPTY = '"features":[]'


class FeatureTexts(list):
    """The features of a page as their JSON texts, in order (``len`` is the feature count)."""

    _joined: str | None = None

    def joined(self) -> str:
        if self._joined is None:
            self._joined = ",".join(self)
        return self._joined

    def parsed(self) -> list[dict]:
        return json.loads("[" + self.joined() + "]") if self else []


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"


def ascii_json(text: str) -> str:
    """``text`` (JSON) with non-ASCII characters and DEL escaped as ``json.dumps`` does."""
    if text.isascii() and "\x7f" not in text:
        return text
    return _ESCAPED.sub(_escape, text)


def passable(texts: list[str]) -> FeatureTexts | None:
    """The texts as they may be served unparsed, or None when a number needs Python's form."""
    text = ",".join(texts)
    if text.isascii() and "\x7f" not in text:  # the common case: one check of the whole page
        page = FeatureTexts(texts)
        page._joined = text
    else:
        page = FeatureTexts(ascii_json(text) for text in texts)
        text = page.joined()
    return None if any(pattern.search(text) for pattern in _NOT_CANONICAL) else page


def splice(original: Callable[..., str]) -> Callable[..., str]:
    """pygeoapi's ``to_json`` writing ``FeatureTexts`` into a collection as they are."""

    def to_json(dict_, pretty: bool = False) -> str:
        features = dict_.get("features") if isinstance(dict_, dict) else None
        if not isinstance(features, FeatureTexts):
            return original(dict_, pretty)
        if pretty:
            return original({**dict_, "features": features.parsed()}, pretty)
        text = original({**dict_, "features": []}, pretty)
        at = text.index(_EMPTY) + len(_EMPTY) - 1
        return text[:at] + features.joined() + text[at:]

    return to_json
