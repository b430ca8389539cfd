-- Fluent Bit filter: names the daily index a container's log line goes to, `logs-<service>`, from the
-- pod's labels: the platform's service label, else the chart's app name, else the container's name.
-- Index names are lower case, without characters Elasticsearch refuses.
function set_index(tag, timestamp, record)
  local kubernetes = record["kubernetes"] or {}
  local labels = kubernetes["labels"] or {}
  local service = labels["dataplatform.io/service"]
    or labels["app.kubernetes.io/name"]
    or labels["app"]
    or kubernetes["container_name"]
    or "unknown"
  service = string.lower(service):gsub("[^a-z0-9_-]", "-")
  record["log_index"] = "logs-" .. service
  return 2, timestamp, record
end
