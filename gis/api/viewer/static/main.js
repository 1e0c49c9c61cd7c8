// The Knowledge Carrier viewer: wires the scene, the timeline and the three levels together.
// `window.kc.state` exposes what the page shows (counts come from the loaded 3D tiles).
/* global Cesium */

import * as api from "./api.js";
import { countChanges, netChanges, sinceInterval } from "./changes.js";
import { buildingColour, CHANGE_COLOURS, legendEntries, MODES, projectColour } from "./colours.js";
import { h, replace, swatch, textOf } from "./dom.js";
import {
  formatDate,
  language,
  missingStrings,
  offeredLanguages,
  pointCode,
  rememberEnglish,
  setLanguage,
  setLanguages,
  t,
} from "./i18n.js";
import { cityPanel, englishNote, solutionPanel, themePanel } from "./panels.js";
import { centreOf, Scene, webglAvailable } from "./scene.js";
import { previousPoint, renderTimeline } from "./timeline.js";

const $ = (id) => document.getElementById(id);
const CITY_TEXTS = ["concept", "objectives", "vision"];
// What the viewer keeps of a change feed's features (the outlines of ended buildings follow).
const FEED_FIELDS = "feature_id,change,point_date,changed_properties";
const FEED_IDS = {
  building_changes: { skipGeometry: "true", properties: `${FEED_FIELDS},source_id` },
  project_changes: { skipGeometry: "true", properties: FEED_FIELDS },
};

const state = {
  ready: false,
  webgl: false,
  lang: "en",
  shownLang: null, // the language of the texts on screen (after a switch has fetched them)
  city: null,
  point: null,
  date: null,
  previous: null, // the point the changes are counted from (in compare mode: the left one)
  compare: null, // compare mode: {left, right, split (0..1 of the view's width), leftLoaded}
  mode: "status",
  tab: "city",
  tilesLoaded: false,
  buildings: 0, // at the point, from the tiles index
  loadedBuildings: 0, // in the loaded tiles (the far ones may be level-of-detail blocks)
  changes: { new: 0, changed: 0, ended: 0 },
  provenance: { synthetic: 0, real: 0 },
  projects: 0,
  selected: null,
  solution: null,
  error: null,
};

const data = {
  // From viewer/palette.json: the server's lists, in its order.
  statuses: [],
  reportSections: [],
  points: [],
  tilesets: [],
  temporal: [], // one tileset per city with every point: switching points loads no tile
  cities: [],
  city: null,
  fields: [],
  challenges: [],
  projects: [],
  endedProjects: [],
  endedBuildings: [], // the building feed's tombstones of the buildings ended since the previous point
  buildingChanges: new Map(), // feature_id -> net change since the previous point (changes.js)
  projectChanges: new Map(),
  field: null,
  themeProjects: [],
  themeChallenges: [],
  solution: null,
};

let scene = null;
let generation = 0;

window.kc = {
  state,
  data,
  scene: () => scene,
  toScreen: (lon, lat, hgt) => scene?.toScreen(lon, lat, hgt) ?? null,
  missingStrings,
};

function showMessage(text, kind = "error") {
  const box = $("message");
  box.hidden = !text;
  box.className = `message ${kind}`;
  box.textContent = text ?? "";
}

function fail(err) {
  console.warn(err);
  state.error = String(err.message ?? err);
  showMessage(t("apiError", { detail: state.error }));
}

const pointOf = (code) => data.points.find((p) => p.id === code);
const tilesetOf = (city, point) => data.tilesets.find((x) => x.city === city && x.point === point);
const temporalOf = (city) => data.temporal.find((x) => x.city === city);
const availablePoints = () => new Set(data.tilesets.filter((x) => x.city === state.city).map((x) => x.point));

// --- reference data (per language) --------------------------------------------------------

async function loadReference() {
  const lang = state.lang;
  const [points, cities, fields, challenges] = await Promise.all([
    api.items("measurement_points", { sortby: "valid_at" }, lang),
    api.items("cities", {}, lang),
    api.items("thematic_fields", { sortby: "sort_order" }, lang),
    api.items("challenges", {}, lang),
  ]);
  data.points = points
    .map((f) => ({ id: String(f.id), label: f.properties.label, valid_at: f.properties.valid_at }))
    .sort((a, b) => a.valid_at.localeCompare(b.valid_at));
  data.cities = cities;
  data.fields = fields.sort((a, b) => a.properties.sort_order - b.properties.sort_order);
  data.challenges = challenges;
}

