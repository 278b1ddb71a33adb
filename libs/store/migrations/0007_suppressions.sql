-- Suppression rules: findings matching one (principal / route / detector, each optional) do not
-- become alerts. Each change is a new row with a higher version; deleted = 1 retires a rule.
CREATE TABLE IF NOT EXISTS {db}.suppressions
(
  id String,
  version UInt64,
  principal Nullable(String),
  route Nullable(String),
  detector Nullable(String),
  reason String,
  source LowCardinality(String),
  created_at DateTime64(3, 'UTC'),
  expires_at Nullable(DateTime64(3, 'UTC')),
  deleted UInt8 DEFAULT 0
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;
