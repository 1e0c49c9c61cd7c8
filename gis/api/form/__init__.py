"""The Common Reporting questionnaire on the web: log in, fill a report in three languages, save.

``routes`` is the Flask edge; the answers are checked and recorded by the same code as the
workbook loader and the OGC API writes (``gis.store.report_answers``, ``gis.store.feature_writes``).
"""
