// Interface strings in English, German and French. Texts from the API (reports, city concepts)
// are asked for in the chosen language with `lang=`; these are only the viewer's own words.
// Which languages the viewer offers, and in which order, comes from the server
// (viewer/palette.json, the store's one list): see `setLanguages`.

/** The language every text has, and the one the viewer falls back to. */
const FALLBACK = "en";
let languages = [FALLBACK];

const STRINGS = {
  en: {
    title: "Knowledge Carrier",
    subtitle: "SMARTER TOGETHER",
    city: "City",
    colourBy: "Colour by",
    books: "Project Books",
    byStatus: "Implementation status",
    byTheme: "Thematic field",
    byChange: "Change since previous point",
    legend: "Legend",
    untouched: "No project",
    timeline: "Measurement points",
    noTiles: "no 3D data",
    tabCity: "City",
    tabTheme: "Themes",
    tabSolution: "Solution",
    concept: "Concept",
    objectives: "Objectives",
    vision: "Vision",
    district: "District",
    role: "Role",
    lighthouse: "Lighthouse city",
    follower: "Follower city",
    projectsAt: "Projects at {point}",
    noProjects: "No project footprints at this point.",
    noCityTexts: "No concept, objectives or vision recorded for this city yet.",
    buildings: "Buildings",
    buildingsShown: "{n} buildings",
    changesSince: "Since {point}",
    firstPoint: "First measurement point: everything is new.",
    isNew: "new",
    isChanged: "changed",
    isEnded: "ended",
    unchanged: "unchanged",
    endedBuildings: "Ended buildings",
    compare: "Compare",
    compareClose: "End comparison",
    compareWith: "Compare with",
    dragDivider: "Drag to compare the two points",
    compareCounts: "{new} new · {changed} changed · {ended} ended · {projects} projects changed",
    showChanges: "Show changes",
    projectsChanged: "projects changed",
    statusChanged: "status changed",
    footprintChanged: "footprint changed",
    projectEnded: "ended",
    projectNew: "new",
    themeProjects: "Projects in this field, all cities, at {point}",
    sharedBy: "shared by {n} cities",
    raisedBy: "raised by",
    noChallenges: "No challenge recorded for this field.",
    chooseProject: "Click a building or a project footprint to see its report.",
    report: "Report at {point}",
    reportFrom: "reported at {point}",
    noReport: "No report for this project at this point.",
    status: "Status",
    progress: "Progress",
    partners: "Partners",
    drivers: "Drivers",
    barriers: "Barriers",
    corrective_actions: "Corrective actions",
    risks: "Risks",
    lessons_learned: "Lessons learned",
    challenges: "Challenges",
    thematicField: "Thematic field",
    touches: "Buildings touched",
    otherProjects: "This building is touched by several projects:",
    buildingOnly: "No project touches this building at this point.",
    building: "Building",
    height: "Height",
    storeys: "Storeys",
    estimated: "estimated",
    validFrom: "Valid from",
    englishOnly: "English – no translation",
    notAtPoint: "not present",
    statusUpTo: "Status up to {point}",
    challengesUpTo: "Challenges in this field up to {point}",
    startCode: "start",
    englishMark: "EN",
    englishNote: "EN: English text, no translation yet",
    synthetic: "synthetic sample buildings, not real data",
    real: "real buildings",
    mixed: "{real} real and {synthetic} synthetic buildings",
    outsideDistrict: "outside the district boundary",
    provenance: "Data",
    loading: "Loading…",
    noWebgl:
      "This browser cannot show the 3D view: WebGL is not available. The city, thematic and solution levels still work; use a browser with WebGL (hardware acceleration enabled) for the 3D district.",
    noCesium: "CesiumJS could not be loaded from this server ({detail}).",
    apiError: "The server did not answer: {detail}",
    noTilesets: "No 3D tiles published yet: run 'kc tiles export --all', then reload.",
  },
  de: {
    title: "Wissensträger",
    subtitle: "SMARTER TOGETHER",
    city: "Stadt",
    colourBy: "Färben nach",
    books: "Projektbücher",
    byStatus: "Umsetzungsstatus",
    byTheme: "Themenfeld",
    byChange: "Änderung seit dem letzten Zeitpunkt",
    legend: "Legende",
    untouched: "Kein Projekt",
    timeline: "Messzeitpunkte",
    noTiles: "keine 3D-Daten",
    tabCity: "Stadt",
    tabTheme: "Themen",
    tabSolution: "Lösung",
    concept: "Konzept",
    objectives: "Ziele",
    vision: "Vision",
    district: "Quartier",
    role: "Rolle",
    lighthouse: "Leuchtturmstadt",
    follower: "Nachfolgestadt",
    projectsAt: "Projekte zum {point}",
    noProjects: "Zu diesem Zeitpunkt keine Projektflächen.",
    noCityTexts: "Für diese Stadt sind noch kein Konzept, keine Ziele und keine Vision erfasst.",
    buildings: "Gebäude",
    buildingsShown: "{n} Gebäude",
    changesSince: "Seit {point}",
    firstPoint: "Erster Messzeitpunkt: alles ist neu.",
    isNew: "neu",
    isChanged: "geändert",
    isEnded: "entfallen",
    unchanged: "unverändert",
    endedBuildings: "Entfallene Gebäude",
    compare: "Vergleichen",
    compareClose: "Vergleich beenden",
    compareWith: "Vergleichen mit",
    dragDivider: "Ziehen, um die beiden Zeitpunkte zu vergleichen",
    compareCounts: "{new} neu · {changed} geändert · {ended} entfallen · {projects} Projekte geändert",
    showChanges: "Änderungen zeigen",
    projectsChanged: "Projekte geändert",
    statusChanged: "Status geändert",
    footprintChanged: "Fläche geändert",
    projectEnded: "beendet",
    projectNew: "neu",
    themeProjects: "Projekte dieses Themenfelds, alle Städte, zum {point}",
    sharedBy: "von {n} Städten geteilt",
    raisedBy: "genannt von",
    noChallenges: "Für dieses Themenfeld ist keine Herausforderung erfasst.",
    chooseProject: "Klicken Sie auf ein Gebäude oder eine Projektfläche, um den Bericht zu sehen.",
    report: "Bericht zum {point}",
    reportFrom: "berichtet zum {point}",
    noReport: "Kein Bericht zu diesem Projekt zu diesem Zeitpunkt.",
    status: "Status",
    progress: "Fortschritt",
    partners: "Partner",
    drivers: "Treiber",
    barriers: "Hemmnisse",
    corrective_actions: "Korrekturmaßnahmen",
    risks: "Risiken",
    lessons_learned: "Erkenntnisse",
    challenges: "Herausforderungen",
    thematicField: "Themenfeld",
    touches: "Betroffene Gebäude",
    otherProjects: "Dieses Gebäude betrifft mehrere Projekte:",
    buildingOnly: "Kein Projekt betrifft dieses Gebäude zu diesem Zeitpunkt.",
    building: "Gebäude",
    height: "Höhe",
    storeys: "Geschosse",
    estimated: "geschätzt",
    validFrom: "Gültig ab",
    englishOnly: "Englisch – keine Übersetzung",
    notAtPoint: "nicht vorhanden",
    statusUpTo: "Status bis {point}",
    challengesUpTo: "Herausforderungen in diesem Themenfeld bis {point}",
    startCode: "Beginn",
    englishMark: "EN",
    englishNote: "EN: englischer Text, noch keine Übersetzung",
    synthetic: "synthetische Beispielgebäude, keine echten Daten",
    real: "echte Gebäude",
    mixed: "{real} echte und {synthetic} synthetische Gebäude",
    outsideDistrict: "außerhalb der Quartiersgrenze",
    provenance: "Daten",
    loading: "Wird geladen…",
    noWebgl:
      "Dieser Browser kann die 3D-Ansicht nicht zeigen: WebGL ist nicht verfügbar. Stadt-, Themen- und Lösungsebene funktionieren weiter; für das 3D-Quartier einen Browser mit WebGL (Hardwarebeschleunigung an) verwenden.",
    noCesium: "CesiumJS konnte nicht von diesem Server geladen werden ({detail}).",
    apiError: "Der Server hat nicht geantwortet: {detail}",
    noTilesets:
      "Noch keine 3D-Kacheln veröffentlicht: 'kc tiles export --all' ausführen, dann neu laden.",
  },
  fr: {
    title: "Porteur de connaissances",
    subtitle: "SMARTER TOGETHER",
    city: "Ville",
    colourBy: "Couleur selon",
    books: "Livres de projets",
    byStatus: "Statut de mise en œuvre",
    byTheme: "Champ thématique",
    byChange: "Changement depuis le point précédent",
    legend: "Légende",
    untouched: "Aucun projet",
    timeline: "Points de mesure",
    noTiles: "pas de données 3D",
    tabCity: "Ville",
    tabTheme: "Thèmes",
    tabSolution: "Solution",
    concept: "Concept",
    objectives: "Objectifs",
    vision: "Vision",
    district: "Quartier",
    role: "Rôle",
    lighthouse: "Ville phare",
    follower: "Ville suiveuse",
    projectsAt: "Projets au {point}",
    noProjects: "Aucune emprise de projet à ce point.",
    noCityTexts: "Aucun concept, objectif ou vision enregistré pour cette ville.",
    buildings: "Bâtiments",
    buildingsShown: "{n} bâtiments",
    changesSince: "Depuis {point}",
    firstPoint: "Premier point de mesure : tout est nouveau.",
    isNew: "nouveau",
    isChanged: "modifié",
    isEnded: "disparu",
    unchanged: "inchangé",
    endedBuildings: "Bâtiments disparus",
    compare: "Comparer",
    compareClose: "Terminer la comparaison",
    compareWith: "Comparer avec",
    dragDivider: "Faire glisser pour comparer les deux points",
    compareCounts: "{new} nouveaux · {changed} modifiés · {ended} disparus · {projects} projets modifiés",
    showChanges: "Voir les changements",
    projectsChanged: "projets modifiés",
    statusChanged: "statut modifié",
    footprintChanged: "emprise modifiée",
    projectEnded: "terminé",
    projectNew: "nouveau",
    themeProjects: "Projets de ce champ, toutes villes, au {point}",
    sharedBy: "partagé par {n} villes",
    raisedBy: "signalé par",
    noChallenges: "Aucun défi enregistré pour ce champ.",
    chooseProject: "Cliquez sur un bâtiment ou une emprise de projet pour voir son rapport.",
    report: "Rapport au {point}",
    reportFrom: "rapport du {point}",
    noReport: "Pas de rapport pour ce projet à ce point.",
    status: "Statut",
    progress: "Avancement",
    partners: "Partenaires",
    drivers: "Leviers",
    barriers: "Freins",
    corrective_actions: "Actions correctives",
    risks: "Risques",
    lessons_learned: "Enseignements",
    challenges: "Défis",
    thematicField: "Champ thématique",
    touches: "Bâtiments concernés",
    otherProjects: "Ce bâtiment est concerné par plusieurs projets :",
    buildingOnly: "Aucun projet ne concerne ce bâtiment à ce point.",
    building: "Bâtiment",
    height: "Hauteur",
    storeys: "Étages",
    estimated: "estimée",
    validFrom: "Valide depuis",
    englishOnly: "Anglais – pas de traduction",
    notAtPoint: "absent",
    statusUpTo: "Statut jusqu'au {point}",
    challengesUpTo: "Défis de ce champ jusqu'au {point}",
    startCode: "début",
    englishMark: "EN",
    englishNote: "EN : texte anglais, pas encore traduit",
    synthetic: "bâtiments d'exemple synthétiques, pas des données réelles",
    real: "bâtiments réels",
    mixed: "{real} bâtiments réels et {synthetic} synthétiques",
    outsideDistrict: "hors du périmètre du quartier",
    provenance: "Données",
    loading: "Chargement…",
    noWebgl:
      "Ce navigateur ne peut pas afficher la vue 3D : WebGL n'est pas disponible. Les niveaux ville, thème et solution restent utilisables ; utilisez un navigateur avec WebGL (accélération matérielle activée) pour le quartier en 3D.",
    noCesium: "CesiumJS n'a pas pu être chargé depuis ce serveur ({detail}).",
    apiError: "Le serveur n'a pas répondu : {detail}",
    noTilesets:
      "Aucune tuile 3D publiée : lancez 'kc tiles export --all', puis rechargez.",
  },
};

