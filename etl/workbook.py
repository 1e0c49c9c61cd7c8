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
from gis.store.report_answers import LANGS
from gis.store.report_sections import REPORT_SECTIONS

SHEET = "Common Reporting"

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

#: Languages the template is written in (its drop-downs, section names and help).
TEMPLATE_LANGS = ("en", "de", "fr")

HELP_ROWS = {
    "en": (
        "This workbook collects the Common Reporting answers of one measurement point: one row per",
        "implementation project. Load it with:  kc load reporting WORKBOOK.xlsx --at PM18",
        "",
        "Sheet 'Common Reporting': row 1 names the questionnaire sections, row 2 holds the column names",
        "(do not rename them), row 3 is a help row (it starts with '#', rows starting with '#' are",
        "skipped). Hover over a column name for its help. Fill one row per project from row 4 on.",
        "",
        "Required: project_code (pick from the drop-down: the sheet 'Projects' lists the loaded",
        "projects with their codes), status, objectives.",
        "status, thematic_field: pick from the drop-down (its words are read back as the codes of",
        "config/, the hidden sheet 'Lists' shows which code each word stands for).",
        "progress: a percentage 0-100.  reported_on: a date.",
        "Texts are English; columns ending in _de / _fr hold optional German / French translations.",
        "challenge_1 … challenge_4: pick a tag of the controlled vocabulary, or type a new free tag.",
        "",
        "Formulas are read by their last calculated value: save the workbook in Excel or LibreOffice",
        "(a file written by a script has no calculated values and is refused with a message).",
        "Loading the same workbook twice changes nothing; a corrected workbook supersedes the",
        "changed reports (the old answers are kept as history).",
    ),
    "de": (
        "Diese Arbeitsmappe sammelt die Antworten des Common Reporting zu einem Messzeitpunkt: eine",
        "Zeile je Umsetzungsprojekt. Laden mit:  kc load reporting ARBEITSMAPPE.xlsx --at PM18",
        "",
        "Blatt 'Common Reporting': Zeile 1 nennt die Abschnitte des Fragebogens, Zeile 2 die",
        "Spaltennamen (nicht umbenennen), Zeile 3 ist eine Hilfezeile (sie beginnt mit '#'; Zeilen,",
        "die mit '#' beginnen, werden übersprungen). Die Hilfe zu einer Spalte erscheint über ihrem",
        "Namen. Ab Zeile 4 eine Zeile je Projekt ausfüllen.",
        "",
        "Pflicht: project_code (aus der Auswahlliste: das Blatt 'Projekte' listet die geladenen",
        "Projekte mit ihren Codes), status, objectives.",
        "status, thematic_field: aus der Auswahlliste wählen (die Wörter werden als die Codes aus",
        "config/ gelesen; das ausgeblendete Blatt 'Listen' zeigt, für welchen Code jedes Wort steht).",
        "progress: ein Prozentsatz 0-100.  reported_on: ein Datum.",
        "Texte auf Englisch; Spalten auf _de / _fr enthalten optionale deutsche / französische",
        "Übersetzungen.",
        "challenge_1 … challenge_4: ein Schlagwort des kontrollierten Vokabulars wählen oder ein",
        "neues, freies Schlagwort eintippen.",
        "",
        "Formeln werden mit ihrem zuletzt berechneten Wert gelesen: die Arbeitsmappe in Excel oder",
        "LibreOffice speichern (eine von einem Skript geschriebene Datei hat keine berechneten Werte",
        "und wird mit einer Meldung abgelehnt). Dieselbe Arbeitsmappe zweimal zu laden ändert nichts;",
        "eine korrigierte Arbeitsmappe ersetzt die geänderten Berichte (die alten Antworten bleiben",
        "als Verlauf erhalten).",
    ),
    "fr": (
        "Ce classeur recueille les réponses du Common Reporting d'un point de mesure : une ligne par",
        "projet de mise en œuvre. Le charger avec :  kc load reporting CLASSEUR.xlsx --at PM18",
        "",
        "Feuille 'Common Reporting' : la ligne 1 nomme les sections du questionnaire, la ligne 2",
        "porte les noms des colonnes (ne pas les renommer), la ligne 3 est une ligne d'aide (elle",
        "commence par '#' ; les lignes qui commencent par '#' sont ignorées). L'aide d'une colonne",
        "s'affiche sur son nom. Remplir une ligne par projet à partir de la ligne 4.",
        "",
        "Obligatoire : project_code (dans la liste déroulante : la feuille 'Projets' liste les",
        "projets chargés avec leurs codes), status, objectives.",
        "status, thematic_field : choisir dans la liste déroulante (les mots sont relus comme les",
        "codes de config/ ; la feuille masquée 'Listes' montre le code de chaque mot).",
        "progress : un pourcentage de 0 à 100.  reported_on : une date.",
        "Textes en anglais ; les colonnes en _de / _fr portent des traductions allemandes /",
        "françaises facultatives.",
        "challenge_1 … challenge_4 : choisir un mot-clé du vocabulaire contrôlé, ou saisir un",
        "nouveau mot-clé libre.",
        "",
        "Les formules sont lues par leur dernière valeur calculée : enregistrer le classeur dans",
        "Excel ou LibreOffice (un fichier écrit par un script n'a pas de valeurs calculées et est",
        "refusé avec un message). Charger deux fois le même classeur ne change rien ; un classeur",
        "corrigé remplace les rapports modifiés (les anciennes réponses restent dans l'historique).",
    ),
}

