//! The reads an audit walks: the whole chain in order, every matter's events one matter at a time, and
//! state no event explains.

use std::ops::ControlFlow;

use chrono::NaiveDate;

use super::backend::{
    append_stored, one_line, BackendError, Bind, Decode, Row, Sql, StoredValue, Value, ValueRef,
};
use super::chain::{chain_hash_into, EventColumns, GENESIS};
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

/// One row of a matter's state tables, as stored and read: what the audit names a row that differs
/// by (its sum is of `RowImage`s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateRow {
    /// The matter's own row (its lists left empty).
    Matter(Box<crate::model::Matter>),
    Action(String, crate::model::Action),
    Stage(String, crate::model::StageEntry),
    /// A referral with its number on the matter.
    Referral(String, u32, crate::model::Referral),
    Due(String, DueHistoryRow),
}

/// The state tables, each row's image beginning with its table's mark so that no row of one can be
/// taken for a row of another.
#[derive(Debug, Clone, Copy)]
enum StateTable {
    Matters = 1,
    Actions,
    Stages,
    Referrals,
    Due,
}

/// One row of the state tables as its columns' values, each tagged and each text led by its length so
/// that no two rows have one image: what the audit sums, from the columns as stored on one side and
/// from the values the store would bind for a replayed matter on the other. Reading the stored side
/// this way, rather than decoding each row into the model, was most of the audit's second half.
#[derive(Debug, Default)]
pub struct RowImage {
    bytes: Vec<u8>,
}

impl RowImage {
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    fn begin(&mut self, table: StateTable) {
        self.bytes.clear();
        self.bytes.push(table as u8);
    }

    fn stored(&mut self, value: StoredValue) {
        match value {
            StoredValue::Null => self.bytes.push(0),
            StoredValue::Int(n) => {
                self.bytes.push(1);
                self.bytes.extend_from_slice(&n.to_le_bytes());
            }
            StoredValue::Text(text) => {
                self.text_length(text.len());
                self.bytes.extend_from_slice(text);
            }
            StoredValue::Other => self.bytes.push(3),
        }
    }

    fn text_length(&mut self, length: usize) {
        self.bytes.push(2);
        self.bytes.extend_from_slice(&(length as u64).to_le_bytes());
    }

    /// A value as the store binds it.
    fn bound(&mut self, value: &dyn Bind) {
        match value.value() {
            Value::Null => self.stored(StoredValue::Null),
            Value::Int(n) => self.stored(StoredValue::Int(n)),
            Value::Text(text) => self.stored(StoredValue::Text(text.as_bytes())),
        }
    }

    /// A day as the store binds it, written in place: a replayed matter has many.
    fn day(&mut self, day: Option<NaiveDate>) {
        let Some(day) = day else {
            return self.stored(StoredValue::Null);
        };
        self.text_length(0);
        let length_at = self.bytes.len() - 8;
        append_stored(&day, &mut self.bytes);
        let length = (self.bytes.len() - length_at - 8) as u64;
        self.bytes[length_at..length_at + 8].copy_from_slice(&length.to_le_bytes());
    }

