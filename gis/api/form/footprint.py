"""The reporting form's footprint page: draw a project's footprint on a map or upload a file.

Saving writes the footprint at the page's measurement point through the same store operation
as the API (``gis.store.feature_writes.write_footprint``): a new project version from that
point, or a correction when the version began there; it shows in ``project_changes`` and
``kc history``. The version the page was opened on travels with the form (its ETag); a save
after someone else's is refused (409) and nothing is written.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import replace
from http import HTTPStatus
from pathlib import Path

import shapely
import shapely.geometry
from flask import Request

from gis.api.writes import footprint_hex
from gis.store.footprint_files import footprint_from_file
from gis.store.problems import ProblemList

#: Largest upload read (a district's footprints fit many times over).
MAX_UPLOAD = 20 * 1024 * 1024
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


class FootprintRefused(Exception):
    """The upload or drawing cannot become a footprint; ``problems`` say why."""

    def __init__(self, status: int, problems: ProblemList) -> None:
        super().__init__(f"{len(problems.items)} problems")
        self.status, self.problems = status, problems


def posted_footprint(request: Request) -> tuple[str, str]:
    """``(hex EWKB, source CRS)`` of the uploaded file or, without one, the drawn polygon."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        return _from_upload(upload)
    problems = ProblemList("drawing")
    text = request.form.get("geometry") or ""
    try:
        geometry = json.loads(text) if text else None
    except ValueError:
        problems.add("drawing", "geometry", text[:80], "a GeoJSON polygon")
        raise FootprintRefused(HTTPStatus.BAD_REQUEST, problems) from None
    if geometry is None:
        problems.add("drawing", "geometry", "(nothing drawn)", "a polygon of 3 or more points")
    elif not isinstance(geometry, dict) or geometry.get("type") != "Polygon":
        found = geometry.get("type") if isinstance(geometry, dict) else geometry
        problems.add("drawing", "geometry", found, "a polygon of 3 or more points")
    hexwkb = footprint_hex(geometry, problems) if not problems.items else None
    if hexwkb is None or problems.items:
        raise FootprintRefused(HTTPStatus.BAD_REQUEST, problems)
    return hexwkb, "EPSG:4326"


def _from_upload(upload) -> tuple[str, str]:
    name = Path(upload.filename).name
    problems = ProblemList(name)
    with tempfile.TemporaryDirectory(prefix="kc-footprint-") as folder:
        path = Path(folder) / (SAFE_NAME.sub("_", name) or "upload")
        upload.save(path)
        if path.stat().st_size > MAX_UPLOAD:
            problems.add("(file)", "(size)", f"{path.stat().st_size} bytes",
                         f"at most {MAX_UPLOAD // (1024 * 1024)} MB")  # fmt: skip
            raise FootprintRefused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, problems)
        found = footprint_from_file(path, problems)
        # GDAL's messages quote the path: the user's file name, not the server's folder.
        problems.items = [replace(p, found=p.found.replace(str(path), name))
                          for p in problems.items]  # fmt: skip
    if found is None:
        raise FootprintRefused(HTTPStatus.BAD_REQUEST, problems)
    return found


def as_geojson(hexwkb: str) -> dict:
    """A stored footprint (hex EWKB, EPSG:4326) as a GeoJSON geometry for the page's map."""
    return shapely.geometry.mapping(shapely.from_wkb(hexwkb))
