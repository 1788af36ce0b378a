//! A whole record copied from one database to another, table by table, each row exactly as stored: the
//! events with their hashes, the tables beside the chain, the outbox with its delivery marks, and the
//! database's own id (a record moved is the same record, and its Message-IDs stay its own).

use std::borrow::Cow;

use super::backend::{Bind, Dialect, Row, Sql, Value, ValueRef};
use super::{StoreError, Tx};

/// A table as it is copied: its columns, and the order its rows are read and written in.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    pub name: &'static str,
    columns: &'static [&'static str],
    order: &'static str,
}

/// Every table of the schema, each after the tables its rows refer to.
pub const TABLES: &[Table] = &[
    Table {
        name: "staff",
        columns: &["id", "name", "role", "email", "team", "login", "left_on"],
        order: "id",
    },
    Table {
        name: "children",
        columns: &[
            "ref",
            "name",
            "team",
            "social_worker",
            "practice_supervisor",
            "team_manager",
            "service_manager",
            "iro",
            "iro_team_manager",
            "assistant_director",
            "ceased_on",
            "cease_reason",
        ],
        order: "ref",
    },
    Table {
        name: "matters",
        columns: &[
            "id",
            "prefix",
            "year",
            "number",
            "child",
            "iro",
            "team",
            "category",
            "summary",
            "state",
            "stage",
            "raised_on",
            "raised_by",
            "qap_raised_on",
            "challenge_deadline",
            "challenged_on",
            "drp_entered_on",
            "drp_deadline",
            "resolved_on",
            "resolved_by",
            "outcome",
            "last_step_on",
        ],
        order: "id",
    },
    Table {
        name: "events",
        columns: &[
            "id",
            "matter",
            "child",
            "kind",
            "actor",
            "effective_on",
            "recorded_at",
            "details",
            "prev_hash",
            "hash",
            "entered_by",
            "policy_digest",
            "source",
        ],
        order: "id",
    },
    Table {
        name: "actions",
        columns: &[
            "matter",
            "seq",
            "text",
            "owner",
            "due",
            "status",
            "completed_on",
        ],
        order: "matter, seq",
    },
    Table {
        name: "action_due_history",
        columns: &[
            "matter",
            "seq",
            "due",
            "set_on",
            "agreed_by",
            "reason",
            "event",
        ],
        order: "event, matter, seq, due",
    },
    Table {
        name: "stages",
        columns: &[
            "matter",
            "stage",
            "entered_on",
            "reason",
            "event",
            "response_deadline",
        ],
        order: "matter, stage",
    },
    Table {
        name: "cafcass_referrals",
        columns: &[
            "matter",
            "seq",
            "kind",
            "referred_on",
            "reason",
            "decision",
            "decided_on",
        ],
        order: "matter, seq",
    },
    Table {
        name: "closure_days",
        columns: &["day", "reason", "event"],
        order: "day",
    },
    Table {
        name: "staff_versions",
        columns: &[
            "id", "from_on", "event", "name", "role", "email", "team", "login", "left_on",
        ],
        order: "event, id",
    },
    Table {
        name: "allocations",
        columns: &[
            "child",
            "from_on",
            "event",
            "name",
            "team",
            "social_worker",
            "practice_supervisor",
            "team_manager",
            "service_manager",
            "assistant_director",
            "iro",
            "iro_team_manager",
            "ceased_on",
            "cease_reason",
        ],
        order: "event, child",
    },
    Table {
        name: "covers",
        columns: &["id", "absent", "by", "from_on", "to_on", "reason", "event"],
        order: "id",
    },
    Table {
        name: "outbox",
        columns: &[
            "id",
            "matter",
            "child",
            "event_kind",
            "created_at",
            "to_addrs",
            "cc_addrs",
            "missing",
            "subject",
            "body",
            "status",
            "error",
            "written_at",
            "written_to",
            "claimed_at",
            "sent_at",
            "event",
        ],
        order: "id",
    },
    Table {
        name: "policies",
        columns: &["digest", "policy", "recorded_at"],
        order: "digest",
    },
    Table {
        name: "meta",
        columns: &["key", "value"],
        order: "key",
    },
];

/// How many parameters one insert binds at most (SQLite allows 32,766; PostgreSQL 65,535).
const PARAMETERS_AT_A_TIME: usize = 16_000;

/// One stored value, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored(Value<'static>);

impl Bind for Stored {
    fn value(&self) -> Value<'_> {
        match &self.0 {
            Value::Null => Value::Null,
            Value::Int(n) => Value::Int(*n),
            Value::Text(text) => Value::Text(Cow::Borrowed(text)),
        }
    }
}

fn stored(row: &dyn Row, index: usize) -> Result<Stored, super::backend::BackendError> {
    Ok(Stored(match row.column(index)? {
        ValueRef::Null => Value::Null,
        ValueRef::Int(n) => Value::Int(n),
        ValueRef::Text(text) => Value::Text(Cow::Owned(text.to_string())),
    }))
}

/// A statement made for one table and kept for the life of the process: its text has the table's
/// names and `?N` placeholders only, never a value.
fn statement(name: &'static str, text: String) -> Sql {
    Sql::new(name, Box::leak(text.into_boxed_str()))
}

impl Table {
    fn select(&self) -> Sql {
        statement(
            "a table's rows, to copy",
            format!(
                "SELECT {} FROM {} ORDER BY {}",
                self.columns.join(", "),
                self.name,
                self.order
            ),
        )
    }

    /// How many rows one insert writes.
    pub fn rows_at_a_time(&self) -> usize {
        (PARAMETERS_AT_A_TIME / self.columns.len()).clamp(1, 1000)
    }