#: The template's words in German and French (English is the text of ``COLUMNS``).
TRANSLATIONS: dict[str, dict[str, str]] = {
    "de": {
        "General information": "Allgemeine Angaben",
        "Implementation status": "Umsetzungsstand",
        "Process drivers": "Treiber des Prozesses",
        "Process barriers": "Hemmnisse im Prozess",
        "Corrective actions": "Korrekturmaßnahmen",
        "Risks and challenges": "Risiken und Herausforderungen",
        "Lessons learned and recommendations": "Erkenntnisse und Empfehlungen",
        "project_code": "Pflicht. Code des Projekts (Auswahlliste; das Blatt 'Projekte' listet sie).",
        "thematic_field": "Optionale Prüfung: das Themenfeld des Projekts (Auswahlliste).",
        "reported_on": "Optional. Datum der Antwort (JJJJ-MM-TT).",
        "objectives": "Pflicht. Ziele des Projekts (auf Englisch).",
        "partners": "Beteiligte Partner (auf Englisch).",
        "status": "Pflicht. Umsetzungsstand (Auswahlliste, feste Liste).",
        "progress": "Fortschritt in Prozent, 0 bis 100.",
        "drivers": "Was den Prozess vorangebracht hat (auf Englisch).",
        "barriers": "Was den Prozess gebremst hat (auf Englisch).",
        "corrective_actions": "Maßnahmen gegen die Hemmnisse (auf Englisch).",
        "risks": "Risiken und Herausforderungen, die bevorstehen (auf Englisch).",
        "challenge": "Schlagwort einer Herausforderung: aus der Liste wählen oder ein neues eintippen.",
        "lessons_learned": "Erkenntnisse und Empfehlungen (auf Englisch).",
        "translation": "Optionale deutsche Übersetzung von {key}.",
        "translation_fr": "Optionale französische Übersetzung von {key}.",
        "Projects": "Projekte",
        "Lists": "Listen",
        "How to fill in": "Ausfüllhilfe",
        "code": "Code",
        "city": "Stadt",
        "field": "Themenfeld",
        "title": "Titel",
        "label": "Wort (Auswahlliste)",
        "no_database": "Keine Datenbank erreichbar, als diese Vorlage geschrieben wurde: die Codes "
        "sind die mit 'kc load projects' geladenen (die Vorlage neu schreiben, um sie hier zu sehen).",
        "projects_help": "Die geladenen Projekte und ihre Codes (für die Spalte project_code).",
        "Not in the list": "Nicht in der Liste",
        "pick": "Bitte einen Wert aus der Liste wählen.",
        "percent": "Ein Prozentsatz zwischen 0 und 100.",
    },
    "fr": {
        "General information": "Informations générales",
        "Implementation status": "État d'avancement",
        "Process drivers": "Moteurs du processus",
        "Process barriers": "Freins du processus",
        "Corrective actions": "Actions correctives",
        "Risks and challenges": "Risques et défis",
        "Lessons learned and recommendations": "Enseignements et recommandations",
        "project_code": "Obligatoire. Code du projet (liste déroulante ; la feuille 'Projets' les liste).",
        "thematic_field": "Contrôle facultatif : le domaine thématique du projet (liste déroulante).",
        "reported_on": "Facultatif. Date de la réponse (AAAA-MM-JJ).",
        "objectives": "Obligatoire. Objectifs du projet (en anglais).",
        "partners": "Partenaires impliqués (en anglais).",
        "status": "Obligatoire. État d'avancement (liste déroulante, liste fixe).",
        "progress": "Avancement en pour cent, de 0 à 100.",
        "drivers": "Ce qui a fait avancer le processus (en anglais).",
        "barriers": "Ce qui a freiné le processus (en anglais).",
        "corrective_actions": "Actions menées contre les freins (en anglais).",
        "risks": "Risques et défis à venir (en anglais).",
        "challenge": "Mot-clé de défi : le choisir dans la liste ou en saisir un nouveau.",
        "lessons_learned": "Enseignements et recommandations (en anglais).",
        "translation": "Traduction allemande facultative de {key}.",
        "translation_fr": "Traduction française facultative de {key}.",
        "Projects": "Projets",
        "Lists": "Listes",
        "How to fill in": "Mode d'emploi",
        "code": "Code",
        "city": "Ville",
        "field": "Domaine thématique",
        "title": "Titre",
        "label": "Mot (liste déroulante)",
        "no_database": "Aucune base de données joignable quand ce modèle a été écrit : les codes "
        "sont ceux chargés avec 'kc load projects' (réécrire le modèle pour les voir ici).",
        "projects_help": "Les projets chargés et leurs codes (pour la colonne project_code).",
        "Not in the list": "Pas dans la liste",
        "pick": "Choisir une valeur de la liste.",
        "percent": "Un pourcentage entre 0 et 100.",
    },
}
ENGLISH = {
    "translation": "Optional DE translation of {key}.",
    "translation_fr": "Optional FR translation of {key}.",
    "Projects": "Projects",
    "Lists": "Lists",
    "How to fill in": "How to fill in",
    "code": "code",
    "city": "city",
    "field": "thematic field",
    "title": "title",
    "label": "word (drop-down)",
    "no_database": "No database was reachable when this template was written: the codes are those "
    "loaded with 'kc load projects' (write the template again to list them here).",
    "projects_help": "The loaded projects and their codes (for the column project_code).",
    "Not in the list": "Not in the list",
    "pick": "Pick a value from the list.",
    "percent": "A percentage between 0 and 100.",
}


