//! Store tests on real files in a temporary directory.

use chrono::{NaiveDate, TimeZone, Utc};

use super::*;
use crate::engine::{evolve, Event, Opened, Step};
use crate::model::{Action, ActionStatus, Child, Matter, Role, Staff, Stage};

fn day(text: &str) -> NaiveDate {
    text.parse().expect("valid")
}

fn new_store(dir: &tempfile::TempDir) -> Store {
    let (store, created) = Store::create(&dir.path().join("iro.db"), false).expect("create");
    assert_eq!(created, Created::New);
    store
}

fn directory(store: &mut Store) {
    let tx = store.write().expect("tx");
    for (id, role) in [
        ("asmith", Role::Iro),
        ("jwhite", Role::IroTeamManager),
        ("bking", Role::SocialWorker),
        ("tgreen", Role::TeamManager),
        ("mblack", Role::ServiceManager),
    ] {
        let staff = Staff {
            id: id.into(),
            name: id.into(),
            role,
            email: format!("{id}@example.gov.uk"),
            team: None,
        };
        assert!(tx.add_staff(&staff).expect("add staff"));
    }
    let child = Child {
        reference: "LCS-1".into(),
        name: "Sam".into(),
        team: "North".into(),
        social_worker: "bking".into(),
        practice_supervisor: None,
        team_manager: "tgreen".into(),
        service_manager: "mblack".into(),
        iro: "asmith".into(),
        iro_team_manager: "jwhite".into(),
    };
    assert!(tx.add_child(&child).expect("add child"));
    assert!(
        !tx.add_child(&child).expect("add child twice"),
        "a reference is taken once"
    );
    tx.commit().expect("commit");
}

fn raised() -> (Matter, Vec<Step>) {
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
        state = Some(evolve(state, "Q-2026-0001", step).expect("evolve"));
    }
    (state.expect("state"), steps)
}

fn at() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 9, 30, 0)
        .single()
        .expect("valid time")
}

#[test]
fn a_new_database_is_private_and_at_the_current_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = new_store(&dir);
    assert_eq!(store.user_version().expect("version"), SCHEMA_VERSION);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(store.path())
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    drop(store);
    let (_, again) = Store::create(&dir.path().join("iro.db"), false).expect("create again");
    assert_eq!(again, Created::AlreadyThere);
}

#[test]
fn recorded_state_reads_back_as_the_engine_folded_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = new_store(&dir);
    directory(&mut store);
    let (matter, steps) = raised();
    let tx = store.write().expect("tx");
    assert_eq!(tx.next_matter_id("Q", 2026).expect("id"), "Q-2026-0001");
    tx.record(&matter, &steps, at()).expect("record");
    tx.commit().expect("commit");
    let tx = store.read().expect("tx");
    assert_eq!(tx.matter("Q-2026-0001").expect("read"), Some(matter));
    assert_eq!(tx.next_matter_id("Q", 2026).expect("id"), "Q-2026-0002");
    assert_eq!(tx.next_matter_id("Q", 2027).expect("id"), "Q-2027-0001");
    let events = tx.matter_events("Q-2026-0001").expect("events");
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].event, steps[1].event);
    assert_eq!(events[0].recorded_at, "2026-11-26T09:30:00.000000Z");
}

#[test]
fn a_transaction_dropped_without_commit_leaves_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = new_store(&dir);
    directory(&mut store);
    let (matter, steps) = raised();
    {
        let tx = store.write().expect("tx");
        tx.record(&matter, &steps, at()).expect("record");
    }
    let tx = store.read().expect("tx");
    assert_eq!(tx.matter("Q-2026-0001").expect("read"), None);
    assert!(tx.matter_events("Q-2026-0001").expect("events").is_empty());
}

#[test]
fn events_cannot_be_changed_or_deleted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = new_store(&dir);
    directory(&mut store);
    let (matter, steps) = raised();
    let tx = store.write().expect("tx");
    tx.record(&matter, &steps, at()).expect("record");
    tx.commit().expect("commit");
    for sql in ["UPDATE events SET actor = 'someone'", "DELETE FROM events"] {
        let err = store.conn.execute(sql, []).expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
}

#[test]
fn missing_directory_and_foreign_files_are_refused_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("none.db");
    assert!(matches!(Store::open(&missing), Err(StoreError::Missing(_))));
    assert!(!missing.exists(), "opening never creates");
    assert!(matches!(
        Store::open(dir.path()),
        Err(StoreError::IsDirectory(_))
    ));
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a database, just notes\n".repeat(200)).expect("write");
    let before = std::fs::read(&text).expect("read");
    assert!(matches!(Store::open(&text), Err(StoreError::Sqlite { .. })));
    assert_eq!(std::fs::read(&text).expect("read"), before);
}

#[test]
fn a_database_from_a_newer_iro_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("iro.db");
    {
        let store = new_store(&dir);
        store
            .conn
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .expect("bump");
        store
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .expect("checkpoint");
    }
    let before = std::fs::read(&path).expect("read");
    match Store::open(&path) {
        Err(StoreError::Newer { found, .. }) => assert_eq!(found, SCHEMA_VERSION + 1),
        other => panic!("expected Newer, got {other:?}"),
    }
    assert_eq!(std::fs::read(&path).expect("read"), before);
}

#[test]
fn each_version_upgrades_the_released_database_in_turn_and_the_chain_still_checks_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("v1.db");
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v1.db"),
        &path,
    )
    .expect("copy the fixture");
    let mut store = Store::connect(&path, OpenFlags::SQLITE_OPEN_READ_WRITE).expect("connect");
    store.configure().expect("configure");
    assert_eq!(store.user_version().expect("version"), 1);
    let head = store.read().expect("tx").walk_chain().expect("walk");
    assert!(head.first_break.is_none());
    for migration in schema::MIGRATIONS.iter().skip(1) {
        store
            .migrate_to(migration.version - 1, migration.version)
            .unwrap_or_else(|e| panic!("version {}: {e}", migration.version));
        assert_eq!(store.user_version().expect("version"), migration.version);
        let walk = store.read().expect("tx").walk_chain().expect("walk");
        assert!(walk.first_break.is_none(), "version {}", migration.version);
        assert!(
            walk.events >= head.events,
            "version {} lost events",
            migration.version
        );
    }
    // Applying the list again changes nothing: each version is applied once.
    store.migrate_to(1, SCHEMA_VERSION).expect("again");
    assert_eq!(store.user_version().expect("version"), SCHEMA_VERSION);
}
