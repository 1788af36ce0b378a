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
    // A server's database has no directory for a policy file to sit beside: a test's `iro.toml` is
    // given as IRO_CONFIG instead, as a service on a server gives its own.
    if let Some(policy) = policy_beside(db) {
        cmd.env("IRO_CONFIG", policy);
    }
    cmd
}

/// The test directories of the databases made on the server, by URL.
static SERVER_DIRECTORIES: std::sync::Mutex<Vec<(PathBuf, PathBuf)>> =
    std::sync::Mutex::new(Vec::new());

/// The `iro.toml` in the test directory of server database `db`, when there is one.
fn policy_beside(db: &Path) -> Option<PathBuf> {
    let known = SERVER_DIRECTORIES.lock().expect("the registry");
    let (_, dir) = known.iter().find(|(url, _)| url == db)?;
    let policy = dir.join("iro.toml");
    policy.is_file().then_some(policy)
}

/// Where a test keeping its files in `dir` has its database: `dir/iro.db`, or on a server a new
/// database of its own (kept alive by the value given with it).
pub fn database_in(dir: &Path) -> (PathBuf, Option<ServerDatabase>) {
    match server() {
        None => (dir.join("iro.db"), None),
        Some(_) => {
            let database = ServerDatabase::new();
            let url = PathBuf::from(&database.url);
            SERVER_DIRECTORIES
                .lock()
                .expect("the registry")
                .push((url.clone(), dir.to_path_buf()));
            (url, Some(database))
        }
    }
}

/// A test about the SQLite file itself (its bytes, its permissions, a copy of it, editing it behind
/// iro's back) stands aside when the suite runs against a server, saying so: true when it should.
pub fn file_only(what: &str) -> bool {
    if on_server() {
        eprintln!("not run against a server: {what}");
        return true;
    }
    false
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
    // On a server the login is the role the suite connects as.
    if let Some(url) = server() {
        return login_of(&url);
    }
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

/// The PostgreSQL server the suite runs against when `IRO_TEST_POSTGRES` names one (`.ci/run` starts
/// a throw-away cluster and sets it); otherwise every service is a SQLite file.
pub fn server() -> Option<String> {
    std::env::var("IRO_TEST_POSTGRES")
        .ok()
        .filter(|url| !url.is_empty())
}

/// Whether the suite is running against a server: the few tests about the file itself (its bytes, its
/// permissions, a backup's copy of it) say so and stand aside.
pub fn on_server() -> bool {
    server().is_some()
}

/// Whether a test about the server itself must stand aside, having said why: no server is named.
pub fn no_server_to_test() -> bool {
    let none = !on_server();
    if none {
        eprintln!("not run: set IRO_TEST_POSTGRES to a server (as .ci/run does) to run it");
    }
    none
}

/// A database of a test's own on the server, dropped with the test.
pub struct ServerDatabase {
    admin: String,
    pub name: String,
    pub url: String,
}

impl ServerDatabase {
    /// The socket directory the server listens in, as iro names it.
    pub fn socket(&self) -> String {
        let after = self.url.split_once('@').map_or("", |(_, rest)| rest);
        let host = after.split('/').next().unwrap_or_default();
        let socket = host.rsplit_once(':').map_or(host, |(socket, _)| socket);
        socket.replace("%2F", "/")
    }

    /// A new, empty database (iro makes the schema; a database administrator makes the database).
    pub fn new() -> ServerDatabase {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static MADE: AtomicUsize = AtomicUsize::new(0);
        let admin = server().expect("IRO_TEST_POSTGRES names a server");
        // An identifier, never a value: made here of digits alone.
        let name = format!(
            "iro_cli_{}_{}",
            std::process::id(),
            MADE.fetch_add(1, Ordering::SeqCst)
        );
        let mut client = postgres::Client::connect(&admin, postgres::NoTls).expect("the server");
        client
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .and_then(|()| client.batch_execute(&format!("CREATE DATABASE {name}")))
            .expect("a database");
        let url = iro::store::postgres::with_database(&admin, &name);
        ServerDatabase { admin, name, url }
    }

    /// A client as the suite's own superuser, for what iro itself never does.
    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).expect("the database")
    }
}

