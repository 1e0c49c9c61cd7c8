"""Knowledge Carrier: ``store`` (the bottom layer), ``api`` (the OGC API server and viewer),
``books`` (Project Books) and ``cli`` (the ``kc`` command, which nothing imports).

Dependencies point one way: cli -> api, books, etl, tiles -> store.
"""