/**
 * The English texts of the reference lists and project titles, to tell a translation from the
 * English text the server answers with when there is none (marked EN on screen).
 */
async function loadEnglish() {
  const [points, fields, challenges, projects] = await Promise.all([
    api.items("measurement_points", {}, "en"),
    api.items("thematic_fields", {}, "en"),
    api.items("challenges", {}, "en"),
    api.items("projects", { skipGeometry: "true", properties: "project,title" }, "en"),
  ]);
  rememberEnglish("points", points.map((f) => [String(f.id), f.properties.label]));
  rememberEnglish("fields", fields.map((f) => [String(f.id), f.properties.name]));
  rememberEnglish("challenges", challenges.map((f) => [String(f.id), f.properties.label]));
  rememberEnglish("titles", projects.map((f) => [f.properties.project, f.properties.title]));
}

async function loadCity() {
  const cities = await api.translatedItems("cities", {}, state.lang, CITY_TEXTS);
  data.city = cities.find((c) => String(c.id) === state.city) ?? null;
}

// --- a measurement point ------------------------------------------------------------------

async function showPoint(code, { fly = false } = {}) {
  const token = ++generation;
  const point = pointOf(code);
  const entry = tilesetOf(state.city, code); // none: a city without 3D data (its levels still show)
  if (!point) return;
  state.point = code;
  state.date = point.valid_at;
  if (state.compare && !isBefore(state.compare.left, code)) {
    const before = previousPoint(data.points, availablePoints(), code)?.id;
    state.compare = before ? { ...state.compare, left: before } : null;
  }
  if (state.compare) state.compare = { ...state.compare, right: code, leftLoaded: false };
  state.previous = state.compare?.left ?? previousPoint(data.points, availablePoints(), code)?.id ?? null;
  state.tilesLoaded = false;
  updateUrl();
  drawTimeline();
  $("status-line").textContent = t("loading");
  const prevDate = state.previous ? pointOf(state.previous).valid_at : null;
  // The tiles load while the API answers (the camera moves to them when they are elsewhere).
  let tiles = Promise.resolve([]);
  if (scene && entry) {
    const temporal = temporalOf(state.city);
    const [key, href] = temporal ? [`${state.city}/temporal`, temporal.href] : [`${state.city}/${code}`, entry.href];
    const url = new URL(`../tiles/${href}`, document.baseURI).href;
    tiles = scene.showTileset(key, url, { fly, point: code, region: entry.bounding_region });
  } else if (scene) {
    scene.clearTileset();
    if (fly && data.city?.geometry) scene.flyToGeometry(data.city.geometry);
  }
  // What changed since the previous point: the change feeds (ids only: the outlines of ended
  // buildings follow), for the whole district whatever part of it the camera shows.
  const since = prevDate ? sinceInterval(prevDate, point.valid_at) : null;
  const [projects, prevProjects, buildingFeed, projectFeed, features] = await Promise.all([
    api.items("projects", { city: state.city, datetime: point.valid_at }, state.lang),
    prevDate ? api.items("projects", { city: state.city, datetime: prevDate }, state.lang) : [],
    since ? api.items("building_changes", { city: state.city, datetime: since, ...FEED_IDS.building_changes }, "en") : [],
    since ? api.items("project_changes", { city: state.city, datetime: since, ...FEED_IDS.project_changes }, "en") : [],
    tiles,
  ]);
  if (token !== generation || features === null) return;
  data.buildingChanges = netChanges(buildingFeed);
  data.projectChanges = netChanges(projectFeed);
  classifyProjects(projects, prevProjects);
  data.endedBuildings = [...data.buildingChanges.values()].filter((c) => c.change === "ended").map((c) => c.last);
  const counts = countChanges(data.buildingChanges);
  // The buildings at the point: the tileset's count (its levels of detail draw the far ones
  // as blocks, so the loaded tiles need not hold them all).
  state.buildings = entry ? entry.feature_count : 0;
  state.loadedBuildings = new Set(features.map((f) => f.getProperty("version_id"))).size;
  state.changes = counts;
  state.projects = data.projects.length;
  state.provenance = provenanceOf(features, state.buildings);
  paint();
  drawStatusLine();
  drawChanges();
  drawPanels();
  // The thematic and solution levels follow the timeline too.
  if (data.field) await chooseField(data.field);
  if (token !== generation) return;
  if (data.solution?.project) {
    await openProject(data.solution.project, { show: false });
  } else if (data.solution?.building) {
    data.solution = null;
    drawPanels();
  }
  if (token !== generation) return;
  drawCompare();
  if (!(await showCompareSide(token))) return;
  state.tilesLoaded = true;
  if (scene && data.endedBuildings.length) showEndedOutlines(token, since).catch(fail);
}

