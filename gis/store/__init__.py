"""The store, the bottom layer: settings, errors, connections, the managed PostGIS cluster,
migrations, reference data, valid-time versioning and COPY staging. It imports nothing above it."""
