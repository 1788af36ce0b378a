//! The record itself (issue 5): concurrent writers all get through, a killed writer leaves nothing
//! half-written, a backup taken while others write is consistent, an edit behind the tool's back is
//! found by `audit verify`, and hostile or wrong input leaves the database byte-for-byte unchanged.
//!
//! Owns: these black-box tests. They run `iro` as real processes (several at once, some killed), so
//! they use `std::process::Command` directly rather than `Service::iro`, with the same environment.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::common::{Peek, Service, TODAY};

/// `iro` as a plain process on `db` and the fixed today, with no acting person unless `--as` is given.
fn iro(db: &Path) -> Command {
    crate::common::process(db, TODAY)
}

fn run<S: AsRef<OsStr>>(db: &Path, args: &[S]) -> Output {
    iro(db).args(args).output().expect("run iro")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// What a user must never see: SQLite's lock contention leaking through instead of waiting.
fn mentions_the_lock(stderr: &str) -> bool {
    let lower = stderr.to_ascii_lowercase();
    lower.contains("database is locked") || lower.contains("busy")
}

/// Whether `iro --help` lists this command (some commands arrive with other issues).
fn has_command(name: &str) -> bool {
    let output = Command::new(env!("CARGO_BIN_EXE_iro"))
        .arg("--help")
        .env_clear()
        .output()
        .expect("iro --help");
    text(&output.stdout)
        .lines()
        .any(|line| line.starts_with("  ") && line.split_whitespace().next() == Some(name))
}

fn connect(db: &Path) -> Peek {
    Peek::open(db)
}

/// A SQLite file opened behind iro's back, for the tests that change its bytes.
fn connect_file(db: &Path) -> Connection {
    Connection::open(db).unwrap_or_else(|e| panic!("open {}: {e}", db.display()))
}

fn count(conn: &Peek, sql: &str) -> i64 {
    conn.count(sql)
}

/// How many steps of each kind, the directory's own events left out.
fn event_kinds(conn: &Peek) -> BTreeMap<String, i64> {
    conn.rows(
        "SELECT kind, CAST(COUNT(*) AS TEXT) FROM events WHERE matter IS NOT NULL GROUP BY kind",
        &[],
    )
    .into_iter()
    .map(|row| {
        let kind = row[0].clone().expect("a kind");
        let n = row[1]
            .as_deref()
            .expect("a count")
            .parse()
            .expect("a number");
        (kind, n)
    })
    .collect()
}

/// The hash of the last event, as stored.
fn last_hash(conn: &Peek) -> String {
    conn.texts("SELECT hash FROM events ORDER BY id DESC LIMIT 1", &[])
        .remove(0)
        .expect("last event")
}

/// Moves everything in the WAL into the main file and empties the WAL, so the main file's bytes are
/// the whole database.
fn checkpoint(db: &Path) {
    let conn = connect_file(db);
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .expect("checkpoint");
}

/// Runs `audit verify`; it must exit 0 and print `ok N events, head H`. Returns (N, H).
/// How many events are on no matter (the directory's changes, the outbox's marks): every count of
/// steps leaves them out.
fn directory_events(db: &Path) -> u64 {
    count(
        &connect(db),
        "SELECT COUNT(*) FROM events WHERE matter IS NULL",
    ) as u64
}

fn verified(db: &Path) -> (u64, String) {
    let output = run(
        db,
        &[
            "--db".as_ref(),
            db.as_os_str(),
            "audit".as_ref(),
            "verify".as_ref(),
        ],
    );
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "audit verify of {}: {stdout}{}",
        db.display(),
        text(&output.stderr)
    );
    parse_ok(&stdout).unwrap_or_else(|| panic!("audit verify printed {stdout:?}"))
}

/// `ok N events, head H\n` into (N, H).
fn parse_ok(stdout: &str) -> Option<(u64, String)> {
    let rest = stdout.strip_prefix("ok ")?.strip_suffix('\n')?;
    let (n, head) = rest.split_once(" events, head ")?;
    let hex = head.len() == 64 && head.bytes().all(|b| b.is_ascii_hexdigit());
    Some((n.parse().ok()?, head.to_string())).filter(|_| hex)
}

/// Runs `audit verify` where the record must not check out: exit 7; returns what it printed.
fn broken(service: &Service) -> String {
    let output = run(&service.db, &["audit", "verify"]);
    let said = format!("{}{}", text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(7), "audit verify: {said}");
    assert!(!said.starts_with("ok "), "{said}");
    said
}

// ---------------------------------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------------------------------

const WORKERS: usize = 8;
const CYCLES: usize = 10;
/// Each cycle is five write commands: raise, note, extend, complete, then escalate or resolve.
const COMMANDS_PER_WORKER: usize = CYCLES * 5;

/// One writer: fifty valid write commands on matters it raised itself. Returns every failure seen.
fn writer(db: &Path, worker: usize) -> Vec<String> {
    let mut failures = Vec::new();
    let mut commands = 0;
    // Even workers act as the children's IRO, odd ones as the IRO team manager: both may do it all.
    let actor = if worker % 2 == 0 { "asmith" } else { "jwhite" };
    let mut step = |args: &[&str]| -> String {
        commands += 1;
        let output = run(db, &[&["--as", actor], args].concat());
        let stderr = text(&output.stderr);
        if !output.status.success() || mentions_the_lock(&stderr) {
            failures.push(format!(
                "worker {worker}: iro {args:?} exited {:?}: {stderr}",
                output.status.code()
            ));
        }
        text(&output.stdout).trim().to_string()
    };
    for cycle in 0..CYCLES {
        let child = if (worker + cycle) % 2 == 0 {
            "LCS-104233"
        } else {
            "LCS-200001"
        };
        let summary = format!("worker {worker} cycle {cycle}");
        let id = step(&[
            "raise-qap",
            child,
            "--category",
            "other",
            "--summary",
            &summary,
            "--action",
            "First",
            "--owner",
            "bking",
            "--within",
            "5",
            "--action",
            "Second",
            "--owner",
            "cdoe",
            "--within",
            "10",
        ]);
        if !id.starts_with("Q-2026-") {
            return failures;
        }
        step(&["note", &id, "--text", &format!("note of {summary}")]);
        step(&[
            "extend",
            &id,
            "--action",
            "1",
            "--within",
            "15",
            "--agreed-by",
            "jwhite",
            "--reason",
            "Assessor away",
        ]);
        step(&["complete-action", &id, "--action", "2", "--note", "Done"]);
        if cycle % 2 == 0 {
            step(&["escalate", &id, "--stage", "1"]);
        } else {
            step(&["resolve", &id, "--outcome", "Settled"]);
        }
    }
    assert_eq!(commands, COMMANDS_PER_WORKER);
    failures
}

