//! The schema's versions. Version 1 is `schema.sql` as first released; every later version is one
//! migration in [`MIGRATIONS`], applied in its own transaction. A released text is never edited: a change
//! to the schema is a new migration at the end of the list.

/// One version of the schema and the SQL that brings the version before it up to it.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    /// What the version changes, in a line.
    pub what: &'static str,
    pub sqlite: &'static str,
}

/// Every version, in order. Append only.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        what: "the schema as first released",
        sqlite: include_str!("../../schema.sql"),
    },
    Migration {
        version: 2,
        what: "outbox delivery states (uncertain, failed) and the database's own id",
        sqlite: include_str!("../../migrations/sqlite/0002-outbox-delivery.sql"),
    },
    Migration {
        version: 3,
        what: "no two events follow the same one: the chain cannot fork",
        sqlite: include_str!("../../migrations/sqlite/0003-chain-cannot-fork.sql"),
    },
];

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