/** The outlines of the buildings that ended since the previous point (the feed's tombstones
 * carry their last geometry), once the point is on screen. */
async function showEndedOutlines(token, since) {
  const ended = await api.items(
    "building_changes",
    { city: state.city, datetime: since, change: "ended", properties: "feature_id,source_id,change,point_date" },
    "en",
  );
  if (token !== generation) return;
  const net = new Set(data.endedBuildings.map((f) => f.properties.feature_id));
  data.endedBuildings = ended.filter((f) => net.has(f.properties.feature_id));
  scene.showEnded(state.previous ? data.endedBuildings : [], CHANGE_COLOURS.ended);
}

// --- compare mode: two points side by side, a draggable divider between them ---------------

/** Whether point `a` comes before point `b`. */
function isBefore(a, b) {
  const at = (code) => pointOf(code)?.valid_at ?? "";
  return Boolean(pointOf(a) && pointOf(b)) && at(a) < at(b);
}

/** The left side of compare mode (the earlier point); false when superseded. */
async function showCompareSide(token) {
  const temporal = temporalOf(state.city);
  if (!scene) return true;
  if (!state.compare || !temporal) {
    scene.clearCompare();
    return true;
  }
  const url = new URL(`../tiles/${temporal.href}`, document.baseURI).href;
  const left = await scene.showCompare(`${state.city}/temporal`, url, {
    point: state.compare.left,
    colourOf: leftColour,
    split: state.compare.split,
  });
  if (token !== generation || left === null) return false;
  state.compare = { ...state.compare, leftLoaded: true, leftBuildings: new Set(left.map((f) => f.getProperty("version_id"))).size };
  return true;
}

/** The colour of a building at the left point: as at its own point; by change, the buildings
 * that ended or changed by the right point stand out. */
function leftColour(props) {
  const change = data.buildingChanges.get(`${props.city}/${props.source_id}`)?.change;
  if (state.mode === "change") return CHANGE_COLOURS[change === "ended" || change === "changed" ? change : "unchanged"];
  return buildingColour(state.mode, { projects: props.projects, change: "unchanged" }, data.statuses);
}

/** Enter compare mode with `left` (default: the point before the shown one), or leave it. */
async function setCompare(left) {
  if (left === null) {
    state.compare = null;
    scene?.clearCompare();
    await showPoint(state.point);
    return;
  }
  const before = previousPoint(data.points, availablePoints(), state.point)?.id;
  const code = isBefore(left, state.point) ? left : before;
  if (!code) return; // the first point has nothing before it
  state.compare = { left: code, right: state.point, split: state.compare?.split ?? 0.5, leftLoaded: false };
  await showPoint(state.point);
}

/** The divider, the two points' labels and the feed's counts between them. */
function drawCompare() {
  const box = $("compare");
  const toggle = $("compare-toggle");
  toggle.setAttribute("aria-pressed", String(Boolean(state.compare)));
  toggle.textContent = t(state.compare ? "compareClose" : "compare");
  toggle.disabled = !state.compare && !previousPoint(data.points, availablePoints(), state.point);
  $("divider").setAttribute("aria-label", t("dragDivider"));
  box.hidden = !state.compare || !scene;
  if (box.hidden) return;
  const { left, right } = state.compare;
  const c = state.changes;
  const options = data.points
    .filter((p) => availablePoints().has(p.id) && isBefore(p.id, right))
    .map((p) => h("option", { value: p.id, selected: p.id === left }, `${pointCode(p.id)} · ${formatDate(p.valid_at)}`));
  replace(
    $("compare-head"),
    h(
      "label",
      { class: "side left", "data-side": "left", "data-point": left },
      h("span", { class: "visually-hidden" }, t("compareWith")),
      h("select", { id: "compare-left", onChange: (e) => setCompare(e.target.value).catch(fail) }, options),
    ),
    h("span", { class: "side right", "data-side": "right", "data-point": right }, `${pointCode(right)} · ${formatDate(pointOf(right).valid_at)}`),
    h(
      "span",
      { class: "compare-counts", id: "compare-counts" },
      t("compareCounts", { new: c.new, changed: c.changed, ended: c.ended, projects: data.projectChanges.size }),
    ),
  );
  placeDivider(state.compare.split);
}

