//! Whether the record is what the tool wrote, and says what happened: the chain walked; the
//! append-only triggers in place; every message held to its events; the directory folded from its
//! changes; every matter replayed through the engine's `evolve` and every step re-judged by the rules,
//! the directory and the policy as they stood when it was recorded; the due-date history rebuilt from
//! the steps. Each is compared with the rows as stored. An edit the hash chain cannot see because it
//! touches no event shows in the replays; a chain recomputed after an edit shows where its steps break
//! the rules, or against a witness kept elsewhere (`witnessed`).

use rustc_hash::FxHashMap as HashMap;
use std::borrow::Cow;
use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, VecDeque};
use std::ops::{ControlFlow, Range};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex};

use chrono::NaiveDate;
use serde::Serialize;

use crate::calendar::Calendar;
use crate::engine::directory::{Replayed, Version};
use crate::engine::{
    self, corrections, evolve, Concern, Correction, Delivery, Event, Judge, Logged, Mail,
    NewAction, Opening, Policy, Request, Step, Timescale,
};
use crate::model::{Child, Cover, Matter, ReferralKind, Staff};
use crate::store::audit::{
    ChainSpan, DueHistoryRow, LoggedEvent, RowImage, SpanWalk, StateRow, WalkedStep,
};
use crate::store::StoredDirectory;
use crate::store::{Store, StoreError, Tx};

/// The triggers that refuse any change to a recorded event.
const APPEND_ONLY: [&str; 2] = ["events_no_delete", "events_no_update"];

/// What verifying the record found: how many events, the head hash, and the first problem if any
/// (with none of the first two where a value that did not read stopped it before the walk was done).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub events: u64,
    pub head: String,
    pub problem: Option<String>,
}

/// A value that did not read, anywhere the audit looked, as the problem it is: iro never writes one.
/// It may have been read before the walk came to an earlier break (the directory is read first), so
/// the chain is walked alone and its own fault, or the first event whose date does not read, told
/// first. Anything else that stopped it is told as it came.
fn unread_breaks(
    first: &mut Store,
    verified: Result<Verdict, StoreError>,
) -> Result<Verdict, StoreError> {
    let unread = match verified {
        Err(e) => match e.unread() {
            Some(problem) => problem,
            None => return Err(e),
        },
        verdict => return verdict,
    };
    let unread_alone = || Verdict {
        events: 0,
        head: String::new(),
        problem: Some(unread.clone()),
    };
    match chain_first(first) {
        Ok(Some(verdict)) => Ok(verdict),
        Ok(None) => Ok(unread_alone()),
        // Should the walk alone not get so far for a value that does not read, that value is the
        // problem still; a database that failed is told as it is.
        Err(e) if e.unread().is_some() => Ok(unread_alone()),
        Err(e) => Err(e),
    }
}

/// The chain's own fault, walked alone, or the first event whose date does not read, if either.
fn chain_first(first: &mut Store) -> Result<Option<Verdict>, StoreError> {
    let tx = first.read()?;
    let walk = tx.walk_chain()?;
    let misdated = walk.misdated.as_ref().map(ToString::to_string);
    Ok(walked(&tx, &walk)?.or(misdated).map(|problem| Verdict {
        events: walk.events,
        head: walk.head.clone(),
        problem: Some(problem),
    }))
}

/// Verifies the whole record (see the module's note) on two connections at once, with one read of the
/// events between them. The first folds the directory, finds each matter's first and last event and
/// walks the first half of the chain; the second sums the stored tables and walks the rest. Each
/// walk gathers each matter's steps as it goes and hands them on once its last is walked, the second
/// joining the matters the first began to their later steps; both replay and re-judge the matters
/// handed on, whichever is free taking the next, a walk between its steps whenever too many wait.
/// The two halves of the chain are joined where they meet. Both read the same record: if a step was
/// recorded between their starts, they start again. `progress` is told, from the calling thread, how
/// many events have been checked so far: each step once replayed, any other event once walked.
pub fn verify_on_two(
    first: &mut Store,
    second: &mut Store,
    progress: &mut dyn FnMut(u64),
) -> Result<Verdict, StoreError> {
    let verified = verify_both(first, second, progress);
    unread_breaks(first, verified)
}

/// What the first half reads for both: the directory as recorded, the ids of each matter's first
/// events and of their last (`Tx::matter_spans`), and the span of the chain the second walks.
struct Plan {
    recorded: Arc<Recorded>,
    starts: Vec<i64>,
    ends: Vec<i64>,
    later: ChainSpan,
}

/// The chain in halves by its ids: of about as many events each, where the ids run without gaps as
/// iro numbers them.
fn halves(ids: Option<(i64, i64)>) -> [ChainSpan; 2] {
    let through = ids.map_or(0, |(first, last)| {
        // Halved as wider numbers, so no id a record could hold overflows.
        ((i128::from(first) + i128::from(last)) / 2) as i64
    });
    ChainSpan::halves_at(through)
}

fn verify_both(
    first: &mut Store,
    second: &mut Store,
    progress: &mut dyn FnMut(u64),
) -> Result<Verdict, StoreError> {
    for _ in 0..3 {
        let key = RandomState::new();
        let ready = Ready::new(2);
        let replayed_events = AtomicU64::new(0);
        let (plan_is_read, read_plan) = mpsc::sync_channel::<Arc<Plan>>(1);
        // The matters the first half began and did not end, for the second to join to their later
        // steps; and the second half's walk, for the first to join to its own.
        let (earlier_is_walked, walked_earlier) = mpsc::sync_channel::<HashMap<String, Log>>(1);
        let (later_is_walked, walked_later) = mpsc::sync_channel::<SpanWalk>(1);
        let waiting = std::thread::current();
        let (left, right) = std::thread::scope(|scope| {
            let left = scope.spawn(|| -> Result<_, StoreError> {
                // Owned here, so a walk that fails before it has sent them drops them, and the
                // second is told rather than left waiting.
                let (plan_is_read, earlier_is_walked) = (plan_is_read, earlier_is_walked);
                // Owned here: a receiver is not to be shared between threads.
                let walked_later = walked_later;
                let _done = Wake(waiting.clone());
                // However the walk ends, the replays waiting on it learn that it is over.
                let walking = Walking(&ready);
                let tx = first.read()?;
                let tip = tx.head()?;
                let stored_directory = tx.stored_directory()?;
                let directory = directory_mismatch(&tx, &stored_directory)?;
                let recorded = Arc::new(Recorded::read_with(&tx, stored_directory)?);
                let (starts, ends) = tx.matter_spans()?;
                let [earlier, later] = halves(tx.event_ids()?);
                let plan = Arc::new(Plan {
                    recorded: recorded.clone(),
                    starts,
                    ends,
                    later,
                });
                // Should the second have failed already, its failure is the one told.
                let _ = plan_is_read.send(plan.clone());
                let stood = AsItStood::of(recorded);
                let mut replayer = Replayer::new(stood, key.clone(), &replayed_events);
                let mut gathering = Gathering::new(&ready, &plan.ends, None);
                let walk = tx
                    .walk_span(
                        earlier,
                        Some(&mut |matter, step| {
                            gathering.take(matter, step, &mut |batch| {
                                replayer.replay_all(batch, &ready)
                            })
                        }),
                    )?
                    .walk;
                let (begun, handed) = gathering.hand_over();
                let _ = earlier_is_walked.send(begun);
                // Every event not handed to a replay is checked once walked: counted now, so the
                // count comes to the events walked when the last replay is done.
                replayed_events.fetch_add(walk.events.saturating_sub(handed), Ordering::Relaxed);
                drop(walking);
                replayer.drain(&ready);
                // The whole chain, once the second has walked the rest: none if it stopped first.
                let walk = walked_later.recv().ok().map(|later| walk.then(later));
                let checked = match &walk {
                    Some(walk) => walked(&tx, walk)?,
                    None => None,
                };
                Ok((tip, walk, checked, directory, replayer.done()))
            });
            let right = scope.spawn(|| -> Result<_, StoreError> {
                // Owned here: a receiver is not to be shared between threads; the sender dropped by
                // a walk that fails, so the first is told rather than left waiting.
                let (read_plan, walked_earlier) = (read_plan, walked_earlier);
                let later_is_walked = later_is_walked;
                let _done = Wake(waiting.clone());
                let walking = Walking(&ready);
                let place = second.place();
                let stopped = || StoreError::Database {
                    place: place.clone(),
                    cause: "the first connection stopped before it handed on what it read".into(),
                };
                let tx = second.read()?;
                let tip = tx.head()?;
                let mut stored = RowSum::with_key(key.clone());
                tx.for_each_state_image(|row| stored.add(row))?;
                // Should the first fail before it is ready, its failure is the one told.
                let Ok(plan) = read_plan.recv() else {
                    return Err(stopped());
                };
                let stood = AsItStood::of(plan.recorded.clone());
                let mut replayer = Replayer::new(stood, key.clone(), &replayed_events);
                let mut gathering = Gathering::new(&ready, &plan.ends, Some(&plan.starts));
                let walk = tx.walk_span(
                    plan.later,
                    Some(&mut |matter, step| {
                        gathering.take(matter, step, &mut |batch| {
                            replayer.replay_all(batch, &ready)
                        })
                    }),
                )?;
                let Ok(begun) = walked_earlier.recv() else {
                    return Err(stopped());
                };
                let handed = gathering.join(begun, &mut |batch| replayer.replay_all(batch, &ready));
                replayed_events
                    .fetch_add(walk.walk.events.saturating_sub(handed), Ordering::Relaxed);
                let _ = later_is_walked.send(walk);
                drop(walking);
                replayer.drain(&ready);
                Ok((tip, stored, replayer.done()))
            });
            // The progress is told here, in the caller's thread, which may be drawing on a terminal.
            while !(left.is_finished() && right.is_finished()) {
                progress(replayed_events.load(Ordering::Relaxed));
                std::thread::park_timeout(std::time::Duration::from_millis(100));
            }
            progress(replayed_events.load(Ordering::Relaxed));
            (
                left.join().expect("the chain's walk does not panic"),
                right.join().expect("the replay does not panic"),
            )
        });
        let (left_tip, walk, checked, directory, (left_problem, mut replayed)) = left?;
        // A value the second could not read (its tables' values are summed as stored, so only what
        // the walk of its half stopped at) is told after the chain's fault by `unread_breaks`.
        let (right_tip, stored, (right_problem, right_replayed)) = right?;
        if left_tip != right_tip {
            continue;
        }
        let Some(walk) = walk else {
            return Err(StoreError::Database {
                place: second.place(),
                cause: "the walk of the chain's second half ended without a word".into(),
            });
        };
        if checked.is_some() {
            // The chain's own fault comes first, whatever the replay made of it.
            return Ok(Verdict {
                events: walk.events,
                head: walk.head,
                problem: checked,
            });
        }
        let verdict = |problem| Verdict {
            events: walk.events,
            head: walk.head.clone(),
            problem,
        };
        if directory.is_some() {
            return Ok(verdict(directory));
        }
        // A step whose date the walk could not read (and so handed to no replay), by its event.
        let misdated = walk.misdated.as_ref().map(|m| (m.event, m.to_string()));
        // The first event that fails in the chain's order, whichever half found it, or whose date
        // the walk could not read.
        if let Some(why) = first_failing([left_problem, right_problem, misdated]) {
            return Ok(verdict(Some(why)));
        }
        replayed.merge(right_replayed);
        if stored == replayed {
            return Ok(verdict(None));
        }
        let tx = first.read()?;
        let mut stood = AsItStood::read(&tx)?;
        return Ok(verdict(name_the_difference(&tx, &mut stood)?));
    }
    Err(StoreError::Database {
        place: first.place(),
        cause: "steps kept being recorded while the record was verified: verify it again when it is quiet"
            .into(),
    })
}

