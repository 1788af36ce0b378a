//! The test service: a temporary database, a fixed today, and the staff and children every test uses.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The day the tests live on.
pub const TODAY: &str = "2026-11-26";

/// The day the test directory was set up: before any step a test dates.
pub const JOINED: &str = "2026-01-05";

/// `iro` as a plain process on `db` and `today`, in an environment holding only what the tests set:
/// nothing of the machine's (`IRO_*`, `HOME`, SMTP settings, colours) leaks in.
pub fn process(db: &Path, today: &str) -> std::process::Command {
    let mut cmd = at_a_terminal(db, today);
    cmd.stdin(std::process::Stdio::null());
    cmd
}

/// The same environment, for a process a pseudo-terminal will be attached to.
pub fn at_a_terminal(db: &Path, today: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_iro"));
    cmd.env_clear()
        .env("IRO_DB", db)
        .env("IRO_TODAY", today)
        .env("USER", "nobody-in-the-directory")
        .env("NO_COLOR", "1");
    cmd
}

/// The rows of a shared fixture file in `tests/fixtures`, its header left out.
pub fn fixture(name: &str) -> Vec<Vec<String>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    csv::Reader::from_path(&path)
        .expect("a fixture")
        .records()
        .map(|r| r.expect("a row").iter().map(str::to_string).collect())
        .collect()
}

/// The login the tests run as, by the system's own `id -un` (not `$USER`, which the tests clear): the
/// account `iro` records as having entered each step.
pub fn login() -> String {
    let output = std::process::Command::new("id")
        .arg("-un")
        .output()
        .expect("id -un");
    assert!(output.status.success(), "id -un failed");
    String::from_utf8(output.stdout)
        .expect("a login")
        .trim()
        .to_string()
}

/// The arguments that add the service's business support admin, bound to the tests' login: the
/// directory's first manager, so every later change (made with no `--as`) is theirs.
pub fn support_args(login: &str) -> Vec<String> {
    [
        "staff",
        "add",
        "support",
        "--name",
        "Business Support",
        "--role",
        "admin",
        "--email",
        "support@example.gov.uk",
        "--team",
        "Business Support",
        "--login",
        login,
        "--on",
        JOINED,
    ]
    .map(str::to_string)
    .to_vec()
}

/// An example script run by bash as a user would run it, in a cleared environment: only `PATH` for the
/// system's tools and `IRO` naming the binary under test.
pub fn script(path: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new("bash");
    cmd.arg(path)
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("IRO", env!("CARGO_BIN_EXE_iro"))
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null());
    cmd
}

pub struct Service {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub today: String,
}

impl Service {
    /// An empty directory with a database path in it (no database yet).
    pub fn empty() -> Service {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("iro.db");
        Service {
            dir,
            db,
            today: TODAY.to_string(),
        }
    }

    /// A service with the shared test directory (`tests/fixtures/staff.csv` and `children.csv`, the
    /// same the unit tests use), each added as a person would add it: by business support (`support`,
    /// an admin bound to the tests' login).
    pub fn new() -> Service {
        let service = Service::empty();
        service.ok(&["init"]);
        let support = support_args(&login());
        service.ok(&support.iter().map(String::as_str).collect::<Vec<_>>());
        for staff in fixture("staff.csv") {
            let [id, name, role, email, team] = [0, 1, 2, 3, 4].map(|i| staff[i].as_str());
            service.ok(&[
                "staff", "add", id, "--name", name, "--role", role, "--email", email, "--team",
                team, "--on", JOINED,
            ]);
        }
        for child in fixture("children.csv") {
            let mut args = vec![
                "child", "add", &child[0], "--name", &child[1], "--team", &child[2], "--on", JOINED,
            ];
            for (flag, value) in [
                "--social-worker",
                "--practice-supervisor",
                "--team-manager",
                "--service-manager",
                "--iro",
                "--iro-team-manager",
            ]
            .into_iter()
            .zip(&child[3..])
            {
                if !value.is_empty() {
                    args.extend([flag, value.as_str()]);
                }
            }
            service.ok(&args);
        }
        service
    }

    /// `iro` against this service's database on its today, with no acting person unless `--as` is given.
    pub fn iro(&self) -> Command {
        Command::from_std(self.process())
    }