/** The divider at `fraction` of the view's width, its head kept inside the view and, where it
 * would cover the legend or the changes card, moved below them. */
function placeDivider(fraction) {
  const divider = $("divider");
  divider.style.left = `${(fraction * 100).toFixed(3)}%`;
  divider.setAttribute("aria-valuenow", String(Math.round(fraction * 100)));
  const head = $("compare-head");
  head.style.transform = "translateX(-50%)";
  head.style.top = "";
  const view = $("globe").getBoundingClientRect();
  const box = head.getBoundingClientRect();
  const dx = Math.max(view.left + 8 - box.left, 0) + Math.min(view.right - 8 - box.right, 0);
  head.style.transform = `translateX(calc(-50% + ${Math.round(dx)}px))`;
  const [x0, x1] = [box.left + dx, box.right + dx];
  const below = [...document.querySelectorAll(".map .legend, .map .changes")]
    .map((el) => el.getBoundingClientRect())
    .filter((r) => r.height && r.left < x1 && x0 < r.right && r.top < box.bottom)
    .reduce((low, r) => Math.max(low, r.bottom), 0);
  if (below) head.style.top = `${Math.round(below - view.top + 8)}px`;
}

/** Drag the divider with a mouse, a pen or a finger (pointer events), or the arrow keys. */
function wireDivider() {
  const divider = $("divider");
  const moveTo = (clientX) => {
    const rect = $("globe").getBoundingClientRect();
    const fraction = Math.min(0.98, Math.max(0.02, (clientX - rect.left) / rect.width));
    if (!state.compare) return;
    state.compare = { ...state.compare, split: fraction };
    placeDivider(fraction);
    scene?.setSplit(fraction);
  };
  divider.addEventListener("pointerdown", (e) => {
    divider.setPointerCapture(e.pointerId);
    divider.classList.add("dragging");
    e.preventDefault();
  });
  divider.addEventListener("pointermove", (e) => {
    if (divider.hasPointerCapture(e.pointerId)) moveTo(e.clientX);
  });
  const stop = (e) => {
    if (divider.hasPointerCapture(e.pointerId)) divider.releasePointerCapture(e.pointerId);
    divider.classList.remove("dragging");
  };
  divider.addEventListener("pointerup", stop);
  divider.addEventListener("pointercancel", stop);
  divider.addEventListener("keydown", (e) => {
    if (!state.compare || (e.key !== "ArrowLeft" && e.key !== "ArrowRight")) return;
    e.stopPropagation();
    e.preventDefault();
    const rect = $("globe").getBoundingClientRect();
    moveTo(rect.left + (state.compare.split + (e.key === "ArrowRight" ? 0.05 : -0.05)) * rect.width);
  });
}

/**
 * Synthetic and real buildings among the loaded features. The sample generator's buildings
 * (etl/sample/districts.py) have source ids `<CITY>-SYN-<n>`; every other building was loaded
 * from a real file.
 */
function provenanceOf(features, total) {
  const ids = new Set(features.map((f) => f.getProperty("source_id")));
  const synthetic = [...ids].filter((id) => /-SYN-/.test(id)).length;
  // All of one kind among the loaded buildings: all of the point's are (a district is either
  // real or synthetic). Mixed: the counts among the loaded buildings.
  if (synthetic === 0 && ids.size) return { synthetic: 0, real: total };
  if (synthetic === ids.size && ids.size) return { synthetic: total, real: 0 };
  return { synthetic, real: ids.size - synthetic };
}

/** new / changed / unchanged of a building at the current point (from the change feed). */
function changeOf(city, sourceId) {
  if (!state.previous) return "new";
  const change = data.buildingChanges.get(`${city}/${sourceId}`)?.change;
  return change === "new" || change === "changed" ? change : "unchanged";
}

/**
 * The projects at the point, each marked with its change since the previous point from the
 * project feed (status when its status changed, footprint for any other change), and the
 * projects that ended (as they were at the previous point).
 */