/// Of events that do not stand, the one first in the chain's order, told.
fn first_failing<const N: usize>(failing: [Option<Failing>; N]) -> Option<String> {
    failing
        .into_iter()
        .flatten()
        .min_by_key(|(event, _)| *event)
        .map(|(_, why)| why)
}

/// What the walk and the tables beside the chain say: a break, a missing trigger, a policy whose text
/// is not its digest's, a message that is not what its events say.
fn walked(tx: &Tx, walk: &crate::store::audit::ChainWalk) -> Result<Option<String>, StoreError> {
    if let Some(broken) = &walk.first_break {
        return Ok(Some(broken.to_string()));
    }
    let triggers = tx.event_triggers()?;
    if let Some(missing) = APPEND_ONLY
        .iter()
        .find(|t| !triggers.iter().any(|n| n == *t))
    {
        return Ok(Some(format!(
            "the trigger {missing} that keeps recorded events from being changed is missing"
        )));
    }
    for (digest, text) in tx.policies()? {
        if crate::policy::digest_of(&text) != digest {
            return Ok(Some(format!(
                "the policy kept as {digest} is not the text that digest names: it was changed"
            )));
        }
    }
    mail_mismatch(tx, &walk.mail)
}

/// Names the first row whose stored state differs from what its events say (the directory, then each
/// matter and its due-date history, re-judged), or a row no event explains; `None` when everything
/// checks out.
pub fn replay_mismatch(tx: &Tx) -> Result<Option<String>, StoreError> {
    let stored = tx.stored_directory()?;
    if let Some(mismatch) = directory_mismatch(tx, &stored)? {
        return Ok(Some(mismatch));
    }
    matter_mismatch(tx, AsItStood::read_with(tx, stored)?)
}

/// Every message against its events: queued with the digest of what it says, delivered as its last
/// mark says.
fn mail_mismatch(tx: &Tx, mail: &[(i64, String)]) -> Result<Option<String>, StoreError> {
    // message -> (digest and event that queued it, delivery as last marked)
    let mut told: BTreeMap<i64, (Option<(String, i64)>, Delivery)> = BTreeMap::new();
    for (event, details) in mail {
        let entry = match serde_json::from_str::<Mail>(details) {
            Ok(entry) => entry,
            Err(e) => {
                return Ok(Some(format!(
                    "event {event}: its details cannot be read ({e})"
                )))
            }
        };
        let slot = told.entry(entry.message()).or_insert_with(|| {
            (
                None,
                Delivery {
                    status: "pending".into(),
                    ..Delivery::default()
                },
            )
        });
        match entry {
            Mail::MessageQueued { digest, .. } => slot.0 = Some((digest, *event)),
            Mail::MessageMarked { delivery, .. } => slot.1 = delivery,
        }
    }
    let mut problem = None;
    let mut seen = std::collections::BTreeSet::new();
    tx.stored_messages(|stored| {
        if problem.is_some() {
            return Ok(());
        }
        seen.insert(stored.id);
        let id = stored.id;
        problem = match told.get(&id) {
            None | Some((None, _)) => Some(format!(
                "outbox message {id}: no recorded event explains it"
            )),
            Some((Some((digest, event)), _)) if *digest != stored.digest => Some(format!(
                "outbox message {id}: who it was to or what it said is not what was queued (event {event})"
            )),
            Some((_, delivery)) if *delivery != stored.delivery => {
                Some(first_difference("outbox message", &id.to_string(), Some(&stored.delivery), Some(delivery))
                    .unwrap_or_else(|| format!("outbox message {id}: its delivery differs from its events")))
            }
            _ => None,
        };
        Ok(())
    })?;
    if problem.is_none() {
        problem = told
            .keys()
            .find(|id| !seen.contains(id))
            .map(|id| format!("outbox message {id}: its events exist but the message does not"));
    }
    Ok(problem)
}

/// Folds every directory change and compares what it leaves with each directory table.
fn directory_mismatch(tx: &Tx, stored: &StoredDirectory) -> Result<Option<String>, StoreError> {
    let mut replayed = Replayed::default();
    let mut unread = None;
    tx.for_each_directory_change(|event, on, change| {
        match change {
            Ok(change) => replayed.apply(event, on, &change),
            Err(why) => {
                unread.get_or_insert(format!(
                    "event {event}: its details cannot be read as a directory change ({why})"
                ));
            }
        }
        Ok(())
    })?;
    if unread.is_some() {
        return Ok(unread);
    }
    // Both sides by reference: the stored rows go on to the replays, and are not copied for this.
    let staff: BTreeMap<String, &Staff> = stored.staff.iter().map(|s| (s.id.clone(), s)).collect();
    let children: BTreeMap<String, &Child> = stored
        .children
        .iter()
        .map(|c| (c.reference.clone(), c))
        .collect();
    let mismatch = keyed_difference("staff", &staff, &by_reference(&replayed.staff))
        .or_else(|| keyed_difference("child", &children, &by_reference(&replayed.children)))
        .or_else(|| {
            keyed_difference(
                "staff version",
                &versions(&stored.staff_versions),
                &versions(&replayed.staff_versions),
            )
        })
        .or_else(|| {
            keyed_difference(
                "allocation",
                &versions(&stored.allocations),
                &versions(&replayed.allocations),
            )
        })
        .or_else(|| {
            fn covers(rows: &[(i64, Cover)]) -> BTreeMap<String, &Cover> {
                rows.iter()
                    .map(|(event, cover)| (format!("set by event {event}"), cover))
                    .collect()
            }
            keyed_difference("cover", &covers(&stored.covers), &covers(&replayed.covers))
        })
        .or_else(|| {
            let stored: BTreeMap<String, (&str, Option<i64>)> = stored
                .closure_days
                .iter()
                .map(|(day, reason, event)| (day.to_string(), (reason.as_str(), *event)))
                .collect();
            let replayed: BTreeMap<String, (&str, Option<i64>)> = replayed
                .closure_days
                .iter()
                .map(|(day, (reason, event))| (day.to_string(), (reason.as_str(), Some(*event))))
                .collect();
            keyed_difference("closure day", &stored, &replayed)
        });
    Ok(mismatch)
}

