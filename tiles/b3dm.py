"""b3dm content (3D Tiles 1.0, for older viewers): glb with ``_BATCHID`` plus a batch table.

The container is py3dtiles' (``B3dmHeader``, ``B3dmFeatureTable`` with ``BATCH_LENGTH``, JSON
``BatchTable``); the glb inside comes from ``tiles.gltf`` as written, so its feature ids,
normals and colours are the same as in the glb content. (py3dtiles' ``B3dm.from_gltf`` would
parse the glb into pygltflib objects and write it again: half of the b3dm export's time.)
"""

from __future__ import annotations

from collections.abc import Sequence

from py3dtiles.tileset.content.b3dm import B3dmHeader
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
    ft, bt = features.to_array().tobytes(), table.to_array().tobytes()
    header = B3dmHeader()
    header.tile_byte_length = B3dmHeader.BYTE_LENGTH + len(ft) + len(bt) + len(glb)
    header.ft_json_byte_length, header.ft_bin_byte_length = len(ft), 0
    header.bt_json_byte_length, header.bt_bin_byte_length = len(bt), 0
    if (B3dmHeader.BYTE_LENGTH + len(ft) + len(bt)) % 8:
        raise ValueError("the glb of a b3dm must start on an 8-byte boundary")
    return header.to_array().tobytes() + ft + bt + glb