    /// The same as a plain process, for tests that start, wait for or kill it.
    pub fn process(&self) -> std::process::Command {
        process(&self.db, &self.today)
    }

    /// Runs a command that must succeed, returning its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.iro().args(args).output().expect("run iro");
        assert!(
            output.status.success(),
            "iro {args:?} failed ({:?}): {}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8 output")
    }

    /// Runs a command that must fail with `code`, returning its stderr; it must print one `error:` line.
    pub fn fails(&self, code: i32, args: &[&str]) -> String {
        let output = self.iro().args(args).output().expect("run iro");
        let stderr = String::from_utf8(output.stderr).expect("utf-8 stderr");
        assert_eq!(output.status.code(), Some(code), "iro {args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "iro {args:?}: {stderr}");
        assert_eq!(
            stderr.lines().count(),
            1,
            "one line for iro {args:?}: {stderr}"
        );
        stderr
    }

    /// Runs a command the rules must refuse (exit 3), checking the database is unchanged by it.
    pub fn refused(&self, args: &[&str]) -> String {
        let before = self.dump();
        let stderr = self.fails(3, args);
        assert_eq!(
            self.dump(),
            before,
            "a refused step changed the database: iro {args:?}"
        );
        stderr
    }

    /// A refusal as a person sees it, for a snapshot: the exit status and the one line on stderr, the
    /// database checked unchanged.
    pub fn refusal(&self, args: &[&str]) -> String {
        let before = self.dump();
        let output = self.iro().args(args).output().expect("run iro");
        assert_eq!(
            self.dump(),
            before,
            "a refused step changed the database: iro {args:?}"
        );
        format!(
            "exit status {}\n{}",
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stderr)
        )
    }

    /// Raises a QAP on `child` as `actor` on `on` (today when `None`), with one action due within 5
    /// working days; returns its id.
    /// Typed on that day, as a person would have: the team manager hears of it then.
    pub fn raise_qap(&self, actor: &str, child: &str, on: Option<&str>) -> String {
        let mut args = vec![
            "--as",
            actor,
            "raise-qap",
            child,
            "--category",
            "permanence",
            "--summary",
            "Permanence plan drifting",
            "--action",
            "Complete viability assessment",
            "--owner",
            "bking",
            "--within",
            "5",
        ];
        if let Some(on) = on {
            args.extend(["--on", on]);
        }
        let output = process(&self.db, on.unwrap_or(&self.today))
            .args(&args)
            .output()
            .expect("run iro");
        assert!(
            output.status.success(),
            "iro {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout)
            .expect("utf-8 output")
            .trim()
            .to_string()
    }

    /// `show MATTER --format json`, parsed.
    pub fn show(&self, matter: &str) -> serde_json::Value {
        serde_json::from_str(&self.ok(&["show", matter, "--format", "json"])).expect("show json")
    }

    /// Every row of every table, in a stable order: what "the database is unchanged" means.
    pub fn dump(&self) -> String {
        let conn = rusqlite::Connection::open(&self.db).expect("open for dump");
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .expect("tables");
        let mut dump = String::new();
        for table in tables {
            // Table names come from sqlite_master, not from input; identifiers cannot be bound.
            let mut stmt = conn
                .prepare(&format!("SELECT * FROM \"{table}\" ORDER BY rowid"))
                .expect("select");
            let columns = stmt.column_count();
            let rows: Vec<String> = stmt
                .query_map([], |row| {
                    use rusqlite::types::ValueRef;
                    let cells: Vec<String> = (0..columns)
                        .map(|i| match row.get_ref(i) {
                            Ok(ValueRef::Null) => "NULL".to_string(),
                            Ok(ValueRef::Integer(n)) => n.to_string(),
                            Ok(ValueRef::Real(x)) => x.to_string(),
                            Ok(ValueRef::Text(t)) => format!("{:?}", String::from_utf8_lossy(t)),
                            Ok(ValueRef::Blob(b)) => format!("<{} bytes>", b.len()),
                            Err(e) => format!("<{e}>"),
                        })
                        .collect();
                    Ok(cells.join("|"))
                })
                .and_then(|rows| rows.collect())
                .expect("rows");
            dump.push_str(&format!("{table}\n{}\n", rows.join("\n")));
        }
        dump
    }
}
