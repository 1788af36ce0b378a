//! The schema's versions. Version 1 is `schema.sql` as first released; every later version is one
//! migration in [`MIGRATIONS`], applied in its own transaction. A released text is never edited: a change
//! to the schema is a new migration at the end of the list.

/// One version of the schema and the SQL that brings the version before it up to it, with, where the
/// SQL alone cannot, the records written in the same transaction (events on the chain need their hashes).
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    /// What the version changes, in a line.
    pub what: &'static str,
    pub sqlite: &'static str,
    /// PostgreSQL's text, where its dialect differs (`None`: the SQLite text reads alike in both).
    pub postgres: Option<&'static str>,
    pub backfill: Option<Backfill>,
}

/// Records a migration writes in its transaction, given the time it runs.
pub type Backfill = fn(&Tx, DateTime<Utc>) -> Result<(), StoreError>;

/// Every version, in order. Append only.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        what: "the schema as first released",
        sqlite: include_str!("../../schema.sql"),
        postgres: Some(include_str!("../../migrations/postgres/0001-schema.sql")),
        backfill: None,
    },
    Migration {
        version: 2,
        what: "outbox delivery states (uncertain, failed) and the database's own id",
        sqlite: include_str!("../../migrations/sqlite/0002-outbox-delivery.sql"),
        postgres: Some(include_str!(
            "../../migrations/postgres/0002-outbox-delivery.sql"
        )),
        backfill: None,
    },
    Migration {
        version: 3,
        what: "no two events follow the same one: the chain cannot fork",
        sqlite: include_str!("../../migrations/sqlite/0003-chain-cannot-fork.sql"),
        postgres: Some(include_str!(
            "../../migrations/postgres/0003-chain-cannot-fork.sql"
        )),
        backfill: None,
    },
    Migration {
        version: 4,
        what:
            "the directory as a dated history: staff versions, allocations, cover, events for each",
        sqlite: include_str!("../../migrations/sqlite/0004-directory-history.sql"),
        postgres: Some(include_str!(
            "../../migrations/postgres/0004-directory-history.sql"
        )),
        backfill: Some(super::directory::record_the_directory_as_it_stands),
    },
    Migration {
        version: 5,
        what: "who entered each event, under which policy; the policies steps were taken under; \
               every message on the chain",
        sqlite: include_str!("../../migrations/sqlite/0005-who-entered.sql"),
        postgres: Some(include_str!(
            "../../migrations/postgres/0005-who-entered.sql"
        )),
        backfill: Some(super::outbox::record_the_outbox_as_it_stands),
    },
    Migration {
        version: 6,
        what: "corrections: an action may be withdrawn; where an imported step came from",
        sqlite: include_str!("../../migrations/sqlite/0006-corrections.sql"),
        postgres: Some(include_str!(
            "../../migrations/postgres/0006-corrections.sql"
        )),
        backfill: None,
    },
    Migration {
        version: 7,
        what: "a message about a step voided before it went out is withdrawn",
        sqlite: include_str!("../../migrations/sqlite/0007-withdrawn-messages.sql"),
        postgres: Some(include_str!(
            "../../migrations/postgres/0007-withdrawn-messages.sql"
        )),
        backfill: None,
    },
    Migration {
        version: 8,
        what: "the record's voids and amendments, and the day's reminders, found by an index",
        sqlite: include_str!("../../migrations/sqlite/0008-corrections-index.sql"),
        postgres: None,
        backfill: None,
    },
    Migration {
        version: 9,
        what: "a year's figures read from an index of the steps they count",
        sqlite: include_str!("../../migrations/sqlite/0009-figures-index.sql"),
        postgres: Some(include_str!(
            "../../migrations/postgres/0009-figures-index.sql"
        )),
        backfill: None,
    },
    Migration {
        version: 10,
        what: "a year's figures read from indexes of the matters, stages and actions they count",
        sqlite: include_str!("../../migrations/sqlite/0010-figures-covering.sql"),
        postgres: Some(include_str!(
            "../../migrations/postgres/0010-figures-covering.sql"
        )),
        backfill: None,
    },
];

use chrono::{DateTime, Utc};

use super::{StoreError, Tx};

impl Migration {
    /// The migration's text in `dialect`.
    pub fn text(&self, dialect: super::backend::Dialect) -> &'static str {
        match (dialect, self.postgres) {
            (super::backend::Dialect::Postgres, Some(text)) => text,
            _ => self.sqlite,
        }
    }
}

/// On PostgreSQL, the roles and what each may do, applied after every upgrade.
pub const POSTGRES_GRANTS: &str = include_str!("../../migrations/postgres/grants.sql");

/// The schema version this build writes; a database with a higher one is refused untouched.
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].version;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_run_from_one_without_gaps() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1, "{}", m.what);
            assert!(!m.sqlite.trim().is_empty());
        }
    }
}