#[test]
fn eight_writers_and_a_reader_all_get_through_and_every_step_is_counted() {
    let service = Service::new();
    // One matter before the writers start, for the reader to show.
    let first = service.raise_qap("asmith", "LCS-104233", Some(TODAY));
    assert_eq!(first, "Q-2026-0001");
    let with_report = has_command("report");
    let started = Instant::now();

    let writers_done = Arc::new(AtomicBool::new(false));
    let reader = {
        let db = service.db.clone();
        let done = Arc::clone(&writers_done);
        thread::spawn(move || {
            let mut failures = Vec::new();
            let mut rounds = 0;
            let mut last_count = 0;
            let mut reads: Vec<Vec<&str>> = vec![
                vec!["list", "--format", "json"],
                vec!["show", "Q-2026-0001", "--format", "json"],
                vec!["audit", "verify"],
            ];
            if with_report {
                reads.push(vec!["report", "overdue", "--format", "csv"]);
            }
            loop {
                // Read the flag first, so one whole round always runs after the last write.
                let last_round = done.load(Ordering::SeqCst);
                for args in &reads {
                    let output = run(&db, args);
                    let stderr = text(&output.stderr);
                    let stdout = text(&output.stdout);
                    if !output.status.success() || mentions_the_lock(&stderr) {
                        failures.push(format!(
                            "reader: iro {args:?} exited {:?}: {stderr}",
                            output.status.code()
                        ));
                        continue;
                    }
                    let problem = match args[0] {
                        "list" => serde_json::from_str::<Vec<serde_json::Value>>(&stdout)
                            .err()
                            .map(|e| format!("list printed {stdout:?}: {e}")),
                        "show" => {
                            let shown: serde_json::Value =
                                serde_json::from_str(&stdout).unwrap_or_default();
                            (shown["id"] != "Q-2026-0001")
                                .then(|| format!("show printed {stdout:?}"))
                        }
                        "audit" => match parse_ok(&stdout) {
                            // Each verify sees one consistent snapshot, never fewer events than before.
                            Some((n, _)) if n >= last_count => {
                                last_count = n;
                                None
                            }
                            _ => Some(format!(
                                "audit verify printed {stdout:?} after {last_count} events"
                            )),
                        },
                        _ => None,
                    };
                    if let Some(problem) = problem {
                        failures.push(format!("reader: {problem}"));
                    }
                }
                rounds += 1;
                if last_round {
                    return (failures, rounds);
                }
            }
        })
    };
    let writers: Vec<_> = (0..WORKERS)
        .map(|worker| {
            let db = service.db.clone();
            thread::spawn(move || writer(&db, worker))
        })
        .collect();
    let mut failures: Vec<String> = writers
        .into_iter()
        .flat_map(|w| w.join().expect("writer thread"))
        .collect();
    writers_done.store(true, Ordering::SeqCst);
    let (read_failures, rounds) = reader.join().expect("reader thread");
    failures.extend(read_failures);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(rounds >= 2, "the reader ran only {rounds} round(s)");
    eprintln!(
        "concurrency: {} writes and {rounds} read rounds in {:?}",
        WORKERS * COMMANDS_PER_WORKER,
        started.elapsed()
    );

    // Exactly the sum of what every writer did, nothing lost and nothing doubled.
    let matters = 1 + WORKERS * CYCLES;
    let half = (WORKERS * CYCLES / 2) as i64;
    let made = (WORKERS * CYCLES) as i64;
    let conn = connect(&service.db);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM matters"), matters as i64);
    let numbers: Vec<i64> = conn
        .texts(
            "SELECT CAST(number AS TEXT) AS n FROM matters WHERE prefix = 'Q' AND year = 2026 ORDER BY number",
            &[],
        )
        .into_iter()
        .map(|n| n.expect("a number").parse().expect("a number"))
        .collect();
    assert_eq!(
        numbers,
        (1..=matters as i64).collect::<Vec<_>>(),
        "ids are 1..=N, no gap, no twin"
    );
    let expected: BTreeMap<String, i64> = [
        ("qap-raised", made + 1),
        ("noted", made),
        ("action-extended", made),
        ("action-completed", made),
        ("drp-entered", half),
        ("resolved", half),
    ]
    .into_iter()
    .map(|(k, n)| (k.to_string(), n))
    .collect();
    assert_eq!(event_kinds(&conn), expected);
    let total: i64 = expected.values().sum();
    assert_eq!(total, 1 + (WORKERS * COMMANDS_PER_WORKER) as i64);
    let states: BTreeMap<String, i64> = conn
        .rows(
            "SELECT state, CAST(COUNT(*) AS TEXT) FROM matters GROUP BY state",
            &[],
        )
        .into_iter()
        .map(|row| {
            let n = row[1]
                .as_deref()
                .expect("a count")
                .parse()
                .expect("a number");
            (row[0].clone().expect("a state"), n)
        })
        .collect();
    assert_eq!(
        states,
        [("drp", half), ("qap", 1), ("resolved", half)]
            .into_iter()
            .map(|(k, n)| (k.to_string(), n))
            .collect()
    );
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM actions"), 1 + 2 * made);
    assert_eq!(
        count(&conn, "SELECT COUNT(*) FROM actions WHERE status = 'done'"),
        made
    );
    assert_eq!(
        count(&conn, "SELECT COUNT(*) FROM action_due_history"),
        1 + 3 * made
    );
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM stages"), half);
    let head = last_hash(&conn);
    drop(conn);
    assert_eq!(
        verified(&service.db),
        (directory_events(&service.db) + total as u64, head)
    );
}

// ---------------------------------------------------------------------------------------------------
// Crash safety
// ---------------------------------------------------------------------------------------------------

/// A fixed-seed linear congruential generator: the same "random" kill moments on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// A delay of 5 to 400 ms.
    fn delay(&mut self) -> Duration {
        Duration::from_millis(5 + self.next() % 396)
    }
}

/// Waits `delay` (or less, if the process ends first), then SIGKILLs it. Returns whether it was still
/// running when killed.
fn kill_after(child: &mut std::process::Child, delay: Duration) -> bool {
    let deadline = Instant::now() + delay;
    while Instant::now() < deadline {
        if child.try_wait().expect("try_wait").is_some() {
            return false;
        }
        thread::sleep(Duration::from_millis(1));
    }
    let running = child.try_wait().expect("try_wait").is_none();
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    running
}

