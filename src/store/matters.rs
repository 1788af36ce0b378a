//! Matters, their actions, stages and referrals, and the events that built them.

use chrono::NaiveDate;

use super::backend::{BackendError, Row, Sql};
pub use super::chain::RecordedEvent;
use super::chain::{event_from_row, Entered};
use super::{StoreError, Tx};
use crate::engine::{Event, Logged, Step};
use crate::model::{Action, Listed, Matter, MatterState, Referral, Stage, StageEntry};

/// Which matters `list` shows; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct MatterFilter {
    pub state: Option<MatterState>,
    pub stage: Option<Stage>,
    pub child: Option<String>,
    /// Matters of children this IRO is allocated to now, or covers for on `on`.
    pub iro: Option<String>,
    /// Matters of children in this social work team now.
    pub team: Option<String>,
    /// The day whose cover counts.
    pub on: Option<NaiveDate>,
}

const NEXT_MATTER_NUMBER: Sql = Sql::new(
    "the next matter number",
    "SELECT COALESCE(MAX(number), 0) + 1 FROM matters WHERE prefix = ?1 AND year = ?2",
);
const MATTER: Sql = Sql::new(
    "a matter by id",
    concat!(
        "SELECT ",
        matter_columns!(),
        " FROM matters m WHERE m.id = ?1"
    ),
);
/// A matter's actions (by number), stages (in the order entered) and CAFCASS referrals (by number) in
/// one statement, each row marked with its list: on a server every statement is a round trip, and
/// every step on a matter reads it.
const MATTER_LISTS: Sql = Sql::new(
    "a matter's actions, stages and CAFCASS referrals",
    "SELECT 1, seq, seq, text, owner, due, status, completed_on FROM actions WHERE matter = ?1
     UNION ALL
     SELECT 2, event, stage, entered_on, reason, response_deadline, NULL, NULL FROM stages WHERE matter = ?1
     UNION ALL
     SELECT 3, seq, seq, kind, referred_on, reason, decision, decided_on FROM cafcass_referrals
      WHERE matter = ?1
     ORDER BY 1, 2",
);
const WRITE_ACTION: Sql = Sql::new(
    "write an action",
    "INSERT INTO actions (matter, seq, text, owner, due, status, completed_on)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
     ON CONFLICT (matter, seq) DO UPDATE SET
        text = excluded.text, owner = excluded.owner, due = excluded.due,
        status = excluded.status, completed_on = excluded.completed_on
     -- An action the step did not change is left alone: no page or index is rewritten.
     WHERE actions.text IS DISTINCT FROM excluded.text OR actions.owner IS DISTINCT FROM excluded.owner
        OR actions.due IS DISTINCT FROM excluded.due OR actions.status IS DISTINCT FROM excluded.status
        OR actions.completed_on IS DISTINCT FROM excluded.completed_on",
);
const WRITE_REFERRAL: Sql = Sql::new(
    "write a CAFCASS referral",
    "INSERT INTO cafcass_referrals (matter, seq, kind, referred_on, reason, decision, decided_on)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
     ON CONFLICT (matter, seq) DO UPDATE SET
        decision = excluded.decision, decided_on = excluded.decided_on
     WHERE cafcass_referrals.decision IS DISTINCT FROM excluded.decision
        OR cafcass_referrals.decided_on IS DISTINCT FROM excluded.decided_on",
);
const WRITE_STAGE: Sql = Sql::new(
    "write a stage",
    "INSERT INTO stages (matter, stage, entered_on, reason, event, response_deadline)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
);
const WRITE_MATTER: Sql = Sql::new(
    "write a matter",
    "INSERT INTO matters (id, prefix, year, number, child, iro, team, category, summary, state, stage,
        raised_on, raised_by, challenge_deadline, challenged_on, drp_entered_on, drp_deadline,
        resolved_on, resolved_by, outcome, last_step_on, qap_raised_on)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)
     ON CONFLICT (id) DO UPDATE SET
        state = excluded.state, stage = excluded.stage, challenged_on = excluded.challenged_on,
        qap_raised_on = excluded.qap_raised_on, challenge_deadline = excluded.challenge_deadline,
        drp_entered_on = excluded.drp_entered_on, drp_deadline = excluded.drp_deadline,
        resolved_on = excluded.resolved_on, resolved_by = excluded.resolved_by,
        outcome = excluded.outcome, last_step_on = excluded.last_step_on,
        summary = excluded.summary",
);
const CLEAR_DUE_HISTORY: Sql = Sql::new(
    "clear a matter's due-date history to write it again",
    "DELETE FROM action_due_history WHERE matter = ?1",
);
const CLEAR_STAGES: Sql = Sql::new(
    "clear a matter's stages to write them again",
    "DELETE FROM stages WHERE matter = ?1",
);
const CLEAR_REFERRALS: Sql = Sql::new(
    "clear a matter's referrals to write them again",
    "DELETE FROM cafcass_referrals WHERE matter = ?1",
);
const CLEAR_ACTIONS: Sql = Sql::new(
    "clear a matter's actions to write them again",
    "DELETE FROM actions WHERE matter = ?1",
);
const RECORD_DUE: Sql = Sql::new(
    "record a due date",
    "INSERT INTO action_due_history (matter, seq, due, set_on, agreed_by, reason, event)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
);
const LIST_MATTERS: Sql = Sql::new(
    "matters by filter",
    concat!(
        "SELECT ",
        matter_columns!(),
        ",
            (SELECT a.seq FROM actions a WHERE a.matter = m.id AND a.status = 'open'
              ORDER BY a.due, a.seq LIMIT 1),
            (SELECT MIN(a.due) FROM actions a WHERE a.matter = m.id AND a.status = 'open'),
            (SELECT s.response_deadline FROM stages s WHERE s.matter = m.id AND s.stage = m.stage)
           FROM matters m JOIN children c ON c.ref = m.child
          WHERE (?1 IS NULL OR m.state = ?1) AND (?2 IS NULL OR m.stage = ?2) AND (?3 IS NULL OR m.child = ?3)
            AND (?4 IS NULL OR c.iro = ?4 OR ",
        covered_by!("c.iro", "?4", "?6"),
        ")
            AND (?5 IS NULL OR c.team = ?5)
          ORDER BY m.raised_on DESC, m.id DESC"
    ),
);
const IMPORTED_AS: Sql = Sql::new(
    "the matter a row with this source key was imported as",
    "SELECT matter, source FROM events
      WHERE source IS NOT NULL AND json_extract(source, '$.key') = ?1 AND matter IS NOT NULL
      ORDER BY id LIMIT 1",
);
const IMPORTED_LIKE: Sql = Sql::new(
    "an imported matter about the same child, category and day",
    "SELECT m.id, e.source FROM matters m JOIN events e ON e.matter = m.id
      WHERE m.child = ?1 AND m.category = ?2 AND m.raised_on = ?3 AND e.source IS NOT NULL
      ORDER BY e.id LIMIT 1",
);
const CORRECTIONS: Sql = Sql::new(
    "every void and amendment",
    "SELECT id, details FROM events INDEXED BY events_corrections
      WHERE kind IN ('voided', 'amended') ORDER BY id",
);
const FIRST_STEP: Sql = Sql::new(
    "the day the record's first step took effect",
    "SELECT MIN(effective_on) FROM events WHERE matter IS NOT NULL",
);
const RAISED_BY: Sql = Sql::new(
    "the matters that may have been open at the end of a day",
    "SELECT id FROM matters WHERE raised_on <= ?1 AND (?2 OR resolved_on IS NULL OR resolved_on > ?1)
      ORDER BY id",
);
const EVENT_PLACE: Sql = Sql::new(
    "which matter an event is on",
    "SELECT matter, kind FROM events WHERE id = ?1",
);
const MATTER_EVENTS: Sql = Sql::new(
    "a matter's events",
    "SELECT id, matter, child, actor, effective_on, recorded_at, details FROM events
      WHERE matter = ?1 ORDER BY id",
);

impl Tx<'_> {
    /// The next free matter id for a prefix and year: `Q-2026-0042`. Read under the write lock, and
    /// unique by the schema, so two writers can never be given the same number.
    pub fn next_matter_id(&self, prefix: &str, year: i32) -> Result<String, StoreError> {
        let number: i64 = self.one(&NEXT_MATTER_NUMBER, &[&prefix, &year], |r| r.get(0))?;
        Ok(format!("{prefix}-{year}-{number:04}"))
    }

    /// A matter as it stands, with its actions, stages and referrals.
    pub fn matter(&self, id: &str) -> Result<Option<Matter>, StoreError> {
        let Some(mut matter) = self.row(&MATTER, &[&id], matter_from_row)? else {
            return Ok(None);
        };
        self.fill(&mut matter)?;
        Ok(Some(matter))
    }

    fn fill(&self, matter: &mut Matter) -> Result<(), StoreError> {
        enum Listed {
            Action(Action),
            Stage(StageEntry),
            Referral(Referral),
        }
        let id = matter.id.as_str();
        let rows = self.rows(&MATTER_LISTS, &[&id], |r| {
            Ok(match r.get::<i64>(0)? {
                1 => Listed::Action(Action {
                    seq: r.get(2)?,
                    text: r.get(3)?,
                    owner: r.get(4)?,
                    due: r.get(5)?,
                    status: r.get(6)?,
                    completed_on: r.get(7)?,
                }),
                2 => Listed::Stage(StageEntry {
                    stage: r.get(2)?,
                    entered_on: r.get(3)?,
                    reason: r.get(4)?,
                    response_deadline: r.get(5)?,
                }),
                _ => Listed::Referral(Referral {
                    kind: r.get(3)?,
                    referred_on: r.get(4)?,
                    reason: r.get(5)?,
                    decision: r.get(6)?,
                    decided_on: r.get(7)?,
                }),
            })
        })?;
        for row in rows {
            match row {
                Listed::Action(action) => matter.actions.push(action),
                Listed::Stage(stage) => matter.stages.push(stage),
                Listed::Referral(referral) => matter.referrals.push(referral),
            }
        }
        Ok(())
    }

    /// Records the steps of one command and the state they lead to, in this transaction; gives each
    /// step's event id.
    ///
    /// `after` is the engine's own fold of `steps` over the matter as it stood, so state and log agree.
    pub fn record(
        &self,
        after: &Matter,
        steps: &[Step],
        entered: &Entered,
    ) -> Result<Vec<i64>, StoreError> {
        self.write_state(after)?;
        let mut ids = Vec::with_capacity(steps.len());
        for step in steps {
            let event_id = self.append_event(Some(&after.id), Some(&after.child), step, entered)?;
            ids.push(event_id);
            self.write_step_rows(&after.id, step, event_id)?;
        }
        Ok(ids)
    }

    /// Records a correction (a void or an amendment) and writes the matter again as the steps that
    /// still count leave it: `after` is their fold and `effective` the steps themselves with their event
    /// ids, whose stages and due dates are written again. Gives the correction's event id.
    pub fn record_correction(
        &self,
        after: &Matter,
        effective: &[Logged],
        correction: &Step,
        entered: &Entered,
    ) -> Result<i64, StoreError> {
        let id = after.id.as_str();
        // The state tables are what the steps that count leave; the chain keeps every step.
        for sql in [
            &CLEAR_DUE_HISTORY,
            &CLEAR_STAGES,
            &CLEAR_REFERRALS,
            &CLEAR_ACTIONS,
        ] {
            self.exec(sql, &[&id])?;
        }
        self.write_state(after)?;
        for logged in effective {
            self.write_step_rows(id, &logged.step, logged.id)?;
        }
        self.append_event(Some(id), Some(&after.child), correction, entered)
    }

    /// The matter's own row, its actions and its referrals as `after` holds them.
    fn write_state(&self, after: &Matter) -> Result<(), StoreError> {
        self.write_matter(after)?;
        for a in &after.actions {
            self.exec(
                &WRITE_ACTION,
                &[
                    &after.id,
                    &a.seq,
                    &a.text,
                    &a.owner,
                    &a.due,
                    &a.status,
                    &a.completed_on,
                ],
            )?;
        }
        for (seq, r) in (1u32..).zip(&after.referrals) {
            self.exec(
                &WRITE_REFERRAL,
                &[
                    &after.id,
                    &seq,
                    &r.kind,
                    &r.referred_on,
                    &r.reason,
                    &r.decision,
                    &r.decided_on,
                ],
            )?;
        }
        Ok(())
    }

    /// The rows one step writes beside the matter's: the due dates it sets and the stage it enters.
    fn write_step_rows(&self, matter: &str, step: &Step, event_id: i64) -> Result<(), StoreError> {
        match &step.event {
            Event::QapRaised { actions, .. }
            | Event::MeetingHeld { actions, .. }
            | Event::ActionsAdded { actions } => {
                for action in actions {
                    let none: Option<&str> = None;
                    self.exec(
                        &RECORD_DUE,
                        &[
                            &matter,
                            &action.seq,
                            &action.due,
                            &step.on,
                            &none,
                            &none,
                            &event_id,
                        ],
                    )?;
                }
            }
            Event::ActionExtended {
                seq,
                to,
                agreed_by,
                reason,
                ..
            } => {
                self.exec(
                    &RECORD_DUE,
                    &[&matter, seq, to, &step.on, agreed_by, reason, &event_id],
                )?;
            }
            Event::DrpEntered {
                stage,
                reason,
                response_deadline,
                ..
            }
            | Event::StageRaised {
                to: stage,
                reason,
                response_deadline,
                ..
            } => {
                self.exec(
                    &WRITE_STAGE,
                    &[
                        &matter,
                        stage,
                        &step.on,
                        reason,
                        &event_id,
                        response_deadline,
                    ],
                )?;
            }
            _ => {}
        }
        Ok(())
    }

    fn write_matter(&self, m: &Matter) -> Result<(), StoreError> {
        let (prefix, year, number) = split_id(&m.id);
        self.exec(
            &WRITE_MATTER,
            &[
                &m.id,
                &prefix,
                &year,
                &number,
                &m.child,
                &m.iro,
                &m.team,
                &m.category,
                &m.summary,
                &m.state,
                &m.stage,
                &m.raised_on,
                &m.raised_by,
                &m.challenge_deadline,
                &m.challenged_on,
                &m.drp_entered_on,
                &m.drp_deadline,
                &m.resolved_on,
                &m.resolved_by,
                &m.outcome,
                &m.last_step_on,
                &m.qap_raised_on,
            ],
        )?;
        Ok(())
    }

    /// Matters matching the filter, newest first, without their actions but with what their next
    /// deadline is made of.
    pub fn matters(&self, filter: &MatterFilter) -> Result<Vec<Listed>, StoreError> {
        self.rows(
            &LIST_MATTERS,
            &[
                &filter.state,
                &filter.stage,
                &filter.child,
                &filter.iro,
                &filter.team,
                &filter.on,
            ],
            |r| {
                let seq: Option<u32> = r.get(19)?;
                let due: Option<NaiveDate> = r.get(20)?;
                Ok(Listed {
                    matter: matter_from_row(r)?,
                    first_open_action: seq.zip(due),
                    stage_response: r.get(21)?,
                })
            },
        )
    }

    /// Every event of one matter, in the order recorded.
    pub fn matter_events(&self, matter: &str) -> Result<Vec<RecordedEvent>, StoreError> {
        self.rows(&MATTER_EVENTS, &[&matter], event_from_row)
    }

    /// A matter's steps with their event ids, in the order recorded: what the corrections fold.
    pub fn matter_log(&self, matter: &str) -> Result<Vec<Logged>, StoreError> {
        Ok(self
            .matter_events(matter)?
            .into_iter()
            .map(|e| Logged {
                id: e.id,
                step: Step {
                    actor: e.actor,
                    on: e.effective_on,
                    event: e.event,
                },
            })
            .collect())
    }

    /// The corrections in force across the record: which steps are voided, which amended (rule 15).
    pub fn corrected(&self) -> Result<crate::engine::corrections::Corrected, StoreError> {
        let corrections: Vec<(i64, Event)> = self.rows(&CORRECTIONS, &[], |r| {
            let details: String = r.get(1)?;
            let event = serde_json::from_str(&details).map_err(|e| BackendError::Decode {
                column: 1,
                why: e.to_string(),
            })?;
            Ok((r.get(0)?, event))
        })?;
        Ok(crate::engine::corrections::corrected_events(
            corrections.iter().map(|(id, e)| (*id, e)),
        ))
    }

    /// The matter a spreadsheet row with this source key was imported as, if it was.
    pub fn imported_as(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.imported_row(key)?.map(|(matter, _)| matter))
    }

    /// The matter a row with this source key was imported as, and the source its first step carries.
    pub fn imported_row(&self, key: &str) -> Result<Option<(String, String)>, StoreError> {
        self.row(&IMPORTED_AS, &[&key], |r| Ok((r.get(0)?, r.get(1)?)))
    }

    /// A matter imported about the same child and category, raised the same day, and the source of
    /// its first imported step: the same row imported before, with other values.
    pub fn imported_like(
        &self,
        child: &str,
        category: &str,
        raised_on: NaiveDate,
    ) -> Result<Option<(String, String)>, StoreError> {
        self.row(&IMPORTED_LIKE, &[&child, &category, &raised_on], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
    }

    /// The matters raised by `day` and, unless `any`, not resolved or closed by it as the record
    /// stands now: those that may have been open at its end.
    pub fn matters_raised_by(&self, day: NaiveDate, any: bool) -> Result<Vec<String>, StoreError> {
        self.rows(&RAISED_BY, &[&day, &any], |r| r.get(0))
    }

    /// The day the record's first step on a matter took effect; none before there is one.
    pub fn first_step_on(&self) -> Result<Option<NaiveDate>, StoreError> {
        Ok(self.row(&FIRST_STEP, &[], |r| r.get(0))?.flatten())
    }

    /// The matter an event is on (none for a change to the directory or a message) and its kind, if
    /// there is such an event.
    pub fn event_place(&self, id: i64) -> Result<Option<(Option<String>, String)>, StoreError> {
        self.row(&EVENT_PLACE, &[&id], |r| Ok((r.get(0)?, r.get(1)?)))
    }
}

