"""What several ``kc`` commands share: the run's settings and the options they spell alike.

One place, so that ``--at``, ``--all`` and ``--out`` read and behave the same in every command.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from gis.store.settings import Settings

F = TypeVar("F", bound=Callable)

#: Decorator: the command receives the run's ``Settings`` (read once by the ``kc`` group).
pass_settings = click.make_pass_decorator(Settings)

file_argument = click.argument("file", type=click.Path(path_type=Path, dir_okay=True))
at_option = click.option(
    "--at", "point", required=True, help="Measurement point the file describes (e.g. PM18)."
)
city_option = click.option("--city", required=True, help="City code (lyon, munich, vienna …).")
layer_option = click.option("--layer", help="Layer to read when the file has several.")
crs_option = click.option("--crs", help="CRS of a file that declares none (e.g. EPSG:3946).")


def point_selection(at_help: str, all_help: str) -> Callable[[F], F]:
    """``--at POINT`` or ``--all`` (as ``point`` and ``all_points``); see ``chosen_point``."""

    def decorate(command: F) -> F:
        command = click.option("--all", "all_points", is_flag=True, help=all_help)(command)
        return click.option("--at", "point", metavar="POINT", help=at_help)(command)

    return decorate


def chosen_point(point: str | None, all_points: bool, *, all_by_default: bool) -> str | None:
    """The point asked for (None: every point); both, or neither when one is needed, is an error."""
    if point and all_points:
        raise click.UsageError("give either --at POINT or --all, not both")
    if not point and not all_points and not all_by_default:
        raise click.UsageError("give either --at POINT or --all")
    return point


def out_option(default: str) -> Callable[[F], F]:
    """``--out DIR``, the folder to write into (``default`` says which setting applies)."""
    return click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
        help=f"Output folder (default: {default}).",
    )