/// What must hold of a database file after its writer was killed at any moment. Returns the number
/// of events in it (0 for no file or no schema).
fn check_after_crash(db: &Path, round: usize) -> u64 {
    if !db.exists() {
        // Killed before it created the file: nothing was written.
        return 0;
    }
    let peek = Peek::File(connect_file(db));
    let conn = peek.file();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(integrity, "ok", "round {round}");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("user_version");
    if version == 0 {
        // The schema is created in one transaction: all of it or none of it.
        assert_eq!(
            count(&peek, "SELECT COUNT(*) FROM sqlite_master"),
            0,
            "round {round}: tables without a schema version"
        );
        return 0;
    }
    assert_eq!(
        count(
            &peek,
            "SELECT COUNT(*) FROM matters m WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.matter = m.id)"
        ),
        0,
        "round {round}: a matter no event explains"
    );
    assert_eq!(
        count(
            &peek,
            "SELECT COUNT(*) FROM events e WHERE e.matter IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM matters m WHERE m.id = e.matter)"
        ),
        0,
        "round {round}: an event about a matter that does not exist"
    );
    assert_eq!(
        count(
            &peek,
            "SELECT COUNT(*) FROM actions a WHERE NOT EXISTS (SELECT 1 FROM matters m WHERE m.id = a.matter)"
        ),
        0,
        "round {round}: an action without its matter"
    );
    let events = count(&peek, "SELECT COUNT(*) FROM events") as u64;
    drop(peek);
    let (verified_events, _) = verified(db);
    assert_eq!(verified_events, events, "round {round}");
    events
}

const ROUNDS: usize = 12;

#[test]
fn a_writer_killed_at_any_moment_leaves_a_whole_database() {
    if crate::common::file_only("it kills writers of files and checks each file's integrity") {
        return;
    }
    let service = Service::new();
    let mut lcg = Lcg(0x1505_2026);
    let mut killed_running = 0;
    let mut partial = 0;

    // 1. The bulk write of a whole demo database, killed at random moments, a fresh path per round.
    if has_command("demo") {
        // Uncut, the demo must work and check out: otherwise every round below would prove nothing.
        let whole = service.dir.path().join("demo-whole.db");
        let started = Instant::now();
        let output = run(
            &service.db,
            &["--db".as_ref(), whole.as_os_str(), "demo".as_ref()],
        );
        assert!(output.status.success(), "demo: {}", text(&output.stderr));
        let (events, _) = verified(&whole);
        assert!(events > 0, "the demo recorded no events");
        eprintln!(
            "crash: a whole demo takes {:?}, {events} events",
            started.elapsed()
        );
        for round in 0..ROUNDS {
            let db = service.dir.path().join(format!("demo-{round}.db"));
            let mut child = iro(&service.db)
                .arg("--db")
                .arg(&db)
                .arg("demo")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn demo");
            if kill_after(&mut child, lcg.delay()) {
                killed_running += 1;
            }
            let found = check_after_crash(&db, round);
            if found > 0 && found < events {
                partial += 1;
            }
            assert!(
                found <= events,
                "round {round}: {found} events, more than a whole demo"
            );
        }
    } else {
        eprintln!("crash: no `iro demo` in this build; only the loop of large writes runs");
    }
    eprintln!("crash: {partial} demo database(s) were left part-built, and checked out");

    // 2. A loop of large writes (a QAP with 60 actions: 60 action rows, 60 due-date rows and the event
    //    in one transaction) on a database with history, the running one killed at random moments.
    const ACTIONS: usize = 60;
    let mut bulk: Vec<String> = [
        "--as",
        "asmith",
        "raise-qap",
        "LCS-104233",
        "--category",
        "other",
        "--summary",
        "Many actions",
    ]
    .map(String::from)
    .to_vec();
    for i in 1..=ACTIONS {
        bulk.extend([
            "--action".to_string(),
            format!("Action number {i}"),
            "--owner".to_string(),
            "bking".to_string(),
            "--within".to_string(),
            (1 + i % 20).to_string(),
        ]);
    }
    let mut matters_before = 0;
    for round in 0..ROUNDS {
        let deadline = Instant::now() + lcg.delay();
        loop {
            let mut child = iro(&service.db)
                .args(&bulk)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn raise-qap");
            let left = deadline.saturating_duration_since(Instant::now());
            if kill_after(&mut child, left) {
                killed_running += 1;
                break;
            }
            if Instant::now() >= deadline {
                break;
            }
        }
        let events = check_after_crash(&service.db, ROUNDS + round);
        let conn = connect(&service.db);
        let matters = count(&conn, "SELECT COUNT(*) FROM matters");
        // Every bulk QAP is all there or not there at all: one event, 60 actions, 60 due dates.
        assert_eq!(
            (events - directory_events(&service.db)) as i64,
            matters,
            "round {round}: one event per QAP"
        );
        assert_eq!(
            count(&conn, "SELECT COUNT(*) FROM actions"),
            matters * ACTIONS as i64,
            "round {round}: a QAP with some of its actions"
        );
        assert_eq!(
            count(&conn, "SELECT COUNT(*) FROM action_due_history"),
            matters * ACTIONS as i64,
            "round {round}: a QAP with some of its due dates"
        );
        assert!(
            matters >= matters_before,
            "round {round}: a recorded QAP went missing"
        );
        matters_before = matters;
    }
    assert!(
        killed_running >= ROUNDS / 2,
        "only {killed_running} kills landed while a write was running: the test proved little"
    );
    eprintln!(
        "crash: {killed_running} kills landed mid-write; {matters_before} bulk QAPs survived whole"
    );
}

// ---------------------------------------------------------------------------------------------------
// Backups
// ---------------------------------------------------------------------------------------------------