@dataclass(frozen=True)
class Choice:
    """An entry of a drop-down: the code the database knows and its words in each language."""

    code: str
    label: dict[str, str]

    def word(self, lang: str) -> str:
        return self.label.get(lang) or self.label.get("en") or self.code


@dataclass(frozen=True)
class ProjectEntry:
    """A loaded project, for the template's sheet of project codes."""

    code: str
    city: str
    thematic_field: str
    title: dict[str, str]


def _say(key: str, lang: str) -> str:
    if lang == "en":
        return ENGLISH.get(key, key)
    return TRANSLATIONS[lang].get(key) or ENGLISH.get(key, key)


def _help(col: Column, lang: str) -> str:
    if lang == "en":
        return col.help
    for suffix, key in (("_de", "translation"), ("_fr", "translation_fr")):
        if col.key.endswith(suffix) and col.key not in TRANSLATIONS[lang]:
            return _say(key, lang).format(key=col.key[: -len(suffix)])
    base = "challenge" if col.key in CHALLENGE_COLUMNS else col.key
    return TRANSLATIONS[lang].get(base, col.help)


def write_template(
    path: Path,
    statuses: list[Choice],
    fields: list[Choice],
    challenges: list[Choice],
    *,
    lang: str = "en",
    projects: list[ProjectEntry] | None = None,
) -> None:
    """A blank Common Reporting workbook with drop-downs, column help and an explanation sheet.

    The drop-downs show the words of ``lang`` (``config/``'s labels); the loader reads any of
    them back as the code they stand for (``etl.vocabulary``), and the hidden sheet of lists
    shows each word beside its code. ``projects`` (None: no database was reachable) fills the
    sheet of project codes that the project_code drop-down offers.
    """
    if lang not in TEMPLATE_LANGS:
        raise ValueError(f"unknown language {lang!r}: expected one of {', '.join(TEMPLATE_LANGS)}")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    bold, italic = Font(bold=True), Font(italic=True, color="666666")
    fill = PatternFill("solid", fgColor="DDEBF7")
    start = 1
    for c, col in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=2, column=c, value=col.key)
        cell.font, cell.fill = bold, fill
        help_ = _help(col, lang)
        cell.comment = Comment(help_, "Knowledge Carrier")
        ws.cell(row=3, column=c, value=("# " if c == 1 else "") + help_).font = italic
        ws.column_dimensions[get_column_letter(c)].width = 22
        last = c == len(COLUMNS) or COLUMNS[c].section != col.section
        if last:
            ws.cell(row=1, column=start, value=_say(col.section, lang)).font = bold
            ws.cell(row=1, column=start).alignment = Alignment(horizontal="center")
            if c > start:
                ws.merge_cells(start_row=1, start_column=start, end_row=1, end_column=c)
            start = c + 1
    ws.freeze_panes = "B4"

    # The lists behind the drop-downs: the words (column A, C, E) and their codes (B, D, F).
    lists = wb.create_sheet(_say("Lists", lang))
    lists_ref = f"'{lists.title}'" if " " in lists.title else lists.title
    for c, (title, choices) in enumerate(
        (("status", statuses), ("thematic_field", fields), ("challenge", challenges))
    ):
        lists.cell(row=1, column=2 * c + 1, value=f"{title}: {_say('label', lang)}").font = bold
        lists.cell(row=1, column=2 * c + 2, value=f"{title}: {_say('code', lang)}").font = bold
        for r, choice in enumerate(choices, start=2):
            lists.cell(row=r, column=2 * c + 1, value=choice.word(lang))
            lists.cell(row=r, column=2 * c + 2, value=choice.code)
        lists.column_dimensions[get_column_letter(2 * c + 1)].width = 40
        lists.column_dimensions[get_column_letter(2 * c + 2)].width = 30
    lists.sheet_state = "hidden"

    def validation(key: str, formula: str, strict: bool) -> None:
        dv = DataValidation(type="list", formula1=formula, allow_blank=True)
        dv.showErrorMessage = strict  # challenge tags: the list suggests, free tags stay possible
        dv.errorTitle, dv.error = _say("Not in the list", lang), _say("pick", lang)
        ws.add_data_validation(dv)
        column = get_column_letter(KEYS.index(key) + 1)
        dv.add(f"{column}4:{column}1000")

    def list_range(column: int, count: int) -> str:
        letter = get_column_letter(column)
        return f"={lists_ref}!${letter}$2:${letter}${count + 1}"

    validation("status", list_range(1, len(statuses)), True)
    validation("thematic_field", list_range(3, len(fields)), True)
    for key in CHALLENGE_COLUMNS:
        validation(key, list_range(5, len(challenges)), False)
    progress = DataValidation(
        type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True
    )
    progress.error = _say("percent", lang)
    ws.add_data_validation(progress)
    column = get_column_letter(KEYS.index("progress") + 1)
    progress.add(f"{column}4:{column}1000")

    # The loaded projects and their codes (project_code's drop-down, not strict: a project
    # loaded after the template was written is still accepted).
    sheet = wb.create_sheet(_say("Projects", lang))
    sheet_ref = f"'{sheet.title}'" if " " in sheet.title else sheet.title
    sheet.cell(
        row=1,
        column=1,
        value=_say("projects_help" if projects is not None else "no_database", lang),
    ).font = italic
    field_words = {f.code: f.word(lang) for f in fields}
    for c, title in enumerate(("code", "city", "field", "title"), start=1):
        sheet.cell(row=2, column=c, value=_say(title, lang)).font = bold
        sheet.column_dimensions[get_column_letter(c)].width = (22, 12, 40, 60)[c - 1]
    for r, p in enumerate(projects or [], start=3):
        sheet.cell(row=r, column=1, value=p.code)
        sheet.cell(row=r, column=2, value=p.city)
        sheet.cell(row=r, column=3, value=field_words.get(p.thematic_field, p.thematic_field))
        sheet.cell(row=r, column=4, value=p.title.get(lang) or p.title.get("en"))
    if projects:
        validation("project_code", f"={sheet_ref}!$A$3:$A${len(projects) + 2}", False)

    about = wb.create_sheet(_say("How to fill in", lang))
    for r, line in enumerate(HELP_ROWS[lang], start=1):
        about.cell(row=r, column=1, value=line)
    about.column_dimensions["A"].width = 100
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
