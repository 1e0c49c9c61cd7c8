// The 3D scene: CesiumJS with the offline Natural Earth globe, the city's temporal 3D tileset
// (every building version once, a measurement point shown by showing and colouring its
// features: switching points loads no tile) or one tileset per point, project footprints from
// the OGC API, the district boundary and picking.
/* global Cesium */

const FOOTPRINT_HEIGHT = 0.4; // metres above the ellipsoid: above the globe, below every roof
const LABEL_ANCHOR_HEIGHT = 2; // metres: a label points at the ground of its footprint's centre
const LABEL_GAP = 3; // pixels kept free around a placed label
const SVG = "http://www.w3.org/2000/svg";
// Where a label may go, relative to its anchor, in order of preference: [dx, dy] of the box's
// centre in units of the label's half width / height plus a distance in pixels.
const SLOTS = [];
for (const distance of [26, 50, 78, 110, 150]) {
  SLOTS.push([0, -1, 0, -distance], [-1, -1, -distance * 0.7, -distance * 0.7], [1, -1, distance * 0.7, -distance * 0.7]);
  SLOTS.push([-1, 0, -distance, 0], [1, 0, distance, 0], [0, 1, 0, distance]);
}

/** The first free box for a label of `size` around `anchor`, or null. */
function freeSlot(anchor, size, taken, width, height) {
  for (const [ux, uy, dx, dy] of SLOTS) {
    const cx = anchor.x + dx + (ux * size.w) / 2;
    const cy = anchor.y + dy + (uy * size.h) / 2;
    const box = { x0: cx - size.w / 2, y0: cy - size.h / 2, x1: cx + size.w / 2, y1: cy + size.h / 2 };
    if (box.x0 < 4 || box.y0 < 4 || box.x1 > width - 4 || box.y1 > height - 4) continue;
    if (taken.some((t) => box.x0 < t.x1 && box.x1 > t.x0 && box.y0 < t.y1 && box.y1 > t.y0)) continue;
    return box;
  }
  return null;
}

function nearestOnBox(point, box) {
  return { x: Math.min(Math.max(point.x, box.x0), box.x1), y: Math.min(Math.max(point.y, box.y0), box.y1) };
}

export function webglAvailable() {
  try {
    const canvas = document.createElement("canvas");
    return Boolean(canvas.getContext("webgl2") || canvas.getContext("webgl"));
  } catch {
    return false;
  }
}

export class Scene {
  constructor(container, { onPick }) {
    const imagery = Cesium.TileMapServiceImageryProvider.fromUrl(
      Cesium.buildModuleUrl("Assets/Textures/NaturalEarthII"),
    );
    this.viewer = new Cesium.Viewer(container, {
      baseLayer: Cesium.ImageryLayer.fromProviderAsync(imagery),
      baseLayerPicker: false,
      geocoder: false,
      homeButton: false,
      sceneModePicker: false,
      navigationHelpButton: false,
      animation: false,
      timeline: false,
      fullscreenButton: false,
      infoBox: false,
      selectionIndicator: false,
      requestRenderMode: true,
      maximumRenderTimeChange: Infinity,
    });
    const scene = this.viewer.scene;
    scene.globe.baseColor = Cesium.Color.fromCssColorString("#dfe6e9");
    scene.globe.depthTestAgainstTerrain = false;
    scene.skyAtmosphere.show = true;
    scene.fog.enabled = false;
    // A paler globe so that the coloured buildings stand out.
    const base = this.viewer.imageryLayers.get(0);
    if (base) {
      base.saturation = 0.35;
      base.brightness = 1.25;
    }
    this.scene = scene;
    this.tileset = null;
    this.tilesetKey = null;
    this.point = null; // the measurement point shown (properties in_<point>, status_<point>)
    this.region = null; // [west, south, east, north, low, high] of the point's buildings
    this.ticket = 0; // the latest showTileset call: earlier ones give up
    this.features = new Map(); // tile -> [Cesium3DTileFeature]
    this.colourOf = () => "#ffffff";
    // Compare mode: a second instance of the same tileset (its tiles come from the HTTP cache)
    // drawn left of the divider at another point, the main one right of it (scene.splitPosition).
    this.compare = null; // {tileset, key, features, point, colourOf}
    this.selectedKey = null;
    this.footprints = new Cesium.CustomDataSource("footprints");
    this.ended = scene.primitives.add(new Cesium.PolylineCollection());
    this.boundary = scene.primitives.add(new Cesium.PolylineCollection());
    this.viewer.dataSources.add(this.footprints);
    const handler = new Cesium.ScreenSpaceEventHandler(scene.canvas);
    handler.setInputAction((event) => onPick(this.pick(event.position)), Cesium.ScreenSpaceEventType.LEFT_CLICK);
    this.handler = handler;
    this.onPick = onPick;
    // Project labels: HTML over the canvas, placed after every rendered frame so that none
    // overlaps another, a card or the edge of the map (see layoutLabels).
    this.labels = [];
    this.labelLayer = document.createElement("div");
    this.labelLayer.className = "map-labels";
    this.leaders = document.createElementNS(SVG, "svg");
    this.leaders.setAttribute("class", "leaders");
    this.labelLayer.append(this.leaders);
    container.append(this.labelLayer);
    this.layouts = 0; // how many times the labels were placed (tests wait for a layout)
    scene.postRender.addEventListener(() => this.layoutLabels());
  }