function classifyProjects(projects, prevProjects) {
  const changeOfProject = (code) => {
    const entry = data.projectChanges.get(code);
    if (!entry) return "unchanged";
    if (entry.change !== "changed") return entry.change;
    return entry.changedProperties.includes("status") ? "status" : "footprint";
  };
  const before = new Map(prevProjects.map((f) => [f.properties.project, f]));
  data.projects = projects
    .map((f) => {
      const change = state.previous ? changeOfProject(f.properties.project) : "unchanged";
      return { ...f, change, previousStatus: before.get(f.properties.project)?.properties.status_label };
    })
    .sort((a, b) => a.properties.project.localeCompare(b.properties.project));
  data.endedProjects = prevProjects
    .filter((f) => changeOfProject(f.properties.project) === "ended")
    .map((f) => ({ ...f, change: "ended" }));
}

/** The map label of a project: its code, marked when it changed since the previous point;
 * changed projects keep their label first when labels would overlap. */
function labelOf(project) {
  const centre = centreOf(project.geometry);
  if (!centre) return null;
  const p = project.properties;
  const mark = { new: "★", status: "▲", footprint: "◆" }[project.change];
  return {
    key: p.project,
    text: mark ? `${mark} ${p.project}` : p.project,
    title: p.title,
    priority: { new: 0, status: 1, footprint: 2 }[project.change] ?? 3,
    lon: centre[0],
    lat: centre[1],
  };
}

function paint() {
  if (!scene) return;
  const mode = state.mode;
  scene.recolour((props) =>
    buildingColour(mode, { projects: props.projects, change: changeOf(props.city, props.source_id) }, data.statuses),
  );
  scene.showFootprints(
    data.projects,
    (f) => projectColour(mode, { ...f.properties, change: f.change }, data.statuses),
    labelOf,
  );
  scene.recolourLeft(leftColour);
  scene.showEnded(state.previous ? data.endedBuildings : [], CHANGE_COLOURS.ended);
  if (data.city) scene.showBoundary(data.city.geometry);
  drawLegend();
}

// --- drawing the overlay ------------------------------------------------------------------

function drawTimeline() {
  renderTimeline($("timeline"), {
    points: data.points,
    available: availablePoints(),
    current: state.point,
    onChoose: (code) => code !== state.point && showPoint(code).catch(fail),
  });
}

function drawStatusLine() {
  const point = pointOf(state.point);
  let count = scene ? ` · ${t("buildingsShown", { n: state.buildings })}` : "";
  if (!tilesetOf(state.city, state.point)) count = ` · ${t("noTiles")}`;
  replace(
    $("status-line"),
    `${point.label} · ${formatDate(point.valid_at)}${count}`,
    scene && state.buildings ? provenanceLine() : null,
  );
}

/** Which buildings are synthetic and which real, and whether they lie outside the district. */
function provenanceLine() {
  const { real, synthetic } = state.provenance;
  const kind = real && synthetic ? "mixed" : real ? "real" : "synthetic";
  const text = [t(kind, { real, synthetic })];
  const region = tilesetOf(state.city, state.point)?.bounding_region;
  if (real && region && data.city?.geometry && !overlapsDistrict(region, data.city.geometry)) {
    text.push(t("outsideDistrict"));
  }
  return h("span", { id: "provenance", class: `provenance ${kind}`, "data-kind": kind }, ` · ${text.join(", ")}`);
}

/** Whether a tileset's bounding region (radians) overlaps the district's bounding box. */
function overlapsDistrict(region, geometry) {
  const points = [];
  const walk = (c) => (typeof c[0] === "number" ? points.push(c) : c.forEach(walk));
  walk(geometry.coordinates ?? []);
  if (!points.length) return true;
  const deg = region.slice(0, 4).map((r) => (r * 180) / Math.PI);
  const lons = points.map((p) => p[0]);
  const lats = points.map((p) => p[1]);
  return deg[0] < Math.max(...lons) && deg[2] > Math.min(...lons) && deg[1] < Math.max(...lats) && deg[3] > Math.min(...lats);
}

function drawLegend() {
  const names = { fields: new Map(data.fields.map((f) => [String(f.id), f.properties.name])) };
  replace(
    $("legend-items"),
    legendEntries(state.mode, data.statuses, names, state.lang).map((e) =>
      h("li", {}, swatch(e.colour, { outline: e.outline }), textOf(e.label, e.englishOnly)),
    ),
  );
}

