//! The test service: a temporary database, a fixed today, and the staff and children every test uses.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The day the tests live on.
pub const TODAY: &str = "2026-11-26";

/// `iro` as a plain process on `db` and `today`, in an environment holding only what the tests set:
/// nothing of the machine's (`IRO_*`, `HOME`, SMTP settings, colours) leaks in.
pub fn process(db: &Path, today: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_iro"));
    cmd.env_clear()
        .env("IRO_DB", db)
        .env("IRO_TODAY", today)
        .env("USER", "nobody-in-the-directory")
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

    /// A service with its staff directory and two children.
    pub fn new() -> Service {
        let service = Service::empty();
        service.ok(&["init"]);
        for (id, role, team) in [
            ("asmith", "iro", "IRO-North"),
            ("pother", "iro", "IRO-North"),
            ("jwhite", "iro-team-manager", "IRO-North"),
            ("senior", "senior-iro-manager", "IRO"),
            ("bking", "social-worker", "North"),
            ("cdoe", "practice-supervisor", "North"),
            ("tgreen", "team-manager", "North"),
            ("tother", "team-manager", "South"),
            ("mblack", "service-manager", "North"),
            ("adir", "assistant-director", "Children"),
        ] {
            service.ok(&[
                "staff",
                "add",
                id,
                "--name",
                &format!("Name of {id}"),
                "--role",
                role,
                "--email",
                &format!("{id}@example.gov.uk"),
                "--team",
                team,
            ]);
        }
        for child in ["LCS-104233", "LCS-200001"] {
            service.ok(&[
                "child",
                "add",
                child,
                "--name",
                "Sam Jones",
                "--team",
                "North",
                "--social-worker",
                "bking",
                "--practice-supervisor",
                "cdoe",
                "--team-manager",
                "tgreen",
                "--service-manager",
                "mblack",
                "--iro",
                "asmith",
                "--iro-team-manager",
                "jwhite",
            ]);
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

    /// Raises a QAP on `child` as `actor` on `on` (today when `None`), with one action due within 5
    /// working days; returns its id.
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
        self.ok(&args).trim().to_string()
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
                    let cells: Vec<String> = (0..columns)
                        .map(|i| format!("{:?}", row.get_ref(i).map(|v| format!("{v:?}"))))
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
