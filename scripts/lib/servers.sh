# shellcheck shell=bash
# Installs the real servers the tests talk to (tests/servers/requirements.txt: an SMTP server) into a
# Python virtual environment of their own, tests/servers/.venv, and exports TEST_SERVERS_PYTHON, the
# Python that runs them.
#
#   source scripts/lib/servers.sh
#   ensure_test_servers

source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"

servers_log() { echo "[servers] $*" >&2; }

ensure_test_servers() {
  local dir venv requirements
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/tests/servers"
  venv="$dir/.venv"
  requirements="$dir/requirements.txt"
  # Installed already, from these very requirements.
  if [ -x "$venv/bin/python" ] && cmp -s "$requirements" "$venv/requirements.txt"; then
    export TEST_SERVERS_PYTHON="$venv/bin/python"
    return 0
  fi
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    servers_log "python3 cannot make virtual environments; installing Debian's python3-venv package"
    apt_install python3 python3-venv || { servers_log "install Python 3 with its venv module"; return 1; }
  fi
  servers_log "installing $(grep -v '^#' "$requirements" | xargs) into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv" &&
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2 &&
    cp "$requirements" "$venv/requirements.txt" || { servers_log "cannot install the test servers"; return 1; }
  export TEST_SERVERS_PYTHON="$venv/bin/python"
}
