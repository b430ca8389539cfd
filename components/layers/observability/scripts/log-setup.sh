#!/bin/sh
# Registers the log indices' lifecycle policy and index template in Elasticsearch, as the log shipper's user
# (its role may manage both, for `logs-*` only). Idempotent: a PUT replaces what is there with the same.
#   ES_URL, ES_CA, ES_USER_FILE, ES_PASSWORD_FILE, RETENTION_DAYS, REPLICAS
set -eu

es() {
  curl -fsS --cacert "$ES_CA" -u "$(cat "$ES_USER_FILE"):$(cat "$ES_PASSWORD_FILE")" \
    -H "Content-Type: application/json" "$@"
}

# Wait while Elasticsearch is starting; a refused user is a misconfiguration that waiting does not cure.
while :; do
  status=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$ES_CA" \
    -u "$(cat "$ES_USER_FILE"):$(cat "$ES_PASSWORD_FILE")" \
    "$ES_URL/_cluster/health?wait_for_status=yellow&timeout=30s" || true)
  case "$status" in
    200) break ;;
    401|403) echo "Elasticsearch refused the user $(cat "$ES_USER_FILE") (HTTP $status): check its Secret and role" >&2; exit 1 ;;
    *) echo "waiting for Elasticsearch at $ES_URL (HTTP ${status:-none})"; sleep 10 ;;
  esac
done

echo "lifecycle policy logs-retention: delete after ${RETENTION_DAYS} days"
es -X PUT "$ES_URL/_ilm/policy/logs-retention" -d "{
  \"policy\": {\"phases\": {
    \"hot\": {\"actions\": {}},
    \"delete\": {\"min_age\": \"${RETENTION_DAYS}d\", \"actions\": {\"delete\": {}}}
  }}
}" >/dev/null

# Priority 200 puts it above Elasticsearch's built-in `logs` data-stream template (100): these are plain
# daily indices, which Fluent Bit writes with ordinary bulk index requests.
echo "index template logs-platform: logs-*, ${REPLICAS} replica(s)"
es -X PUT "$ES_URL/_index_template/logs-platform" -d "{
  \"index_patterns\": [\"logs-*\"],
  \"priority\": 200,
  \"template\": {\"settings\": {
    \"index.lifecycle.name\": \"logs-retention\",
    \"index.number_of_shards\": 1,
    \"index.number_of_replicas\": ${REPLICAS},
    \"index.mapping.total_fields.limit\": 2000
  }}
}" >/dev/null
echo "done"
