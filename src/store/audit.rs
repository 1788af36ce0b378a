//! The reads an audit walks: the whole chain in order, every matter's events one matter at a time, and
//! state no event explains.

use chrono::NaiveDate;

use super::backend::Sql;
use super::chain::{chain_hash, event_from_row, EventColumns, RecordedEvent, GENESIS};
use super::{StoreError, Tx};

const ENTERED_FOR_ANOTHER: Sql = Sql::new(
    "events entered by a login not bound to their actor",
    "SELECT e.id, e.effective_on, e.matter, e.kind, e.actor, s.login, e.entered_by, b.id, b.role
       FROM events e
       LEFT JOIN staff s ON s.id = e.actor
       LEFT JOIN staff b ON b.login = e.entered_by
      WHERE e.entered_by IS NOT NULL AND (s.login IS NULL OR s.login <> e.entered_by)
      ORDER BY e.id",
);

/// A step entered by a login that is not the one its actor is bound to: on another's behalf, or as
/// someone bound to no login.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EnteredForAnother {
    pub event: i64,
    pub effective_on: NaiveDate,
    pub matter: Option<String>,
    pub kind: String,
    pub actor: String,
    /// The login the actor is bound to now, if any.
    pub actor_login: Option<String>,
    pub entered_by: String,
    /// The member of staff that login is bound to now, and their role.
    pub entered_as: Option<String>,
    pub entered_as_role: Option<crate::model::Role>,
}

/// Where the chain first fails to check out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub event: i64,
    pub why: String,
}

/// What walking the chain found: how many events, the head hash, and the first break if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainWalk {
    pub events: u64,
    pub head: String,
    pub first_break: Option<ChainBreak>,
}

const WHOLE_CHAIN: Sql = Sql::new(
    "the whole chain",
    "SELECT id, matter, child, kind, actor, effective_on, recorded_at, details, prev_hash, hash,
            entered_by, policy_digest
       FROM events ORDER BY id",
);
const MATTER_LOGS: Sql = Sql::new(
    "every matter's events",
    "SELECT id, matter, child, actor, effective_on, recorded_at, details FROM events
      WHERE matter IS NOT NULL ORDER BY matter, id",
);
const UNEXPLAINED_MATTERS: Sql = Sql::new(
    "matters no event explains",
    "SELECT id FROM matters m WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.matter = m.id) ORDER BY id",
);

/// One stored event's columns, as the chain walk reads them.
struct Stored {
    id: i64,
    matter: Option<String>,
    child: Option<String>,
    kind: String,
    actor: String,
    effective_on: String,
    recorded_at: String,
    details: String,
    prev_hash: String,
    hash: String,
    entered_by: Option<String>,
    policy_digest: Option<String>,
}

impl Tx<'_> {
    /// Every step entered by a login other than the one its actor is bound to (against the logins
    /// bound now), in the order recorded.
    pub fn entered_for_another<E: From<StoreError>>(
        &self,
        each: impl FnMut(EnteredForAnother) -> Result<(), E>,
    ) -> Result<(), E> {
        self.stream(
            &ENTERED_FOR_ANOTHER,
            &[],
            |r| {
                Ok(EnteredForAnother {
                    event: r.get(0)?,
                    effective_on: r.get(1)?,
                    matter: r.get(2)?,
                    kind: r.get(3)?,
                    actor: r.get(4)?,
                    actor_login: r.get(5)?,
                    entered_by: r.get(6)?,
                    entered_as: r.get(7)?,
                    entered_as_role: r.get(8)?,
                })
            },
            each,
        )
    }

    /// Recomputes every hash in order, streaming the events.
    pub fn walk_chain(&self) -> Result<ChainWalk, StoreError> {
        let mut walk = ChainWalk {
            events: 0,
            head: GENESIS.to_string(),
            first_break: None,
        };
        self.stream(
            &WHOLE_CHAIN,
            &[],
            |r| {
                Ok(Stored {
                    id: r.get(0)?,
                    matter: r.get(1)?,
                    child: r.get(2)?,
                    kind: r.get(3)?,
                    actor: r.get(4)?,
                    effective_on: r.get(5)?,
                    recorded_at: r.get(6)?,
                    details: r.get(7)?,
                    prev_hash: r.get(8)?,
                    hash: r.get(9)?,
                    entered_by: r.get(10)?,
                    policy_digest: r.get(11)?,
                })
            },
            |e: Stored| -> Result<(), StoreError> {
                walk.events += 1;
                if walk.first_break.is_none() {
                    let expected = chain_hash(
                        &walk.head,
                        &EventColumns {
                            id: e.id,
                            matter: e.matter.as_deref(),
                            child: e.child.as_deref(),
                            kind: &e.kind,
                            actor: &e.actor,
                            effective_on: &e.effective_on,
                            recorded_at: &e.recorded_at,
                            details: &e.details,
                            entered_by: e.entered_by.as_deref(),
                            policy_digest: e.policy_digest.as_deref(),
                        },
                    );
                    if e.prev_hash != walk.head {
                        walk.first_break = Some(ChainBreak {
                            event: e.id,
                            why: "its prev_hash is not the hash of the event before it (an event was removed or inserted)"
                                .into(),
                        });
                    } else if expected != e.hash {
                        walk.first_break = Some(ChainBreak {
                            event: e.id,
                            why: "its hash does not match its contents (it was changed after it was recorded)".into(),
                        });
                    }
                }
                walk.head = e.hash;
                Ok(())
            },
        )?;
        Ok(walk)
    }

    /// Every matter's events in order, one matter at a time, so a replay never holds the whole log.
    pub fn for_each_matter_log(
        &self,
        mut visit: impl FnMut(&str, Vec<RecordedEvent>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut current: Option<String> = None;
        let mut log = Vec::new();
        self.stream(&MATTER_LOGS, &[], event_from_row, |event: RecordedEvent| {
            let matter = event.matter.clone().unwrap_or_default();
            if current.as_deref() != Some(matter.as_str()) {
                if let Some(done) = current.take() {
                    visit(&done, std::mem::take(&mut log))?;
                }
                current = Some(matter);
            }
            log.push(event);
            Ok(())
        })?;
        if let Some(done) = current {
            visit(&done, log)?;
        }
        Ok(())
    }

    /// Matters with no event at all: state that no recorded step explains.
    pub fn matters_without_events(&self) -> Result<Vec<String>, StoreError> {
        self.rows(&UNEXPLAINED_MATTERS, &[], |r| r.get(0))
    }
}
