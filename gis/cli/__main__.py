"""``python -m gis.cli``: the same as the ``kc`` script."""

from gis.cli import main

main()