#[test]
fn a_backup_taken_while_others_write_is_a_consistent_private_copy() {
    if crate::common::file_only("it copies the file with iro backup") {
        return;
    }
    let service = Service::new();
    let matter = service.raise_qap("asmith", "LCS-104233", Some("2026-11-20"));
    let stop = Arc::new(AtomicBool::new(false));
    let notes = Arc::new(AtomicUsize::new(0));
    let writer = {
        let (db, stop, notes) = (service.db.clone(), Arc::clone(&stop), Arc::clone(&notes));
        thread::spawn(move || {
            let mut failures = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                let n = notes.load(Ordering::SeqCst);
                let output = run(
                    &db,
                    &[
                        "--as",
                        "asmith",
                        "note",
                        &matter,
                        "--text",
                        &format!("note {n}"),
                    ],
                );
                if output.status.success() {
                    notes.fetch_add(1, Ordering::SeqCst);
                } else {
                    failures.push(text(&output.stderr));
                }
            }
            failures
        })
    };
    while notes.load(Ordering::SeqCst) < 3 {
        thread::sleep(Duration::from_millis(5));
    }
    let copies: Vec<PathBuf> = (1..=3)
        .map(|i| service.dir.path().join(format!("backup-{i}.db")))
        .collect();
    for copy in &copies {
        let output = run(&service.db, &["backup".as_ref(), copy.as_os_str()]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "backup: {}",
            text(&output.stderr)
        );
        thread::sleep(Duration::from_millis(20));
    }
    stop.store(true, Ordering::SeqCst);
    let failures = writer.join().expect("writer thread");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let total = directory_events(&service.db) + 1 + notes.load(Ordering::SeqCst) as u64;

    let live_peek = Peek::File(connect_file(&service.db));
    let live = live_peek.file();
    for copy in &copies {
        let mode = std::fs::metadata(copy).expect("copy").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}: mode {mode:o}", copy.display());
        // The copy checks out by itself, and is a prefix of the live record: its head is the hash the
        // live chain had at that event, so it is one consistent moment, not a mix of two.
        let (events, head) = verified(copy);
        assert!((4..=total).contains(&events), "{events} of {total}");
        let live_hash: String = live
            .query_row(
                "SELECT hash FROM events WHERE id = ?1",
                [events as i64],
                |r| r.get(0),
            )
            .expect("the live event");
        assert_eq!(head, live_hash);
    }
    assert_eq!(
        count(&live_peek, "SELECT COUNT(*) FROM events") as u64,
        total
    );

    // A backup never overwrites: refused with one line, the old copy untouched.
    let copy = &copies[0];
    let before = std::fs::read(copy).expect("copy bytes");
    let output = run(&service.db, &["backup".as_ref(), copy.as_os_str()]);
    let stderr = text(&output.stderr);
    assert_ne!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(std::fs::read(copy).expect("copy bytes"), before);
    let mode = std::fs::metadata(copy).expect("copy").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

// ---------------------------------------------------------------------------------------------------
// Tamper evidence
// ---------------------------------------------------------------------------------------------------

/// A matter with a few steps, three of them notes: raised, noted, noted, escalated, noted (events 1-5).
fn scenario(service: &Service) -> String {
    let m = service.raise_qap("asmith", "LCS-104233", Some("2026-11-16"));
    for (text, on) in [("first note", "2026-11-17"), ("second note", "2026-11-18")] {
        service.ok(&["--as", "asmith", "note", &m, "--text", text, "--on", on]);
    }
    service.ok(&[
        "--as",
        "asmith",
        "escalate",
        &m,
        "--stage",
        "1",
        "--on",
        "2026-11-19",
    ]);
    service.ok(&[
        "--as",
        "jwhite",
        "note",
        &m,
        "--text",
        "third note",
        "--on",
        "2026-11-20",
    ]);
    m
}

/// The id of the event with this note text.
fn note_event(conn: &Connection, text: &str) -> i64 {
    conn.query_row(
        "SELECT id FROM events WHERE kind = 'noted' AND json_extract(details, '$.text') = ?1",
        [text],
        |r| r.get(0),
    )
    .expect("note event")
}

