"""The viewer's reading of the change feeds (gis/api/viewer/static/changes.js), run in Node.

The browser test checks the counts against SQL for one interval between adjacent points; this
one covers what only longer intervals show: a feature changing at several points counts once,
as applying the feed in order gives it.
"""

from __future__ import annotations

import json
import subprocess

from gis.store.settings import PROJECT_ROOT

CHANGES = PROJECT_ROOT / "gis" / "api" / "viewer" / "static" / "changes.js"


def run_module(script: str) -> object:
    """Run an ES module importing changes.js; returns what it prints as JSON."""
    source = f'import * as changes from "{CHANGES.as_uri()}";\n{script}'
    done = subprocess.run(
        ["node", "--input-type=module", "-e", source], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def feature(fid: str, date: str, change: str, names: tuple[str, ...] = ()) -> dict:
    return {
        "properties": {
            "feature_id": fid,
            "point_date": date,
            "change": change,
            "changed_properties": list(names),
        }
    }


def test_net_changes_over_several_points() -> None:
    pm24, pm30 = "2018-01-31", "2018-07-31"
    feed = [
        # listed out of order: the module orders by point date
        feature("came-and-went", pm30, "ended"),
        feature("came-and-went", pm24, "new"),
        feature("new-then-changed", pm30, "changed", ("height",)),
        feature("new-then-changed", pm24, "new"),
        feature("changed-then-ended", pm24, "changed", ("geometry",)),
        feature("changed-then-ended", pm30, "ended"),
        feature("changed-twice", pm24, "changed", ("height",)),
        feature("changed-twice", pm30, "changed", ("status", "height")),
        feature("new", pm30, "new"),
    ]
    result = run_module(
        f"""const net = changes.netChanges({json.dumps(feed)});
        console.log(JSON.stringify({{
          net: Object.fromEntries([...net].map(([id, c]) => [id, [c.change, c.changedProperties.sort()]])),
          counts: changes.countChanges(net),
        }}));"""
    )
    assert result == {
        "net": {
            "new-then-changed": ["new", ["height"]],
            "changed-then-ended": ["ended", ["geometry"]],
            "changed-twice": ["changed", ["height", "status"]],
            "new": ["new", []],
        },
        "counts": {"new": 2, "changed": 1, "ended": 1},
    }


def test_since_interval_starts_the_day_after() -> None:
    result = run_module(
        """console.log(JSON.stringify([
             changes.sinceInterval("2017-07-31", "2018-01-31"),
             changes.sinceInterval("2016-02-28", "2016-03-01"),
             changes.sinceInterval("2017-12-31", "2018-07-31"),
           ]));"""
    )
    assert result == [
        "2017-08-01/2018-01-31",  # (PM18, PM24], the feed's interval includes both ends
        "2016-02-29/2016-03-01",
        "2018-01-01/2018-07-31",
    ]
