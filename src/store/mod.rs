//! The store: the only code that speaks SQL. It opens and migrates the database, runs each command in
//! one transaction, and reads and writes typed records through bound parameters and codecs.
//!
//! It never decides a rule: the engine has judged every step before the store sees it. The typed reads
//! and writes below are written once over the storage seam ([`backend::Session`]); [`sqlite`] is its
//! first backend. Writers are serialised by the backend's write lock, taken when the transaction begins,
//! and the schema makes a fork of the chain or a reused matter number impossible to commit even so.
//!
//! - [`schema`]: the versions and their migrations.
//! - [`chain`]: the hash chain over the events.
//! - [`matters`], [`directory`], [`outbox`], [`reports`], [`audit`]: typed reads and writes.

/// The columns `matter_from_row` reads, in order.
macro_rules! matter_columns {
    () => {
        "m.id, m.child, m.iro, m.team, m.category, m.summary, m.state, m.stage, m.raised_on, \
         m.raised_by, m.challenge_deadline, m.challenged_on, m.drp_entered_on, m.drp_deadline, \
         m.resolved_on, m.resolved_by, m.outcome, m.last_step_on, m.qap_raised_on"
    };
}

/// SQL: whether the IRO `$iro` (a column) is covered on `$day` by `$by` (parameters): a cover in force
/// that day, neither of them having left before it. One text for every caseload query.
macro_rules! covered_by {
    ($iro:literal, $by:literal, $day:literal) => {
        concat!(
            "EXISTS (SELECT 1 FROM covers v WHERE v.absent = ",
            $iro,
            " AND v.by = ",
            $by,
            " AND v.from_on <= ",
            $day,
            " AND (v.to_on IS NULL OR v.to_on >= ",
            $day,
            ")",
            " AND NOT EXISTS (SELECT 1 FROM staff gone WHERE gone.id IN (v.absent, v.by)",
            " AND gone.left_on < ",
            $day,
            "))"
        )
    };
}

pub mod audit;
pub mod backend;
pub mod chain;
pub mod copy;
mod directory;
mod matters;
pub mod outbox;
pub mod postgres;
pub mod reports;
pub mod schema;
pub mod sqlite;

#[cfg(test)]
pub(crate) mod conformance;
#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use backend::{BackendError, Bind, Row, Session, Sql};
pub use chain::Entered;
pub use directory::StoredDirectory;
pub use matters::{MatterFilter, RecordedEvent};
use postgres::Postgres;
pub use schema::SCHEMA_VERSION;
use sqlite::Sqlite;

/// Everything that can go wrong with the database itself (exit status 5, but where said otherwise).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} exists already: a new database or backup is never written over another file")]
    Exists(PathBuf),
    #[error("{0}: its directory does not exist (iro creates only the default data directory; make it, or give another --db)")]
    NoParent(PathBuf),
    #[error(
        "--db {0}: not a database this iro can use; give the path of a SQLite file or a postgres:// URL"
    )]
    Url(String),
    #[error("no database at {0}: run `iro init` to create one, or point --db / IRO_DB at yours")]
    Missing(PathBuf),
    #[error(
        "{0} holds a record already: a record is copied only into a new file or an empty database"
    )]
    NotEmpty(String),
    #[error("{0} is a directory, not a database file")]
    IsDirectory(PathBuf),
    #[error("{path} was written by a newer iro (schema version {found}; this iro knows up to {SCHEMA_VERSION}): it has not been touched, upgrade iro to use it")]
    Newer { path: PathBuf, found: i64 },
    #[error("{0} is read-only (its file permissions): iro needs to write it, even to read safely alongside others")]
    ReadOnly(PathBuf),
    #[error("{0} is not an iro database (no iro schema in it): run `iro init` on a new path")]
    NotIro(PathBuf),
    // The cause is part of the one-line message, not a separate `source`, so it is said once.
    #[error("{path}: {cause}")]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{place}: upgrading the schema to version {version} failed, the file is left at the version before: {cause}")]
    Migration {
        place: String,
        version: i64,
        cause: String,
    },
    #[error("database {place}: {cause}")]
    Database { place: String, cause: String },
    /// A statement failed: which one, and why.
    #[error("database {place}: {query}: {cause}")]
    Query {
        place: String,
        query: &'static str,
        cause: BackendError,
    },
}

