-- Version 9: a year's figures read from an index alone. `report stats` and the annual report count
-- hundreds of thousands of steps of eleven kinds by the day each took effect; this index holds, for each
-- such step, its day, kind and matter and the few details the figures count (the stage entered or
-- reached and left, the action completed, whether it opened its matter), so the events themselves, with
-- their texts and hashes, are not read.
CREATE INDEX events_figures ON events (
    effective_on, kind, matter,
    json_extract(details, '$.stage'), json_extract(details, '$.to'), json_extract(details, '$.from'),
    json_extract(details, '$.seq'), json_extract(details, '$.opening') IS NULL, id
) WHERE kind IN ('consultation-opened', 'qap-raised', 'drp-entered', 'stage-raised', 'resolved',
                 'challenged', 'action-extended', 'action-completed', 'meeting-held',
                 'legal-advice-sought', 'senior-manager-briefed');

