// The three levels of the source document (D2.1.1, chapter 2): city, thematic field, solution.
// Each function turns data already fetched into elements; none of them talks to the server.

import { fallbackMark, h, swatch, textOf } from "./dom.js";
import { formatDate, isEnglishFallback, labelled, pointCode, t } from "./i18n.js";
import { THEME_COLOURS } from "./colours.js";

/** A titled text; English fallback texts carry a visible mark and lang="en". */
function textBlock(key, text, englishOnly) {
  if (!text) return null;
  const fallback = englishOnly?.has(key);
  return h(
    "section",
    { class: "text", "data-field": key },
    h("h4", {}, t(key), fallback ? fallbackMark() : null),
    h("p", { lang: fallback ? "en" : null }, text),
  );
}

/** A project's title, marked when it is the English one for want of a translation. */
function titleOf(feature) {
  const { project, title } = feature.properties;
  return h("span", { class: "title" }, textOf(title, isEnglishFallback("titles", project, title)));
}

/** The note explaining the EN mark, at the end of a panel that shows one. */
export function englishNote(panel) {
  return panel.querySelector(".fallback") ? h("p", { class: "hint english-note" }, t("englishNote")) : null;
}

function statusChip(code, label, statuses) {
  const colour = statuses.find((s) => s.code === code)?.colour ?? "#999";
  return h("span", { class: "chip", "data-status": code }, swatch(colour), label ?? code);
}

function changeBadge(change) {
  if (!change || change === "unchanged") return null;
  const key = { new: "projectNew", status: "statusChanged", footprint: "footprintChanged", ended: "projectEnded" }[change];
  return h("span", { class: `badge badge-${change}` }, t(key));
}

export function cityPanel({ city, projects, endedProjects, point, statuses, onProject }) {
  if (!city) return h("p", { class: "hint" }, t("loading"));
  const p = city.properties;
  const list = projects.length
    ? h(
        "ul",
        { class: "project-list" },
        [...projects, ...endedProjects].map((f) =>
          h(
            "li",
            {},
            h(
              "button",
              { type: "button", class: "project-link", "data-project": f.properties.project, onClick: () => onProject(f.properties.project) },
              statusChip(f.properties.status, f.properties.status_label, statuses),
              h("span", { class: "code" }, f.properties.project),
              titleOf(f),
              changeBadge(f.change),
            ),
          ),
        ),
      )
    : h("p", { class: "hint" }, t("noProjects"));
  return h(
    "div",
    { class: "level level-city" },
    h("h2", {}, p.name),
    h(
      "p",
      { class: "meta" },
      `${labelled("district")}${p.district ?? "–"} · ${p.role === "lighthouse" ? t("lighthouse") : t("follower")}`,
    ),
    textBlock("concept", p.concept, city.englishOnly),
    textBlock("objectives", p.objectives, city.englishOnly),
    textBlock("vision", p.vision, city.englishOnly),
    p.concept || p.objectives || p.vision ? null : h("p", { class: "hint" }, t("noCityTexts")),
    h("h3", {}, t("projectsAt", { point: point.label })),
    list,
  );
}

export function themePanel({ fields, field, projects, challenges, cities, point, statuses, onField, onProject }) {
  const picker = h(
    "div",
    { class: "field-picker", role: "tablist" },
    fields.map((f) =>
      h(
        "button",
        {
          type: "button",
          role: "tab",
          "aria-selected": String(f.id === field),
          "data-field": f.id,
          onClick: () => onField(f.id),
        },
        swatch(THEME_COLOURS[f.id] ?? "#999"),
        textOf(f.properties.name, isEnglishFallback("fields", f.id, f.properties.name)),
      ),
    ),
  );
  const cityName = (code) => cities.get(code) ?? code;
  const byCity = new Map();
  for (const f of projects) {
    const list = byCity.get(f.properties.city) ?? [];
    list.push(f);
    byCity.set(f.properties.city, list);
  }
  const projectList = projects.length
    ? [...byCity.entries()].map(([code, list]) =>
        h(
          "div",
          { class: "city-group" },
          h("h4", {}, cityName(code)),
          h(
            "ul",
            { class: "project-list" },
            list.map((f) =>
              h(
                "li",
                {},
                h(
                  "button",
                  {
                    type: "button",
                    class: "project-link",
                    "data-project": f.properties.project,
                    onClick: () => onProject(f.properties.project, f.properties.city),
                  },
                  statusChip(f.properties.status, f.properties.status_label, statuses),
                  h("span", { class: "code" }, f.properties.project),
                  titleOf(f),
                ),
              ),
            ),
          ),
        ),
      )
    : h("p", { class: "hint" }, t("noProjects"));
  // The challenges raised in this field up to the point (main.js: challengesUpTo).
  const challengeList = challenges.length
    ? h(
        "ul",
        { class: "challenge-list" },
        challenges.map((c) =>
          h(
            "li",
            { class: c.cities.length > 1 ? "shared" : null, "data-challenge": c.id, "data-points": c.points.join(" ") },
            h("span", { class: "label" }, textOf(c.label, isEnglishFallback("challenges", c.id, c.label))),
            c.cities.length > 1 ? h("span", { class: "badge badge-shared" }, t("sharedBy", { n: c.cities.length })) : null,
            h(
              "span",
              { class: "meta" },
              `${labelled("raisedBy")}${c.cities.map(cityName).join(", ")} (${c.points.map(pointCode).join(", ")})`,
            ),
          ),
        ),
      )
    : h("p", { class: "hint" }, t("noChallenges"));
  return h(
    "div",
    { class: "level level-theme" },
    picker,
    h("h3", {}, t("themeProjects", { point: point.label })),
    projectList,
    h("h3", {}, t("challengesUpTo", { point: point.label })),
    challengeList,
  );
}

