"""Spatial tree of a tileset: a kd-tree over building centres with a bounded number per leaf.

Leaves hold the buildings; inner tiles hold their levels of detail (``tiles.lod``), which decide
their geometric errors. Each inner tile has four children: its buildings are halved at the
median of the longer side, and each half again at the median of its own longer side, so a level
of the tree covers a quarter of the area of the one above (as a quadtree does) while every leaf
holds about as many buildings. Ties are broken by feature order, so the tree only depends on
the data. ``geometric_error`` here is the fallback of a tile without a level of detail: the
size of the largest building below it (the longest edge of its box, height included).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from tiles.geometry import bounds

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

DEFAULT_MAX_FEATURES = 400


@dataclass
class Node:
    """A tile of the tree: its path ("0", "0-1", ...), features (leaves only), children."""

    path: str
    features: IntArray
    geometric_error: float
    children: list[Node] = field(default_factory=list)
    #: Lowest east, north of the centres below: the origin of its LOD grid (``tiles.lod``)
    origin: FloatArray | None = None
    #: (level, x, y) in a regular quadtree (``tiles.quadtree``); None in a kd-tree
    coords: tuple[int, int, int] | None = None

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def walk(self):
        """Depth-first, parents before children, children in order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def below(self) -> IntArray:
        """The features of every leaf below (or of this leaf), sorted."""
        if self.is_leaf:
            return self.features
        return np.sort(np.concatenate([child.below() for child in self.children]))


def build(
    centres: FloatArray,
    sizes: FloatArray,
    max_features: int = DEFAULT_MAX_FEATURES,
    path: str = "0",
) -> Node:
    """The kd-tree over feature ``centres`` (n, 2) with per-feature ``sizes`` (metres), its
    root at ``path`` (a partition's subtree hangs below the tiles above it: ``tiles.partition``)."""
    if max_features < 1:
        raise ValueError(f"max_features must be at least 1, found {max_features}")
    return _split(np.arange(len(centres), dtype=np.int64), centres, sizes, max_features, path)


def _split(idx: IntArray, centres: FloatArray, sizes: FloatArray, limit: int, path: str) -> Node:
    if len(idx) <= limit:
        return Node(path, np.sort(idx), 0.0)
    quarters = [q for half in _halve(idx, centres) for q in _halve(half, centres)]
    children = [
        _split(q, centres, sizes, limit, f"{path}-{k}") for k, q in enumerate(quarters) if len(q)
    ]
    return Node(path, np.zeros(0, np.int64), float(sizes[idx].max()), children)


def _halve(idx: IntArray, centres: FloatArray) -> list[IntArray]:
    """The features split at the median of the longer side of their centres' box."""
    pts = centres[idx]
    lo, hi = bounds(pts)
    axis = int(np.argmax(hi - lo))
    order = np.lexsort((idx, pts[:, axis]))
    half = len(idx) // 2
    return [idx[order[:half]], idx[order[half:]]]
