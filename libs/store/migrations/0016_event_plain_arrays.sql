-- The events table's array columns become plain Array(String).
-- Why: every stored event pays for its inserts, and LowCardinality inside arrays was most of what an
-- insert cost beyond parsing the rows. Measured with the bench scenario's events (chDB 3.4, 5,000-row
-- inserts, process CPU per row): 36-42 us with these seven columns as Array(LowCardinality(String)),
-- 25-28 us as Array(String); the scalar LowCardinality columns cost ~2 us more together and stay
-- (route, method, service... are grouped on). The values are short and repeat, so LZ4 still packs them.
-- Rows already stored are rewritten by ClickHouse in the background (a mutation); reads are the same
-- before, during and after it. Changing a column to the type it has is a no-op, so this re-runs safely.
ALTER TABLE {db}.events MODIFY COLUMN query_keys Array(String);
ALTER TABLE {db}.events MODIFY COLUMN scopes Array(String);
ALTER TABLE {db}.events MODIFY COLUMN object_types Array(String);
ALTER TABLE {db}.events MODIFY COLUMN object_via Array(String);
ALTER TABLE {db}.events MODIFY COLUMN phi_categories Array(String);
ALTER TABLE {db}.events MODIFY COLUMN phi_resource_types Array(String);
ALTER TABLE {db}.events MODIFY COLUMN phi_in Array(String);
