"""Vertical datums of city models, and heights above them turned into ellipsoidal heights.

A city model's z is an orthometric height above a national datum (NGF-IGN69 in Lyon, LN02 in
Zurich, DHHN2016 in Bavaria), or, in Vienna's Baukörpermodell, above "Wiener Null", the zero of
the Danube gauge at Rossauer Lände, 156.68 m above the Adriatic (GHA, EPSG:5778). Viewers with
terrain need WGS 84 ellipsoidal heights: h = z + datum offset + N, with N the geoid height.

N comes from the national geoid grid when PROJ has it installed (RAF20 for France, BEV's for
Austria, chgeo2004 for Switzerland, GCG2016 for Germany) and otherwise from the global EGM96 grid
(``egm96_15.gtx``, Debian's proj-data), whose difference to the national datums is below 1 m in
the three cities. Which model was used is recorded with every version (``geoid``).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyproj
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from pyproj.transformer import TransformerGroup

#: Wiener Null above the Adriatic datum (GHA), metres (Stadt Wien, Stadtvermessung MA 41).
WIENER_NULL_M = 156.68
EGM96 = "egm96_15.gtx"


@dataclass(frozen=True)
class VerticalDatum:
    """What a file's z is measured from, and how to get to a vertical CRS PROJ knows."""

    name: str  # stored in kc.building_version.vertical_datum
    epsg: int | None  # the vertical CRS (after the offset), None when unknown
    offset_m: float = 0.0  # added to z to get heights in ``epsg``


#: Names ``--vertical-datum`` accepts beside EPSG codes.
NAMED = {
    "wiener-null": VerticalDatum(
        f"Wiener Null (GHA height - {WIENER_NULL_M} m)", 5778, WIENER_NULL_M
    ),
}

#: The AdV's CRS names (German surveying offices' CityGML) as EPSG codes.
ADV_CRS = {
    "ETRS89_UTM32": 25832,
    "ETRS89_UTM33": 25833,
    "DE_DHHN2016_NH": 7837,
    "DE_DHHN92_NH": 5783,
    "DE_DHN92_NH": 5783,
}


def parse_srs(text: str) -> CRS:
    """A CRS from an srsName / referenceSystem, ``urn:adv:crs:…`` names included."""
    text = text.strip()
    if text.lower().startswith("urn:adv:crs:"):
        codes = [ADV_CRS.get(name) for name in text[len("urn:adv:crs:") :].split("*")]
        if None in codes:
            raise CRSError(f"unknown AdV CRS name {text!r}")
        return CRS.from_user_input("+".join(f"EPSG:{c}" for c in codes))
    return CRS.from_user_input(text)


def split(crs: CRS) -> tuple[CRS, CRS | None]:
    """(horizontal, vertical or None) parts of a CRS."""
    if crs.is_compound:
        subs = crs.sub_crs_list
        return subs[0], subs[1] if len(subs) > 1 else None
    return crs, None


def datum_of(vertical: CRS | None, option: str | None) -> VerticalDatum | None:
    """The vertical datum: ``--vertical-datum`` (a name or EPSG code) or the CRS's vertical part."""
    if option:
        key = option.strip().lower()
        if key in NAMED:
            return NAMED[key]
        crs = CRS.from_user_input(option)
        if not crs.is_vertical:
            raise CRSError(f"{option} is not a vertical CRS")
        return VerticalDatum(crs.name, crs.to_epsg())
    if vertical is None:
        return None
    return VerticalDatum(vertical.name, vertical.to_epsg())


def _grid_dirs() -> list[Path]:
    """PROJ's data folders as pyproj uses them (PROJ_DATA included), then the system's, where
    Debian's proj-data puts egm96_15.gtx."""
    dirs = [Path(d) for d in pyproj.datadir.get_data_dir().split(os.pathsep) if d]
    return [*dirs, Path(pyproj.datadir.get_user_data_dir()), Path("/usr/share/proj")]


def find_grid(name: str) -> Path | None:
    for folder in _grid_dirs():
        if (folder / name).is_file():
            return folder / name
    return None


@lru_cache(maxsize=16)
def _national(epsg: int) -> Transformer | None:
    """PROJ's best available (grid-based) transformation from ETRS89 + ``epsg`` to WGS 84 h."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        group = TransformerGroup(
            CRS(f"EPSG:4258+{epsg}"), CRS("EPSG:4979"), always_xy=True, allow_ballpark=False
        )
    return group.transformers[0] if group.transformers else None


@lru_cache(maxsize=1)
def _egm96() -> Transformer | None:
    grid = find_grid(EGM96)
    if grid is None:
        return None
    return Transformer.from_pipeline(
        "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
        f"+step +proj=vgridshift +grids={grid} +multiplier=1 "
        "+step +proj=unitconvert +xy_in=rad +xy_out=deg"
    )


def geoid_heights(
    lon: np.ndarray, lat: np.ndarray, datum: VerticalDatum
) -> tuple[np.ndarray, str] | None:
    """N (ellipsoidal minus ``datum.epsg`` height) at the points, and the model used; None when
    neither a national grid nor EGM96 is installed."""
    n = len(lon)
    # pyproj treats one-element arrays as a point (and numpy deprecates that): pad to two.
    lon = np.resize(np.asarray(lon, np.float64), max(n, 2))
    lat = np.resize(np.asarray(lat, np.float64), max(n, 2))
    national = _national(datum.epsg) if datum.epsg else None
    if national is not None:
        _, _, h = national.transform(lon, lat, np.zeros_like(lon))
        return np.asarray(h)[:n], national.description
    egm = _egm96()
    if egm is None:
        return None
    _, _, h = egm.transform(lon, lat, np.zeros_like(lon))
    return np.asarray(h)[:n], f"EGM96 ({EGM96})"
