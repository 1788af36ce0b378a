//! Tampering as someone who can write the file and has read the source would: every kind below, each on
//! a fresh copy of one database, is caught by `audit verify` (exit 7) with the witness file kept when the
//! database was whole; every kind that does not need the witness is caught without it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rusqlite::Connection;
use sha2::{Digest, Sha256};

use crate::common::{process, Service};

/// The database every kind of tampering starts from, with the witness kept of it.
struct Original {
    _service: Service,
    db: PathBuf,
    witness: PathBuf,
    /// A copy taken part way through, as an older backup would be.
    older: PathBuf,
}

fn original() -> &'static Original {
    static ORIGINAL: OnceLock<Original> = OnceLock::new();
    ORIGINAL.get_or_init(|| {
        let service = Service::new();
        let witness = service.dir.path().join("witness");
        let older = service.dir.path().join("older.db");
        let ok = |args: &[&str]| service.ok(args);
        ok(&[
            "closure",
            "add",
            "2026-11-13",
            "--reason",
            "Staff training day",
        ]);
        ok(&[
            "cover",
            "tgreen",
            "--by",
            "tother",
            "--from",
            "2026-11-23",
            "--to",
            "2026-11-27",
        ]);
        let qap = service.raise_qap("asmith", "LCS-104233", Some("2026-11-02"));
        ok(&[
            "--as",
            "asmith",
            "extend",
            &qap,
            "--action",
            "1",
            "--within",
            "5",
            "--agreed-by",
            "jwhite",
            "--reason",
            "Assessor ill",
            "--on",
            "2026-11-10",
        ]);
        let drp = service.raise_qap("asmith", "LCS-200001", Some("2026-11-02"));
        ok(&[
            "--as",
            "asmith",
            "escalate",
            &drp,
            "--stage",
            "1",
            "--on",
            "2026-11-16",
        ]);
        // An older copy, as a backup taken then would be.
        ok(&["backup", older.to_str().expect("path")]);
        ok(&[
            "audit",
            "head",
            "--witness",
            witness.to_str().expect("path"),
        ]);
        let mail = service.dir.path().join("mail");
        ok(&[
            "outbox",
            "write",
            mail.to_str().expect("path"),
            "--from",
            "iro@example.gov.uk",
        ]);
        ok(&[
            "--as",
            "asmith",
            "note",
            &qap,
            "--text",
            "Assessment booked",
            "--on",
            "2026-11-20",
        ]);
        ok(&[
            "--as",
            "asmith",
            "escalate",
            &qap,
            "--stage",
            "1",
            "--on",
            "2026-11-24",
        ]);
        ok(&[
            "--as",
            "jwhite",
            "resolve",
            &drp,
            "--outcome",
            "Plan agreed",
            "--resolved-by",
            "tgreen",
            "--on",
            "2026-11-25",
        ]);
        ok(&[
            "audit",
            "head",
            "--witness",
            witness.to_str().expect("path"),
        ]);
        let db = service.db.clone();
        checkpoint(&db);
        checkpoint(&older);
        Original {
            _service: service,
            db,
            witness,
            older,
        }
    })
}

fn checkpoint(db: &Path) {
    let conn = Connection::open(db).expect("open");
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .expect("checkpoint");
}

