-- PHI classification of an event's mirrored bodies (libs/phi, docs/phi.md): categories and FHIR
-- resource type names only. No body, and no matched value, ever has a column.
-- phi_seen tells "no body was logged" (0) from "bodies seen, nothing found" (1 with empty arrays),
-- so an inventory can mark a route as returning no PHI only when it saw its responses.
-- Rows written before this migration read back as phi_seen = 0: no body seen.
ALTER TABLE {db}.events ADD COLUMN IF NOT EXISTS phi_seen UInt8 DEFAULT 0;
ALTER TABLE {db}.events ADD COLUMN IF NOT EXISTS phi_categories Array(LowCardinality(String));
ALTER TABLE {db}.events ADD COLUMN IF NOT EXISTS phi_resource_types Array(LowCardinality(String));
-- 'request' / 'response': which bodies showed something ('response' = the route returned PHI).
ALTER TABLE {db}.events ADD COLUMN IF NOT EXISTS phi_in Array(LowCardinality(String));
