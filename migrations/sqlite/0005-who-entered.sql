-- Version 5: who is acting is known (rule 14).
--
-- Every event records the login that ran the command (`entered_by`: the operating-system account, or on
-- a database server the authenticated role) beside the member of staff on whose behalf it was taken
-- (`actor`), and the digest of the policy in force. Both are covered by the event's hash. Events from
-- before this version have neither: their hashes stay as they were.
ALTER TABLE events ADD COLUMN entered_by TEXT;
ALTER TABLE events ADD COLUMN policy_digest TEXT;
-- A member of staff's own steps: the last one bounds the day they can be recorded as having left.
CREATE INDEX events_actor ON events (actor, effective_on);

-- Each policy a step was taken under, by its digest: the text the rules were read from.
CREATE TABLE policies (
    digest      TEXT PRIMARY KEY,
    policy      TEXT NOT NULL,
    recorded_at TEXT NOT NULL
) STRICT;
