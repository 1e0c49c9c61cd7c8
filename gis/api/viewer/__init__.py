"""The Knowledge Carrier web viewer: static CesiumJS page served by ``kc serve`` under ``/viewer/``.

The page itself is plain ES modules and CSS in ``static/`` (no build step); CesiumJS comes from the
npm package in ``node_modules/cesium`` (installed by ``tools/setup.sh``), served from the same
origin so the viewer never reaches the internet.
"""