/// Replays every matter, re-judging each step recorded since who entered it was kept, and rebuilds its
/// due-date history; names the first that does not match what is stored.
///
/// The replay's rows are summed (an order-free sum of keyed hashes, the key drawn fresh each run so no
/// edit can be made to keep it) and compared with the same sum over the stored tables, read straight
/// through: one pass over each, however large the record. Only when the sums differ is each matter read
/// back to name the first that differs.
fn matter_mismatch(tx: &Tx, mut stood: AsItStood) -> Result<Option<String>, StoreError> {
    let mut replayed = RowSum::new();
    if let Some(problem) = replay_into(tx, &mut stood, &mut replayed)? {
        return Ok(Some(problem));
    }
    let mut stored = replayed.empty_like();
    tx.for_each_state_image(|row| stored.add(row))?;
    if stored == replayed {
        return Ok(None);
    }
    name_the_difference(tx, &mut AsItStood::read(tx)?)
}

/// Replays (and re-judges) every matter into `replayed`, the sum of the rows it leaves, in the order of
/// their ids. The first problem, if any.
fn replay_into(
    tx: &Tx,
    stood: &mut AsItStood,
    replayed: &mut RowSum,
) -> Result<Option<String>, StoreError> {
    let mut problem: Option<String> = None;
    tx.for_each_matter_log_raw(|id, log| match replay(stood, id, log) {
        Ok((state, history)) => {
            replayed.add_matter(&state, &history);
            Ok(ControlFlow::Continue(()))
        }
        Err((_, why)) => {
            problem = Some(why);
            Ok(ControlFlow::Break(()))
        }
    })?;
    Ok(problem)
}

/// Wakes the thread telling the progress when a half of the verification ends, however it ends.
struct Wake(std::thread::Thread);

impl Drop for Wake {
    fn drop(&mut self) {
        self.0.unpark();
    }
}

/// A matter's id and its steps, every one of them, in the order recorded.
type MatterLog = (String, Log);

/// A matter's steps, in room kept from one matter to the next: the first `used` of `slots`. Each
/// matter's room goes back to the walk once replayed, so the walk copies each step's texts into room
/// it made before, where making every step's texts afresh on one thread and freeing them on the other
/// took more than reading the events a second time.
/// `continued` marks the steps of a matter begun in the span before the one walked.
#[derive(Default)]
struct Log {
    used: usize,
    slots: Vec<LoggedEvent>,
    continued: bool,
}

impl Log {
    fn push(&mut self, step: &WalkedStep) {
        self.slot().fill(step);
    }

    /// The steps of `later` after these.
    fn extend_from(&mut self, later: &Log) {
        for step in later.steps() {
            self.slot().clone_from(step);
        }
    }

    fn slot(&mut self) -> &mut LoggedEvent {
        if self.used == self.slots.len() {
            self.slots.push(LoggedEvent::default());
        }
        self.used += 1;
        &mut self.slots[self.used - 1]
    }

    fn steps(&self) -> &[LoggedEvent] {
        &self.slots[..self.used]
    }
}

/// How many matters go on together, and how many such batches may wait before the walk replays one
/// itself: enough that the two halves seldom meet at the lock, few enough that the steps waiting
/// are a few thousand, whoever is slower.
const BATCH: usize = 64;
const MOST_WAITING: usize = 8;

/// The matters the walks have gathered whole, waiting for a replay, and the room of those replayed.
struct Ready {
    waiting: Mutex<Waiting>,
    arrived: Condvar,
    spare: Mutex<Vec<Vec<MatterLog>>>,
}

struct Waiting {
    batches: VecDeque<Vec<MatterLog>>,
    /// The walks not yet over.
    walking: usize,
}

impl Ready {
    /// Matters to come from `walks` walks.
    fn new(walks: usize) -> Ready {
        Ready {
            waiting: Mutex::new(Waiting {
                batches: VecDeque::new(),
                walking: walks,
            }),
            arrived: Condvar::new(),
            spare: Mutex::default(),
        }
    }

    fn waiting(&self) -> std::sync::MutexGuard<'_, Waiting> {
        self.waiting
            .lock()
            .expect("no replay panics holding the matters waiting")
    }

    /// Hands a batch on; how many wait now.
    fn push(&self, batch: Vec<MatterLog>) -> usize {
        let mut waiting = self.waiting();
        waiting.batches.push_back(batch);
        let count = waiting.batches.len();
        drop(waiting);
        self.arrived.notify_one();
        count
    }

    /// The next batch, if one waits now.
    fn try_next(&self) -> Option<Vec<MatterLog>> {
        self.waiting().batches.pop_front()
    }

    /// The next batch, waiting for one while the walk goes on; none once it is over and all are taken.
    fn next(&self) -> Option<Vec<MatterLog>> {
        let mut waiting = self.waiting();
        loop {
            if let Some(batch) = waiting.batches.pop_front() {
                return Some(batch);
            }
            if waiting.walking == 0 {
                return None;
            }
            waiting = self
                .arrived
                .wait(waiting)
                .expect("no replay panics holding the matters waiting");
        }
    }

    /// One walk is over: once all are, nothing more will come.
    fn walk_over(&self) {
        let mut waiting = self.waiting();
        waiting.walking = waiting.walking.saturating_sub(1);
        if waiting.walking == 0 {
            drop(waiting);
            self.arrived.notify_all();
        }
    }

    fn spare(&self) -> std::sync::MutexGuard<'_, Vec<Vec<MatterLog>>> {
        self.spare
            .lock()
            .expect("no replay panics holding the spare room")
    }
}

/// Tells the matters waiting that a walk is over when it ends, however it ends, so no replay waits
/// for ever.
struct Walking<'a>(&'a Ready);

impl Drop for Walking<'_> {
    fn drop(&mut self) {
        self.0.walk_over();
    }
}

/// A walk's steps gathered by matter until each matter's last, then handed on in batches. The walk of
/// a span after the first keeps the matters begun before it past their last, for the steps the walk
/// before gathered of them to be joined to (`join`).
struct Gathering<'a> {
    /// The id of each matter's last event, in order, and how far the walk has passed through them.
    ends: &'a [i64],
    passed: usize,
    /// For a walk of a later span, the id of each matter's first event, in order, and how far the walk
    /// has passed through them: a matter first seen at any other event was begun before.
    starts: Option<(&'a [i64], usize)>,
    /// The matters begun and not yet handed on, with their steps so far: those begun before this
    /// walk (`Log::continued`) stay, to be joined, even once their last is walked.
    begun: HashMap<String, Log>,
    batch: Vec<MatterLog>,
    /// Room for matters to come.
    room: Vec<MatterLog>,
    ready: &'a Ready,
    /// How many steps the walk has handed it.
    taken: u64,
}

