-- The whole schema of an iro database on PostgreSQL, version 1: the same tables as the SQLite file's
-- `schema.sql`, in PostgreSQL's dialect. Each later version is the migration of the same number.
--
-- Dates are ISO 'YYYY-MM-DD' text and timestamps ISO 8601 UTC text, as in the file, so both backends
-- hash, sort and compare them alike; every text column sorts by code point ("C"), as SQLite's do.

-- SQLite's JSON functions with SQLite's meaning, for the statements both backends share. A path is
-- '$.name' or '$.a.b'; the value comes back as text.
CREATE FUNCTION json_valid(doc text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    -- Text that is not JSON fails the cast, and so the statement: refused, as SQLite's CHECK refuses it.
    SELECT doc::jsonb IS NOT NULL
$$;
CREATE FUNCTION json_extract(doc text, path text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT doc::jsonb #>> string_to_array(substr(path, 3), '.')
$$;

-- The schema version, which SQLite keeps in its header.
CREATE TABLE iro_schema (
    version BIGINT NOT NULL
);
INSERT INTO iro_schema (version) VALUES (0);

CREATE TABLE staff (
    id      TEXT COLLATE "C" PRIMARY KEY,
    name    TEXT COLLATE "C" NOT NULL,
    role    TEXT COLLATE "C" NOT NULL CHECK (role IN ('iro', 'iro-team-manager', 'senior-iro-manager', 'social-worker',
                'practice-supervisor', 'team-manager', 'service-manager', 'assistant-director', 'admin')),
    email   TEXT COLLATE "C" NOT NULL,
    team    TEXT COLLATE "C"
);

CREATE TABLE children (
    ref                 TEXT COLLATE "C" PRIMARY KEY,
    name                TEXT COLLATE "C" NOT NULL,
    team                TEXT COLLATE "C" NOT NULL,
    social_worker       TEXT COLLATE "C" NOT NULL REFERENCES staff (id),
    practice_supervisor TEXT COLLATE "C" REFERENCES staff (id),
    team_manager        TEXT COLLATE "C" NOT NULL REFERENCES staff (id),
    service_manager     TEXT COLLATE "C" NOT NULL REFERENCES staff (id),
    iro                 TEXT COLLATE "C" NOT NULL REFERENCES staff (id),
    iro_team_manager    TEXT COLLATE "C" NOT NULL REFERENCES staff (id)
);
CREATE INDEX children_iro ON children (iro);
CREATE INDEX children_team ON children (team);

CREATE TABLE matters (
    id                 TEXT COLLATE "C" PRIMARY KEY,
    prefix             TEXT COLLATE "C" NOT NULL,
    year               BIGINT NOT NULL,
    number             BIGINT NOT NULL,
    child              TEXT COLLATE "C" NOT NULL REFERENCES children (ref),
    iro                TEXT COLLATE "C" NOT NULL REFERENCES staff (id),
    team               TEXT COLLATE "C" NOT NULL,
    category           TEXT COLLATE "C" NOT NULL,
    summary            TEXT COLLATE "C" NOT NULL,
    state              TEXT COLLATE "C" NOT NULL CHECK (state IN ('consultation', 'qap', 'drp', 'cafcass', 'resolved', 'closed')),
    stage              BIGINT CHECK (stage BETWEEN 1 AND 3),
    raised_on          TEXT COLLATE "C" NOT NULL,
    raised_by          TEXT COLLATE "C" NOT NULL REFERENCES staff (id),
    qap_raised_on      TEXT COLLATE "C",
    challenge_deadline TEXT COLLATE "C",
    challenged_on      TEXT COLLATE "C",
    drp_entered_on     TEXT COLLATE "C",
    drp_deadline       TEXT COLLATE "C",
    resolved_on        TEXT COLLATE "C",
    resolved_by        TEXT COLLATE "C" REFERENCES staff (id),
    outcome            TEXT COLLATE "C",
    last_step_on       TEXT COLLATE "C" NOT NULL,
    UNIQUE (prefix, year, number),
    CHECK (state <> 'drp' OR stage IS NOT NULL)
);
CREATE INDEX matters_child ON matters (child, raised_on);
CREATE INDEX matters_state ON matters (state, stage);
CREATE INDEX matters_iro ON matters (iro, state);
CREATE INDEX matters_team ON matters (team, state);
CREATE INDEX matters_drp_deadline ON matters (drp_deadline) WHERE state = 'drp';

CREATE TABLE actions (
    matter       TEXT COLLATE "C" NOT NULL REFERENCES matters (id),
    seq          BIGINT NOT NULL CHECK (seq >= 1),
    text         TEXT COLLATE "C" NOT NULL,
    owner        TEXT COLLATE "C" NOT NULL REFERENCES staff (id),
    due          TEXT COLLATE "C" NOT NULL,
    status       TEXT COLLATE "C" NOT NULL CONSTRAINT actions_status CHECK (status IN ('open', 'done')),
    completed_on TEXT COLLATE "C",
    PRIMARY KEY (matter, seq)
);

-- Every step on every child's record. Append-only: the triggers below refuse any change, and the
-- grants (see the store's schema module) give no one but the table's owner the right to try.
CREATE TABLE events (
    id           BIGINT PRIMARY KEY,
    matter       TEXT COLLATE "C" REFERENCES matters (id),
    child        TEXT COLLATE "C" REFERENCES children (ref),
    kind         TEXT COLLATE "C" NOT NULL,
    actor        TEXT COLLATE "C" NOT NULL,
    effective_on TEXT COLLATE "C" NOT NULL,
    recorded_at  TEXT COLLATE "C" NOT NULL,
    details      TEXT COLLATE "C" NOT NULL CHECK (json_valid(details)),
    prev_hash    TEXT COLLATE "C" NOT NULL,
    hash         TEXT COLLATE "C" NOT NULL UNIQUE
);
CREATE INDEX events_matter ON events (matter, id);
CREATE INDEX events_child ON events (child, effective_on, id);
CREATE INDEX events_effective ON events (effective_on);

CREATE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'events are append-only: a recorded step is never changed';
    END IF;
    RAISE EXCEPTION 'events are append-only: a recorded step is never deleted';
END
$$;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();

CREATE TABLE action_due_history (
    matter     TEXT COLLATE "C" NOT NULL,
    seq        BIGINT NOT NULL,
    due        TEXT COLLATE "C" NOT NULL,
    set_on     TEXT COLLATE "C" NOT NULL,
    agreed_by  TEXT COLLATE "C" REFERENCES staff (id),
    reason     TEXT COLLATE "C",
    event      BIGINT NOT NULL REFERENCES events (id),
    FOREIGN KEY (matter, seq) REFERENCES actions (matter, seq)
);
CREATE INDEX action_due_history_action ON action_due_history (matter, seq);

CREATE TABLE stages (
    matter     TEXT COLLATE "C" NOT NULL REFERENCES matters (id),
    stage      BIGINT NOT NULL CHECK (stage BETWEEN 1 AND 3),
    entered_on TEXT COLLATE "C" NOT NULL,
    reason     TEXT COLLATE "C",
    event      BIGINT NOT NULL REFERENCES events (id),
    response_deadline TEXT COLLATE "C",
    PRIMARY KEY (matter, stage)
);

CREATE TABLE cafcass_referrals (
    matter      TEXT COLLATE "C" NOT NULL REFERENCES matters (id),
    seq         BIGINT NOT NULL,
    kind        TEXT COLLATE "C" NOT NULL CHECK (kind IN ('concurrent', 'formal')),
    referred_on TEXT COLLATE "C" NOT NULL,
    reason      TEXT COLLATE "C" NOT NULL,
    decision    TEXT COLLATE "C" CHECK (decision IN ('criteria-met', 'criteria-not-met')),
    decided_on  TEXT COLLATE "C",
    PRIMARY KEY (matter, seq)
);

CREATE TABLE closure_days (
    day    TEXT COLLATE "C" PRIMARY KEY,
    reason TEXT COLLATE "C" NOT NULL
);

CREATE TABLE outbox (
    id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    matter     TEXT COLLATE "C" NOT NULL REFERENCES matters (id),
    child      TEXT COLLATE "C" NOT NULL REFERENCES children (ref),
    event_kind TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    to_addrs   TEXT COLLATE "C" NOT NULL CHECK (json_valid(to_addrs)),
    cc_addrs   TEXT COLLATE "C" NOT NULL CHECK (json_valid(cc_addrs)),
    missing    TEXT COLLATE "C" NOT NULL CHECK (json_valid(missing)),
    subject    TEXT COLLATE "C" NOT NULL,
    body       TEXT COLLATE "C" NOT NULL,
    status     TEXT COLLATE "C" NOT NULL DEFAULT 'pending'
               CONSTRAINT outbox_status CHECK (status IN ('pending', 'written', 'sent')),
    error      TEXT COLLATE "C",
    written_at TEXT COLLATE "C",
    sent_at    TEXT COLLATE "C",
    CONSTRAINT outbox_sent CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE status <> 'sent';
CREATE INDEX outbox_matter ON outbox (matter, id);

CREATE INDEX staff_role ON staff (role, id);
