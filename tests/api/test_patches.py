"""gis.api.patches: the version and target checks, idempotence, and what each patch changes."""

from __future__ import annotations

import tomllib

import pygeoapi
import pytest
from pygeoapi.provider.sql import PostgreSQLProvider

from gis.api import patches
from gis.api.config import CRS84
from gis.api.provider import ValidTimeProvider
from gis.store.errors import ConfigError, KCError
from gis.store.settings import PROJECT_ROOT


@pytest.fixture
def restored(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every patch target put back as it was after the test (pygeoapi is process-global)."""
    for patch in patches.PATCHES:
        owner, name = patch.location()
        monkeypatch.setattr(owner, name, getattr(owner, name))


def targets() -> list[object]:
    return [getattr(*p.location()) for p in patches.PATCHES]


def test_another_pygeoapi_version_is_refused(restored, monkeypatch) -> None:
    before = targets()
    monkeypatch.setattr(pygeoapi, "__version__", "0.22.0")
    with pytest.raises(ConfigError) as err:
        patches.apply_patches()
    message = str(err.value)
    assert "pygeoapi 0.22.0 is installed" in message
    assert "written for pygeoapi 0.21.0" in message
    assert "make setup" in message and "PYGEOAPI_VERSION" in message
    assert isinstance(err.value, KCError)
    assert targets() == before  # nothing patched


def test_the_pinned_version_is_the_one_patched_for() -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pin = f"pygeoapi=={patches.PYGEOAPI_VERSION}"
    assert pin in project["project"]["dependencies"]


@pytest.mark.parametrize(
    ("module", "attribute"),
    [("pygeoapi.l10n", "get_plugin_locale_renamed"), ("pygeoapi.no_such_module", "anything")],
)
def test_a_missing_target_is_refused(restored, module, attribute) -> None:
    gone = patches.Patch("gone", module, attribute, lambda original: original, "a test")
    with pytest.raises(ConfigError, match=rf"patch gone: {module}\.{attribute} no longer exists"):
        patches.apply_patches((*patches.PATCHES, gone))
    assert patches.missing_targets() == []


def test_a_renamed_or_shadowed_private_method_is_refused() -> None:
    assert patches.private_method_problems(PostgreSQLProvider, ValidTimeProvider) == []

    class Renamed(PostgreSQLProvider):
        _get_datetime_filter = None  # as if pygeoapi had renamed it

    class Shadowing(ValidTimeProvider):
        def _get_crs_transform(self, crs_transform_spec=None):  # not declared as an override
            return None

    renamed = patches.private_method_problems(Renamed, ValidTimeProvider)
    assert len(renamed) == 1 and "Renamed._get_datetime_filter no longer exists" in renamed[0]
    shadowing = patches.private_method_problems(PostgreSQLProvider, Shadowing)
    assert len(shadowing) == 1 and "Shadowing._get_crs_transform overrides" in shadowing[0]


def test_applying_twice_changes_nothing_the_second_time(restored) -> None:
    names = [p.name for p in patches.PATCHES]
    assert patches.apply_patches() == names
    once = targets()
    assert patches.apply_patches() == []
    assert targets() == once
    assert [getattr(t, patches.MARK) for t in once] == names


def test_the_patches_do_what_they_say(restored) -> None:
    patches.apply_patches()
    from pygeoapi import l10n
    from pygeoapi.api import itemtypes

    assert itemtypes.validate_datetime({}, "2018-01-31T23:30:00-02:00") == "2018-02-01"
    with pytest.raises(ValueError, match="invalid datetime 'tomorrow'"):
        itemtypes.validate_datetime({}, "tomorrow")
    headers = {"Accept-Language": "fr;q=0.5, it, de;q=0.7"}
    assert pygeoapi.api.get_choice_from_headers(headers, "accept-language", all=True) == [
        "it",
        "de",
        "fr",
    ]
    locale = l10n.get_plugin_locale({"languages": ["en-US", "de-DE"]}, "fr;q=0.9, de;q=0.8")
    assert str(locale) == "de_DE"
    from pygeoapi.util import transform_bbox

    cc46 = "http://www.opengis.net/def/crs/EPSG/0/3946"
    box = [1843000.0, 5175000.0, 1844000.0, 5176000.0]
    assert itemtypes.transform_bbox(box, cc46, CRS84) == transform_bbox(box, cc46, CRS84)
    assert itemtypes.transform_bbox(box, cc46, CRS84) == transform_bbox(box, cc46, CRS84)


def test_crs_transform_spec_is_made_once_per_input() -> None:
    """The same inputs give the same spec, made once; other inputs another; an unsupported
    crs is refused every time; the config is left as it was."""
    from pygeoapi.api import itemtypes

    spec_of = patches.crs_transform_spec_once(itemtypes.create_crs_transform_spec)
    epsg4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
    config = {"storage_crs": CRS84, "crs": [CRS84, epsg4326]}
    first = spec_of(config, epsg4326)
    assert first is not None and first.target_crs_uri == epsg4326
    assert spec_of(dict(config), epsg4326) is first
    assert spec_of(config, None) is None  # CRS84 asked: nothing to transform
    other = spec_of({"storage_crs": CRS84, "crs": [CRS84]}, None)
    assert other is None
    for _ in range(2):
        with pytest.raises(ValueError, match="not supported"):
            spec_of({"storage_crs": CRS84, "crs": [CRS84]}, epsg4326)
    assert config == {"storage_crs": CRS84, "crs": [CRS84, epsg4326]}
