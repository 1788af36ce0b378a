//! The PostgreSQL backend: a database server shared by a service whose people work from many machines.
//! Logins are the server's roles (the acting login is `session_user`, never a claim), the events table
//! is insert-only by grants as well as by triggers, and writers are serialised by one transaction-level
//! advisory lock taken before anything is read, as SQLite's write lock serialises them on a file.
//!
//! Statements are the store's own, written once in SQLite's dialect: `?N` parameters become `$N`, and
//! `INDEXED BY` (a planner hint SQLite alone has) is dropped; the few that differ further carry their
//! PostgreSQL text ([`Sql::each`]). The schema gives `json_extract` and `json_valid` with SQLite's
//! meaning for the texts the statements hold.

use std::cell::{self, RefCell, RefMut};
use std::collections::HashMap;
use std::error::Error;
use std::sync::Arc;

use bytes::BytesMut;
use postgres::error::SqlState;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::Format;
use postgres::types::{to_sql_checked, FromSql, IsNull, Kind, ToSql, Type};
use postgres::{Client, Config, GenericClient};

use super::backend::{BackendError, Bind, Dialect, Row, Session, Sql, Value, ValueRef};
use super::StoreError;

/// How a writer's transaction starts: with the advisory lock every writer takes first, one writer at a
/// time as on a file (its key is "iro_writ" read as a number), in the same round trip.
const BEGIN_WRITE: &str = "START TRANSACTION ISOLATION LEVEL READ COMMITTED;
                           SELECT pg_advisory_xact_lock(7598257977144011124)";
/// How a reader's starts: every statement it makes reads the same snapshot.
const BEGIN_READ: &str = "START TRANSACTION ISOLATION LEVEL REPEATABLE READ";

/// The password the environment gives for a server's login (`PGPASSWORD`), set once by the shell.
static PASSWORD: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Uses `password` for every connection whose URL gives none.
pub fn use_password(password: Option<&str>) {
    if let Some(password) = password {
        let _ = PASSWORD.set(password.to_string());
    }
}

/// The certificate authorities the environment adds for a server's certificate (`PGSSLROOTCERT`).
static ROOT_CERTIFICATES: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// Trusts the certificate authorities in the PEM file at `path` too, for every connection by TLS.
pub fn use_root_certificates(path: Option<&std::path::Path>) {
    if let Some(path) = path {
        let _ = ROOT_CERTIFICATES.set(path.to_path_buf());
    }
}

/// Whether `--db` names a PostgreSQL database rather than a file.
pub fn is_url(text: &str) -> bool {
    text.starts_with("postgres://") || text.starts_with("postgresql://")
}