let current = FALLBACK;
const english = new Map(); // kind -> Map(key -> English text)

/** The keys each language lacks (each must have every key the English strings have). */
export function missingStrings() {
  return Object.fromEntries(
    Object.keys(STRINGS).map((lang) => [lang, Object.keys(STRINGS.en).filter((key) => !(key in STRINGS[lang]))]),
  );
}

/** Keep the English texts of `kind` (project titles, field names …): [[key, text]]. */
export function rememberEnglish(kind, entries) {
  english.set(kind, new Map(entries));
}

/**
 * Whether `text`, the `kind` text of `key` in the current language, is the English one the
 * server falls back to (no translation) rather than a translation.
 */
export function isEnglishFallback(kind, key, text) {
  return current !== FALLBACK && Boolean(text) && english.get(kind)?.get(String(key)) === text;
}

/** How a measurement point's code is shown ("start" is a word, PM18 a code). */
export function pointCode(code) {
  return code === "start" ? t("startCode") : code;
}

/** The languages offered, in order, as the server lists them. */
export function setLanguages(codes) {
  languages = codes?.length ? [...codes] : [FALLBACK];
}

export function offeredLanguages() {
  return languages;
}

/** Switch to `lang` when it is offered (else the fallback); returns the language now used. */
export function setLanguage(lang) {
  current = languages.includes(lang) ? lang : FALLBACK;
  document.documentElement.lang = current;
  for (const el of document.querySelectorAll("[data-i18n]")) {
    el.textContent = t(el.dataset.i18n);
  }
  document.title = `${t("title")} – ${t("subtitle")}`;
  return current;
}

export function language() {
  return current;
}

/** The interface string `key` in the current language, with {name} placeholders filled. */
export function t(key, values = {}) {
  const text = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

/** "label: " in English and German, "label : " in French. */
export function labelled(key, values = {}) {
  return `${t(key, values)}${current === "fr" ? " :" : ":"} `;
}

export function formatDate(iso) {
  if (!iso) return "";
  const date = new Date(`${iso}T00:00:00Z`);
  const locale = { en: "en-GB", de: "de-DE", fr: "fr-FR" }[current];
  return date.toLocaleDateString(locale, { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
}
