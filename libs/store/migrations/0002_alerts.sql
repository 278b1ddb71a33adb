-- Every change to an alert is a new row with a higher version; ReplacingMergeTree(version) keeps the
-- highest, and reads use FINAL so they see it before the background merge does.
-- No TTL: alerts outlive the raw events they point at.
-- app and note are Nullable so "absent" survives a round trip apart from "empty".
CREATE TABLE IF NOT EXISTS {db}.alerts
(
  id String,
  version UInt64,
  detector LowCardinality(String),
  owasp LowCardinality(String),
  severity LowCardinality(String),
  principal String,
  app Nullable(String),
  route String,
  source_ips Array(String),
  first_seen DateTime64(3, 'UTC'),
  last_seen DateTime64(3, 'UTC'),
  count UInt64,
  status LowCardinality(String),
  summary String,
  -- JSON text of Alert.evidence (tokenized ids only).
  evidence String,
  sample_event_ids Array(String),
  note Nullable(String),
  updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;
