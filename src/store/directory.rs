//! Staff, children and closure days: the directory every step is checked against.

use chrono::NaiveDate;
use rusqlite::{params, OptionalExtension, Row};

use super::{StoreError, Tx};
use crate::model::{Child, Staff};

const CHILD_COLUMNS: &str = "ref, name, team, social_worker, practice_supervisor, team_manager, \
                             service_manager, iro, iro_team_manager";

impl Tx<'_> {
    /// Adds a member of staff; false if the id is taken.
    pub fn add_staff(&self, staff: &Staff) -> Result<bool, StoreError> {
        let added = self
            .tx
            .execute(
                "INSERT INTO staff (id, name, role, email, team) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO NOTHING",
                params![
                    staff.id,
                    staff.name,
                    staff.role.as_str(),
                    staff.email,
                    staff.team
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(added == 1)
    }

    pub fn staff(&self, id: &str) -> Result<Option<Staff>, StoreError> {
        self.tx
            .prepare_cached("SELECT id, name, role, email, team FROM staff WHERE id = ?1")
            .and_then(|mut stmt| stmt.query_row([id], staff_from_row).optional())
            .map_err(|e| self.err(e))
    }

    pub fn all_staff(&self) -> Result<Vec<Staff>, StoreError> {
        self.tx
            .prepare_cached("SELECT id, name, role, email, team FROM staff ORDER BY role, id")
            .and_then(|mut stmt| stmt.query_map([], staff_from_row)?.collect())
            .map_err(|e| self.err(e))
    }

    /// Adds a child; false if the reference is taken.
    pub fn add_child(&self, child: &Child) -> Result<bool, StoreError> {
        let added = self
            .tx
            .execute(
                &format!(
                    "INSERT INTO children ({CHILD_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                     ON CONFLICT (ref) DO NOTHING"
                ),
                params![
                    child.reference,
                    child.name,
                    child.team,
                    child.social_worker,
                    child.practice_supervisor,
                    child.team_manager,
                    child.service_manager,
                    child.iro,
                    child.iro_team_manager
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(added == 1)
    }

    pub fn child(&self, reference: &str) -> Result<Option<Child>, StoreError> {
        self.tx
            .prepare_cached(&format!(
                "SELECT {CHILD_COLUMNS} FROM children WHERE ref = ?1"
            ))
            .and_then(|mut stmt| stmt.query_row([reference], child_from_row).optional())
            .map_err(|e| self.err(e))
    }

    /// Children, optionally only those of one IRO or one team.
    pub fn children(
        &self,
        iro: Option<&str>,
        team: Option<&str>,
    ) -> Result<Vec<Child>, StoreError> {
        self.tx
            .prepare_cached(&format!(
                "SELECT {CHILD_COLUMNS} FROM children
                 WHERE (?1 IS NULL OR iro = ?1) AND (?2 IS NULL OR team = ?2) ORDER BY ref"
            ))
            .and_then(|mut stmt| {
                stmt.query_map(params![iro, team], child_from_row)?
                    .collect()
            })
            .map_err(|e| self.err(e))
    }

    /// Adds a closure day; false if it was one already.
    pub fn add_closure_day(&self, day: NaiveDate, reason: &str) -> Result<bool, StoreError> {
        let added = self
            .tx
            .execute(
                "INSERT INTO closure_days (day, reason) VALUES (?1, ?2) ON CONFLICT (day) DO NOTHING",
                params![day, reason],
            )
            .map_err(|e| self.err(e))?;
        Ok(added == 1)
    }

    pub fn closure_days(&self) -> Result<Vec<(NaiveDate, String)>, StoreError> {
        self.tx
            .prepare_cached("SELECT day, reason FROM closure_days ORDER BY day")
            .and_then(|mut stmt| {
                stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect()
            })
            .map_err(|e| self.err(e))
    }
}

fn staff_from_row(row: &Row) -> rusqlite::Result<Staff> {
    Ok(Staff {
        id: row.get(0)?,
        name: row.get(1)?,
        role: parse_column(row, 2)?,
        email: row.get(3)?,
        team: row.get(4)?,
    })
}

fn child_from_row(row: &Row) -> rusqlite::Result<Child> {
    Ok(Child {
        reference: row.get(0)?,
        name: row.get(1)?,
        team: row.get(2)?,
        social_worker: row.get(3)?,
        practice_supervisor: row.get(4)?,
        team_manager: row.get(5)?,
        service_manager: row.get(6)?,
        iro: row.get(7)?,
        iro_team_manager: row.get(8)?,
    })
}

/// Reads a text column into one of the model's word enums.
pub(super) fn parse_column<T: std::str::FromStr<Err = String>>(
    row: &Row,
    index: usize,
) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    text.parse().map_err(|e: String| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, e.into())
    })
}
