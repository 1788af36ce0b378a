//! The case-management system's extracts (`directory import`): the staff and the looked-after children
//! with their allocation, as CSV, brought into the directory as the dated changes a person would have
//! made. New people are added and changed ones updated; nobody is removed for being missing from an
//! extract: they are listed, for a person to decide. Every row is judged by the same operations as the
//! directory commands, inside the caller's transaction, so the extracts go in whole or not at all.

use std::collections::{BTreeSet, HashMap};

use super::directory::{self, By, Reallocation};
use super::sheet::{Cells, Columns, RowError, RowErrors, Sheet};
use super::Setting;
use crate::engine::{Change, Refusal};
use crate::error::Problem;
use crate::model::{Child, Role, Slot, Staff};
use crate::store::Tx;
use crate::text::{parse_email, parse_id, parse_name};

/// The staff extract's columns.
pub const STAFF_COLUMNS: Columns = Columns {
    names: &["id", "name", "role", "email", "team", "login"],
    aliases: &[
        ("staff_id", "id"),
        ("e_mail", "email"),
        ("email_address", "email"),
    ],
    required: &["id", "name", "role", "email"],
    others_ignored: true,
};

/// The children extract's columns: the child and their allocation, each by staff id.
pub const CHILD_COLUMNS: Columns = Columns {
    names: &[
        "ref",
        "name",
        "team",
        "social_worker",
        "practice_supervisor",
        "team_manager",
        "service_manager",
        "assistant_director",
        "iro",
        "iro_team_manager",
    ],
    aliases: &[("reference", "ref"), ("child", "ref")],
    required: &[
        "ref",
        "name",
        "team",
        "social_worker",
        "team_manager",
        "service_manager",
        "iro",
        "iro_team_manager",
    ],
    others_ignored: true,
};

/// The extracts of one import; either may be left out.
pub struct Extracts {
    pub staff: Option<Sheet>,
    pub children: Option<Sheet>,
}

/// What an import did, or in a dry run would do.
#[derive(Debug, Default)]
pub struct Imported {
    /// Every change, in the order recorded.
    pub changes: Vec<Change>,
    /// Rows that matched the directory already.
    pub unchanged: usize,
    /// Staff in post whom the staff extract does not have: left as they are.
    pub missing_staff: Vec<String>,
    /// Looked-after children whom the children extract does not have: left as they are.
    pub missing_children: Vec<String>,
    /// Rows for people whose record is closed (a leaver, a child no longer looked after), not changed.
    pub closed: Vec<String>,
}

/// One staff row as read; `team` and `login` are `None` where the extract does not give them, which
/// leaves them as they are.
struct StaffRow {
    row: usize,
    id: String,
    name: String,
    role: Role,
    email: String,
    team: Option<String>,
    login: Option<String>,
}

/// One child row as read: the slots whose columns the extract has, each with its holder (an empty
/// optional slot is emptied).
struct ChildRow {
    row: usize,
    reference: String,
    name: String,
    team: String,
    slots: Vec<(Slot, Option<String>)>,
}

fn read_staff(cells: &mut Cells) -> Option<StaffRow> {
    let id = cells.required("id", parse_id);
    let name = cells.required("name", parse_name);
    // "Social Worker", "social_worker" and "social-worker" are one role.
    let role = cells.required("role", |text| {
        text.split([' ', '_', '-'])
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join("-")
            .to_ascii_lowercase()
            .parse::<Role>()
    });
    let email = cells.required("email", parse_email);
    let team = cells.parsed("team", parse_name);
    let login = cells.parsed("login", parse_id);
    Some(StaffRow {
        row: cells.row,
        id: id?,
        name: name?,
        role: role?,
        email: email?,
        team,
        login,
    })
}

fn read_child(cells: &mut Cells) -> Option<ChildRow> {
    let reference = cells.required("ref", parse_id);
    let name = cells.required("name", parse_name);
    let team = cells.required("team", parse_name);
    let mut slots = Vec::new();
    for slot in Slot::ALL {
        let column = slot.column();
        let holder = if CHILD_COLUMNS.required.contains(&column) {
            cells.required(column, parse_id)
        } else {
            cells.parsed(column, parse_id)
        };
        slots.push((*slot, holder));
    }
    Some(ChildRow {
        row: cells.row,
        reference: reference?,
        name: name?,
        team: team?,
        slots,
    })
}

/// Each id once in an extract: a second row for the same person is an error on that row.
fn once_each<'a, T>(
    rows: &'a [T],
    key: impl Fn(&T) -> (&str, usize),
    column: &'static str,
    errors: &mut Vec<RowError>,
) -> Vec<&'a T> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut kept = Vec::new();
    for row in rows {
        let (id, at) = key(row);
        match seen.get(id) {
            Some(first) => errors.push(RowError::new(
                at,
                column,
                format!("{id} is on row {first} already"),
            )),
            None => {
                seen.insert(id, at);
                kept.push(row);
            }
        }
    }
    kept
}

