# shellcheck shell=bash
# Finds or installs the browser the page tests drive: Debian's chromium, headless.
#
#   source scripts/lib/browser.sh
#   ensure_chromium                # sets and exports CHROMIUM
#   ensure_playwright              # installs tests/browser's node_modules (playwright-core)

source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"

browser_log() { echo "[browser] $*" >&2; }

ensure_chromium() {
  local found
  found=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
  if [ -z "$found" ] || [ ! -x "$found" ]; then
    browser_log "chromium is not installed; installing Debian's chromium package"
    apt_install chromium || { browser_log "install chromium, or set CHROMIUM to a Chromium or Chrome binary"; return 1; }
    found=$(command -v chromium)
  fi
  export CHROMIUM=$found
}

# playwright-core for tests/browser/*.mjs, installed from its lockfile. It never
# downloads browsers; the scripts drive the chromium that ensure_chromium finds.
ensure_playwright() {
  local dir
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/tests/browser"
  [ -d "$dir/node_modules/playwright-core" ] && return 0
  if ! command -v npm >/dev/null; then
    browser_log "npm is not installed; installing Debian's nodejs and npm packages"
    apt_install nodejs npm || { browser_log "install Node.js (>= 20) and npm"; return 1; }
  fi
  # playwright-core needs Node >= 20 (Debian 12's own nodejs is 18).
  if ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then
    browser_log "node $(node --version) is too old for playwright-core: install Node.js >= 20"
    return 1
  fi
  browser_log "installing playwright-core into $dir/node_modules"
  npm ci --prefix "$dir" --no-audit --no-fund >&2
}
