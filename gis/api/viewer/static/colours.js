// Colours of buildings and footprints: by implementation status (palette of the database's
// statuses, served by the viewer), by thematic field, or by change since the previous point.

import { isEnglishFallback, t } from "./i18n.js";

export const UNTOUCHED = "#f2efe9";
export const SELECTED = "#00e5ff";

export const THEME_COLOURS = {
  citizen_engagement: "#ec407a",
  holistic_refurbishment: "#8d6e63",
  district_heating_renewables: "#ff7043",
  data_platform_smart_services: "#26a69a",
  e_mobility: "#5c6bc0",
  cross_topic: "#c0ca33",
};

export const CHANGE_COLOURS = {
  new: "#2979ff",
  changed: "#ffab00",
  unchanged: "#cfd8dc",
  ended: "#d50000",
};

export const MODES = ["status", "theme", "change"];

/** The status a building shows: the most advanced among its projects (order of the palette). */
export function buildingStatus(projects, statusOrder) {
  const active = projects.filter((p) => p.status !== "cancelled");
  const pool = active.length ? active : projects;
  let best = null;
  for (const p of pool) {
    if (best === null || (statusOrder.get(p.status) ?? -1) > (statusOrder.get(best.status) ?? -1)) {
      best = p;
    }
  }
  return best ? best.status : null;
}

/** CSS colour of one building in `mode`; `info` = {projects, change}. */
export function buildingColour(mode, info, statuses) {
  if (mode === "change") return CHANGE_COLOURS[info.change] ?? CHANGE_COLOURS.unchanged;
  if (!info.projects.length) return UNTOUCHED;
  if (mode === "theme") {
    const fields = [...new Set(info.projects.map((p) => p.thematic_field))].sort();
    return THEME_COLOURS[fields[0]] ?? UNTOUCHED;
  }
  const order = new Map(statuses.map((s, i) => [s.code, i]));
  const status = buildingStatus(info.projects, order);
  return statuses.find((s) => s.code === status)?.colour ?? UNTOUCHED;
}

/** CSS colour of a project footprint in `mode`. */
export function projectColour(mode, project, statuses) {
  if (mode === "theme") return THEME_COLOURS[project.thematic_field] ?? "#ffffff";
  if (mode === "change") {
    return project.change && project.change !== "unchanged" ? CHANGE_COLOURS.changed : "#ffffff";
  }
  return statuses.find((s) => s.code === project.status)?.colour ?? "#ffffff";
}

/** Legend entries [{colour, label}] of `mode`; `names` = localised status and field names. */
export function legendEntries(mode, statuses, names, lang) {
  if (mode === "change") {
    return ["new", "changed", "unchanged", "ended"].map((key) => ({
      colour: CHANGE_COLOURS[key],
      label: t({ new: "isNew", changed: "isChanged", unchanged: "unchanged", ended: "isEnded" }[key]),
      outline: key === "ended",
    }));
  }
  const entries =
    mode === "theme"
      ? Object.entries(THEME_COLOURS).map(([code, colour]) => ({
          colour,
          label: names.fields.get(code) ?? code,
          englishOnly: isEnglishFallback("fields", code, names.fields.get(code)),
        }))
      : statuses.map((s) => ({
          colour: s.colour,
          label: s.label[lang] ?? s.label.en,
          englishOnly: lang !== "en" && !s.label[lang],
        }));
  return [...entries, { colour: UNTOUCHED, label: t("untouched") }];
}
