"""Attribute columns of a vector file: which column holds what, and their values as arrays.

Field names may be given on the command line; otherwise the first of a documented list of usual
names is taken (case-insensitive), e.g. ``HAUTEUR`` (IGN BD TOPO) for the height.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.problems import Problems


def find_field(
    columns: list[str],
    given: str | None,
    usual: tuple[str, ...],
    option: str,
    problems: Problems,
    *,
    required: bool,
) -> str | None:
    """The column to use: ``given`` (must exist) or the first usual name present."""
    by_fold = {c.casefold(): c for c in columns}
    if given is not None:
        column = by_fold.get(given.casefold())
        if column is None:
            problems.add(
                "(file)", option, given, f"a field of the file: {', '.join(columns) or '(none)'}"
            )
        return column
    for name in usual:
        if name.casefold() in by_fold:
            return by_fold[name.casefold()]
    if required:
        problems.add(
            "(file)",
            option,
            "(not given, none of the usual names)",
            f"{option} naming one of: {', '.join(columns) or '(none)'}",
        )
    return None


def numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Values as floats (NaN where empty) and a mask of values that are present but not numbers.

    Numbers stored as text (" 12,5 ") are accepted.
    """
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=float, na_value=np.nan), np.zeros(len(values), dtype=bool)
    text = values.astype("string").str.strip().str.replace(",", ".", regex=False)
    text = text.mask(text == "")
    parsed = pd.to_numeric(text, errors="coerce")
    bad = (text.notna() & parsed.isna()).to_numpy(dtype=bool)
    return parsed.to_numpy(dtype=float, na_value=np.nan), bad


def texts(values: pd.Series) -> np.ndarray:
    """Values as stripped strings, None where empty."""
    text = values.astype("string").str.strip()
    text = text.mask(text == "")
    return np.array([None if pd.isna(v) else str(v) for v in text], dtype=object)


def attributes_json(frame: pd.DataFrame) -> list[str]:
    """Each row's attributes as a JSON object text (for the jsonb ``source_attributes``)."""
    if len(frame) == 0:
        return []
    if len(frame.columns) == 0:
        return ["{}"] * len(frame)
    text = frame.to_json(
        orient="records", lines=True, date_format="iso", double_precision=15, force_ascii=False
    )
    return text.splitlines()
