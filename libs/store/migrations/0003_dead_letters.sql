-- Input that could not become an event, with the reason: nothing is silently dropped.
-- Plain MergeTree: rows have no natural id (the same bad line read twice is two sightings).
CREATE TABLE IF NOT EXISTS {db}.dead_letters
(
  source LowCardinality(String),
  position String,
  format LowCardinality(String),
  reason String,
  -- Truncated and redacted by the caller before it gets here.
  raw String,
  received_at DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(received_at)
ORDER BY (received_at, source)
TTL toDateTime(received_at) + INTERVAL {retention_days} DAY;
