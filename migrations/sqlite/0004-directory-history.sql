-- Version 4: the directory is a dated history (rule 13).
--
-- Every change to the staff, the children and their allocation, cover and the closure days is an event
-- on the chain; the tables below are the state those events leave, replayable from them. `staff` and
-- `children` hold each record as it stands now; `staff_versions` and `allocations` hold every version
-- with the day it took effect, so a step is judged and told by the directory in force on its own day.
ALTER TABLE staff ADD COLUMN login TEXT;
ALTER TABLE staff ADD COLUMN left_on TEXT;
CREATE UNIQUE INDEX staff_login ON staff (login) WHERE login IS NOT NULL;

CREATE TABLE staff_versions (
    id      TEXT NOT NULL REFERENCES staff (id),
    from_on TEXT NOT NULL,
    event   INTEGER NOT NULL REFERENCES events (id),
    name    TEXT NOT NULL,
    role    TEXT NOT NULL,
    email   TEXT NOT NULL,
    team    TEXT,
    login   TEXT,
    left_on TEXT,
    PRIMARY KEY (id, event)
) STRICT;
CREATE INDEX staff_versions_on ON staff_versions (id, from_on, event);

ALTER TABLE children ADD COLUMN assistant_director TEXT REFERENCES staff (id);
ALTER TABLE children ADD COLUMN ceased_on TEXT;
ALTER TABLE children ADD COLUMN cease_reason TEXT;

CREATE TABLE allocations (
    child               TEXT NOT NULL REFERENCES children (ref),
    from_on             TEXT NOT NULL,
    event               INTEGER NOT NULL REFERENCES events (id),
    name                TEXT NOT NULL,
    team                TEXT NOT NULL,
    social_worker       TEXT NOT NULL,
    practice_supervisor TEXT,
    team_manager        TEXT NOT NULL,
    service_manager     TEXT NOT NULL,
    assistant_director  TEXT,
    iro                 TEXT NOT NULL,
    iro_team_manager    TEXT NOT NULL,
    ceased_on           TEXT,
    cease_reason        TEXT,
    PRIMARY KEY (child, event)
) STRICT;
CREATE INDEX allocations_on ON allocations (child, from_on, event);
CREATE INDEX children_iro_team_manager ON children (iro_team_manager);

-- One member of staff acting for another for a period: they may take the absent person's steps and are
-- told instead of them. `to_on` is the last day; open-ended when empty.
CREATE TABLE covers (
    id      INTEGER PRIMARY KEY,
    absent  TEXT NOT NULL REFERENCES staff (id),
    by      TEXT NOT NULL REFERENCES staff (id),
    from_on TEXT NOT NULL,
    to_on   TEXT,
    reason  TEXT,
    event   INTEGER NOT NULL UNIQUE REFERENCES events (id),
    CHECK (to_on IS NULL OR to_on >= from_on),
    CHECK (absent <> by)
) STRICT;
CREATE INDEX covers_by ON covers (by, from_on);
CREATE INDEX covers_absent ON covers (absent, from_on);

ALTER TABLE closure_days ADD COLUMN event INTEGER REFERENCES events (id);

-- The step a message was queued by, so who was told at a step is read from what was queued for it.
ALTER TABLE outbox ADD COLUMN event INTEGER REFERENCES events (id);
UPDATE outbox SET event = (
    SELECT e.id FROM events e
     WHERE e.matter = outbox.matter AND e.kind = outbox.event_kind AND e.recorded_at = outbox.created_at
     ORDER BY e.id LIMIT 1
);
CREATE INDEX outbox_event ON outbox (event);
