"""Common Reporting workbooks: the columns, reading XLSX/CSV as Excel really writes them, the template.

Excel realities handled when reading: header rows below a title or merged section headers (the
header row is the one holding ``project_code``), merged header cells, help rows (first cell starting
with ``#``), trailing spaces, empty trailing rows, dates as dates, text or serial numbers, numbers
stored as text, and formulas. Formulas are read as their cached values (openpyxl ``data_only``); a
workbook last saved by a program that does not calculate (openpyxl itself, pandas) has no cached
values, which is reported per cell instead of being read as empty.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from etl.problems import Problems
from gis.store.report_sections import REPORT_SECTIONS

SHEET = "Common Reporting"

LANGS = ("de", "fr")
TEXT_SECTIONS = REPORT_SECTIONS
CHALLENGE_COLUMNS = tuple(f"challenge_{i}" for i in range(1, 5))


@dataclass(frozen=True)
class Column:
    key: str
    section: str
    help: str


def _text_columns(key: str, section: str, help_: str) -> list[Column]:
    return [Column(key, section, help_)] + [
        Column(f"{key}_{lang}", section, f"Optional {lang.upper()} translation of {key}.")
        for lang in LANGS
    ]


COLUMNS: tuple[Column, ...] = (
    Column(
        "project_code",
        "General information",
        "Required. Project code as loaded with 'kc load projects' (e.g. LYO-DH-A3PV).",
    ),
    Column(
        "thematic_field",
        "General information",
        "Optional check: the project's thematic field (drop-down).",
    ),
    Column("reported_on", "General information", "Optional. Date of the answer (YYYY-MM-DD)."),
    *_text_columns(
        "objectives", "General information", "Required. Objectives of the project (English)."
    ),
    *_text_columns("partners", "General information", "Partners involved (English)."),
    Column(
        "status",
        "Implementation status",
        "Required. Implementation status (drop-down, fixed list).",
    ),
    Column("progress", "Implementation status", "Progress in percent, 0 to 100."),
    *_text_columns("drivers", "Process drivers", "What drove the process forward (English)."),
    *_text_columns("barriers", "Process barriers", "What held the process back (English)."),
    *_text_columns(
        "corrective_actions", "Corrective actions", "Actions taken against the barriers (English)."
    ),
    *_text_columns("risks", "Risks and challenges", "Risks and challenges ahead (English)."),
    *[
        Column(
            c,
            "Risks and challenges",
            "Challenge tag: pick from the list, or type a new one (free tag).",
        )
        for c in CHALLENGE_COLUMNS
    ],
    *_text_columns(
        "lessons_learned",
        "Lessons learned and recommendations",
        "Lessons learned and recommendations (English).",
    ),
)
KEYS = tuple(c.key for c in COLUMNS)


@dataclass(frozen=True)
class Row:
    """One data row: its number in the sheet and its values by column key."""

    number: int
    values: dict[str, object]


def header_key(value: object) -> str:
    """``"Objectives (DE) "`` → ``objectives_de``."""
    return re.sub(r"[^0-9a-z]+", "_", str(value or "").strip().lower()).strip("_")


def _clean(value: object) -> object:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    return value


def _table(
    grid: list[list[object]], where: str, problems: Problems, formulas: dict[tuple[int, int], str]
) -> list[Row]:
    header_at = next(
        (i for i, row in enumerate(grid[:20]) if "project_code" in {header_key(v) for v in row}),
        None,
    )
    if header_at is None:
        problems.add(
            where,
            "(header)",
            "no column 'project_code' in the first 20 rows",
            "the header row of the Common Reporting template (kc reporting template)",
        )
        return []
    keys = [header_key(v) for v in grid[header_at]]
    unknown = [
        k for k in keys if k and k not in KEYS and not re.fullmatch(r"challenges?(_\d+)?", k)
    ]
    for k in unknown:
        problems.add(
            where, k, "unknown column", f"one of the template's columns: {', '.join(KEYS)}"
        )
    rows = []
    for r, raw in enumerate(grid[header_at + 1 :], start=header_at + 2):
        values = [_clean(v) for v in raw]
        if all(v is None for v in values):
            continue
        first = next(v for v in values if v is not None)
        if isinstance(first, str) and first.startswith("#"):
            continue
        record: dict[str, object] = {}
        for c, (key, value) in enumerate(zip(keys, values, strict=False)):
            if not key:
                continue
            if value is None and (r, c + 1) in formulas:
                problems.add(
                    f"row {r}",
                    key,
                    f"formula {formulas[(r, c + 1)]} without a saved value",
                    "a value (the workbook was saved by a program that does not calculate formulas, "
                    "e.g. openpyxl or pandas: open and save it in Excel or LibreOffice)",
                )
            if value is not None or key not in record:  # a merged header spans empty columns
                record[key] = value
        rows.append(Row(r, record))
    return rows


def _fill_merged(sheet) -> list[list[object]]:
    grid = [list(row) for row in sheet.iter_rows(values_only=True)]
    for merged in sheet.merged_cells.ranges:
        value = (
            grid[merged.min_row - 1][merged.min_col - 1] if merged.min_row <= len(grid) else None
        )
        for r in range(merged.min_row, min(merged.max_row, len(grid)) + 1):
            for c in range(merged.min_col, merged.max_col + 1):
                if c <= len(grid[r - 1]):
                    grid[r - 1][c - 1] = value
    return grid


def read_xlsx(path: Path, sheet: str | None, problems: Problems) -> list[Row]:
    try:
        values = openpyxl.load_workbook(path, data_only=True)
        formulas_wb = openpyxl.load_workbook(path, data_only=False)
    except Exception as err:  # zipfile, XML and openpyxl errors for corrupt or truncated files
        problems.add(
            "(file)",
            "(file)",
            " ".join(str(err).split()) or type(err).__name__,
            "an .xlsx workbook",
        )
        return []
    data_sheets = [s for s in values.sheetnames if s == SHEET] or [
        s for s in values.sheetnames if values[s].sheet_state == "visible"
    ]
    if sheet is None:
        if len(data_sheets) != 1:
            problems.add(
                "(file)",
                "--sheet",
                "(not given)",
                f"--sheet naming one of: {', '.join(values.sheetnames)}",
            )
            return []
        sheet = data_sheets[0]
    if sheet not in values.sheetnames:
        problems.add(
            "(file)", "--sheet", sheet, f"a sheet of the workbook: {', '.join(values.sheetnames)}"
        )
        return []
    formulas = {
        (cell.row, cell.column): cell.value
        for row in formulas_wb[sheet].iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value.startswith("=")
    }
    return _table(_fill_merged(values[sheet]), f"sheet {sheet!r}", problems, formulas)


def read_csv(path: Path, problems: Problems) -> list[Row]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        problems.add("(file)", "(file)", str(err), "a UTF-8 CSV file")
        return []
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    grid = [list(row) for row in csv.reader(text.splitlines(), dialect)]
    return _table(grid, "(csv)", problems, {})


def read_rows(path: Path, sheet: str | None, problems: Problems) -> list[Row]:
    """The data rows of a Common Reporting workbook (.xlsx) or CSV file with the same columns."""
    if not path.is_file():
        problems.add("(file)", "(file)", str(path), "an existing .xlsx or .csv file")
        return []
    if path.suffix.lower() == ".csv":
        return read_csv(path, problems)
    return read_xlsx(path, sheet, problems)


# --- the template --------------------------------------------------------------------------------

HELP_ROWS = (
    "This workbook collects the Common Reporting answers of one measurement point: one row per",
    "implementation project. Load it with:  kc load reporting WORKBOOK.xlsx --at PM18",
    "",
    "Sheet 'Common Reporting': row 1 names the questionnaire sections, row 2 holds the column names",
    "(do not rename them), row 3 is a help row (it starts with '#', rows starting with '#' are",
    "skipped). Hover over a column name for its help. Fill one row per project from row 4 on.",
    "",
    "Required: project_code (as loaded with 'kc load projects'), status, objectives.",
    "status: pick from the drop-down (the fixed list of config/statuses.yaml).",
    "progress: a percentage 0-100.  reported_on: a date.",
    "Texts are English; columns ending in _de / _fr hold optional German / French translations.",
    "challenge_1 … challenge_4: pick a tag of the controlled vocabulary, or type a new free tag.",
    "",
    "Formulas are read by their last calculated value: save the workbook in Excel or LibreOffice",
    "(a file written by a script has no calculated values and is refused with a message).",
    "Loading the same workbook twice changes nothing; a corrected workbook supersedes the",
    "changed reports (the old answers are kept as history).",
)


def write_template(
    path: Path, statuses: list[str], fields: list[str], challenges: list[str]
) -> None:
    """A blank Common Reporting workbook with drop-downs, column help and an explanation sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    bold, italic = Font(bold=True), Font(italic=True, color="666666")
    fill = PatternFill("solid", fgColor="DDEBF7")
    start = 1
    for c, col in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=2, column=c, value=col.key)
        cell.font, cell.fill = bold, fill
        cell.comment = Comment(col.help, "Knowledge Carrier")
        ws.cell(row=3, column=c, value=("# " if c == 1 else "") + col.help).font = italic
        ws.column_dimensions[get_column_letter(c)].width = 22
        last = c == len(COLUMNS) or COLUMNS[c].section != col.section
        if last:
            ws.cell(row=1, column=start, value=col.section).font = bold
            ws.cell(row=1, column=start).alignment = Alignment(horizontal="center")
            if c > start:
                ws.merge_cells(start_row=1, start_column=start, end_row=1, end_column=c)
            start = c + 1
    ws.freeze_panes = "B4"
    lists = wb.create_sheet("Lists")
    for c, (title, values) in enumerate(
        (("status", statuses), ("thematic_field", fields), ("challenge", challenges)), 1
    ):
        lists.cell(row=1, column=c, value=title).font = bold
        for r, v in enumerate(values, start=2):
            lists.cell(row=r, column=c, value=v)
    lists.sheet_state = "hidden"

    def validation(key: str, list_column: int, count: int, strict: bool) -> None:
        letter = get_column_letter(list_column)
        dv = DataValidation(
            type="list", formula1=f"=Lists!${letter}$2:${letter}${count + 1}", allow_blank=True
        )
        dv.showErrorMessage = strict  # challenge tags: the list suggests, free tags stay possible
        dv.errorTitle, dv.error = (
            "Not in the list",
            f"Pick a {key.replace('_', ' ')} from the list.",
        )
        ws.add_data_validation(dv)
        column = get_column_letter(KEYS.index(key) + 1)
        dv.add(f"{column}4:{column}1000")

    validation("status", 1, len(statuses), True)
    validation("thematic_field", 2, len(fields), True)
    for key in CHALLENGE_COLUMNS:
        validation(key, 3, len(challenges), False)
    progress = DataValidation(
        type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True
    )
    progress.error = "A percentage between 0 and 100."
    ws.add_data_validation(progress)
    column = get_column_letter(KEYS.index("progress") + 1)
    progress.add(f"{column}4:{column}1000")
    about = wb.create_sheet("How to fill in")
    for r, line in enumerate(HELP_ROWS, start=1):
        about.cell(row=r, column=1, value=line)
    about.column_dimensions["A"].width = 100
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