/// One row's change, as it is tried.
enum Row<'a> {
    Staff(&'a StaffRow),
    Child(&'a ChildRow),
}

/// What trying a row came to.
enum Outcome {
    Changed(Change),
    Unchanged,
    Closed(String),
}

/// Brings the extracts into the directory in `tx`, every change dated `by.on`. Rows that depend on
/// each other (a child allocated to someone the staff extract adds, a role that changes once a child
/// is reallocated) are tried again until nothing more goes in; whatever is left is an error on its row.
/// `progress` is told (rows done, rows in all) as it goes.
pub fn import(
    tx: &Tx,
    setting: &Setting,
    by: By,
    extracts: &Extracts,
    progress: &mut dyn FnMut(usize, usize),
) -> anyhow::Result<Imported> {
    // A day ahead is wrong for every row alike: said once.
    crate::engine::directory::dated(by.on, setting.clock.latest(), "the import", None)?;
    // A first import sets the directory up whole: the managers it adds in its first rows do not shut
    // out the rest of it.
    if !tx.directory_has_managers()? {
        setting.setting_up.set(true);
    }
    let mut errors: Vec<(String, RowError)> = Vec::new();
    let mut read_errors = Vec::new();
    let staff_rows = extracts
        .staff
        .as_ref()
        .map(|s| s.rows(&mut read_errors, read_staff))
        .unwrap_or_default();
    let staff_rows = once_each(&staff_rows, |r| (&r.id, r.row), "id", &mut read_errors);
    let staff_name = sheet_name(&extracts.staff);
    errors.extend(read_errors.drain(..).map(|e| (staff_name.clone(), e)));
    let child_rows = extracts
        .children
        .as_ref()
        .map(|s| s.rows(&mut read_errors, read_child))
        .unwrap_or_default();
    let child_rows = once_each(
        &child_rows,
        |r| (&r.reference, r.row),
        "ref",
        &mut read_errors,
    );
    let children_name = sheet_name(&extracts.children);
    errors.extend(read_errors.drain(..).map(|e| (children_name.clone(), e)));
    // The rows that read well are tried even when others did not, so one pass lists every error;
    // nothing is kept unless there are none.

    let mut imported = Imported::default();
    let mut pending: Vec<Row> = staff_rows
        .iter()
        .map(|r| Row::Staff(r))
        .chain(child_rows.iter().map(|r| Row::Child(r)))
        .collect();
    let total = pending.len();
    let mut done = 0;
    loop {
        let mut failed: Vec<(Row, Vec<RowError>)> = Vec::new();
        let before = pending.len();
        for row in pending {
            let (sheet, reason) = match row {
                Row::Staff(_) => (&extracts.staff, "staff"),
                Row::Child(_) => (&extracts.children, "children"),
            };
            let reason = Some(format!(
                "from the {reason} extract {}",
                file_name(&sheet_name(sheet))
            ));
            match attempt(tx, setting, by, &row, reason)? {
                Ok(outcome) => {
                    done += 1;
                    progress(done, total);
                    match outcome {
                        Outcome::Changed(change) => imported.changes.push(change),
                        Outcome::Unchanged => imported.unchanged += 1,
                        Outcome::Closed(note) => imported.closed.push(note),
                    }
                }
                Err(found) => failed.push((row, found)),
            }
        }
        if failed.is_empty() || failed.len() == before {
            for (row, found) in failed {
                let sheet = match row {
                    Row::Staff(_) => &staff_name,
                    Row::Child(_) => &children_name,
                };
                errors.extend(found.into_iter().map(|e| (sheet.clone(), e)));
            }
            break;
        }
        pending = failed.into_iter().map(|(row, _)| row).collect();
    }
    // Everyone whose role changed still fits every slot they hold, now that every row is in.
    for change in &imported.changes {
        if let Change::StaffUpdated { before, after, .. } = change {
            if before.role == after.role {
                continue;
            }
            if let Err(e) = directory::still_fits(tx, after, by.on) {
                let row = staff_rows
                    .iter()
                    .find(|r| r.id == after.id)
                    .map_or(0, |r| r.row);
                errors.push((staff_name.clone(), row_error(row, "role", e)?));
            }
        }
    }
    if !errors.is_empty() {
        return Err(RowErrors::new(errors, "nothing was imported", true).into());
    }

    if extracts.staff.is_some() {
        let listed: BTreeSet<&str> = staff_rows.iter().map(|r| r.id.as_str()).collect();
        imported.missing_staff = tx
            .all_staff()?
            .into_iter()
            .filter(|s| s.left_on.is_none() && !listed.contains(s.id.as_str()))
            .map(|s| s.id)
            .collect();
        imported.missing_staff.sort();
    }
    if extracts.children.is_some() {
        let listed: BTreeSet<&str> = child_rows.iter().map(|r| r.reference.as_str()).collect();
        imported.missing_children = tx
            .children(None, None)?
            .into_iter()
            .filter(|c| c.ceased_on.is_none() && !listed.contains(c.reference.as_str()))
            .map(|c| c.reference)
            .collect();
    }
    Ok(imported)
}

fn sheet_name(sheet: &Option<Sheet>) -> String {
    sheet.as_ref().map(|s| s.name.clone()).unwrap_or_default()
}

fn file_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string())
}

