-- Version 10: a year's figures read from indexes (see the SQLite migration of the same number). The
-- server plans its reads from its statistics and keeps a matter's row whole when an update touches no
-- indexed column, so it gains only the index that finds the matters open in a period by the day each was
-- resolved; the covering indexes SQLite needs would cost every step's update here.
CREATE INDEX matters_open_spans ON matters (resolved_on, raised_on);
