# shellcheck shell=bash
# Finds or installs the browser the page tests drive: Debian's chromium, headless.
#
#   source scripts/lib/browser.sh
#   ensure_chromium                # sets and exports CHROMIUM

browser_log() { echo "[browser] $*" >&2; }

ensure_chromium() {
  local found
  found=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
  if [ -z "$found" ] || [ ! -x "$found" ]; then
    browser_log "chromium is not installed; installing Debian's chromium package"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    if ! command -v apt-get >/dev/null; then
      browser_log "no apt-get here: install chromium, or set CHROMIUM to a Chromium or Chrome binary"
      return 1
    fi
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
    found=$(command -v chromium)
  fi
  export CHROMIUM=$found
}
