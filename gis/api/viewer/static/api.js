// OGC API Features client: the viewer asks the same server any other client would.
// Texts come in the language asked for (`lang=`), English where no translation exists; to say
// so on screen, a text is also fetched in English and compared (the API answers one string).

const ROOT = new URL("../", document.baseURI);

export class ApiError extends Error {}

export async function getJson(path, params = {}) {
  const url = new URL(path, ROOT);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  }
  let response;
  try {
    response = await fetch(url, { headers: { Accept: "application/geo+json, application/json" } });
  } catch (err) {
    throw new ApiError(`${url.pathname}: ${err.message}`);
  }
  if (!response.ok) {
    let detail = response.statusText;
    try {
      detail = (await response.json()).description || detail;
    } catch {
      // not JSON: keep the status text
    }
    throw new ApiError(`${url.pathname}${url.search}: ${response.status} ${detail}`);
  }
  return response.json();
}

/**
 * All items of a collection matching `params`: pages of up to 10000 (the server's limit),
 * following the `next` links, so that a count shown is never that of a first page only.
 */
export async function items(collection, params = {}, lang = "en") {
  let body = await getJson(`collections/${collection}/items`, { f: "json", limit: 10000, lang, ...params });
  const features = [...(body.features ?? [])];
  for (;;) {
    const next = (body.links ?? []).find((link) => link.rel === "next");
    if (!next || !(body.features ?? []).length) return features;
    body = await getJson(new URL(next.href, ROOT).href);
    features.push(...(body.features ?? []));
  }
}

/**
 * Items in `lang`, each with `englishOnly`: the names of the `fields` whose text is the English
 * fallback (identical to the English answer) rather than a translation.
 */
export async function translatedItems(collection, params, lang, fields) {
  if (lang === "en") {
    return (await items(collection, params, "en")).map((f) => ({ ...f, englishOnly: new Set() }));
  }
  const [local, english] = await Promise.all([
    items(collection, params, lang),
    items(collection, params, "en"),
  ]);
  const byId = new Map(english.map((f) => [String(f.id), f]));
  return local.map((feature) => {
    const en = byId.get(String(feature.id));
    const englishOnly = new Set(
      fields.filter((name) => {
        const text = feature.properties[name];
        return en && text && text === en.properties[name];
      }),
    );
    return { ...feature, englishOnly };
  });
}

export function tilesIndex() {
  return getJson("tiles/index.json");
}

export function palette() {
  return getJson("viewer/palette.json");
}
