"""The server's languages, all derived from the store's one list (``gis.store.reference.LANGUAGES``).

pygeoapi is configured with locale tags (``de-DE``), the provider and the viewer work with the
language codes (``de``); both come from the store's list here, so adding a language is one edit
in the store (plus its translations). No pygeoapi import: ``gis.api.app`` uses these before
``gis.api.patches`` has checked the installed pygeoapi.
"""

from __future__ import annotations

from typing import Any

from babel.core import Locale, get_global

from gis.store.reference import LANGUAGES

#: The language every text has (``gis.store.reference.i18n`` requires English): the answer when
#: a text has no translation or a client asks for a language we do not serve.
FALLBACK = "en"


def locale_tag(code: str) -> str:
    """``de`` → ``de-DE``: the tag pygeoapi is configured with, its region from CLDR's likely
    subtags (babel's data, which pygeoapi's own localisation uses), so no second table of the
    languages is needed."""
    likely = Locale.parse(get_global("likely_subtags")[code])
    return f"{code}-{likely.territory}"


#: pygeoapi's ``languages`` (server and providers), in the store's order: the first is the default.
LOCALES = tuple(locale_tag(code) for code in LANGUAGES)


def pick_language(language: Any) -> str:
    """A served language code from pygeoapi's provider locale (a babel Locale, a tag or None)."""
    code = getattr(language, "language", None) or (language if isinstance(language, str) else "")
    code = code.split("-")[0].split("_")[0].lower()
    return code if code in LANGUAGES else FALLBACK


def translate(value: Any, language: str) -> Any:
    """The text in ``language`` from an ``{"en", "de", "fr"}`` object, else the English one."""
    if not isinstance(value, dict):
        return value
    return value.get(language) or value.get(FALLBACK)
