"""One configuration: every KC_* variable read in one place, documented, and nowhere else."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gis.store.errors import ConfigError
from gis.store.settings import DEFAULT_CESIUM_DIR, PROJECT_ROOT, load_settings

SETTINGS_MODULE = PROJECT_ROOT / "gis" / "store" / "settings.py"
#: The modules allowed to read the process environment: the settings and the two entry points
#: (the ``kc`` command hands its environment to gunicorn; the WSGI app calls load_settings).
ENVIRON_READERS = {SETTINGS_MODULE, PROJECT_ROOT / "gis" / "cli" / "serve.py"}


def variables_read() -> set[str]:
    return set(re.findall(r'env\.get\("(KC_[A-Z_]+)"\)', SETTINGS_MODULE.read_text()))


def test_every_variable_is_in_the_readme_table_and_the_module_docstring() -> None:
    names = variables_read()
    assert len(names) == 19, names
    readme = (PROJECT_ROOT / "README.md").read_text()
    table = set(re.findall(r"^\| `(KC_[A-Z_]+)` \|", readme, flags=re.M))
    assert table == names
    doc = SETTINGS_MODULE.read_text().split('"""')[1]
    assert set(re.findall(r"``(KC_[A-Z_]+)``", doc)) >= names


def test_no_module_below_the_entry_points_reads_or_writes_the_environment() -> None:
    offenders = []
    for package in ("gis", "etl", "tiles"):
        for path in (PROJECT_ROOT / package).rglob("*.py"):
            if "os.environ" in path.read_text() and path not in ENVIRON_READERS:
                offenders.append(str(path.relative_to(PROJECT_ROOT)))
    assert offenders == []


def test_defaults_follow_home_and_overrides_win(tmp_path: Path) -> None:
    settings = load_settings({"KC_HOME": str(tmp_path)})
    assert settings.home == tmp_path
    assert settings.tiles_dir == tmp_path / "tiles" and settings.books_dir == tmp_path / "books"
    assert settings.cesium_dir == DEFAULT_CESIUM_DIR and settings.server_port == 5000
    assert settings.server_host == "127.0.0.1" and settings.public_url is None
    other = load_settings(
        {
            "KC_HOME": str(tmp_path),
            "KC_TILES_DIR": str(tmp_path / "t"),
            "KC_PUBLIC_URL": "https://kc.example.org/api/",
            "KC_PG_BINDIR": "/opt/pg/bin",
            "KC_CONTACT_EMAIL": " gis@lyon.example ",
        }
    )
    assert settings.contact_email is None and other.contact_email == "gis@lyon.example"
    assert other.tiles_dir == tmp_path / "t" and other.books_dir == tmp_path / "books"
    assert other.public_url == "https://kc.example.org/api"
    assert other.pg_bindir == Path("/opt/pg/bin")


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("KC_PORT", "http", "KC_PORT must be a TCP port number, found 'http'"),
        ("KC_DB_PORT", "70000", "KC_DB_PORT must be between 1 and 65535, found 70000"),
        ("KC_PUBLIC_URL", "kc.example.org", "KC_PUBLIC_URL must be a URL"),
        ("KC_CONTACT_EMAIL", "gis at lyon", "KC_CONTACT_EMAIL must be an e-mail address"),
        ("KC_CONTACT_EMAIL", "a@b@c.org", "KC_CONTACT_EMAIL must be an e-mail address"),
    ],
)
def test_bad_values_say_which_variable_and_what_was_found(name, value, expected) -> None:
    with pytest.raises(ConfigError, match=re.escape(expected)):
        load_settings({name: value})


def test_single_sign_on_settings_need_a_client_and_keep_the_secret_out_of_sight(
    tmp_path: Path,
) -> None:
    assert load_settings({"KC_HOME": str(tmp_path)}).oidc is None
    issuer = {"KC_HOME": str(tmp_path), "KC_OIDC_ISSUER": "https://login.lyon.example/"}
    with pytest.raises(ConfigError, match="KC_OIDC_CLIENT_ID and a client secret"):
        load_settings({**issuer, "KC_OIDC_CLIENT_ID": "kc"})
    with pytest.raises(ConfigError, match="cannot be read"):
        load_settings({**issuer, "KC_OIDC_CLIENT_ID": "kc",
                       "KC_OIDC_CLIENT_SECRET_FILE": str(tmp_path / "missing")})  # fmt: skip
    secret_file = tmp_path / "secret"
    secret_file.write_text("s3cret-from-the-file\n")
    settings = load_settings({**issuer, "KC_OIDC_CLIENT_ID": "kc",
                              "KC_OIDC_CLIENT_SECRET": "from-the-environment",
                              "KC_OIDC_CLIENT_SECRET_FILE": str(secret_file)})  # fmt: skip
    assert settings.oidc.issuer == "https://login.lyon.example"
    assert settings.oidc.client_secret == "s3cret-from-the-file"  # the file wins
    assert settings.oidc.claim == "email"
    assert "s3cret" not in repr(settings) and "s3cret" not in str(settings.oidc)


def test_cors_write_origins_are_origins(tmp_path: Path) -> None:
    home = {"KC_HOME": str(tmp_path)}
    assert load_settings(home).cors_write_origins == ()
    given = "https://data.grandlyon.com, http://127.0.0.1:8080/"
    assert load_settings({**home, "KC_CORS_WRITE_ORIGINS": given}).cors_write_origins == (
        "https://data.grandlyon.com",
        "http://127.0.0.1:8080",
    )
    for bad in ("*", "https://data.grandlyon.com/portal", "data.grandlyon.com"):
        with pytest.raises(ConfigError, match="scheme://host"):
            load_settings({**home, "KC_CORS_WRITE_ORIGINS": bad})