impl StoreError {
    /// What a value that did not read says, if that is why this failed: iro never writes such a value,
    /// so to an audit it is a record that does not check out, not a database that failed.
    pub fn unread(&self) -> Option<String> {
        match self {
            StoreError::Query {
                query,
                cause: cause @ (BackendError::Decode { .. } | BackendError::Unread(_)),
                ..
            } => Some(format!("reading {query}: {cause}")),
            _ => None,
        }
    }
}

/// Where a database is: a file, or a database on a PostgreSQL server (`postgres://…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    File(PathBuf),
    Server(String),
}

impl Location {
    /// What `--db` or `IRO_DB` said.
    pub fn from_argument(path: &Path) -> Location {
        match path.to_str() {
            Some(text) if postgres::is_url(text) => Location::Server(text.to_string()),
            _ => Location::File(path.to_path_buf()),
        }
    }
}

/// The file's path, or the server's database in words (never its password).
impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::File(path) => write!(f, "{}", path.display()),
            Location::Server(url) => f.write_str(&postgres::place_of_url(url)),
        }
    }
}

/// The backend a store runs on.
#[derive(Debug)]
enum Db {
    Sqlite(Sqlite),
    Postgres(Box<Postgres>),
}

/// An open iro database.
#[derive(Debug)]
pub struct Store {
    db: Db,
}

/// What `Store::create` found or did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    New,
    AlreadyThere,
}

impl Store {
    /// Opens an existing iro database for reading and writing, migrating an older schema (an upgrade
    /// that records anything records it as of `now`).
    pub fn open(path: &Path, now: DateTime<Utc>) -> Result<Store, StoreError> {
        Store::open_upgrading(path, now, &mut |_, _| {})
    }

