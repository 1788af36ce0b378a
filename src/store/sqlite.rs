//! The SQLite backend: one local file, opened with foreign keys, WAL and full sync, each command one
//! transaction (immediate for writers, so two writers never deadlock upgrading a read lock).

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, ValueRef as SqliteValue};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::backend::{
    BackendError, Bind, Dialect, Row, Session, Sql, StoredValue, Value, ValueRef,
};
use super::StoreError;

/// How long a command waits for another writer before giving up: long enough for any single command.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// An open SQLite database file.
#[derive(Debug)]
pub struct Sqlite {
    conn: Connection,
    path: PathBuf,
}

/// How many prepared statements a connection keeps: more than any one command uses.
const STATEMENTS_KEPT: usize = 256;

impl Sqlite {
    /// Connects to the file, refusing one SQLite would quietly open read-only.
    pub fn connect(path: &Path) -> Result<Sqlite, StoreError> {
        let sqlite = |cause: rusqlite::Error| StoreError::Database {
            place: path.display().to_string(),
            cause: cause.to_string(),
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sqlite)?;
        // SQLite quietly falls back to read-only on a write-protected file, and its first read would
        // leave -wal/-shm files that keep failing writes after the file is made writable again.
        if conn.is_readonly(rusqlite::MAIN_DB).map_err(sqlite)? {
            return Err(StoreError::ReadOnly(path.to_path_buf()));
        }
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite)?;
        Ok(Sqlite {
            conn,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, cause: rusqlite::Error) -> StoreError {
        StoreError::Database {
            place: self.path.display().to_string(),
            cause: cause.to_string(),
        }
    }

    /// Settings for every connection of an accepted database.
    pub fn configure(&self) -> Result<(), StoreError> {
        let conn = &self.conn;
        // Every named statement a command uses stays prepared: a step runs some thirty, and parsing
        // one again costs more than running it.
        conn.set_prepared_statement_cache_capacity(STATEMENTS_KEPT);
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
            .map_err(|e| self.err(e))
    }

    /// The schema version the file is at (0 for a file that is not an iro database).
    pub fn user_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// Copies the whole database to a new file with the online backup API, in one step under one read
    /// lock, so the copy is a consistent snapshot even while other processes write.
    pub fn backup_to(&self, target: &Path) -> Result<(), StoreError> {
        crate::files::create_exclusive(target).map_err(|cause| match cause.kind() {
            std::io::ErrorKind::AlreadyExists => StoreError::Exists(target.to_path_buf()),
            _ => StoreError::Io {
                path: target.to_path_buf(),
                cause,
            },
        })?;
        let sqlite = |cause: rusqlite::Error| StoreError::Database {
            place: target.display().to_string(),
            cause: cause.to_string(),
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

    /// Settings for a bulk writer (see `Store::tune_for_bulk`).
    pub fn tune_for_bulk(&self, cache_mib: u32) -> Result<(), StoreError> {
        let kib = i64::from(cache_mib) * 1024;
        self.conn
            .pragma_update(None, "cache_size", -kib)
            .and_then(|()| self.conn.pragma_update(None, "temp_store", "MEMORY"))
            .and_then(|()| self.conn.pragma_update(None, "wal_autocheckpoint", 100_000))
            .map_err(|e| self.err(e))
    }

    /// Settings for a reader of the whole record (see `Store::tune_for_reading_through`): as much of the
    /// file mapped as SQLite allows, and a 64 MiB page cache.
    pub fn tune_for_reading_through(&self) -> Result<(), StoreError> {
        self.conn
            .pragma_update(None, "mmap_size", i64::MAX)
            .and_then(|()| self.conn.pragma_update(None, "cache_size", -64 * 1024))
            .map_err(|e| self.err(e))
    }

    /// Starts a transaction: immediate for a writer, so the lock is taken before anything is read (the
    /// chain tip and the next matter number are read under it); deferred for a reader, one snapshot.
    pub fn begin(&mut self, write: bool) -> Result<SqliteSession<'_>, StoreError> {
        let behaviour = if write {
            TransactionBehavior::Immediate
        } else {
            TransactionBehavior::Deferred
        };
        let place = self.path.display().to_string();
        let tx = self
            .conn
            .transaction_with_behavior(behaviour)
            .map_err(|cause| StoreError::Database {
                place,
                cause: cause.to_string(),
            })?;
        Ok(SqliteSession { tx })
    }

    #[cfg(test)]
    pub(super) fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// Removes a database file and its write-ahead log and shared-memory files, where there are any: a
/// half-made database is no use, and would stand in the way of the next try.
pub fn remove_files(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        let _ = std::fs::remove_file(file);
    }
}

/// One transaction on a SQLite file.
pub struct SqliteSession<'c> {
    tx: rusqlite::Transaction<'c>,
}

fn failed(cause: rusqlite::Error) -> BackendError {
    BackendError::Database(cause.to_string())
}

impl SqliteSession<'_> {
    fn prepared(
        &self,
        sql: &Sql,
        params: &[&dyn Bind],
    ) -> Result<rusqlite::CachedStatement<'_>, BackendError> {
        let mut stmt = self.tx.prepare_cached(sql.sqlite).map_err(failed)?;
        if stmt.parameter_count() != params.len() {
            return Err(BackendError::Database(format!(
                "{} parameter(s) given for {}",
                params.len(),
                stmt.parameter_count()
            )));
        }
        for (i, param) in params.iter().enumerate() {
            stmt.raw_bind_parameter(i + 1, Bound(param.value()))
                .map_err(failed)?;
        }
        Ok(stmt)
    }
}

