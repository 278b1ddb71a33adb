-- The API inventory: one row per route (service + template), rewritten with a higher version each
-- time its aggregate changes; ReplacingMergeTree(version) keeps the newest, reads use FINAL.
-- `state` is the aggregator's JSON (counters, sketches, principal ids as they are in events);
-- `entry` is the judged InventoryEntry served by the API. The flag columns exist for filtering.
-- `zombie` holds the lasting reasons (deprecated, old version); staleness is decided at read time
-- against the newest last_seen, so it needs no rewrite. No TTL: a route is known until deleted.
CREATE TABLE IF NOT EXISTS {db}.inventory_routes
(
  id String,
  service String,
  template String,
  version UInt64,
  requests UInt64,
  first_seen DateTime64(3, 'UTC'),
  last_seen DateTime64(3, 'UTC'),
  shadow UInt8,
  zombie UInt8,
  unauthenticated UInt8,
  returns_phi UInt8,
  entry String,
  state String,
  saved_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;
