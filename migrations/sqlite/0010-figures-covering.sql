-- Version 10: a year's figures read from indexes alone. Each step the figures count is read with its
-- matter's groups and days (category, team, IRO, child, when it was raised, entered EPCP/DRP and fell
-- due), the day it reached its stage and its action's due date; these indexes hold just those, so the
-- matters' rows (their summaries) and the stages' and actions' rows are not read for each of hundreds of
-- thousands of steps. The matters open in a period are found by the day each was resolved, not by
-- reading every matter.
CREATE INDEX matters_figures ON matters (
    id, category, team, iro, child, raised_on, qap_raised_on, drp_entered_on, drp_deadline, stage, prefix
);
CREATE INDEX matters_open_spans ON matters (resolved_on, raised_on, category, team, iro, child);
CREATE INDEX stages_entered ON stages (matter, stage, entered_on);
CREATE INDEX actions_due ON actions (matter, seq, due);
