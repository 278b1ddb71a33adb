-- Baselines follow their principal across detect instances (Kafka detect role, docs/baselines.md).
-- kafka_partition: the vigil.events partition the principal's events arrive on (-1: not known, e.g.
-- cohort rows, HTTP/file ingest), so a new owner of a partition loads exactly its principals' rows.
ALTER TABLE {db}.baselines ADD COLUMN IF NOT EXISTS kafka_partition Int32 DEFAULT -1;

-- Handoff markers: per partition, the offset after the last event the saved baselines reflect.
-- A new owner waits until the marker reaches the group's committed offset before it loads, so it
-- never starts from state older than what the previous owner committed. One row per partition,
-- highest version wins.
CREATE TABLE IF NOT EXISTS {db}.baseline_positions
(
  kafka_partition Int32,
  next_offset UInt64,
  version UInt64,
  saved_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(version)
ORDER BY kafka_partition;
