-- How sure the detectors are of an alert (0..1): the highest confidence of its findings.
-- Alerts written before this column existed read back as 0.5, the default for findings without one.
ALTER TABLE {db}.alerts ADD COLUMN IF NOT EXISTS confidence Float64 DEFAULT 0.5 AFTER evidence;