  /** Replace the labels: [{key, text, title, priority, lon, lat}] (lower priority first). */
  setLabels(labels) {
    for (const label of this.labels) label.element.remove();
    this.labels = labels
      .map((label, index) => {
        const element = document.createElement("button");
        element.type = "button";
        element.className = "map-label";
        element.dataset.project = label.key;
        element.dataset.priority = String(label.priority);
        element.textContent = label.text;
        if (label.title) element.title = label.title;
        element.hidden = true;
        element.addEventListener("click", () => this.onPick({ kind: "project", code: label.key }));
        this.labelLayer.append(element);
        const position = Cesium.Cartesian3.fromDegrees(label.lon, label.lat, LABEL_ANCHOR_HEIGHT);
        return { ...label, index, element, position, size: null };
      })
      .sort((a, b) => a.priority - b.priority || a.index - b.index);
    this.scene.requestRender();
  }

  /**
   * Place the labels, most important first: each goes to the first free slot around its
   * anchor (above, then to the sides, then below, further and further out), joined to it by a
   * leader line; a label with no free slot on screen is hidden. Free: inside the map, not over
   * a placed label, not over the cards (legend, changes, timeline, messages).
   */
  layoutLabels() {
    const canvas = this.scene.canvas;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    const origin = canvas.getBoundingClientRect();
    const taken = [...document.querySelectorAll(".map .card, .map .timeline-bar, .map .message")]
      .filter((el) => !el.hidden && el.offsetParent !== null)
      .map((el) => {
        const r = el.getBoundingClientRect();
        return { x0: r.left - origin.left, y0: r.top - origin.top, x1: r.right - origin.left, y1: r.bottom - origin.top };
      });
    const lines = [];
    for (const label of this.labels) {
      const el = label.element;
      const anchor = Cesium.SceneTransforms.worldToWindowCoordinates(this.scene, label.position);
      let box = null;
      if (anchor && anchor.x >= 0 && anchor.y >= 0 && anchor.x <= width && anchor.y <= height) {
        if (!label.size) {
          el.hidden = false;
          label.size = { w: el.offsetWidth, h: el.offsetHeight };
        }
        box = freeSlot(anchor, label.size, taken, width, height);
      }
      if (!box) {
        el.hidden = true;
        continue;
      }
      taken.push({ x0: box.x0 - LABEL_GAP, y0: box.y0 - LABEL_GAP, x1: box.x1 + LABEL_GAP, y1: box.y1 + LABEL_GAP });
      el.hidden = false;
      el.style.transform = `translate(${Math.round(box.x0)}px, ${Math.round(box.y0)}px)`;
      const end = nearestOnBox(anchor, box);
      lines.push(`<line x1="${anchor.x.toFixed(1)}" y1="${anchor.y.toFixed(1)}" x2="${end.x.toFixed(1)}" y2="${end.y.toFixed(1)}"/>`);
      lines.push(`<circle cx="${anchor.x.toFixed(1)}" cy="${anchor.y.toFixed(1)}" r="3"/>`);
    }
    this.leaders.setAttribute("viewBox", `0 0 ${width} ${height}`);
    this.leaders.innerHTML = lines.join("");
    this.layouts += 1;
  }

