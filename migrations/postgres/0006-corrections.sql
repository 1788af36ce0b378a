-- Version 6: mistakes are corrected, never erased: an action may be withdrawn; where a step came from.
ALTER TABLE actions DROP CONSTRAINT actions_status;
ALTER TABLE actions ADD CONSTRAINT actions_status CHECK (status IN ('open', 'done', 'withdrawn'));

ALTER TABLE events ADD COLUMN source TEXT COLLATE "C" CHECK (source IS NULL OR json_valid(source));
CREATE INDEX events_source_key ON events (json_extract(source, '$.key')) WHERE source IS NOT NULL;
