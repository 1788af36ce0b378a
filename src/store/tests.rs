//! Tests of the SQLite file itself (the conformance suite covers what every backend must do): created
//! private, foreign and newer files refused untouched, and the released database upgraded version by
//! version.

use super::*;

fn new_store(dir: &tempfile::TempDir) -> Store {
    let (store, created) =
        Store::create(&dir.path().join("iro.db"), false, crate::fixture::now()).expect("create");
    assert_eq!(created, Created::New);
    store
}

#[test]
fn a_new_database_is_private_and_at_the_current_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = new_store(&dir);
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(store.path().expect("a file"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    drop(store);
    let (_, again) = Store::create(&dir.path().join("iro.db"), false, crate::fixture::now())
        .expect("create again");
    assert_eq!(again, Created::AlreadyThere);
}

#[test]
fn missing_directory_and_foreign_files_are_refused_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("none.db");
    assert!(matches!(
        Store::open(&missing, crate::fixture::now()),
        Err(StoreError::Missing(_))
    ));
    assert!(!missing.exists(), "opening never creates");
    assert!(matches!(
        Store::open(dir.path(), crate::fixture::now()),
        Err(StoreError::IsDirectory(_))
    ));
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a database, just notes\n".repeat(200)).expect("write");
    let before = std::fs::read(&text).expect("read");
    assert!(matches!(
        Store::open(&text, crate::fixture::now()),
        Err(StoreError::Database { .. })
    ));
    assert_eq!(std::fs::read(&text).expect("read"), before);
}

#[test]
fn a_database_from_a_newer_iro_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("iro.db");
    {
        let store = new_store(&dir);
        let conn = store.sqlite().connection();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .expect("bump");
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .expect("checkpoint");
    }
    let before = std::fs::read(&path).expect("read");
    match Store::open(&path, crate::fixture::now()) {
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
    let db = sqlite::Sqlite::connect(&path).expect("connect");
    db.configure().expect("configure");
    assert_eq!(db.user_version().expect("version"), 1);
    let released: i64 = db
        .connection()
        .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
        .expect("count");
    let mut store = Store {
        db: super::Db::Sqlite(db),
    };
    for migration in schema::MIGRATIONS.iter().skip(1) {
        store
            .migrate_to(
                migration.version - 1,
                migration.version,
                crate::fixture::now(),
            )
            .unwrap_or_else(|e| panic!("version {}: {e}", migration.version));
        assert_eq!(store.schema_version().expect("version"), migration.version);
    }
    // The chain as this build reads it (the columns of the last version) checks out, every event kept.
    let walk = store.read().expect("tx").walk_chain().expect("walk");
    assert!(walk.first_break.is_none(), "{:?}", walk.first_break);
    assert!(walk.events as i64 >= released, "events were lost");
    // Applying the list again changes nothing: each version is applied once.
    store
        .migrate_to(1, SCHEMA_VERSION, crate::fixture::now())
        .expect("again");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
}