/// A rule's or a value's error, kept for its row; anything else (the database failing) stops the import.
fn row_error(at: usize, column: &'static str, e: anyhow::Error) -> anyhow::Result<RowError> {
    if e.chain().any(|c| c.is::<Refusal>() || c.is::<Problem>()) {
        Ok(RowError::from_error(at, column, &e))
    } else {
        Err(e)
    }
}

/// Tries one row: `Err` inside for the rules or values that refuse it (kept for the row), outside for
/// the database failing (which stops the import).
fn attempt(
    tx: &Tx,
    setting: &Setting,
    by: By,
    row: &Row,
    reason: Option<String>,
) -> anyhow::Result<Result<Outcome, Vec<RowError>>> {
    let on_row = |at: usize, column: &'static str, e: anyhow::Error| {
        row_error(at, column, e).map(|e| Err(vec![e]))
    };
    match row {
        Row::Staff(r) => {
            let before = tx.staff(&r.id)?;
            if let Some(left) = before.as_ref().and_then(|b| b.left_on) {
                return Ok(Ok(Outcome::Closed(format!(
                    "{} left on {left}: their row in the staff extract was not applied",
                    r.id
                ))));
            }
            if let Some(login) = &r.login {
                if let Some(other) = tx.staff_by_login(login)?.filter(|o| o.id != r.id) {
                    return Ok(Err(vec![RowError::new(
                        r.row,
                        "login",
                        format!("the login '{login}' is {}'s already", other.id),
                    )]));
                }
            }
            let outcome = match before {
                None => {
                    let staff = Staff {
                        id: r.id.clone(),
                        name: r.name.clone(),
                        role: r.role,
                        email: r.email.clone(),
                        team: r.team.clone(),
                        login: r.login.clone(),
                        left_on: None,
                    };
                    directory::add_staff(tx, setting, by, staff).map(Outcome::Changed)
                }
                Some(before) => {
                    let after = Staff {
                        name: r.name.clone(),
                        role: r.role,
                        email: r.email.clone(),
                        team: r.team.clone().or_else(|| before.team.clone()),
                        login: r.login.clone().or_else(|| before.login.clone()),
                        ..before.clone()
                    };
                    // A new role is checked against the allocation once the children extract
                    // is in, so someone promoted and their children moved go in together.
                    return match directory::revise_staff_unchecked(
                        tx, setting, by, before, after, reason,
                    ) {
                        Ok(Some(change)) => Ok(Ok(Outcome::Changed(change))),
                        Ok(None) => Ok(Ok(Outcome::Unchanged)),
                        Err(e) => on_row(r.row, "(row)", e),
                    };
                }
            };
            match outcome {
                Ok(outcome) => Ok(Ok(outcome)),
                Err(e) => on_row(r.row, "(row)", e),
            }
        }
        Row::Child(r) => {
            let before = tx.child(&r.reference)?;
            if let Some(ceased) = before.as_ref().and_then(|b| b.ceased_on) {
                return Ok(Ok(Outcome::Closed(format!(
                    "{} stopped being looked after on {ceased}: their row in the children extract was not applied",
                    r.reference
                ))));
            }
            let mut after = before.clone().unwrap_or_else(|| Child {
                reference: r.reference.clone(),
                name: r.name.clone(),
                team: r.team.clone(),
                social_worker: String::new(),
                practice_supervisor: None,
                team_manager: String::new(),
                service_manager: String::new(),
                assistant_director: None,
                iro: String::new(),
                iro_team_manager: String::new(),
                ceased_on: None,
                cease_reason: None,
            });
            after.name = r.name.clone();
            after.team = r.team.clone();
            for (slot, holder) in &r.slots {
                after.set_slot(*slot, holder.clone());
            }
            if before.as_ref() == Some(&after) {
                return Ok(Ok(Outcome::Unchanged));
            }
            // Each slot that does not fit is a column to look at.
            let wrong = directory::misallocated(tx, &after, by.on)?;
            if !wrong.is_empty() {
                let found = wrong
                    .into_iter()
                    .map(|(slot, e)| row_error(r.row, slot.column(), e))
                    .collect::<anyhow::Result<Vec<_>>>()?;
                return Ok(Err(found));
            }
            let made = match before {
                None => directory::add_child(tx, setting, by, after).map(Some),
                Some(_) => {
                    let reallocation = Reallocation {
                        slots: r.slots.clone(),
                        team: Some(r.team.clone()),
                        name: Some(r.name.clone()),
                    };
                    directory::reallocate(tx, setting, by, &r.reference, reallocation, reason)
                }
            };
            match made {
                Ok(Some(change)) => Ok(Ok(Outcome::Changed(change))),
                Ok(None) => Ok(Ok(Outcome::Unchanged)),
                Err(e) => on_row(r.row, "(row)", e),
            }
        }
    }
}
