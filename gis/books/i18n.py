"""Words of the books in English, German and French, and texts with an English fallback.

A text missing in the language asked for is shown in English and marked as such (``lang="en"``
and a small "EN" badge), so a reader knows the German or French book quotes the English report.
"""

from __future__ import annotations

from dataclasses import dataclass

from gis.store.reference import LANGUAGES as LANGS
from gis.store.report_sections import SECTION_TITLES

__all__ = ["LANGS", "UI", "Localized", "pick", "word"]

# The questionnaire's section headings and the books' own words.
UI: dict[str, dict[str, str]] = SECTION_TITLES | {
    "project_book": {"en": "Project Book", "de": "Projektbuch", "fr": "Cahier de projets"},
    "project_books": {"en": "Project Books", "de": "Projektbücher", "fr": "Cahiers de projets"},
    "cross_topic": {
        "en": "Cross-topic analysis of challenges",
        "de": "Themenübergreifende Analyse der Herausforderungen",
        "fr": "Analyse transversale des défis",
    },
    "description": {"en": "Short description", "de": "Kurzbeschreibung", "fr": "Description"},
    "title": {"en": "title", "de": "Titel", "fr": "titre"},
    "status": {"en": "Status", "de": "Status", "fr": "Statut"},
    "status_history": {
        "en": "Status over the points",
        "de": "Status je Messpunkt",
        "fr": "Statut par point de mesure",
    },
    "footprint": {"en": "Footprint", "de": "Fläche", "fr": "Emprise"},
    "no_footprint": {
        "en": "No footprint at this point",
        "de": "Keine Fläche zu diesem Zeitpunkt",
        "fr": "Pas d'emprise à ce point",
    },
    "buildings": {
        "en": "buildings touched",
        "de": "betroffene Gebäude",
        "fr": "bâtiments concernés",
    },
    "changes": {"en": "Changes since", "de": "Änderungen seit", "fr": "Changements depuis"},
    "no_changes": {
        "en": "No change since",
        "de": "Keine Änderung seit",
        "fr": "Aucun changement depuis",
    },
    "first_point": {
        "en": "First measurement point",
        "de": "Erster Messpunkt",
        "fr": "Premier point de mesure",
    },
    "change_new": {"en": "New project", "de": "Neues Projekt", "fr": "Nouveau projet"},
    "change_reported": {"en": "First report", "de": "Erster Bericht", "fr": "Premier rapport"},
    "change_status": {"en": "Status changed", "de": "Status geändert", "fr": "Statut modifié"},
    "change_text": {"en": "Texts changed", "de": "Texte geändert", "fr": "Textes modifiés"},
    "change_footprint": {
        "en": "Footprint changed",
        "de": "Fläche geändert",
        "fr": "Emprise modifiée",
    },
    "change_buildings": {
        "en": "Buildings changed",
        "de": "Gebäude geändert",
        "fr": "Bâtiments modifiés",
    },
    "change_challenges": {
        "en": "New challenges",
        "de": "Neue Herausforderungen",
        "fr": "Nouveaux défis",
    },
    "ended": {
        "en": "No longer reported at this point",
        "de": "Zu diesem Messpunkt nicht mehr berichtet",
        "fr": "Plus rapporté à ce point",
    },
    "no_projects": {
        "en": "No project in this thematic field at this point.",
        "de": "Kein Projekt in diesem Themenfeld zu diesem Messpunkt.",
        "fr": "Aucun projet dans ce domaine à ce point de mesure.",
    },
    "not_reported": {
        "en": "No report for this point.",
        "de": "Kein Bericht zu diesem Messpunkt.",
        "fr": "Pas de rapport pour ce point.",
    },
    "status_from_footprint": {
        "en": "status from the footprint data (no report)",
        "de": "Status aus den Geodaten (kein Bericht)",
        "fr": "statut issu des données géographiques (pas de rapport)",
    },
    "progress": {"en": "progress", "de": "Fortschritt", "fr": "avancement"},
    "reported_on": {"en": "reported on", "de": "berichtet am", "fr": "rapporté le"},
    "legend": {
        "en": "Implementation status",
        "de": "Umsetzungsstatus",
        "fr": "État de mise en œuvre",
    },
    "projects": {"en": "projects", "de": "Projekte", "fr": "projets"},
    "contents": {"en": "Contents", "de": "Inhalt", "fr": "Sommaire"},
    "all_books": {"en": "All books", "de": "Alle Bücher", "fr": "Tous les cahiers"},
    "challenge": {"en": "Challenge", "de": "Herausforderung", "fr": "Défi"},
    "by_city": {
        "en": "Challenges by city",
        "de": "Herausforderungen nach Stadt",
        "fr": "Défis par ville",
    },
    "by_field": {
        "en": "Challenges by thematic field",
        "de": "Herausforderungen nach Themenfeld",
        "fr": "Défis par domaine",
    },
    "shared": {
        "en": "shared by two or more cities",
        "de": "von zwei oder mehr Städten geteilt",
        "fr": "partagé par deux villes ou plus",
    },
    "cities": {"en": "cities", "de": "Städte", "fr": "villes"},
    "new_challenges": {
        "en": "New challenges since",
        "de": "Neue Herausforderungen seit",
        "fr": "Nouveaux défis depuis",
    },
    "none": {"en": "None.", "de": "Keine.", "fr": "Aucun."},
    "raised_by": {
        "en": "Reports raising each challenge",
        "de": "Berichte je Herausforderung",
        "fr": "Rapports soulevant chaque défi",
    },
    "report": {"en": "report", "de": "Bericht", "fr": "rapport"},
    "no_challenges": {
        "en": "No report raises a challenge at this point.",
        "de": "Kein Bericht nennt zu diesem Messpunkt eine Herausforderung.",
        "fr": "Aucun rapport ne soulève de défi à ce point.",
    },
    "free_tag": {"en": "free tag", "de": "freies Schlagwort", "fr": "mot-clé libre"},
    "fallback": {
        "en": "Not available in English",
        "de": "Nicht auf Deutsch verfügbar, englischer Text",
        "fr": "Non disponible en français, texte anglais",
    },
    "generated": {
        "en": "Generated from the Knowledge Carrier database (currently believed reports and project versions).",
        "de": "Erzeugt aus der Knowledge-Carrier-Datenbank (aktuell gültige Berichte und Projektversionen).",
        "fr": "Généré depuis la base du Knowledge Carrier (rapports et versions de projets en vigueur).",
    },
    "new": {"en": "new", "de": "neu", "fr": "nouveau"},
    "total": {"en": "Total", "de": "Gesamt", "fr": "Total"},
    "city": {"en": "City", "de": "Stadt", "fr": "Ville"},
    "field": {"en": "Thematic field", "de": "Themenfeld", "fr": "Domaine"},
    "point": {"en": "Measurement point", "de": "Messpunkt", "fr": "Point de mesure"},
    "map_note": {
        "en": "local projection, north up",
        "de": "lokale Projektion, Norden oben",
        "fr": "projection locale, nord en haut",
    },
    "project": {"en": "project", "de": "Projekt", "fr": "projet"},
    "n_cities": {"en": "Cities", "de": "Städte", "fr": "Villes"},
    "n_fields": {"en": "Fields", "de": "Themenfelder", "fr": "Domaines"},
    "new_projects": {"en": "new projects", "de": "neue Projekte", "fr": "nouveaux projets"},
    "changed_projects": {
        "en": "changed projects",
        "de": "geänderte Projekte",
        "fr": "projets modifiés",
    },
    "unchanged_projects": {"en": "unchanged", "de": "unverändert", "fr": "inchangés"},
    "new_in_city": {
        "en": "first raised by this city",
        "de": "erstmals von dieser Stadt genannt",
        "fr": "soulevé pour la première fois par cette ville",
    },
    "cell_key": {
        "en": "number of reports raising it, and their projects",
        "de": "Anzahl der Berichte und ihre Projekte",
        "fr": "nombre de rapports et leurs projets",
    },
    "pdf": {"en": "PDF", "de": "PDF", "fr": "PDF"},
}


@dataclass(frozen=True)
class Localized:
    """A text in the language it is shown in; ``fallback`` when that is not the language asked."""

    text: str
    lang: str
    fallback: bool


def word(key: str, lang: str) -> str:
    """A word of the books' interface in ``lang`` (every key exists in every language)."""
    return UI[key][lang]


def pick(text: dict[str, str] | None, lang: str) -> Localized | None:
    """``text`` in ``lang``, else in English marked as a fallback; None when there is no text."""
    if not text:
        return None
    value = (text.get(lang) or "").strip()
    if value:
        return Localized(value, lang, False)
    english = (text.get("en") or "").strip()
    if not english:
        return None
    return Localized(english, "en", lang != "en")
