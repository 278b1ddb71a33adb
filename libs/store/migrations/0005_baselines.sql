-- Detector baselines (per principal or per cohort), snapshotted so a restart does not relearn from
-- zero. One row per detector + scope + key; every snapshot writes a new version and
-- ReplacingMergeTree(version) keeps the highest, reads use FINAL.
-- state is the detector's JSON encoding of its profile: numbers, sketches and tokens only.
-- No TTL: a baseline is as old as its last_ts says, and detectors decide how much to trust it.
CREATE TABLE IF NOT EXISTS {db}.baselines
(
  detector LowCardinality(String),
  scope LowCardinality(String),
  key String,
  version UInt64,
  first_ts DateTime64(3, 'UTC'),
  last_ts DateTime64(3, 'UTC'),
  events UInt64,
  state String,
  saved_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (detector, scope, key);
