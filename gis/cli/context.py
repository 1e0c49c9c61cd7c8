"""The one ``Settings`` of a ``kc`` run, read by the top-level group and handed to each command."""

from __future__ import annotations

import click

from gis.store.settings import Settings

#: Decorator: the command receives the run's ``Settings`` as its first argument.
pass_settings = click.make_pass_decorator(Settings)
