-- API keys: only the SHA-256 hash of a key is stored. Revoking writes a new version of the row,
-- ReplacingMergeTree(version) keeps the latest, reads use FINAL.
CREATE TABLE IF NOT EXISTS {db}.api_keys
(
  id String,
  version UInt64,
  prefix String,
  hash String,
  role LowCardinality(String),
  label Nullable(String),
  created_at DateTime64(3, 'UTC'),
  revoked_at Nullable(DateTime64(3, 'UTC'))
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;
