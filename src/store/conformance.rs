//! The conformance suite: what every storage backend must do for the store to be trusted on it. Each
//! check is written once, generic over a [`Backend`] that makes a fresh database and opens connections
//! to it, and `conformance!` runs the whole suite for one backend.

use std::sync::{Arc, Barrier};

use chrono::{NaiveDate, TimeZone, Utc};

use super::backend::Sql;
use super::outbox::{OutboxStatus, Which};
use super::{Store, StoreError, SCHEMA_VERSION};
use crate::engine::{evolve, Event, Opened, Step};
use crate::model::{Action, ActionStatus, Matter, MatterState, Role, Staff, Stage};
use crate::notify::{Message, Recipient};

/// A database for one check: made empty at the current schema, and opened as often as asked.
pub(super) trait Backend: Send + Sync + Sized + 'static {
    /// Whether this machine has the backend to test (a server is named by `IRO_TEST_POSTGRES`).
    fn available() -> bool {
        true
    }
    fn fresh() -> Self;
    fn connect(&self) -> Store;
}

/// The SQLite backend on a file in a temporary directory.
pub(super) struct SqliteFile {
    dir: tempfile::TempDir,
}

impl Backend for SqliteFile {
    fn fresh() -> SqliteFile {
        let dir = tempfile::tempdir().expect("tempdir");
        Store::create(&dir.path().join("iro.db"), false, crate::fixture::now()).expect("create");
        SqliteFile { dir }
    }

    fn connect(&self) -> Store {
        Store::open(&self.dir.path().join("iro.db"), crate::fixture::now()).expect("open")
    }
}

/// A database of its own on the PostgreSQL server `IRO_TEST_POSTGRES` names, dropped afterwards.
pub(crate) struct PostgresDatabase {
    admin: String,
    name: String,
    url: String,
}

impl PostgresDatabase {
    /// The server the tests may make databases on, when there is one.
    pub(crate) fn server() -> Option<String> {
        std::env::var("IRO_TEST_POSTGRES")
            .ok()
            .filter(|url| !url.is_empty())
    }

    /// A new empty database (no iro schema yet).
    pub(crate) fn empty() -> PostgresDatabase {
        static MADE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let admin = PostgresDatabase::server().expect("IRO_TEST_POSTGRES names a server");
        let n = MADE.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        // A database's name is an identifier, never a value: made here of digits alone.
        let name = format!("iro_unit_{}_{n}", std::process::id());
        let mut client =
            ::postgres::Client::connect(&admin, ::postgres::NoTls).expect("the server");
        client
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .and_then(|()| client.batch_execute(&format!("CREATE DATABASE {name}")))
            .expect("a database");
        let url = super::postgres::with_database(&admin, &name);
        PostgresDatabase { admin, name, url }
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        if let Ok(mut client) = ::postgres::Client::connect(&self.admin, ::postgres::NoTls) {
            let _ = client.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

impl Backend for PostgresDatabase {
    fn available() -> bool {
        PostgresDatabase::server().is_some()
    }

    fn fresh() -> PostgresDatabase {
        let db = PostgresDatabase::empty();
        Store::create_at(
            &super::Location::Server(db.url.clone()),
            false,
            crate::fixture::now(),
        )
        .expect("create");
        db
    }

    fn connect(&self) -> Store {
        Store::open_at(
            &super::Location::Server(self.url.clone()),
            crate::fixture::now(),
            &mut |_, _| {},
        )
        .expect("open")
    }
}

fn day(text: &str) -> NaiveDate {
    text.parse().expect("valid")
}

/// Who entered the fixture's events: a login and a policy digest, recorded at `at`.
pub(crate) fn entered() -> super::Entered<'static> {
    super::Entered {
        at: at(),
        by: "tester",
        policy: "fixture-policy",
        source: None,
    }
}

fn at() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 9, 30, 0)
        .single()
        .expect("valid time")
}

/// The shared test directory (`crate::fixture`), with a child named in another script.
fn directory(store: &mut Store) {
    let tx = store.write().expect("tx");
    let mut child = crate::fixture::child();
    child.reference = "LCS-1".into();
    child.name = "Zoë Nowak".into();
    child.practice_supervisor = None;
    record_fixture(&tx, &[child]);
    tx.commit().expect("commit");
}

