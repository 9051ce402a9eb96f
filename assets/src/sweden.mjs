// Sweden's outline for the register of areas (samverka.areas.validation): Natural Earth
// 1:50m (public domain) through world-atlas, as a small GeoJSON committed under the package.
// Usage: node assets/src/sweden.mjs <world-atlas countries-50m.json> <output.geojson>
import { readFileSync, writeFileSync } from "node:fs";
import { feature } from "topojson-client";

const [source, target] = process.argv.slice(2);
const world = JSON.parse(readFileSync(source, "utf8"));
const sweden = feature(world, world.objects.countries).features.find((f) => f.id === "752");
if (!sweden) throw new Error("Sweden (ISO 3166 752) is not in " + source);
const round = (c) => (Array.isArray(c[0]) ? c.map(round) : c.map((v) => Math.round(v * 1000) / 1000));
const out = {
  type: "Feature",
  properties: { name: "Sverige", source: "Natural Earth 1:50m via world-atlas 2.0.2" },
  geometry: { type: sweden.geometry.type, coordinates: round(sweden.geometry.coordinates) },
};
writeFileSync(target, JSON.stringify(out) + "\n");
console.log(`wrote ${target}: ${sweden.geometry.type}`);