function drawChanges() {
  const box = $("changes");
  if (!state.previous) {
    replace(box, h("p", { class: "hint" }, t("firstPoint")));
    return;
  }
  const c = state.changes;
  const changedProjects = data.projectChanges.size;
  replace(
    box,
    h("h3", {}, t("changesSince", { point: pointCode(state.previous) })),
    h(
      "ul",
      { class: "change-counts" },
      h("li", { "data-change": "new" }, swatch(CHANGE_COLOURS.new), h("b", {}, c.new), ` ${t("isNew")}`),
      h("li", { "data-change": "changed" }, swatch(CHANGE_COLOURS.changed), h("b", {}, c.changed), ` ${t("isChanged")}`),
      h("li", { "data-change": "ended" }, swatch(CHANGE_COLOURS.ended, { outline: true }), h("b", {}, c.ended), ` ${t("isEnded")}`),
      h("li", { "data-change": "projects" }, h("span", { class: "mark" }, "▲"), h("b", {}, changedProjects), ` ${t("projectsChanged")}`),
    ),
    data.endedBuildings.length
      ? h(
          "details",
          {},
          h("summary", {}, t("endedBuildings")),
          h("ul", { class: "ended-list" }, data.endedBuildings.map((f) => h("li", {}, f.properties.source_id))),
        )
      : null,
    state.mode !== "change"
      ? h("button", { type: "button", class: "link", onClick: () => setMode("change") }, t("showChanges"))
      : null,
  );
}

function drawPanels() {
  const point = pointOf(state.point) ?? { id: "", label: "" };
  const cityNames = new Map(data.cities.map((c) => [String(c.id), c.properties.name]));
  replace(
    $("panel-city"),
    cityPanel({
      city: data.city,
      projects: data.projects,
      endedProjects: data.endedProjects,
      point,
      statuses: data.statuses,
      onProject: (code) => openProject(code).catch(fail),
    }),
  );
  replace(
    $("panel-theme"),
    themePanel({
      fields: data.fields,
      field: data.field,
      projects: data.themeProjects,
      challenges: data.themeChallenges,
      cities: cityNames,
      point,
      statuses: data.statuses,
      onField: (code) => chooseField(code).catch(fail),
      onProject: (code, city) => openProject(code, { city }).catch(fail),
    }),
  );
  replace(
    $("panel-solution"),
    solutionPanel({
      solution: data.solution,
      points: data.points.filter((p) => availablePoints().has(p.id) || data.solution?.reports?.some((r) => r.properties.point === p.id)),
      point,
      statuses: data.statuses,
      sections: data.reportSections,
      challengeLabels: new Map(data.challenges.map((c) => [String(c.id), c.properties.label])),
      onProject: (code) => openProject(code, { building: data.solution?.building }).catch(fail),
    }),
  );
  for (const id of ["panel-city", "panel-theme", "panel-solution"]) {
    const note = englishNote($(id));
    if (note) $(id).append(note);
  }
}

function setTab(tab) {
  state.tab = tab;
  for (const button of document.querySelectorAll("#tabs [role=tab]")) {
    const on = button.dataset.tab === tab;
    button.setAttribute("aria-selected", String(on));
    $(`panel-${button.dataset.tab}`).hidden = !on;
  }
  if (tab === "theme" && !data.field && data.fields.length) chooseField(String(data.fields[0].id)).catch(fail);
}

function setMode(mode) {
  state.mode = MODES.includes(mode) ? mode : "status";
  $("colour-mode").value = state.mode;
  paint();
  drawChanges();
}

// --- the levels ---------------------------------------------------------------------------

async function chooseField(code) {
  data.field = code;
  const date = state.date;
  const [projects, reports] = await Promise.all([
    api.items("projects", { thematic_field: code, datetime: date }, state.lang),
    api.items(
      "reports",
      { thematic_field: code, skipGeometry: "true", properties: "project,city,point,valid_from,challenges" },
      "en",
    ),
  ]);
  if (data.field !== code || state.date !== date) return; // another field or point meanwhile
  data.themeProjects = projects.sort(
    (a, b) => a.properties.city.localeCompare(b.properties.city) || a.properties.project.localeCompare(b.properties.project),
  );
  data.themeChallenges = challengesUpTo(reports, date);
  drawPanels();
}

/**
 * The challenges the reports of a field raised up to `date` (none from a later point), with
 * the cities and points that raised each; shared by most cities first.
 */
