"""``kc reporting``: the Common Reporting workbook template."""

from __future__ import annotations

from pathlib import Path

import click

from gis.store.reference import read_yaml
from gis.store.settings import CONFIG_DIR


@click.group()
def reporting() -> None:
    """Common Reporting workbooks."""


@reporting.command()
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists.")
def template(out: Path, force: bool) -> None:
    """Write a blank Common Reporting workbook to OUT (.xlsx) with drop-downs and help.

    The lists (statuses, thematic fields, challenge tags) come from config/.
    """
    if out.exists() and not force:
        raise click.ClickException(f"{out} exists and won't be overwritten without --force")
    from etl.workbook import write_template

    write_template(
        out,
        [s["code"] for s in read_yaml(CONFIG_DIR / "statuses.yaml", "statuses")],
        [f["code"] for f in read_yaml(CONFIG_DIR / "thematic_fields.yaml", "thematic_fields")],
        [c["code"] for c in read_yaml(CONFIG_DIR / "challenges.yaml", "challenges")],
    )
    click.echo(f"wrote {out}: fill one row per project, then 'kc load reporting {out} --at POINT'")
