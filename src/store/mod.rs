//! The store: the only code that speaks SQL. It opens and migrates the database, runs each command in
//! one immediate transaction, and reads and writes typed records through bound parameters.
//!
//! It never decides a rule: the engine has judged every step before the store sees it.

pub mod audit;
mod directory;
mod matters;
pub mod outbox;
pub mod reports;
pub mod schema;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

pub use matters::{MatterFilter, RecordedEvent};

pub use schema::SCHEMA_VERSION;

/// How long a command waits for another writer before giving up: long enough for any single command.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Everything that can go wrong with the database file itself (exit status 5).
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
    #[error("{path}: upgrading the schema to version {version} failed, the file is left at the version before: {cause}")]
    Migration {
        path: PathBuf,
        version: i64,
        cause: rusqlite::Error,
    },
    #[error("database {path}: {cause}")]
    Sqlite {
        path: PathBuf,
        cause: rusqlite::Error,
    },
}

/// An open iro database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// What `Store::create` found or did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    New,
    AlreadyThere,
}

impl Store {
    /// Opens an existing iro database for reading and writing, migrating an older schema.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if path.is_dir() {
            return Err(StoreError::IsDirectory(path.to_path_buf()));
        }
        if !path.exists() {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        let store = Store::connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        // The version is judged before anything (even the journal mode) is written.
        let version = store.user_version()?;
        if version == 0 {
            return Err(StoreError::NotIro(path.to_path_buf()));
        }
        if version > SCHEMA_VERSION {
            return Err(StoreError::Newer {
                path: path.to_path_buf(),
                found: version,
            });
        }
        store.configure()?;
        store.migrate(version)?;
        Ok(store)
    }

    /// Creates a new database readable by its owner only, or opens the one already there. A missing
    /// directory is made (readable by its owner only) only when `make_directory` says so: for the default
    /// path in the user's data directory, never for a path someone typed.
    pub fn create(path: &Path, make_directory: bool) -> Result<(Store, Created), StoreError> {
        if path.is_dir() {
            return Err(StoreError::IsDirectory(path.to_path_buf()));
        }
        if path.exists() {
            return Ok((Store::open(path)?, Created::AlreadyThere));
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
        create_private_file(path).map_err(io)?;
        let store = Store::connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        store.configure()?;
        store.migrate(0)?;
        Ok((store, Created::New))
    }

    fn connect(path: &Path, flags: OpenFlags) -> Result<Store, StoreError> {
        let sqlite = |cause| StoreError::Sqlite {
            path: path.to_path_buf(),
            cause,
        };
        let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(sqlite)?;
        // SQLite quietly falls back to read-only on a write-protected file, and its first read would
        // leave -wal/-shm files that keep failing writes after the file is made writable again.
        if conn.is_readonly(rusqlite::MAIN_DB).map_err(sqlite)? {
            return Err(StoreError::ReadOnly(path.to_path_buf()));
        }
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Settings for every connection of an accepted database.
    fn configure(&self) -> Result<(), StoreError> {
        let conn = &self.conn;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| self.err(e))?;
        let journal: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if !journal.eq_ignore_ascii_case("wal") {
            conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
                .map_err(|e| self.err(e))?;
        }
        // FULL: a step reported as recorded survives a power cut.
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    fn user_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// Brings the schema from `from` up to `SCHEMA_VERSION`, each version in one transaction.
    fn migrate(&self, from: i64) -> Result<(), StoreError> {
        self.migrate_to(from, SCHEMA_VERSION)
    }

    /// Applies the migrations after `from` up to and including `to`, each in its own immediate
    /// transaction that also sets the version, so a failure leaves the database at the last whole version.
    pub(crate) fn migrate_to(&self, from: i64, to: i64) -> Result<(), StoreError> {
        for migration in schema::MIGRATIONS
            .iter()
            .filter(|m| m.version > from && m.version <= to)
        {
            let tx =
                rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
                    .map_err(|e| self.err(e))?;
            // Another process may have upgraded the file while this one waited for the lock.
            let now: i64 = tx
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(|e| self.err(e))?;
            if now >= migration.version {
                continue;
            }
            tx.execute_batch(migration.sqlite)
                .map_err(|e| StoreError::Migration {
                    path: self.path.clone(),
                    version: migration.version,
                    cause: e,
                })?;
            tx.pragma_update(None, "user_version", migration.version)
                .map_err(|e| self.err(e))?;
            tx.commit().map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    fn err(&self, cause: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            cause,
        }
    }

    /// Copies the whole database to a new file with the online backup API, in one step under one read
    /// lock, so the copy is a consistent snapshot even while other processes write.
    pub fn backup_to(&self, target: &Path) -> Result<(), StoreError> {
        create_private_file(target).map_err(|cause| match cause.kind() {
            std::io::ErrorKind::AlreadyExists => StoreError::Exists(target.to_path_buf()),
            _ => StoreError::Io {
                path: target.to_path_buf(),
                cause,
            },
        })?;
        let sqlite = |cause| StoreError::Sqlite {
            path: target.to_path_buf(),
            cause,
        };
        let mut copy = Connection::open(target).map_err(sqlite)?;
        let result = rusqlite::backup::Backup::new(&self.conn, &mut copy).and_then(|backup| {
            backup.run_to_completion(std::os::raw::c_int::MAX, Duration::ZERO, None)
        });
        if let Err(e) = result {
            drop(copy);
            let _ = std::fs::remove_file(target);
            return Err(sqlite(e));
        }
        Ok(())
    }

    /// The file's permission bits when group or others may read or write it; `None` when private.
    pub fn readable_by_others(&self) -> Option<u32> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&self.path).ok()?.permissions().mode() & 0o777;
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
        let kib = i64::from(cache_mib) * 1024;
        self.conn
            .pragma_update(None, "cache_size", -kib)
            .and_then(|()| self.conn.pragma_update(None, "temp_store", "MEMORY"))
            .and_then(|()| self.conn.pragma_update(None, "wal_autocheckpoint", 100_000))
            .map_err(|e| self.err(e))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Starts the one transaction a command runs in. Immediate, so two writers never deadlock on
    /// upgrading a read lock: the second waits (busy timeout) until the first commits.
    pub fn write(&mut self) -> Result<Tx<'_>, StoreError> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|cause| StoreError::Sqlite {
                path: path.clone(),
                cause,
            })?;
        Ok(Tx { tx, path })
    }

    /// Starts a read transaction: one consistent snapshot for a whole report.
    pub fn read(&mut self) -> Result<Tx<'_>, StoreError> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(|cause| StoreError::Sqlite {
                path: path.clone(),
                cause,
            })?;
        Ok(Tx { tx, path })
    }
}

/// One command's transaction. Dropped without `commit`, it rolls back: nothing half-written remains.
pub struct Tx<'a> {
    tx: rusqlite::Transaction<'a>,
    path: PathBuf,
}

impl Tx<'_> {
    pub fn commit(self) -> Result<(), StoreError> {
        let path = self.path;
        self.tx
            .commit()
            .map_err(|cause| StoreError::Sqlite { path, cause })
    }

    fn err(&self, cause: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            cause,
        }
    }
}

#[cfg(unix)]
fn create_private_file(path: &Path) -> std::io::Result<()> {
    crate::files::create_exclusive(path).map(drop)
}

#[cfg(not(unix))]
fn create_private_file(path: &Path) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map(drop)
}

#[cfg(test)]
mod tests;
