// Area maps: turns every <div data-area-map> (the macro area_map in maps/area_map.html) into
// a Leaflet map of its areas' polygons, coloured by choropleth class. A file, not an inline
// script (CSP script-src 'self'); Leaflet is vendored (static/vendor/leaflet), and without a
// configured tile server (data-tile-url) nothing is requested from anywhere else. The same
// figures are always in the server-rendered table beside the map, so the map adds a picture,
// never information of its own.
//
// Keyboard: Leaflet's own (the map takes focus; arrows pan, + and - zoom) stays. Each area is
// a focusable button-like path (Tab) named "Råda: 13 händelser"; focus brings it into view
// and its label in front of the others; Enter or Space zooms to it, and again back out.
import "./vendor/leaflet/leaflet.js"; // UMD build: sets globalThis.L

const L = globalThis.L;
const SVG = "http://www.w3.org/2000/svg";
const HATCH_ID = "samverka-map-hatch";
const ALL_PADDING = [12, 12]; // around all the areas
const AREA_PADDING = [24, 24]; // around one area zoomed to

// One hatch pattern for the page (suppressed and missing figures are drawn neutral and
// hatched, so they never read as a low count, in colour or in greyscale).
function ensureHatch() {
  if (document.getElementById(HATCH_ID)) return;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "samverka-map__defs");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.innerHTML =
    `<defs><pattern id="${HATCH_ID}" patternUnits="userSpaceOnUse" width="8" height="8"` +
    ` patternTransform="rotate(45)"><rect width="8" height="8" fill="#f3f2f1"/>` +
    `<line x1="0" y1="0" x2="0" y2="8" stroke="#505a5f" stroke-width="3"/></pattern></defs>`;
  document.body.appendChild(svg);
}

function accessibleName(props, texts) {
  if (props.suppressed) return `${props.name}: ${texts.suppressed}`;
  if (props.value === null || props.value === undefined) return `${props.name}: ${texts.none}`;
  return texts.unit ? `${props.name}: ${props.display} ${texts.unit}` : `${props.name}: ${props.display}`;
}

function areaClass(props) {
  const shade = props.shade === null || props.shade === undefined ? "none" : props.shade;
  return `samverka-map__area samverka-map__shade-${shade}`;
}

// The label: built from text nodes (names come from users; never parsed as HTML).
function labelElement(props) {
  const label = document.createElement("span");
  const name = document.createElement("span");
  name.className = "samverka-map__label-name";
  name.textContent = props.name;
  const figure = document.createElement("span");
  figure.className = "samverka-map__label-figure";
  figure.textContent = props.display;
  label.append(name, figure);
  return label;
}

function escapeHtml(text) {
  const box = document.createElement("span");
  box.textContent = text;
  return box.innerHTML;
}

function makeAreaAccessible(map, layer, texts, all) {
  const path = layer.getElement();
  const props = layer.feature.properties;
  path.setAttribute("tabindex", "0");
  path.setAttribute("role", "button");
  path.setAttribute("aria-label", accessibleName(props, texts));
  path.dataset.areaName = props.name;
  const show = () => {
    for (const other of map.getContainer().querySelectorAll(".samverka-map__label--active")) {
      other.classList.remove("samverka-map__label--active");
    }
    const tooltip = layer.getTooltip();
    if (!tooltip) return;
    if (!map.hasLayer(tooltip)) layer.openTooltip();
    const element = tooltip.getElement();
    element.classList.add("samverka-map__label--active");
    element.parentNode.appendChild(element); // in front of its neighbours' labels
  };
  path.addEventListener("focus", () => {
    if (!map.getBounds().contains(layer.getBounds())) map.panTo(layer.getCenter());
    show();
  });
  // Enter or Space: zoom to the area (its label on top); again: back to all the areas.
  path.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault(); // Space would scroll the page
    const zoomed = map.getContainer().dataset.zoomedArea === props.name;
    map.getContainer().dataset.zoomedArea = zoomed ? "" : props.name;
    // Not animated: a second key during an animation would be dropped by Leaflet.
    if (zoomed) map.fitBounds(all, { padding: ALL_PADDING, animate: false });
    else map.fitBounds(layer.getBounds(), { padding: AREA_PADDING, animate: false });
    show();
  });
}

function draw(container) {
  const source = document.getElementById(container.dataset.areaMapData);
  if (!source) return;
  const data = JSON.parse(source.textContent);
  const texts = {
    unit: container.dataset.unit || "",
    suppressed: container.dataset.suppressedText || "",
    none: container.dataset.noneText || "",
  };
  container.replaceChildren(); // the "needs JavaScript" note
  container.classList.add("samverka-map__canvas--ready");
  const tiles = container.dataset.tileUrl;
  const map = L.map(container, {
    renderer: L.svg({ padding: 0.5 }),
    attributionControl: false,
    zoomControl: false,
    scrollWheelZoom: false, // the page scrolls past the map; + and - zoom
    zoomSnap: 0.25,
    keyboard: true,
  });
  L.control
    .zoom({ zoomInTitle: container.dataset.zoomIn, zoomOutTitle: container.dataset.zoomOut })
    .addTo(map);
  if (tiles) {
    L.control.attribution({ prefix: false }).addTo(map);
    L.tileLayer(tiles, {
      attribution: escapeHtml(container.dataset.tileAttribution || ""),
      maxZoom: 17,
      crossOrigin: false,
    }).addTo(map);
  }
  const layer = L.geoJSON(data, {
    style: (feature) => ({
      className: areaClass(feature.properties),
      color: "#0b0c0c",
      weight: 1.5,
      // Shades come from areamap.css (the legend's too); the hatch is a page-wide pattern.
      fillColor: feature.properties.shade === null ? `url(#${HATCH_ID})` : "#ffffff",
      fillOpacity: tiles ? 0.75 : 1,
    }),
    onEachFeature: (feature, area) => {
      area.bindTooltip(labelElement(feature.properties), {
        permanent: true,
        direction: "center",
        opacity: 1, // Leaflet's 0.9 lets the shade through: the text's contrast would vary
        className: "samverka-map__label",
      });
    },
  }).addTo(map);
  const bounds = layer.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { padding: ALL_PADDING });
  else map.setView([62, 15], 4); // no polygon: Sweden
  layer.eachLayer((area) => makeAreaAccessible(map, area, texts, bounds));
  const keys = document.getElementById(container.getAttribute("aria-describedby") || "");
  if (keys) keys.hidden = false;
  container.dataset.areaMapReady = "true";
}

if (L) {
  ensureHatch();
  for (const container of document.querySelectorAll("[data-area-map]")) {
    if (container.dataset.areaMapReady) continue;
    try {
      draw(container);
    } catch (error) {
      console.error("area map", error); // the table still holds every figure
    }
  }
}
