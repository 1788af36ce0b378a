//! The directory: staff, children and their allocation, cover and closure days, each change an event on
//! the chain and each version kept with the day it took effect (rule 13).

use chrono::{DateTime, NaiveDate, Utc};

use super::backend::{BackendError, Row, Sql};
use super::chain::{Appended, Entered};
use super::{StoreError, Tx};
use crate::calendar::FIRST_DAY;
use crate::engine::directory::{Change, Leaves, Version};
use crate::engine::Entry;
use crate::model::{Child, Cover, Dated, Role, Slot, Staff};

macro_rules! staff_columns {
    () => {
        "id, name, role, email, team, login, left_on"
    };
}
macro_rules! child_columns {
    () => {
        "ref, name, team, social_worker, practice_supervisor, team_manager, service_manager, \
         assistant_director, iro, iro_team_manager, ceased_on, cease_reason"
    };
}

const INSERT_STAFF: Sql = Sql::new(
    "add a member of staff",
    "INSERT INTO staff (id, name, role, email, team, login, left_on) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
);
const UPDATE_STAFF: Sql = Sql::new(
    "update a member of staff",
    "UPDATE staff SET name = ?2, role = ?3, email = ?4, team = ?5, login = ?6, left_on = ?7 WHERE id = ?1",
);
const STAFF_VERSION: Sql = Sql::new(
    "record a version of a member of staff",
    "INSERT INTO staff_versions (id, from_on, event, name, role, email, team, login, left_on)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
);
const STAFF: Sql = Sql::new(
    "a member of staff by id",
    concat!("SELECT ", staff_columns!(), " FROM staff WHERE id = ?1"),
);
const STAFF_ON: Sql = Sql::new(
    "a member of staff as they were on a day",
    "SELECT id, name, role, email, team, login, left_on FROM staff_versions
      WHERE id = ?1 AND from_on <= ?2 ORDER BY from_on DESC, event DESC LIMIT 1",
);
const STAFF_ON_LEAVING_NOW: Sql = Sql::new(
    "a member of staff as they were on a day, with the day they left",
    "SELECT v.id, v.name, v.role, v.email, v.team, v.login,
            CASE WHEN s.id IS NULL THEN v.left_on ELSE s.left_on END
       FROM staff_versions v LEFT JOIN staff s ON s.id = v.id
      WHERE v.id = ?1 AND v.from_on <= ?2 ORDER BY v.from_on DESC, v.event DESC LIMIT 1",
);
// `STAFF_ON_LEAVING_NOW` for each of a list: the version of each that no later one by the day outdoes.
const STAFF_ON_LEAVING_NOW_OF: Sql = Sql::each(
    "members of staff as they were on a day, with the day they left",
    "SELECT v.id, v.name, v.role, v.email, v.team, v.login,
            CASE WHEN s.id IS NULL THEN v.left_on ELSE s.left_on END
       FROM staff_versions v LEFT JOIN staff s ON s.id = v.id
      WHERE v.id IN (SELECT value FROM json_each(?1)) AND v.from_on <= ?2
        AND NOT EXISTS (SELECT 1 FROM staff_versions w
                         WHERE w.id = v.id AND w.from_on <= ?2
                           AND (w.from_on > v.from_on OR (w.from_on = v.from_on AND w.event > v.event)))",
    // The server would read every version to match them to the list: each is sought by the index.
    "SELECT v.id, v.name, v.role, v.email, v.team, v.login,
            CASE WHEN s.id IS NULL THEN v.left_on ELSE s.left_on END
       FROM json_array_elements_text(CAST(?1 AS json)) AS wanted (id)
            JOIN LATERAL (SELECT * FROM staff_versions x WHERE x.id = wanted.id AND x.from_on <= ?2
                           ORDER BY x.from_on DESC, x.event DESC LIMIT 1) v ON true
            LEFT JOIN staff s ON s.id = v.id",
);
const STAFF_FIRST: Sql = Sql::new(
    "a member of staff as first recorded",
    "SELECT id, name, role, email, team, login, left_on FROM staff_versions
      WHERE id = ?1 ORDER BY from_on, event LIMIT 1",
);
const CHILD_FIRST: Sql = Sql::new(
    "a child as first recorded",
    "SELECT child, name, team, social_worker, practice_supervisor, team_manager, service_manager,
            assistant_director, iro, iro_team_manager, ceased_on, cease_reason
       FROM allocations WHERE child = ?1 ORDER BY from_on, event LIMIT 1",
);
const DIRECTORY_MANAGERS: Sql = Sql::new(
    "whether anyone in post may change the directory",
    "SELECT EXISTS (SELECT 1 FROM staff
                     WHERE role IN ('admin', 'iro-team-manager', 'senior-iro-manager') AND left_on IS NULL)",
);
const STAFF_BY_LOGIN: Sql = Sql::new(
    "a member of staff by login",
    concat!("SELECT ", staff_columns!(), " FROM staff WHERE login = ?1"),
);
const STAFF_AND_BY_LOGIN: Sql = Sql::new(
    "a member of staff, and the one a login is bound to",
    concat!(
        "SELECT ",
        staff_columns!(),
        " FROM staff WHERE id = ?1 OR login = ?2"
    ),
);
const ALL_STAFF: Sql = Sql::new(
    "every member of staff",
    concat!("SELECT ", staff_columns!(), " FROM staff ORDER BY role, id"),
);
const STAFF_IN_ROLE: Sql = Sql::new(
    "staff holding a role",
    concat!(
        "SELECT ",
        staff_columns!(),
        " FROM staff WHERE role = ?1 ORDER BY id"
    ),
);
const STAFF_IN_ROLES: Sql = Sql::new(
    "staff holding either of two roles",
    concat!(
        "SELECT ",
        staff_columns!(),
        " FROM staff WHERE role IN (?1, ?2) ORDER BY role, id"
    ),
);
const INSERT_CHILD: Sql = Sql::new(
    "add a child",
    "INSERT INTO children (ref, name, team, social_worker, practice_supervisor, team_manager,
        service_manager, assistant_director, iro, iro_team_manager, ceased_on, cease_reason)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
);
const UPDATE_CHILD: Sql = Sql::new(
    "update a child",
    "UPDATE children SET name = ?2, team = ?3, social_worker = ?4, practice_supervisor = ?5,
        team_manager = ?6, service_manager = ?7, assistant_director = ?8, iro = ?9,
        iro_team_manager = ?10, ceased_on = ?11, cease_reason = ?12
      WHERE ref = ?1",
);
const ALLOCATION: Sql = Sql::new(
    "record a child's allocation",
    "INSERT INTO allocations (child, from_on, event, name, team, social_worker, practice_supervisor,
        team_manager, service_manager, assistant_director, iro, iro_team_manager, ceased_on, cease_reason)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
);
const CHILD: Sql = Sql::new(
    "a child by reference",
    concat!("SELECT ", child_columns!(), " FROM children WHERE ref = ?1"),
);
const CHILD_ON: Sql = Sql::new(
    "a child as allocated on a day",
    "SELECT child, name, team, social_worker, practice_supervisor, team_manager, service_manager,
            assistant_director, iro, iro_team_manager, ceased_on, cease_reason
       FROM allocations WHERE child = ?1 AND from_on <= ?2 ORDER BY from_on DESC, event DESC LIMIT 1",
);
const CHILDREN: Sql = Sql::new(
    "children by IRO or team",
    concat!(
        "SELECT ",
        child_columns!(),
        " FROM children WHERE (?1 IS NULL OR iro = ?1) AND (?2 IS NULL OR team = ?2) ORDER BY ref"
    ),
);
const CHILDREN_OF: Sql = Sql::new(
    "children allocated to someone",
    concat!(
        "SELECT ",
        child_columns!(),
        // A child no longer looked after keeps the allocation they left with: nothing to pass on.
        " FROM children WHERE (social_worker = ?1 OR practice_supervisor = ?1 OR team_manager = ?1
            OR service_manager = ?1 OR assistant_director = ?1 OR iro = ?1 OR iro_team_manager = ?1)
            AND ceased_on IS NULL
          ORDER BY ref"
    ),
);
const OPEN_ACTIONS_OF: Sql = Sql::new(
    "the open actions someone owns on running matters",
    "SELECT a.matter, a.seq FROM actions a JOIN matters m ON m.id = a.matter
      WHERE a.owner = ?1 AND a.status = 'open' AND m.state NOT IN ('resolved', 'closed')
      ORDER BY a.matter, a.seq",
);
const INSERT_COVER: Sql = Sql::new(
    "record a cover",
    "INSERT INTO covers (absent, by, from_on, to_on, reason, event) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
);
const COVERS_ON: Sql = Sql::new(
    "the covers in force on a day",
    // A cover ends when either of them leaves.
    "SELECT c.absent, c.by, c.from_on, c.to_on, c.reason FROM covers c
       JOIN staff a ON a.id = c.absent JOIN staff b ON b.id = c.by
      WHERE c.from_on <= ?1 AND (c.to_on IS NULL OR c.to_on >= ?1)
        AND (a.left_on IS NULL OR a.left_on >= ?1) AND (b.left_on IS NULL OR b.left_on >= ?1)
      ORDER BY c.event",
);
const COVERS_OF: Sql = Sql::new(
    "the covers for or by someone",
    "SELECT absent, by, from_on, to_on, reason FROM covers WHERE absent = ?1 OR by = ?1 ORDER BY event",
);
const LAST_STAFF_CHANGE: Sql = Sql::new(
    "the day of someone's last change",
    "SELECT MAX(from_on) FROM staff_versions WHERE id = ?1",
);
const LAST_PART_TAKEN: Sql = Sql::new(
    "the last day someone took a step or was given an action still open",
    "SELECT MAX(day) FROM (
        SELECT MAX(effective_on) AS day FROM events WHERE actor = ?1 AND matter IS NOT NULL
        UNION ALL
        SELECT MIN(h.set_on) FROM actions a
          JOIN action_due_history h ON h.matter = a.matter AND h.seq = a.seq
         WHERE a.owner = ?1 AND a.status = 'open'
         GROUP BY a.matter, a.seq) AS days",
);
const LAST_STEP_ON_CHILD: Sql = Sql::new(
    "the day of the last step on any of a child's matters",
    "SELECT MAX(last_step_on) FROM matters WHERE child = ?1",
);
const LAST_CHILD_CHANGE: Sql = Sql::new(
    "the day of a child's last change",
    "SELECT MAX(from_on) FROM allocations WHERE child = ?1",
);
const INSERT_CLOSURE_DAY: Sql = Sql::new(
    "add a closure day",
    "INSERT INTO closure_days (day, reason, event) VALUES (?1, ?2, ?3)",
);
const CLOSURE_DAY: Sql = Sql::new(
    "a closure day",
    "SELECT reason FROM closure_days WHERE day = ?1",
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
const CHANGES_OF_CHILD: Sql = Sql::new(
    "a child's directory history",
    "SELECT effective_on, recorded_at, actor, details FROM events
      WHERE child = ?1 AND matter IS NULL ORDER BY effective_on, id",
);
const CHANGES_OF_STAFF: Sql = Sql::new(
    "a member of staff's directory history",
    "SELECT e.effective_on, e.recorded_at, e.actor, e.details FROM staff_versions v
       JOIN events e ON e.id = v.event WHERE v.id = ?1
     UNION ALL
     SELECT e.effective_on, e.recorded_at, e.actor, e.details FROM covers c
       JOIN events e ON e.id = c.event WHERE c.absent = ?1 OR c.by = ?1
     ORDER BY 1, 2",
);
const EVERY_STAFF: Sql = Sql::new(
    "every member of staff, as stored",
    concat!("SELECT ", staff_columns!(), " FROM staff ORDER BY id"),
);
const EVERY_CHILD: Sql = Sql::new(
    "every child, as stored",
    concat!("SELECT ", child_columns!(), " FROM children ORDER BY ref"),
);
const EVERY_CLOSURE_DAY: Sql = Sql::new(
    "every closure day, as stored",
    "SELECT day, reason, event FROM closure_days ORDER BY day",
);
const EVERY_STAFF_VERSION: Sql = Sql::new(
    "every version of every member of staff, as stored",
    "SELECT id, name, role, email, team, login, left_on, from_on, event FROM staff_versions
      ORDER BY event, id",
)
.keyed_by(&[0, 8]);
const EVERY_ALLOCATION: Sql = Sql::new(
    "every allocation of every child, as stored",
    "SELECT child, name, team, social_worker, practice_supervisor, team_manager, service_manager,
            assistant_director, iro, iro_team_manager, ceased_on, cease_reason, from_on, event
       FROM allocations ORDER BY event, child",
)
.keyed_by(&[0, 13]);
const EVERY_COVER: Sql = Sql::new(
    "every cover, as stored",
    "SELECT absent, by, from_on, to_on, reason, event FROM covers ORDER BY event",
)
.keyed_by(&[5]);
const DIRECTORY_CHANGES: Sql = Sql::new(
    "every directory change, in the order recorded",
    "SELECT id, effective_on, details FROM events
      WHERE matter IS NULL AND kind NOT IN ('message-queued', 'message-marked') ORDER BY id",
);
const SET_CLOSURE_EVENT: Sql = Sql::new(
    "link a closure day to its event",
    "UPDATE closure_days SET event = ?2 WHERE day = ?1",
);

impl Tx<'_> {
    /// Records a directory change: its event on the chain, and the state it leaves.
    pub fn record_change(
        &self,
        change: &Change,
        actor: &str,
        on: NaiveDate,
        entered: &Entered,
    ) -> Result<i64, StoreError> {
        // The event names the child, so a new child's row comes first.
        if let Change::ChildAdded { child } = change {
            self.exec(&INSERT_CHILD, &child_params(child))?;
        }
        let event = self.append_entry(
            None,
            change.child(),
            change.kind(),
            actor,
            on,
            Appended::Entered(entered),
            &Entry::Change(change.clone()),
        )?;
        let added = matches!(
            change,
            Change::StaffAdded { .. } | Change::ChildAdded { .. }
        );
        match change.leaves(on) {
            Leaves::Staff(staff) => {
                let write = if added { &INSERT_STAFF } else { &UPDATE_STAFF };
                self.exec(write, &staff_params(&staff))?;
                self.staff_version(&staff, on, event)?;
            }
            Leaves::Child(child) => {
                if !added {
                    self.exec(&UPDATE_CHILD, &child_params(&child))?;
                }
                self.allocation(&child, on, event)?;
            }
            Leaves::Cover(cover) => {
                self.exec(
                    &INSERT_COVER,
                    &[
                        &cover.absent,
                        &cover.by,
                        &cover.from,
                        &cover.to,
                        &cover.reason,
                        &event,
                    ],
                )?;
            }
            Leaves::ClosureDay(day, reason) => {
                self.exec(&INSERT_CLOSURE_DAY, &[&day, &reason, &event])?;
            }
        }
        Ok(event)
    }

    fn staff_version(&self, s: &Staff, on: NaiveDate, event: i64) -> Result<(), StoreError> {
        self.exec(
            &STAFF_VERSION,
            &[
                &s.id, &on, &event, &s.name, &s.role, &s.email, &s.team, &s.login, &s.left_on,
            ],
        )?;
        Ok(())
    }

    fn allocation(&self, c: &Child, on: NaiveDate, event: i64) -> Result<(), StoreError> {
        self.exec(
            &ALLOCATION,
            &[
                &c.reference,
                &on,
                &event,
                &c.name,
                &c.team,
                &c.social_worker,
                &c.practice_supervisor,
                &c.team_manager,
                &c.service_manager,
                &c.assistant_director,
                &c.iro,
                &c.iro_team_manager,
                &c.ceased_on,
                &c.cease_reason,
            ],
        )?;
        Ok(())
    }

    /// A member of staff as they stand now.
    pub fn staff(&self, id: &str) -> Result<Option<Staff>, StoreError> {
        self.row(&STAFF, &[&id], staff_from_row)
    }

    /// A member of staff as they were on `day`: the version in force that day, or for a day before the
    /// directory first recorded them (history brought in later), as first recorded.
    pub fn staff_on(&self, id: &str, day: NaiveDate) -> Result<Option<Staff>, StoreError> {
        match self.row(&STAFF_ON, &[&id, &day], staff_from_row)? {
            Some(staff) => Ok(Some(staff)),
            None => self.row(&STAFF_FIRST, &[&id], staff_from_row),
        }
    }

    /// A member of staff as they were on `day` (as `staff_on`), but with the day they left if they have
    /// left since: whom a step tells. One statement where it can be: on a server each is a round trip.
    pub fn staff_on_leaving_now(
        &self,
        id: &str,
        day: NaiveDate,
    ) -> Result<Option<Staff>, StoreError> {
        if let Some(staff) = self.row(&STAFF_ON_LEAVING_NOW, &[&id, &day], staff_from_row)? {
            return Ok(Some(staff));
        }
        let Some(mut first) = self.row(&STAFF_FIRST, &[&id], staff_from_row)? else {
            return Ok(None);
        };
        if let Some(now) = self.staff(id)? {
            first.left_on = now.left_on;
        }
        Ok(Some(first))
    }

    /// Each of `ids` as `staff_on_leaving_now` gives them, in one statement however many (in no
    /// order): a step tells a dozen people or more, and on a server each statement is a round trip.
    pub fn staff_on_leaving_now_of(
        &self,
        ids: &[&str],
        day: NaiveDate,
    ) -> Result<Vec<Staff>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let listed = serde_json::Value::from(ids.to_vec()).to_string();
        let mut found = self.rows(&STAFF_ON_LEAVING_NOW_OF, &[&listed, &day], staff_from_row)?;
        // Anyone with no version by that day (history brought in later) is as first recorded: rare,
        // and read one at a time.
        for id in ids {
            if !found.iter().any(|s| s.id == *id) {
                found.extend(self.staff_on_leaving_now(id, day)?);
            }
        }
        Ok(found)
    }

    /// Whether an admin, an IRO team manager or the senior IRO manager is in post: until one is, the
    /// directory is being set up and anyone may change it.
    pub fn directory_has_managers(&self) -> Result<bool, StoreError> {
        self.one(&DIRECTORY_MANAGERS, &[], |r| r.get(0))
    }

    /// The member of staff a login is bound to.
    pub fn staff_by_login(&self, login: &str) -> Result<Option<Staff>, StoreError> {
        self.row(&STAFF_BY_LOGIN, &[&login], staff_from_row)
    }

    /// The member of staff `id` and the one `login` is bound to (perhaps the same), in one statement.
    pub fn staff_and_by_login(
        &self,
        id: &str,
        login: &str,
    ) -> Result<(Option<Staff>, Option<Staff>), StoreError> {
        let found = self.rows(&STAFF_AND_BY_LOGIN, &[&id, &login], staff_from_row)?;
        let with_id = found.iter().find(|s| s.id == id).cloned();
        let by_login = found
            .into_iter()
            .find(|s| s.login.as_deref() == Some(login));
        Ok((with_id, by_login))
    }

    pub fn all_staff(&self) -> Result<Vec<Staff>, StoreError> {
        self.rows(&ALL_STAFF, &[], staff_from_row)
    }

    /// Everyone holding a role now, by id: the senior IRO managers and assistant directors a step may
    /// tell (index `staff_role`).
    pub fn staff_in_role(&self, role: Role) -> Result<Vec<Staff>, StoreError> {
        self.rows(&STAFF_IN_ROLE, &[&role], staff_from_row)
    }

    /// Everyone holding either role now, by role and id, in one statement.
    pub fn staff_in_roles(&self, one: Role, other: Role) -> Result<Vec<Staff>, StoreError> {
        self.rows(&STAFF_IN_ROLES, &[&one, &other], staff_from_row)
    }

    /// A child as allocated now.
    pub fn child(&self, reference: &str) -> Result<Option<Child>, StoreError> {
        self.row(&CHILD, &[&reference], child_from_row)
    }

    /// A child as allocated on `day`: the allocation in force that day, or for a day before the
    /// directory first recorded them, as first recorded.
    pub fn child_on(&self, reference: &str, day: NaiveDate) -> Result<Option<Child>, StoreError> {
        match self.row(&CHILD_ON, &[&reference, &day], child_from_row)? {
            Some(child) => Ok(Some(child)),
            None => self.row(&CHILD_FIRST, &[&reference], child_from_row),
        }
    }

    /// Children as allocated now, optionally only those of one IRO or one team.
    pub fn children(
        &self,
        iro: Option<&str>,
        team: Option<&str>,
    ) -> Result<Vec<Child>, StoreError> {
        self.rows(&CHILDREN, &[&iro, &team], child_from_row)
    }

    /// What a member of staff holds now: open actions on running matters, and the children and slots
    /// they are allocated to.
    pub fn held_by(&self, id: &str) -> Result<crate::engine::directory::Held, StoreError> {
        let actions = self.rows(&OPEN_ACTIONS_OF, &[&id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let mut allocations = Vec::new();
        for child in self.rows(&CHILDREN_OF, &[&id], child_from_row)? {
            for slot in Slot::ALL {
                if child.in_slot(*slot) == Some(id) {
                    allocations.push((child.reference.clone(), *slot));
                }
            }
        }
        Ok(crate::engine::directory::Held {
            actions,
            allocations,
        })
    }

    /// The covers in force on `day`.
    pub fn covers_on(&self, day: NaiveDate) -> Result<Vec<Cover>, StoreError> {
        self.rows(&COVERS_ON, &[&day], cover_from_row)
    }

    /// Every cover for or by a member of staff.
    pub fn covers_of(&self, id: &str) -> Result<Vec<Cover>, StoreError> {
        self.rows(&COVERS_OF, &[&id], cover_from_row)
    }

    /// The day of the last change to a member of staff, if any.
    pub fn last_staff_change(&self, id: &str) -> Result<Option<NaiveDate>, StoreError> {
        self.one(&LAST_STAFF_CHANGE, &[&id], |r| r.get(0))
    }

    /// The last day a member of staff took part in the record: a step they took, or the day an action
    /// they still own was given them.
    pub fn last_part_taken(&self, id: &str) -> Result<Option<NaiveDate>, StoreError> {
        self.one(&LAST_PART_TAKEN, &[&id], |r| r.get(0))
    }

    /// The day of the last step on any of a child's matters, if they have one.
    pub fn last_step_on_child(&self, reference: &str) -> Result<Option<NaiveDate>, StoreError> {
        self.one(&LAST_STEP_ON_CHILD, &[&reference], |r| r.get(0))
    }

    /// The day of the last change to a child, if any.
    pub fn last_child_change(&self, reference: &str) -> Result<Option<NaiveDate>, StoreError> {
        self.one(&LAST_CHILD_CHANGE, &[&reference], |r| r.get(0))
    }

    /// A child's directory history, oldest first.
    pub fn child_history(&self, reference: &str) -> Result<Vec<Dated>, StoreError> {
        self.rows(&CHANGES_OF_CHILD, &[&reference], dated_from_row)
    }

    /// A member of staff's directory history (their versions and the covers for or by them), oldest first.
    pub fn staff_history(&self, id: &str) -> Result<Vec<Dated>, StoreError> {
        self.rows(&CHANGES_OF_STAFF, &[&id], dated_from_row)
    }

    /// A closure day's reason, if the day is one.
    pub fn closure_day(&self, day: NaiveDate) -> Result<Option<String>, StoreError> {
        self.row(&CLOSURE_DAY, &[&day], |r| r.get(0))
    }

    pub fn closure_days(&self) -> Result<Vec<(NaiveDate, String)>, StoreError> {
        self.rows(&CLOSURE_DAYS, &[], |r| Ok((r.get(0)?, r.get(1)?)))
    }

    /// The service's closure days as one text (ISO dates, in order, comma-separated): a cheap, exact key
    /// for a working-day calendar built from them.
    pub fn closure_days_key(&self) -> Result<String, StoreError> {
        self.one(&CLOSURE_DAYS_KEY, &[], |r| r.get(0))
    }

    /// Every directory row as stored, for the audit to compare with its replay.
    pub fn stored_directory(&self) -> Result<StoredDirectory, StoreError> {
        Ok(StoredDirectory {
            staff: self.rows(&EVERY_STAFF, &[], staff_from_row)?,
            staff_versions: self.rows(&EVERY_STAFF_VERSION, &[], |r| {
                let record = staff_from_row(r)?;
                Ok(Version {
                    key: record.id.clone(),
                    from_on: r.get(7)?,
                    event: r.get(8)?,
                    record,
                })
            })?,
            children: self.rows(&EVERY_CHILD, &[], child_from_row)?,
            allocations: self.rows(&EVERY_ALLOCATION, &[], |r| {
                let record = child_from_row(r)?;
                Ok(Version {
                    key: record.reference.clone(),
                    from_on: r.get(12)?,
                    event: r.get(13)?,
                    record,
                })
            })?,
            covers: self.rows(&EVERY_COVER, &[], |r| Ok((r.get(5)?, cover_from_row(r)?)))?,
            closure_days: self.rows(&EVERY_CLOSURE_DAY, &[], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?,
        })
    }

    /// Every directory change in the order recorded, with its event id and the day it took effect; a
    /// change whose details do not read comes as the reason why, for the audit to name.
    pub fn for_each_directory_change(
        &self,
        mut each: impl FnMut(i64, NaiveDate, Result<Change, String>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.stream(
            &DIRECTORY_CHANGES,
            &[],
            |r| {
                let details: String = r.get(2)?;
                let change = serde_json::from_str::<Change>(&details).map_err(|e| e.to_string());
                Ok((r.get(0)?, r.get(1)?, change))
            },
            |(id, on, change)| each(id, on, change),
        )
    }
}

/// The directory tables as they stand, each in the order of its key or its event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StoredDirectory {
    pub staff: Vec<Staff>,
    pub staff_versions: Vec<Version<Staff>>,
    pub children: Vec<Child>,
    pub allocations: Vec<Version<Child>>,
    pub covers: Vec<(i64, Cover)>,
    /// Each closure day with its reason and the event that added it (none before version 4).
    pub closure_days: Vec<(NaiveDate, String, Option<i64>)>,
}

/// The migration to version 4: the directory as it stands goes on the chain, each staff member, child
/// and closure day as a change in force since the record began, so the directory can be replayed from
/// its events like everything else.
pub(super) fn record_the_directory_as_it_stands(
    tx: &Tx,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let at = now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let StoredDirectory {
        staff,
        children,
        closure_days: closures,
        ..
    } = tx.stored_directory()?;
    for s in staff {
        let change = Change::StaffAdded {
            staff: Box::new(s.clone()),
        };
        let event = tx.append_entry(
            None,
            None,
            change.kind(),
            UPGRADE,
            FIRST_DAY,
            Appended::ByUpgrade(&at),
            &Entry::Change(change),
        )?;
        tx.staff_version(&s, FIRST_DAY, event)?;
    }
    for c in children {
        let change = Change::ChildAdded {
            child: Box::new(c.clone()),
        };
        let event = tx.append_entry(
            None,
            Some(&c.reference),
            change.kind(),
            UPGRADE,
            FIRST_DAY,
            Appended::ByUpgrade(&at),
            &Entry::Change(change),
        )?;
        tx.allocation(&c, FIRST_DAY, event)?;
    }
    for (day, reason, _) in closures {
        let change = Change::ClosureDayAdded { day, reason };
        let event = tx.append_entry(
            None,
            None,
            change.kind(),
            UPGRADE,
            FIRST_DAY,
            Appended::ByUpgrade(&at),
            &Entry::Change(change),
        )?;
        tx.exec(&SET_CLOSURE_EVENT, &[&day, &event])?;
    }
    Ok(())
}

/// Who recorded the directory as it stood when a database was upgraded to keep its history.
pub const UPGRADE: &str = "iro-upgrade";

fn staff_params(s: &Staff) -> [&dyn super::backend::Bind; 7] {
    [
        &s.id, &s.name, &s.role, &s.email, &s.team, &s.login, &s.left_on,
    ]
}

fn child_params(c: &Child) -> [&dyn super::backend::Bind; 12] {
    [
        &c.reference,
        &c.name,
        &c.team,
        &c.social_worker,
        &c.practice_supervisor,
        &c.team_manager,
        &c.service_manager,
        &c.assistant_director,
        &c.iro,
        &c.iro_team_manager,
        &c.ceased_on,
        &c.cease_reason,
    ]
}

fn staff_from_row(r: &dyn Row) -> Result<Staff, BackendError> {
    Ok(Staff {
        id: r.get(0)?,
        name: r.get(1)?,
        role: r.get(2)?,
        email: r.get(3)?,
        team: r.get(4)?,
        login: r.get(5)?,
        left_on: r.get(6)?,
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
        assistant_director: r.get(7)?,
        iro: r.get(8)?,
        iro_team_manager: r.get(9)?,
        ceased_on: r.get(10)?,
        cease_reason: r.get(11)?,
    })
}

fn cover_from_row(r: &dyn Row) -> Result<Cover, BackendError> {
    Ok(Cover {
        absent: r.get(0)?,
        by: r.get(1)?,
        from: r.get(2)?,
        to: r.get(3)?,
        reason: r.get(4)?,
    })
}

fn dated_from_row(r: &dyn Row) -> Result<Dated, BackendError> {
    let details: String = r.get(3)?;
    let what = serde_json::from_str::<Entry>(&details)
        .map(|entry| entry.describe())
        .map_err(|e| BackendError::Decode {
            column: 3,
            why: e.to_string(),
        })?;
    Ok(Dated {
        effective_on: r.get(0)?,
        recorded_at: r.get(1)?,
        by: r.get(2)?,
        what,
    })
}