    /// The image of each row a replayed matter would be stored as, in the columns the stored rows are
    /// read by (`for_each_state_image`): its own row, its actions, stages and referrals, and the
    /// due-date history its steps wrote.
    pub fn of_matter(
        &mut self,
        m: &crate::model::Matter,
        history: &[DueHistoryRow],
        each: &mut dyn FnMut(&RowImage),
    ) {
        self.begin(StateTable::Matters);
        for text in [&m.id, &m.child, &m.iro, &m.team, &m.category, &m.summary] {
            self.bound(text);
        }
        self.bound(&m.state);
        self.bound(&m.stage);
        self.day(Some(m.raised_on));
        self.bound(&m.raised_by);
        for day in [
            m.challenge_deadline,
            m.challenged_on,
            m.drp_entered_on,
            m.drp_deadline,
            m.resolved_on,
        ] {
            self.day(day);
        }
        self.bound(&m.resolved_by);
        self.bound(&m.outcome);
        self.day(Some(m.last_step_on));
        self.day(m.qap_raised_on);
        each(self);
        for a in &m.actions {
            self.begin(StateTable::Actions);
            self.bound(&m.id);
            self.bound(&a.seq);
            self.bound(&a.text);
            self.bound(&a.owner);
            self.day(Some(a.due));
            self.bound(&a.status);
            self.day(a.completed_on);
            each(self);
        }
        for stage in &m.stages {
            self.begin(StateTable::Stages);
            self.bound(&m.id);
            self.bound(&stage.stage);
            self.day(Some(stage.entered_on));
            self.bound(&stage.reason);
            self.day(stage.response_deadline);
            each(self);
        }
        for (seq, referral) in (1u32..).zip(&m.referrals) {
            self.begin(StateTable::Referrals);
            self.bound(&m.id);
            self.bound(&seq);
            self.bound(&referral.kind);
            self.day(Some(referral.referred_on));
            self.bound(&referral.reason);
            self.bound(&referral.decision);
            self.day(referral.decided_on);
            each(self);
        }
        for due in history {
            self.begin(StateTable::Due);
            self.bound(&m.id);
            self.bound(&due.seq);
            self.day(Some(due.due));
            self.day(Some(due.set_on));
            self.bound(&due.agreed_by);
            self.bound(&due.reason);
            self.bound(&due.event);
            each(self);
        }
    }
}

/// Where the chain first fails to check out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event {event}: {why}")]
pub struct ChainBreak {
    pub event: i64,
    pub why: String,
}

/// What walking the chain found: how many events, the head hash, the first break if any, the first
/// event whose effective date does not read (chained or not: the hash alone cannot say the date is
/// one iro wrote), and the outbox's entries (event id and details) for the audit to hold the outbox
/// to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainWalk {
    pub events: u64,
    pub head: String,
    pub first_break: Option<ChainBreak>,
    pub misdated: Option<ChainBreak>,
    pub mail: Vec<(i64, String)>,
}

/// Which events a walk reads: those from `from` through `through`, in order. The first of a span
/// that does not begin the chain links to an event another walk read: its `prev_hash` is taken as the
/// head it follows, and held to that walk's head when the two are joined (`ChainWalk::then`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainSpan {
    pub from: i64,
    pub through: i64,
    pub begins_chain: bool,
}

impl ChainSpan {
    pub const WHOLE: ChainSpan = ChainSpan {
        from: i64::MIN,
        through: i64::MAX,
        begins_chain: true,
    };

    /// The chain in two: the events through `through`, from its beginning, and the rest.
    pub fn halves_at(through: i64) -> [ChainSpan; 2] {
        [
            ChainSpan {
                through,
                ..ChainSpan::WHOLE
            },
            match through.checked_add(1) {
                Some(from) => ChainSpan {
                    from,
                    through: i64::MAX,
                    begins_chain: false,
                },
                // Nothing is after the greatest id.
                None => ChainSpan {
                    from: i64::MAX,
                    through: i64::MIN,
                    begins_chain: false,
                },
            },
        ]
    }
}

/// A walk of a span: what it found, and, for a span that does not begin the chain, its first event's
/// id and the hash that event says comes before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpanWalk {
    pub walk: ChainWalk,
    pub first_link: Option<(i64, Vec<u8>)>,
}

impl ChainWalk {
    /// This walk followed by the walk of the span after it: one walk of both, as if walked at once,
    /// the later's first event held to this one's head.
    pub fn then(mut self, later: SpanWalk) -> ChainWalk {
        let SpanWalk { walk, first_link } = later;
        let unlinked = first_link
            .filter(|(_, prev_hash)| *prev_hash != self.head.as_bytes())
            .map(|(event, _)| ChainBreak {
                event,
                why: UNLINKED.into(),
            });
        self.first_break = self.first_break.or(unlinked).or(walk.first_break);
        self.misdated = self.misdated.or(walk.misdated);
        self.mail.extend(walk.mail);
        if walk.events > 0 {
            self.head = walk.head;
        }
        self.events += walk.events;
        self
    }
}

