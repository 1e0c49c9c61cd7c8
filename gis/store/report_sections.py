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
