"""pygeoapi's HTML pages (``?f=html``): our template overrides and their interface strings.

pygeoapi renders its pages from Jinja2 templates, looking first in ``server.templates.path`` (our
``gis/api/templates/``: copies of the few templates that had to change, each saying what and why
at its top) and then in its own. Its interface strings are ``{% trans %}`` blocks translated
through gettext catalogues read from ``server.locale_dir``, but pygeoapi 0.21's package ships
none, so every page stayed English. Ours are ``gis/api/locale/<lang>/LC_MESSAGES/messages.po``
(plain text, reviewed like code), one per language of the store; ``kc serve`` compiles them
into ``KC_HOME/server/locale`` (``compile_catalogues``) and points ``server.locale_dir`` there.
pygeoapi picks the catalogue of the request's language (``lang=`` or Accept-Language).
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from gis.store.files import write_atomic
from gis.store.reference import LANGUAGES

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "templates"
CATALOGUES_DIR = HERE / "locale"
DOMAIN = "messages"


def catalogue_path(folder: Path, language: str, suffix: str) -> Path:
    return folder / language / "LC_MESSAGES" / f"{DOMAIN}.{suffix}"


def read_catalogue(language: str):
    """The ``babel.messages.Catalog`` of ``language`` from our ``.po`` file."""
    path = catalogue_path(CATALOGUES_DIR, language, "po")
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


def compile_catalogues(target: Path) -> Path:
    """Write the ``.mo`` file of every language into ``target`` (pygeoapi's ``locale_dir``)."""
    for language in LANGUAGES:
        buffer = io.BytesIO()
        write_mo(buffer, read_catalogue(language))
        write_atomic(catalogue_path(target, language, "mo"), buffer.getvalue())
    return target


def server_keys(locale_dir: Path, base_map: dict) -> dict:
    """The keys of pygeoapi's ``server`` section for the HTML pages."""
    return {
        "templates": {"path": str(TEMPLATES_DIR)},
        "locale_dir": str(locale_dir),
        "map": base_map,
    }
