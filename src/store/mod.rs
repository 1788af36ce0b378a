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
mod directory;
mod matters;
pub mod outbox;
pub mod reports;
pub mod schema;
pub mod sqlite;

#[cfg(test)]
pub(crate) mod conformance;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use backend::{BackendError, Bind, Row, Session, Sql};
pub use chain::Entered;
pub use matters::{MatterFilter, RecordedEvent};
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
        "--db {0}: a database URL is not a backend this iro has; give the path of a SQLite file"
    )]
    Url(String),
    #[error("no database at {0}: run `iro init` to create one, or point --db / IRO_DB at yours")]
    Missing(PathBuf),
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

/// An open iro database.
#[derive(Debug)]
pub struct Store {
    db: Sqlite,
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
        if version == 0 {
            return Err(StoreError::NotIro(path.to_path_buf()));
        }
        if version > SCHEMA_VERSION {
            return Err(StoreError::Newer {
                path: path.to_path_buf(),
                found: version,
            });
        }
        db.configure()?;
        let mut store = Store { db };
        if version < SCHEMA_VERSION {
            upgrading(version, SCHEMA_VERSION);
        }
        store.migrate_to(version, SCHEMA_VERSION, now)?;
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
        let mut store = Store { db };
        store.migrate_to(0, SCHEMA_VERSION, now)?;
        Ok((store, Created::New))
    }

    /// Applies the migrations after `from` up to and including `to`, each in its own transaction that
    /// also records the version, so a failure leaves the database at the last whole version.
    pub(crate) fn migrate_to(
        &mut self,
        from: i64,
        to: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        for migration in schema::MIGRATIONS
            .iter()
            .filter(|m| m.version > from && m.version <= to)
        {
            let place = self.db.path().display().to_string();
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
                .batch(migration.sqlite)
                .map_err(|e| failed(e.to_string()))?;
            if let Some(backfill) = migration.backfill {
                backfill(&tx, now).map_err(|e| failed(e.to_string()))?;
            }
            tx.session
                .set_schema_version(migration.version)
                .map_err(|e| failed(e.to_string()))?;
            tx.commit()?;
        }
        Ok(())
    }

    /// Copies the whole database to a new file, consistently, even while others write.
    pub fn backup_to(&self, target: &Path) -> Result<(), StoreError> {
        self.db.backup_to(target)
    }

    /// The file's permission bits when group or others may read or write it; `None` when private.
    pub fn readable_by_others(&self) -> Option<u32> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(self.db.path()).ok()?.permissions().mode() & 0o777;
            (mode & 0o066 != 0).then_some(mode)
        }
        #[cfg(not(unix))]
        {
            None
        }
    }

    /// Settings for a bulk writer that takes many steps in each transaction (a generator, an import):
    /// a page cache of `cache_mib` MiB; statement journals kept in memory rather than in a temporary
    /// file (a long transaction otherwise writes one out for every statement that may need undoing); and
    /// the write-ahead log checkpointed every 100,000 pages rather than every 1,000, so a page written
    /// by many transactions is copied back once. Durability is unchanged: commits are as safe as a
    /// command's, and the log is checkpointed when the store is closed.
    pub fn tune_for_bulk(&self, cache_mib: u32) -> Result<(), StoreError> {
        self.db.tune_for_bulk(cache_mib)
    }

    pub fn path(&self) -> &Path {
        self.db.path()
    }

    /// Another connection to the same database, for work done beside this one (the audit reads the
    /// chain on one and replays the matters on the other).
    pub fn another(&self) -> Result<Store, StoreError> {
        let db = Sqlite::connect(self.db.path())?;
        db.configure()?;
        Ok(Store { db })
    }

    /// The schema version the database is at.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.db.user_version()
    }

    /// Starts the one transaction a command runs in. It holds the write lock from its first statement,
    /// so two writers never interleave: the second waits (busy timeout) until the first commits.
    pub fn write(&mut self) -> Result<Tx<'_>, StoreError> {
        let place = self.db.path().display().to_string();
        let session = self.db.begin(true)?;
        Ok(Tx {
            session: Box::new(session),
            place,
        })
    }

    /// Starts a read transaction: one consistent snapshot for a whole report.
    pub fn read(&mut self) -> Result<Tx<'_>, StoreError> {
        let place = self.db.path().display().to_string();
        let session = self.db.begin(false)?;
        Ok(Tx {
            session: Box::new(session),
            place,
        })
    }

    #[cfg(test)]
    pub(crate) fn sqlite(&self) -> &Sqlite {
        &self.db
    }
}

/// One command's transaction. Dropped without `commit`, it rolls back: nothing half-written remains.
pub struct Tx<'a> {
    session: Box<dyn Session + 'a>,
    /// Where the database is, for messages.
    place: String,
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
        let mut stopped: Option<E> = None;
        let result = self.session.query(sql, params, &mut |row| {
            let item = read(row)?;
            each(item).map_err(|e| {
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