function challengesUpTo(reports, date) {
  const order = new Map(data.points.map((p, i) => [p.id, i]));
  const labels = new Map(data.challenges.map((c) => [String(c.id), c.properties.label]));
  const raised = new Map();
  for (const report of reports) {
    const r = report.properties;
    if (r.valid_from > date) continue;
    for (const code of r.challenges ?? []) {
      const entry = raised.get(code) ?? { cities: new Set(), points: new Set() };
      entry.cities.add(r.city);
      entry.points.add(r.point);
      raised.set(code, entry);
    }
  }
  return [...raised.entries()]
    .map(([id, e]) => ({
      id,
      label: labels.get(id) ?? id,
      cities: [...e.cities].sort(),
      points: [...e.points].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0)),
    }))
    .sort((a, b) => b.cities.length - a.cities.length || a.id.localeCompare(b.id));
}

async function openProject(code, { city, building, show = true } = {}) {
  if (city && city !== state.city && data.tilesets.some((x) => x.city === city)) {
    await switchCity(city);
  }
  const [reports, versions] = await Promise.all([
    api.translatedItems("reports", { project: code }, state.lang, data.reportSections),
    api.items("projects", { project: code }, state.lang),
  ]);
  const date = state.date;
  const within = (f) => f.properties.valid_from <= date && (!f.properties.valid_to || date < f.properties.valid_to);
  const report = reports.find(within) ?? null;
  const version = versions.find(within) ?? null;
  const field = (version ?? report)?.properties.thematic_field;
  data.solution = {
    project: code,
    building: building ?? null,
    report,
    version,
    reports: reports.sort((a, b) => a.properties.valid_from.localeCompare(b.properties.valid_from)),
    versions,
    fieldName: data.fields.find((f) => String(f.id) === field)?.properties.name,
  };
  state.solution = {
    project: code,
    point: state.point,
    reportPoint: report?.properties.point ?? null,
    status: (version ?? report)?.properties.status ?? null,
  };
  if (field && show) data.field = field;
  drawPanels();
  if (show) setTab("solution");
}

async function onPick(picked) {
  state.selected = picked.kind === "none" ? null : picked;
  if (picked.kind === "building") {
    scene.select(picked.properties.version_id);
    const codes = picked.properties.projects.map((p) => p.code);
    if (codes.length) {
      await openProject(codes[0], { building: picked.properties });
    } else {
      data.solution = { building: picked.properties, project: null };
      state.solution = null;
      drawPanels();
      setTab("solution");
    }
  } else if (picked.kind === "project") {
    scene.select(null);
    await openProject(picked.code);
  }
}

async function switchCity(code) {
  state.tilesLoaded = false;
  state.city = code;
  $("city").value = code;
  data.solution = null;
  state.solution = null;
  await loadCity();
  const available = availablePoints();
  const keep = available.has(state.point)
    ? state.point
    : ([...data.points].reverse().find((p) => available.has(p.id))?.id ?? state.point);
  await showPoint(keep, { fly: true });
}

async function switchLanguage(lang) {
  state.lang = setLanguage(lang);
  markLanguage();
  updateUrl();
  await loadReference();
  await loadCity();
  drawCitySelect();
  drawTimeline();
  const prevDate = state.previous ? pointOf(state.previous).valid_at : null;
  const [projects, prevProjects] = await Promise.all([
    api.items("projects", { city: state.city, datetime: state.date }, state.lang),
    prevDate ? api.items("projects", { city: state.city, datetime: prevDate }, state.lang) : [],
  ]);
  classifyProjects(projects, prevProjects);
  if (data.field) {
    await chooseField(data.field);
  }
  if (data.solution?.project) {
    await openProject(data.solution.project, { building: data.solution.building, show: false });
  }
  paint();
  drawStatusLine();
  drawChanges();
  drawCompare();
  drawPanels();
  state.shownLang = state.lang;
}

// --- start --------------------------------------------------------------------------------

function drawCitySelect() {
  const select = $("city");
  const withTiles = new Set(data.tilesets.map((x) => x.city));
  // Cities without 3D data (follower cities) stay choosable for their city level.
  const ordered = [...data.cities].sort((a, b) => withTiles.has(String(b.id)) - withTiles.has(String(a.id)));
  replace(
    select,
    ordered.map((c) =>
      h(
        "option",
        { value: String(c.id), selected: String(c.id) === state.city },
        withTiles.has(String(c.id)) ? c.properties.name : `${c.properties.name} (${t("noTiles")})`,
      ),
    ),
  );
}

