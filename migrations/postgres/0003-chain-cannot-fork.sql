-- Version 3: the chain cannot fork: no two events follow the same one.
CREATE UNIQUE INDEX events_prev_hash ON events (prev_hash);