/** The building part of the solution level: what was clicked, and which projects touch it. */
function buildingCard(building, onProject) {
  if (!building) return null;
  return h(
    "div",
    { class: "building-card" },
    h("h4", {}, `${t("building")} ${building.source_id}`),
    h(
      "p",
      { class: "meta" },
      `${labelled("height")}${Number(building.height).toFixed(1)} m${building.height_estimated ? ` (${t("estimated")})` : ""}`,
      building.storeys >= 0 ? ` · ${labelled("storeys")}${building.storeys}` : "",
      ` · ${labelled("validFrom")}${formatDate(building.valid_from)}`,
    ),
    building.projects.length > 1
      ? h(
          "p",
          { class: "choose" },
          t("otherProjects"),
          " ",
          building.projects.map((p) =>
            h("button", { type: "button", class: "project-link inline", "data-project": p.code, onClick: () => onProject(p.code) }, p.code),
          ),
        )
      : null,
    building.projects.length === 0 ? h("p", { class: "hint" }, t("buildingOnly")) : null,
  );
}

export function solutionPanel({ solution, points, point, statuses, sections, challengeLabels, onProject }) {
  if (!solution) return h("div", { class: "level level-solution" }, h("p", { class: "hint" }, t("chooseProject")));
  const { building, project, version, report, reports, versions } = solution;
  const head = version ?? report;
  const parts = [buildingCard(building, onProject)];
  if (project) {
    const props = head?.properties ?? {};
    parts.push(
      h(
        "h2",
        { "data-project": project },
        h("span", { class: "code" }, project),
        " ",
        textOf(props.title ?? "", isEnglishFallback("titles", project, props.title)),
      ),
      h(
        "p",
        { class: "meta" },
        h(
          "span",
          { class: "chip", "data-field": props.thematic_field },
          swatch(THEME_COLOURS[props.thematic_field] ?? "#999"),
          textOf(
            solution.fieldName ?? props.thematic_field ?? "–",
            isEnglishFallback("fields", props.thematic_field, solution.fieldName),
          ),
        ),
        version ? h("span", {}, `${labelled("touches")}${version.properties.buildings_touched}`) : null,
      ),
    );
    parts.push(h("h3", {}, t("report", { point: point.label })));
    if (report) {
      const r = report.properties;
      parts.push(
        h(
          "div",
          { class: "report", "data-report-point": r.point },
          h(
            "p",
            { class: "meta" },
            statusChip(r.status, r.status_label, statuses),
            r.progress !== null && r.progress !== undefined ? ` ${labelled("progress")}${Math.round(r.progress)} %` : "",
            r.point !== point.id ? h("span", { class: "badge" }, t("reportFrom", { point: pointCode(r.point) })) : null,
          ),
          sections.map((key) => textBlock(key, r[key], report.englishOnly)),
          r.challenges?.length
            ? h(
                "section",
                { class: "text" },
                h("h4", {}, t("challenges")),
                h(
                  "ul",
                  { class: "tags" },
                  r.challenges.map((c) =>
                    h("li", {}, textOf(challengeLabels.get(c) ?? c, isEnglishFallback("challenges", c, challengeLabels.get(c)))),
                  ),
                ),
              )
            : null,
        ),
      );
    } else {
      parts.push(h("p", { class: "hint no-report" }, t("noReport")));
    }
    // Up to the point shown: nothing from a later point.
    const shown = points.filter((p) => p.valid_at <= point.valid_at);
    parts.push(h("h3", {}, t("statusUpTo", { point: point.label })), statusHistory({ points: shown, point, reports, versions, statuses }));
  }
  return h("div", { class: "level level-solution" }, parts);
}

/** One row per measurement point: the project's status then (footprint version) and progress. */
function statusHistory({ points, point, reports, versions, statuses }) {
  const validAt = (features, date) =>
    features.find((f) => f.properties.valid_from <= date && (!f.properties.valid_to || date < f.properties.valid_to));
  return h(
    "table",
    { class: "history" },
    h(
      "tbody",
      {},
      points.map((p) => {
        const version = validAt(versions, p.valid_at);
        const report = reports.find((r) => r.properties.point === p.id);
        const status = version?.properties.status ?? report?.properties.status;
        const label = version?.properties.status_label ?? report?.properties.status_label;
        return h(
          "tr",
          { class: p.id === point.id ? "current" : null, "data-point": p.id },
          h("th", {}, pointCode(p.id), h("small", {}, formatDate(p.valid_at))),
          h("td", {}, status ? statusChip(status, label, statuses) : h("span", { class: "hint" }, t("notAtPoint"))),
          h("td", { class: "progress" }, report?.properties.progress != null ? `${Math.round(report.properties.progress)} %` : ""),
        );
      }),
    ),
  );
}