/** One button per language the server offers, in its order. */
function drawLanguageButtons() {
  replace(
    $("languages"),
    offeredLanguages().map((code) =>
      h(
        "button",
        { type: "button", "data-lang": code, lang: code, onClick: () => switchLanguage(code).catch(fail) },
        code.toUpperCase(),
      ),
    ),
  );
  markLanguage();
}

function markLanguage() {
  for (const button of document.querySelectorAll("#languages button")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === state.lang));
  }
}

function drawModeSelect() {
  const select = $("colour-mode");
  const keys = { status: "byStatus", theme: "byTheme", change: "byChange" };
  replace(select, MODES.map((m) => h("option", { value: m, "data-i18n": keys[m], selected: m === state.mode }, t(keys[m]))));
}

function updateUrl() {
  const params = new URLSearchParams({ city: state.city ?? "", point: state.point ?? "", lang: state.lang });
  if (state.compare) params.set("compare", `${state.compare.left},${state.point}`);
  history.replaceState(null, "", `?${params}`);
}

function wireControls() {
  for (const button of document.querySelectorAll("#tabs [role=tab]")) {
    button.addEventListener("click", () => setTab(button.dataset.tab));
  }
  $("city").addEventListener("change", (e) => switchCity(e.target.value).catch(fail));
  $("colour-mode").addEventListener("change", (e) => setMode(e.target.value));
  $("compare-toggle").addEventListener("click", () => setCompare(state.compare ? null : undefined).catch(fail));
  wireDivider();
  document.addEventListener("keydown", (e) => {
    if (e.target.closest("input, select, textarea")) return;
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    const available = data.points.filter((p) => availablePoints().has(p.id));
    const index = available.findIndex((p) => p.id === state.point) + (e.key === "ArrowRight" ? 1 : -1);
    if (available[index]) showPoint(available[index].id).catch(fail);
  });
}

async function start() {
  const params = new URLSearchParams(location.search);
  const palette = await api.palette();
  data.statuses = palette.statuses;
  data.reportSections = palette.report_sections;
  setLanguages(palette.languages);
  state.lang = setLanguage(params.get("lang") ?? navigator.language?.slice(0, 2));
  drawLanguageButtons();
  drawModeSelect();
  wireControls();
  if (typeof Cesium === "undefined") {
    showMessage(t("noCesium", { detail: "cesium/Cesium.js" }));
    document.body.classList.add("no-3d");
  } else if (!webglAvailable()) {
    showMessage(t("noWebgl"), "warning");
    document.body.classList.add("no-3d");
  } else {
    try {
      scene = new Scene($("globe"), { onPick: (p) => onPick(p).catch(fail) });
      state.webgl = true;
    } catch (err) {
      console.warn(err);
      showMessage(t("noWebgl"), "warning");
      document.body.classList.add("no-3d");
    }
  }
  const index = await api.tilesIndex().catch(() => ({ tilesets: [] }));
  data.tilesets = index.tilesets ?? [];
  data.temporal = index.temporal ?? [];
  await Promise.all([loadReference(), loadEnglish()]);
  if (!data.tilesets.length) {
    showMessage(t("noTilesets"), "warning");
    return;
  }
  const cities = [...new Set(data.tilesets.map((x) => x.city))];
  state.city = cities.includes(params.get("city")) ? params.get("city") : cities[0];
  drawCitySelect();
  await loadCity();
  const available = availablePoints();
  let point = available.has(params.get("point"))
    ? params.get("point")
    : [...data.points].reverse().find((p) => available.has(p.id))?.id;
  // ?compare=PM18,PM24: the two points side by side (the earlier on the left).
  const pair = (params.get("compare") ?? "").split(",").filter((code) => available.has(code));
  if (pair.length === 2 && pair[0] !== pair[1]) {
    const [left, right] = isBefore(pair[0], pair[1]) ? pair : [pair[1], pair[0]];
    point = right;
    state.compare = { left, right, split: 0.5, leftLoaded: false };
  }
  await showPoint(point, { fly: true });
  // ?project=CODE (the reporting form's link after a save): that project's report at the point.
  const project = params.get("project");
  if (project && data.projects.some((p) => p.properties.project === project)) await openProject(project);
  state.shownLang = state.lang;
  state.ready = true;
}

start().catch(fail);
