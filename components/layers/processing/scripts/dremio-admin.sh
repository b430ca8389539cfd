#!/bin/sh
# Dremio administration from inside the cluster, over its REST API (curl only).
#
#   dremio-admin.sh setup    wait for the coordinator, create the first administrator on a fresh Dremio,
#                            and enable the support keys the platform relies on. Safe to run again.
#   dremio-admin.sh backup   take an online metadata backup (what `dremio-admin backup` does) into
#                            "$BACKUP_URI/<stamp>", and write <stamp> to "$STAMP_FILE".
#
# Environment: DREMIO_URL (https://host:9047), ADMIN_DIR (files `username` and `password`), CA_FILE
# (optional: the CA that signed Dremio's certificate), READY_TIMEOUT_SECONDS (default 1800),
# READY_POLL_SECONDS (default 10); for setup
# ADMIN_EMAIL; for backup BACKUP_URI and STAMP_FILE. Nothing secret is printed.
set -eu

: "${DREMIO_URL:?}" "${ADMIN_DIR:?}"
ready_timeout=${READY_TIMEOUT_SECONDS:-1800}
ready_poll=${READY_POLL_SECONDS:-10}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

api() {
    # api METHOD PATH [BODY_FILE] [TOKEN] -> prints the HTTP status; the body is in $work/response
    method=$1 path=$2 body=${3:-} token=${4:-}
    set -- --silent --show-error --max-time 120 --output "$work/response" --write-out '%{http_code}' \
        --request "$method" --header 'Content-Type: application/json'
    if [ -n "${CA_FILE:-}" ]; then set -- "$@" --cacert "$CA_FILE"; fi
    if [ -n "$body" ]; then set -- "$@" --data-binary "@$body"; fi
    if [ -n "$token" ]; then set -- "$@" --header "Authorization: _dremio$token"; fi
    # On a connection failure curl prints 000 as the status and exits non-zero: the caller decides.
    curl "$@" "$DREMIO_URL$path" || true
}

field() {
    # field NAME -> the first string or number value of "NAME" in the last response (flat JSON only)
    sed -n "s/.*\"$1\" *: *\"\{0,1\}\([^\",}]*\).*/\1/p" "$work/response" | head -n 1
}

fail() {
    echo "dremio-admin: $*" >&2
    exit 1
}

wait_until_ready() {
    waited=0
    while [ "$(api GET /apiv2/server_status)" != 200 ]; do
        [ "$waited" -lt "$ready_timeout" ] || fail "Dremio at $DREMIO_URL was not ready after ${ready_timeout}s"
        echo "waiting for Dremio at $DREMIO_URL (${waited}s)"
        sleep "$ready_poll"
        waited=$((waited + ready_poll))
    done
}

credentials() {
    username=$(cat "$ADMIN_DIR/username")
    password=$(cat "$ADMIN_DIR/password")
    # Generated credentials are alphanumeric; anything else could not be written into JSON safely here.
    case "$username$password" in *[!A-Za-z0-9_.@-]*) fail "the administrator's credentials must be alphanumeric" ;; esac
    printf '{"userName":"%s","password":"%s"}' "$username" "$password" > "$work/login.json"
}

login() {
    # login -> sets $token; creates the first administrator when Dremio has no user yet
    status=$(api POST /apiv2/login "$work/login.json")
    if [ "$status" = 403 ] && grep -q "No User Available" "$work/response" && [ "${1:-}" = bootstrap ]; then
        echo "Dremio has no user yet: creating the administrator $username"
        printf '{"userName":"%s","firstName":"Platform","lastName":"Administrator","email":"%s","createdAt":0,"password":"%s"}' \
            "$username" "${ADMIN_EMAIL:?}" "$password" > "$work/first-user.json"
        status=$(api PUT /apiv2/bootstrap/firstuser "$work/first-user.json")
        [ "$status" = 200 ] || fail "creating the first user answered $status: $(head -c 300 "$work/response")"
        status=$(api POST /apiv2/login "$work/login.json")
    fi
    [ "$status" = 200 ] || fail "logging in as $username answered $status: $(head -c 300 "$work/response"). If the administrator's password was changed outside the platform, set it back with \`dremio-admin set-password\` (docs/layers/processing.md)"
    token=$(field token)
    [ -n "$token" ] || fail "the login response carried no token"
}

sql() {
    # sql STATEMENT -> runs it as a job and waits for the job to finish
    printf '{"sql":"%s"}' "$(printf '%s' "$1" | sed 's/"/\\"/g')" > "$work/sql.json"
    status=$(api POST /api/v3/sql "$work/sql.json" "$token")
    [ "$status" = 200 ] || fail "submitting '$1' answered $status: $(head -c 300 "$work/response")"
    job=$(field id)
    state=""
    polls=0
    while [ "$state" != COMPLETED ]; do
        status=$(api GET "/api/v3/job/$job" "" "$token")
        [ "$status" = 200 ] || fail "reading job $job answered $status"
        state=$(field jobState)
        case "$state" in
            FAILED | CANCELED) fail "'$1' ended $state: $(field errorMessage)" ;;
        esac
        polls=$((polls + 1))
        [ "$polls" -lt 120 ] || fail "'$1' did not finish within 120 polls"
        [ "$state" = COMPLETED ] || sleep 1
    done
}

setup() {
    wait_until_ready
    credentials
    login bootstrap
    # The Dremio providers update sources in place (a credential rotation, say); without this key Dremio
    # drops a source's datasets, their settings and reflections on such an update.
    sql 'ALTER SYSTEM SET "store.plugin.keep_metadata_on_replace" = true'
    echo "Dremio is set up: administrator $username, store.plugin.keep_metadata_on_replace enabled"
}

backup() {
    : "${BACKUP_URI:?}" "${STAMP_FILE:?}"
    wait_until_ready
    credentials
    login
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
    printf '"%s/%s"' "$BACKUP_URI" "$stamp" > "$work/backup.json"
    status=$(api POST /apiv2/backup "$work/backup.json" "$token")
    [ "$status" = 200 ] || fail "the backup answered $status: $(head -c 300 "$work/response")"
    echo "backup created at $(field backupPath): $(field tables) tables, $(field files) uploaded files"
    printf '%s\n' "$stamp" > "$STAMP_FILE"
}

case "${1:-}" in
    setup) setup ;;
    backup) backup ;;
    *) fail "usage: dremio-admin.sh setup|backup" ;;
esac