/// The URL of database `name` on the server `url` names, as the same login.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority = base.find("://").map_or(0, |scheme| scheme + 3);
    let server = match base[authority..].find('/') {
        Some(slash) => &base[..authority + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

/// A connection to an iro database on a PostgreSQL server.
pub struct Postgres {
    client: Client,
    url: String,
    place: String,
    translated: HashMap<usize, Arc<Translated>>,
    /// The role the server authenticated, asked once on connecting.
    session_user: String,
    /// The schema version the database held when this connection was made.
    version_on_connecting: i64,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres")
            .field("place", &self.place)
            .finish()
    }
}

/// Where a URL points, in words with no password: `database iro on db.council.gov.uk`.
fn place_of(config: &Config) -> String {
    let database = config.get_dbname().unwrap_or("(default)");
    let host = config
        .get_hosts()
        .first()
        .map(|host| match host {
            postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "the local server".into());
    format!("postgres database {database} on {host}")
}

/// Where a URL points, in words, or the URL's scheme alone when it does not read.
pub fn place_of_url(url: &str) -> String {
    url.parse::<Config>()
        .map(|config| place_of(&config))
        .unwrap_or_else(|_| "a postgres database".into())
}

/// TLS by rustls with the web's root certificates, used whenever the URL's `sslmode` is not `disable`
/// (PostgreSQL's default, `prefer`, tries it and falls back where the server has none).
fn tls() -> Result<tokio_postgres_rustls::MakeRustlsConnect, String> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = ROOT_CERTIFICATES.get() {
        use rustls::pki_types::pem::PemObject;
        let named = |e: &dyn std::fmt::Display| format!("PGSSLROOTCERT {}: {e}", path.display());
        let certificates =
            rustls::pki_types::CertificateDer::pem_file_iter(path).map_err(|e| named(&e))?;
        let mut added = 0;
        for certificate in certificates {
            roots
                .add(certificate.map_err(|e| named(&e))?)
                .map_err(|e| named(&e))?;
            added += 1;
        }
        if added == 0 {
            return Err(named(&"holds no certificate"));
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

impl Postgres {
    /// Connects to the database the URL names.
    pub fn connect(url: &str) -> Result<Postgres, StoreError> {
        let mut config: Config =
            url.parse()
                .map_err(|e: postgres::Error| StoreError::Database {
                    place: "--db".into(),
                    cause: format!("not a PostgreSQL URL this iro can read: {e}"),
                })?;
        if config.get_password().is_none() {
            if let Some(password) = PASSWORD.get() {
                config.password(password);
            }
        }
        let place = place_of(&config);
        // As libpq, which ignores `sslmode` on a Unix-domain socket: the server is on this machine,
        // offers no TLS there, and asking would cost a round trip for nothing.
        #[cfg(unix)]
        if !config.get_hosts().is_empty()
            && config
                .get_hosts()
                .iter()
                .all(|host| matches!(host, postgres::config::Host::Unix(_)))
        {
            config.ssl_mode(postgres::config::SslMode::Disable);
        }
        let mut client = match config.get_ssl_mode() {
            postgres::config::SslMode::Disable => config.connect(postgres::NoTls),
            _ => {
                let tls = tls().map_err(|cause| StoreError::Database {
                    place: place.clone(),
                    cause,
                })?;
                config.connect(tls)
            }
        }
        .map_err(|e| database(&place, e))?;
        let (session_user, version_on_connecting) =
            introduce(&mut client).map_err(|e| database(&place, e))?;
        Ok(Postgres {
            client,
            url: url.to_string(),
            place,
            translated: HashMap::new(),
            session_user,
            version_on_connecting,
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database in words, for messages (never the password).
    pub fn place(&self) -> &str {
        &self.place
    }

    fn err(&self, cause: postgres::Error) -> StoreError {
        database(&self.place, cause)
    }

    /// The schema version the database held when this connection was made (0 for a database iro has
    /// not set up).
    pub fn version_on_connecting(&self) -> i64 {
        self.version_on_connecting
    }

    /// The schema version the database is at now.
    pub fn schema_version(&mut self) -> Result<i64, StoreError> {
        version_in(&mut self.client).map_err(|e| self.err(e))
    }

    /// The role the server authenticated: who is acting, whatever the operating system says.
    pub fn session_user(&self) -> &str {
        &self.session_user
    }

    /// A transaction, begun on the server with its first statement: a command that only looks at what
    /// it was given sends nothing. A writer takes the write lock before that statement, so the chain's
    /// tip and the next matter number it reads stay its own until it commits; a reader reads one snapshot
    /// (the server takes it at the first statement either way).
    pub fn begin(&mut self, write: bool) -> Result<PostgresSession<'_>, StoreError> {
        let Postgres {
            client, translated, ..
        } = self;
        Ok(PostgresSession {
            client: RefCell::new(client),
            begun: cell::Cell::new(Begun::NotYet),
            write,
            translated: RefCell::new(translated),
        })
    }
}

/// A failure on the database at `place`, in the server's own words.
fn database(place: &str, cause: postgres::Error) -> StoreError {
    StoreError::Database {
        place: place.to_string(),
        cause: failed(cause).to_string(),
    }
}

/// Who the server authenticated, and the schema version its database holds (0 where there is no
/// `iro_schema`): a command's first question, asked in one round trip.
fn introduce(client: &mut Client) -> Result<(String, i64), postgres::Error> {
    match client.query_typed(
        "SELECT session_user::text, (SELECT version FROM iro_schema)",
        &[],
    ) {
        Ok(rows) => {
            let row = rows.first().expect("a SELECT with no FROM gives one row");
            Ok((
                row.try_get(0)?,
                row.try_get::<_, Option<i64>>(1)?.unwrap_or(0),
            ))
        }
        Err(e) if e.code() == Some(&SqlState::UNDEFINED_TABLE) => {
            let row = client.query_typed("SELECT session_user::text", &[])?;
            let user = row.first().expect("a SELECT with no FROM gives one row");
            Ok((user.try_get(0)?, 0))
        }
        Err(e) => Err(e),
    }
}

/// The schema version recorded in `iro_schema`, or 0 where there is no such table.
fn version_in(client: &mut impl GenericClient) -> Result<i64, postgres::Error> {
    let present: bool = client
        .query_typed("SELECT to_regclass('iro_schema') IS NOT NULL", &[])?
        .first()
        .expect("a SELECT with no FROM gives one row")
        .try_get(0)?;
    if !present {
        return Ok(0);
    }
    client
        .query_one("SELECT version FROM iro_schema", &[])?
        .try_get(0)
}

/// The server's own words for a failure: its message and, where it gives them, the detail and hint.
fn failed(cause: postgres::Error) -> BackendError {
    match cause.as_db_error() {
        Some(db) => {
            let mut words = db.message().to_string();
            if let Some(detail) = db.detail() {
                words.push_str(": ");
                words.push_str(detail);
            }
            if let Some(hint) = db.hint() {
                words.push_str(" (");
                words.push_str(hint);
                words.push(')');
            }
            BackendError::Database(words)
        }
        None => {
            // The client's own errors keep their cause (a TLS handshake's, a socket's) as a source.
            let mut words = cause.to_string();
            let mut source = std::error::Error::source(&cause);
            while let Some(inner) = source {
                words.push_str(": ");
                words.push_str(&inner.to_string());
                source = inner.source();
            }
            BackendError::Database(words)
        }
    }
}

/// One transaction on the server, begun with its first statement and rolled back when dropped
/// uncommitted.
pub struct PostgresSession<'c> {
    client: RefCell<&'c mut Client>,
    begun: cell::Cell<Begun>,
    write: bool,
    translated: RefCell<&'c mut HashMap<usize, Arc<Translated>>>,
}

/// How far a session's transaction has gone on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Begun {
    /// Nothing sent yet.
    NotYet,
    /// Begun: it is rolled back unless committed.
    Open,
    /// Its start failed: the session can do nothing more.
    Failed,
    Committed,
}

impl Drop for PostgresSession<'_> {
    fn drop(&mut self) {
        // A start that failed half-way may have left a transaction open: rolling back none is harmless.
        if matches!(self.begun.get(), Begun::Open | Begun::Failed) {
            let _ = self.client.get_mut().batch_execute("ROLLBACK");
        }
    }
}

/// A statement read in PostgreSQL's dialect, with the types its parameters are sent with.
pub(crate) struct Translated {
    text: String,
    types: Vec<Type>,
}

impl Translated {
    fn of(sqlite: &str) -> Translated {
        let text = postgres_text(sqlite);
        let unused = unused_parameters(&text);
        // The server infers each parameter's type from the statement, as it would preparing it; one a
        // statement leaves out (SQLite allows it: one text serves several callers) is declared text.
        let inferred = Type::new("unspecified".into(), 0, Kind::Pseudo, "pg_catalog".into());
        let types = (1..=highest_parameter(&text))
            .map(|n| {
                if unused.contains(&n) {
                    Type::TEXT
                } else {
                    inferred.clone()
                }
            })
            .collect();
        Translated { text, types }
    }
}

impl<'c> PostgresSession<'c> {
    /// The connection, in the session's transaction: begun now if this is its first statement.
    fn tx(&self) -> Result<RefMut<'_, &'c mut Client>, BackendError> {
        let mut client = self.client.try_borrow_mut().map_err(|_| nested())?;
        match self.begun.get() {
            Begun::Open => {}
            Begun::NotYet => {
                self.begun.set(Begun::Failed);
                client
                    .batch_execute(if self.write { BEGIN_WRITE } else { BEGIN_READ })
                    .map_err(failed)?;
                self.begun.set(Begun::Open);
            }
            Begun::Failed | Begun::Committed => {
                return Err(BackendError::Database(
                    "the transaction is over: its start failed, or it was committed".into(),
                ))
            }
        }
        Ok(client)
    }

    /// The statement in the server's dialect, translated once per connection.
    fn translated(&self, sql: &Sql) -> Arc<Translated> {
        let text = sql.text(Dialect::Postgres);
        let key = text.as_ptr() as usize;
        self.translated
            .borrow_mut()
            .entry(key)
            .or_insert_with(|| Arc::new(Translated::of(text)))
            .clone()
    }

    /// Each parameter's value, one for each the statement names. Every value goes in the server's text
    /// form, which the server reads as the type it inferred: one round trip for the statement, parsed,
    /// bound and run at once, where preparing it first would take two.
    fn bound<'p>(
        translated: &Translated,
        params: &'p [&dyn Bind],
    ) -> Result<Vec<Param<'p>>, BackendError> {
        if translated.types.len() != params.len() {
            return Err(BackendError::Database(format!(
                "{} parameter(s) given for {}",
                params.len(),
                translated.types.len()
            )));
        }
        Ok(params.iter().map(|p| Param(p.value())).collect())
    }
}

impl Session for PostgresSession<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn execute(&self, sql: &Sql, params: &[&dyn Bind]) -> Result<u64, BackendError> {
        let translated = self.translated(sql);
        let values = Self::bound(&translated, params)?;
        let typed: Vec<(&(dyn ToSql + Sync), Type)> = values
            .iter()
            .zip(&translated.types)
            .map(|(v, ty)| (v as _, ty.clone()))
            .collect();
        self.tx()?
            .execute_typed(&translated.text, &typed)
            .map_err(failed)
    }

    fn query(
        &self,
        sql: &Sql,
        params: &[&dyn Bind],
        each: &mut dyn FnMut(&dyn Row) -> Result<(), BackendError>,
    ) -> Result<(), BackendError> {
        let translated = self.translated(sql);
        let values = Self::bound(&translated, params)?;
        // The rows stream as the server sends them (a national listing is never held whole), and the
        // server may plan the query in parallel, as it does for psql; a statement of `each`'s own
        // while they stream would interleave with them on the one connection, and is refused.
        let mut tx = self.tx()?;
        let mut rows = tx
            .query_typed_raw(
                &translated.text,
                values
                    .iter()
                    .zip(&translated.types)
                    .map(|(v, ty)| (v as &(dyn ToSql + Sync), ty.clone())),
            )
            .map_err(failed)?;
        while let Some(row) = rows.next().map_err(failed)? {
            let row = PostgresRow(&row);
            each(&row).map_err(|e| e.in_row(&row, sql.key))?;
        }
        Ok(())
    }

    fn commit(self: Box<Self>) -> Result<(), BackendError> {
        match self.begun.get() {
            Begun::Open => {
                // Over whether or not the server commits it: a failed COMMIT rolls back.
                self.begun.set(Begun::Committed);
                self.client
                    .borrow_mut()
                    .batch_execute("COMMIT")
                    .map_err(failed)
            }
            // Nothing was sent, so there is nothing to commit.
            Begun::NotYet | Begun::Committed => Ok(()),
            Begun::Failed => Err(BackendError::Database(
                "the transaction could not be started on the server".into(),
            )),
        }
    }

    fn batch(&self, script: &str) -> Result<(), BackendError> {
        self.tx()?.batch_execute(script).map_err(failed)
    }

    fn schema_version(&self) -> Result<i64, BackendError> {
        version_in(&mut **self.tx()?).map_err(failed)
    }

    fn set_schema_version(&self, version: i64) -> Result<(), BackendError> {
        self.tx()?
            .execute("UPDATE iro_schema SET version = $1", &[&version])
            .map(|_| ())
            .map_err(failed)
    }
}