impl<'a> Gathering<'a> {
    fn new(ready: &'a Ready, ends: &'a [i64], starts: Option<&'a [i64]>) -> Gathering<'a> {
        Gathering {
            ends,
            passed: 0,
            starts: starts.map(|starts| (starts, 0)),
            begun: HashMap::default(),
            batch: Vec::with_capacity(BATCH),
            room: Vec::new(),
            ready,
            taken: 0,
        }
    }

    /// A step the walk has read, of `matter`; `replay` replays a batch here when too many wait.
    fn take(&mut self, matter: &str, step: WalkedStep, replay: &mut dyn FnMut(Vec<MatterLog>)) {
        self.taken += 1;
        // The walk goes up through the ids, so through the ends.
        while self.ends.get(self.passed).is_some_and(|end| *end < step.id) {
            self.passed += 1;
        }
        let last = self.ends.get(self.passed) == Some(&step.id);
        let continued = match self.begun.get_mut(matter) {
            Some(log) => {
                log.push(&step);
                log.continued
            }
            None => {
                let continued = self.begun_before(step.id);
                let (mut id, mut log) = self.room().unwrap_or_default();
                matter.clone_into(&mut id);
                log.used = 0;
                log.continued = continued;
                log.push(&step);
                self.begun.insert(id, log);
                continued
            }
        };
        if last && !continued {
            if let Some(whole) = self.begun.remove_entry(matter) {
                self.hand_on(whole, replay);
            }
        }
    }

    /// Whether a matter first seen at event `id` was begun before the span walked.
    fn begun_before(&mut self, id: i64) -> bool {
        let Some((starts, passed)) = &mut self.starts else {
            return false;
        };
        while starts.get(*passed).is_some_and(|start| *start < id) {
            *passed += 1;
        }
        starts.get(*passed) != Some(&id)
    }

    /// Room for a matter, from what the replays gave back.
    fn room(&mut self) -> Option<MatterLog> {
        if self.room.is_empty() {
            if let Some(spare) = self.ready.spare().pop() {
                self.room = spare;
            }
        }
        self.room.pop()
    }

    fn hand_on(&mut self, whole: MatterLog, replay: &mut dyn FnMut(Vec<MatterLog>)) {
        self.batch.push(whole);
        if self.batch.len() < BATCH {
            return;
        }
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        if self.ready.push(batch) > MOST_WAITING {
            if let Some(batch) = self.ready.try_next() {
                replay(batch);
            }
        }
    }

    /// Once the walk of a span before another's is over: the matters it began and did not end, for
    /// the later walk to join (every matter ended is handed on); and how many steps it took.
    fn hand_over(mut self) -> (HashMap<String, Log>, u64) {
        self.flush();
        (std::mem::take(&mut self.begun), self.taken)
    }

    /// Hands on the batch begun, however few it holds.
    fn flush(&mut self) {
        if !self.batch.is_empty() {
            self.ready.push(std::mem::take(&mut self.batch));
        }
    }

    /// Once the walk is over: hands on every matter still gathered, its steps after those the walk
    /// before began it with (`earlier`), and whatever else is left; how many steps it took.
    fn join(
        mut self,
        mut earlier: HashMap<String, Log>,
        replay: &mut dyn FnMut(Vec<MatterLog>),
    ) -> u64 {
        // Begun before, or never ended here: a matter whose last event was not walked (its date, say,
        // did not read) is gathered as far as the walk went, as one walk of the whole chain would.
        for (matter, log) in std::mem::take(&mut self.begun) {
            let whole = match earlier.remove(&matter) {
                Some(mut first) => {
                    first.extend_from(&log);
                    first
                }
                // Begun here, or its earlier steps were not walked, as one walk would not have them.
                None => log,
            };
            self.hand_on((matter, whole), replay);
        }
        // Begun before and not walked here at all (its later events did not read) likewise.
        for whole in earlier {
            self.hand_on(whole, replay);
        }
        self.flush();
        self.taken
    }
}

/// One half's replays: the directory as it stood, the sum of the rows replayed, and the first event
/// that does not stand, in the chain's order.
struct Replayer<'a> {
    stood: AsItStood,
    sum: RowSum,
    problem: Option<Failing>,
    counted: &'a AtomicU64,
}

impl<'a> Replayer<'a> {
    fn new(stood: AsItStood, key: RandomState, counted: &'a AtomicU64) -> Replayer<'a> {
        Replayer {
            stood,
            sum: RowSum::with_key(key),
            problem: None,
            counted,
        }
    }

    /// Replays a batch, and gives its room back to the walk.
    fn replay_all(&mut self, batch: Vec<MatterLog>, ready: &Ready) {
        for (matter, log) in &batch {
            let steps = log.steps();
            self.counted
                .fetch_add(steps.len() as u64, Ordering::Relaxed);
            match replay(&mut self.stood, matter, steps) {
                Ok((state, history)) => self.sum.add_matter(&state, &history),
                // Matters are replayed in the order their last steps were walked: the first event
                // that fails may be in any of them.
                Err(failing) => {
                    if self
                        .problem
                        .as_ref()
                        .is_none_or(|(first, _)| failing.0 < *first)
                    {
                        self.problem = Some(failing);
                    }
                }
            }
        }
        ready.spare().push(batch);
    }

    /// Replays every batch handed on, until the walk is over and none is left.
    fn drain(&mut self, ready: &Ready) {
        while let Some(batch) = ready.next() {
            self.replay_all(batch, ready);
        }
    }

    fn done(self) -> (Option<Failing>, RowSum) {
        (self.problem, self.sum)
    }
}

/// An event that does not stand, and why (naming it).
type Failing = (i64, String);

/// One matter's events replayed (and re-judged where they can be): the state they leave and the
/// due-date history they write, or the first event that does not stand.
fn replay(
    stood: &mut AsItStood,
    id: &str,
    log: &[LoggedEvent],
) -> Result<(Matter, Vec<DueHistoryRow>), Failing> {
    let mut state: Option<Matter> = None;
    let mut history: Vec<DueHistoryRow> = Vec::new();
    let mut steps: Vec<Logged> = Vec::with_capacity(log.len());
    // Once a step is voided or amended, the state and the due dates are the fold of the steps that
    // still count, as the store writes them (rule 15).
    let mut corrected = false;
    for recorded in log {
        let failing = |why: String| (recorded.id, format!("event {}: {why}", recorded.id));
        let event = serde_json::from_str::<Event>(&recorded.details)
            .map_err(|e| failing(format!("its details cannot be read as a step ({e})")))?;
        if recorded.id >= stood.recorded.rejudge_from {
            stood
                .rejudge(state.as_ref(), id, recorded, &event, &steps)
                .map_err(failing)?;
        }
        if !corrected {
            history.extend(due_rows_of(&event, recorded.effective_on, recorded.id));
        }
        let is_correction = event.is_correction();
        steps.push(Logged {
            id: recorded.id,
            step: Step {
                actor: recorded.actor.clone(),
                on: recorded.effective_on,
                event,
            },
        });
        let fail = |e: engine::Inconsistent| failing(e.to_string());
        if is_correction {
            corrected = true;
            state = corrections::fold(id, &steps).map_err(fail)?;
        } else {
            let step = &steps[steps.len() - 1].step;
            state = Some(evolve(state, id, step).map_err(fail)?);
        }
    }
    if corrected {
        history = corrections::effective(&steps)
            .iter()
            .flat_map(|l| due_rows_of(&l.step.event, l.step.on, l.id))
            .collect();
    }
    state.map(|s| (s, history)).ok_or_else(|| {
        let last = log.last().map_or(i64::MAX, |l| l.id);
        (last, format!("matter {id}: no recorded event explains it"))
    })
}

/// The slow way, once the sums say something differs: each matter replayed again and read back, then
/// whatever no event explains.
fn name_the_difference(tx: &Tx, stood: &mut AsItStood) -> Result<Option<String>, StoreError> {
    // The sums are of the values as stored: one that does not read is named as reading it names it.
    tx.for_each_state_row(|_| Ok(()))?;
    let mut problem: Option<String> = None;
    tx.for_each_matter_log_raw(|id, log| {
        let (state, history) = match replay(stood, id, log) {
            Ok(replayed) => replayed,
            Err((_, why)) => {
                problem = Some(why);
                return Ok(ControlFlow::Break(()));
            }
        };
        let stored = tx.matter(id)?;
        problem = first_difference("matter", id, stored.as_ref(), Some(&state));
        if problem.is_none() {
            let key = |rows: Vec<DueHistoryRow>| -> BTreeMap<String, DueHistoryRow> {
                rows.into_iter()
                    .map(|r| (format!("action {} set by event {}", r.seq, r.event), r))
                    .collect()
            };
            problem = keyed_difference(
                &format!("matter {id}: due date of"),
                &key(tx.due_history_of(id)?),
                &key(history),
            );
        }
        Ok(match problem {
            Some(_) => ControlFlow::Break(()),
            None => ControlFlow::Continue(()),
        })
    })?;
    if problem.is_none() {
        problem = tx
            .matters_without_events()?
            .first()
            .map(|id| format!("matter {id}: no recorded event explains it"));
    }
    if problem.is_none() {
        let mut orphan = None;
        tx.for_each_state_row(|row| {
            if orphan.is_none() {
                if let StateRow::Due(matter, due) = &row {
                    if tx.matter(matter)?.is_none() {
                        orphan = Some(format!(
                            "due-date history of {matter} (action {}): no recorded step explains it",
                            due.seq
                        ));
                    }
                }
            }
            Ok(())
        })?;
        problem = orphan;
    }
    Ok(problem
        .or_else(|| Some("the matters' tables hold rows their events do not explain".to_string())))
}

/// An order-free sum of a set of rows: each row's image hashed under a key drawn fresh for this run,
/// added up, with the count. Two sets with the same sum and count hold the same rows, but for a chance
/// no one can steer without the key.
struct RowSum {
    key: RandomState,
    sum: u64,
    rows: u64,
    /// Room for one row's image.
    image: RowImage,
}

impl PartialEq for RowSum {
    fn eq(&self, other: &RowSum) -> bool {
        (self.sum, self.rows) == (other.sum, other.rows)
    }
}

impl RowSum {
    fn new() -> RowSum {
        RowSum::with_key(RandomState::new())
    }

    fn with_key(key: RandomState) -> RowSum {
        RowSum {
            key,
            sum: 0,
            rows: 0,
            image: RowImage::default(),
        }
    }

    /// An empty sum under the same key.
    fn empty_like(&self) -> RowSum {
        RowSum::with_key(self.key.clone())
    }

