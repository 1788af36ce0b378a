-- Version 2: every message is delivered exactly once, and files iro writes never collide.
--
-- `meta` holds facts about the database itself. `database_id` is random, made once, and names this
-- database in Message-IDs and in the .eml files it writes, so two databases writing into one directory,
-- or one message sent twice by different routes, can never be mistaken for each other.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
INSERT INTO meta (key, value) VALUES ('database_id', lower(hex(randomblob(16))));

-- The outbox again, with delivery as its own states. A message is `pending` until it is delivered one
-- way: `written` (an .eml file the service delivers itself) or `sent` (accepted by the SMTP server). A
-- send claims the message first, in its own committed transaction, as `uncertain`: concurrent runs never
-- take the same message, and a run killed after the server took the message but before it was marked
-- leaves it `uncertain`, sent again only when someone says so. `failed` is a permanent refusal by the
-- server (an address it does not know): retried only when asked. `matter` and `child` may be empty for
-- a message about no one matter (a reminder digest).
CREATE TABLE outbox_v2 (
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
               CHECK (status IN ('pending', 'written', 'uncertain', 'sent', 'failed')),
    error      TEXT,
    written_at TEXT,
    written_to TEXT,
    claimed_at TEXT,
    sent_at    TEXT,
    CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
    CHECK (status <> 'uncertain' OR claimed_at IS NOT NULL)
) STRICT;
INSERT INTO outbox_v2 (id, matter, child, event_kind, created_at, to_addrs, cc_addrs, missing, subject, body,
                       status, error, written_at, sent_at)
    SELECT id, matter, child, event_kind, created_at, to_addrs, cc_addrs, missing, subject, body,
           status, error, written_at, sent_at
      FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v2 RENAME TO outbox;
CREATE INDEX outbox_undelivered ON outbox (id) WHERE status IN ('pending', 'uncertain', 'failed');
CREATE INDEX outbox_matter ON outbox (matter, id);
