#!/usr/bin/env bash
# The code's formatting: Prettier (.prettierrc.json, width 100) for the TypeScript, JavaScript, HTML
# and CSS of web/, tests/, bench/, examples/ and tools/; clang-format (.clang-format, Google style
# at width 100) for the C++. `npm test` runs the check; `npm run format` rewrites.
#   bash tools/format.sh           check: lists what differs and fails
#   bash tools/format.sh --write   format every file in place
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-check}
command -v clang-format >/dev/null || bash tools/setup.sh >/dev/null

# The files git tracks plus the new ones it does not ignore (a file not yet added is checked too),
# less those deleted from the working tree.
files() {
  git ls-files --cached --others --exclude-standard -- "$@" | sort -u |
    while read -r f; do [[ -e $f ]] && echo "$f"; done
}
mapfile -t web < <(files 'web/*.ts' 'web/*.mts' 'web/*.js' 'web/*.mjs' 'web/*.html' 'web/*.css' \
  'tests/*.ts' 'tests/*.js' 'tests/*.mjs' 'bench/*.ts' 'bench/*.js' 'bench/*.mjs' 'bench/*.html' \
  'examples/*.html' 'examples/*.js' 'examples/*.mjs' 'examples/*.css' 'tools/*.mjs' 'tools/*.js' \
  'playwright.config.ts')
mapfile -t cpp < <(files '*.cpp' '*.h' '*.hpp' '*.cc')

if [[ $mode == --write ]]; then
  npx prettier --log-level warn --write "${web[@]}"
  clang-format -i "${cpp[@]}"
  exit 0
fi
status=0
npx prettier --log-level warn --check "${web[@]}" || status=1
if ! clang-format --dry-run -Werror "${cpp[@]}" 2>/tmp/clang-format.$$; then
  grep -o '^[^:]*\.\(cpp\|h\|hpp\|cc\)' /tmp/clang-format.$$ | sort -u | sed 's/^/[warn] /'
  status=1
fi
rm -f /tmp/clang-format.$$
if ((status)); then
  echo "format: the files above are not formatted; run \`npm run format\` (tools/format.sh --write)" >&2
fi
exit $status