    fn add(&mut self, image: &RowImage) {
        use std::hash::BuildHasher;
        self.sum = self.sum.wrapping_add(self.key.hash_one(image.as_bytes()));
        self.rows += 1;
    }

    /// Adds the rows of another sum under the same key.
    fn merge(&mut self, other: RowSum) {
        self.sum = self.sum.wrapping_add(other.sum);
        self.rows += other.rows;
    }

    /// A replayed matter, as the rows its tables would hold.
    fn add_matter(&mut self, matter: &Matter, history: &[DueHistoryRow]) {
        let mut image = std::mem::take(&mut self.image);
        image.of_matter(matter, history, &mut |row| self.add(row));
        self.image = image;
    }
}

/// The due-date history rows a step writes.
fn due_rows_of(event: &Event, on: NaiveDate, id: i64) -> Vec<DueHistoryRow> {
    match event {
        Event::QapRaised { actions, .. }
        | Event::MeetingHeld { actions, .. }
        | Event::ActionsAdded { actions } => actions
            .iter()
            .map(|a| DueHistoryRow {
                seq: a.seq,
                due: a.due,
                set_on: on,
                agreed_by: None,
                reason: None,
                event: id,
            })
            .collect(),
        Event::ActionExtended {
            seq,
            to,
            agreed_by,
            reason,
            ..
        } => vec![DueHistoryRow {
            seq: *seq,
            due: *to,
            set_on: on,
            agreed_by: Some(agreed_by.clone()),
            reason: Some(reason.clone()),
            event: id,
        }],
        _ => Vec::new(),
    }
}

/// A policy as read from its text: the policy and the closure days its file adds, or why not.
type PolicyRead = Result<(Rc<Policy>, Vec<NaiveDate>), String>;

/// The directory, covers, closure days and policies as the record holds them, to judge each step by
/// what stood when it was recorded: only what was recorded before it counts. Read once, and shared by
/// the halves of the audit.
struct Recorded {
    staff: HashMap<String, Vec<Version<Staff>>>,
    /// Every version of every child, each child's together in the order they took effect, and where
    /// in them each child's are.
    allocations: Vec<Version<Child>>,
    children: HashMap<String, Range<usize>>,
    current: HashMap<String, Staff>,
    covers: CoversByDay,
    /// Closure days in the order they were added, with the event that added each.
    closures: Vec<(i64, NaiveDate)>,
    policies: HashMap<String, String>,
    /// Steps from this event on are re-judged; earlier ones (recorded before the policy and who entered
    /// them were kept) are replayed.
    rejudge_from: i64,
}

/// Every cover recorded (with the event that arranged it), found by the days it is in force: each of
/// millions of steps asks for those of its own day, and a service's years of covers are not all
/// looked through for each.
#[derive(Debug)]
struct CoversByDay {
    /// The covers of a last day within `LONG` days of their first, in the order of their first.
    dated: Vec<(i64, Cover)>,
    /// The most days after its first that any of them lasts.
    longest: chrono::Days,
    /// The open-ended covers, and those longer (one given a far-off last day for "until further
    /// notice" would otherwise widen every day's search to the whole record).
    open: Vec<(i64, Cover)>,
}

impl CoversByDay {
    /// The most days a cover lasts to be found by its first day.
    const LONG: i64 = 92;

    fn new(covers: Vec<(i64, Cover)>) -> CoversByDay {
        let (mut dated, open): (Vec<_>, Vec<_>) = covers.into_iter().partition(|(_, c)| {
            c.to.is_some_and(|to| (to - c.from).num_days() <= Self::LONG)
        });
        dated.sort_by_key(|(_, c)| c.from);
        let longest = dated
            .iter()
            .filter_map(|(_, c)| Some((c.to? - c.from).num_days().max(0) as u64))
            .max()
            .unwrap_or(0);
        CoversByDay {
            dated,
            longest: chrono::Days::new(longest),
            open,
        }
    }

    /// The covers in force on `on`.
    fn in_force_on(&self, on: NaiveDate) -> impl Iterator<Item = &(i64, Cover)> {
        // A dated cover in force on `on` began on it or at most `longest` days before.
        let earliest = on.checked_sub_days(self.longest).unwrap_or(NaiveDate::MIN);
        let first = self.dated.partition_point(|(_, c)| c.from < earliest);
        let after = self.dated.partition_point(|(_, c)| c.from <= on);
        self.dated[first..after.max(first)]
            .iter()
            .chain(&self.open)
            .filter(move |(_, c)| c.in_force_on(on))
    }
}

/// What is recorded, and what one half of the audit has made of it so far.
struct AsItStood {
    recorded: Arc<Recorded>,
    /// The child of the matter being replayed, and where their versions are: every step of a matter is
    /// about one child, whose versions need finding once.
    matter_child: Option<(String, Range<usize>)>,
    /// Policies read, by digest: the policy and the closure days its file adds.
    read: HashMap<String, PolicyRead>,
    calendars: HashMap<(usize, String), Rc<Calendar>>,
    /// The policy and calendar the last step was judged by: its digest and how many closure days.
    last: Option<(String, usize, Rc<Policy>, Rc<Calendar>)>,
}

impl Recorded {
    /// From the directory's rows already read.
    fn read_with(tx: &Tx, stored: StoredDirectory) -> Result<Recorded, StoreError> {
        let mut staff: HashMap<String, Vec<Version<Staff>>> = HashMap::default();
        for v in stored.staff_versions {
            staff.entry(v.key.clone()).or_default().push(v);
        }
        for versions in staff.values_mut() {
            versions.sort_by_key(|v| (v.from_on, v.event));
        }
        // A national directory has a child for every twelve matters: a room of their own for each
        // child's versions (some 300 bytes each, room made for four) was a tenth of a gigabyte.
        let mut allocations = stored.allocations;
        allocations.sort_by_cached_key(|v| (v.key.clone(), v.from_on, v.event));
        let mut children: HashMap<String, Range<usize>> = HashMap::default();
        let mut start = 0;
        for (at, v) in allocations.iter().enumerate() {
            if allocations.get(at + 1).is_none_or(|next| next.key != v.key) {
                children.insert(v.key.clone(), start..at + 1);
                start = at + 1;
            }
        }
        let mut closures: Vec<(i64, NaiveDate)> = stored
            .closure_days
            .iter()
            .map(|(day, _, event)| (event.unwrap_or(0), *day))
            .collect();
        closures.sort();
        Ok(Recorded {
            staff,
            allocations,
            children,
            current: stored
                .staff
                .into_iter()
                .map(|s| (s.id.clone(), s))
                .collect(),
            covers: CoversByDay::new(stored.covers),
            closures,
            policies: tx.policies()?.into_iter().collect(),
            rejudge_from: tx.entered_from_event()?.unwrap_or(i64::MAX),
        })
    }
}

impl AsItStood {
    fn read(tx: &Tx) -> Result<AsItStood, StoreError> {
        AsItStood::read_with(tx, tx.stored_directory()?)
    }

    /// The same, from the directory's rows already read.
    fn read_with(tx: &Tx, stored: StoredDirectory) -> Result<AsItStood, StoreError> {
        Ok(AsItStood::of(Arc::new(Recorded::read_with(tx, stored)?)))
    }

    fn of(recorded: Arc<Recorded>) -> AsItStood {
        AsItStood {
            recorded,
            matter_child: None,
            read: HashMap::default(),
            calendars: HashMap::default(),
            last: None,
        }
    }

    /// The version in force on `on` among those recorded before event `before`; for a day before the
    /// first of them, the first (history recorded later than it happened).
    fn as_of<T>(versions: Option<&[Version<T>]>, on: NaiveDate, before: i64) -> Option<&T> {
        let versions = versions?;
        versions
            .iter()
            .rev()
            .find(|v| v.event < before && v.from_on <= on)
            .or_else(|| versions.iter().find(|v| v.event < before))
            .map(|v| &v.record)
    }

    fn staff_on(&self, id: &str, on: NaiveDate, before: i64) -> Result<&Staff, String> {
        Self::as_of(self.recorded.staff.get(id).map(Vec::as_slice), on, before).ok_or_else(|| {
            format!("it names {id}, who was not in the directory when it was recorded")
        })
    }

    /// Where the versions of a child are, if the directory has them.
    fn child_versions(&mut self, reference: &str) -> Option<Range<usize>> {
        if let Some((known, versions)) = &self.matter_child {
            if known == reference {
                return Some(versions.clone());
            }
        }
        let versions = self.recorded.children.get(reference)?.clone();
        self.matter_child = Some((reference.to_owned(), versions.clone()));
        Some(versions)
    }

