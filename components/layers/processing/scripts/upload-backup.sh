#!/bin/sh
# Copies the metadata backup that dremio-admin.sh wrote into Dremio's bucket to the backups bucket,
# removes the staging copy, and deletes backups older than the retention (mc only).
#
# Environment: STAMP_FILE (written by `dremio-admin.sh backup`), DIST_DIR and BACKUPS_DIR (mounted S3
# credential Secrets: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, S3_ENDPOINT, S3_REGION), DIST_BUCKET,
# DIST_PREFIX, BACKUPS_BUCKET, BACKUPS_PREFIX, RETENTION_DAYS, MC_CONFIG_DIR (writable).
set -eu

: "${STAMP_FILE:?}" "${DIST_DIR:?}" "${BACKUPS_DIR:?}" "${DIST_BUCKET:?}" "${DIST_PREFIX:?}"
: "${BACKUPS_BUCKET:?}" "${BACKUPS_PREFIX:?}" "${RETENTION_DAYS:?}"

alias_for() {
    # alias_for NAME DIR: an mc alias from a mounted credential Secret (nothing is printed)
    mc alias set "$1" "$(cat "$2/S3_ENDPOINT")" "$(cat "$2/AWS_ACCESS_KEY_ID")" "$(cat "$2/AWS_SECRET_ACCESS_KEY")" \
        --api S3v4 --path on > /dev/null
}

stamp=$(cat "$STAMP_FILE")
case "$stamp" in "" | *[!0-9TZ]*) echo "upload-backup: no backup stamp in $STAMP_FILE" >&2; exit 1 ;; esac
alias_for dist "$DIST_DIR"
alias_for backups "$BACKUPS_DIR"
source="dist/$DIST_BUCKET/$DIST_PREFIX/$stamp"
target="backups/$BACKUPS_BUCKET/$BACKUPS_PREFIX/$stamp"
mc mirror --quiet "$source" "$target"
mc rm --recursive --force "$source"
mc rm --recursive --force --older-than "${RETENTION_DAYS}d" "backups/$BACKUPS_BUCKET/$BACKUPS_PREFIX/"
echo "metadata backup $stamp is in $BACKUPS_BUCKET/$BACKUPS_PREFIX/$stamp; backups older than $RETENTION_DAYS days were removed"