impl Session for SqliteSession<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn execute(&self, sql: &Sql, params: &[&dyn Bind]) -> Result<u64, BackendError> {
        let mut stmt = self.prepared(sql, params)?;
        let changed = stmt.raw_execute().map_err(failed)?;
        Ok(changed as u64)
    }

    fn query(
        &self,
        sql: &Sql,
        params: &[&dyn Bind],
        each: &mut dyn FnMut(&dyn Row) -> Result<(), BackendError>,
    ) -> Result<(), BackendError> {
        let mut stmt = self.prepared(sql, params)?;
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next().map_err(failed)? {
            let row = SqliteRow(row);
            each(&row).map_err(|e| e.in_row(&row, sql.key))?;
        }
        Ok(())
    }

    fn commit(self: Box<Self>) -> Result<(), BackendError> {
        self.tx.commit().map_err(failed)
    }

    fn batch(&self, script: &str) -> Result<(), BackendError> {
        self.tx.execute_batch(script).map_err(failed)
    }

    fn schema_version(&self) -> Result<i64, BackendError> {
        self.tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(failed)
    }

    fn set_schema_version(&self, version: i64) -> Result<(), BackendError> {
        self.tx
            .pragma_update(None, "user_version", version)
            .map_err(failed)
    }
}

/// A parameter as rusqlite binds it.
struct Bound<'a>(Value<'a>);

impl rusqlite::ToSql for Bound<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match &self.0 {
            Value::Null => ToSqlOutput::Borrowed(SqliteValue::Null),
            Value::Int(n) => ToSqlOutput::Borrowed(SqliteValue::Integer(*n)),
            Value::Text(text) => ToSqlOutput::Borrowed(SqliteValue::Text(text.as_bytes())),
        })
    }
}

struct SqliteRow<'r, 's>(&'r rusqlite::Row<'s>);

impl Row for SqliteRow<'_, '_> {
    fn column(&self, index: usize) -> Result<ValueRef<'_>, BackendError> {
        match self.0.get_ref(index).map_err(failed)? {
            SqliteValue::Null => Ok(ValueRef::Null),
            SqliteValue::Integer(n) => Ok(ValueRef::Int(n)),
            SqliteValue::Text(bytes) => {
                std::str::from_utf8(bytes)
                    .map(ValueRef::Text)
                    .map_err(|e| BackendError::Decode {
                        column: index,
                        why: format!("it is not UTF-8 text ({e})"),
                    })
            }
            other => Err(BackendError::Decode {
                column: index,
                why: format!("unexpected {:?} value", other.data_type()),
            }),
        }
    }

    fn column_name(&self, index: usize) -> Option<&str> {
        self.0.as_ref().column_name(index).ok()
    }

    fn text_bytes(&self, index: usize) -> Result<Option<&[u8]>, BackendError> {
        match self.0.get_ref(index).map_err(failed)? {
            SqliteValue::Text(bytes) => Ok(Some(bytes)),
            _ => super::backend::text_bytes_of(self.column(index)?, index),
        }
    }

    fn stored(&self, index: usize) -> Result<StoredValue<'_>, BackendError> {
        Ok(match self.0.get_ref(index).map_err(failed)? {
            SqliteValue::Null => StoredValue::Null,
            SqliteValue::Integer(n) => StoredValue::Int(n),
            SqliteValue::Text(bytes) => StoredValue::Text(bytes),
            SqliteValue::Real(_) | SqliteValue::Blob(_) => StoredValue::Other,
        })
    }
}