/// `audit verify` on `db`, with or without the witness: (status, what it printed).
fn verify(db: &Path, witness: Option<&Path>) -> (Option<i32>, String) {
    let mut cmd = process(db, crate::common::TODAY);
    cmd.args(["audit", "verify"]);
    if let Some(w) = witness {
        cmd.arg("--witness").arg(w);
    }
    let output = cmd.output().expect("run");
    (
        output.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

/// The chain hash as the source defines it, written again as an attacker would.
fn rehash(conn: &Connection, from: i64) {
    conn.execute_batch("DROP TRIGGER IF EXISTS events_no_update")
        .expect("drop");
    let prev: String = if from <= 1 {
        "0".repeat(64)
    } else {
        conn.query_row("SELECT hash FROM events WHERE id = ?1", [from - 1], |r| {
            r.get(0)
        })
        .expect("prev")
    };
    let mut prev = prev;
    // Each event's columns as the hash reads them, in order: a JSON array of its stored values.
    let rows: Vec<(i64, serde_json::Value)> = conn
        .prepare(
            "SELECT id, json_array(id, matter, child, kind, actor, effective_on, recorded_at, details),
                    entered_by, policy_digest
               FROM events WHERE id >= ?1 ORDER BY id",
        )
        .and_then(|mut s| {
            s.query_map([from], |r| {
                let mut fields: serde_json::Value =
                    serde_json::from_str(&r.get::<_, String>(1)?).expect("json");
                let (entered_by, policy): (Option<String>, Option<String>) = (r.get(2)?, r.get(3)?);
                if entered_by.is_some() || policy.is_some() {
                    let list = fields.as_array_mut().expect("array");
                    list.push(entered_by.into());
                    list.push(policy.into());
                }
                Ok((r.get(0)?, fields))
            })?
            .collect()
        })
        .expect("rows");
    // Unique prev_hash: clear them first so rewriting in order never collides.
    conn.execute(
        "UPDATE events SET prev_hash = 'x' || id WHERE id >= ?1",
        [from],
    )
    .expect("clear");
    for (id, fields) in rows {
        let mut hasher = Sha256::new();
        hasher.update(prev.as_bytes());
        hasher.update(b"\n");
        hasher.update(fields.to_string().as_bytes());
        let hash = format!("{:x}", hasher.finalize());
        conn.execute(
            "UPDATE events SET prev_hash = ?2, hash = ?3 WHERE id = ?1",
            rusqlite::params![id, prev, hash],
        )
        .expect("rehash");
        prev = hash;
    }
    conn.execute_batch(
        "CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN
             SELECT RAISE(ABORT, 'events are append-only: a recorded step is never changed'); END;",
    )
    .expect("put the trigger back");
}

/// An event as a forger would append it.
struct Forged<'a> {
    matter: &'a str,
    kind: &'a str,
    actor: &'a str,
    on: &'a str,
    details: &'a str,
    /// With who entered it and the policy, as iro would record them.
    entered: bool,
}

/// Appends to `matter`, as iro would, a note by someone not in the directory.
fn append_noted_by_nobody(conn: &Connection, matter: &str) {
    append(
        conn,
        Forged {
            matter,
            kind: "noted",
            actor: "nobody",
            on: "2026-11-26",
            details: r#"{"kind":"noted","text":"forged"}"#,
            entered: true,
        },
    );
}

/// Appends an event as if iro had, chained correctly, and folds nothing.
fn append(conn: &Connection, forged: Forged) {
    let next: i64 = conn
        .query_row("SELECT MAX(id) + 1 FROM events", [], |r| r.get(0))
        .expect("next");
    let (login, policy): (Option<String>, Option<String>) = if forged.entered {
        conn.query_row(
            "SELECT entered_by, policy_digest FROM events WHERE id = ?1",
            [next - 1],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("last")
    } else {
        (None, None)
    };
    conn.execute(
        "INSERT INTO events (id, matter, child, kind, actor, effective_on, recorded_at, details, prev_hash, hash, entered_by, policy_digest)
         VALUES (?1, ?2, 'LCS-104233', ?3, ?4, ?5, '2026-11-26T10:00:00.000000Z', ?6, 'x', 'y' || ?1, ?7, ?8)",
        rusqlite::params![next, forged.matter, forged.kind, forged.actor, forged.on, forged.details, login, policy],
    )
    .expect("append");
    rehash(conn, next);
}

/// The note's effective date made one that is not a date, and the chain recomputed; the note's id.
fn undate_the_note(conn: &Connection) -> i64 {
    let id = first_of_kind(conn, "noted");
    edit_event(conn, id, "effective_on = 'someday'");
    rehash(conn, id);
    id
}

/// One event edited as an attacker would, the trigger that refuses it dropped first: `set` is the
/// assignment (`actor = 'nobody'`).
fn edit_event(conn: &Connection, id: i64, set: &str) {
    sql(conn, "DROP TRIGGER IF EXISTS events_no_update");
    conn.execute(&format!("UPDATE events SET {set} WHERE id = ?1"), [id])
        .unwrap_or_else(|e| panic!("{set}: {e}"));
}

/// `audit verify` of `copy`, without the witness, exits 7 and says `wanted`.
fn caught_saying(copy: &Path, wanted: &str) {
    let (code, said) = verify(copy, None);
    assert_eq!(code, Some(7), "{said}");
    assert!(said.contains(wanted), "wanted {wanted:?}: {said}");
}

/// The id of the first event of a matter of `kind`.
fn first_of_kind(conn: &Connection, kind: &str) -> i64 {
    conn.query_row(
        "SELECT id FROM events WHERE kind = ?1 AND matter IS NOT NULL ORDER BY id LIMIT 1",
        [kind],
        |r| r.get(0),
    )
    .unwrap_or_else(|e| panic!("no {kind} event: {e}"))
}

/// A copy of the original to tamper with, open, in a directory of its own.
fn copy_of_the_original(name: &str) -> (tempfile::TempDir, PathBuf, Connection) {
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join(name);
    std::fs::copy(&original().db, &copy).expect("copy");
    let conn = Connection::open(&copy).expect("open");
    (dir, copy, conn)
}

struct Kind {
    what: &'static str,
    /// Caught without the witness too (false: only a head kept elsewhere can show it).
    alone: bool,
    tamper: fn(&Connection),
}

fn sql(conn: &Connection, statements: &str) {
    conn.execute_batch(statements)
        .unwrap_or_else(|e| panic!("{statements}: {e}"));
}

fn kinds() -> Vec<Kind> {
    vec![
        Kind {
            what: "an event's details edited",
            alone: true,
            tamper: |c| {
                sql(c, "DROP TRIGGER events_no_update; UPDATE events SET details = json_set(details, '$.text', 'changed') WHERE kind = 'noted';")
            },
        },
        Kind {
            what: "an event's actor edited",
            alone: true,
            tamper: |c| {
                sql(c, "DROP TRIGGER events_no_update; UPDATE events SET actor = 'pother' WHERE kind = 'noted';")
            },
        },
        Kind {
            what: "a middle event deleted",
            alone: true,
            tamper: |c| {
                sql(c, "DROP TRIGGER events_no_delete; DELETE FROM events WHERE kind = 'action-extended';")
            },
        },
        Kind {
            what: "an event appended with a made-up hash",
            alone: true,
            tamper: |c| {
                sql(c, "INSERT INTO events (id, matter, child, kind, actor, effective_on, recorded_at, details, prev_hash, hash) SELECT MAX(id) + 1, NULL, NULL, 'noted', 'asmith', '2026-11-26', '2026-11-26T10:00:00Z', '{}', (SELECT hash FROM events ORDER BY id DESC LIMIT 1), 'f' FROM events;")
            },
        },
        Kind {
            what: "a note's text edited and the chain recomputed",
            alone: false,
            tamper: |c| {
                sql(c, "DROP TRIGGER events_no_update; UPDATE events SET details = json_set(details, '$.text', 'Nothing booked') WHERE kind = 'noted';");
                let id: i64 = c
                    .query_row("SELECT id FROM events WHERE kind = 'noted'", [], |r| {
                        r.get(0)
                    })
                    .expect("id");
                rehash(c, id);
            },
        },
        Kind {
            what: "the last event cut off, the state left",
            alone: true,
            tamper: |c| {
                sql(c, "DROP TRIGGER events_no_delete; DELETE FROM events WHERE id = (SELECT MAX(id) FROM events); CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'no'); END;")
            },
        },
        Kind {
            what: "the append-only update trigger dropped",
            alone: true,
            tamper: |c| sql(c, "DROP TRIGGER events_no_update;"),
        },
        Kind {
            what: "the append-only delete trigger dropped",
            alone: true,
            tamper: |c| sql(c, "DROP TRIGGER events_no_delete;"),
        },
        Kind {
            what: "a member of staff's e-mail changed",
            alone: true,
            tamper: |c| {
                sql(
                    c,
                    "UPDATE staff SET email = 'someone@elsewhere.example' WHERE id = 'tgreen';",
                )
            },
        },
        Kind {
            what: "a child's social worker changed",
            alone: true,
            tamper: |c| {
                sql(
                    c,
                    "UPDATE children SET social_worker = 'pother' WHERE ref = 'LCS-104233';",
                )
            },
        },
        Kind {
            what: "an allocation's history changed",
            alone: true,
            tamper: |c| {
                sql(
                    c,
                    "UPDATE allocations SET team_manager = 'tother' WHERE child = 'LCS-200001';",
                )
            },
        },
        Kind {
            what: "a version of a member of staff removed",
            alone: true,
            tamper: |c| sql(c, "DELETE FROM staff_versions WHERE id = 'cdoe';"),
        },
        Kind {
            what: "a cover removed",
            alone: true,
            tamper: |c| sql(c, "DELETE FROM covers;"),
        },
        Kind {
            what: "a cover lengthened",
            alone: true,
            tamper: |c| sql(c, "UPDATE covers SET to_on = NULL;"),
        },
        Kind {
            what: "a closure day added",
            alone: true,
            tamper: |c| {
                sql(c, "INSERT INTO closure_days (day, reason) VALUES ('2026-12-24', 'Christmas Eve');")
            },
        },
        Kind {
            what: "a closure day's reason changed",
            alone: true,
            tamper: |c| sql(c, "UPDATE closure_days SET reason = 'Snow';"),
        },
        Kind {
            what: "a due date's history changed",
            alone: true,
            tamper: |c| {
                sql(
                    c,
                    "UPDATE action_due_history SET due = '2026-12-31' WHERE reason IS NOT NULL;",
                )
            },
        },
        Kind {
            what: "a due date's history removed",
            alone: true,
            tamper: |c| {
                sql(
                    c,
                    "DELETE FROM action_due_history WHERE reason IS NOT NULL;",
                )
            },
        },
        Kind {
            what: "a due date's history added",
            alone: true,
            tamper: |c| {
                sql(c, "INSERT INTO action_due_history (matter, seq, due, set_on, agreed_by, reason, event) SELECT matter, seq, '2027-01-29', '2026-11-25', 'jwhite', 'Agreed', event FROM action_due_history LIMIT 1;")
            },
        },
        Kind {
            what: "an action's owner changed",
            alone: true,
            tamper: |c| sql(c, "UPDATE actions SET owner = 'cdoe';"),
        },
        Kind {
            what: "a matter's state changed",
            alone: true,
            tamper: |c| {
                sql(
                    c,
                    "UPDATE matters SET state = 'resolved' WHERE state = 'drp';",
                )
            },
        },
        Kind {
            what: "a stage's day changed",
            alone: true,
            tamper: |c| sql(c, "UPDATE stages SET entered_on = '2026-11-01';"),
        },
        Kind {
            what: "a message's recipient changed",
            alone: true,
            tamper: |c| {
                sql(c, "UPDATE outbox SET to_addrs = replace(to_addrs, '@example', '@elsewhere') WHERE id = 1;")
            },
        },
        Kind {
            what: "a message's text changed",
            alone: true,
            tamper: |c| sql(c, "UPDATE outbox SET body = 'Nothing to see' WHERE id = 1;"),
        },
        Kind {
            what: "a message deleted",
            alone: true,
            tamper: |c| sql(c, "DELETE FROM outbox WHERE id = 2;"),
        },
        Kind {
            what: "a message marked sent by hand",
            alone: true,
            tamper: |c| {
                sql(c, "UPDATE outbox SET status = 'sent', sent_at = '2026-11-25T09:00:00Z' WHERE status = 'pending';")
            },
        },
        Kind {
            what: "a written message put back to pending",
            alone: true,
            tamper: |c| {
                sql(c, "UPDATE outbox SET status = 'pending', written_at = NULL, written_to = NULL WHERE status = 'written';")
            },
        },
        Kind {
            what: "the policy a step was taken under changed",
            alone: true,
            tamper: |c| {
                sql(c, "UPDATE policies SET policy = replace(policy, 'challenge_days = 5', 'challenge_days = 9');")
            },
        },
        Kind {
            what: "a chained resolution by an IRO of a matter in EPCP/DRP appended",
            alone: true,
            tamper: |c| {
                sql(c, "UPDATE matters SET state = 'resolved', resolved_on = '2026-11-26', resolved_by = 'asmith', outcome = 'x', last_step_on = '2026-11-26' WHERE state = 'drp';");
                let m: String = c
                    .query_row(
                        "SELECT id FROM matters WHERE resolved_on = '2026-11-26'",
                        [],
                        |r| r.get(0),
                    )
                    .expect("m");
                append(
                    c,
                    Forged {
                        matter: &m,
                        kind: "resolved",
                        actor: "asmith",
                        on: "2026-11-26",
                        details: r#"{"kind":"resolved","outcome":"x","resolved_by":"asmith"}"#,
                        entered: true,
                    },
                );
            },
        },
        Kind {
            what: "a chained resolution naming someone not in the directory appended",
            alone: true,
            tamper: |c| {
                let m: String = c
                    .query_row("SELECT id FROM matters WHERE state = 'drp'", [], |r| {
                        r.get(0)
                    })
                    .expect("m");
                sql(c, &format!("UPDATE matters SET state = 'resolved', resolved_on = '2026-11-26', resolved_by = 'nobody', outcome = 'x', last_step_on = '2026-11-26' WHERE id = '{m}';"));
                append(
                    c,
                    Forged {
                        matter: &m,
                        kind: "resolved",
                        actor: "jwhite",
                        on: "2026-11-26",
                        details: r#"{"kind":"resolved","outcome":"x","resolved_by":"nobody"}"#,
                        entered: true,
                    },
                );
            },
        },
        Kind {
            what: "a chained note dated 2099 appended",
            alone: true,
            tamper: |c| {
                let m: String = c
                    .query_row("SELECT id FROM matters WHERE state = 'drp'", [], |r| {
                        r.get(0)
                    })
                    .expect("m");
                sql(
                    c,
                    &format!("UPDATE matters SET last_step_on = '2099-01-01' WHERE id = '{m}';"),
                );
                append(
                    c,
                    Forged {
                        matter: &m,
                        kind: "noted",
                        actor: "asmith",
                        on: "2099-01-01",
                        details: r#"{"kind":"noted","text":"later"}"#,
                        entered: true,
                    },
                );
            },
        },
        Kind {
            what: "a chained note that says nobody entered it appended",
            alone: true,
            tamper: |c| {
                let m: String = c
                    .query_row("SELECT id FROM matters WHERE state = 'drp'", [], |r| {
                        r.get(0)
                    })
                    .expect("m");
                append(
                    c,
                    Forged {
                        matter: &m,
                        kind: "noted",
                        actor: "asmith",
                        on: "2026-11-26",
                        details: r#"{"kind":"noted","text":"who?"}"#,
                        entered: false,
                    },
                );
            },
        },
        Kind {
            what: "a chained event that is not a step appended",
            alone: true,
            tamper: |c| {
                let m: String = c
                    .query_row("SELECT id FROM matters WHERE state = 'drp'", [], |r| {
                        r.get(0)
                    })
                    .expect("m");
                append(
                    c,
                    Forged {
                        matter: &m,
                        kind: "frobnicated",
                        actor: "asmith",
                        on: "2026-11-26",
                        details: r#"{"kind":"frobnicated"}"#,
                        entered: true,
                    },
                );
            },
        },
        Kind {
            what: "a member of staff's role made one iro never writes",
            alone: true,
            tamper: |c| {
                sql(c, "PRAGMA ignore_check_constraints = ON; UPDATE staff SET role = 'wizard' WHERE id = 'tgreen';")
            },
        },
        Kind {
            what: "an action's due date made one that is not a date",
            alone: true,
            tamper: |c| sql(c, "UPDATE actions SET due = 'soon';"),
        },
        Kind {
            what: "a note's effective date made one that is not a date and the chain recomputed",
            alone: true,
            tamper: |c| {
                undate_the_note(c);
            },
        },
        Kind {
            what: "the upgrade point moved so no step is re-judged",
            alone: true,
            tamper: |c| {
                sql(
                    c,
                    "UPDATE meta SET value = '999999' WHERE key = 'entered_from_event';",
                )
            },
        },
        Kind {
            what: "a directory change's event edited and the chain recomputed",
            alone: false,
            tamper: |c| {
                sql(c, "DROP TRIGGER events_no_update; UPDATE events SET actor = 'asmith' WHERE kind = 'cover-set';");
                let id: i64 = c
                    .query_row("SELECT id FROM events WHERE kind = 'cover-set'", [], |r| {
                        r.get(0)
                    })
                    .expect("id");
                rehash(c, id);
            },
        },
    ]
}

#[test]
fn every_kind_of_tampering_is_caught() {
    if crate::common::file_only("it edits, truncates and swaps files behind iro's back") {
        return;
    }
    let original = original();
    assert_eq!(
        verify(&original.db, Some(&original.witness)).0,
        Some(0),
        "the original checks out"
    );
    let kinds = kinds();
    assert!(kinds.len() >= 30, "{} kinds", kinds.len());
    let dir = tempfile::tempdir().expect("tempdir");
    let mut missed = Vec::new();
    for (i, kind) in kinds.iter().enumerate() {
        let copy = dir.path().join(format!("tampered-{i}.db"));
        std::fs::copy(&original.db, &copy).expect("copy");
        {
            let conn = Connection::open(&copy).expect("open");
            // As an attacker would: no constraint in the way.
            sql(&conn, "PRAGMA foreign_keys = OFF;");
            (kind.tamper)(&conn);
        }
        let (code, said) = verify(&copy, Some(&original.witness));
        if code != Some(7) {
            missed.push(format!(
                "with the witness, {}: exit {code:?}: {said}",
                kind.what
            ));
        }
        if kind.alone {
            let (code, said) = verify(&copy, None);
            if code != Some(7) {
                missed.push(format!(
                    "without the witness, {}: exit {code:?}: {said}",
                    kind.what
                ));
            }
        }
    }
    // An older copy put back in place: the steps since are gone, state and all, and only the witness
    // can say so.
    let older = dir.path().join("older.db");
    std::fs::copy(&original.older, &older).expect("copy");
    let (code, said) = verify(&older, Some(&original.witness));
    if code != Some(7) {
        missed.push(format!(
            "with the witness, an older copy put back: exit {code:?}: {said}"
        ));
    }
    assert_eq!(
        verify(&older, None).0,
        Some(0),
        "an older copy is itself whole"
    );
    assert!(missed.is_empty(), "{}", missed.join("\n"));
}

#[test]
fn a_directory_that_does_not_read_is_named_and_nothing_waits_on_it() {
    if crate::common::file_only("it edits the file behind iro's back") {
        return;
    }
    // The first connection reads the directory for both: when it cannot, the second, done with the
    // stored tables, must hear of it rather than wait for ever.
    let (_dir, copy, conn) = copy_of_the_original("unreadable.db");
    sql(
        &conn,
        "UPDATE staff SET left_on = 'garbage' WHERE id = 'tgreen';",
    );
    drop(conn);
    let (code, said) = verify(&copy, None);
    // Not a database that failed: a value iro never writes, so a record that does not check out.
    assert_eq!(code, Some(7), "{said}");
    assert!(
        said.contains("every member of staff")
            && said.contains("the row whose id is tgreen: left_on: 'garbage' is not a date"),
        "{said}"
    );
}

#[test]
fn a_step_whose_date_does_not_read_is_named_by_its_event() {
    if crate::common::file_only("it edits the file behind iro's back") {
        return;
    }
    let (_dir, copy, conn) = copy_of_the_original("undated.db");
    let id = undate_the_note(&conn);
    drop(conn);
    caught_saying(
        &copy,
        &format!("event {id}: its effective_on column does not read: 'someday' is not a date"),
    );
}

#[test]
fn a_step_that_does_not_stand_is_named_before_a_later_step_whose_date_does_not_read() {
    if crate::common::file_only("it edits the file behind iro's back") {
        return;
    }
    let (_dir, copy, conn) = copy_of_the_original("two-faults.db");
    // An earlier step made another's and the chain recomputed, then the later note undated.
    let extended = first_of_kind(&conn, "action-extended");
    edit_event(&conn, extended, "actor = 'nobody'");
    rehash(&conn, extended);
    let undated = undate_the_note(&conn);
    assert!(extended < undated);
    drop(conn);
    let (code, said) = verify(&copy, None);
    assert_eq!(code, Some(7), "{said}");
    assert!(said.contains(&format!("event {extended}: ")), "{said}");
    assert!(!said.contains("someday"), "{said}");
}

#[test]
fn a_stored_row_that_does_not_read_is_told_after_a_step_that_does_not_stand() {
    if crate::common::file_only("it edits the file behind iro's back") {
        return;
    }
    // The stored tables are read by the second half while the first replays: a row there that does
    // not read is told only once no step is found wanting.
    let (_dir, copy, conn) = copy_of_the_original("step-then-row.db");
    let extended = first_of_kind(&conn, "action-extended");
    edit_event(&conn, extended, "actor = 'nobody'");
    rehash(&conn, extended);
    sql(&conn, "UPDATE actions SET due = 'garbage'");
    drop(conn);
    let (code, said) = verify(&copy, None);
    assert_eq!(code, Some(7), "{said}");
    assert!(said.contains(&format!("event {extended}: ")), "{said}");
    assert!(!said.contains("garbage"), "{said}");
}

#[test]
fn a_due_date_that_does_not_read_is_named_by_its_whole_key() {
    if crate::common::file_only("it edits the file behind iro's back") {
        return;
    }
    // A matter's action has a row for each due date it was given: the event names the one.
    let (_dir, copy, conn) = copy_of_the_original("due-key.db");
    let (matter, seq, event): (String, i64, i64) = conn
        .query_row(
            "SELECT matter, seq, event FROM action_due_history ORDER BY event DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("a due date");
    conn.execute(
        "UPDATE action_due_history SET due = 'whenever' WHERE event = ?1",
        [event],
    )
    .expect("edit");
    drop(conn);
    caught_saying(
        &copy,
        &format!("the row whose matter is {matter} and seq is {seq} and event is {event}: due: 'whenever' is not a date"),
    );
}

#[test]
fn a_broken_record_is_not_copied_and_its_break_is_told_in_words() {
    if crate::common::file_only("it edits the file behind iro's back") {
        return;
    }
    let (dir, copy, conn) = copy_of_the_original("broken-to-copy.db");
    let edited = first_of_kind(&conn, "noted");
    edit_event(&conn, edited, "actor = 'pother'");
    drop(conn);
    let target = dir.path().join("target.db");
    let output = process(&copy, crate::common::TODAY)
        .args(["copy", "--to"])
        .arg(&target)
        .output()
        .expect("run");
    let said = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(5), "{said}");
    assert!(
        said.contains(&format!(
            "the record does not check out (event {edited}: its hash does not match"
        )),
        "{said}"
    );
    assert!(
        !target.exists(),
        "nothing is left where the copy would have gone"
    );
}

#[test]
fn a_value_that_does_not_read_is_told_after_an_earlier_break_in_the_chain() {
    if crate::common::file_only("it edits the file behind iro's back") {
        return;
    }
    for (what, later) in [
        (
            "a directory value",
            "UPDATE staff SET left_on = 'garbage' WHERE id = 'tgreen'",
        ),
        (
            "a later event's actor not UTF-8",
            "UPDATE events SET actor = CAST(CAST(actor AS BLOB) || X'FF' AS TEXT) WHERE id = (SELECT MAX(id) FROM events)",
        ),
    ] {
        let (_dir, copy, conn) = copy_of_the_original("later-unread.db");
        let edited = first_of_kind(&conn, "qap-raised");
        edit_event(&conn, edited, "details = json_set(details, '$.summary', 'changed')");
        sql(&conn, later);
        drop(conn);
        let (code, said) = verify(&copy, None);
        assert_eq!(code, Some(7), "{what}: {said}");
        assert!(
            said.contains(&format!("event {edited}: its hash does not match")),
            "{what}: {said}"
        );
    }
}

#[test]
fn an_event_whose_text_is_not_utf8_breaks_the_chain_where_it_is() {
    if crate::common::file_only("it edits the file behind iro's back") {
        return;
    }
    let (_dir, copy, conn) = copy_of_the_original("not-utf8.db");
    let id = first_of_kind(&conn, "noted");
    edit_event(
        &conn,
        id,
        "actor = CAST(CAST(actor AS BLOB) || X'FF' AS TEXT)",
    );
    drop(conn);
    caught_saying(
        &copy,
        &format!("event {id}: its actor column does not read: it is not UTF-8 text"),
    );
}

#[test]
fn a_message_mark_whose_date_does_not_read_is_named_by_its_event() {
    if crate::common::file_only("it edits the file behind iro's back") {
        return;
    }
    let (_dir, copy, conn) = copy_of_the_original("undated-mail.db");
    let id: i64 = conn
        .query_row(
            "SELECT id FROM events WHERE kind = 'message-marked' ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("a message marked written");
    edit_event(&conn, id, "effective_on = '2026-13-01'");
    rehash(&conn, id);
    drop(conn);
    caught_saying(
        &copy,
        &format!("event {id}: its effective_on column does not read"),
    );
}

#[test]
fn of_two_steps_that_do_not_stand_the_first_recorded_is_named() {
    if crate::common::file_only("it edits the file behind iro's back") {
        return;
    }
    let (_dir, copy, conn) = copy_of_the_original("two.db");
    let matter = |order: &str| -> String {
        conn.query_row(
            &format!("SELECT id FROM matters ORDER BY id {order} LIMIT 1"),
            [],
            |r| r.get(0),
        )
        .expect("matter")
    };
    // The first on the matter whose id sorts last, so an order by matter would name the other.
    let (last, first) = (matter("DESC"), matter("ASC"));
    assert_ne!(last, first);
    for m in [&last, &first] {
        append_noted_by_nobody(&conn, m);
    }
    let earlier: i64 = conn
        .query_row("SELECT MAX(id) - 1 FROM events", [], |r| r.get(0))
        .expect("id");
    drop(conn);
    caught_saying(&copy, &format!("broken: event {earlier}: it names nobody"));
}

#[test]
fn a_step_that_does_not_stand_is_told_before_a_stored_value_that_does_not_read() {
    if crate::common::file_only("it edits the file behind iro's back") {
        return;
    }
    // The stored value makes the tables' sums differ; the forged step, correctly chained, comes
    // first and is the one named.
    let (_dir, copy, conn) = copy_of_the_original("step-then-unread.db");
    let matter: String = conn
        .query_row("SELECT id FROM matters ORDER BY id LIMIT 1", [], |r| {
            r.get(0)
        })
        .expect("matter");
    append_noted_by_nobody(&conn, &matter);
    let forged: i64 = conn
        .query_row("SELECT MAX(id) FROM events", [], |r| r.get(0))
        .expect("id");
    sql(
        &conn,
        "UPDATE matters SET summary = CAST(CAST(summary AS BLOB) || X'FF' AS TEXT)",
    );
    drop(conn);
    caught_saying(&copy, &format!("event {forged}: it names nobody"));
}

#[test]
fn a_witness_file_keeps_each_head_and_a_bad_one_is_named() {
    if crate::common::file_only("it swaps an older backup file in") {
        return;
    }
    let original = original();
    let text = std::fs::read_to_string(&original.witness).expect("witness");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    for line in &lines {
        let parts: Vec<&str> = line.split(' ').collect();
        assert_eq!(parts.len(), 3, "{line}");
        assert!(parts[1].parse::<u64>().is_ok(), "{line}");
        assert_eq!(parts[2].len(), 64, "{line}");
    }
    let (code, said) = verify(&original.db, Some(&original.witness));
    assert_eq!(code, Some(0));
    assert!(said.contains("all 2 witnessed heads on it"), "{said}");
    let bad = original.witness.with_file_name("bad-witness");
    std::fs::write(&bad, "yesterday lots of hashes\n").expect("write");
    let (code, said) = verify(&original.db, Some(&bad));
    assert_eq!(code, Some(2));
    assert!(said.contains("bad-witness line 1"), "{said}");
}

#[test]
fn no_step_is_dated_after_the_real_day_whatever_iro_today_says() {
    let mut service = Service::new();
    // IRO_TODAY far ahead: a step dated "today" would be dated after the real day, and is refused.
    service.today = "2199-12-31".into();
    let before = service.dump();
    let err = service.fails(
        3,
        &[
            "--as",
            "asmith",
            "raise-qap",
            "LCS-104233",
            "--category",
            "contact",
            "--summary",
            "x",
            "--action",
            "a",
            "--owner",
            "bking",
            "--within",
            "5",
        ],
    );
    assert!(err.contains("in the future"), "{err}");
    let err = service.fails(3, &["staff", "update", "tgreen", "--team", "South"]);
    assert!(err.contains("in the future"), "{err}");
    assert_eq!(service.dump(), before);
    // Dated on a real day, the same step goes through.
    let m = service.raise_qap("asmith", "LCS-104233", Some("2026-11-20"));
    assert_eq!(service.show(&m)["raised_on"], "2026-11-20");
}