    /// As `open`, telling `upgrading` the versions from and to before an upgrade starts (one that builds
    /// an index over a national record takes a while, and a person should know why).
    pub fn open_upgrading(
        path: &Path,
        now: DateTime<Utc>,
        upgrading: &mut dyn FnMut(i64, i64),
    ) -> Result<Store, StoreError> {
        if path.is_dir() {
            return Err(StoreError::IsDirectory(path.to_path_buf()));
        }
        if !path.exists() {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        let db = Sqlite::connect(path)?;
        // The version is judged before anything (even the journal mode) is written.
        let version = db.user_version()?;
        accepted(version, path)?;
        db.configure()?;
        Store { db: Db::Sqlite(db) }.brought_up(version, now, upgrading)
    }

    /// The store, its schema brought up from `version` to this build's.
    fn brought_up(
        mut self,
        version: i64,
        now: DateTime<Utc>,
        upgrading: &mut dyn FnMut(i64, i64),
    ) -> Result<Store, StoreError> {
        if version < SCHEMA_VERSION {
            upgrading(version, SCHEMA_VERSION);
        }
        self.migrate_to(version, SCHEMA_VERSION, now)?;
        Ok(self)
    }

    /// Opens the database at `location`, file or server, as `open_upgrading` does.
    pub fn open_at(
        location: &Location,
        now: DateTime<Utc>,
        upgrading: &mut dyn FnMut(i64, i64),
    ) -> Result<Store, StoreError> {
        let url = match location {
            Location::File(path) => return Store::open_upgrading(path, now, upgrading),
            Location::Server(url) => url,
        };
        let db = Postgres::connect(url)?;
        let version = db.version_on_connecting();
        accepted(version, Path::new(db.place()))?;
        Store {
            db: Db::Postgres(Box::new(db)),
        }
        .brought_up(version, now, upgrading)
    }

    /// Creates the database at `location`, or opens the one already there (see `create`). On a server
    /// the database itself must exist: iro makes its schema and roles, never the database.
    pub fn create_at(
        location: &Location,
        make_directory: bool,
        now: DateTime<Utc>,
    ) -> Result<(Store, Created), StoreError> {
        let url = match location {
            Location::File(path) => return Store::create(path, make_directory, now),
            Location::Server(url) => url,
        };
        // One connection: the schema found there is judged, then made or brought up to date on it.
        let db = Postgres::connect(url)?;
        let version = db.version_on_connecting();
        let created = if version == 0 {
            Created::New
        } else {
            accepted(version, Path::new(db.place()))?;
            Created::AlreadyThere
        };
        let store = Store {
            db: Db::Postgres(Box::new(db)),
        }
        .brought_up(version, now, &mut |_, _| {})?;
        Ok((store, created))
    }

    /// A new database at `location` for a record to be copied into: a file that does not exist yet, or
    /// a server's database with no record in it (its schema is made, or brought up to date, first).
    pub fn create_empty(location: &Location, now: DateTime<Utc>) -> Result<Store, StoreError> {
        if let Location::File(path) = location {
            if path.exists() {
                return Err(StoreError::Exists(path.clone()));
            }
        }
        let (mut store, _) = Store::create_at(location, false, now)?;
        let empty = store.read()?.holds_nothing()?;
        if !empty {
            return Err(StoreError::NotEmpty(store.place()));
        }
        Ok(store)
    }

    /// Creates a new database readable by its owner only, or opens the one already there. A missing
    /// directory is made (readable by its owner only) only when `make_directory` says so: for the default
    /// path in the user's data directory, never for a path someone typed.
    pub fn create(
        path: &Path,
        make_directory: bool,
        now: DateTime<Utc>,
    ) -> Result<(Store, Created), StoreError> {
        if path.is_dir() {
            return Err(StoreError::IsDirectory(path.to_path_buf()));
        }
        if path.exists() {
            return Ok((Store::open(path, now)?, Created::AlreadyThere));
        }
        let io = |cause| StoreError::Io {
            path: path.to_path_buf(),
            cause,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            if !parent.is_dir() {
                if !make_directory {
                    return Err(StoreError::NoParent(path.to_path_buf()));
                }
                let mut builder = std::fs::DirBuilder::new();
                builder.recursive(true);
                #[cfg(unix)]
                std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
                builder.create(parent).map_err(io)?;
            }
        }
        // Create the file ourselves so it is never, even for a moment, readable by others.
        crate::files::create_exclusive(path).map_err(io)?;
        let db = Sqlite::connect(path)?;
        db.configure()?;
        let mut store = Store { db: Db::Sqlite(db) };
        store.migrate_to(0, SCHEMA_VERSION, now)?;
        Ok((store, Created::New))
    }

    /// Applies the migrations after `from` up to and including `to`, each in its own transaction that
    /// also records the version, so a failure leaves the database at the last whole version. On a server
    /// the last one also grants the roles their rights over every table there now is.
    pub(crate) fn migrate_to(
        &mut self,
        from: i64,
        to: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let dialect = self.dialect();
        for migration in schema::MIGRATIONS
            .iter()
            .filter(|m| m.version > from && m.version <= to)
        {
            let place = self.place();
            let failed = |cause: String| StoreError::Migration {
                place: place.clone(),
                version: migration.version,
                cause,
            };
            let tx = self.write()?;
            // Another process may have upgraded the file while this one waited for the lock.
            let at = tx
                .session
                .schema_version()
                .map_err(|e| failed(e.to_string()))?;
            if at >= migration.version {
                continue;
            }
            tx.session
                .batch(migration.text(dialect))
                .map_err(|e| failed(e.to_string()))?;
            if let Some(backfill) = migration.backfill {
                backfill(&tx, now).map_err(|e| failed(e.to_string()))?;
            }
            if dialect == backend::Dialect::Postgres && migration.version == to {
                tx.session
                    .batch(schema::POSTGRES_GRANTS)
                    .map_err(|e| failed(format!("granting the iro roles their rights: {e}")))?;
            }
            tx.session
                .set_schema_version(migration.version)
                .map_err(|e| failed(e.to_string()))?;
            tx.commit()?;
        }
        Ok(())
    }

    /// Which dialect the database speaks.
    pub fn dialect(&self) -> backend::Dialect {
        match &self.db {
            Db::Sqlite(_) => backend::Dialect::Sqlite,
            Db::Postgres(_) => backend::Dialect::Postgres,
        }
    }

    /// Copies the whole database to a new file, consistently, even while others write. A server's
    /// database is written to the file by `copy`, which the caller runs instead.
    pub fn backup_to(&self, target: &Path) -> Result<(), StoreError> {
        match &self.db {
            Db::Sqlite(db) => db.backup_to(target),
            Db::Postgres(db) => Err(StoreError::Database {
                place: db.place().to_string(),
                cause:
                    "a server's database is backed up by `iro copy --to FILE` or by the server's \
                        own backups (pg_dump, point-in-time recovery), not by `iro backup`"
                        .into(),
            }),
        }
    }

    /// The file's permission bits when group or others may read or write it; `None` when private (and
    /// on a server, whose rights are its grants).
    pub fn readable_by_others(&self) -> Option<u32> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let Db::Sqlite(db) = &self.db else {
                return None;
            };
            let mode = std::fs::metadata(db.path()).ok()?.permissions().mode() & 0o777;
            (mode & 0o066 != 0).then_some(mode)
        }
        #[cfg(not(unix))]
        {
            None
        }
    }

    /// Settings for a bulk writer that takes many steps in each transaction (a generator, an import):
    /// on a file, a page cache of `cache_mib` MiB; statement journals kept in memory rather than in a
    /// temporary file (a long transaction otherwise writes one out for every statement that may need
    /// undoing); and the write-ahead log checkpointed every 100,000 pages rather than every 1,000, so a
    /// page written by many transactions is copied back once. Durability is unchanged: commits are as
    /// safe as a command's, and the log is checkpointed when the store is closed. A server tunes itself.
    pub fn tune_for_bulk(&self, cache_mib: u32) -> Result<(), StoreError> {
        match &self.db {
            Db::Sqlite(db) => db.tune_for_bulk(cache_mib),
            Db::Postgres(_) => Ok(()),
        }
    }

    /// Settings for a reader that goes through the whole record (the audit): on a file, its pages
    /// mapped into memory rather than copied out of the system's cache one read at a time, and a larger
    /// page cache for the look-ups by matter. A server tunes itself. (A year's figures gain nothing
    /// from it, timed, and the mapped pages would count against a report's memory.)
    pub fn tune_for_reading_through(&self) -> Result<(), StoreError> {
        match &self.db {
            Db::Sqlite(db) => db.tune_for_reading_through(),
            Db::Postgres(_) => Ok(()),
        }
    }

    /// The file, for a store on one.
    pub fn path(&self) -> Option<&Path> {
        match &self.db {
            Db::Sqlite(db) => Some(db.path()),
            Db::Postgres(_) => None,
        }
    }

    /// Where the database is, in words for messages: the file's path, or the server's database (never
    /// a password).
    pub fn place(&self) -> String {
        match &self.db {
            Db::Sqlite(db) => db.path().display().to_string(),
            Db::Postgres(db) => db.place().to_string(),
        }
    }

    /// The login the server authenticated, on a server; `None` on a file, whose login is the operating
    /// system's.
    pub fn authenticated_login(&mut self) -> Result<Option<String>, StoreError> {
        match &mut self.db {
            Db::Sqlite(_) => Ok(None),
            Db::Postgres(db) => Ok(Some(db.session_user().to_string())),
        }
    }

    /// Another connection to the same database, for work done beside this one (the audit reads the
    /// chain on one and replays the matters on the other).
    pub fn another(&self) -> Result<Store, StoreError> {
        let db = match &self.db {
            Db::Sqlite(db) => {
                let db = Sqlite::connect(db.path())?;
                db.configure()?;
                Db::Sqlite(db)
            }
            Db::Postgres(db) => Db::Postgres(Box::new(Postgres::connect(db.url())?)),
        };
        Ok(Store { db })
    }

    /// The schema version the database is at.
    pub fn schema_version(&mut self) -> Result<i64, StoreError> {
        match &mut self.db {
            Db::Sqlite(db) => db.user_version(),
            Db::Postgres(db) => db.schema_version(),
        }
    }

    /// Starts the one transaction a command runs in. It holds the write lock from its first statement,
    /// so two writers never interleave: the second waits until the first commits.
    pub fn write(&mut self) -> Result<Tx<'_>, StoreError> {
        self.begin(true)
    }

    /// Starts a read transaction: one consistent snapshot for a whole report.
    pub fn read(&mut self) -> Result<Tx<'_>, StoreError> {
        self.begin(false)
    }

    fn begin(&mut self, write: bool) -> Result<Tx<'_>, StoreError> {
        let place = self.place();
        let session: Box<dyn Session + '_> = match &mut self.db {
            Db::Sqlite(db) => Box::new(db.begin(write)?),
            Db::Postgres(db) => Box::new(db.begin(write)?),
        };
        Ok(Tx {
            session,
            place,
            written: RefCell::default(),
        })
    }

    #[cfg(test)]
    pub(crate) fn sqlite(&self) -> &Sqlite {
        match &self.db {
            Db::Sqlite(db) => db,
            Db::Postgres(_) => panic!("a SQLite store was expected"),
        }
    }
}

