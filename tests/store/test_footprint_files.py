"""A footprint from a file (``gis.store.footprint_files``): real files written with GDAL, in
several formats and CRSs, and the problems of bad ones (file, feature, found, expected)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import shapely

from gis.store.footprint_files import footprint_from_file
from gis.store.problems import ProblemList

#: A 100 m square in Lyon's CC46 (EPSG:3946).
SQUARE = shapely.box(1842000, 5175000, 1842100, 5175100)


def read(path: Path) -> tuple[tuple[str, str] | None, list[str]]:
    problems = ProblemList(path.name)
    found = footprint_from_file(path, problems)
    return found, [f"{p.file} | {p.where} | {p.field} | {p.found} | {p.expected}"
                   for p in problems.items]  # fmt: skip


def test_a_zipped_shapefile_in_cc46_becomes_a_wgs84_polygon(tmp_path: Path) -> None:
    gpd.GeoDataFrame({"n": [1]}, geometry=[SQUARE], crs=3946).to_file(tmp_path / "fp.shp")
    archive = tmp_path / "fp.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in tmp_path.glob("fp.*"):
            if part.suffix != ".zip":
                z.write(part, part.name)
    found, problems = read(archive)
    assert problems == [] and found is not None
    hexwkb, source_crs = found
    geom = shapely.from_wkb(hexwkb)
    assert source_crs == "EPSG:3946" and geom.geom_type == "Polygon"
    assert shapely.get_srid(geom) == 4326
    assert 4.7 < geom.centroid.x < 5.0 and 45.6 < geom.centroid.y < 45.9  # Lyon


def test_several_polygons_are_united(tmp_path: Path) -> None:
    other = shapely.affinity.translate(SQUARE, 500)
    path = tmp_path / "two.geojson"
    gpd.GeoDataFrame({"n": [1, 2]}, geometry=[SQUARE, other], crs=3946).to_file(path)
    found, problems = read(path)
    assert problems == [] and shapely.from_wkb(found[0]).geom_type == "MultiPolygon"


def test_bad_files_say_what_is_wrong(tmp_path: Path) -> None:
    no_crs = tmp_path / "no_crs.shp"  # a Shapefile without its .prj
    gpd.GeoDataFrame({"n": [1]}, geometry=[SQUARE], crs=3946).to_file(no_crs)
    no_crs.with_suffix(".prj").unlink()
    found, problems = read(no_crs)
    assert found is None
    assert problems == ["no_crs.shp | (file) | CRS | no CRS in the file | a file with a CRS, "
                        "or CRS (e.g. EPSG:3946)"]  # fmt: skip
    layers = tmp_path / "layers.gpkg"
    gpd.GeoDataFrame({"n": [1]}, geometry=[SQUARE], crs=3946).to_file(layers, layer="a")
    gpd.GeoDataFrame({"n": [1]}, geometry=[SQUARE], crs=3946).to_file(layers, layer="b")
    found, problems = read(layers)
    assert found is None and problems == [
        "layers.gpkg | (file) | layer | (not given) | one of the layers: a, b"
    ]
    bowtie = shapely.Polygon([(1842000, 5175000), (1842100, 5175100), (1842100, 5175000),
                              (1842000, 5175100)])  # fmt: skip
    mixed = tmp_path / "mixed.gpkg"
    gpd.GeoDataFrame({"n": [1, 2, 3]}, crs=3946, geometry=[
        SQUARE, bowtie, shapely.LineString([(1842000, 5175000), (1842100, 5175100)])
    ]).to_file(mixed)  # fmt: skip
    found, problems = read(mixed)
    assert found is None and len(problems) == 2
    assert problems[0].startswith("mixed.gpkg | feature 2 | geometry | Self-intersection")
    assert problems[0].endswith("| a valid polygon")
    assert (
        problems[1] == "mixed.gpkg | feature 3 | geometry | LineString | a Polygon or MultiPolygon"
    )
