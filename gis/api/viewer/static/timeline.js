// The timeline over the measurement points: one stop per point (label and date from the API);
// points without a 3D tileset for the city are shown but cannot be chosen.

import { fallbackMark, h, replace } from "./dom.js";
import { formatDate, isEnglishFallback, pointCode, t } from "./i18n.js";

export function renderTimeline(container, { points, available, current, onChoose }) {
  const stops = points.map((point) => {
    const enabled = available.has(point.id);
    return h(
      "li",
      { class: point.id === current ? "stop current" : "stop" },
      h(
        "button",
        {
          type: "button",
          "data-point": point.id,
          disabled: !enabled,
          "aria-pressed": String(point.id === current),
          title: enabled ? point.label : `${point.label} (${t("noTiles")})`,
          onClick: () => onChoose(point.id),
        },
        h("span", { class: "dot", "aria-hidden": "true" }),
        h("span", { class: "stop-code" }, pointCode(point.id)),
        h(
          "span",
          { class: "stop-label", lang: isEnglishFallback("points", point.id, point.label) ? "en" : null },
          point.label,
          isEnglishFallback("points", point.id, point.label) ? fallbackMark() : null,
        ),
        h("span", { class: "stop-date" }, formatDate(point.valid_at)),
      ),
    );
  });
  replace(container, h("ol", { class: "track", "aria-label": t("timeline") }, stops));
}

/** The point before `code` among the points that have data, or null. */
export function previousPoint(points, available, code) {
  const withData = points.filter((p) => available.has(p.id));
  const index = withData.findIndex((p) => p.id === code);
  return index > 0 ? withData[index - 1] : null;
}
