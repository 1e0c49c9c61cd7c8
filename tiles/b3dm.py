"""b3dm content (3D Tiles 1.0, for older viewers): glb with ``_BATCHID`` plus a batch table.

The container is py3dtiles' ``B3dm`` (header, feature table with ``BATCH_LENGTH``, JSON batch
table); the glb inside comes from ``tiles.gltf`` so its feature ids, normals and colours are the
same as in the glb content.
"""

from __future__ import annotations

from collections.abc import Sequence

import pygltflib
from py3dtiles.tileset.content.b3dm import B3dm
from py3dtiles.tileset.content.b3dm_feature_table import B3dmFeatureTable
from py3dtiles.tileset.content.batch_table import BatchTable

from tiles.metadata import Property


def b3dm(glb: bytes, properties: Sequence[Property], columns: dict[str, Sequence]) -> bytes:
    """Wrap a glb (written with ``batch_ids=True``) and the features' metadata into a b3dm."""
    count = len(columns[properties[0].name])
    table = BatchTable()
    for p in properties:
        table.add_property_as_json(p.name, list(columns[p.name]))
    features = B3dmFeatureTable()
    features.set_batch_length(count)
    content = B3dm.from_gltf(pygltflib.GLTF2.load_from_bytes(glb), table, features)
    return bytes(content.to_array())
