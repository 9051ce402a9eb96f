#!/bin/sh
# Build Samverka's vendored front-end files (committed; no CDN at run time):
#   platform/samverka/web/static/vendor/samverka.min.css      themed GOV.UK Frontend
#   platform/samverka/web/static/vendor/govuk-frontend.min.js GOV.UK Frontend JS (ES module)
#   platform/samverka/web/static/vendor/assets/...            only images the CSS url()s reference
#   platform/samverka/testing/browser/axe.min.js              axe-core for browser tests
#   platform/samverka/web/static/vendor/leaflet/              Leaflet's built JS and CSS, and
#                                                             the images its CSS url()s name
#   platform/samverka/areas/sweden.geojson                     Sweden's outline (areas register)
# Usage: sh assets/build.sh   (from any directory)
set -eu

ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
VENDOR="$ROOT/platform/samverka/web/static/vendor"
GOVUK="node_modules/govuk-frontend/dist/govuk"
ASSETS_URL="/static/vendor/assets/"   # must match $govuk-assets-path in src/samverka.scss

cd "$ROOT/assets"
npm ci --no-audit --no-fund --ignore-scripts  # no install scripts needed (sass is pure JS)

mkdir -p "$VENDOR"
npx sass --no-source-map --style=compressed --load-path=node_modules \
  src/samverka.scss "$VENDOR/samverka.min.css"

cp "$GOVUK/govuk-frontend.min.js" "$VENDOR/govuk-frontend.min.js"
cp node_modules/axe-core/axe.min.js "$ROOT/platform/samverka/testing/browser/axe.min.js"
# Sweden's outline (Natural Earth, public domain) for validating uploaded area borders.
node src/sweden.mjs node_modules/world-atlas/countries-50m.json \
  "$ROOT/platform/samverka/areas/sweden.geojson"

# Leaflet (the area map, static/areamap.js): the built files, and exactly the images its CSS
# references (relative url()s such as images/layers.png; VML behaviours are skipped).
LEAFLET="node_modules/leaflet/dist"
rm -rf "$VENDOR/leaflet"
mkdir -p "$VENDOR/leaflet/images"
cp "$LEAFLET/leaflet.js" "$LEAFLET/leaflet.css" "$LEAFLET/../LICENSE" "$VENDOR/leaflet/"
leaflet_urls=$(grep -o 'url([^)]*)' "$LEAFLET/leaflet.css" \
  | sed -e 's/^url(//' -e 's/)$//' -e "s/^[\"']//" -e "s/[\"']\$//" | sort -u) || true
for url in $leaflet_urls; do
  case "$url" in
    \#*|data:*) continue ;;
    images/*) cp "$LEAFLET/$url" "$VENDOR/leaflet/$url" ;;
    *) echo "build.sh: unexpected url() in leaflet.css: $url" >&2; exit 1 ;;
  esac
done

# Guard: the theme must not ship the GDS Transport typeface.
if grep -q -e 'GDS Transport' -e '@font-face' "$VENDOR/samverka.min.css"; then
  echo "build.sh: compiled CSS contains GDS Transport / @font-face" >&2
  exit 1
fi

# Copy exactly the GOV.UK assets the compiled CSS references (none are fonts).
rm -rf "$VENDOR/assets"
urls=$(grep -o 'url([^)]*)' "$VENDOR/samverka.min.css" \
  | sed -e 's/^url(//' -e 's/)$//' -e "s/^[\"']//" -e "s/[\"']\$//" | sort -u) || true
for url in $urls; do
  case "$url" in
    data:*) continue ;;
    "$ASSETS_URL"fonts/*)
      echo "build.sh: compiled CSS references a font: $url" >&2; exit 1 ;;
    "$ASSETS_URL"*)
      rel=${url#"$ASSETS_URL"}
      mkdir -p "$VENDOR/assets/$(dirname -- "$rel")"
      cp "$GOVUK/assets/$rel" "$VENDOR/assets/$rel"
      echo "copied asset $rel" ;;
    *)
      echo "build.sh: unexpected url() in compiled CSS: $url" >&2; exit 1 ;;
  esac
done

echo "built $(wc -c < "$VENDOR/samverka.min.css") bytes of CSS; assets copied: $(printf '%s\n' $urls | grep -c . || true)"
