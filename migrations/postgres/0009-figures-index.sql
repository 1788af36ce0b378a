-- Version 9: a year's figures read from an index (see the SQLite migration of the same number).
CREATE INDEX events_figures ON events (
    effective_on, kind, matter,
    json_extract(details, '$.stage'), json_extract(details, '$.to'), json_extract(details, '$.from'),
    json_extract(details, '$.seq'), (json_extract(details, '$.opening') IS NULL), id
) WHERE kind IN ('consultation-opened', 'qap-raised', 'drp-entered', 'stage-raised', 'resolved',
                 'challenged', 'action-extended', 'action-completed', 'meeting-held',
                 'legal-advice-sought', 'senior-manager-briefed');

-- The server plans the overdue report's stage responses by its statistics rather than by SQLite's
-- join order: this index lets it find the responses falling due without reading every stage.
CREATE INDEX stages_response_deadline ON stages (response_deadline) WHERE response_deadline IS NOT NULL;