/// Records the test directory (`crate::fixture`) in `tx` as the directory commands would, with
/// `children`, in force since `fixture::joined`.
pub(crate) fn record_fixture(tx: &super::Tx, children: &[crate::model::Child]) {
    use crate::engine::Change;
    use crate::fixture::joined;
    for staff in crate::fixture::staff() {
        let change = Change::StaffAdded {
            staff: Box::new(staff),
        };
        tx.record_change(&change, "fixture", joined(), &entered())
            .expect("staff");
    }
    for child in children {
        let change = Change::ChildAdded {
            child: Box::new(child.clone()),
        };
        tx.record_change(&change, "fixture", joined(), &entered())
            .expect("child");
    }
}

/// A QAP raised on a Monday and entered into EPCP/DRP the next day, as the engine folds it.
fn raised(id: &str) -> (Matter, Vec<Step>) {
    let steps = vec![
        Step {
            actor: "asmith".into(),
            on: day("2026-11-02"),
            event: Event::QapRaised {
                opening: Some(Opened {
                    child: "LCS-1".into(),
                    iro: "asmith".into(),
                    team: "North".into(),
                    category: "permanence".into(),
                    summary: "drift".into(),
                }),
                challenge_deadline: day("2026-11-09"),
                actions: vec![Action {
                    seq: 1,
                    text: "assess".into(),
                    owner: "bking".into(),
                    due: day("2026-11-20"),
                    status: ActionStatus::Open,
                    completed_on: None,
                }],
            },
        },
        Step {
            actor: "asmith".into(),
            on: day("2026-11-03"),
            event: Event::DrpEntered {
                opening: None,
                stage: Stage::One,
                deadline: day("2026-12-01"),
                reason: None,
                response_deadline: Some(day("2026-11-10")),
            },
        },
    ];
    let mut state = None;
    for step in &steps {
        state = Some(evolve(state, id, step).expect("evolve"));
    }
    (state.expect("state"), steps)
}

pub(super) fn the_directory_reads_back_as_written<B: Backend>() {
    let db = B::fresh();
    let mut store = db.connect();
    directory(&mut store);
    let tx = store.read().expect("tx");
    let child = tx.child("LCS-1").expect("read").expect("the child");
    assert_eq!(child.name, "Zoë Nowak");
    assert_eq!(child.practice_supervisor, None);
    let staff = tx.staff("jwhite").expect("read").expect("staff");
    assert_eq!(
        (staff.role, staff.team.as_deref()),
        (Role::IroTeamManager, Some("IRO-North"))
    );
    assert_eq!(tx.staff("nobody").expect("read"), None);
    assert_eq!(
        tx.all_staff().expect("all").len(),
        crate::fixture::staff().len()
    );
    assert_eq!(tx.staff_in_role(Role::TeamManager).expect("role").len(), 2);
    assert_eq!(
        tx.children(Some("asmith"), None).expect("children").len(),
        1
    );
    assert!(tx
        .children(None, Some("South"))
        .expect("children")
        .is_empty());
}

