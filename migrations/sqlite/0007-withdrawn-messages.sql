-- Version 7: a message about a step voided before it went out is withdrawn, never delivered (rule 15).
--
-- The outbox again, with `withdrawn` beside its delivery states; every row carried over as it was.
CREATE TABLE outbox_v7 (
    id         INTEGER PRIMARY KEY,
    matter     TEXT REFERENCES matters (id),
    child      TEXT REFERENCES children (ref),
    event_kind TEXT NOT NULL,
    created_at TEXT NOT NULL,
    to_addrs   TEXT NOT NULL CHECK (json_valid(to_addrs)),
    cc_addrs   TEXT NOT NULL CHECK (json_valid(cc_addrs)),
    missing    TEXT NOT NULL CHECK (json_valid(missing)),
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'pending'
               CHECK (status IN ('pending', 'written', 'uncertain', 'sent', 'failed', 'withdrawn')),
    error      TEXT,
    written_at TEXT,
    written_to TEXT,
    claimed_at TEXT,
    sent_at    TEXT,
    event      INTEGER REFERENCES events (id),
    CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
    CHECK (status <> 'uncertain' OR claimed_at IS NOT NULL)
) STRICT;
INSERT INTO outbox_v7 (id, matter, child, event_kind, created_at, to_addrs, cc_addrs, missing, subject, body,
                       status, error, written_at, written_to, claimed_at, sent_at, event)
    SELECT id, matter, child, event_kind, created_at, to_addrs, cc_addrs, missing, subject, body,
           status, error, written_at, written_to, claimed_at, sent_at, event
      FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v7 RENAME TO outbox;
CREATE INDEX outbox_undelivered ON outbox (id) WHERE status IN ('pending', 'uncertain', 'failed');
CREATE INDEX outbox_matter ON outbox (matter, id);
CREATE INDEX outbox_event ON outbox (event);