    /// An insert of `rows` rows.
    fn insert(&self, rows: usize) -> Sql {
        let width = self.columns.len();
        let values: Vec<String> = (0..rows)
            .map(|row| {
                let params: Vec<String> = (1..=width)
                    .map(|column| format!("?{}", row * width + column))
                    .collect();
                format!("({})", params.join(", "))
            })
            .collect();
        statement(
            "rows copied into a table",
            format!(
                "INSERT INTO {} ({}) VALUES {}",
                self.name,
                self.columns.join(", "),
                values.join(", ")
            ),
        )
    }
}

const COUNT_EVENTS: Sql = Sql::new("how many events", "SELECT COUNT(*) FROM events");
const COUNT_STAFF: Sql = Sql::new("how many staff", "SELECT COUNT(*) FROM staff");
const FORGET_META: Sql = Sql::new(
    "the new database's own facts, to be replaced by the copied record's",
    "DELETE FROM meta",
);
/// A server numbers new outbox rows and covers from a sequence, which must start after the copied ones.
const RESTART_OUTBOX_IDS: Sql = Sql::new(
    "the outbox's numbering after a copy",
    "SELECT setval(pg_get_serial_sequence('outbox', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM outbox",
);
const RESTART_COVER_IDS: Sql = Sql::new(
    "the covers' numbering after a copy",
    "SELECT setval(pg_get_serial_sequence('covers', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM covers",
);

thread_local! {
    /// The inserts made so far, by table and rows.
    static INSERTS: std::cell::RefCell<std::collections::HashMap<(&'static str, usize), Sql>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// The rows of a table, a batch at a time.
pub type Batch = Vec<Vec<Stored>>;

impl Tx<'_> {
    /// Whether the database holds no record at all: no event and no member of staff.
    pub fn holds_nothing(&self) -> Result<bool, StoreError> {
        let events: i64 = self.one(&COUNT_EVENTS, &[], |r| r.get(0))?;
        let staff: i64 = self.one(&COUNT_STAFF, &[], |r| r.get(0))?;
        Ok(events == 0 && staff == 0)
    }

    /// How many rows `table` has.
    pub fn rows_in(&self, table: &Table) -> Result<u64, StoreError> {
        let sql = statement(
            "how many rows a table has",
            format!("SELECT COUNT(*) FROM {}", table.name),
        );
        let rows: i64 = self.one(&sql, &[], |r| r.get(0))?;
        Ok(rows.unsigned_abs())
    }

    /// Each batch of `table`'s rows in order, handed to `each` as read.
    pub fn each_batch_of<E: From<StoreError>>(
        &self,
        table: &Table,
        mut each: impl FnMut(Batch) -> Result<(), E>,
    ) -> Result<(), E> {
        let width = table.columns.len();
        let at_a_time = table.rows_at_a_time();
        let mut batch: Batch = Vec::with_capacity(at_a_time);
        self.stream(
            &table.select(),
            &[],
            |row| (0..width).map(|i| stored(row, i)).collect(),
            |values: Vec<Stored>| {
                batch.push(values);
                if batch.len() == at_a_time {
                    each(std::mem::take(&mut batch))?;
                }
                Ok::<(), E>(())
            },
        )?;
        if !batch.is_empty() {
            each(batch)?;
        }
        Ok(())
    }

    /// Writes a batch of `table`'s rows as they were read.
    pub fn insert_batch(&self, table: &Table, batch: &Batch) -> Result<(), StoreError> {
        // One statement per table and batch size, made once: a server prepares it once too.
        let sql = INSERTS.with(|made| {
            *made
                .borrow_mut()
                .entry((table.name, batch.len()))
                .or_insert_with(|| table.insert(batch.len()))
        });
        let params: Vec<&dyn Bind> = batch.iter().flatten().map(|v| v as &dyn Bind).collect();
        self.exec(&sql, &params)?;
        Ok(())
    }

    /// Clears what a new database says of itself (its own id), so the copied record's is kept.
    pub fn forget_own_facts(&self) -> Result<(), StoreError> {
        self.exec(&FORGET_META, &[])?;
        Ok(())
    }

    /// After a copy onto a server, numbers new rows after the copied ones.
    pub fn after_copy(&self) -> Result<(), StoreError> {
        if self.session.dialect() == Dialect::Postgres {
            self.one(&RESTART_OUTBOX_IDS, &[], |r| r.get::<i64>(0))?;
            self.one(&RESTART_COVER_IDS, &[], |r| r.get::<i64>(0))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_of_the_schema_is_copied_with_every_column() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, _) =
            super::super::Store::create(&dir.path().join("iro.db"), false, crate::fixture::now())
                .expect("create");
        let conn = store.sqlite().connection();
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .expect("tables");
        let mut copied: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
        copied.sort_unstable();
        assert_eq!(tables, copied);
        for table in TABLES {
            let columns: Vec<String> = conn
                .prepare("SELECT name FROM pragma_table_info(?1) ORDER BY name")
                .and_then(|mut s| s.query_map([table.name], |r| r.get(0))?.collect())
                .expect("columns");
            let mut listed: Vec<&str> = table.columns.to_vec();
            listed.sort_unstable();
            assert_eq!(columns, listed, "{}", table.name);
        }
    }

    #[test]
    fn an_insert_numbers_its_parameters_row_by_row() {
        let table = &TABLES[TABLES.len() - 1];
        assert_eq!(
            table.insert(2).sqlite,
            "INSERT INTO meta (key, value) VALUES (?1, ?2), (?3, ?4)"
        );
        assert!(TABLES
            .iter()
            .all(|t| t.rows_at_a_time() * t.columns.len() <= PARAMETERS_AT_A_TIME));
    }
}
