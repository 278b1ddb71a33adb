-- API key expiry and rotation. A rotation writes a new key with rotated_from and a new version of
-- the old key with replaced_by and expires_at = now + grace period.
ALTER TABLE {db}.api_keys ADD COLUMN IF NOT EXISTS expires_at Nullable(DateTime64(3, 'UTC'));
ALTER TABLE {db}.api_keys ADD COLUMN IF NOT EXISTS replaced_by Nullable(String);
ALTER TABLE {db}.api_keys ADD COLUMN IF NOT EXISTS rotated_from Nullable(String);
-- Last use lives in its own table, not in api_keys: a use written as a new api_keys version could
-- race a revocation (both writing version n+1) and undo it. Here the latest time simply wins.
CREATE TABLE IF NOT EXISTS {db}.api_key_usage
(
  id String,
  last_used_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(last_used_at)
ORDER BY id;
