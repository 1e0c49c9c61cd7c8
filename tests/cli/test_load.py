"""``kc load`` output: what a snapshot for an earlier point does to the later points loaded."""

from __future__ import annotations

from tests.etl.helpers import buildings_frame, kc, write


def test_loading_an_earlier_point_says_what_happens_to_the_later_ones(db_url, tmp_path) -> None:
    path = write(buildings_frame(), tmp_path / "b.geojson")
    result = kc(db_url, "load", "buildings", path, "--city", "lyon", "--at", "PM30")
    assert result.exit_code == 0 and "already loaded" not in result.output, result.output
    result = kc(db_url, "load", "buildings", path, "--city", "lyon", "--at", "PM24")
    assert result.exit_code == 0, result.output
    assert (
        "PM30 is already loaded for lyon: this file sets the buildings from PM24 until PM30 only; it keeps what it was loaded with."
        in result.output
    )
    result = kc(db_url, "load", "buildings", path, "--city", "lyon", "--at", "PM18")
    assert "PM24, PM30 are already loaded for lyon" in result.output
    assert "from PM18 until PM24 only; they keep what they were loaded with" in result.output
