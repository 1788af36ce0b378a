-- Version 7: a message about a step voided before it went out is withdrawn, never delivered.
ALTER TABLE outbox DROP CONSTRAINT outbox_status;
ALTER TABLE outbox ADD CONSTRAINT outbox_status
    CHECK (status IN ('pending', 'written', 'uncertain', 'sent', 'failed', 'withdrawn'));
