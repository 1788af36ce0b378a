-- The whole schema of an iro database, version 1. The binary embeds this file and applies it to a new
-- database in one transaction, then sets PRAGMA user_version = 1. Later versions add migrations; this
-- text is never edited once released.
--
-- Dates are ISO 'YYYY-MM-DD' text, timestamps ISO 8601 UTC text: they sort and compare as strings.
-- Deadlines are stored when they are set, so reports select them by index instead of recomputing them.

CREATE TABLE staff (
    id      TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    role    TEXT NOT NULL CHECK (role IN ('iro', 'iro-team-manager', 'senior-iro-manager', 'social-worker',
                'practice-supervisor', 'team-manager', 'service-manager', 'assistant-director', 'admin')),
    email   TEXT NOT NULL,
    team    TEXT
) STRICT;

CREATE TABLE children (
    ref                 TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    team                TEXT NOT NULL,
    social_worker       TEXT NOT NULL REFERENCES staff (id),
    practice_supervisor TEXT REFERENCES staff (id),
    team_manager        TEXT NOT NULL REFERENCES staff (id),
    service_manager     TEXT NOT NULL REFERENCES staff (id),
    iro                 TEXT NOT NULL REFERENCES staff (id),
    iro_team_manager    TEXT NOT NULL REFERENCES staff (id)
) STRICT;
CREATE INDEX children_iro ON children (iro);
CREATE INDEX children_team ON children (team);

-- One concern about one child. `iro` and `team` are the child's at the time the matter was opened.
CREATE TABLE matters (
    id                 TEXT PRIMARY KEY,
    prefix             TEXT NOT NULL,
    year               INTEGER NOT NULL,
    number             INTEGER NOT NULL,
    child              TEXT NOT NULL REFERENCES children (ref),
    iro                TEXT NOT NULL REFERENCES staff (id),
    team               TEXT NOT NULL,
    category           TEXT NOT NULL,
    summary            TEXT NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('consultation', 'qap', 'drp', 'cafcass', 'resolved', 'closed')),
    stage              INTEGER CHECK (stage BETWEEN 1 AND 3),
    raised_on          TEXT NOT NULL,
    raised_by          TEXT NOT NULL REFERENCES staff (id),
    qap_raised_on      TEXT,
    challenge_deadline TEXT,
    challenged_on      TEXT,
    drp_entered_on     TEXT,
    drp_deadline       TEXT,
    resolved_on        TEXT,
    resolved_by        TEXT REFERENCES staff (id),
    outcome            TEXT,
    last_step_on       TEXT NOT NULL,
    UNIQUE (prefix, year, number),
    CHECK (state <> 'drp' OR stage IS NOT NULL)
) STRICT;
CREATE INDEX matters_child ON matters (child, raised_on);
CREATE INDEX matters_state ON matters (state, stage);
CREATE INDEX matters_iro ON matters (iro, state);
CREATE INDEX matters_team ON matters (team, state);
-- The overdue report's EPCP/DRP half: open matters by resolution deadline.
CREATE INDEX matters_drp_deadline ON matters (drp_deadline) WHERE state = 'drp';

-- QAP and alert-form actions; `due` is the timescale in force, its history is in action_due_history.
CREATE TABLE actions (
    matter       TEXT NOT NULL REFERENCES matters (id),
    seq          INTEGER NOT NULL CHECK (seq >= 1),
    text         TEXT NOT NULL,
    owner        TEXT NOT NULL REFERENCES staff (id),
    due          TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'done')),
    completed_on TEXT,
    PRIMARY KEY (matter, seq)
) STRICT;

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
CREATE INDEX action_due_history_action ON action_due_history (matter, seq);

CREATE TABLE stages (
    matter     TEXT NOT NULL REFERENCES matters (id),
    stage      INTEGER NOT NULL CHECK (stage BETWEEN 1 AND 3),
    entered_on TEXT NOT NULL,
    reason     TEXT,
    event      INTEGER NOT NULL REFERENCES events (id),
    -- The stage's own response deadline, where the authority's policy sets one.
    response_deadline TEXT,
    PRIMARY KEY (matter, stage)
) STRICT;

CREATE TABLE cafcass_referrals (
    matter      TEXT NOT NULL REFERENCES matters (id),
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('concurrent', 'formal')),
    referred_on TEXT NOT NULL,
    reason      TEXT NOT NULL,
    decision    TEXT CHECK (decision IN ('criteria-met', 'criteria-not-met')),
    decided_on  TEXT,
    PRIMARY KEY (matter, seq)
) STRICT;

-- Days the service does not work besides weekends and bank holidays (a Christmas shutdown, say).
CREATE TABLE closure_days (
    day    TEXT PRIMARY KEY,
    reason TEXT NOT NULL
) STRICT;

-- Every step on every child's record. Append-only: the triggers below refuse any change. Each event
-- carries a SHA-256 over the previous event's hash and its own fields (see store::audit), so an edit
-- made behind the tool's back breaks the chain where it was made.
CREATE TABLE events (
    id           INTEGER PRIMARY KEY,
    matter       TEXT REFERENCES matters (id),
    child        TEXT REFERENCES children (ref),
    kind         TEXT NOT NULL,
    actor        TEXT NOT NULL,
    effective_on TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    details      TEXT NOT NULL CHECK (json_valid(details)),
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE
) STRICT;
CREATE INDEX events_matter ON events (matter, id);
CREATE INDEX events_child ON events (child, effective_on, id);
CREATE INDEX events_effective ON events (effective_on);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: a recorded step is never changed');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: a recorded step is never deleted');
END;

-- Messages the steps tell people (design rule 10), queued in the step's own transaction. Addresses are
-- resolved when the step is taken and kept here as JSON arrays of {id, name, email}, so a later change
-- of allocation does not rewrite who was told. `missing` lists (JSON array of text) the people the rule
-- table names who could not be told. A message is `pending`, `written` (to an .eml file by
-- `iro outbox write`) or `sent` (by `iro outbox send`, never twice); `error` is the last failure.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    matter     TEXT NOT NULL REFERENCES matters (id),
    child      TEXT NOT NULL REFERENCES children (ref),
    event_kind TEXT NOT NULL,
    created_at TEXT NOT NULL,
    to_addrs   TEXT NOT NULL CHECK (json_valid(to_addrs)),
    cc_addrs   TEXT NOT NULL CHECK (json_valid(cc_addrs)),
    missing    TEXT NOT NULL CHECK (json_valid(missing)),
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'written', 'sent')),
    error      TEXT,
    written_at TEXT,
    sent_at    TEXT,
    CHECK ((status = 'sent') = (sent_at IS NOT NULL))
) STRICT;
CREATE INDEX outbox_unsent ON outbox (id) WHERE status <> 'sent';
CREATE INDEX outbox_matter ON outbox (matter, id);

-- Added for scale (issue 7). The outbox of every step reads the senior IRO managers and assistant
-- directors by role, and a national directory holds thousands of staff.
CREATE INDEX staff_role ON staff (role, id);