  /**
   * What is under a window position: a building feature, a project footprint, or nothing.
   * A building wins over a footprint marker drawn on top of it (a point project sits on its
   * building); its projects include the marker's.
   */
  pick(position) {
    const picked = this.scene.drillPick(position, 4);
    const building = picked.find(
      (p) => p instanceof Cesium.Cesium3DTileFeature && p.getProperty("version_id") > 0,
    );
    if (building) {
      // Left of the divider in compare mode: the building as at the left point.
      const point = this.compare && building.tileset === this.compare.tileset ? this.compare.point : this.point;
      return { kind: "building", properties: featureProperties(building, point), point };
    }
    const entity = picked.map((p) => p?.id).find((id) => id instanceof Cesium.Entity && id.properties?.project);
    if (entity) return { kind: "project", code: entity.properties.project.getValue() };
    return { kind: "none" };
  }

  /**
   * Show measurement point `point` of the tileset at `url` (its buildings within `region`);
   * resolves with the buildings shown in the loaded tiles once every tile the camera needs is
   * loaded, or with null when a later call superseded this one. When `key` is the tileset
   * already shown (the city's temporal tileset), nothing is loaded again: its features are
   * shown and coloured for the point. Otherwise the previous tileset stays until the new one
   * is loaded (no flicker). The camera keeps its place when the point's buildings cover about
   * the same area as the shown ones; otherwise (another area, or `fly`) it frames them: tiles
   * outside the view are never requested, and a tileset nobody looks at would never finish
   * loading. The tilesets have levels of detail: Cesium's default screen-space error (16 px)
   * draws a whole city from a few tiles.
   */
  async showTileset(key, url, { fly, point, region }) {
    const ticket = ++this.ticket;
    const moved = fly || !sameArea(this.region, region);
    if (key === this.tilesetKey && this.tileset) {
      this.point = point;
      this.region = region;
      for (const feature of this.everyFeature()) this.paint(feature);
      if (moved) this.frame(this.tileset, region);
      this.scene.requestRender();
      const loaded = await this.untilLoaded(this.tileset, this.features, ticket, region);
      return loaded ? this.allFeatures() : null;
    }
    const tileset = await Cesium.Cesium3DTileset.fromUrl(url, { show: false, preloadWhenHidden: true });
    if (ticket !== this.ticket) {
      tileset.destroy();
      return null;
    }
    tileset.colorBlendMode = Cesium.Cesium3DTileColorBlendMode.REPLACE;
    const features = new Map();
    tileset.tileLoad.addEventListener((tile) => {
      const content = tile.content;
      const list = [];
      for (let i = 0; i < content.featuresLength; i += 1) list.push(content.getFeature(i));
      features.set(tile, list);
      for (const feature of list) this.paint(feature);
    });
    tileset.tileUnload.addEventListener((tile) => features.delete(tile));
    const previousPoint = this.point;
    this.point = point;
    this.scene.primitives.add(tileset);
    if (moved) this.frame(tileset, region);
    const loaded = await this.untilLoaded(tileset, features, ticket, region).catch((err) => {
      this.scene.primitives.remove(tileset);
      throw err;
    });
    if (!loaded) {
      this.scene.primitives.remove(tileset);
      if (ticket === this.ticket) this.point = previousPoint;
      return null;
    }
    const previous = this.tileset;
    this.tileset = tileset;
    if (this.compare) tileset.splitDirection = Cesium.SplitDirection.RIGHT;
    this.tilesetKey = key;
    this.region = region;
    this.features = features;
    tileset.show = true;
    if (previous) this.scene.primitives.remove(previous);
    this.scene.requestRender();
    this.kick(1000);
    return this.allFeatures();
  }

