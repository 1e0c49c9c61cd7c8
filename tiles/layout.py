"""What the tiling is decided from: a few numbers per building version, never its geometry.

The export reads these for a whole city in one light query (``tiles.read.spill_layout``, to a
file), one partition of the city at a time (``tiles.partition``), builds the tree and the levels
of detail from them, and leaves the geometry to the workers that draw one group of tiles each.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tiles.placement import Frame

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Metres per degree of latitude (the sphere is enough for sizes and areas of LOD blocks).
METRES_PER_DEGREE = np.pi / 180.0 * 6_371_000.0


@dataclass(frozen=True)
class Layout:
    """Building versions of one city, ordered by version id."""

    version_id: IntArray
    building_id: IntArray
    box: FloatArray  # (n, 4) west, south, east, north (degrees) of footprint or 3D geometry
    bottom: FloatArray  # (n,) lowest point as drawn (m above the ellipsoid): 0 for footprints
    top: FloatArray  # (n,) highest point as drawn (m above the ellipsoid)
    area: FloatArray  # (n,) footprint area (square degrees)
    member: IntArray  # (n,) bit k set: valid at the k-th exported point
    #: (n,) height its ground is drawn at (m above the ellipsoid): 0, but for city models
    #: exported with their true heights (``tiles.read.GROUND``)
    ground: FloatArray
    valid_from: npt.NDArray[np.int32]  # (n,) first day valid (days since 1970-01-01)
    valid_to: npt.NDArray[np.int32]  # (n,) first day no longer valid, -1: open

    def __len__(self) -> int:
        return len(self.version_id)

    def frame(self) -> Frame:
        """The local frame at the centre of the extent (ground level)."""
        west, south = self.box[:, 0].min(), self.box[:, 1].min()
        east, north = self.box[:, 2].max(), self.box[:, 3].max()
        return Frame.at((west + east) / 2, (south + north) / 2, 0.0)

    def region(self, which=slice(None)) -> tuple[float, float, float, float, float, float]:
        """The 3D Tiles bounding region of all (or ``which``) versions: radians, heights (m)."""
        box, bottom, top = self.box[which], self.bottom[which], self.top[which]
        return (
            float(np.radians(box[:, 0].min())),
            float(np.radians(box[:, 1].min())),
            float(np.radians(box[:, 2].max())),
            float(np.radians(box[:, 3].max())),
            float(min(0.0, bottom.min())),
            float(top.max()),
        )

    def centres(self, frame: Frame) -> FloatArray:
        """(n, 2) local east, north of each box's centre."""
        lon = (self.box[:, 0] + self.box[:, 2]) / 2
        lat = (self.box[:, 1] + self.box[:, 3]) / 2
        return frame.to_local(lon, lat, np.zeros(len(lon)))[:, :2]

    def sizes(self) -> FloatArray:
        """(n,) longest edge of each building's box, height included (m)."""
        lat = np.radians((self.box[:, 1] + self.box[:, 3]) / 2)
        dx = (self.box[:, 2] - self.box[:, 0]) * METRES_PER_DEGREE * np.cos(lat)
        dy = (self.box[:, 3] - self.box[:, 1]) * METRES_PER_DEGREE
        return np.maximum(np.maximum(dx, dy), self.top - self.bottom)

    def area_m2(self) -> FloatArray:
        """(n,) footprint areas in square metres."""
        lat = np.radians((self.box[:, 1] + self.box[:, 3]) / 2)
        return self.area * METRES_PER_DEGREE**2 * np.cos(lat)

    def at(self, k: int) -> npt.NDArray[np.bool_]:
        """Which versions are valid at the k-th point."""
        return (self.member >> k) & 1 == 1
