-- Version 6: mistakes are corrected, never erased (rule 15).
--
-- An action may be withdrawn: a status beside open and done. SQLite cannot change a CHECK in place, so
-- the actions table is built again with it, and its due-date history (which refers to it) with it; every
-- row is carried over as it was.
CREATE TABLE actions_v6 (
    matter       TEXT NOT NULL REFERENCES matters (id),
    seq          INTEGER NOT NULL CHECK (seq >= 1),
    text         TEXT NOT NULL,
    owner        TEXT NOT NULL REFERENCES staff (id),
    due          TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'done', 'withdrawn')),
    completed_on TEXT,
    PRIMARY KEY (matter, seq)
) STRICT;
INSERT INTO actions_v6 (matter, seq, text, owner, due, status, completed_on)
    SELECT matter, seq, text, owner, due, status, completed_on FROM actions;
CREATE TEMP TABLE due_kept AS SELECT * FROM action_due_history ORDER BY rowid;
DROP TABLE action_due_history;
DROP TABLE actions;
ALTER TABLE actions_v6 RENAME TO actions;
CREATE TABLE action_due_history (
    matter     TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    due        TEXT NOT NULL,
    set_on     TEXT NOT NULL,
    agreed_by  TEXT REFERENCES staff (id),
    reason     TEXT,
    event      INTEGER NOT NULL REFERENCES events (id),
    FOREIGN KEY (matter, seq) REFERENCES actions (matter, seq)
) STRICT;
INSERT INTO action_due_history (matter, seq, due, set_on, agreed_by, reason, event)
    SELECT matter, seq, due, set_on, agreed_by, reason, event FROM due_kept;
DROP TABLE due_kept;
CREATE INDEX action_due_history_action ON action_due_history (matter, seq);

-- Where a step came from when it was not typed: an import's file (its name and digest), the row and the
-- row's source key, as JSON. Covered by the event's hash when present. A row already imported is found
-- by its key.
ALTER TABLE events ADD COLUMN source TEXT CHECK (source IS NULL OR json_valid(source));
CREATE INDEX events_source_key ON events (json_extract(source, '$.key')) WHERE source IS NOT NULL;