/// Whether a database at schema `version` is one this build may open: an iro database, and not a newer
/// iro's. It is judged before anything is written.
fn accepted(version: i64, place: &Path) -> Result<(), StoreError> {
    if version == 0 {
        return Err(StoreError::NotIro(place.to_path_buf()));
    }
    if version > SCHEMA_VERSION {
        return Err(StoreError::Newer {
            path: place.to_path_buf(),
            found: version,
        });
    }
    Ok(())
}

/// One command's transaction. Dropped without `commit`, it rolls back: nothing half-written remains.
pub struct Tx<'a> {
    session: Box<dyn Session + 'a>,
    /// Where the database is, for messages.
    place: String,
    /// What this transaction has itself written that it would otherwise read back.
    written: RefCell<Written>,
}

/// What a transaction remembers of its own writes, so that a step and the messages it queues each ask
/// the database only what they do not know: on a server every question is a round trip.
#[derive(Debug, Default)]
struct Written {
    /// The id and hash of the last event this transaction appended: the chain's tip while it holds the
    /// write lock.
    tip: Option<(i64, String)>,
    /// The digests of the policies whose text it has kept.
    policies: Vec<String>,
}

impl Tx<'_> {
    pub fn commit(self) -> Result<(), StoreError> {
        let place = self.place;
        self.session.commit().map_err(|cause| StoreError::Query {
            place,
            query: "commit",
            cause,
        })
    }

    fn err(&self, sql: &Sql, cause: BackendError) -> StoreError {
        StoreError::Query {
            place: self.place.clone(),
            query: sql.name,
            cause,
        }
    }

    /// Runs a statement; gives how many rows it changed.
    fn exec(&self, sql: &Sql, params: &[&dyn Bind]) -> Result<u64, StoreError> {
        self.session
            .execute(sql, params)
            .map_err(|e| self.err(sql, e))
    }

    /// Every row of a query, each through `read`.
    fn rows<T>(
        &self,
        sql: &Sql,
        params: &[&dyn Bind],
        mut read: impl FnMut(&dyn Row) -> Result<T, BackendError>,
    ) -> Result<Vec<T>, StoreError> {
        let mut all = Vec::new();
        self.session
            .query(sql, params, &mut |row| {
                all.push(read(row)?);
                Ok(())
            })
            .map_err(|e| self.err(sql, e))?;
        Ok(all)
    }

    /// The first row of a query, if any.
    fn row<T>(
        &self,
        sql: &Sql,
        params: &[&dyn Bind],
        mut read: impl FnMut(&dyn Row) -> Result<T, BackendError>,
    ) -> Result<Option<T>, StoreError> {
        let mut first = None;
        self.session
            .query(sql, params, &mut |row| {
                if first.is_none() {
                    first = Some(read(row)?);
                }
                Ok(())
            })
            .map_err(|e| self.err(sql, e))?;
        Ok(first)
    }

    /// The one row a query must give.
    fn one<T>(
        &self,
        sql: &Sql,
        params: &[&dyn Bind],
        read: impl FnMut(&dyn Row) -> Result<T, BackendError>,
    ) -> Result<T, StoreError> {
        self.row(sql, params, read)?
            .ok_or_else(|| self.err(sql, BackendError::Database("the query gave no row".into())))
    }

    /// Each row of a query, read by `read` and handed to `each` as it comes, so a long listing is never
    /// held whole; `each` may stop the query with its own error.
    fn stream<T, E: From<StoreError>>(
        &self,
        sql: &Sql,
        params: &[&dyn Bind],
        mut read: impl FnMut(&dyn Row) -> Result<T, BackendError>,
        mut each: impl FnMut(T) -> Result<(), E>,
    ) -> Result<(), E> {
        self.each_row(sql, params, |row| Ok(each(read(row)?)))
    }

    /// As `stream`, handing `each` the row itself, for a reader that borrows the row's texts rather
    /// than copying them out: `each` fails outside with what it read wrong, inside with why it stopped.
    fn each_row<E: From<StoreError>>(
        &self,
        sql: &Sql,
        params: &[&dyn Bind],
        mut each: impl FnMut(&dyn Row) -> Result<Result<(), E>, BackendError>,
    ) -> Result<(), E> {
        let mut stopped: Option<E> = None;
        let result = self.session.query(sql, params, &mut |row| {
            each(row)?.map_err(|e| {
                stopped = Some(e);
                BackendError::Stopped
            })
        });
        match (result, stopped) {
            (_, Some(e)) => Err(e),
            (Err(cause), None) => Err(self.err(sql, cause).into()),
            (Ok(()), None) => Ok(()),
        }
    }
}
