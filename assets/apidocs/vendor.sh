#!/bin/sh
# Vendor Swagger UI (npm swagger-ui-dist, pinned in package-lock.json) for /api/v1/docs:
#   platform/samverka/web/static/vendor/swagger-ui/swagger-ui-bundle.js, swagger-ui.css, LICENSE
# The built files are committed; nothing is fetched at run time (no CDN). The page's start-up
# code is platform/samverka/web/static/api/docs.js (no inline script).
# Usage: sh assets/apidocs/vendor.sh   (from any directory)
set -eu

ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/../.." && pwd)
VENDOR="$ROOT/platform/samverka/web/static/vendor/swagger-ui"
cd "$ROOT/assets/apidocs"
npm ci --no-audit --no-fund --ignore-scripts

DIST=node_modules/swagger-ui-dist
rm -rf "$VENDOR"
mkdir -p "$VENDOR"
for file in swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE; do
  cp "$DIST/$file" "$VENDOR/$file"
done
# The bundle ends with a sourceMappingURL to a map we do not ship: drop it (no 404s).
sed -i -e '/^\/\/# sourceMappingURL=/d' "$VENDOR/swagger-ui-bundle.js"
sed -i -e 's#/\*\# sourceMappingURL=[^*]*\*/##' "$VENDOR/swagger-ui.css"
echo "vendored swagger-ui-dist $(node -p "require('./$DIST/package.json').version") into $VENDOR"