/// The people a step tells, read in one statement, are each as read one at a time: the version in
/// force that day (the later of two on the same day), the day they left since, and, before anyone was
/// recorded, as first recorded; someone unknown is nobody.
pub(super) fn people_read_together_are_each_as_read_alone<B: Backend>() {
    use crate::engine::Change;
    let db = B::fresh();
    let mut store = db.connect();
    directory(&mut store);
    let tx = store.write().expect("tx");
    let staff = crate::fixture::staff();
    let (moved, leaver) = (&staff[0], &staff[1]);
    let mut after = moved.clone();
    after.team = Some("Moved-Once".into());
    let mut again = moved.clone();
    again.team = Some("Moved-Twice".into());
    for (before, after) in [(moved, &after), (&after, &again)] {
        let change = Change::StaffUpdated {
            before: Box::new(before.clone()),
            after: Box::new(after.clone()),
            reason: None,
        };
        tx.record_change(&change, "fixture", day("2025-06-02"), &entered())
            .expect("moved");
    }
    let left = Change::StaffLeft {
        before: Box::new(leaver.clone()),
        successor: None,
        reason: None,
    };
    tx.record_change(&left, "fixture", day("2025-09-01"), &entered())
        .expect("left");
    tx.commit().expect("commit");
    let tx = store.read().expect("tx");
    let mut ids: Vec<&str> = staff.iter().map(|s| s.id.as_str()).collect();
    ids.push("nobody");
    for on in ["2024-06-01", "2025-03-03", "2025-06-02", "2025-10-01"] {
        let mut together = tx.staff_on_leaving_now_of(&ids, day(on)).expect("together");
        together.sort_by(|a, b| a.id.cmp(&b.id));
        let mut alone: Vec<Staff> = ids
            .iter()
            .filter_map(|id| tx.staff_on_leaving_now(id, day(on)).expect("alone"))
            .collect();
        alone.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(together, alone, "on {on}");
        assert_eq!(together.len(), staff.len(), "on {on}");
        let team = |s: &[Staff]| {
            s.iter()
                .find(|s| s.id == moved.id)
                .and_then(|s| s.team.clone())
        };
        let expected = if on >= "2025-06-02" {
            "Moved-Twice"
        } else {
            moved.team.as_deref().unwrap_or_default()
        };
        assert_eq!(team(&together).as_deref(), Some(expected), "on {on}");
        let gone = together
            .iter()
            .find(|s| s.id == leaver.id)
            .and_then(|s| s.left_on);
        assert_eq!(gone, Some(day("2025-09-01")), "on {on}");
    }
    assert!(tx
        .staff_on_leaving_now_of(&[], day("2025-10-01"))
        .expect("none")
        .is_empty());
    drop(tx);
    // A member of staff and the one a login is bound to, in one statement: each as read alone.
    let bound = &staff[2];
    let mut with_login = bound.clone();
    with_login.login = Some("login-of-2".into());
    let tx = store.write().expect("tx");
    let change = Change::StaffUpdated {
        before: Box::new(bound.clone()),
        after: Box::new(with_login),
        reason: None,
    };
    tx.record_change(&change, "fixture", day("2025-10-01"), &entered())
        .expect("bound");
    tx.commit().expect("commit");
    let tx = store.read().expect("tx");
    for id in [bound.id.as_str(), staff[3].id.as_str(), "nobody"] {
        for login in ["login-of-2", "no-such-login"] {
            assert_eq!(
                tx.staff_and_by_login(id, login).expect("together"),
                (
                    tx.staff(id).expect("alone"),
                    tx.staff_by_login(login).expect("alone")
                ),
                "{id} and {login}"
            );
        }
    }
    // The holders of two roles, in one statement: each role's as read alone, by role and id.
    let roles = [Role::SeniorIroManager, Role::TeamManager];
    let together = tx.staff_in_roles(roles[0], roles[1]).expect("together");
    let mut alone: Vec<Staff> = roles
        .iter()
        .flat_map(|role| tx.staff_in_role(*role).expect("alone"))
        .collect();
    alone.sort_by(|a, b| (a.role.as_str(), &a.id).cmp(&(b.role.as_str(), &b.id)));
    assert_eq!(together, alone);
    assert!(together.iter().any(|s| s.role == roles[0]));
    assert!(together.iter().any(|s| s.role == roles[1]));
}

pub(super) fn recorded_state_reads_back_as_the_engine_folded_it<B: Backend>() {
    let db = B::fresh();
    let mut store = db.connect();
    directory(&mut store);
    let (matter, steps) = raised("Q-2026-0001");
    let tx = store.write().expect("tx");
    assert_eq!(tx.next_matter_id("Q", 2026).expect("id"), "Q-2026-0001");
    tx.record(&matter, &steps, &entered()).expect("record");
    tx.commit().expect("commit");
    let tx = store.read().expect("tx");
    assert_eq!(
        tx.matter("Q-2026-0001").expect("read"),
        Some(matter.clone())
    );
    assert_eq!(tx.next_matter_id("Q", 2026).expect("id"), "Q-2026-0002");
    assert_eq!(tx.next_matter_id("Q", 2027).expect("id"), "Q-2027-0001");
    let events = tx.matter_events("Q-2026-0001").expect("events");
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].event, steps[1].event);
    assert_eq!(events[0].recorded_at, "2026-11-26T09:30:00.000000Z");
    let listed = tx.matters(&super::MatterFilter::default()).expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].matter.state, MatterState::Drp);
    assert_eq!(
        listed[0].next_deadline(),
        matter.next_deadline(),
        "a listing's next deadline is the one the whole matter gives"
    );
    let walk = tx.walk_chain().expect("walk");
    assert_eq!(
        walk.events as usize,
        2 + crate::fixture::staff().len() + 1,
        "the two steps, after the directory's own events"
    );
    assert!(walk.first_break.is_none());
    assert_eq!(walk.head, tx.head_hash().expect("head"));
}

