-- One row per NormalizedEvent, tokenized fields only.
-- ReplacingMergeTree on (principal, ts, event_id): event ids are deterministic, so a replay of the
-- same input after a crash writes identical keys that merge away. Reads that must not double count
-- use FINAL.
-- NOTE: ObjectRef.seq (the raw id's integer value) is in-memory only and has no column here.
-- Monthly partitions: retention can reach 3650 days, and daily partitions would be too many.
-- The TTL drops rows older than the configured retention, by event time: replaying logs older than
-- that stores them only until the next merge.
CREATE TABLE IF NOT EXISTS {db}.events
(
  event_id String,
  ts DateTime64(3, 'UTC'),
  source LowCardinality(String),
  method LowCardinality(String),
  host LowCardinality(String),
  service LowCardinality(String),
  route LowCardinality(String),
  path_tokenized String,
  query_keys Array(LowCardinality(String)),
  status UInt16,
  request_bytes UInt64,
  response_bytes UInt64,
  latency_ms Float64,
  client_ip String,
  user_agent LowCardinality(String),
  principal String,
  principal_kind LowCardinality(String),
  app LowCardinality(String),
  issuer LowCardinality(String),
  scopes Array(LowCardinality(String)),
  patient String,
  fhir_user String,
  auth_scheme LowCardinality(String),
  credential_fingerprint String,
  -- Parallel arrays, one entry per ObjectRef (same length, same order).
  object_types Array(LowCardinality(String)),
  object_ids Array(String),
  object_via Array(LowCardinality(String)),
  object_created Array(UInt8),
  -- Sample events are fetched by id, which is not a sort-key prefix.
  INDEX idx_event_id event_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (principal, ts, event_id)
TTL toDateTime(ts) + INTERVAL {retention_days} DAY;
