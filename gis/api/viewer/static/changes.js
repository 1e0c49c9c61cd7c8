// What changed between two measurement points, read from the change feeds (the OGC API
// collections building_changes and project_changes), never worked out in the browser: the
// viewer shows the counts any harvester of the feed would get.

/** The feed's `datetime` for the changes after `fromDate` up to and including `toDate`
 * (the feed's interval includes both ends: start the day after `fromDate`). */
export function sinceInterval(fromDate, toDate) {
  const next = new Date(`${fromDate}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return `${next.toISOString().slice(0, 10)}/${toDate}`;
}

/**
 * The net change of each feature over the feed's features (several points: a feature may
 * change more than once), as applying the feed in order to a copy gives it: new then ended is
 * no change; a first `new` is new; a last `ended` is ended; anything else is changed.
 * Returns Map feature_id -> {change, changed_properties (union), last (the last feature)}.
 */
export function netChanges(features) {
  const byFeature = new Map();
  const ordered = [...features].sort((a, b) => a.properties.point_date.localeCompare(b.properties.point_date));
  for (const feature of ordered) {
    const p = feature.properties;
    const entry = byFeature.get(p.feature_id) ?? { first: p.change, names: new Set(), last: null };
    for (const name of p.changed_properties ?? []) entry.names.add(name);
    entry.last = feature;
    byFeature.set(p.feature_id, entry);
  }
  const net = new Map();
  for (const [id, e] of byFeature) {
    const last = e.last.properties.change;
    let change = "changed";
    if (e.first === "new" && last === "ended") continue; // came and went in between
    if (e.first === "new") change = "new";
    else if (last === "ended") change = "ended";
    net.set(id, { change, changedProperties: [...e.names], last: e.last });
  }
  return net;
}

/** {new, changed, ended} counts of a netChanges map. */
export function countChanges(net) {
  const counts = { new: 0, changed: 0, ended: 0 };
  for (const { change } of net.values()) counts[change] += 1;
  return counts;
}