pub(super) fn a_transaction_dropped_without_commit_leaves_nothing<B: Backend>() {
    let db = B::fresh();
    let mut store = db.connect();
    directory(&mut store);
    let (matter, steps) = raised("Q-2026-0001");
    {
        let tx = store.write().expect("tx");
        tx.record(&matter, &steps, &entered()).expect("record");
    }
    // Transactions that asked nothing (on a server, never begun there) end cleanly either way.
    store
        .write()
        .expect("tx")
        .commit()
        .expect("a transaction that asked nothing commits");
    drop(store.read().expect("tx"));
    let tx = store.read().expect("tx");
    assert_eq!(tx.matter("Q-2026-0001").expect("read"), None);
    assert!(tx.matter_events("Q-2026-0001").expect("events").is_empty());
}

pub(super) fn events_cannot_be_changed_or_deleted<B: Backend>() {
    let db = B::fresh();
    let mut store = db.connect();
    directory(&mut store);
    let (matter, steps) = raised("Q-2026-0001");
    let tx = store.write().expect("tx");
    tx.record(&matter, &steps, &entered()).expect("record");
    tx.commit().expect("commit");
    for sql in ["UPDATE events SET actor = 'someone'", "DELETE FROM events"] {
        let tx = store.write().expect("tx");
        let err = tx.exec(&Sql::new("tamper", sql), &[]).expect_err("refused");
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
}

/// The chain walked in two spans and joined is the chain walked whole, wherever it is divided: whole,
/// with an event changed, and with one removed (at every divide, so at the changed or removed event).
pub(super) fn a_chain_walked_in_halves_is_the_chain_walked_whole<B: Backend>() {
    use super::audit::ChainSpan;
    let db = B::fresh();
    let mut store = db.connect();
    directory(&mut store);
    for n in 1..=3 {
        let (matter, steps) = raised(&format!("Q-2026-{n:04}"));
        let tx = store.write().expect("tx");
        tx.record(&matter, &steps, &entered()).expect("record");
        tx.commit().expect("commit");
    }
    let every_divide = |store: &mut Store, what: &str| {
        let tx = store.read().expect("tx");
        let whole = tx.walk_chain().expect("walk");
        let (first, last) = tx.event_ids().expect("ids").expect("events");
        for through in first - 1..=last {
            let [earlier, later] = ChainSpan::halves_at(through);
            let joined = tx
                .walk_span(earlier, None)
                .expect("earlier")
                .walk
                .then(tx.walk_span(later, None).expect("later"));
            assert_eq!(joined, whole, "{what}, divided after event {through}");
        }
        whole
    };
    let whole = every_divide(&mut store, "whole");
    assert!(whole.first_break.is_none(), "{:?}", whole.first_break);
    let tamper = |store: &mut Store, sqlite: &'static str, postgres: &'static str| {
        let tx = store.write().expect("tx");
        tx.exec(&Sql::each("tamper", sqlite, postgres), &[])
            .expect("tampered");
        tx.commit().expect("commit");
    };
    let event_of = |store: &mut Store, matter: &str, kind: &str| -> i64 {
        let tx = store.read().expect("tx");
        let sql = Sql::new(
            "an event",
            "SELECT id FROM events WHERE matter = ?1 AND kind = ?2",
        );
        tx.one(&sql, &[&matter, &kind], |r| r.get(0))
            .expect("event")
    };
    // The second matter's first step changed; the first matter's last removed, with its stage.
    let changed = event_of(&mut store, "Q-2026-0002", "qap-raised");
    let gone = event_of(&mut store, "Q-2026-0001", "drp-entered");
    tamper(
        &mut store,
        "DROP TRIGGER events_no_update",
        "DROP TRIGGER events_no_update ON events",
    );
    let tx = store.write().expect("tx");
    tx.exec(
        &Sql::new(
            "change",
            "UPDATE events SET actor = 'someone' WHERE id = ?1",
        ),
        &[&changed],
    )
    .expect("changed");
    tx.commit().expect("commit");
    let walk = every_divide(&mut store, "changed");
    assert_eq!(walk.first_break.map(|b| b.event), Some(changed));
    tamper(
        &mut store,
        "DROP TRIGGER events_no_delete",
        "DROP TRIGGER events_no_delete ON events",
    );
    let tx = store.write().expect("tx");
    for sql in [
        "DELETE FROM stages WHERE event = ?1",
        "DELETE FROM events WHERE id = ?1",
    ] {
        tx.exec(&Sql::new("remove", sql), &[&gone])
            .expect("removed");
    }
    tx.commit().expect("commit");
    let removed = every_divide(&mut store, "removed");
    assert_eq!(removed.first_break.map(|b| b.event), Some(gone + 1));
    assert_eq!(removed.events, whole.events - 1);
}

/// Writers on separate connections at once: every event lands, numbered without gaps, on one chain.
pub(super) fn concurrent_writers_never_fork_the_chain_or_share_a_matter_number<B: Backend>() {
    let db = Arc::new(B::fresh());
    directory(&mut db.connect());
    const WRITERS: usize = 4;
    const EACH: usize = 5;
    let start = Arc::new(Barrier::new(WRITERS));
    let handles: Vec<_> = (0..WRITERS)
        .map(|_| {
            let (db, start) = (Arc::clone(&db), Arc::clone(&start));
            std::thread::spawn(move || {
                let mut store = db.connect();
                start.wait();
                for _ in 0..EACH {
                    let tx = store.write().expect("tx");
                    let id = tx.next_matter_id("Q", 2026).expect("id");
                    let (matter, steps) = raised(&id);
                    tx.record(&matter, &steps, &entered()).expect("record");
                    tx.commit().expect("commit");
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().expect("a writer");
    }
    let mut store = db.connect();
    let tx = store.read().expect("tx");
    let walk = tx.walk_chain().expect("walk");
    let directory = crate::fixture::staff().len() + 1;
    assert_eq!(walk.events as usize, directory + WRITERS * EACH * 2);
    assert!(walk.first_break.is_none(), "{:?}", walk.first_break);
    let listed = tx.matters(&super::MatterFilter::default()).expect("list");
    assert_eq!(
        listed.len(),
        WRITERS * EACH,
        "one matter per write, none lost or merged"
    );
}

/// A message is claimed once however many runs try, and goes only the ways its status allows.
pub(super) fn an_outbox_message_is_claimed_once<B: Backend>() {
    let db = B::fresh();
    let mut store = db.connect();
    directory(&mut store);
    let (matter, steps) = raised("Q-2026-0001");
    let tx = store.write().expect("tx");
    tx.record(&matter, &steps, &entered()).expect("record");
    let message = Message {
        kind: "qap-raised",
        step: 0,
        to: vec![Recipient {
            id: "bking".into(),
            name: "Ben King".into(),
            email: "bking@example.gov.uk".into(),
            covering_for: None,
        }],
        cc: Vec::new(),
        missing: vec!["practice supervisor: none allocated to LCS-1".into()],
        subject: "[iro] Q-2026-0001 LCS-1: QAP raised".into(),
        body: "Zoë".into(),
    };
    let id = tx
        .queue_message("Q-2026-0001", "LCS-1", &message, None, &entered())
        .expect("queue");
    tx.commit().expect("commit");
    let mut other = db.connect();
    let first = store.write().expect("tx");
    assert!(first
        .claim_for_send(id, OutboxStatus::Pending, &entered())
        .expect("claim"));
    first.commit().expect("commit");
    let second = other.write().expect("tx");
    assert!(!second
        .claim_for_send(id, OutboxStatus::Pending, &entered())
        .expect("claim"));
    assert!(
        !second.mark_written(id, &entered(), "x.eml").expect("write"),
        "not pending any more"
    );
    second.commit().expect("commit");
    let tx = store.write().expect("tx");
    assert!(tx.mark_sent(id, &entered()).expect("sent"));
    tx.commit().expect("commit");
    let tx = store.read().expect("tx");
    let stored = tx.outbox_message(id).expect("read").expect("the message");
    assert_eq!(stored.status, OutboxStatus::Sent);
    assert_eq!(
        (
            stored.to.clone(),
            stored.missing.clone(),
            stored.body.as_str()
        ),
        (message.to, message.missing, "Zoë")
    );
    assert!(tx.outbox(Which::Undelivered).expect("list").is_empty());
    assert_eq!(tx.database_id().expect("id").len(), 32);
}

/// The nightly report's SQL and `model::running_deadlines` give the same deadlines for every matter:
/// in QAP, in EPCP/DRP with a stage response deadline, with an action done, waiting on CAFCASS, resolved.
pub(super) fn the_overdue_query_is_the_running_deadlines<B: Backend>() {
    let db = B::fresh();
    let mut store = db.connect();
    directory(&mut store);
    let tx = store.write().expect("tx");
    let later = |m: &Matter, id: &str, event: Event| {
        let step = Step {
            actor: "asmith".into(),
            on: day("2026-11-04"),
            event,
        };
        (evolve(Some(m.clone()), id, &step).expect("evolve"), step)
    };
    for (n, shape) in ["qap", "drp", "done", "cafcass", "resolved"]
        .into_iter()
        .enumerate()
    {
        let id = format!("Q-2026-{:04}", n + 1);
        let (mut matter, mut steps) = raised(&id);
        if shape == "qap" {
            steps.truncate(1);
            matter = evolve(None, &id, &steps[0]).expect("evolve");
        }
        let extra = match shape {
            "done" => Some(Event::ActionCompleted { seq: 1, note: None }),
            "cafcass" => Some(Event::ReferredToCafcass {
                referral: crate::model::ReferralKind::Formal,
                reason: "rights".into(),
            }),
            "resolved" => Some(Event::Resolved {
                outcome: "agreed".into(),
                resolved_by: "tgreen".into(),
            }),
            _ => None,
        };
        if let Some(event) = extra {
            let (after, step) = later(&matter, &id, event);
            matter = after;
            steps.push(step);
        }
        tx.record(&matter, &steps, &entered()).expect("record");
    }
    tx.commit().expect("commit");
    let tx = store.read().expect("tx");
    let mut from_sql: Vec<(String, crate::model::Deadline)> = Vec::new();
    tx.due_through(
        day("2199-12-31"),
        &super::reports::DueFilter::default(),
        |row| -> Result<(), StoreError> {
            from_sql.push((
                row.matter,
                crate::model::Deadline {
                    due: row.due,
                    item: row.item,
                    action: row.action,
                },
            ));
            Ok(())
        },
    )
    .expect("due");
    let mut from_model: Vec<(String, crate::model::Deadline)> = Vec::new();
    for listed in tx.matters(&super::MatterFilter::default()).expect("list") {
        let matter = tx.matter(&listed.matter.id).expect("read").expect("matter");
        from_model.extend(matter.running().into_iter().map(|d| (matter.id.clone(), d)));
    }
    from_sql.sort();
    from_model.sort();
    assert_eq!(from_sql, from_model);
    assert_eq!(
        from_model.len(),
        6,
        "qap 1, drp 3, done 2, cafcass and resolved none: {from_model:?}"
    );
}

pub(super) fn closure_days_are_kept_in_order<B: Backend>() {
    let db = B::fresh();
    let mut store = db.connect();
    let tx = store.write().expect("tx");
    for (on, reason) in [("2026-12-29", "Christmas"), ("2026-12-24", "Christmas Eve")] {
        let change = crate::engine::Change::ClosureDayAdded {
            day: day(on),
            reason: reason.into(),
        };
        tx.record_change(&change, "fixture", day("2026-11-01"), &entered())
            .expect("add");
    }
    assert_eq!(
        tx.closure_day(day("2026-12-24")).expect("read").as_deref(),
        Some("Christmas Eve")
    );
    assert_eq!(tx.closure_day(day("2026-12-23")).expect("read"), None);
    tx.commit().expect("commit");
    let tx = store.read().expect("tx");
    assert_eq!(tx.closure_days_key().expect("key"), "2026-12-24,2026-12-29");
    assert_eq!(tx.closure_days().expect("days")[0].1, "Christmas Eve");
}

pub(super) fn a_new_database_is_at_the_current_schema<B: Backend>() {
    let db = B::fresh();
    let mut store = db.connect();
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
}

/// A failing statement names itself.
pub(super) fn errors_name_the_query<B: Backend>() {
    let db = B::fresh();
    let mut store = db.connect();
    let tx = store.write().expect("tx");
    let err = tx
        .exec(
            &Sql::new(
                "a statement that cannot be",
                "INSERT INTO nowhere VALUES (1)",
            ),
            &[],
        )
        .expect_err("refused");
    assert!(
        matches!(
            err,
            StoreError::Query {
                query: "a statement that cannot be",
                ..
            }
        ),
        "{err}"
    );
    // A value that does not read is told by its column's name and its row's first column (in a
    // transaction of its own: a server's is over once a statement in it has failed).
    drop(tx);
    let tx = store.read().expect("tx");
    // (the query, its date's column, what is said of it)
    let cases = [
        (
            Sql::new(
                "a row with a date that is not one",
                "SELECT CAST('E-2026-0001' AS TEXT) AS id, CAST('someday' AS TEXT) AS due",
            ),
            1,
            "reading a row with a date that is not one: the row whose id is E-2026-0001: due: 'someday' is not a date",
        ),
        // Text put there by hand is told on one line, moving no terminal.
        (
            Sql::each(
                "a row with a line break and an escape",
                "SELECT CAST('E-2026-0002' || char(27) AS TEXT) AS id, CAST('x' || char(10) || 'ok' AS TEXT) AS due",
                "SELECT CAST('E-2026-0002' || chr(27) AS TEXT) AS id, CAST('x' || chr(10) || 'ok' AS TEXT) AS due",
            ),
            1,
            "reading a row with a line break and an escape: the row whose id is E-2026-0002\\u{1b}: due: 'x\\nok' is not a date",
        ),
        // A row named by more than its first column is told by each column of its key.
        (
            Sql::new(
                "an action with a date that is not one",
                "SELECT CAST('E-2026-0003' AS TEXT) AS matter, 2 AS seq, CAST('soon' AS TEXT) AS due",
            )
            .keyed_by(&[0, 1]),
            2,
            "reading an action with a date that is not one: the row whose matter is E-2026-0003 and seq is 2: due: 'soon' is not a date",
        ),
    ];
    for (sql, due, said) in cases {
        let err = tx
            .rows(&sql, &[], |r| r.get::<NaiveDate>(due))
            .expect_err("not a date");
        assert_eq!(err.unread().as_deref(), Some(said), "{err}");
    }
}

/// Runs every check of the suite for one backend.
macro_rules! conformance {
    ($backend:ident, $ty:ty) => {
        mod $backend {
            use super::*;
            #[test]
            fn the_directory_reads_back_as_written() {
                if !<$ty as Backend>::available() {
                    eprintln!(
                        "skipped: set IRO_TEST_POSTGRES to a server to run this backend\'s suite"
                    );
                    return;
                }
                super::the_directory_reads_back_as_written::<$ty>()
            }
            #[test]
            fn people_read_together_are_each_as_read_alone() {
                if !<$ty as Backend>::available() {
                    eprintln!(
                        "skipped: set IRO_TEST_POSTGRES to a server to run this backend\'s suite"
                    );
                    return;
                }
                super::people_read_together_are_each_as_read_alone::<$ty>()
            }
            #[test]
            fn recorded_state_reads_back_as_the_engine_folded_it() {
                if !<$ty as Backend>::available() {
                    eprintln!(
                        "skipped: set IRO_TEST_POSTGRES to a server to run this backend\'s suite"
                    );
                    return;
                }
                super::recorded_state_reads_back_as_the_engine_folded_it::<$ty>()
            }
            #[test]
            fn a_transaction_dropped_without_commit_leaves_nothing() {
                if !<$ty as Backend>::available() {
                    eprintln!(
                        "skipped: set IRO_TEST_POSTGRES to a server to run this backend\'s suite"
                    );
                    return;
                }
                super::a_transaction_dropped_without_commit_leaves_nothing::<$ty>()
            }
            #[test]
            fn events_cannot_be_changed_or_deleted() {
                if !<$ty as Backend>::available() {
                    eprintln!(
                        "skipped: set IRO_TEST_POSTGRES to a server to run this backend\'s suite"
                    );
                    return;
                }
                super::events_cannot_be_changed_or_deleted::<$ty>()
            }
            #[test]
            fn a_chain_walked_in_halves_is_the_chain_walked_whole() {
                if !<$ty as Backend>::available() {
                    eprintln!(
                        "skipped: set IRO_TEST_POSTGRES to a server to run this backend\'s suite"
                    );
                    return;
                }
                super::a_chain_walked_in_halves_is_the_chain_walked_whole::<$ty>()
            }
            #[test]
            fn concurrent_writers_never_fork_the_chain_or_share_a_matter_number() {
                if !<$ty as Backend>::available() {
                    eprintln!(
                        "skipped: set IRO_TEST_POSTGRES to a server to run this backend\'s suite"
                    );
                    return;
                }
                super::concurrent_writers_never_fork_the_chain_or_share_a_matter_number::<$ty>()
            }
            #[test]
            fn an_outbox_message_is_claimed_once() {
                if !<$ty as Backend>::available() {
                    eprintln!(
                        "skipped: set IRO_TEST_POSTGRES to a server to run this backend\'s suite"
                    );
                    return;
                }
                super::an_outbox_message_is_claimed_once::<$ty>()
            }
            #[test]
            fn the_overdue_query_is_the_running_deadlines() {
                if !<$ty as Backend>::available() {
                    eprintln!(
                        "skipped: set IRO_TEST_POSTGRES to a server to run this backend\'s suite"
                    );
                    return;
                }
                super::the_overdue_query_is_the_running_deadlines::<$ty>()
            }
            #[test]
            fn closure_days_are_kept_in_order() {
                if !<$ty as Backend>::available() {
                    eprintln!(
                        "skipped: set IRO_TEST_POSTGRES to a server to run this backend\'s suite"
                    );
                    return;
                }
                super::closure_days_are_kept_in_order::<$ty>()
            }
            #[test]
            fn a_new_database_is_at_the_current_schema() {
                if !<$ty as Backend>::available() {
                    eprintln!(
                        "skipped: set IRO_TEST_POSTGRES to a server to run this backend\'s suite"
                    );
                    return;
                }
                super::a_new_database_is_at_the_current_schema::<$ty>()
            }
            #[test]
            fn errors_name_the_query() {
                if !<$ty as Backend>::available() {
                    eprintln!(
                        "skipped: set IRO_TEST_POSTGRES to a server to run this backend\'s suite"
                    );
                    return;
                }
                super::errors_name_the_query::<$ty>()
            }
        }
    };
}

conformance!(sqlite, SqliteFile);
conformance!(postgres, PostgresDatabase);

/// `cargo test` alone runs every suite on SQLite files; this says, by its name in the listing, how the
/// PostgreSQL side runs, and when it does, that the server named is one the suites can use.
#[test]
fn the_postgresql_side_runs_when_iro_test_postgres_names_a_server() {
    let Some(server) = PostgresDatabase::server() else {
        eprintln!("set IRO_TEST_POSTGRES=postgres://USER@HOST/DB (as .ci/run does) to run the suites against PostgreSQL");
        return;
    };
    let mut client = ::postgres::Client::connect(&server, ::postgres::NoTls)
        .unwrap_or_else(|e| panic!("IRO_TEST_POSTGRES={server}: {e}"));
    let version: i32 = client
        .query_one("SELECT current_setting('server_version_num')::int", &[])
        .expect("the server's version")
        .get(0);
    assert!(
        version >= 130_000,
        "PostgreSQL {version}: iro needs 13 or later (gen_random_uuid)"
    );
    let may_create: bool = client
        .query_one(
            "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = session_user",
            &[],
        )
        .expect("the login's rights")
        .get(0);
    assert!(
        may_create,
        "IRO_TEST_POSTGRES's login must be able to create databases"
    );
}
