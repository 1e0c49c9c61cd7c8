"""What every snapshot loader (buildings, project footprints) does before its own work.

One transaction for the whole file; the city and the measurement point checked; the file read
and reprojected; every problem found so far collected. Unknown city or point and an unreadable
file are all reported together, and nothing is loaded (the caller raises before staging).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg2.extensions
import shapely

from etl.errors import load_transaction
from etl.problems import Problems
from etl.readers import VectorData, read_vector
from etl.vocabulary import check_city, check_point


@dataclass(frozen=True)
class SnapshotFile:
    """An open snapshot load: its cursor (one transaction), its problems, district and data."""

    cur: psycopg2.extensions.cursor
    problems: Problems
    district: shapely.Geometry | None
    data: VectorData


@contextmanager
def open_snapshot_file(
    url: str, path: Path, city: str, point: str, *, layer: str | None, crs: str | None
) -> Iterator[SnapshotFile]:
    """The file read as ``city``'s snapshot at ``point``; committed when the block ends.

    Raises ``LoadProblems`` (nothing loaded) when the city, the point or the file is unusable.
    """
    problems = Problems(path.name)
    with load_transaction(url, path) as cur:
        district = check_city(cur, city, problems)
        check_point(cur, point, problems)
        data = read_vector(path, problems, layer=layer, crs=crs)
        if data is None:
            problems.raise_if_any()
        assert data is not None  # read_vector reports a problem whenever it returns None
        yield SnapshotFile(cur, problems, district, data)
