-- The SIEM outbox: one row per alert version x destination, written before any attempt is made.
-- Every state change (attempt, delivered, failed, manual retry) is a new row with a higher rev;
-- ReplacingMergeTree(rev) keeps the latest, reads use FINAL. The sorting key is the delivery's
-- identity (its id is a hash of the same three values), so enqueueing the same alert version twice
-- merges into one row.
-- payload is the alert version as JSON (tokenized ids only): the alerts table keeps only the latest
-- version of an alert, but version N must be sent as it was.
-- alert_severity / alert_status / alert_count are what was last enqueued, for the significance rule
-- (services/notify/significance.ts); alert_updated_at is the destination's reconcile watermark.
-- No TTL: failed deliveries stay visible until retried.
CREATE TABLE IF NOT EXISTS {db}.deliveries
(
  id String,
  rev UInt64,
  destination_id String,
  alert_id String,
  alert_version UInt64,
  alert_severity LowCardinality(String),
  alert_status LowCardinality(String),
  alert_count UInt64,
  alert_updated_at DateTime64(3, 'UTC'),
  payload String,
  status LowCardinality(String),
  attempts UInt32,
  next_attempt_at DateTime64(3, 'UTC'),
  last_error Nullable(String),
  last_status Nullable(Int32),
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(rev)
ORDER BY (destination_id, alert_id, alert_version);