/// What a statement run while another's rows stream is told.
fn nested() -> BackendError {
    BackendError::Database(
        "a statement was run while another's rows were being read on the same connection".into(),
    )
}

/// A statement in SQLite's dialect read in PostgreSQL's. `?N` becomes `$N`; SQLite's planner hints go
/// (`INDEXED BY name`, and `CROSS JOIN … ON`, which is its inner join in a fixed order); and a filter's
/// `(?N IS NULL OR …)` is turned round to `(… OR $N IS NULL)`, which means the same but lets the server
/// learn the parameter's type from the comparison before it meets the null test. Quoted text and names
/// are left as they are.
pub(crate) fn postgres_text(sqlite: &str) -> String {
    placeholders_and_hints(&null_tests_last(sqlite))
}

/// Where a quoted run starting at `at` (a `'` or `"`) ends: the index after its closing quote.
fn after_quoted(text: &str, at: usize) -> usize {
    let quote = text.as_bytes()[at];
    text[at + 1..]
        .bytes()
        .position(|b| b == quote)
        .map_or(text.len(), |end| at + 1 + end + 1)
}

/// The index of the `)` that closes the `(` at `open`.
fn closing(text: &str, open: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let (mut depth, mut at) = (0usize, open);
    while at < bytes.len() {
        match bytes[at] {
            b'\'' | b'"' => {
                at = after_quoted(text, at);
                continue;
            }
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(at);
                }
            }
            _ => {}
        }
        at += 1;
    }
    None
}

