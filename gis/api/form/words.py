"""The form's interface in English, German and French (the answers' languages are separate)."""

from __future__ import annotations

from gis.store.reference import LANGUAGES
from gis.store.report_sections import SECTION_TITLES

__all__ = ["LANGUAGES", "WORDS", "say"]

# The questionnaire's section headings and the form's own words.
WORDS: dict[str, dict[str, str]] = SECTION_TITLES | {
    "title": {"en": "Common Reporting", "de": "Common Reporting", "fr": "Common Reporting"},
    "login": {"en": "Log in", "de": "Anmelden", "fr": "Se connecter"},
    "logout": {"en": "Log out", "de": "Abmelden", "fr": "Se déconnecter"},
    "account": {"en": "Account", "de": "Konto", "fr": "Compte"},
    "password": {"en": "Password", "de": "Passwort", "fr": "Mot de passe"},
    "wrong": {
        "en": "Unknown account or wrong password.",
        "de": "Unbekanntes Konto oder falsches Passwort.",
        "fr": "Compte inconnu ou mot de passe erroné.",
    },
    "slowed": {
        "en": "Too many wrong passwords for this account: try again in {minutes} minutes.",
        "de": "Zu viele falsche Passwörter für dieses Konto: in {minutes} Minuten erneut versuchen.",
        "fr": "Trop de mots de passe erronés pour ce compte : réessayer dans {minutes} minutes.",
    },
    "projects": {"en": "Your projects", "de": "Ihre Projekte", "fr": "Vos projets"},
    "report_at": {"en": "Report at", "de": "Bericht zu", "fr": "Rapport au"},
    "save": {"en": "Save", "de": "Speichern", "fr": "Enregistrer"},
    "saved": {
        "en": "Saved. The earlier answers are kept in the history.",
        "de": "Gespeichert. Die früheren Antworten bleiben im Verlauf erhalten.",
        "fr": "Enregistré. Les réponses précédentes restent dans l'historique.",
    },
    "in_viewer": {
        "en": "See it in the viewer",
        "de": "Im Viewer ansehen",
        "fr": "Voir dans la visionneuse",
    },
    "in_books": {
        "en": "The Project Books show it from their next build (kc books build).",
        "de": "Die Projektbücher zeigen ihn ab ihrem nächsten Bau (kc books build).",
        "fr": "Les livres de projets le montrent dès leur prochaine construction (kc books build).",
    },
    "sso": {
        "en": "Log in with your organisation's account (single sign-on)",
        "de": "Mit dem Konto Ihrer Organisation anmelden (Single Sign-on)",
        "fr": "Se connecter avec le compte de votre organisation (authentification unique)",
    },
    "sso_refused": {
        "en": "Single sign-on refused:",
        "de": "Single Sign-on abgelehnt:",
        "fr": "Authentification unique refusée :",
    },
    "footprint": {"en": "Footprint", "de": "Fläche", "fr": "Emprise"},
    "footprint_help": {
        "en": "Click on the map to set the corners of the footprint, then save; or upload a "
        "file (GeoPackage, GeoJSON, zipped Shapefile … any format GDAL reads) whose polygons "
        "make the footprint.",
        "de": "Klicken Sie in die Karte, um die Ecken der Fläche zu setzen, und speichern Sie; "
        "oder laden Sie eine Datei hoch (GeoPackage, GeoJSON, gezipptes Shapefile … jedes "
        "Format, das GDAL liest), deren Polygone die Fläche bilden.",
        "fr": "Cliquez sur la carte pour placer les sommets de l'emprise, puis enregistrez ; ou "
        "téléversez un fichier (GeoPackage, GeoJSON, Shapefile zippé … tout format lu par "
        "GDAL) dont les polygones forment l'emprise.",
    },
    "undo": {"en": "Undo last corner", "de": "Letzte Ecke zurück", "fr": "Annuler le sommet"},
    "clear": {"en": "Start again", "de": "Neu beginnen", "fr": "Recommencer"},
    "upload": {"en": "Or a file", "de": "Oder eine Datei", "fr": "Ou un fichier"},
    "save_drawing": {
        "en": "Save the drawn footprint",
        "de": "Gezeichnete Fläche speichern",
        "fr": "Enregistrer l'emprise dessinée",
    },
    "save_file": {
        "en": "Save the file's footprint",
        "de": "Fläche aus der Datei speichern",
        "fr": "Enregistrer l'emprise du fichier",
    },
    "saved_footprint": {
        "en": "Footprint saved at this point. The earlier one is kept in the history.",
        "de": "Fläche zu diesem Messpunkt gespeichert. Die frühere bleibt im Verlauf erhalten.",
        "fr": "Emprise enregistrée à ce point. La précédente reste dans l'historique.",
    },
    "stale_footprint": {
        "en": "Someone else changed this project after you opened the page: nothing was saved. "
        "The map shows the footprint now; draw or upload again.",
        "de": "Jemand anderes hat das Projekt geändert, nachdem Sie die Seite geöffnet haben: "
        "nichts wurde gespeichert. Die Karte zeigt die aktuelle Fläche; bitte erneut zeichnen "
        "oder hochladen.",
        "fr": "Quelqu'un d'autre a modifié ce projet après l'ouverture de la page : rien n'a été "
        "enregistré. La carte montre l'emprise actuelle ; dessinez ou téléversez à nouveau.",
    },
    "not_valid_at": {
        "en": "The project has no version at this measurement point.",
        "de": "Das Projekt hat zu diesem Messpunkt keine Version.",
        "fr": "Le projet n'a pas de version à ce point de mesure.",
    },
    "unchanged": {"en": "Nothing changed.", "de": "Nichts geändert.", "fr": "Rien n'a changé."},
    "problems": {
        "en": "Nothing was saved; please correct:",
        "de": "Nichts wurde gespeichert; bitte korrigieren:",
        "fr": "Rien n'a été enregistré ; veuillez corriger :",
    },
    "stale": {
        "en": "Someone else saved this report after you opened it. Nothing of yours was saved; "
        "your answers are still in the form. What changed in between:",
        "de": "Jemand anderes hat diesen Bericht gespeichert, nachdem Sie ihn geöffnet haben. "
        "Nichts von Ihnen wurde gespeichert; Ihre Antworten stehen noch im Formular. "
        "Was sich inzwischen geändert hat:",
        "fr": "Quelqu'un d'autre a enregistré ce rapport après que vous l'avez ouvert. Rien de "
        "votre saisie n'a été enregistré ; vos réponses sont toujours dans le formulaire. "
        "Ce qui a changé entre-temps :",
    },
    "field": {"en": "Field", "de": "Feld", "fr": "Champ"},
    "then": {"en": "When you opened it", "de": "Beim Öffnen", "fr": "À l'ouverture"},
    "now": {"en": "Now", "de": "Jetzt", "fr": "Maintenant"},
    "status": {"en": "Implementation status", "de": "Umsetzungsstand", "fr": "État d'avancement"},
    "progress": {"en": "Progress (%)", "de": "Fortschritt (%)", "fr": "Avancement (%)"},
    "reported_on": {
        "en": "Date of the answer",
        "de": "Datum der Antwort",
        "fr": "Date de la réponse",
    },
    "challenges": {"en": "Challenges", "de": "Herausforderungen", "fr": "Défis"},
    "free_tags": {
        "en": "Other challenges (comma-separated)",
        "de": "Weitere Herausforderungen (durch Kommas getrennt)",
        "fr": "Autres défis (séparés par des virgules)",
    },
    "general": {
        "en": "General information",
        "de": "Allgemeine Angaben",
        "fr": "Informations générales",
    },
    "lang_en": {"en": "English", "de": "Englisch", "fr": "Anglais"},
    "lang_de": {"en": "German", "de": "Deutsch", "fr": "Allemand"},
    "lang_fr": {"en": "French", "de": "Französisch", "fr": "Français"},
    "forbidden": {
        "en": "Your account may not write the reports of this city.",
        "de": "Ihr Konto darf die Berichte dieser Stadt nicht schreiben.",
        "fr": "Votre compte ne peut pas écrire les rapports de cette ville.",
    },
    "csrf": {
        "en": "The form was not sent by this site's page (missing or wrong token): nothing was saved.",
        "de": "Das Formular kam nicht von der Seite dieser Website (Token fehlt oder falsch): "
        "nichts wurde gespeichert.",
        "fr": "Le formulaire ne vient pas d'une page de ce site (jeton absent ou erroné) : rien "
        "n'a été enregistré.",
    },
}


def say(key: str, lang: str) -> str:
    words = WORDS[key]
    return words.get(lang) or words["en"]