#[test]
fn the_chain_head_is_printed_and_the_triggers_refuse_changes() {
    let service = Service::new();
    scenario(&service);
    let conn = connect(&service.db);
    let head = last_hash(&conn);
    let directory = directory_events(&service.db);
    assert_eq!(verified(&service.db), (directory + 5, head.clone()));
    assert_eq!(service.ok(&["audit", "head"]), format!("{head}\n"));

    let before = service.dump();
    for sql in [
        "UPDATE events SET details = '{}' WHERE kind = 'noted'",
        "UPDATE events SET actor = 'pother'",
        "DELETE FROM events WHERE id = 2",
        "DELETE FROM events",
    ] {
        let err = conn.try_edit(sql).expect_err(sql);
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    drop(conn);
    assert_eq!(service.dump(), before);
    assert_eq!(verified(&service.db), (directory + 5, head));
}

#[test]
fn an_edited_event_is_named() {
    if crate::common::file_only("it drops a trigger of the file and edits an event") {
        return;
    }
    let service = Service::new();
    scenario(&service);
    let peek = connect(&service.db);
    let conn = peek.file();
    let id = note_event(conn, "second note");
    conn.execute_batch("DROP TRIGGER events_no_update")
        .expect("drop trigger");
    let changed = conn
        .execute(
            "UPDATE events SET details = json_set(details, '$.text', 'changed') WHERE id = ?1",
            [id],
        )
        .expect("edit behind the tool's back");
    assert_eq!(changed, 1);
    drop(peek);
    let said = broken(&service);
    assert!(said.contains(&format!("event {id}:")), "{said}");
    assert!(!said.contains(&format!("event {}:", id + 1)), "{said}");
}

#[test]
fn a_state_row_that_its_events_do_not_explain_is_named() {
    if crate::common::file_only("it edits the file behind iro's back") {
        return;
    }
    let service = Service::new();
    let m = scenario(&service);
    let peek = connect(&service.db);
    let conn = peek.file();
    let changed = conn
        .execute("UPDATE matters SET state = 'resolved' WHERE id = ?1", [&m])
        .expect("edit the state");
    assert_eq!(changed, 1);
    drop(peek);
    let said = broken(&service);
    assert!(said.contains(&m), "{said}");
    assert!(said.contains("state"), "{said}");
}

#[test]
fn a_directory_edited_behind_the_tools_back_is_named() {
    if crate::common::file_only("it edits the file behind iro's back") {
        return;
    }
    // Each edit touches no event, so only the replay of the directory's changes can see it.
    for (sql, named) in [
        (
            "UPDATE children SET social_worker = 'pother' WHERE ref = 'LCS-104233'",
            "child LCS-104233: social_worker is \"pother\" but its events say \"bking\"",
        ),
        (
            "UPDATE staff SET email = 'someone@elsewhere.example' WHERE id = 'tgreen'",
            "staff tgreen: email",
        ),
        (
            "UPDATE allocations SET iro = 'pother' WHERE child = 'LCS-200001'",
            "allocation LCS-200001 from 2026-01-05",
        ),
        (
            "UPDATE staff_versions SET role = 'team-manager' WHERE id = 'bking'",
            "staff version bking from 2026-01-05",
        ),
        ("UPDATE covers SET to_on = NULL", "cover set by event"),
        ("DELETE FROM covers", "cover set by event"),
        (
            "INSERT INTO closure_days (day, reason) VALUES ('2026-12-24', 'Christmas Eve')",
            "closure day 2026-12-24: no recorded event explains it",
        ),
    ] {
        let service = Service::new();
        service.ok(&[
            "cover",
            "asmith",
            "--by",
            "pother",
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-13",
        ]);
        verified(&service.db);
        let peek = connect(&service.db);
        let conn = peek.file();
        assert!(
            conn.execute(sql, []).expect(sql) > 0,
            "{sql} changed nothing"
        );
        drop(peek);
        let said = broken(&service);
        assert!(said.contains(named), "{sql}: {said}");
    }
}

#[test]
fn a_deleted_event_is_found_at_the_event_after_it() {
    if crate::common::file_only("it drops a trigger of the file and deletes an event") {
        return;
    }
    let service = Service::new();
    scenario(&service);
    let peek = connect(&service.db);
    let conn = peek.file();
    let id = note_event(conn, "first note");
    let (first, last) = (
        count(&peek, "SELECT MIN(id) FROM events WHERE matter IS NOT NULL"),
        count(&peek, "SELECT MAX(id) FROM events"),
    );
    assert!(first < id && id < last, "a middle event");
    conn.execute_batch("DROP TRIGGER events_no_delete")
        .expect("drop trigger");
    assert_eq!(
        conn.execute("DELETE FROM events WHERE id = ?1", [id])
            .expect("delete behind the tool's back"),
        1
    );
    drop(peek);
    let said = broken(&service);
    assert!(said.contains(&format!("event {}:", id + 1)), "{said}");
}

#[test]
fn a_forged_event_appended_behind_the_tools_back_is_named() {
    if crate::common::file_only("it appends to the file behind iro's back") {
        return;
    }
    let service = Service::new();
    let m = scenario(&service);
    let peek = connect(&service.db);
    let conn = peek.file();
    let head = last_hash(&peek);
    // A plausible note with the right prev_hash but a hash that is not over its contents.
    let next = count(&peek, "SELECT MAX(id) + 1 FROM events");
    conn.execute(
        "INSERT INTO events (id, matter, child, kind, actor, effective_on, recorded_at, details, prev_hash, hash)
         VALUES (?4, ?1, 'LCS-104233', 'noted', 'asmith', '2026-11-20', '2026-11-20T09:00:00.000000Z',
                 '{\"kind\":\"noted\",\"text\":\"forged\"}', ?2, ?3)",
        rusqlite::params![m, head, "f".repeat(64), next],
    )
    .expect("forge");
    drop(peek);
    let said = broken(&service);
    assert!(said.contains(&format!("event {next}:")), "{said}");
}

// ---------------------------------------------------------------------------------------------------
// Hostile and wrong input
// ---------------------------------------------------------------------------------------------------

/// One bad input: what it is, the arguments, extra environment, and the exit status it must get.
struct Bad {
    what: &'static str,
    code: i32,
    args: Vec<OsString>,
    env: Vec<(&'static str, OsString)>,
}

fn bad(what: &'static str, code: i32, args: &[&str]) -> Bad {
    bad_os(what, code, args.iter().map(OsString::from).collect())
}

fn bad_os(what: &'static str, code: i32, args: Vec<OsString>) -> Bad {
    Bad {
        what,
        code,
        args,
        env: Vec::new(),
    }
}

impl Bad {
    fn env(mut self, key: &'static str, value: impl AsRef<OsStr>) -> Bad {
        self.env.push((key, value.as_ref().to_os_string()));
        self
    }
}

/// A valid `raise-qap` as asmith with `flag`'s value replaced (`CHILD` for the child).
fn raise_with(flag: &str, value: &str) -> Vec<OsString> {
    let mut args: Vec<OsString> = [
        "--as",
        "asmith",
        "raise-qap",
        "LCS-104233",
        "--category",
        "permanence",
        "--summary",
        "Drift",
        "--action",
        "Assess",
        "--owner",
        "bking",
        "--within",
        "5",
    ]
    .map(OsString::from)
    .to_vec();
    let at = match flag {
        "CHILD" => 3,
        flag => 1 + args.iter().position(|a| a == flag).expect(flag),
    };
    args[at] = value.into();
    args
}

/// A `raise-qap` with `--due DATE` in place of `--within 5`.
fn raise_due(date: &str) -> Vec<OsString> {
    let mut args = raise_with("--within", date);
    let at = args.iter().position(|a| a == "--within").expect("--within");
    args[at] = "--due".into();
    args
}

fn os(parts: &[&OsStr]) -> Vec<OsString> {
    parts.iter().map(|p| p.to_os_string()).collect()
}

/// Paths that are not an iro database this iro may use.
struct Elsewhere {
    not_sqlite: PathBuf,
    empty: PathBuf,
    a_directory: PathBuf,
    newer: PathBuf,
    missing: PathBuf,
}

/// The table: each bad input and its documented exit status. `q` is a QAP matter raised on 2026-11-20
/// whose last step was on 2026-11-24; `e` an EPCP/DRP matter at stage 2.
#[rustfmt::skip]
fn bad_inputs(q: &str, e: &str, files: &Elsewhere) -> Vec<Bad> {
    let ff = OsStr::from_bytes(b"caf\xff");
    let big = "x".repeat(100 * 1024);
    let sql_matter = format!("{q}' OR '1'='1");
    let [nd, ed, dd, wd, md] = [&files.not_sqlite, &files.empty, &files.a_directory, &files.newer, &files.missing]
        .map(|p| p.as_os_str());
    let with_db = |db: &OsStr, rest: &[&str]| -> Vec<OsString> {
        [os(&["--db".as_ref(), db]), rest.iter().map(OsString::from).collect()].concat()
    };
    vec![
        // Impossible and malformed dates, in --on, --due and calendar arguments.
        bad("--on 2026-02-30", 2, &["--as", "asmith", "note", q, "--text", "t", "--on", "2026-02-30"]),
        bad("--on 2025-02-29", 2, &["--as", "asmith", "note", q, "--text", "t", "--on", "2025-02-29"]),
        bad("--on empty", 2, &["--as", "asmith", "note", q, "--text", "t", "--on", ""]),
        bad_os("--due 26/11/2026", 2, raise_due("26/11/2026")),
        bad_os("--due 2026-1-5", 2, raise_due("2026-1-5")),
        bad_os("--due tomorrow", 2, raise_due("tomorrow")),
        bad_os("--due empty", 2, raise_due("")),
        bad("extend --due 2026-13-01", 2, &["--as", "asmith", "extend", q, "--action", "1", "--due", "2026-13-01", "--agreed-by", "jwhite", "--reason", "r"]),
        bad("calendar add 2026-02-30", 2, &["calendar", "add", "2026-02-30", "5"]),
        bad("calendar between 26/11/2026", 2, &["calendar", "between", "26/11/2026", "2026-12-01"]),
        bad("calendar is-working-day 2026-1-5", 2, &["calendar", "is-working-day", "2026-1-5"]),
        bad("closure add 2025-02-29", 2, &["closure", "add", "2025-02-29", "--reason", "Shutdown"]),
        // Dates that are well formed but not allowed.
        bad("future --on", 3, &["--as", "asmith", "note", q, "--text", "t", "--on", "2026-11-27"]),
        bad_os("future --on opening a matter", 3, [raise_with("--within", "5"), os(&["--on".as_ref(), "2027-01-04".as_ref()])].concat()),
        bad("--on before the last step", 3, &["--as", "asmith", "note", q, "--text", "t", "--on", "2026-11-23"]),
        bad("escalate --on before the last step", 3, &["--as", "asmith", "escalate", q, "--stage", "1", "--on", "2026-11-21"]),
        // Unknown people, children and matters.
        bad("--as ghost", 4, &["--as", "ghost", "note", q, "--text", "t"]),
        bad("IRO_USER ghost", 4, &["note", q, "--text", "t"]).env("IRO_USER", "ghost"),
        bad("--as empty", 2, &["--as", "", "note", q, "--text", "t"]),
        bad_os("--owner ghost", 4, raise_with("--owner", "ghost")),
        bad("--agreed-by ghost", 4, &["--as", "asmith", "extend", q, "--action", "1", "--within", "10", "--agreed-by", "ghost", "--reason", "r"]),
        bad("--resolved-by ghost", 4, &["--as", "jwhite", "resolve", e, "--outcome", "Agreed", "--resolved-by", "ghost"]),
        bad_os("unknown child", 4, raise_with("CHILD", "LCS-999999")),
        bad("unknown child for a new EPCP matter", 4, &["--as", "asmith", "escalate", "--child", "LCS-999999", "--category", "c", "--summary", "s", "--stage", "1"]),
        bad("unknown matter note", 4, &["--as", "asmith", "note", "Q-2026-9999", "--text", "t"]),
        bad("unknown matter show", 4, &["show", "Q-2026-9999"]),
        bad("unknown matter extend", 4, &["--as", "asmith", "extend", "E-2025-0001", "--action", "1", "--within", "3", "--agreed-by", "jwhite", "--reason", "r"]),
        // The wrong role for the step.
        bad_os("social worker raising", 3, raise_with("--as", "bking")),
        bad("IRO resolving an EPCP/DRP matter", 3, &["--as", "asmith", "resolve", e, "--outcome", "Agreed", "--resolved-by", "mblack"]),
        bad("another team's manager challenging", 3, &["--as", "tother", "challenge", q, "--reason", "Not ours"]),
        bad("practice supervisor escalating", 3, &["--as", "cdoe", "escalate", q, "--stage", "1"]),
        bad("no such action", 3, &["--as", "asmith", "complete-action", q, "--action", "99"]),
        // Texts: empty, blank, huge, with control characters. (A NUL cannot be tested: a Unix argv is
        // NUL-terminated, so std refuses to spawn with one; U+0001 and U+007F stand in for it.)
        bad("empty --text", 2, &["--as", "asmith", "note", q, "--text", ""]),
        bad("blank --text", 2, &["--as", "asmith", "note", q, "--text", " \t \n "]),
        bad_os("blank --summary", 2, raise_with("--summary", "   ")),
        bad("empty --outcome", 2, &["--as", "asmith", "resolve", q, "--outcome", ""]),
        bad("100 KB --text", 2, &["--as", "asmith", "note", q, "--text", &big]),
        bad("U+0001 in --text", 2, &["--as", "asmith", "note", q, "--text", "before\u{1}after"]),
        bad("U+007F in --text", 2, &["--as", "asmith", "note", q, "--text", "before\u{7f}after"]),
        bad("CR and ESC in --text", 2, &["--as", "asmith", "note", q, "--text", "\u{1b}[2J\rlooks fine"]),
        bad_os("U+0001 in --category", 2, raise_with("--category", "perm\u{1}anence")),
        // SQL metacharacters are just characters of a name that does not exist.
        bad("SQL in a matter id", 4, &["--as", "asmith", "note", &sql_matter, "--text", "t"]),
        bad("SQL in a shown matter id", 4, &["show", "x'; DROP TABLE events; --"]),
        bad("LIKE wildcard as a matter id", 4, &["--as", "asmith", "note", "%", "--text", "t"]),
        bad_os("SQL in a child ref", 4, raise_with("CHILD", "LCS-104233' --")),
        bad("SQL in --as", 4, &["--as", "asmith' OR 'a'='a", "note", q, "--text", "t"]),
        bad_os("SQL in --owner", 4, raise_with("--owner", "bking\"; DELETE FROM staff; --")),
        bad("LIKE wildcard in --agreed-by", 4, &["--as", "asmith", "extend", q, "--action", "1", "--within", "10", "--agreed-by", "jwhit_", "--reason", "r"]),
        // Arguments that are not UTF-8.
        bad_os("non-UTF-8 --text", 2, os(&["--as".as_ref(), "asmith".as_ref(), "note".as_ref(), q.as_ref(), "--text".as_ref(), ff])),
        bad_os("non-UTF-8 matter id", 2, os(&["--as".as_ref(), "asmith".as_ref(), "note".as_ref(), ff, "--text".as_ref(), "t".as_ref()])),
        bad_os("non-UTF-8 --as", 2, os(&["--as".as_ref(), ff, "note".as_ref(), q.as_ref(), "--text".as_ref(), "t".as_ref()])),
        // Stages and timescales out of range.
        bad("--stage 0", 2, &["--as", "asmith", "escalate", q, "--stage", "0"]),
        bad("--stage 4", 2, &["--as", "asmith", "escalate", q, "--stage", "4"]),
        bad("--stage x", 2, &["--as", "asmith", "escalate", q, "--stage", "x"]),
        bad("list --stage 9", 2, &["list", "--stage", "9"]),
        bad_os("--within 0", 2, raise_with("--within", "0")),
        bad_os("--within -1", 2, raise_with("--within", "-1")),
        bad_os("--within 999999999", 2, raise_with("--within", "999999999")),
        bad_os("--due past the calendar", 2, raise_due("2300-01-01")),
        bad("extend --within 0", 2, &["--as", "asmith", "extend", q, "--action", "1", "--within", "0", "--agreed-by", "jwhite", "--reason", "r"]),
        bad("calendar add -1", 2, &["calendar", "add", "2026-11-26", "-1"]),
        // Other usage errors.
        bad("unknown command", 2, &["frobnicate"]),
        bad("missing --text", 2, &["--as", "asmith", "note", q]),
        bad_os("two actions, one owner", 2, [raise_with("--within", "5"), os(&["--action".as_ref(), "More".as_ref(), "--within".as_ref(), "3".as_ref()])].concat()),
        bad("list --format xml", 2, &["list", "--format", "xml"]),
        bad("list --state bogus", 2, &["list", "--state", "bogus"]),
        bad("extend --action x", 2, &["--as", "asmith", "extend", q, "--action", "x", "--within", "3", "--agreed-by", "jwhite", "--reason", "r"]),
        // A today that is not a date.
        bad("IRO_TODAY 26/11/2026", 2, &["list"]).env("IRO_TODAY", "26/11/2026"),
        bad("IRO_TODAY 2026-02-30", 2, &["--as", "asmith", "note", q, "--text", "t"]).env("IRO_TODAY", "2026-02-30"),
        bad("IRO_TODAY empty", 2, &["--as", "asmith", "note", q, "--text", "t"]).env("IRO_TODAY", ""),
        // Databases this iro must not use.
        bad_os("--db a text file, read", 5, with_db(nd, &["list"])),
        bad_os("--db a text file, write", 5, with_db(nd, &["--as", "asmith", "note", q, "--text", "t"])),
        bad_os("--db a text file, init", 5, with_db(nd, &["init"])),
        bad_os("--db an empty file", 5, with_db(ed, &["list"])),
        bad_os("--db an empty file, init", 5, with_db(ed, &["init"])),
        bad_os("--db a directory", 5, with_db(dd, &["list"])),
        bad_os("--db a directory, init", 5, with_db(dd, &["init"])),
        bad_os("--db from a newer iro, read", 5, with_db(wd, &["list"])),
        bad_os("--db from a newer iro, write", 5, with_db(wd, &["--as", "asmith", "note", q, "--text", "t"])),
        bad_os("--db from a newer iro, init", 5, with_db(wd, &["init"])),
        bad_os("--db from a newer iro, backup", 5, with_db(wd, &["backup", "/nonexistent-dir/copy.db"])),
        bad_os("--db missing", 5, with_db(md, &["list"])),
        bad("IRO_DB a text file", 5, &["list"]).env("IRO_DB", nd),
        // An escape sequence in a name that is not found is shown escaped, never obeyed by the terminal.
        bad("ESC in a matter id", 4, &["--as", "asmith", "note", "Q-2026-0001\u{1b}[2J", "--text", "t"]),
        // A non-UTF-8 IRO_USER or IRO_TODAY is refused, never skipped for the login name or the system date.
        bad("IRO_USER not UTF-8", 2, &["note", q, "--text", "t"]).env("IRO_USER", OsStr::from_bytes(b"asm\xffith")).env("USER", "asmith"),
        bad("IRO_TODAY not UTF-8", 2, &["list"]).env("IRO_TODAY", OsStr::from_bytes(b"2026-11-2\xff")),
    ]
}

/// Whether the tests run as root, for whom file permissions do not stop a write.
fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| text(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

#[test]
fn hostile_and_wrong_input_gets_one_line_its_exit_status_and_changes_no_byte() {
    if crate::common::file_only("it compares the file's bytes and makes files of other versions") {
        return;
    }
    let service = Service::new();
    let q = service.raise_qap("asmith", "LCS-104233", Some("2026-11-20"));
    service.ok(&[
        "--as",
        "asmith",
        "note",
        &q,
        "--text",
        "Seen",
        "--on",
        "2026-11-24",
    ]);
    let e = service
        .ok(&[
            "--as",
            "asmith",
            "escalate",
            "--child",
            "LCS-200001",
            "--category",
            "placement-stability-or-suitability",
            "--summary",
            "Unsafe placement",
            "--stage",
            "2",
            "--reason",
            "Immediate risk",
            "--on",
            "2026-11-25",
        ])
        .trim()
        .to_string();
    assert_eq!((q.as_str(), e.as_str()), ("Q-2026-0001", "E-2026-0001"));

    // Files that are not an iro database this iro may write.
    let dir = service.dir.path();
    let not_sqlite = dir.join("notes.txt");
    std::fs::write(&not_sqlite, "Minutes of the review meeting.\n".repeat(100)).expect("write");
    let empty = dir.join("empty.db");
    std::fs::write(&empty, b"").expect("write");
    let a_directory = dir.join("a-directory");
    std::fs::create_dir(&a_directory).expect("mkdir");
    let missing = dir.join("missing.db");
    checkpoint(&service.db);
    let newer = dir.join("newer.db");
    std::fs::copy(&service.db, &newer).expect("copy");
    {
        let conn_peek = Peek::File(connect_file(&newer));
        let conn = conn_peek.file();
        conn.pragma_update(None, "user_version", 99)
            .expect("user_version");
    }
    checkpoint(&newer);
    let watched = [&service.db, &not_sqlite, &empty, &newer];

    let elsewhere = Elsewhere {
        not_sqlite: not_sqlite.clone(),
        empty: empty.clone(),
        a_directory: a_directory.clone(),
        newer: newer.clone(),
        missing: missing.clone(),
    };
    let mut cases = bad_inputs(&q, &e, &elsewhere);
    if has_command("report") {
        cases.push(bad(
            "report --as-of 2026-02-30",
            2,
            &["report", "overdue", "--as-of", "2026-02-30"],
        ));
        cases.push(bad(
            "report --format xml",
            2,
            &["report", "overdue", "--format", "xml"],
        ));
    }
    assert!(cases.len() >= 40, "{} cases", cases.len());

    for case in &cases {
        checkpoint(&service.db);
        let bytes_before: Vec<Vec<u8>> = watched
            .iter()
            .map(|p| std::fs::read(p).expect("read"))
            .collect();
        let dump_before = service.dump();
        let mut cmd = iro(&service.db);
        cmd.args(&case.args);
        for (key, value) in &case.env {
            cmd.env(key, value);
        }
        let output = cmd.output().expect("run iro");
        let stderr = text(&output.stderr);
        let what = case.what;
        assert_eq!(output.status.code(), Some(case.code), "{what}: {stderr}");
        assert!(stderr.starts_with("error: "), "{what}: {stderr}");
        assert!(stderr.ends_with('\n'), "{what}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{what}: one line: {stderr}");
        assert!(
            output.stdout.is_empty(),
            "{what}: stdout {:?}",
            text(&output.stdout)
        );
        // A clear line: nothing in it a terminal would act on (escape sequences, carriage returns).
        assert!(
            !stderr.trim_end_matches('\n').chars().any(char::is_control),
            "{what}: control characters in {stderr:?}"
        );
        checkpoint(&service.db);
        for (path, before) in watched.iter().zip(&bytes_before) {
            let after = std::fs::read(path).expect("read");
            assert!(after == *before, "{what}: {} changed", path.display());
        }
        assert_eq!(service.dump(), dump_before, "{what}: the database changed");
        assert!(!missing.exists(), "{what}: created {}", missing.display());
        assert!(a_directory.is_dir(), "{what}");
        assert_eq!(
            std::fs::read_dir(&a_directory).expect("dir").count(),
            0,
            "{what}"
        );
    }

    // A read-only database file (a copy, so that what SQLite leaves beside it stays beside the copy):
    // the write is refused with one line and no byte changes. Root writes through file permissions, so
    // there the case cannot be made and is skipped.
    if running_as_root() {
        eprintln!("hostile input: running as root, so the read-only database case is skipped");
    } else {
        let read_only = dir.join("read-only.db");
        std::fs::copy(&service.db, &read_only).expect("copy");
        let before = std::fs::read(&read_only).expect("read");
        let mut perms = std::fs::metadata(&read_only).expect("db").permissions();
        perms.set_mode(0o444);
        std::fs::set_permissions(&read_only, perms.clone()).expect("chmod");
        let output = run(&read_only, &["--as", "asmith", "note", &q, "--text", "t"]);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(5), "read-only: {stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(output.stdout.is_empty());
        assert_eq!(std::fs::read(&read_only).expect("read"), before);
        // Reading a read-only database is fine.
        assert_eq!(run(&read_only, &["list"]).status.code(), Some(0));
        // The refusal leaves no read-only -wal/-shm behind: once writable again, writes go through.
        perms.set_mode(0o600);
        std::fs::set_permissions(&read_only, perms).expect("chmod back");
        assert_eq!(
            run(&read_only, &["--as", "asmith", "note", &q, "--text", "t"])
                .status
                .code(),
            Some(0)
        );
    }

    // The same steps, well formed, are accepted: the cases failed for what was wrong with them.
    let dump_before = service.dump();
    service.ok(&[
        "--as",
        "asmith",
        "note",
        &q,
        "--text",
        "t",
        "--on",
        "2026-11-26",
    ]);
    service.ok(&["--as", "tgreen", "challenge", &q, "--reason", "Ours"]);
    service.ok(&[
        "--as",
        "jwhite",
        "resolve",
        &e,
        "--outcome",
        "Agreed",
        "--resolved-by",
        "mblack",
    ]);
    assert_ne!(service.dump(), dump_before);
    let (events, _) = verified(&service.db);
    assert_eq!(events - directory_events(&service.db), 6);
}

/// The database the first released iro made (`tests/fixtures/v1.db`): the demo service with a month
/// of steps, messages sent, written and pending, and a closure day.
fn released_v1_copy(dir: &Path) -> PathBuf {
    let db = dir.join("v1.db");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v1.db"),
        &db,
    )
    .expect("copy the fixture");
    db
}

/// The head the released iro printed for the fixture.
const V1_HEAD: &str = "d5a6c0c298e6717821b9cfae30df029ba892d706f55a0f51d401e4adb90d2757";

#[test]
fn a_database_from_the_first_release_upgrades_and_still_checks_out() {
    if crate::common::file_only("the released version-1 fixture is a file") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let db = released_v1_copy(dir.path());
    let version = |db: &Path| -> i64 {
        Connection::open(db)
            .and_then(|c| c.query_row("PRAGMA user_version", [], |r| r.get(0)))
            .expect("version")
    };
    assert_eq!(version(&db), 1);
    let before = {
        let conn_peek = Peek::File(connect_file(&db));
        (
            count(&conn_peek, "SELECT COUNT(*) FROM events"),
            count(
                &conn_peek,
                "SELECT COUNT(*) FROM outbox WHERE status = 'sent'",
            ),
            count(
                &conn_peek,
                "SELECT COUNT(*) FROM outbox WHERE status = 'written'",
            ),
            count(
                &conn_peek,
                "SELECT COUNT(*) FROM outbox WHERE status = 'pending'",
            ),
        )
    };
    // The first command after the upgrade says so before it starts; the next says nothing of it.
    let first = run(&db, &["--db".as_ref(), db.as_os_str(), "list".as_ref()]);
    let said = text(&first.stderr);
    assert!(
        said.contains("upgrading") && said.contains("from schema version 1 to"),
        "{said}"
    );
    let again = run(&db, &["--db".as_ref(), db.as_os_str(), "list".as_ref()]);
    assert!(!text(&again.stderr).contains("upgrading"));
    let (events, _) = verified(&db);
    assert!(version(&db) > 1, "opened by this iro, it was upgraded");
    {
        // The record the release wrote is the record still: its last event keeps the head the
        // release printed, and the upgrade only appended the directory as it stood.
        let conn_peek = Peek::File(connect_file(&db));
        let conn = conn_peek.file();
        let released_head: String = conn
            .query_row("SELECT hash FROM events WHERE id = ?1", [before.0], |r| {
                r.get(0)
            })
            .expect("the release's last event");
        assert_eq!(released_head, V1_HEAD);
        let directory = count(&conn_peek, "SELECT COUNT(*) FROM staff")
            + count(&conn_peek, "SELECT COUNT(*) FROM children")
            + count(&conn_peek, "SELECT COUNT(*) FROM closure_days");
        // Each message queued, and marked where it went anywhere.
        let mail = count(&conn_peek, "SELECT COUNT(*) FROM outbox")
            + count(
                &conn_peek,
                "SELECT COUNT(*) FROM outbox WHERE status <> 'pending'",
            );
        assert_eq!(events as i64, before.0 + directory + mail);
        assert_eq!(
            count(
                &conn_peek,
                &format!(
                    "SELECT COUNT(*) FROM events \
                     WHERE id > {} AND matter IS NULL AND actor = 'iro-upgrade'",
                    before.0
                )
            ),
            directory + mail
        );
    }
    assert!(version(&db) > 1, "opened by this iro, it was upgraded");
    let conn_peek = Peek::File(connect_file(&db));
    let conn = conn_peek.file();
    assert_eq!(
        (
            count(
                &conn_peek,
                &format!("SELECT COUNT(*) FROM events WHERE id <= {}", before.0)
            ),
            count(
                &conn_peek,
                "SELECT COUNT(*) FROM outbox WHERE status = 'sent'"
            ),
            count(
                &conn_peek,
                "SELECT COUNT(*) FROM outbox WHERE status = 'written'"
            ),
            count(
                &conn_peek,
                "SELECT COUNT(*) FROM outbox WHERE status = 'pending'"
            ),
        ),
        before,
        "nothing lost in the upgrade"
    );
    let id: String = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'database_id'",
            [],
            |r| r.get(0),
        )
        .expect("the database has its own id");
    assert_eq!(id.len(), 32);
    drop(conn_peek);
    // Steps go on as before on the upgraded file.
    let output = iro(&db)
        .args([
            "--as",
            "asmith",
            "note",
            "Q-2026-0016",
            "--text",
            "After the upgrade",
        ])
        .output()
        .expect("run");
    assert!(output.status.success(), "{}", text(&output.stderr));
    // The note, and a message for each person told of it (it is on the chain with the step).
    let conn = Peek::File(connect_file(&db));
    let told = count(
        &conn,
        "SELECT COUNT(*) FROM outbox WHERE event = (SELECT MAX(id) FROM events WHERE kind = 'noted')",
    );
    drop(conn);
    assert_eq!(verified(&db).0, events + 1 + told as u64);
}
