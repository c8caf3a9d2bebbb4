# shellcheck shell=bash
# One step of a script: says what it does and about how long it takes, runs it, and says how long it took.
#
#   source scripts/lib/steps.sh
#   step "building the service" "about 6 minutes the first time on 2 cores, seconds after" cargo build
#
# Steps run in the calling shell, so a step may set variables (use_database exports DATABASE_URL).

step() {
  local what=$1 expect=$2 start=$SECONDS
  shift 2
  echo "[$(basename "$0")] $what ($expect)" >&2
  "$@" || return $?
  echo "[$(basename "$0")] $what: done in $((SECONDS - start)) s" >&2
}

# DATABASE_URL without its password, to print.
shown_database_url() {
  echo "$DATABASE_URL" | sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#'
}
