-- Version 3: the chain cannot fork. Writers take the write lock before they read the chain's tip, so no
-- two events are ever appended after the same one; this index makes the database itself refuse it too,
-- whatever the backend and however the lock was taken.
CREATE UNIQUE INDEX events_prev_hash ON events (prev_hash);
