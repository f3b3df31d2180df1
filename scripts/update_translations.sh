#!/bin/sh
# Re-extract ServiceKit's UI strings and merge them into the zh_CN and en catalogs;
# translate the new entries in the .po files, then compile with
#   pybabel compile -d servicekit/platform/translations
set -e
cd "$(dirname "$0")/.."
POT="$(mktemp)"
.venv/bin/pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 \
  --no-location --sort-output --project ServiceKit -o "$POT" .
.venv/bin/pybabel update -i "$POT" -d servicekit/platform/translations --no-location --width 100
rm -f "$POT"
