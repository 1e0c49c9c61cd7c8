"""Settings from the environment, with documented defaults.

``KC_HOME``          data folder of the managed cluster and exports (default: ``.kc`` in the working directory)
``KC_DATABASE_URL``  use this database instead of the managed cluster (a city's server, the compose PostGIS)
``KC_DB_PORT``       port of the managed cluster (default: a free port chosen at first start, then kept)
``KC_PORT``          port of the web server (default 5000)
``KC_HOST``          address the web server binds to (default 127.0.0.1)
``KC_READER_DATABASE_URL``  with KC_DATABASE_URL: the read-only login role (member of
                     ``kc_reader``) that ``kc serve`` reads with; unset, it reads with
                     KC_DATABASE_URL's role and warns. The managed cluster needs none: ``kc serve``
                     creates the login role ``kc_api`` (password in ``$KC_HOME/api-reader.json``)
``KC_PUBLIC_URL``    the server's URL as clients see it (behind a proxy), used in links
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from gis.store.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = PROJECT_ROOT / "config"
SQL_DIR = PROJECT_ROOT / "sql"


def _port(name: str, value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        port = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a TCP port number, found {value!r}") from None
    if not 1 <= port <= 65535:
        raise ConfigError(f"{name} must be between 1 and 65535, found {port}")
    return port


@dataclass(frozen=True)
class Settings:
    """Where things live and which database to use."""

    home: Path
    database_url: str | None
    db_port: int | None
    server_port: int
    server_host: str

    @property
    def uses_external_database(self) -> bool:
        """True when ``KC_DATABASE_URL`` points at a database the tool does not manage."""
        return bool(self.database_url)


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read the settings from ``environ`` (default: the process environment)."""
    env = os.environ if environ is None else environ
    home = Path(env.get("KC_HOME") or ".kc").expanduser()
    return Settings(
        home=home.absolute(),
        database_url=env.get("KC_DATABASE_URL") or None,
        db_port=_port("KC_DB_PORT", env.get("KC_DB_PORT")),
        server_port=_port("KC_PORT", env.get("KC_PORT")) or 5000,
        server_host=env.get("KC_HOST") or "127.0.0.1",
    )