/// `(?N IS NULL OR rest)` as `(rest OR ?N IS NULL)`, at any depth.
fn null_tests_last(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(open) = rest.find("(?") {
        let digits = rest[open + 2..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        let param = &rest[open + 1..open + 2 + digits];
        let test = " IS NULL OR ";
        let body = open + 2 + digits + test.len();
        match closing(rest, open) {
            Some(close) if digits > 0 && rest[open + 2 + digits..].starts_with(test) => {
                out.push_str(&rest[..open]);
                out.push('(');
                out.push_str(&null_tests_last(&rest[body..close]));
                out.push_str(" OR ");
                out.push_str(param);
                out.push_str(" IS NULL)");
                rest = &rest[close + 1..];
            }
            _ => {
                out.push_str(&rest[..open + 2]);
                rest = &rest[open + 2..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `?N` as `$N`, without `INDEXED BY name`, and `CROSS JOIN` as `JOIN`, outside quotes.
fn placeholders_and_hints(text: &str) -> String {
    let word_before = |at: usize| text[..at].ends_with(|p: char| p.is_alphanumeric() || p == '_');
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while at < text.len() {
        let rest = &text[at..];
        let c = rest.chars().next().expect("not at the end");
        if c == '\'' || c == '"' {
            let end = after_quoted(text, at);
            out.push_str(&text[at..end]);
            at = end;
        } else if c == '?' {
            out.push('$');
            at += 1;
        } else if rest.starts_with("INDEXED BY ") && !word_before(at) {
            let name = &rest["INDEXED BY ".len()..];
            let length = name
                .find(|p: char| !(p.is_alphanumeric() || p == '_'))
                .unwrap_or(name.len());
            at += "INDEXED BY ".len() + length;
        } else if rest.starts_with("CROSS JOIN ") && !word_before(at) {
            out.push_str("JOIN ");
            at += "CROSS JOIN ".len();
        } else {
            out.push(c);
            at += c.len_utf8();
        }
    }
    out
}

/// The numbers of the `$N` parameters a statement names, outside quotes.
fn parameters(text: &str) -> Vec<u32> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'\'' | b'"' => {
                at = after_quoted(text, at);
                continue;
            }
            b'$' => {
                let digits = bytes[at + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                if let Ok(n) = text[at + 1..at + 1 + digits].parse() {
                    found.push(n);
                }
                at += 1 + digits;
                continue;
            }
            _ => {}
        }
        at += 1;
    }
    found
}

fn highest_parameter(text: &str) -> u32 {
    parameters(text).into_iter().max().unwrap_or(0)
}

/// The parameters below the highest that a statement never names.
fn unused_parameters(text: &str) -> Vec<u32> {
    let named = parameters(text);
    (1..highest_parameter(text))
        .filter(|n| !named.contains(n))
        .collect()
}

/// A bound value, in the server's text form.
#[derive(Debug)]
struct Param<'a>(Value<'a>);

type Failure = Box<dyn Error + Sync + Send>;

impl ToSql for Param<'_> {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, Failure> {
        match &self.0 {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(n) => {
                out.extend_from_slice(n.to_string().as_bytes());
                Ok(IsNull::No)
            }
            Value::Text(text) => {
                out.extend_from_slice(text.as_bytes());
                Ok(IsNull::No)
            }
        }
    }

    /// Sent as text, read by the server as the type it inferred (as SQLite takes a number for text).
    fn encode_format(&self, _: &Type) -> Format {
        Format::Text
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A column value as the store reads it: a number (integers, booleans, whole numerics), text, or null.
enum Cell<'a> {
    Null,
    Int(i64),
    Text(&'a str),
}

impl<'a> FromSql<'a> for Cell<'a> {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Cell<'a>, Failure> {
        Ok(match *ty {
            Type::INT8 => Cell::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Cell::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => Cell::Int(i16::from_sql(ty, raw)?.into()),
            Type::BOOL => Cell::Int(bool::from_sql(ty, raw)?.into()),
            Type::NUMERIC => Cell::Int(whole_numeric(raw)?),
            Type::JSONB => Cell::Text(std::str::from_utf8(raw.get(1..).unwrap_or_default())?),
            _ => Cell::Text(<&str>::from_sql(ty, raw)?),
        })
    }

    fn from_sql_null(_: &Type) -> Result<Cell<'a>, Failure> {
        Ok(Cell::Null)
    }

    fn accepts(ty: &Type) -> bool {
        matches!(
            *ty,
            Type::INT8 | Type::INT4 | Type::INT2 | Type::BOOL | Type::NUMERIC | Type::JSONB
        ) || <&str as FromSql>::accepts(ty)
            || *ty == Type::JSON
    }
}

/// A NUMERIC in the server's binary form (sums of integers are NUMERIC there), when it is whole.
fn whole_numeric(raw: &[u8]) -> Result<i64, Failure> {
    let word = |i: usize| -> Result<u16, Failure> {
        raw.get(i * 2..i * 2 + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| "a short numeric".into())
    };
    let digits = usize::from(word(0)?);
    let weight = i32::from(word(1)? as i16);
    let sign = word(2)?;
    if sign == 0xC000 {
        return Err("not a number".into());
    }
    let mut value: i64 = 0;
    for i in 0..digits {
        let digit = i64::from(word(4 + i)?);
        let power = weight - i as i32;
        if power < 0 {
            if digit != 0 {
                return Err("not a whole number".into());
            }
            continue;
        }
        value = value
            .checked_add(
                digit
                    .checked_mul(10_000_i64.checked_pow(power as u32).ok_or("too large")?)
                    .ok_or("too large")?,
            )
            .ok_or("too large")?;
    }
    Ok(if sign == 0x4000 { -value } else { value })
}

struct PostgresRow<'r>(&'r postgres::Row);

