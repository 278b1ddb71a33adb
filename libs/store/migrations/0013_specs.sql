-- Declared API surfaces (OpenAPI documents, FHIR CapabilityStatements), one per service, as
-- uploaded: the text is kept so a parser change re-reads it. Each change is a new version;
-- deleted = 1 retires a spec.
CREATE TABLE IF NOT EXISTS {db}.api_specs
(
  service String,
  version UInt64,
  kind LowCardinality(String),
  origin LowCardinality(String),
  title String,
  spec_version String,
  operations UInt32,
  deprecated_operations UInt32,
  body String,
  updated_at DateTime64(3, 'UTC'),
  deleted UInt8 DEFAULT 0
)
ENGINE = ReplacingMergeTree(version)
ORDER BY service;