    /// The covers in force on `on` that had been arranged before event `before`.
    fn covers_on(&self, on: NaiveDate, before: i64) -> Vec<Cover> {
        let in_post = |id: &str| {
            self.recorded
                .current
                .get(id)
                .is_none_or(|s| s.left_on.is_none_or(|left| left >= on))
        };
        self.recorded
            .covers
            .in_force_on(on)
            .filter(|(event, c)| *event < before && in_post(&c.absent) && in_post(&c.by))
            .map(|(_, c)| c.clone())
            .collect()
    }

    /// The policy a step names by digest, and the calendar of the closure days added before it.
    fn policy_and_calendar(
        &mut self,
        digest: &str,
        before: i64,
    ) -> Result<(Rc<Policy>, Rc<Calendar>), String> {
        let known = self
            .recorded
            .closures
            .partition_point(|(event, _)| *event < before);
        // Nearly every step is under the policy and the closure days of the one before it.
        if let Some((last_digest, last_known, policy, calendar)) = &self.last {
            if *last_known == known && last_digest == digest {
                return Ok((policy.clone(), calendar.clone()));
            }
        }
        let (policy, calendar) = self.read_policy_and_calendar(digest, known)?;
        self.last = Some((digest.to_string(), known, policy.clone(), calendar.clone()));
        Ok((policy, calendar))
    }

    /// The policy of `digest`, read once, and the calendar of the first `known` closure days with the
    /// policy file's own, made once.
    fn read_policy_and_calendar(
        &mut self,
        digest: &str,
        known: usize,
    ) -> Result<(Rc<Policy>, Rc<Calendar>), String> {
        if !self.read.contains_key(digest) {
            let text = self.recorded.policies.get(digest).ok_or_else(|| {
                format!("it was taken under a policy the record does not hold ({digest})")
            })?;
            let read = crate::policy::parse_kept(text)
                .map(|(p, days)| (Rc::new(p), days.into_iter().map(|(d, _)| d).collect()))
                .map_err(|e| {
                    format!(
                        "the policy it was taken under does not read ({})",
                        e.in_file("the record")
                    )
                });
            self.read.insert(digest.to_string(), read);
        }
        let (policy, from_file) = self.read[digest].clone()?;
        let key = (known, digest.to_string());
        if let Some(calendar) = self.calendars.get(&key) {
            return Ok((policy, calendar.clone()));
        }
        let days: Vec<NaiveDate> = self.recorded.closures[..known]
            .iter()
            .map(|(_, d)| *d)
            .collect();
        let calendar = Rc::new(Calendar::with_closures(days.into_iter().chain(from_file)));
        self.calendars.insert(key, calendar.clone());
        Ok((policy, calendar))
    }