const UNLINKED: &str =
    "its prev_hash is not the hash of the event before it (an event was removed or inserted)";

/// A step of a matter as the walk reads it, borrowed from the row: the texts a log keeps are copied
/// into room it already has (`LoggedEvent::fill`).
#[derive(Debug, Clone, Copy)]
pub struct WalkedStep<'a> {
    pub id: i64,
    pub actor: &'a str,
    pub effective_on: NaiveDate,
    pub recorded_on: Option<NaiveDate>,
    pub details: &'a str,
    pub policy_digest: Option<&'a str>,
}

impl LoggedEvent {
    /// This room holding `step`, its texts copied into what room it has.
    pub fn fill(&mut self, step: &WalkedStep) {
        self.id = step.id;
        step.actor.clone_into(&mut self.actor);
        self.effective_on = step.effective_on;
        self.recorded_on = step.recorded_on;
        step.details.clone_into(&mut self.details);
        match step.policy_digest {
            Some(digest) => digest.clone_into(self.policy_digest.get_or_insert_with(String::new)),
            None => self.policy_digest = None,
        }
    }
}

/// What the walk hands each step of a matter to, with the matter's id: every step whose columns and
/// effective date read (one that does not is the walk's to name).
pub type Feed<'f> = &'f mut dyn FnMut(&str, WalkedStep);

/// One event of a matter's log as stored, undecoded: a malformed one is the audit's to name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LoggedEvent {
    pub id: i64,
    pub actor: String,
    pub effective_on: NaiveDate,
    /// The (UTC) day of its recording time, if that reads as one.
    pub recorded_on: Option<NaiveDate>,
    pub details: String,
    pub policy_digest: Option<String>,
}

/// One row of an action's due-date history, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct DueHistoryRow {
    pub seq: u32,
    pub due: NaiveDate,
    pub set_on: NaiveDate,
    pub agreed_by: Option<String>,
    pub reason: Option<String>,
    pub event: i64,
}

const CHAIN_SPAN: Sql = Sql::new(
    "the chain's events from one id through another",
    "SELECT id, matter, child, kind, actor, effective_on, recorded_at, details, prev_hash, hash,
            entered_by, policy_digest, source
       FROM events WHERE id BETWEEN ?1 AND ?2 ORDER BY id",
);
// Asked apart, each is one step down the table's key; asked together, SQLite reads every event.
const EVENT_IDS: Sql = Sql::new(
    "the first and last event",
    "SELECT (SELECT min(id) FROM events), (SELECT max(id) FROM events)",
);
const MATTER_LOGS_RAW: Sql = Sql::new(
    "every matter's events, undecoded",
    "SELECT matter, id, actor, effective_on, recorded_at, details, policy_digest FROM events
      WHERE matter IS NOT NULL ORDER BY matter, id",
);
const MATTER_SPANS: Sql = Sql::new(
    "each matter's first and last event",
    "SELECT min(id), max(id) FROM events WHERE matter IS NOT NULL GROUP BY matter",
);
const EVERY_MATTER: Sql = Sql::new(
    "every matter as stored",
    concat!("SELECT ", matter_columns!(), " FROM matters m"),
);
const EVERY_ACTION: Sql = Sql::new(
    "every action as stored",
    "SELECT matter, seq, text, owner, due, status, completed_on FROM actions",
)
.keyed_by(&[0, 1]);
const EVERY_STAGE: Sql = Sql::new(
    "every stage as stored",
    "SELECT matter, stage, entered_on, reason, response_deadline FROM stages",
)
.keyed_by(&[0, 1]);
const EVERY_REFERRAL: Sql = Sql::new(
    "every CAFCASS referral as stored",
    "SELECT matter, seq, kind, referred_on, reason, decision, decided_on FROM cafcass_referrals",
)
.keyed_by(&[0, 1]);
const EVERY_DUE: Sql = Sql::new(
    "every due date as stored",
    "SELECT matter, seq, due, set_on, agreed_by, reason, event FROM action_due_history",
)
.keyed_by(&[0, 1, 6]);
const DUE_OF_MATTER: Sql = Sql::new(
    "a matter's due-date history",
    "SELECT seq, due, set_on, agreed_by, reason, event FROM action_due_history WHERE matter = ?1",
)
.keyed_by(&[0, 5]);
const ENTERED_FROM: Sql = Sql::new(
    "the first event that says who entered it",
    "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'entered_from_event'",
);
const EVENT_TRIGGERS: Sql = Sql::each(
    "the triggers that keep the events append-only",
    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events' ORDER BY name",
    "SELECT tgname FROM pg_trigger WHERE tgrelid = 'events'::regclass AND NOT tgisinternal ORDER BY tgname",
);
const POLICIES: Sql = Sql::new(
    "the policies steps were taken under",
    "SELECT digest, policy FROM policies",
);
const UNEXPLAINED_MATTERS: Sql = Sql::new(
    "matters no event explains",
    "SELECT id FROM matters m WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.matter = m.id) ORDER BY id",
);