pub(super) fn matter_from_row(r: &dyn Row) -> Result<Matter, BackendError> {
    Ok(Matter {
        id: r.get(0)?,
        child: r.get(1)?,
        iro: r.get(2)?,
        team: r.get(3)?,
        category: r.get(4)?,
        summary: r.get(5)?,
        state: r.get(6)?,
        stage: r.get(7)?,
        raised_on: r.get(8)?,
        raised_by: r.get(9)?,
        challenge_deadline: r.get(10)?,
        challenged_on: r.get(11)?,
        drp_entered_on: r.get(12)?,
        drp_deadline: r.get(13)?,
        resolved_on: r.get(14)?,
        resolved_by: r.get(15)?,
        outcome: r.get(16)?,
        last_step_on: r.get(17)?,
        qap_raised_on: r.get(18)?,
        actions: Vec::new(),
        stages: Vec::new(),
        referrals: Vec::new(),
    })
}

/// `Q-2026-0042` into its parts; ids are only ever made by `next_matter_id`.
fn split_id(id: &str) -> (&str, i64, i64) {
    let mut parts = id.splitn(3, '-');
    let prefix = parts.next().unwrap_or_default();
    let year = parts
        .next()
        .and_then(|y| y.parse().ok())
        .unwrap_or_default();
    let number = parts
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_default();
    (prefix, year, number)
}
