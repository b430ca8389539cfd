#!/bin/sh
# Restores a Dremio metadata backup (restore.dremio.backup) before the coordinator starts, as two init
# containers of the coordinator's pod: `fetch` (mc) copies <backups bucket>/<prefix>/<stamp>/ onto the data
# volume, `apply` (the Dremio image) moves the current catalog aside and runs `dremio-admin restore`. A marker
# file makes both steps no-ops once the backup is restored, so later restarts start Dremio as usual.
#
# Environment: BACKUP_STAMP, DATA_DIR; for fetch: BACKUPS_DIR (the mounted credential: AWS_ACCESS_KEY_ID,
# AWS_SECRET_ACCESS_KEY, S3_ENDPOINT), BACKUPS_BUCKET, BACKUPS_PREFIX, MC_CONFIG_DIR; for apply: DREMIO_HOME.
set -eu

: "${BACKUP_STAMP:?}" "${DATA_DIR:?}"
marker="$DATA_DIR/restored-$BACKUP_STAMP"
staging="$DATA_DIR/restore-$BACKUP_STAMP"
if [ -e "$marker" ]; then
    echo "restore-backup: $BACKUP_STAMP was restored before; nothing to do"
    exit 0
fi
case "${1:-}" in
    fetch)
        : "${BACKUPS_DIR:?}" "${BACKUPS_BUCKET:?}" "${BACKUPS_PREFIX:?}"
        mc alias set backups "$(cat "$BACKUPS_DIR/S3_ENDPOINT")" "$(cat "$BACKUPS_DIR/AWS_ACCESS_KEY_ID")" \
            "$(cat "$BACKUPS_DIR/AWS_SECRET_ACCESS_KEY")" --api S3v4 --path on > /dev/null
        rm -rf "$staging"
        mc mirror --quiet "backups/$BACKUPS_BUCKET/$BACKUPS_PREFIX/$BACKUP_STAMP" "$staging"
        echo "restore-backup: fetched $BACKUPS_BUCKET/$BACKUPS_PREFIX/$BACKUP_STAMP"
        ;;
    apply)
        : "${DREMIO_HOME:?}"
        if [ -d "$DATA_DIR/db" ]; then
            rm -rf "$DATA_DIR/db.before-restore-$BACKUP_STAMP"
            mv "$DATA_DIR/db" "$DATA_DIR/db.before-restore-$BACKUP_STAMP"
        fi
        "$DREMIO_HOME/bin/dremio-admin" restore -d "$staging"
        rm -rf "$staging"
        touch "$marker"
        echo "restore-backup: restored $BACKUP_STAMP; the previous catalog is in db.before-restore-$BACKUP_STAMP"
        ;;
    *)
        echo "usage: restore-backup.sh fetch|apply" >&2
        exit 2
        ;;
esac
