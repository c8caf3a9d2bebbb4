# shellcheck shell=bash
# Installs Debian packages a script needs, with sudo unless already root.
#
#   source scripts/lib/apt.sh
#   apt_install chromium || echo "install it yourself" >&2

# Only what the package needs (--no-install-recommends: no daemons, printers or desktop helpers), and it
# says what it installs, since this may run as root.
apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  command -v apt-get >/dev/null || { echo "[apt] no apt-get here to install $*" >&2; return 1; }
  echo "[apt] installing $* and what it needs (not its recommendations); this takes a minute or two" >&2
  $sudo apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
