"""The OGC API Features server: pygeoapi with a valid-time provider, 3D Tiles, CORS, read-only role."""
