//! A service on a PostgreSQL server: the acting login is the role the server authenticated, the record
//! is insert-only by grants, and a whole record moves between a file and a server (and back) ending at
//! the same head. The copy runs on every machine (between files when no server is named); the rest
//! needs `IRO_TEST_POSTGRES`, as `.ci/run` sets it.

use std::path::{Path, PathBuf};

use crate::common::{no_server_to_test, on_server, ServerDatabase, Service};

/// `audit verify`'s line for the database at `db`.
fn verified(service: &Service, db: &Path) -> String {
    let output = service
        .iro()
        .env("IRO_DB", db)
        .args(["audit", "verify"])
        .output()
        .expect("run");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

fn run_on(service: &Service, db: &Path, args: &[&str]) -> std::process::Output {
    service
        .iro()
        .env("IRO_DB", db)
        .args(args)
        .output()
        .expect("run")
}

fn ok_on(service: &Service, db: &Path, args: &[&str]) -> String {
    let output = run_on(service, db, args);
    assert!(
        output.status.success(),
        "iro {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

/// A record with a little of everything: steps, an extension, a message delivered, a cover.
fn a_month_of_record(service: &Service) -> String {
    let m = service.raise_qap("asmith", "LCS-104233", Some("2026-11-02"));
    service.extend(&m, "10", Some("2026-11-05"));
    service.ok(&[
        "--as",
        "asmith",
        "note",
        &m,
        "--text",
        "Spoke to the team manager",
    ]);
    service.ok(&[
        "--as",
        "jwhite",
        "cover",
        "asmith",
        "--by",
        "pother",
        "--from",
        "2026-11-20",
        "--to",
        "2026-11-27",
        "--reason",
        "Leave",
    ]);
    let mail = service.dir.path().join("mail");
    std::fs::create_dir(&mail).expect("mkdir");
    service.ok(&["outbox", "write", mail.to_str().expect("utf-8")]);
    m
}

#[test]
fn a_record_copied_to_another_database_and_back_ends_at_the_same_head_and_reads_the_same() {
    let service = Service::new();
    let m = a_month_of_record(&service);
    let original = verified(&service, &service.db);
    // Over to a file (from a server, when the suite runs on one), and back again to a new one of the
    // first kind: on a server run that is the copy from a file to a server.
    let there = service.dir.path().join("there.db");
    let head = ok_on(
        &service,
        &service.db,
        &["copy", "--to", there.to_str().expect("utf-8")],
    );
    assert!(
        original.ends_with(&format!("head {head}")),
        "{original} / {head}"
    );
    let back_kept = on_server().then(ServerDatabase::new);
    let back = match &back_kept {
        Some(database) => PathBuf::from(&database.url),
        None => service.dir.path().join("back.db"),
    };
    ok_on(
        &service,
        &there,
        &["copy", "--to", back.to_str().expect("utf-8")],
    );
    for db in [&there, &back] {
        assert_eq!(verified(&service, db), original, "{}", db.display());
        for report in [
            vec!["show", m.as_str(), "--format", "json"],
            vec!["report", "overdue", "--format", "csv", "--due-within", "30"],
            vec!["outbox", "list", "--format", "json"],
            vec!["staff", "show", "asmith", "--history"],
            vec!["export", "events", "--format", "json"],
            vec!["audit", "identities", "--format", "json"],
        ] {
            assert_eq!(
                ok_on(&service, db, &report),
                service.ok(&report),
                "{report:?} on {}",
                db.display()
            );
        }
    }
    // A step goes on from the copy as from the original, and numbers its messages after the copied.
    ok_on(
        &service,
        &back,
        &["--as", "asmith", "note", &m, "--text", "After the move"],
    );
    let listed: serde_json::Value = serde_json::from_str(&ok_on(
        &service,
        &back,
        &["outbox", "list", "--format", "json"],
    ))
    .expect("json");
    let ids: Vec<i64> = listed
        .as_array()
        .expect("messages")
        .iter()
        .map(|message| message["id"].as_i64().expect("an id"))
        .collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");

    // Nothing is copied over a record: refused with one line, the target unchanged.
    let before = verified(&service, &there);
    let output = run_on(
        &service,
        &service.db,
        &["copy", "--to", there.to_str().expect("utf-8")],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("exists already") || stderr.contains("holds a record already"),
        "{stderr}"
    );
    assert_eq!(verified(&service, &there), before);
}

/// Roles made for one test on the server, each a login in one of iro's roles; dropped afterwards.
struct Roles {
    database: String,
    admin: postgres::Client,
    made: Vec<String>,
}

impl Roles {
    fn new(service: &Service) -> Roles {
        let database = service.server.as_ref().expect("a server");
        Roles {
            database: database.name.clone(),
            admin: database.client(),
            made: Vec::new(),
        }
    }

    /// A login `<database>_<who>` in `role`; gives its name.
    fn login(&mut self, who: &str, role: &str) -> String {
        let name = format!("{}_{who}", self.database);
        // Role names are identifiers, made here of the test's own words; they cannot be bound.
        self.admin
            .batch_execute(&format!("CREATE ROLE {name} LOGIN IN ROLE {role}"))
            .expect("a role");
        self.made.push(name.clone());
        name
    }
}

impl Drop for Roles {
    fn drop(&mut self) {
        for name in &self.made {
            let _ = self
                .admin
                .batch_execute(&format!("DROP ROLE IF EXISTS {name}"));
        }
    }
}

/// The service's database as `login` connects to it.
fn as_login(service: &Service, login: &str) -> PathBuf {
    let url = &service.server.as_ref().expect("a server").url;
    let (_, rest) = url.split_once('@').expect("a login in the URL");
    PathBuf::from(format!("postgres://{login}@{rest}"))
}

#[test]
fn on_a_server_the_acting_login_is_the_role_it_authenticated_and_the_record_is_insert_only() {
    if no_server_to_test() {
        return;
    }
    let service = Service::new();
    let mut roles = Roles::new(&service);
    let alex = roles.login("alex", "iro_writer");
    let pat = roles.login("pat", "iro_writer");
    let reader = roles.login("reader", "iro_reader");
    service.ok(&["staff", "update", "asmith", "--login", &alex]);
    service.ok(&["staff", "update", "pother", "--login", &pat]);
    let m = service.raise_qap("asmith", "LCS-104233", None);

    // Alex's own login acts as asmith with no --as, whatever the machine's user or IRO_USER claim.
    let output = service
        .iro()
        .env("IRO_DB", as_login(&service, &alex))
        .env("USER", &pat)
        .env("LOGNAME", &pat)
        .args(["note", &m, "--text", "From Alex's laptop"])
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let events: serde_json::Value =
        serde_json::from_str(&service.ok(&["export", "events", "--format", "json"])).expect("json");
    let last = events
        .as_array()
        .expect("events")
        .iter()
        .rev()
        .find(|e| e["kind"] == "noted")
        .expect("the note")
        .clone();
    assert_eq!(last["actor"], "asmith", "{last}");
    assert_eq!(last["entered_by"], alex.as_str(), "{last}");

    // Pat's login taking a step as asmith is refused, naming both logins, and nothing changes.
    let before = service.dump();
    let output = service
        .iro()
        .env("IRO_DB", as_login(&service, &pat))
        .env("IRO_USER", "asmith")
        .env("USER", &alex)
        .args(["note", &m, "--text", "As if I were Alex"])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(&format!("asmith acts through the login '{alex}'")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("this is '{pat}' (pother, an iro)")),
        "{stderr}"
    );
    assert_eq!(service.dump(), before);

    // A reader reads, and may not write: the server refuses, and says so.
    let listed = ok_on(&service, &as_login(&service, &reader), &["list"]);
    assert!(listed.contains(&m), "{listed}");
    let output = run_on(
        &service,
        &as_login(&service, &reader),
        // tgreen has no login bound: anyone may act as them, so only the server's grants stop this.
        &["--as", "tgreen", "note", &m, "--text", "Read-only"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("permission denied"), "{stderr}");
    assert_eq!(service.dump(), before);

    // A writer's login may add events through iro, but never change or delete one, even by hand.
    let url = as_login(&service, &alex);
    let mut writer =
        postgres::Client::connect(url.to_str().expect("utf-8"), postgres::NoTls).expect("connect");
    for sql in [
        "UPDATE events SET actor = 'pother'",
        "DELETE FROM events",
        "TRUNCATE events",
        "UPDATE iro_schema SET version = 1",
    ] {
        let err = writer.batch_execute(sql).expect_err(sql);
        let said = err
            .as_db_error()
            .map(|e| e.message().to_string())
            .unwrap_or_default();
        assert!(said.contains("permission denied"), "{sql}: {said}");
    }
    assert_eq!(service.dump(), before);
}

#[test]
fn a_file_backup_of_a_servers_database_is_a_private_copy_that_checks_out() {
    if no_server_to_test() {
        return;
    }
    let service = Service::new();
    a_month_of_record(&service);
    let copy = service.dir.path().join("backup.db");
    service.ok(&["backup", copy.to_str().expect("utf-8")]);
    assert_eq!(verified(&service, &copy), verified(&service, &service.db));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&copy).expect("copy").permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    // A backup never overwrites.
    let err = service.fails(2, &["backup", copy.to_str().expect("utf-8")]);
    assert!(err.contains("exists already"), "{err}");
}

#[test]
fn a_server_reached_by_tls_is_trusted_through_a_known_authority_only() {
    let (Ok(tls), Ok(authority)) = (
        std::env::var("IRO_TEST_POSTGRES_TLS"),
        std::env::var("IRO_TEST_POSTGRES_CA"),
    ) else {
        eprintln!("not run: .ci/run sets IRO_TEST_POSTGRES_TLS and IRO_TEST_POSTGRES_CA to a server by TLS");
        return;
    };
    let service = Service::empty();
    let database = ServerDatabase::new();
    let url = PathBuf::from(iro::store::postgres::with_database(&tls, &database.name));
    // With the service's own certificate authority named, iro makes the schema and reads over TLS.
    let by_tls = |authority: Option<&str>, args: &[&str]| {
        let mut cmd = service.iro();
        cmd.env("IRO_DB", &url);
        if let Some(authority) = authority {
            cmd.env("PGSSLROOTCERT", authority);
        }
        cmd.args(args).output().expect("run")
    };
    let output = by_tls(Some(&authority), &["init"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = by_tls(Some(&authority), &["list"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Without it the server's certificate is signed by no one iro knows: refused, in one line.
    let output = by_tls(None, &["list"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("certificate"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    // A file that holds no certificate is named.
    let empty = service.dir.path().join("none.pem");
    std::fs::write(&empty, "").expect("write");
    let output = by_tls(Some(empty.to_str().expect("utf-8")), &["list"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("PGSSLROOTCERT") && stderr.contains("no certificate"),
        "{stderr}"
    );
}

#[test]
fn a_server_on_a_local_socket_is_reached_without_tls_whatever_the_url_asks_as_psql_reaches_it() {
    if no_server_to_test() {
        return;
    }
    let service = Service::empty();
    let database = ServerDatabase::new();
    assert!(
        database.url.contains("%2F") && !database.url.contains('?'),
        "the tests' server is on a socket: {}",
        database.url
    );
    // The server offers no TLS on its socket; libpq ignores sslmode there, and so does iro.
    let url = PathBuf::from(format!("{}?sslmode=require", database.url));
    ok_on(&service, &url, &["init"]);
    assert!(ok_on(&service, &url, &["audit", "verify"]).starts_with("ok "));
}

/// A column whose type was changed on the server is a database iro did not make (exit 5), named by
/// the column, not a value of the record that does not read.
#[test]
fn a_column_retyped_on_the_server_is_the_databases_fault() {
    if no_server_to_test() {
        return;
    }
    let service = Service::new();
    a_month_of_record(&service);
    // A directory table's, read before the walk; an event's, read by it.
    for (table, column) in [("staff", "left_on"), ("events", "effective_on")] {
        let copy = ServerDatabase::new();
        let url = PathBuf::from(&copy.url);
        ok_on(&service, &service.db, &["copy", "--to", &copy.url]);
        copy.client()
            .batch_execute(&format!(
                "ALTER TABLE {table} ALTER COLUMN {column} TYPE date USING {column}::date"
            ))
            .expect("retype");
        let verified = run_on(&service, &url, &["audit", "verify"]);
        let said = String::from_utf8_lossy(&verified.stderr);
        assert_eq!(verified.status.code(), Some(5), "{table}: {said}");
        assert!(
            said.contains(&format!(
                "the column {column} is of type date on the server, not the type iro made it with"
            )),
            "{table}: {said}"
        );
    }
}

/// Tampering on a server by someone with the owner's or a superuser's rights (who can switch the
/// triggers off): each kind, on a copy of its own, is caught by `audit verify` (exit 7), with the
/// witness kept of the record and, where the chain or the tables show it, without.
#[test]
fn tampering_on_a_server_by_its_owner_is_caught() {
    if no_server_to_test() {
        return;
    }
    let service = Service::new();
    let m = a_month_of_record(&service);
    service.ok(&["--as", "asmith", "escalate", &m, "--stage", "1"]);
    let witness = service.dir.path().join("witness");
    service.ok(&[
        "audit",
        "head",
        "--witness",
        witness.to_str().expect("utf-8"),
    ]);
    let edits = "ALTER TABLE events DISABLE TRIGGER ALL;";
    // (what, caught without the witness too, the tampering)
    let kinds: [(&str, bool, String); 11] = [
        ("an event's details edited", true, format!("{edits} UPDATE events SET details = jsonb_set(details::jsonb, '{{text}}', '\"changed\"')::text WHERE kind = 'noted'")),
        ("an event's actor edited", true, format!("{edits} UPDATE events SET actor = 'pother' WHERE kind = 'noted'")),
        ("a middle event deleted", true, format!("{edits} DELETE FROM events WHERE kind = 'action-extended'")),
        ("an event appended with a made-up hash", true, "INSERT INTO events (id, matter, child, kind, actor, effective_on, recorded_at, details, prev_hash, hash) SELECT MAX(id) + 1, NULL, NULL, 'noted', 'asmith', '2026-11-26', '2026-11-26T10:00:00Z', '{}', (SELECT hash FROM events ORDER BY id DESC LIMIT 1), 'f' FROM events".into()),
        ("a matter's state edited", true, format!("UPDATE matters SET state = 'resolved' WHERE id = '{m}'")),
        ("a member of staff's role edited", true, "UPDATE staff SET role = 'admin' WHERE id = 'pother'".into()),
        ("a member of staff's leaving day made one that is not a date", true, "UPDATE staff SET left_on = 'garbage' WHERE id = 'pother'".into()),
        ("a closure day added", true, "INSERT INTO closure_days (day, reason) VALUES ('2026-11-18', 'Shut')".into()),
        ("a message marked sent", true, "UPDATE outbox SET status = 'sent', sent_at = '2026-11-26T10:00:00Z' WHERE id = (SELECT MIN(id) FROM outbox)".into()),
        ("an append-only trigger dropped", true, "DROP TRIGGER events_no_update ON events".into()),
        ("the last steps cut off, the tables rolled back with them", false, format!("{edits} DELETE FROM events WHERE id > (SELECT MAX(id) - 2 FROM events); DELETE FROM stages WHERE matter = '{m}'; UPDATE matters SET state = 'qap', stage = NULL, drp_entered_on = NULL, drp_deadline = NULL WHERE id = '{m}'")),
    ];
    for (what, alone, tampering) in kinds {
        let copy = ServerDatabase::new();
        let url = PathBuf::from(&copy.url);
        ok_on(&service, &service.db, &["copy", "--to", &copy.url]);
        copy.client()
            .batch_execute(&tampering)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let with_witness = run_on(
            &service,
            &url,
            &[
                "audit",
                "verify",
                "--witness",
                witness.to_str().expect("utf-8"),
            ],
        );
        assert_eq!(
            with_witness.status.code(),
            Some(7),
            "{what}, with the witness: {}{}",
            String::from_utf8_lossy(&with_witness.stdout),
            String::from_utf8_lossy(&with_witness.stderr)
        );
        if alone {
            let without = run_on(&service, &url, &["audit", "verify"]);
            assert_eq!(
                without.status.code(),
                Some(7),
                "{what}, without the witness: {}{}",
                String::from_utf8_lossy(&without.stdout),
                String::from_utf8_lossy(&without.stderr)
            );
        }
    }
    // The untouched record checks out against its witness.
    ok_on(
        &service,
        &service.db,
        &[
            "audit",
            "verify",
            "--witness",
            witness.to_str().expect("utf-8"),
        ],
    );
}
