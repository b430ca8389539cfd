#!/bin/sh
# Brings Superset's metadata database up to the image's version and makes sure its first administrator
# exists. Safe to run again: every step is idempotent.
#
# Environment: ADMIN_DIR (files `username` and `password` of the first administrator), ADMIN_EMAIL.
set -eu

: "${ADMIN_DIR:?}" "${ADMIN_EMAIL:?}"
username=$(cat "$ADMIN_DIR/username")

echo "superset-init: migrating the metadata database"
superset db upgrade
echo "superset-init: creating the built-in roles and permissions"
superset init
if superset fab list-users 2>/dev/null | grep -q "username:$username |"; then
    echo "superset-init: the administrator $username exists"
else
    echo "superset-init: creating the administrator $username"
    superset fab create-admin --username "$username" --firstname Platform --lastname Administrator \
        --email "$ADMIN_EMAIL" --password "$(cat "$ADMIN_DIR/password")"
fi
