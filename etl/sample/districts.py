"""Synthetic sample districts for the demo and benchmarks (the real data cannot be shipped).

Deterministic (seeded per city): street blocks of buildings with heights in each city's own CRS,
changing across PM18, PM24 and PM30 (refurbishments add a storey, new buildings fill vacant plots,
some buildings are demolished), the implementation projects and Common Reporting answers taken from
the SMARTER TOGETHER deliverable D2.1.1 (``../shared/seed/smarter-together-d2.1.1.txt``). Everything
is labelled synthetic where it shows (source attributes, titles). The files written are real
GeoPackage, GeoJSON and XLSX files, loaded through the real loaders.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyproj import Transformer

POINTS = ("PM18", "PM24", "PM30")
DEMO_COUNT = 3000
#: Bump when the generator's output changes, so that ``kc sample load`` rewrites the files.
VERSION = 2
SYNTHETIC = "synthetic"

BLOCK_W, BLOCK_H, STREET = 90.0, 60.0, 16.0
SLOTS_PER_ROW, DEPTH = 5, 13.0
SLOTS_PER_BLOCK = 2 * SLOTS_PER_ROW


@dataclass(frozen=True)
class CitySpec:
    code: str
    prefix: str
    epsg: int
    bbox: tuple[float, float, float, float]  # lon/lat
    ground: float
    seed: int
    french_fields: bool = False  # Lyon's file uses the IGN BD TOPO field names

    def origin(self) -> tuple[float, float]:
        to_local = Transformer.from_crs(4326, self.epsg, always_xy=True)
        return to_local.transform(self.bbox[0], self.bbox[1])

    def width_m(self) -> float:
        to_local = Transformer.from_crs(4326, self.epsg, always_xy=True)
        (x0, _), (x1, _) = (
            to_local.transform(self.bbox[0], self.bbox[1]),
            to_local.transform(self.bbox[2], self.bbox[1]),
        )
        return x1 - x0


CITIES = {
    "lyon": CitySpec(
        "lyon", "LYO", 3946, (4.813, 45.726, 4.831, 45.745), 165.0, 3946, french_fields=True
    ),
    "munich": CitySpec("munich", "MUC", 25832, (11.409, 48.130, 11.453, 48.156), 525.0, 25832),
    "vienna": CitySpec("vienna", "VIE", 31256, (16.40, 48.16, 16.45, 48.18), 160.0, 31256),
}


@dataclass(frozen=True)
class District:
    """All plots of a synthetic district and what stands on them at each point (vectorised)."""

    spec: CitySpec
    ids: np.ndarray
    boxes: np.ndarray  # shapely polygons in the city's CRS
    storeys: np.ndarray
    extra: np.ndarray  # metres above storeys x 3 m (roof)
    no_height: np.ndarray  # only storeys given: the loader estimates the height
    built: dict[str, np.ndarray]
    refurbished: dict[str, np.ndarray]
    usage: np.ndarray
    block: np.ndarray
    columns: int

    def block_box(self, block: int) -> shapely.Geometry:
        cols = self.columns
        x0, y0 = self.spec.origin()
        bx, by = x0 + (block % cols) * (BLOCK_W + STREET), y0 + (block // cols) * (BLOCK_H + STREET)
        return shapely.box(bx, by, bx + BLOCK_W, by + BLOCK_H)


def grid_columns(spec: CitySpec, blocks: int) -> int:
    """Blocks per row: the city's area width, or a square grid when the area is too small
    (benchmarks with 100,000+ buildings would otherwise stretch far north of the city)."""
    fitting = max(1, int(spec.width_m() // (BLOCK_W + STREET)))
    return fitting if blocks <= 2 * fitting * fitting else int(np.ceil(np.sqrt(blocks)))


def district(city: str, count: int = DEMO_COUNT) -> District:
    """``count`` plots in street blocks laid out from the south-west corner of the city's area."""
    spec = CITIES[city]
    rng = np.random.default_rng(spec.seed + count)
    n = np.arange(count)
    block, slot = n // SLOTS_PER_BLOCK, n % SLOTS_PER_BLOCK
    row, k = slot // SLOTS_PER_ROW, slot % SLOTS_PER_ROW
    cols = grid_columns(spec, int(block.max()) + 1 if count else 1)
    x0, y0 = spec.origin()
    bx = x0 + (block % cols) * (BLOCK_W + STREET)
    by = y0 + (block // cols) * (BLOCK_H + STREET)
    pitch = BLOCK_W / SLOTS_PER_ROW
    left = bx + k * pitch + rng.uniform(0.0, 1.5, count)
    right = bx + (k + 1) * pitch - rng.uniform(0.0, 1.5, count)
    bottom = np.where(row == 0, by, by + BLOCK_H - DEPTH - rng.uniform(0, 3, count))
    top = np.where(row == 0, by + DEPTH + rng.uniform(0, 3, count), by + BLOCK_H)
    boxes = shapely.box(left, bottom, right, top)
    draw = rng.random(count)
    # Plots of the first blocks hold the projects' buildings: never vacant or demolished.
    safe = block >= 10
    vacant24 = safe & (draw < 0.02)
    vacant30 = safe & (draw >= 0.02) & (draw < 0.04)
    demolished24 = safe & (draw >= 0.04) & (draw < 0.05)
    demolished30 = safe & (draw >= 0.05) & (draw < 0.06)
    refurb = rng.random(count)
    built = {
        "PM18": ~vacant24 & ~vacant30,
        "PM24": ~vacant30 & ~demolished24,
        "PM30": ~demolished24 & ~demolished30,
    }
    refurbished = {
        "PM18": np.zeros(count, dtype=bool),
        "PM24": refurb < 0.03,
        "PM30": refurb < 0.06,
    }
    return District(
        spec=spec,
        ids=np.array([f"{spec.prefix}-SYN-{i:06d}" for i in n], dtype=object),
        boxes=boxes,
        storeys=rng.integers(2, 10, count),
        extra=np.round(rng.uniform(0.5, 2.5, count), 1),
        no_height=rng.random(count) < 0.05,
        built=built,
        refurbished=refurbished,
        usage=rng.choice(
            np.array(["residential", "residential", "mixed", "office", "school"], dtype=object),
            count,
        ),
        block=block,
        columns=cols,
    )


def buildings_at(d: District, point: str) -> gpd.GeoDataFrame:
    """The district's buildings standing at ``point``, in the city's CRS."""
    keep = d.built[point]
    storeys = d.storeys + d.refurbished[point].astype(int)
    height = np.where(d.no_height, np.nan, np.round(storeys * 3.0 + d.extra, 1))
    names = (
        ("ID", "HAUTEUR", "NB_ETAGES", "Z_MIN_SOL", "USAGE1")
        if d.spec.french_fields
        else ("id", "height", "storeys", "base_elevation", "usage")
    )
    ground = np.round(d.spec.ground + (d.block % 7) * 0.4, 1)
    data = {
        names[0]: d.ids[keep],
        names[1]: height[keep],
        names[2]: storeys[keep],
        names[3]: ground[keep],
        names[4]: d.usage[keep],
        "refurbished": d.refurbished[point][keep],
        "origin": np.full(
            int(keep.sum()), f"{SYNTHETIC}: generated by etl/sample/districts.py, not real data"
        ),
    }
    return gpd.GeoDataFrame(data, geometry=d.boxes[keep], crs=f"EPSG:{d.spec.epsg}")


def write_buildings(path: Path, city: str, point: str, count: int) -> Path:
    """A GeoPackage of ``count`` plots' buildings of ``city`` at ``point`` (for demo and bench)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = buildings_at(district(city, count), point)
    pyogrio.write_dataframe(frame, path, layer="buildings", driver="GPKG")
    return path


# --- projects and reports ------------------------------------------------------------------------


def _first_plot(d: District, block: int) -> int:
    return block * SLOTS_PER_BLOCK


def project_geometry(d: District, project, point: str) -> shapely.Geometry:
    """The footprint of a sample project at ``point`` in the city's CRS."""
    if project.shape == "block":
        return shapely.union_all([d.block_box(b) for b in project.blocks])
    if project.shape == "point":
        return shapely.centroid(d.boxes[_first_plot(d, project.blocks[0])])
    if project.shape == "line":
        first, last = d.block_box(project.blocks[0]), d.block_box(project.blocks[-1])
        (x0, y0, _, _), (_, _, x1, _) = first.bounds, last.bounds
        return shapely.LineString([(x0, y0 - STREET / 2), (x1, y0 - STREET / 2)])
    shown = project.blocks[: POINTS.index(point) + 1]  # charging points: more at every point
    return shapely.MultiPoint([shapely.centroid(d.boxes[_first_plot(d, b)]) for b in shown])


def projects_at(d: District, point: str) -> gpd.GeoDataFrame:
    from etl.sample.content import PROJECTS

    i = POINTS.index(point)
    chosen = [p for p in PROJECTS if p.city == d.spec.code]
    refs = [
        ";".join(d.ids[_first_plot(d, p.blocks[0]) + k] for k in range(3))
        if p.explicit_refs
        else None
        for p in chosen
    ]
    data = {
        "code": [p.code for p in chosen],
        "thematic_field": [p.thematic_field for p in chosen],
        "title_en": [p.title["en"] for p in chosen],
        "title_de": [p.title.get("de") for p in chosen],
        "title_fr": [p.title.get("fr") for p in chosen],
        "status": [p.statuses[i] for p in chosen],
        "buildings": refs,
        "origin": [f"{SYNTHETIC}: generated by etl/sample/districts.py after D2.1.1"] * len(chosen),
    }
    geoms = [project_geometry(d, p, point) for p in chosen]
    return gpd.GeoDataFrame(data, geometry=geoms, crs=f"EPSG:{d.spec.epsg}")


def report_rows(point: str, reported_on) -> list[dict[str, object]]:
    from etl.sample.content import PROJECTS

    i = POINTS.index(point)
    rows = []
    for p in PROJECTS:
        row: dict[str, object] = {
            "project_code": p.code,
            "thematic_field": p.thematic_field,
            "reported_on": reported_on,
            "status": p.statuses[i],
            "progress": p.progress[i],
            "partners": p.partners,
            "drivers": p.drivers[i],
            "barriers": p.barriers[i],
            "corrective_actions": p.corrective_actions[i],
            "risks": p.risks[i],
            "lessons_learned": p.lessons[i],
        }
        for lang, text in p.objectives.items():
            row["objectives" if lang == "en" else f"objectives_{lang}"] = text
        for key, texts in p.translations.items():
            row.update({f"{key}_{lang}": text for lang, text in texts.items()})
        for n, tag in enumerate(p.challenges[i], start=1):
            row[f"challenge_{n}"] = tag
        rows.append(row)
    return rows


def write_reporting(path: Path, point: str, reported_on) -> Path:
    """The Common Reporting workbook of every sample project at ``point``."""
    import openpyxl

    from etl.workbook import KEYS, SHEET

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(list(KEYS))
    ws.append(["# synthetic sample answers, after SMARTER TOGETHER D2.1.1"])
    for row in report_rows(point, reported_on):
        ws.append([row.get(k) for k in KEYS])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# --- the sample in KC_HOME -------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleFiles:
    buildings: dict[tuple[str, str], Path]
    projects: dict[tuple[str, str], Path]
    reporting: dict[str, Path]


def sample_files(folder: Path) -> SampleFiles:
    return SampleFiles(
        buildings={(c, p): folder / c / f"buildings_{p}.gpkg" for c in CITIES for p in POINTS},
        projects={(c, p): folder / c / f"projects_{p}.geojson" for c in CITIES for p in POINTS},
        reporting={p: folder / f"reporting_{p}.xlsx" for p in POINTS},
    )


def write_sample(folder: Path, count: int = DEMO_COUNT, *, force: bool = False) -> SampleFiles:
    """Write the sample files once (again only when the generator or ``count`` changed)."""
    from gis.store.reference import measurement_points

    files = sample_files(folder)
    stamp = folder / "GENERATED"
    marker = f"etl/sample/districts.py version {VERSION}, {count} plots per city\n"
    if not force and stamp.exists() and stamp.read_text() == marker:
        return files
    dates = {m.code: m.valid_at for m in measurement_points()}
    for city in CITIES:
        d = district(city, count)
        for point in POINTS:
            path = files.buildings[(city, point)]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.unlink(missing_ok=True)
            pyogrio.write_dataframe(buildings_at(d, point), path, layer="buildings", driver="GPKG")
            path = files.projects[(city, point)]
            path.unlink(missing_ok=True)
            pyogrio.write_dataframe(projects_at(d, point), path, driver="GeoJSON")
    for point in POINTS:
        write_reporting(files.reporting[point], point, dates[point])
    (folder / "README.txt").write_text(
        "SYNTHETIC sample data generated by etl/sample/districts.py (not real buildings or reports).\n"
        "Projects and topics follow SMARTER TOGETHER D2.1.1; statuses and wording are invented.\n"
    )
    stamp.write_text(marker)
    return files


def load_sample(url: str, folder: Path, count: int = DEMO_COUNT, echo=print, progress=None) -> None:
    """Write (if needed) and load the sample through the real loaders, point by point."""
    from etl.buildings import load_buildings
    from etl.projects import load_projects
    from etl.reporting import load_reporting

    files = write_sample(folder, count)
    extra = {"progress": progress} if progress else {}
    for point in POINTS:
        for city in CITIES:
            b = load_buildings(url, files.buildings[(city, point)], city, point, **extra)
            p = load_projects(url, files.projects[(city, point)], city, point)
            echo(
                f"  {city:<7} {point}: buildings {_counts(b.snapshot)}, estimated heights {b.estimated}; "
                f"projects {_counts(p.snapshot)}"
            )
        r = load_reporting(url, files.reporting[point], point)
        echo(f"  reports {point}: new {r.new}, changed {r.changed}, unchanged {r.unchanged}")


def _counts(s) -> str:
    return f"+{s.new} ~{s.changed} ={s.unchanged} -{s.ended}"
