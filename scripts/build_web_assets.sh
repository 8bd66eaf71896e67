#!/usr/bin/env bash
# Rebuild the GOV.UK Frontend assets the consoles ship (msin_fed/web/static/govuk/).
#
# Run by a developer when the pinned version changes, never at install or run time: the
# built files are committed, so a console fetches nothing. Needs npm (the npm registry).
# The stylesheet is compiled from govuk-frontend's Sass with a system font stack (GDS
# Transport is for GOV.UK services only) and this package's asset path; the JavaScript is
# the package's own built ES module, unchanged. No crown, crest or GOV.UK icon is copied.
set -euo pipefail
GOVUK_VERSION=6.6.0
SASS_VERSION=1.108.2
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT="$ROOT/msin_fed/web/static/govuk"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts "govuk-frontend@$GOVUK_VERSION" "sass@$SASS_VERSION" >/dev/null
DIST="$WORK/node_modules/govuk-frontend/dist/govuk"
mkdir -p "$OUT"
./node_modules/.bin/sass --load-path=node_modules --style=compressed --no-source-map --quiet-deps \
  "$ROOT/msin_fed/web/static/msin-govuk.scss" "$OUT/govuk-frontend.min.css"
# The source map is not shipped, so neither is the comment naming it.
sed 's#//\# sourceMappingURL=.*$##' "$DIST/govuk-frontend.min.js" > "$OUT/govuk-frontend.min.js"
printf '%s\n' "$GOVUK_VERSION" > "$OUT/VERSION"
echo "built $OUT (govuk-frontend $GOVUK_VERSION)"