impl Row for PostgresRow<'_> {
    fn column(&self, index: usize) -> Result<ValueRef<'_>, BackendError> {
        let cell: Cell<'_> = self.0.try_get(index).map_err(|e| {
            // A column of a type iro never gives one (the schema changed under it), or none at
            // that place, is the database's fault; a value its type holds that does not read is
            // the row's.
            let value = std::error::Error::source(&e)
                .is_some_and(|cause| !cause.is::<postgres::types::WrongType>());
            if value {
                BackendError::Decode {
                    column: index,
                    why: e.to_string(),
                }
            } else {
                BackendError::Database(match self.0.columns().get(index) {
                    Some(c) => format!(
                        "the column {} is of type {} on the server, not the type iro made it with",
                        c.name(),
                        c.type_()
                    ),
                    None => format!("the result has no column {index}"),
                })
            }
        })?;
        Ok(match cell {
            Cell::Null => ValueRef::Null,
            Cell::Int(n) => ValueRef::Int(n),
            Cell::Text(text) => ValueRef::Text(text),
        })
    }

    fn column_name(&self, index: usize) -> Option<&str> {
        self.0.columns().get(index).map(|c| c.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_read_in_postgres_dialect() {
        assert_eq!(
            postgres_text(
                "SELECT a FROM events e INDEXED BY events_figures WHERE a = ?1 AND b = '?2'"
            ),
            "SELECT a FROM events e  WHERE a = $1 AND b = '?2'"
        );
        assert_eq!(
            postgres_text("SELECT \"INDEXED BY x\" FROM t WHERE x = ?12"),
            "SELECT \"INDEXED BY x\" FROM t WHERE x = $12"
        );
        assert_eq!(postgres_text("SELECT UNINDEXED BY"), "SELECT UNINDEXED BY");
        assert_eq!(
            postgres_text("FROM a CROSS JOIN b ON b.x = a.x WHERE (?1 IS NULL OR a.y = ?1)"),
            "FROM a JOIN b ON b.x = a.x WHERE (a.y = $1 OR $1 IS NULL)"
        );
        // Nested, with a parenthesis in quotes, and a null test that is not a filter's.
        assert_eq!(
            postgres_text("AND (?2 IS NULL OR c.iro = ?2 OR EXISTS (SELECT ')' WHERE (?3 IS NULL OR t = ?3))) AND ?4 IS NULL"),
            "AND (c.iro = $2 OR EXISTS (SELECT ')' WHERE (t = $3 OR $3 IS NULL)) OR $2 IS NULL) AND $4 IS NULL"
        );
    }

    #[test]
    fn parameters_left_out_are_found() {
        assert_eq!(
            unused_parameters("SELECT $1, '$2' WHERE x = $4 AND \"$3\" = 1"),
            vec![2, 3]
        );
        assert!(unused_parameters("SELECT $1, $2").is_empty());
    }

    #[test]
    fn another_database_on_the_same_server() {
        assert_eq!(
            with_database("postgres://u@%2Ftmp%2Fs/postgres", "iro"),
            "postgres://u@%2Ftmp%2Fs/iro"
        );
        assert_eq!(
            with_database("postgres://u:p@db.example:5433/a?sslmode=require", "b"),
            "postgres://u:p@db.example:5433/b?sslmode=require"
        );
        assert_eq!(with_database("postgres://host", "b"), "postgres://host/b");
    }

    #[test]
    fn whole_numerics_read_as_numbers() {
        // 123456789: weight 2, digits 1 2345 6789.
        let mut raw = vec![];
        for word in [3u16, 2, 0, 0, 1, 2345, 6789] {
            raw.extend_from_slice(&word.to_be_bytes());
        }
        assert_eq!(whole_numeric(&raw).expect("whole"), 123_456_789);
        // -5.5 is not whole.
        let mut raw = vec![];
        for word in [2u16, 0, 0x4000, 1, 5, 5000] {
            raw.extend_from_slice(&word.to_be_bytes());
        }
        assert!(whole_numeric(&raw).is_err());
        // Zero has no digits.
        let raw: Vec<u8> = [0u16, 0, 0, 0]
            .iter()
            .flat_map(|w| w.to_be_bytes())
            .collect();
        assert_eq!(whole_numeric(&raw).expect("zero"), 0);
    }
}