impl Drop for ServerDatabase {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = client.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// The login of a server's URL (`postgres://login@…`).
fn login_of(url: &str) -> String {
    let after = url.split_once("://").map_or(url, |(_, rest)| rest);
    let user = after.split_once('@').map_or("", |(user, _)| user);
    user.split_once(':')
        .map_or(user, |(login, _)| login)
        .to_string()
}

pub struct Service {
    pub dir: tempfile::TempDir,
    /// The database: a file's path, or on a server its URL.
    pub db: PathBuf,
    pub today: String,
    pub server: Option<ServerDatabase>,
}

impl Service {
    /// An empty directory with a database path in it (no database yet); on a server, an empty database.
    pub fn empty() -> Service {
        let dir = tempfile::tempdir().expect("tempdir");
        let (db, server) = database_in(dir.path());
        Service {
            dir,
            db,
            today: TODAY.to_string(),
            server,
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

    /// asmith extends action 1 of `matter` by `within` working days, agreed by jwhite for the
    /// assessor's illness, on `on` (today when `None`); gives what iro printed.
    pub fn extend(&self, matter: &str, within: &str, on: Option<&str>) -> String {
        let mut args = vec![
            "--as",
            "asmith",
            "extend",
            matter,
            "--action",
            "1",
            "--within",
            within,
            "--agreed-by",
            "jwhite",
            "--reason",
            "Assessor ill",
        ];
        if let Some(on) = on {
            args.extend(["--on", on]);
        }
        self.ok(&args)
    }

    /// `show MATTER --format json`, parsed.
    pub fn show(&self, matter: &str) -> serde_json::Value {
        serde_json::from_str(&self.ok(&["show", matter, "--format", "json"])).expect("show json")
    }

    /// What "nothing changed" is held to: the file's very bytes, or on a server every row.
    pub fn snapshot(&self) -> Vec<u8> {
        match &self.server {
            Some(_) => self.dump().into_bytes(),
            None => std::fs::read(&self.db).expect("read db"),
        }
    }

    /// Every row of every table, in a stable order: what "the database is unchanged" means.
    pub fn dump(&self) -> String {
        if let Some(database) = &self.server {
            return server_dump(&mut database.client());
        }
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

/// Every row of every table on a server, each row as the server writes it as text, in order.
fn server_dump(client: &mut postgres::Client) -> String {
    let tables: Vec<String> = client
        .query(
            "SELECT table_name::text FROM information_schema.tables
              WHERE table_schema = 'public' ORDER BY 1",
            &[],
        )
        .expect("tables")
        .iter()
        .map(|row| row.get(0))
        .collect();
    let mut dump = String::new();
    for table in tables {
        // Table names come from the catalogue, not from input; identifiers cannot be bound.
        let rows: Vec<String> = client
            .query(
                &format!("SELECT t::text FROM \"{table}\" t ORDER BY 1"),
                &[],
            )
            .expect("rows")
            .iter()
            .map(|row| row.get(0))
            .collect();
        dump.push_str(&format!("{table}\n{}\n", rows.join("\n")));
    }
    dump
}

/// A look at a database behind iro's back, on either backend: the tests' own reading of what iro
/// wrote, and the few edits they make to see what iro does with a record changed without it.
pub enum Peek {
    File(rusqlite::Connection),
    Server(std::cell::RefCell<postgres::Client>),
}

impl Peek {
    pub fn open(db: &Path) -> Peek {
        match db.to_str().filter(|text| text.starts_with("postgres://")) {
            Some(url) => Peek::Server(std::cell::RefCell::new(
                postgres::Client::connect(url, postgres::NoTls).expect("the database"),
            )),
            None => Peek::File(
                rusqlite::Connection::open(db)
                    .unwrap_or_else(|e| panic!("open {}: {e}", db.display())),
            ),
        }
    }

    /// The one number a query gives (`COUNT(*)`, `MAX(id)`).
    pub fn count(&self, sql: &str) -> i64 {
        match self {
            Peek::File(conn) => conn
                .query_row(sql, [], |r| r.get(0))
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
            Peek::Server(client) => client
                .borrow_mut()
                .query_one(sql, &[])
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .get(0),
        }
    }

    /// The first column of each row as text, with text parameters `$1`, `$2`, … (both dialects read
    /// them); write `CAST(x AS TEXT)` for a column that is not text.
    pub fn texts(&self, sql: &str, params: &[&str]) -> Vec<Option<String>> {
        self.rows(sql, params)
            .into_iter()
            .map(|mut row| row.remove(0))
            .collect()
    }

    /// Every column of each row as text (as `texts`).
    pub fn rows(&self, sql: &str, params: &[&str]) -> Vec<Vec<Option<String>>> {
        match self {
            Peek::File(conn) => {
                let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
                let columns = stmt.column_count();
                stmt.query_map(rusqlite::params_from_iter(params), |r| {
                    (0..columns).map(|i| r.get(i)).collect()
                })
                .and_then(|rows| rows.collect())
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
            Peek::Server(client) => {
                let values: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    params.iter().map(|p| p as _).collect();
                client
                    .borrow_mut()
                    .query(sql, &values)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
                    .iter()
                    .map(|row| (0..row.len()).map(|i| row.get(i)).collect())
                    .collect()
            }
        }
    }

    /// The SQLite connection, for a test about the file alone (see `file_only`).
    pub fn file(&self) -> &rusqlite::Connection {
        match self {
            Peek::File(conn) => conn,
            Peek::Server(_) => panic!("a test about the file ran against a server"),
        }
    }

    /// A statement both dialects read, tried: the database's refusal, in words.
    pub fn try_edit(&self, sql: &str) -> Result<(), String> {
        match self {
            Peek::File(conn) => conn.execute_batch(sql).map_err(|e| e.to_string()),
            Peek::Server(client) => {
                client
                    .borrow_mut()
                    .batch_execute(sql)
                    .map_err(|e| match e.as_db_error() {
                        Some(db) => db.message().to_string(),
                        None => e.to_string(),
                    })
            }
        }
    }

    /// An edit made behind iro's back, in each backend's dialect.
    pub fn edit(&self, sqlite: &str, postgres: &str) {
        match self {
            Peek::File(conn) => {
                conn.execute_batch(sqlite)
                    .unwrap_or_else(|e| panic!("{sqlite}: {e}"));
            }
            Peek::Server(client) => {
                client
                    .borrow_mut()
                    .batch_execute(postgres)
                    .unwrap_or_else(|e| panic!("{postgres}: {e}"));
            }
        }
    }
}
