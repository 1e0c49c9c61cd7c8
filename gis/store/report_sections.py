"""The text sections of the Common Reporting questionnaire (D2.1.1), as columns of ``kc.report``.

One list for the workbook loader, the Project Books and any other reader, in the questionnaire's
order: general information (objectives, partners), process drivers and barriers, corrective
actions, risks and challenges, lessons learned and recommendations.
"""

REPORT_SECTIONS = (
    "objectives",
    "partners",
    "drivers",
    "barriers",
    "corrective_actions",
    "risks",
    "lessons_learned",
)

# The questionnaire's headings of those sections, shown by the form where partners answer and by the
# Project Books where the answers are read: one table, so a partner finds an answer in the book under
# the heading it was written under.
SECTION_TITLES: dict[str, dict[str, str]] = {
    "objectives": {"en": "Objectives", "de": "Ziele", "fr": "Objectifs"},
    "partners": {"en": "Partners", "de": "Partner", "fr": "Partenaires"},
    "drivers": {
        "en": "Process drivers",
        "de": "Treiber des Prozesses",
        "fr": "Moteurs du processus",
    },
    "barriers": {
        "en": "Process barriers",
        "de": "Hemmnisse im Prozess",
        "fr": "Freins du processus",
    },
    "corrective_actions": {
        "en": "Corrective actions",
        "de": "Korrekturmaßnahmen",
        "fr": "Actions correctives",
    },
    "risks": {
        "en": "Risks and challenges",
        "de": "Risiken und Herausforderungen",
        "fr": "Risques et défis",
    },
    "lessons_learned": {
        "en": "Lessons learned and recommendations",
        "de": "Erkenntnisse und Empfehlungen",
        "fr": "Enseignements et recommandations",
    },
}
