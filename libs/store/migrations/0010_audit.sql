-- Audit trail of Vigil's own API: one row per call plus explicit actions (login, auth_failed,
-- key_created, key_rotated, key_revoked). Append-only: a plain MergeTree that Vigil never updates
-- or deletes from; only the TTL (auth.audit.retentionDays, default 400 days) removes rows.
-- Identifiers in params/query are tokenized before they get here; bodies and secrets never do.
CREATE TABLE IF NOT EXISTS {db}.audit_log
(
  time DateTime64(3, 'UTC'),
  request_id String,
  action LowCardinality(String),
  actor String,
  role LowCardinality(String),
  auth_method LowCardinality(String),
  method LowCardinality(String),
  route LowCardinality(String),
  params String,
  query String,
  status UInt16,
  outcome LowCardinality(String),
  source_ip String,
  target String,
  detail String
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(time)
ORDER BY (time, request_id, action)
TTL toDateTime(time) + INTERVAL {audit_retention_days} DAY;
