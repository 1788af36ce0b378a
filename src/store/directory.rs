//! Staff, children and closure days: the directory every step is checked against.

use chrono::NaiveDate;

use super::backend::{BackendError, Row, Sql};
use super::{StoreError, Tx};
use crate::model::{Child, Role, Staff};

const ADD_STAFF: Sql = Sql::new(
    "add a member of staff",
    "INSERT INTO staff (id, name, role, email, team) VALUES (?1, ?2, ?3, ?4, ?5)
     ON CONFLICT (id) DO NOTHING",
);
const STAFF: Sql = Sql::new(
    "a member of staff by id",
    "SELECT id, name, role, email, team FROM staff WHERE id = ?1",
);
const ALL_STAFF: Sql = Sql::new(
    "every member of staff",
    "SELECT id, name, role, email, team FROM staff ORDER BY role, id",
);
const STAFF_IN_ROLE: Sql = Sql::new(
    "staff holding a role",
    "SELECT id, name, role, email, team FROM staff WHERE role = ?1 ORDER BY id",
);
const ADD_CHILD: Sql = Sql::new(
    "add a child",
    "INSERT INTO children (ref, name, team, social_worker, practice_supervisor, team_manager,
        service_manager, iro, iro_team_manager)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
     ON CONFLICT (ref) DO NOTHING",
);
const CHILD: Sql = Sql::new(
    "a child by reference",
    "SELECT ref, name, team, social_worker, practice_supervisor, team_manager, service_manager, iro,
            iro_team_manager
       FROM children WHERE ref = ?1",
);
const CHILDREN: Sql = Sql::new(
    "children by IRO or team",
    "SELECT ref, name, team, social_worker, practice_supervisor, team_manager, service_manager, iro,
            iro_team_manager
       FROM children WHERE (?1 IS NULL OR iro = ?1) AND (?2 IS NULL OR team = ?2) ORDER BY ref",
);
const ADD_CLOSURE_DAY: Sql = Sql::new(
    "add a closure day",
    "INSERT INTO closure_days (day, reason) VALUES (?1, ?2) ON CONFLICT (day) DO NOTHING",
);
const CLOSURE_DAYS: Sql = Sql::new(
    "the closure days",
    "SELECT day, reason FROM closure_days ORDER BY day",
);
const CLOSURE_DAYS_KEY: Sql = Sql::each(
    "the closure days as one text",
    "SELECT COALESCE(group_concat(day, ','), '') FROM (SELECT day FROM closure_days ORDER BY day)",
    "SELECT COALESCE(string_agg(day, ',' ORDER BY day), '') FROM closure_days",
);

impl Tx<'_> {
    /// Adds a member of staff; false if the id is taken.
    pub fn add_staff(&self, staff: &Staff) -> Result<bool, StoreError> {
        let added = self.exec(
            &ADD_STAFF,
            &[
                &staff.id,
                &staff.name,
                &staff.role,
                &staff.email,
                &staff.team,
            ],
        )?;
        Ok(added == 1)
    }

    pub fn staff(&self, id: &str) -> Result<Option<Staff>, StoreError> {
        self.row(&STAFF, &[&id], staff_from_row)
    }

    pub fn all_staff(&self) -> Result<Vec<Staff>, StoreError> {
        self.rows(&ALL_STAFF, &[], staff_from_row)
    }

    /// Everyone holding a role, by id: the senior IRO managers and assistant directors a step may tell
    /// (index `staff_role`).
    pub fn staff_in_role(&self, role: Role) -> Result<Vec<Staff>, StoreError> {
        self.rows(&STAFF_IN_ROLE, &[&role], staff_from_row)
    }

    /// Adds a child; false if the reference is taken.
    pub fn add_child(&self, child: &Child) -> Result<bool, StoreError> {
        let added = self.exec(
            &ADD_CHILD,
            &[
                &child.reference,
                &child.name,
                &child.team,
                &child.social_worker,
                &child.practice_supervisor,
                &child.team_manager,
                &child.service_manager,
                &child.iro,
                &child.iro_team_manager,
            ],
        )?;
        Ok(added == 1)
    }

    pub fn child(&self, reference: &str) -> Result<Option<Child>, StoreError> {
        self.row(&CHILD, &[&reference], child_from_row)
    }

    /// Children, optionally only those of one IRO or one team.
    pub fn children(
        &self,
        iro: Option<&str>,
        team: Option<&str>,
    ) -> Result<Vec<Child>, StoreError> {
        self.rows(&CHILDREN, &[&iro, &team], child_from_row)
    }

    /// Adds a closure day; false if it was one already.
    pub fn add_closure_day(&self, day: NaiveDate, reason: &str) -> Result<bool, StoreError> {
        Ok(self.exec(&ADD_CLOSURE_DAY, &[&day, &reason])? == 1)
    }

    pub fn closure_days(&self) -> Result<Vec<(NaiveDate, String)>, StoreError> {
        self.rows(&CLOSURE_DAYS, &[], |r| Ok((r.get(0)?, r.get(1)?)))
    }

    /// The service's closure days as one text (ISO dates, in order, comma-separated): a cheap, exact key
    /// for a working-day calendar built from them.
    pub fn closure_days_key(&self) -> Result<String, StoreError> {
        self.one(&CLOSURE_DAYS_KEY, &[], |r| r.get(0))
    }
}

fn staff_from_row(r: &dyn Row) -> Result<Staff, BackendError> {
    Ok(Staff {
        id: r.get(0)?,
        name: r.get(1)?,
        role: r.get(2)?,
        email: r.get(3)?,
        team: r.get(4)?,
    })
}

fn child_from_row(r: &dyn Row) -> Result<Child, BackendError> {
    Ok(Child {
        reference: r.get(0)?,
        name: r.get(1)?,
        team: r.get(2)?,
        social_worker: r.get(3)?,
        practice_supervisor: r.get(4)?,
        team_manager: r.get(5)?,
        service_manager: r.get(6)?,
        iro: r.get(7)?,
        iro_team_manager: r.get(8)?,
    })
}