    /// Judges a recorded step again, as the rules, the directory and the policy stood when it was
    /// recorded: the engine must give exactly the event that was recorded.
    fn rejudge(
        &mut self,
        before: Option<&Matter>,
        matter: &str,
        recorded: &LoggedEvent,
        event: &Event,
        log: &[Logged],
    ) -> Result<(), String> {
        let (on, id) = (recorded.effective_on, recorded.id);
        let digest = recorded
            .policy_digest
            .as_deref()
            .ok_or("it does not say which policy it was taken under")?;
        let (policy, calendar) = self.policy_and_calendar(digest, id)?;
        let child_ref = match (before, event) {
            (Some(m), _) => Some(m.child.as_str()),
            (None, Event::ConsultationOpened { opening, .. })
            | (
                None,
                Event::QapRaised {
                    opening: Some(opening),
                    ..
                },
            )
            | (
                None,
                Event::DrpEntered {
                    opening: Some(opening),
                    ..
                },
            ) => Some(opening.child.as_str()),
            (None, _) => None,
        };
        // Found before the actor is borrowed; what is wrong with either is said in the same order.
        let versions = child_ref.and_then(|child| self.child_versions(child));
        let actor = self.staff_on(&recorded.actor, on, id)?;
        let child_ref = child_ref.ok_or("the first step of a matter does not open it")?;
        let versions = versions.map(|at| &self.recorded.allocations[at]);
        let child = Self::as_of(versions, on, id).ok_or_else(|| {
            format!("its child {child_ref} was not in the directory when it was recorded")
        })?;
        let covers = self.covers_on(on, id);
        let recorded_on = recorded
            .recorded_on
            .ok_or("its recording time does not read")?;
        let judge = Judge {
            actor,
            child,
            on,
            // The rules as they stood: today was the day it was recorded (in England, up to a day
            // ahead of the UTC date it carries).
            today: recorded_on.succ_opt().unwrap_or(recorded_on),
            policy: &policy,
            calendar: &calendar,
            covers: &covers,
            told_on: None,
        };
        let person = |id: &str| self.staff_on(id, on, recorded.id).cloned();
        // Each action's owner is borrowed from the directory: they are millions.
        let actions = |actions: &[crate::model::Action]| -> Result<Vec<NewAction>, String> {
            actions
                .iter()
                .map(|a| {
                    Ok(NewAction {
                        text: a.text.clone(),
                        owner: Cow::Borrowed(self.staff_on(&a.owner, on, recorded.id)?),
                        due: Timescale::By(a.due),
                    })
                })
                .collect()
        };
        let concern = |opening: &engine::Opened| Concern {
            category: opening.category.clone(),
            summary: opening.summary.clone(),
        };
        let judged = match (before, event) {
            (None, Event::ConsultationOpened { opening, with }) => open(
                &Opening::Consult {
                    concern: concern(opening),
                    with: with.iter().map(|w| person(w)).collect::<Result<_, _>>()?,
                },
                &judge,
            ),
            (
                None,
                Event::QapRaised {
                    opening: Some(opening),
                    actions: list,
                    ..
                },
            ) => open(
                &Opening::RaiseQap {
                    concern: concern(opening),
                    actions: actions(list)?,
                },
                &judge,
            ),
            (
                None,
                Event::DrpEntered {
                    opening: Some(opening),
                    stage,
                    reason,
                    ..
                },
            ) => open(
                &Opening::EnterDrp {
                    concern: concern(opening),
                    stage: *stage,
                    reason: reason.clone(),
                },
                &judge,
            ),
            (Some(m), Event::ActionReassigned { seq, from, to, .. }) => {
                return reassigned(m, *seq, from, to, on, &self.recorded.current)
            }
            (
                Some(m),
                Event::Voided { .. } | Event::Amended { .. } | Event::ActionWithdrawn { .. },
            ) => corrections::correct(m, log, &correction_of(event)?, &judge)
                .map(|e| vec![e])
                .map_err(|r| r.to_string()),
            (Some(m), event) => {
                let request = request_of(event, actor, &person, &actions)?;
                engine::decide(m, &request, &judge).map_err(|r| r.to_string())
            }
            (None, _) => return Err("the first step of a matter does not open it".into()),
        };
        let judged = judged.map_err(|why| format!("the rules as they stood refuse it: {why}"))?;
        if let (None, Some(opening)) = (before, opened(event)) {
            if !policy.categories.contains(&opening.category) {
                return Err(format!(
                    "its category '{}' was not one of the policy's when it was recorded",
                    opening.category
                ));
            }
        }
        // A QAP typed after the day it took effect opens its challenge window on the day it was
        // recorded and told: any day from its effective date to the day after its recording time.
        let told_later = |judged: &Event| -> bool {
            let (
                Event::QapRaised {
                    challenge_deadline: from_on,
                    ..
                },
                Event::QapRaised {
                    challenge_deadline: recorded_deadline,
                    opening,
                    actions,
                },
            ) = (judged, event)
            else {
                return false;
            };
            let latest = calendar
                .add_working_days(judge.today, policy.challenge_days)
                .unwrap_or(*from_on);
            let same_otherwise = Event::QapRaised {
                challenge_deadline: *from_on,
                opening: opening.clone(),
                actions: actions.clone(),
            } == *judged;
            same_otherwise && (*from_on..=latest).contains(recorded_deadline)
        };
        match judged.as_slice() {
            [only] if only == event || told_later(only) || earlier_rule(only, event, on, &policy, &calendar) => {
                Ok(())
            }
            _ => Err(format!(
                "it is not what the rules as they stood give for that step on {matter} (they give {})",
                judged
                    .iter()
                    .map(|e| e.describe())
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
        }
    }
}

/// Whether a recorded step is what the rules gave when an earlier version of them recorded it, where
/// the rules have changed since in a way the record keeps: a formal referral's "criteria not met"
/// closed the matter (no `back_in_drp`), and a stage's response deadline was not held to the
/// resolution deadline. Replaying follows what was recorded, so state and record still agree.
fn earlier_rule(
    judged: &Event,
    recorded: &Event,
    on: NaiveDate,
    policy: &Policy,
    calendar: &Calendar,
) -> bool {
    match (judged, recorded) {
        (
            Event::CafcassDecided {
                decision,
                note,
                back_in_drp: true,
            },
            Event::CafcassDecided {
                decision: d,
                note: n,
                back_in_drp: false,
            },
        ) => decision == d && note == n,
        (Event::DrpEntered { .. } | Event::StageRaised { .. }, _) => {
            let uncapped = policy
                .stage_response_days
                .and_then(|days| calendar.add_working_days(on, days).ok());
            let mut judged = judged.clone();
            match &mut judged {
                Event::DrpEntered {
                    response_deadline, ..
                }
                | Event::StageRaised {
                    response_deadline, ..
                } => *response_deadline = uncapped,
                _ => {}
            }
            judged == *recorded
        }
        _ => false,
    }
}

fn open(opening: &Opening, judge: &Judge) -> Result<Vec<Event>, String> {
    engine::open(opening, judge).map_err(|r| r.to_string())
}

fn opened(event: &Event) -> Option<&engine::Opened> {
    match event {
        Event::ConsultationOpened { opening, .. } => Some(opening),
        Event::QapRaised { opening, .. } | Event::DrpEntered { opening, .. } => opening.as_ref(),
        _ => None,
    }
}

/// An action passed on when its owner left: it was theirs, they had left by then, and the one it
/// passed to was in post.
fn reassigned(
    matter: &Matter,
    seq: u32,
    from: &str,
    to: &str,
    on: NaiveDate,
    staff: &HashMap<String, Staff>,
) -> Result<(), String> {
    let owner = matter
        .actions
        .iter()
        .find(|a| a.seq == seq)
        .map(|a| a.owner.as_str());
    if owner != Some(from) {
        return Err(format!("action {seq} was not {from}'s to pass on"));
    }
    match staff.get(from).and_then(|s| s.left_on) {
        Some(left) if left <= on => {}
        _ => {
            return Err(format!(
                "{from} had not left by {on}, yet their action passed on"
            ))
        }
    }
    match staff.get(to) {
        Some(s) if s.in_post_on(on) => Ok(()),
        _ => Err(format!(
            "{to}, who took action {seq} over, was not in post on {on}"
        )),
    }
}

/// Recorded actions as the request that gave them would have named them.
type ActionsOf<'a, 's> = dyn Fn(&[crate::model::Action]) -> Result<Vec<NewAction<'s>>, String> + 'a;

/// The request a recorded step on a matter answered.
fn request_of<'s>(
    event: &Event,
    actor: &Staff,
    person: &dyn Fn(&str) -> Result<Staff, String>,
    actions: &ActionsOf<'_, 's>,
) -> Result<Request<'s>, String> {
    Ok(match event {
        Event::QapRaised { actions: list, .. } => Request::RaiseQap {
            actions: actions(list)?,
        },
        Event::ActionsAdded { actions: list } => Request::AddActions {
            actions: actions(list)?,
        },
        Event::Challenged { reason } => Request::Challenge {
            reason: reason.clone(),
        },
        Event::ActionExtended {
            seq,
            to,
            agreed_by,
            reason,
            ..
        } => Request::Extend {
            seq: *seq,
            due: Timescale::By(*to),
            agreed_by: person(agreed_by)?,
            reason: reason.clone(),
        },
        Event::ActionCompleted { seq, note } => Request::CompleteAction {
            seq: *seq,
            note: note.clone(),
        },
        Event::DrpEntered { stage, reason, .. } => Request::Escalate {
            stage: *stage,
            reason: reason.clone(),
        },
        Event::StageRaised { to, reason, .. } => Request::Escalate {
            stage: *to,
            reason: reason.clone(),
        },
        Event::MeetingHeld {
            chair,
            attendees,
            actions: list,
        } => Request::Meeting {
            chair: person(chair)?,
            attendees: attendees
                .iter()
                .map(|a| person(a))
                .collect::<Result<_, _>>()?,
            actions: actions(list)?,
        },
        Event::Resolved {
            outcome,
            resolved_by,
        } => Request::Resolve {
            outcome: outcome.clone(),
            // A QAP resolved by its recorder names no one else.
            resolved_by: if *resolved_by == actor.id {
                None
            } else {
                Some(person(resolved_by)?)
            },
        },
        Event::ReferredToCafcass { referral, reason } => Request::ReferCafcass {
            reason: reason.clone(),
            formal: *referral == ReferralKind::Formal,
        },
        Event::CafcassDecided { decision, note, .. } => Request::CafcassDecision {
            decision: *decision,
            note: note.clone(),
        },
        Event::LegalAdviceSought { note } => Request::LegalAdvice { note: note.clone() },
        Event::CafcassPackProvided { manifest } => Request::PackProvided {
            manifest: manifest.clone(),
        },
        Event::SeniorManagerBriefed { note } => Request::BriefSenior { note: note.clone() },
        Event::Noted { text, supervision } => Request::Note {
            text: text.clone(),
            supervision: *supervision,
        },
        Event::ConsultationOpened { .. } | Event::ActionReassigned { .. } => {
            return Err("it cannot come after the matter's first step".into())
        }
        Event::ActionWithdrawn { .. } | Event::Voided { .. } | Event::Amended { .. } => {
            return Err("a correction is judged over the matter's log".into())
        }
    })
}

/// The correction a recorded void, amendment or withdrawal answered.
fn correction_of(event: &Event) -> Result<Correction, String> {
    Ok(match event {
        Event::Voided { event, reason } => Correction::Void {
            event: *event,
            reason: reason.clone(),
        },
        Event::Amended {
            event,
            text,
            reason,
        } => Correction::Amend {
            event: *event,
            text: text.clone(),
            reason: reason.clone(),
        },
        Event::ActionWithdrawn { seq, reason } => Correction::Withdraw {
            seq: *seq,
            reason: reason.clone(),
        },
        _ => return Err("it is not a correction".into()),
    })
}

/// The same rows, by reference.
fn by_reference<T>(rows: &BTreeMap<String, T>) -> BTreeMap<String, &T> {
    rows.iter().map(|(key, row)| (key.clone(), row)).collect()
}

/// Versions keyed by whose they are, from when, and the event that made them.
fn versions<T>(rows: &[Version<T>]) -> BTreeMap<String, &T> {
    rows.iter()
        .map(|v| {
            (
                format!("{} from {} (event {})", v.key, v.from_on, v.event),
                &v.record,
            )
        })
        .collect()
}

/// The first key whose stored row differs from its replay, or that only one side has.
fn keyed_difference<T: Serialize + PartialEq>(
    what: &str,
    stored: &BTreeMap<String, T>,
    replayed: &BTreeMap<String, T>,
) -> Option<String> {
    let keys: std::collections::BTreeSet<&String> = stored.keys().chain(replayed.keys()).collect();
    keys.into_iter()
        .find_map(|key| first_difference(what, key, stored.get(key), replayed.get(key)))
}

/// Names the first field where a stored row differs from the one its events replay to.
fn first_difference<T: Serialize + PartialEq>(
    what: &str,
    id: &str,
    stored: Option<&T>,
    replayed: Option<&T>,
) -> Option<String> {
    let (stored, replayed) = match (stored, replayed) {
        (Some(s), Some(r)) if s == r => return None,
        (Some(s), Some(r)) => (s, r),
        (None, None) => return None,
        (None, Some(_)) => return Some(format!("{what} {id}: events exist but the row does not")),
        (Some(_), None) => return Some(format!("{what} {id}: no recorded event explains it")),
    };
    let (stored, replayed) = (
        serde_json::to_value(stored).ok()?,
        serde_json::to_value(replayed).ok()?,
    );
    let field = match (stored.as_object(), replayed.as_object()) {
        (Some(fields), Some(replayed)) => fields
            .iter()
            .find(|(k, v)| replayed.get(k.as_str()) != Some(v))
            .map(|(k, v)| {
                format!(
                    "{k} is {v} but its events say {}",
                    replayed.get(k.as_str()).unwrap_or(&serde_json::Value::Null)
                )
            }),
        _ => Some(format!("is {stored} but its events say {replayed}")),
    }
    .unwrap_or_else(|| "differs from its events".to_string());
    Some(format!("{what} {id}: {field}"))
}

/// One head of the chain as a witness file keeps it: when it was taken, how many events, the hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witnessed {
    pub at: String,
    pub events: u64,
    pub hash: String,
}

impl Witnessed {
    /// The line a witness file holds: `TIME EVENTS HASH`.
    pub fn line(&self) -> String {
        format!("{} {} {}", self.at, self.events, self.hash)
    }

    pub fn parse(line: &str) -> Result<Witnessed, String> {
        let parts: Vec<&str> = line.split_whitespace().collect();
        match parts.as_slice() {
            [at, events, hash]
                if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                Ok(Witnessed {
                    at: at.to_string(),
                    events: events
                        .parse()
                        .map_err(|_| format!("'{events}' is not a number of events"))?,
                    hash: hash.to_string(),
                })
            }
            _ => Err("a witness line is TIME EVENTS HASH".into()),
        }
    }
}

