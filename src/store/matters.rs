//! Matters, their actions, stages and referrals, and the events that built them.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, OptionalExtension, Row};

use super::audit::{chain_hash, EventColumns, GENESIS};
use super::directory::parse_column;
use super::{StoreError, Tx};
use crate::engine::{Event, Step};
use crate::model::{Action, Matter, MatterState, Referral, Stage, StageEntry};

const MATTER_COLUMNS: &str = "id, child, iro, team, category, summary, state, stage, raised_on, raised_by, \
     challenge_deadline, challenged_on, drp_entered_on, drp_deadline, resolved_on, resolved_by, outcome, \
     last_step_on, qap_raised_on";

/// Which matters `list` shows; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct MatterFilter {
    pub state: Option<MatterState>,
    pub stage: Option<Stage>,
    pub child: Option<String>,
    pub iro: Option<String>,
    pub team: Option<String>,
}

/// One event as recorded, for chronologies and exports.
#[derive(Debug, Clone)]
pub struct RecordedEvent {
    pub id: i64,
    pub matter: Option<String>,
    pub child: Option<String>,
    pub actor: String,
    pub effective_on: NaiveDate,
    pub recorded_at: String,
    pub event: Event,
}

impl Tx<'_> {
    /// The next free matter id for a prefix and year: `Q-2026-0042`.
    pub fn next_matter_id(&self, prefix: &str, year: i32) -> Result<String, StoreError> {
        let number: i64 = self
            .tx
            .query_row(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM matters WHERE prefix = ?1 AND year = ?2",
                params![prefix, year],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        Ok(format!("{prefix}-{year}-{number:04}"))
    }

    /// A matter as it stands, with its actions, stages and referrals.
    pub fn matter(&self, id: &str) -> Result<Option<Matter>, StoreError> {
        let found = self
            .tx
            .prepare_cached(&format!(
                "SELECT {MATTER_COLUMNS} FROM matters WHERE id = ?1"
            ))
            .and_then(|mut stmt| stmt.query_row([id], matter_from_row).optional())
            .map_err(|e| self.err(e))?;
        let Some(mut matter) = found else {
            return Ok(None);
        };
        self.fill(&mut matter)?;
        Ok(Some(matter))
    }

    fn fill(&self, matter: &mut Matter) -> Result<(), StoreError> {
        let id = matter.id.as_str();
        matter.actions = self
            .tx
            .prepare_cached(
                "SELECT seq, text, owner, due, status, completed_on FROM actions WHERE matter = ?1 ORDER BY seq",
            )
            .and_then(|mut stmt| {
                stmt.query_map([id], |r| {
                    Ok(Action {
                        seq: r.get(0)?,
                        text: r.get(1)?,
                        owner: r.get(2)?,
                        due: r.get(3)?,
                        status: parse_column(r, 4)?,
                        completed_on: r.get(5)?,
                    })
                })?
                .collect()
            })
            .map_err(|e| self.err(e))?;
        matter.stages = self
            .tx
            .prepare_cached(
                "SELECT stage, entered_on, reason, response_deadline FROM stages WHERE matter = ?1 ORDER BY event",
            )
            .and_then(|mut stmt| {
                stmt.query_map([id], |r| {
                    Ok(StageEntry {
                        stage: stage_column(r, 0)?,
                        entered_on: r.get(1)?,
                        reason: r.get(2)?,
                        response_deadline: r.get(3)?,
                    })
                })?
                .collect()
            })
            .map_err(|e| self.err(e))?;
        matter.referrals = self
            .tx
            .prepare_cached(
                "SELECT kind, referred_on, reason, decision, decided_on FROM cafcass_referrals
                 WHERE matter = ?1 ORDER BY seq",
            )
            .and_then(|mut stmt| {
                stmt.query_map([id], |r| {
                    Ok(Referral {
                        kind: parse_column(r, 0)?,
                        referred_on: r.get(1)?,
                        reason: r.get(2)?,
                        decision: match r.get::<_, Option<String>>(3)? {
                            None => None,
                            Some(_) => Some(parse_column(r, 3)?),
                        },
                        decided_on: r.get(4)?,
                    })
                })?
                .collect()
            })
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Records the steps of one command and the state they lead to, in this transaction.
    ///
    /// `after` is the engine's own fold of `steps` over the matter as it stood, so state and log agree.
    pub fn record(
        &self,
        after: &Matter,
        steps: &[Step],
        recorded_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write_matter(after)?;
        for action in &after.actions {
            self.tx
                .prepare_cached(
                    "INSERT INTO actions (matter, seq, text, owner, due, status, completed_on)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (matter, seq) DO UPDATE SET
                        text = excluded.text, owner = excluded.owner, due = excluded.due,
                        status = excluded.status, completed_on = excluded.completed_on
                     -- An action the step did not change is left alone: no page or index is rewritten.
                     WHERE text IS NOT excluded.text OR owner IS NOT excluded.owner OR due IS NOT excluded.due
                        OR status IS NOT excluded.status OR completed_on IS NOT excluded.completed_on",
                )
                .and_then(|mut stmt| {
                    stmt.execute(params![
                        after.id,
                        action.seq,
                        action.text,
                        action.owner,
                        action.due,
                        action.status.as_str(),
                        action.completed_on
                    ])
                })
                .map_err(|e| self.err(e))?;
        }
        for (seq, referral) in (1..).zip(&after.referrals) {
            self.tx
                .prepare_cached(
                    "INSERT INTO cafcass_referrals (matter, seq, kind, referred_on, reason, decision, decided_on)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (matter, seq) DO UPDATE SET
                        decision = excluded.decision, decided_on = excluded.decided_on
                     WHERE decision IS NOT excluded.decision OR decided_on IS NOT excluded.decided_on",
                )
                .and_then(|mut stmt| {
                    stmt.execute(params![
                        after.id,
                        seq,
                        referral.kind.as_str(),
                        referral.referred_on,
                        referral.reason,
                        referral.decision.map(|d| d.as_str()),
                        referral.decided_on
                    ])
                })
                .map_err(|e| self.err(e))?;
        }
        let recorded_at = recorded_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        for step in steps {
            let event_id =
                self.append_event(Some(&after.id), Some(&after.child), step, &recorded_at)?;
            match &step.event {
                Event::QapRaised { actions, .. } | Event::MeetingHeld { actions, .. } => {
                    for action in actions {
                        self.record_due(
                            &after.id, action.seq, action.due, step.on, None, None, event_id,
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
                    self.record_due(
                        &after.id,
                        *seq,
                        *to,
                        step.on,
                        Some(agreed_by),
                        Some(reason),
                        event_id,
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
                    self.tx
                        .prepare_cached(
                            "INSERT INTO stages (matter, stage, entered_on, reason, event, response_deadline)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        )
                        .and_then(|mut stmt| {
                            stmt.execute(params![
                                after.id,
                                stage.number(),
                                step.on,
                                reason,
                                event_id,
                                response_deadline
                            ])
                        })
                        .map_err(|e| self.err(e))?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn write_matter(&self, m: &Matter) -> Result<(), StoreError> {
        let (prefix, year, number) = split_id(&m.id);
        self.tx
            .prepare_cached(
                "INSERT INTO matters (id, prefix, year, number, child, iro, team, category, summary, state, stage,
                    raised_on, raised_by, challenge_deadline, challenged_on, drp_entered_on, drp_deadline,
                    resolved_on, resolved_by, outcome, last_step_on, qap_raised_on)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)
                 ON CONFLICT (id) DO UPDATE SET
                    state = excluded.state, stage = excluded.stage, challenged_on = excluded.challenged_on,
                    qap_raised_on = excluded.qap_raised_on, challenge_deadline = excluded.challenge_deadline,
                    drp_entered_on = excluded.drp_entered_on, drp_deadline = excluded.drp_deadline,
                    resolved_on = excluded.resolved_on, resolved_by = excluded.resolved_by,
                    outcome = excluded.outcome, last_step_on = excluded.last_step_on",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    m.id,
                    prefix,
                    year,
                    number,
                    m.child,
                    m.iro,
                    m.team,
                    m.category,
                    m.summary,
                    m.state.as_str(),
                    m.stage.map(Stage::number),
                    m.raised_on,
                    m.raised_by,
                    m.challenge_deadline,
                    m.challenged_on,
                    m.drp_entered_on,
                    m.drp_deadline,
                    m.resolved_on,
                    m.resolved_by,
                    m.outcome,
                    m.last_step_on,
                    m.qap_raised_on
                ])
            })
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn record_due(
        &self,
        matter: &str,
        seq: u32,
        due: NaiveDate,
        set_on: NaiveDate,
        agreed_by: Option<&str>,
        reason: Option<&str>,
        event: i64,
    ) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO action_due_history (matter, seq, due, set_on, agreed_by, reason, event)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .and_then(|mut stmt| stmt.execute(params![matter, seq, due, set_on, agreed_by, reason, event]))
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    fn append_event(
        &self,
        matter: Option<&str>,
        child: Option<&str>,
        step: &Step,
        recorded_at: &str,
    ) -> Result<i64, StoreError> {
        let details = serde_json::to_string(&step.event)
            .map_err(|e| self.err(rusqlite::Error::ToSqlConversionFailure(e.into())))?;
        // Writers are serialised by the immediate transaction, so the tip cannot move under us.
        let (id, prev_hash) = match self.chain_tip()? {
            Some((last, hash)) => (last + 1, hash),
            None => (1, GENESIS.to_string()),
        };
        let effective_on = step.on.to_string();
        let hash = chain_hash(
            &prev_hash,
            &EventColumns {
                id,
                matter,
                child,
                kind: step.event.kind(),
                actor: &step.actor,
                effective_on: &effective_on,
                recorded_at,
                details: &details,
            },
        );
        self.tx
            .prepare_cached(
                "INSERT INTO events (id, matter, child, kind, actor, effective_on, recorded_at, details, prev_hash, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    id,
                    matter,
                    child,
                    step.event.kind(),
                    step.actor,
                    effective_on,
                    recorded_at,
                    details,
                    prev_hash,
                    hash
                ])
            })
            .map_err(|e| self.err(e))?;
        Ok(id)
    }

    /// Matters matching the filter, newest first, without their actions.
    pub fn matters(&self, filter: &MatterFilter) -> Result<Vec<Matter>, StoreError> {
        self.tx
            .prepare_cached(&format!(
                "SELECT {MATTER_COLUMNS} FROM matters
                 WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR stage = ?2) AND (?3 IS NULL OR child = ?3)
                   AND (?4 IS NULL OR iro = ?4) AND (?5 IS NULL OR team = ?5)
                 ORDER BY raised_on DESC, id DESC"
            ))
            .and_then(|mut stmt| {
                stmt.query_map(
                    params![
                        filter.state.map(|s| s.as_str()),
                        filter.stage.map(Stage::number),
                        filter.child,
                        filter.iro,
                        filter.team
                    ],
                    matter_from_row,
                )?
                .collect()
            })
            .map_err(|e| self.err(e))
    }

    /// Every event of one matter, in the order recorded.
    pub fn matter_events(&self, matter: &str) -> Result<Vec<RecordedEvent>, StoreError> {
        self.tx
            .prepare_cached(
                "SELECT id, matter, child, actor, effective_on, recorded_at, details FROM events
                 WHERE matter = ?1 ORDER BY id",
            )
            .and_then(|mut stmt| stmt.query_map([matter], event_from_row)?.collect())
            .map_err(|e| self.err(e))
    }
}

pub(super) fn event_from_row(r: &Row) -> rusqlite::Result<RecordedEvent> {
    let details: String = r.get(6)?;
    let event = serde_json::from_str(&details).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, e.into())
    })?;
    Ok(RecordedEvent {
        id: r.get(0)?,
        matter: r.get(1)?,
        child: r.get(2)?,
        actor: r.get(3)?,
        effective_on: r.get(4)?,
        recorded_at: r.get(5)?,
        event,
    })
}

fn matter_from_row(r: &Row) -> rusqlite::Result<Matter> {
    Ok(Matter {
        id: r.get(0)?,
        child: r.get(1)?,
        iro: r.get(2)?,
        team: r.get(3)?,
        category: r.get(4)?,
        summary: r.get(5)?,
        state: parse_column(r, 6)?,
        stage: match r.get::<_, Option<u8>>(7)? {
            None => None,
            Some(_) => Some(stage_column(r, 7)?),
        },
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

fn stage_column(r: &Row, index: usize) -> rusqlite::Result<Stage> {
    let n: u8 = r.get(index)?;
    Stage::try_from(n).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Integer, e.into())
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
