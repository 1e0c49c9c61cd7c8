"""The real LoD2 city models loaded as ``kc load buildings`` loads them, and exported both ways.

Shared by the tests of true heights, of city models in the pipeline and in CesiumJS: each city's
file with the options its heights need (Lyon: NGF-IGN69 in the compound CRS; Vienna: heights
above Wiener Null).
"""

from __future__ import annotations

from pathlib import Path

from tests.etl.city_models import LYON_LOD2, VIENNA_LOD2
from tests.etl.helpers import kc
from tests.shared_data import require

#: city: (model file, the options its heights need)
CITY_MODELS = {
    "lyon": (LYON_LOD2, ("--crs", "EPSG:3946+5720")),
    "vienna": (VIENNA_LOD2, ("--vertical-datum", "wiener-null")),
}


def load_city_model(db_url: str, city: str, point: str = "PM18") -> None:
    """``kc load buildings`` of the city's LoD2 model at ``point``."""
    path, options = CITY_MODELS[city]
    result = kc(db_url, "load", "buildings", require(path), "--city", city, "--at", point, *options)
    assert result.exit_code == 0, result.output


def export_both_heights(db_url: str, out: Path, city: str, *options: str) -> None:
    """``kc tiles export`` of ``city`` at PM18 into ``out/false`` (ground at 0) and
    ``out/true`` (true ellipsoidal heights)."""
    for heights in ("false", "true"):
        result = kc(
            db_url, "tiles", "export", "--at", "PM18", "--city", city,
            "--heights", heights, *options, "--out", out / heights,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