/// Why a read of the rows ended early: it failed, or its reader had read enough.
enum Halt {
    Failed(StoreError),
    Stopped,
}

impl From<StoreError> for Halt {
    fn from(e: StoreError) -> Halt {
        Halt::Failed(e)
    }
}

/// One event's columns as the walk reads them, borrowed from the row: the walk reads every event, and
/// copying thirteen texts out of each was a third of its time.
struct Stored<'a> {
    id: i64,
    matter: Option<&'a str>,
    child: Option<&'a str>,
    kind: &'a str,
    actor: &'a str,
    effective_on: &'a str,
    recorded_at: &'a str,
    details: &'a str,
    /// The hashes, as their bytes: only compared, so not read as UTF-8.
    prev_hash: &'a [u8],
    hash: &'a [u8],
    entered_by: Option<&'a str>,
    policy_digest: Option<&'a str>,
    source: Option<&'a str>,
}

impl<'a> Stored<'a> {
    fn read(r: &'a dyn Row) -> Result<Stored<'a>, BackendError> {
        Ok(Stored {
            id: r.get(0)?,
            matter: r.optional_text(1)?,
            child: r.optional_text(2)?,
            kind: r.text(3)?,
            actor: r.text(4)?,
            effective_on: r.text(5)?,
            recorded_at: r.text(6)?,
            details: r.text(7)?,
            prev_hash: r.bytes(8)?,
            hash: r.bytes(9)?,
            entered_by: r.optional_text(10)?,
            policy_digest: r.optional_text(11)?,
            source: r.optional_text(12)?,
        })
    }
}

/// Why an event breaks the chain after `head`, if it does: its link, its hash, its date, or what it
/// says of who entered it against the record's upgrade point (`entered_from`).
fn chain_break(
    e: &Stored,
    head: &[u8],
    entered_from: Option<i64>,
    room: &mut HashRoom,
) -> Option<ChainBreak> {
    let broken = |why: String| Some(ChainBreak { event: e.id, why });
    if e.prev_hash != head {
        return broken(UNLINKED.into());
    }
    let HashRoom { encoded, hashed } = room;
    chain_hash_into(
        head,
        &EventColumns {
            id: e.id,
            matter: e.matter,
            child: e.child,
            kind: e.kind,
            actor: e.actor,
            effective_on: e.effective_on,
            recorded_at: e.recorded_at,
            details: e.details,
            entered_by: e.entered_by,
            policy_digest: e.policy_digest,
            source: e.source,
        },
        encoded,
        hashed,
    );
    if hashed.as_bytes() != e.hash {
        return broken(
            "its hash does not match its contents (it was changed after it was recorded)".into(),
        );
    }
    if dated_after_recorded(e.effective_on, e.recorded_at) {
        return broken(format!(
            "it is dated {}, after the day it was recorded ({})",
            e.effective_on,
            e.recorded_at.get(..10).unwrap_or_default()
        ));
    }
    if e.entered_by.is_some() && entered_from.is_none_or(|from| e.id < from) {
        return broken("it says who entered it, yet the record says no event before the upgrade point can: the point was moved".into());
    }
    if entered_from.is_some_and(|from| e.id >= from)
        && (e.entered_by.is_none() || e.policy_digest.is_none())
    {
        return broken("it does not say who entered it or under which policy, as every event since the upgrade does".into());
    }
    None
}

/// The (UTC) day of a recording time, if it reads as one.
fn recorded_day(recorded_at: &str) -> Option<NaiveDate> {
    recorded_at
        .get(..10)
        .and_then(|day| NaiveDate::decode(ValueRef::Text(day)).ok())
}

/// A walked step as a matter's log holds it, its dates read.
fn walked_step<'a>(e: &Stored<'a>, effective_on: NaiveDate) -> WalkedStep<'a> {
    WalkedStep {
        id: e.id,
        actor: e.actor,
        effective_on,
        recorded_on: recorded_day(e.recorded_at),
        details: e.details,
        policy_digest: e.policy_digest,
    }
}