/// Whether every head a witness kept is still on the chain, at the count it was taken at: a tail cut
/// off, an older copy put back or a chain recomputed from an earlier event all lose a witnessed head.
pub fn witnessed(
    tx: &Tx,
    verdict: &Verdict,
    heads: &[Witnessed],
) -> Result<Option<String>, StoreError> {
    for head in heads {
        if head.events > verdict.events {
            return Ok(Some(format!(
                "the witness saw {} events at {}, and the record has {}: events were removed or an older copy put back",
                head.events, head.at, verdict.events
            )));
        }
        let hash = if head.events == 0 {
            Some(crate::store::chain::GENESIS.to_string())
        } else {
            tx.event_hash(head.events as i64)?
        };
        if hash.as_deref() != Some(head.hash.as_str()) {
            return Ok(Some(format!(
                "event {} is not the one the witness saw at {}: the chain was rewritten at or before it",
                head.events, head.at
            )));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CafcassDecision;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("a date")
    }

    #[test]
    fn the_covers_of_a_day_are_every_cover_in_force_that_day() {
        // Covers of a day to a year, some open-ended, over three years: each day's are found among
        // those that began near it and the open-ended, and none is missed or added.
        let mut seed = 11u64;
        let mut next = |below: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % below
        };
        let start = day("2024-01-01");
        let covers: Vec<(i64, Cover)> = (0..400)
            .map(|n| {
                let from = start + chrono::Days::new(next(1100));
                let lasts = if n % 50 == 0 { 365 } else { next(20) };
                let to = (n % 37 != 0).then(|| from + chrono::Days::new(lasts));
                let cover = Cover {
                    absent: format!("iro{}", n % 9),
                    by: format!("iro{}", (n + 1) % 9),
                    from,
                    to,
                    reason: None,
                };
                (n as i64, cover)
            })
            .collect();
        let by_day = CoversByDay::new(covers.clone());
        for offset in 0..1200 {
            let on = start + chrono::Days::new(offset);
            let mut found: Vec<i64> = by_day.in_force_on(on).map(|(e, _)| *e).collect();
            found.sort_unstable();
            let wanted: Vec<i64> = covers
                .iter()
                .filter(|(_, c)| c.in_force_on(on))
                .map(|(e, _)| *e)
                .collect();
            assert_eq!(found, wanted, "on {on}");
        }
        assert!(CoversByDay::new(Vec::new())
            .in_force_on(NaiveDate::MIN)
            .next()
            .is_none());
    }

    #[test]
    fn the_walks_hand_on_every_matter_once_with_all_its_steps_however_they_interleave_or_divide() {
        let details = |id: i64| format!("step {id}");
        // 2,000 matters of one to six steps, their steps spread through the walk in a shuffled order:
        // enough batches that the walk replays some itself and fills room given back.
        let mut steps: Vec<String> = (0..2000)
            .flat_map(|n| std::iter::repeat_n(format!("Q-2026-{n:04}"), 1 + n % 6))
            .collect();
        let mut seed = 7u64;
        for i in (1..steps.len()).rev() {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            steps.swap(i, (seed >> 33) as usize % (i + 1));
        }
        let walked: Vec<(i64, &str)> = (1..).zip(steps.iter().map(String::as_str)).collect();
        let mut expected: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for (id, matter) in &walked {
            expected.entry(matter.to_string()).or_default().push(*id);
        }
        let spans = |at: usize| -> (Vec<i64>, Vec<i64>) {
            let mut starts: Vec<i64> = expected.values().map(|ids| ids[0]).collect();
            let mut ends: Vec<i64> = expected.values().map(|ids| ids[ids.len() - 1]).collect();
            starts.sort_unstable();
            ends.sort_unstable();
            assert!(
                at == walked.len()
                    || expected
                        .values()
                        .filter(|ids| ids[0] <= at as i64 && ids[ids.len() - 1] > at as i64)
                        .count()
                        > 100,
                "many matters have steps on both sides of the divide"
            );
            (starts, ends)
        };
        fn step(id: i64, text: &str) -> WalkedStep<'_> {
            WalkedStep {
                id,
                actor: "IRO-1",
                effective_on: day("2026-11-26"),
                recorded_on: Some(day("2026-11-26")),
                details: text,
                policy_digest: None,
            }
        }
        let texts: Vec<String> = walked.iter().map(|(id, _)| details(*id)).collect();

        // The walk whole, and the walk in two at a divide.
        for at in [walked.len(), walked.len() / 2] {
            let (starts, ends) = spans(at);
            let ready = Ready::new(1);
            let walking = Walking(&ready);
            let mut got: BTreeMap<String, Vec<Vec<i64>>> = BTreeMap::new();
            // Each batch replayed is read, and its room given back for the walk to fill again.
            let mut replay = |batch: Vec<MatterLog>| {
                for (matter, log) in &batch {
                    assert!(log.steps().iter().all(|s| s.details == details(s.id)));
                    got.entry(matter.clone())
                        .or_default()
                        .push(log.steps().iter().map(|s| s.id).collect());
                }
                ready.spare().push(batch);
            };
            let (before, after) = walked.split_at(at);
            let mut earlier = Gathering::new(&ready, &ends, None);
            for ((id, matter), text) in before.iter().zip(&texts) {
                earlier.take(matter, step(*id, text), &mut replay);
            }
            let (begun, earlier_took) = earlier.hand_over();
            let mut later = Gathering::new(&ready, &ends, Some(&starts));
            for ((id, matter), text) in after.iter().zip(&texts[at..]) {
                later.take(matter, step(*id, text), &mut replay);
            }
            let later_took = later.join(begun, &mut replay);
            assert_eq!(earlier_took + later_took, walked.len() as u64);
            drop(walking);
            while let Some(batch) = ready.next() {
                replay(batch);
            }
            let got: BTreeMap<String, Vec<i64>> = got
                .into_iter()
                .map(|(matter, mut logs)| {
                    assert_eq!(logs.len(), 1, "{matter} was handed on more than once");
                    (matter, logs.remove(0))
                })
                .collect();
            assert_eq!(got, expected, "divided at {at}");
        }
    }

    #[test]
    fn a_matter_across_the_divide_whose_last_event_is_not_walked_is_replayed_once_as_far_as_walked()
    {
        // Q's events are 1, 2 and 3; the divide is after 1, and 3 (say, its date unread) is never
        // handed to the gathering, so neither walk sees Q end.
        let (starts, ends) = (vec![1], vec![3]);
        let step = |id: i64| WalkedStep {
            id,
            actor: "IRO-1",
            effective_on: day("2026-11-26"),
            recorded_on: Some(day("2026-11-26")),
            details: "step",
            policy_digest: None,
        };
        let ready = Ready::new(1);
        let walking = Walking(&ready);
        let mut got: Vec<(String, Vec<i64>)> = Vec::new();
        let mut replay = |batch: Vec<MatterLog>| {
            for (matter, log) in &batch {
                got.push((matter.clone(), log.steps().iter().map(|s| s.id).collect()));
            }
        };
        let mut earlier = Gathering::new(&ready, &ends, None);
        earlier.take("Q", step(1), &mut replay);
        let (begun, _) = earlier.hand_over();
        let mut later = Gathering::new(&ready, &ends, Some(&starts));
        later.take("Q", step(2), &mut replay);
        assert_eq!(later.join(begun, &mut replay), 1);
        drop(walking);
        while let Some(batch) = ready.next() {
            replay(batch);
        }
        assert_eq!(got, vec![("Q".to_string(), vec![1, 2])]);
    }

    #[test]
    fn a_step_recorded_under_an_earlier_rule_still_stands_and_nothing_else_does() {
        let (policy, calendar) = (Policy::default(), Calendar::england_and_wales());
        let on = day("2026-11-26");
        let decided = |back_in_drp| Event::CafcassDecided {
            decision: CafcassDecision::CriteriaNotMet,
            note: None,
            back_in_drp,
        };
        // A formal "criteria not met" once closed the matter.
        assert!(earlier_rule(
            &decided(true),
            &decided(false),
            on,
            &policy,
            &calendar
        ));
        assert!(!earlier_rule(
            &decided(false),
            &decided(true),
            on,
            &policy,
            &calendar
        ));
        // A stage's response deadline was once not held to the resolution deadline.
        let raised = |response| Event::StageRaised {
            from: crate::model::Stage::One,
            to: crate::model::Stage::Two,
            reason: None,
            response_deadline: Some(day(response)),
        };
        // Five working days from Thursday 26 November 2026: Thursday 3 December.
        assert!(earlier_rule(
            &raised("2026-12-01"),
            &raised("2026-12-03"),
            on,
            &policy,
            &calendar
        ));
        assert!(!earlier_rule(
            &raised("2026-12-01"),
            &raised("2026-12-04"),
            on,
            &policy,
            &calendar
        ));
    }
}