  /** No 3D data for the chosen city: remove the tileset and forget its features. */
  clearTileset() {
    this.ticket += 1; // a tileset still loading is not wanted any more
    this.clearCompare();
    if (this.tileset) this.scene.primitives.remove(this.tileset);
    this.tileset = null;
    this.tilesetKey = null;
    this.point = null; // the measurement point shown (properties in_<point>, status_<point>)
    this.region = null; // [west, south, east, north, low, high] of the point's buildings
    this.features = new Map();
    this.kick();
    return [];
  }

  /** A top-down view of a GeoJSON geometry (a district without 3D data). */
  flyToGeometry(geometry) {
    const points = [];
    const walk = (c) => (typeof c[0] === "number" ? points.push(c) : c.forEach(walk));
    walk(geometry.coordinates ?? []);
    if (!points.length) return;
    const lons = points.map((p) => p[0]);
    const lats = points.map((p) => p[1]);
    const rectangle = Cesium.Rectangle.fromDegrees(
      Math.min(...lons),
      Math.min(...lats),
      Math.max(...lons),
      Math.max(...lats),
    );
    this.viewer.camera.setView({ destination: rectangle });
    this.kick();
  }

  /**
   * Resolves true once the tiles the view needs are loaded (at least one tile, none pending),
   * false when a later showTileset superseded this one; rejects when a tile fails to load.
   * Cesium's allTilesLoaded event only fires after a change in the number of pending requests,
   * never for a tileset of which nothing is in view: this checks after every rendered frame
   * instead, and frames the tileset when nothing of it has been requested after a few frames.
   */
  untilLoaded(tileset, features, ticket, region) {
    return new Promise((resolve, reject) => {
      let idleFrames = 0;
      let framed = false;
      const finish = (settle, value) => {
        removeCheck();
        removeFailed();
        clearInterval(timer);
        settle(value);
      };
      const check = () => {
        if (ticket !== this.ticket) return finish(resolve, false);
        if (!tileset.tilesLoaded) return undefined;
        if (features.size > 0) return finish(resolve, true);
        idleFrames += 1; // loaded, yet nothing: no tile of it is in view
        if (idleFrames === 5 && !framed) {
          framed = true;
          idleFrames = 0;
          this.frame(tileset, region);
        } else if (framed && idleFrames > 50) {
          finish(resolve, true); // in view and still no tile with content: an empty tileset
        }
        return undefined;
      };
      const removeCheck = this.scene.postRender.addEventListener(check);
      const removeFailed = tileset.tileFailed.addEventListener((error) =>
        finish(reject, new Error(`3D tile ${error.url}: ${error.message}`)),
      );
      const timer = setInterval(() => this.scene.requestRender(), 100);
      this.scene.requestRender();
    });
  }

  /**
   * Compare mode: the tileset at `url` shown at measurement point `point` left of the divider
   * (coloured by `colourOf(properties)`), the main tileset at its own point right of it. The
   * same URL as the main tileset: Cesium asks for the same tiles, which the browser's HTTP cache
   * answers. Resolves with the left side's buildings in the loaded tiles, null when superseded.
   */
  async showCompare(key, url, { point, colourOf, split = 0.5 }) {
    const ticket = this.ticket;
    if (this.compare?.key !== key) {
      this.clearCompare();
      const tileset = await Cesium.Cesium3DTileset.fromUrl(url, { preloadWhenHidden: true });
      if (ticket !== this.ticket) {
        tileset.destroy();
        return null;
      }
      tileset.colorBlendMode = Cesium.Cesium3DTileColorBlendMode.REPLACE;
      tileset.splitDirection = Cesium.SplitDirection.LEFT;
      const features = new Map();
      this.compare = { tileset, key, features, point, colourOf };
      tileset.tileLoad.addEventListener((tile) => {
        const content = tile.content;
        const list = [];
        for (let i = 0; i < content.featuresLength; i += 1) list.push(content.getFeature(i));
        features.set(tile, list);
        for (const feature of list) this.paintLeft(feature);
      });
      tileset.tileUnload.addEventListener((tile) => features.delete(tile));
      this.scene.primitives.add(tileset);
    }
    this.compare.point = point;
    this.compare.colourOf = colourOf;
    if (this.tileset) this.tileset.splitDirection = Cesium.SplitDirection.RIGHT;
    this.setSplit(split);
    for (const feature of [...this.compare.features.values()].flat()) this.paintLeft(feature);
    const loaded = await this.untilLoaded(this.compare.tileset, this.compare.features, ticket, this.region);
    if (!loaded || !this.compare) return null;
    return [...this.compare.features.values()].flat().filter((f) => f.show && f.getProperty("version_id") > 0);
  }