/// Why an event's `column` does not read, quoting what was stored on one line.
fn does_not_read(column: &str, why: &str) -> String {
    format!("its {column} column does not read: {}", one_line(why))
}

/// The room the walk hashes each event in, kept from one event to the next.
#[derive(Default)]
struct HashRoom {
    encoded: Vec<u8>,
    hashed: String,
}

/// Whether an event takes effect after the day it was recorded. `recorded_at` is UTC and the effective
/// date the service's own, which in England is at most a day ahead of UTC's.
fn dated_after_recorded(effective_on: &str, recorded_at: &str) -> bool {
    // Days written in digits as YYYY-MM-DD sort as their texts do: a day on or before the recording's,
    // as nearly every event's is, needs no reading.
    let shaped = |day: &str| {
        day.len() == 10
            && day.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                _ => b.is_ascii_digit(),
            })
    };
    if let Some(day) = recorded_at.get(..10) {
        if shaped(effective_on) && shaped(day) && effective_on <= day {
            return false;
        }
    }
    let effective = effective_on.parse::<NaiveDate>();
    let recorded = recorded_at
        .get(..10)
        .and_then(|d| d.parse::<NaiveDate>().ok());
    match (effective, recorded) {
        (Ok(effective), Some(recorded)) => recorded.succ_opt().is_some_and(|next| effective > next),
        // A date that does not read is the hash's to catch, or the replay's.
        _ => false,
    }
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
        Ok(self.walk_span(ChainSpan::WHOLE, None)?.walk)
    }

    /// The first and last event's ids, if there are events.
    pub fn event_ids(&self) -> Result<Option<(i64, i64)>, StoreError> {
        let ids: (Option<i64>, Option<i64>) =
            self.one(&EVENT_IDS, &[], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(ids.0.zip(ids.1))
    }

    /// The same of the events in `span`, handing each step of a matter to `feed` as it is walked, with
    /// its matter: one read of the events for the chain and for the replay of every matter. An event
    /// whose columns are not the texts iro writes breaks the chain where it is, since its hash cannot
    /// be one iro computed.
    pub fn walk_span(
        &self,
        span: ChainSpan,
        mut feed: Option<Feed<'_>>,
    ) -> Result<SpanWalk, StoreError> {
        let mut first_link = None;
        let mut walk = ChainWalk {
            events: 0,
            // Kept as bytes while walking (`head` below), and told once the walk is over.
            head: String::new(),
            first_break: None,
            misdated: None,
            mail: Vec::new(),
        };
        // Every event from here on must say who entered it and under which policy.
        let entered_from: Option<i64> = self.row(&ENTERED_FROM, &[], |r| r.get(0))?;
        // All the work is done on the borrowed row, so nothing is copied but the mail's texts.
        let mut room = HashRoom::default();
        let mut head = GENESIS.as_bytes().to_vec();
        self.stream(
            &CHAIN_SPAN,
            &[&span.from, &span.through],
            |r| {
                walk.events += 1;
                let e = match Stored::read(r) {
                    Ok(e) => e,
                    // A value in a column of iro's own type that iro never writes (not UTF-8);
                    // a column not of iro's type is the database's fault, and told as it is.
                    Err(BackendError::Decode { column, why }) => {
                        let event = r.get(0)?;
                        if walk.first_break.is_none() {
                            walk.first_break = Some(ChainBreak {
                                event,
                                why: does_not_read(r.column_name(column).unwrap_or("?"), &why),
                            });
                        }
                        // The walk goes on past it, to count the rest, from the hash it holds.
                        head.clear();
                        if let Ok(Some(hash)) = r.text_bytes(9) {
                            head.extend_from_slice(hash);
                        }
                        return Ok(());
                    }
                    Err(other) => return Err(other),
                };
                if walk.events == 1 && !span.begins_chain {
                    head.clear();
                    head.extend_from_slice(e.prev_hash);
                    first_link = Some((e.id, e.prev_hash.to_vec()));
                }
                if walk.first_break.is_none() {
                    walk.first_break = chain_break(&e, &head, entered_from, &mut room);
                }
                let effective_on = NaiveDate::decode(ValueRef::Text(e.effective_on));
                match (e.matter, &mut feed, &effective_on) {
                    (Some(matter), Some(feed), Ok(on)) => feed(matter, walked_step(&e, *on)),
                    (None, _, _) if crate::engine::MAIL_KINDS.contains(&e.kind) => {
                        walk.mail.push((e.id, e.details.to_string()));
                    }
                    _ => {}
                }
                if let Err(why) = effective_on {
                    walk.misdated.get_or_insert_with(|| ChainBreak {
                        event: e.id,
                        why: does_not_read("effective_on", &why),
                    });
                }
                head.clear();
                head.extend_from_slice(e.hash);
                Ok(())
            },
            |()| Ok::<(), StoreError>(()),
        )?;
        // A hash that is not UTF-8 is not the hex computed for it: the walk has named it already.
        walk.head = String::from_utf8_lossy(&head).into_owned();
        Ok(SpanWalk { walk, first_link })
    }

    /// The ids of each matter's first events and of their last, each from the least to the greatest.
    pub fn matter_spans(&self) -> Result<(Vec<i64>, Vec<i64>), StoreError> {
        let spans: Vec<(i64, i64)> =
            self.rows(&MATTER_SPANS, &[], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let (mut starts, mut ends): (Vec<i64>, Vec<i64>) = spans.into_iter().unzip();
        starts.sort_unstable();
        ends.sort_unstable();
        Ok((starts, ends))
    }

    /// Every matter's events in order, undecoded, one matter at a time, so a replay never holds the
    /// whole log: the matters in the order of their ids, each matter's events in the order recorded.
    /// `visit` may stop the read.
    pub fn for_each_matter_log_raw(
        &self,
        mut visit: impl FnMut(&str, &[LoggedEvent]) -> Result<ControlFlow<()>, StoreError>,
    ) -> Result<(), StoreError> {
        let mut current = String::new();
        // The events of the matter being read, in slots kept from one matter to the next: each text
        // is copied into the room the one before left, where allocating and freeing four texts for
        // every event was a tenth of the replay.
        let mut log: Vec<LoggedEvent> = Vec::new();
        let mut read_so_far = 0;
        // The matter's id is read borrowed and copied once per matter, not once per event.
        let read = self.each_row(&MATTER_LOGS_RAW, &[], |r| {
            let matter = r.text(0)?;
            if matter != current {
                if read_so_far > 0 {
                    match visit(&current, &log[..read_so_far]) {
                        Ok(ControlFlow::Continue(())) => {}
                        Ok(ControlFlow::Break(())) => return Ok(Err(Halt::Stopped)),
                        Err(e) => return Ok(Err(Halt::Failed(e))),
                    }
                    read_so_far = 0;
                }
                matter.clone_into(&mut current);
            }
            if read_so_far == log.len() {
                log.push(LoggedEvent::default());
            }
            log[read_so_far].fill(&WalkedStep {
                id: r.get(1)?,
                actor: r.text(2)?,
                effective_on: r.get(3)?,
                recorded_on: recorded_day(r.text(4)?),
                details: r.text(5)?,
                policy_digest: r.optional_text(6)?,
            });
            read_so_far += 1;
            Ok(Ok(()))
        });
        match read {
            Ok(()) if read_so_far > 0 => visit(&current, &log[..read_so_far]).map(|_| ()),
            Ok(()) | Err(Halt::Stopped) => Ok(()),
            Err(Halt::Failed(e)) => Err(e),
        }
    }

    /// The image of every row of the matters' state tables, in no order: matters, actions, stages,
    /// referrals and due-date history, each read as stored (a value that would not decode is in its
    /// image as it is, for `for_each_state_row` to name).
    pub fn for_each_state_image(&self, mut each: impl FnMut(&RowImage)) -> Result<(), StoreError> {
        let mut image = RowImage::default();
        for (table, sql, columns) in [
            (StateTable::Matters, &EVERY_MATTER, 19),
            (StateTable::Actions, &EVERY_ACTION, 7),
            (StateTable::Stages, &EVERY_STAGE, 5),
            (StateTable::Referrals, &EVERY_REFERRAL, 7),
            (StateTable::Due, &EVERY_DUE, 7),
        ] {
            self.each_row(sql, &[], |r| {
                image.begin(table);
                for column in 0..columns {
                    image.stored(r.stored(column)?);
                }
                each(&image);
                Ok(Ok::<(), StoreError>(()))
            })?;
        }
        Ok(())
    }

    /// Every row of the matters' state tables, in no order: matters, actions, stages, referrals and
    /// due-date history.
    pub fn for_each_state_row(
        &self,
        mut each: impl FnMut(StateRow) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        use crate::model::{Action, Referral, StageEntry};
        self.stream(
            &EVERY_MATTER,
            &[],
            |r| super::matters::matter_from_row(r).map(|m| StateRow::Matter(Box::new(m))),
            &mut each,
        )?;
        self.stream(
            &EVERY_ACTION,
            &[],
            |r| {
                Ok(StateRow::Action(
                    r.get(0)?,
                    Action {
                        seq: r.get(1)?,
                        text: r.get(2)?,
                        owner: r.get(3)?,
                        due: r.get(4)?,
                        status: r.get(5)?,
                        completed_on: r.get(6)?,
                    },
                ))
            },
            &mut each,
        )?;
        self.stream(
            &EVERY_STAGE,
            &[],
            |r| {
                Ok(StateRow::Stage(
                    r.get(0)?,
                    StageEntry {
                        stage: r.get(1)?,
                        entered_on: r.get(2)?,
                        reason: r.get(3)?,
                        response_deadline: r.get(4)?,
                    },
                ))
            },
            &mut each,
        )?;
        self.stream(
            &EVERY_REFERRAL,
            &[],
            |r| {
                Ok(StateRow::Referral(
                    r.get(0)?,
                    r.get(1)?,
                    Referral {
                        kind: r.get(2)?,
                        referred_on: r.get(3)?,
                        reason: r.get(4)?,
                        decision: r.get(5)?,
                        decided_on: r.get(6)?,
                    },
                ))
            },
            &mut each,
        )?;
        self.stream(
            &EVERY_DUE,
            &[],
            |r| {
                Ok(StateRow::Due(
                    r.get(0)?,
                    DueHistoryRow {
                        seq: r.get(1)?,
                        due: r.get(2)?,
                        set_on: r.get(3)?,
                        agreed_by: r.get(4)?,
                        reason: r.get(5)?,
                        event: r.get(6)?,
                    },
                ))
            },
            &mut each,
        )
    }

    /// One matter's due-date history as stored, for naming the row that differs.
    pub fn due_history_of(&self, matter: &str) -> Result<Vec<DueHistoryRow>, StoreError> {
        self.rows(&DUE_OF_MATTER, &[&matter], |r| {
            Ok(DueHistoryRow {
                seq: r.get(0)?,
                due: r.get(1)?,
                set_on: r.get(2)?,
                agreed_by: r.get(3)?,
                reason: r.get(4)?,
                event: r.get(5)?,
            })
        })
    }

    /// The names of the triggers on the events table.
    pub fn event_triggers(&self) -> Result<Vec<String>, StoreError> {
        self.rows(&EVENT_TRIGGERS, &[], |r| r.get(0))
    }

    /// The first event that must say who entered it, where the database was upgraded to know.
    pub fn entered_from_event(&self) -> Result<Option<i64>, StoreError> {
        self.row(&ENTERED_FROM, &[], |r| r.get(0))
    }

    /// The text of every policy a step was taken under, by digest.
    pub fn policies(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.rows(&POLICIES, &[], |r| Ok((r.get(0)?, r.get(1)?)))
    }

    /// Matters with no event at all: state that no recorded step explains.
    pub fn matters_without_events(&self) -> Result<Vec<String>, StoreError> {
        self.rows(&UNEXPLAINED_MATTERS, &[], |r| r.get(0))
    }
}

#[cfg(test)]
mod tests {
    use super::{dated_after_recorded, ChainSpan};

    #[test]
    fn the_halves_of_a_chain_cover_every_id_once() {
        for through in [i64::MIN, -1, 0, 1, 41, i64::MAX - 1, i64::MAX] {
            let [earlier, later] = ChainSpan::halves_at(through);
            let holds = |span: ChainSpan, id: i64| span.from <= id && id <= span.through;
            for id in [
                i64::MIN,
                through.saturating_sub(1),
                through,
                through.saturating_add(1),
                i64::MAX,
            ] {
                assert!(
                    holds(earlier, id) != holds(later, id),
                    "divided after {through}, {id} is in exactly one half"
                );
                assert_eq!(
                    holds(earlier, id),
                    id <= through,
                    "divided after {through}: {id}"
                );
            }
            assert!(earlier.begins_chain && !later.begins_chain);
        }
    }

    #[test]
    fn a_step_is_dated_after_its_recording_only_beyond_the_next_day() {
        let at = "2026-03-02T23:10:00Z";
        assert!(!dated_after_recorded("2026-03-01", at));
        assert!(!dated_after_recorded("2026-03-02", at));
        // England is up to a day ahead of UTC.
        assert!(!dated_after_recorded("2026-03-03", at));
        assert!(dated_after_recorded("2026-03-04", at));
        assert!(dated_after_recorded("2099-01-01", at));
    }

    #[test]
    fn a_day_written_otherwise_is_read_not_compared_as_text() {
        // Each sorts before the recording's day as text; those that read as a day read as one long
        // after it.
        let at = "2026-03-02T23:10:00Z";
        let read: Vec<&str> = [
            "+2099-01-01",
            "02099-1-01",
            "2099-1-001",
            " 2099-1-01",
            "2099-1-1",
        ]
        .into_iter()
        .filter(|text| text.parse::<chrono::NaiveDate>().is_ok())
        .collect();
        assert!(!read.is_empty(), "some such text reads as a day");
        for later in read {
            assert!(dated_after_recorded(later, at), "{later}");
        }
    }
}
