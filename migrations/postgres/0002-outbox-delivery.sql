-- Version 2: every message is delivered exactly once (see the SQLite migration of the same number).
CREATE TABLE meta (
    key   TEXT COLLATE "C" PRIMARY KEY,
    value TEXT COLLATE "C" NOT NULL
);
INSERT INTO meta (key, value) VALUES ('database_id', replace(gen_random_uuid()::text, '-', ''));

ALTER TABLE outbox ALTER COLUMN matter DROP NOT NULL;
ALTER TABLE outbox ALTER COLUMN child DROP NOT NULL;
ALTER TABLE outbox DROP CONSTRAINT outbox_status;
ALTER TABLE outbox ADD CONSTRAINT outbox_status
    CHECK (status IN ('pending', 'written', 'uncertain', 'sent', 'failed'));
ALTER TABLE outbox ADD COLUMN written_to TEXT COLLATE "C";
ALTER TABLE outbox ADD COLUMN claimed_at TEXT COLLATE "C";
ALTER TABLE outbox ADD CONSTRAINT outbox_claimed CHECK (status <> 'uncertain' OR claimed_at IS NOT NULL);
DROP INDEX outbox_unsent;
CREATE INDEX outbox_undelivered ON outbox (id) WHERE status IN ('pending', 'uncertain', 'failed');