  /** Leave compare mode: one tileset again, over the whole view. */
  clearCompare() {
    if (this.compare) this.scene.primitives.remove(this.compare.tileset);
    this.compare = null;
    if (this.tileset) this.tileset.splitDirection = Cesium.SplitDirection.NONE;
    this.scene.splitPosition = 0.5;
    this.scene.requestRender();
  }

  /** The divider at `fraction` of the view's width (0 left edge, 1 right edge). */
  setSplit(fraction) {
    this.scene.splitPosition = Math.min(1, Math.max(0, fraction));
    this.scene.requestRender();
  }

  /** Recolour the left side of compare mode with `colourOf(properties)`. */
  recolourLeft(colourOf) {
    if (!this.compare) return;
    this.compare.colourOf = colourOf;
    for (const feature of [...this.compare.features.values()].flat()) this.paintLeft(feature);
    this.scene.requestRender();
  }

  paintLeft(feature) {
    const { point, colourOf } = this.compare;
    const props = featureProperties(feature, point);
    feature.show = props.shown;
    if (props.shown) feature.color = Cesium.Color.fromCssColorString(colourOf(props));
  }

  /**
   * An oblique view of the whole tileset: looking along the district's short side so that its
   * long side fills the width, from higher up the squarer the district is; then backed off
   * until every corner of its bounding region is on screen above the timeline.
   */
  frame(tileset, region = tileset.extras?.bounding_region) {
    let sphere = tileset.boundingSphere;
    const camera = this.viewer.camera;
    let heading = 0;
    let pitch = -40;
    let long = sphere.radius * 2;
    let corners = [];
    if (region) {
      const [w, s, e, n, low, high] = region;
      const wide = (e - w) * Math.cos((s + n) / 2) * 6378137;
      const deep = (n - s) * 6378137;
      heading = wide >= deep ? 0 : 90;
      long = Math.max(wide, deep);
      pitch = -30 - 22 * (Math.min(wide, deep) / Math.max(long, 1));
      for (const lon of [w, e]) {
        for (const lat of [s, n]) {
          for (const h of [low, high]) corners.push(Cesium.Cartesian3.fromRadians(lon, lat, h));
        }
      }
      sphere = Cesium.BoundingSphere.fromPoints(corners);
    }
    // Cesium's fov spans the larger side of the canvas: the horizontal one is smaller on a
    // portrait screen.
    const fov = camera.frustum.fov ?? Cesium.Math.toRadians(60);
    const aspect = camera.frustum.aspectRatio ?? 1;
    const across = aspect >= 1 ? fov : 2 * Math.atan(Math.tan(fov / 2) * aspect);
    let range = Math.max(((long / 2) * 1.1) / Math.tan(across / 2), 150);
    const canvas = this.scene.canvas;
    const fits = () =>
      corners.every((corner) => {
        const p = Cesium.SceneTransforms.worldToWindowCoordinates(this.scene, corner);
        return p && p.x > 8 && p.x < canvas.clientWidth - 8 && p.y > 8 && p.y < canvas.clientHeight - 125;
      });
    for (let step = 0; step < 20; step += 1) {
      camera.viewBoundingSphere(
        sphere,
        new Cesium.HeadingPitchRange(Cesium.Math.toRadians(heading), Cesium.Math.toRadians(pitch), range),
      );
      camera.lookAtTransform(Cesium.Matrix4.IDENTITY);
      if (fits()) break;
      range *= 1.12;
    }
  }

