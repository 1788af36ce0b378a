-- Version 8: the record's corrections found without reading every event. Figures, chronologies and
-- the alert form leave voided steps out, so each of them asks which steps are voided; a partial index
-- holds just the voids and amendments.
CREATE INDEX events_corrections ON events (id) WHERE kind IN ('voided', 'amended');

-- A person's reminder for a day is found by its subject, so a second run the same day queues nothing
-- without reading the whole outbox.
CREATE INDEX outbox_reminders ON outbox (subject) WHERE event_kind = 'reminder';
