-- Version 5: who is acting is known: on a server, `entered_by` is the authenticated role.
ALTER TABLE events ADD COLUMN entered_by TEXT COLLATE "C";
ALTER TABLE events ADD COLUMN policy_digest TEXT COLLATE "C";
CREATE INDEX events_actor ON events (actor, effective_on);

CREATE TABLE policies (
    digest      TEXT COLLATE "C" PRIMARY KEY,
    policy      TEXT COLLATE "C" NOT NULL,
    recorded_at TEXT COLLATE "C" NOT NULL
);
