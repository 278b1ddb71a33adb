-- SIEM destinations (services/notify). Each change is a new row with a higher version;
-- ReplacingMergeTree(version) keeps the latest, reads use FINAL; deleted = 1 retires a destination.
-- NOTE: secret and token are stored as given: the senders need them to sign (HMAC) and to
-- authenticate (Splunk HEC), so they cannot be hashed. The API never returns them and they are never
-- logged; protect the data directory (or the ClickHouse server) like any credential store.
-- min_severity and ca_pem are Nullable so "absent" survives a round trip; detectors cannot be
-- Nullable (an Array), so has_detectors tells "no filter" from "an empty list".
CREATE TABLE IF NOT EXISTS {db}.destinations
(
  id String,
  version UInt64,
  name String,
  type LowCardinality(String),
  url String,
  secret Nullable(String),
  token Nullable(String),
  min_severity Nullable(String),
  detectors Array(String),
  has_detectors UInt8,
  allow_private_network UInt8,
  ca_pem Nullable(String),
  source LowCardinality(String),
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC'),
  deleted UInt8 DEFAULT 0
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;