  /** Every feature of the loaded tiles: buildings of every point and level-of-detail blocks. */
  everyFeature() {
    return [...this.features.values()].flat();
  }

  /** The buildings shown: those of the loaded tiles valid at the point (no blocks). */
  allFeatures() {
    return this.everyFeature().filter((f) => f.show && f.getProperty("version_id") > 0);
  }

  /**
   * Entities build their geometry asynchronously over the next frames; in request-render mode
   * nothing would draw them, so keep rendering for a moment after a change.
   */
  kick(ms = 6000) {
    const until = performance.now() + ms;
    this.kickUntil = Math.max(this.kickUntil ?? 0, until);
    if (this.kicking) return;
    this.kicking = true;
    const step = () => {
      this.scene.requestRender();
      if (performance.now() < this.kickUntil) setTimeout(step, 150);
      else this.kicking = false;
    };
    step();
  }

  /** Recolour every loaded building with `colourOf(properties)`. */
  recolour(colourOf) {
    this.colourOf = colourOf;
    for (const feature of this.everyFeature()) this.paint(feature);
    this.scene.requestRender();
  }

  paint(feature) {
    const props = featureProperties(feature, this.point);
    feature.show = props.shown;
    if (!props.shown) return;
    const css = props.version_id === this.selectedKey ? "#00e5ff" : this.colourOf(props);
    feature.color = Cesium.Color.fromCssColorString(css);
  }

  select(versionId) {
    this.selectedKey = versionId;
    for (const feature of this.everyFeature()) this.paint(feature);
    this.scene.requestRender();
  }

  /**
   * Project footprints (GeoJSON features) as translucent polygons, lines or points, each with
   * its label: `labelOf(project)` = {text, title, priority} (lower priority first), or null.
   */
  showFootprints(projects, colourOf, labelOf) {
    this.footprints.entities.removeAll();
    for (const project of projects) {
      const colour = Cesium.Color.fromCssColorString(colourOf(project));
      const properties = { project: project.properties.project };
      for (const [i, part] of geometryParts(project.geometry).entries()) {
        const id = `${project.properties.project}#${i}`;
        if (part.type === "Polygon") {
          this.footprints.entities.add({
            id,
            properties,
            polygon: {
              hierarchy: polygonHierarchy(part.coordinates),
              height: FOOTPRINT_HEIGHT,
              material: colour.withAlpha(0.35),
              outline: true,
              outlineColor: colour,
            },
          });
          this.footprints.entities.add({
            id: `${id}-edge`,
            properties,
            polyline: {
              positions: ring(part.coordinates[0], FOOTPRINT_HEIGHT + 0.1),
              width: 3,
              material: colour,
            },
          });
        } else if (part.type === "LineString") {
          this.footprints.entities.add({
            id,
            properties,
            polyline: { positions: ring(part.coordinates, FOOTPRINT_HEIGHT), width: 5, material: colour },
          });
        } else if (part.type === "Point") {
          this.footprints.entities.add({
            id,
            properties,
            position: Cesium.Cartesian3.fromDegrees(part.coordinates[0], part.coordinates[1], 2),
            point: {
              pixelSize: 14,
              color: colour,
              outlineColor: Cesium.Color.WHITE,
              outlineWidth: 2,
              disableDepthTestDistance: Number.POSITIVE_INFINITY,
            },
          });
        }
      }
    }
    this.setLabels(projects.map((project) => labelOf(project)).filter(Boolean));
    this.kick();
  }

  /** Outlines of the buildings that ended at this point (they have no 3D tile any more). */
  showEnded(features, colour) {
    this.ended.removeAll();
    const material = Cesium.Material.fromType("Color", { color: Cesium.Color.fromCssColorString(colour) });
    for (const feature of features) {
      for (const part of geometryParts(feature.geometry)) {
        if (part.type !== "Polygon") continue;
        this.ended.add({ positions: ring(part.coordinates[0], 0.6), width: 3, material });
      }
    }
    this.scene.requestRender();
  }

