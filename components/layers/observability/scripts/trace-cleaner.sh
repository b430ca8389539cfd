#!/bin/sh
# Deletes Jaeger's daily indices (jaeger-span-YYYY-MM-DD, jaeger-service-YYYY-MM-DD, ...) older than
# RETENTION_DAYS, as Jaeger's user (its role owns jaeger-*). Indices are named one by one: Elasticsearch
# refuses wildcard deletes.
#   ES_URL, ES_CA, ES_USER_FILE, ES_PASSWORD_FILE, RETENTION_DAYS
set -eu

es() {
  curl -fsS --cacert "$ES_CA" -u "$(cat "$ES_USER_FILE"):$(cat "$ES_PASSWORD_FILE")" "$@"
}

# Days as YYYYMMDD numbers compare in order.
cutoff=$(date -u -d "@$(( $(date -u +%s) - RETENTION_DAYS * 86400 ))" +%Y%m%d)
echo "deleting trace indices dated before ${cutoff}"
deleted=0
for index in $(es "$ES_URL/_cat/indices/jaeger-*?h=index"); do
  day=$(printf '%s\n' "$index" | sed -n 's/.*-\([0-9]\{4\}\)-\([0-9]\{2\}\)-\([0-9]\{2\}\)$/\1\2\3/p')
  if [ -n "$day" ] && [ "$day" -lt "$cutoff" ]; then
    es -X DELETE "$ES_URL/$index" >/dev/null
    echo "deleted $index"
    deleted=$((deleted + 1))
  fi
done
echo "deleted ${deleted} index(es)"
