"""Spatial tree of a tileset: a kd-tree over building centres with a bounded number per leaf.

Leaves hold the buildings (refine ``ADD``: every building is drawn once, by its leaf); inner tiles
hold nothing. The geometric error of a tile is what a viewer misses when it draws the tile without
its children: for a leaf nothing (0), for an inner tile every building below it, so its error is
the size of the largest of them (the longest edge of its bounding box, height included).
Splits are at the median of the longer side, ties broken by feature order, so the tree only
depends on the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

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

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def walk(self):
        """Depth-first, parents before children, children in order."""
        yield self
        for child in self.children:
            yield from child.walk()


def build(centres: FloatArray, sizes: FloatArray, max_features: int = DEFAULT_MAX_FEATURES) -> Node:
    """The kd-tree over feature ``centres`` (n, 2) with per-feature ``sizes`` (metres)."""
    if max_features < 1:
        raise ValueError(f"max_features must be at least 1, found {max_features}")
    return _split(np.arange(len(centres), dtype=np.int64), centres, sizes, max_features, "0")


def _split(idx: IntArray, centres: FloatArray, sizes: FloatArray, limit: int, path: str) -> Node:
    if len(idx) <= limit:
        return Node(path, np.sort(idx), 0.0)
    pts = centres[idx]
    axis = int(np.argmax(pts.max(axis=0) - pts.min(axis=0)))
    order = np.lexsort((idx, pts[:, axis]))
    half = len(idx) // 2
    left, right = idx[order[:half]], idx[order[half:]]
    children = [
        _split(left, centres, sizes, limit, f"{path}-0"),
        _split(right, centres, sizes, limit, f"{path}-1"),
    ]
    return Node(path, np.zeros(0, np.int64), float(sizes[idx].max()), children)