  /** The district boundary, dashed (plain polylines: drawn in the next frame, no workers). */
  showBoundary(geometry) {
    this.boundary.removeAll();
    const material = Cesium.Material.fromType("PolylineDash", {
      color: Cesium.Color.fromCssColorString("#fdd835"),
      dashLength: 24,
    });
    for (const part of geometryParts(geometry)) {
      if (part.type !== "Polygon") continue;
      this.boundary.add({ positions: ring(part.coordinates[0], 0.5), width: 3, material });
    }
    this.scene.requestRender();
  }

  /** Page coordinates of a geographic position (for tests and for anchoring overlays). */
  toScreen(lon, lat, height = 0) {
    const position = Cesium.Cartesian3.fromDegrees(lon, lat, height);
    const win = Cesium.SceneTransforms.worldToWindowCoordinates(this.scene, position);
    if (!win) return null;
    const rect = this.scene.canvas.getBoundingClientRect();
    return { x: rect.left + win.x, y: rect.top + win.y };
  }
}

/** Whether two regions cover about the same area: their overlap is half of each or more. */
export function sameArea(a, b) {
  if (!a || !b) return false;
  const area = (r) => Math.max(0, r[2] - r[0]) * Math.max(0, r[3] - r[1]);
  const overlap = area([Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])]);
  return overlap >= 0.5 * area(a) && overlap >= 0.5 * area(b);
}

/**
 * A feature's properties at measurement `point`. A feature of a temporal tileset carries its
 * status and projects per point (`status_<point>`, `projects_<point>`) and whether it is valid
 * there (`in_<point>`); a feature of a per-point tileset carries them once. Level-of-detail
 * blocks (version_id 0) are shown and coloured like buildings; they are not buildings to pick.
 */
export function featureProperties(feature, point) {
  const temporal = point != null && feature.getProperty(`in_${point}`) !== undefined;
  const get = (name) =>
    feature.getProperty(temporal && (name === "status" || name === "projects") ? `${name}_${point}` : name);
  let projects = [];
  try {
    projects = JSON.parse(get("projects") || "[]");
  } catch {
    projects = [];
  }
  return {
    shown: temporal ? feature.getProperty(`in_${point}`) === true : true,
    version_id: get("version_id"),
    source_id: get("source_id"),
    city: get("city"),
    valid_from: get("valid_from"),
    valid_to: get("valid_to"),
    height: get("height"),
    storeys: get("storeys"),
    height_estimated: get("height_estimated"),
    status: get("status"),
    projects,
  };
}

function geometryParts(geometry) {
  if (!geometry) return [];
  switch (geometry.type) {
    case "Polygon":
    case "LineString":
    case "Point":
      return [geometry];
    case "MultiPolygon":
      return geometry.coordinates.map((coordinates) => ({ type: "Polygon", coordinates }));
    case "MultiLineString":
      return geometry.coordinates.map((coordinates) => ({ type: "LineString", coordinates }));
    case "MultiPoint":
      return geometry.coordinates.map((coordinates) => ({ type: "Point", coordinates }));
    case "GeometryCollection":
      return geometry.geometries.flatMap(geometryParts);
    default:
      return [];
  }
}

function ring(coordinates, height) {
  return Cesium.Cartesian3.fromDegreesArrayHeights(coordinates.flatMap(([x, y]) => [x, y, height]));
}

function polygonHierarchy(rings) {
  const flat = (r) => Cesium.Cartesian3.fromDegreesArray(r.flatMap(([x, y]) => [x, y]));
  return new Cesium.PolygonHierarchy(
    flat(rings[0]),
    rings.slice(1).map((hole) => new Cesium.PolygonHierarchy(flat(hole))),
  );
}

/** A representative lon/lat of a geometry: the mean of its vertices. */
export function centreOf(geometry) {
  const points = [];
  const walk = (c) => (typeof c[0] === "number" ? points.push(c) : c.forEach(walk));
  if (geometry?.coordinates) walk(geometry.coordinates);
  else if (geometry?.geometries) geometry.geometries.forEach((g) => g.coordinates && walk(g.coordinates));
  if (!points.length) return null;
  const sum = points.reduce((a, p) => [a[0] + p[0], a[1] + p[1]], [0, 0]);
  return [sum[0] / points.length, sum[1] / points.length];
}
