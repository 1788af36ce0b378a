//! Changing the directory (rule 13): people join, change, leave and cover for each other; children are
//! added, reallocated and stop being looked after; closure days are set. Each change is judged
//! (`engine::directory`), recorded as an event with the state it leaves, and dated.

use chrono::NaiveDate;

use super::{find_child, find_staff, Setting};
use crate::engine::authority::{may_in_role, Act};
use crate::engine::directory::{self, Change};
use crate::engine::{evolve, Event, Refusal, Rule, Step};
use crate::error::Problem;
use crate::model::{Child, Cover, Slot, Staff};
use crate::store::Tx;

/// Who makes a change, and the day it takes effect.
#[derive(Debug, Clone, Copy)]
pub struct By<'a> {
    /// The member of staff (or, setting a directory up, the login) making the change.
    pub actor: &'a str,
    pub on: NaiveDate,
}

fn dated(setting: &Setting, by: By, subject: &str, last: Option<NaiveDate>) -> anyhow::Result<()> {
    directory::dated(by.on, setting.clock.latest(), subject, last)?;
    Ok(())
}

/// A new member of staff.
pub fn add_staff(tx: &Tx, setting: &Setting, by: By, staff: Staff) -> anyhow::Result<Change> {
    super::identity::may_change_directory(tx, setting, by.actor)?;
    if tx.staff(&staff.id)?.is_some() {
        return Err(
            Problem::Usage(format!("there is already a member of staff '{}'", staff.id)).into(),
        );
    }
    login_free(tx, &staff)?;
    dated(setting, by, &staff.id, None)?;
    let change = Change::StaffAdded {
        staff: Box::new(staff),
    };
    tx.record_change(&change, by.actor, by.on, &setting.entered(tx)?)?;
    Ok(change)
}

/// Sets a directory up from nothing: the first member of staff who may change the directory (an admin
/// or an IRO manager) is added by `by`, and everyone else and every child by them, as the rule asks
/// once one exists. Gives who made the changes, for any that follow.
pub fn set_up<'a>(
    tx: &Tx,
    setting: &Setting,
    by: By<'a>,
    staff: &'a [Staff],
    children: &[Child],
) -> anyhow::Result<By<'a>> {
    let first = staff
        .iter()
        .find(|s| may_in_role(s, Act::ChangeDirectory).is_ok());
    let mut now_by = by;
    if let Some(first) = first {
        add_staff(tx, setting, by, first.clone())?;
        now_by = By {
            actor: &first.id,
            on: by.on,
        };
    }
    for s in staff.iter().filter(|s| Some(*s) != first) {
        add_staff(tx, setting, now_by, s.clone())?;
    }
    for child in children {
        add_child(tx, setting, now_by, child.clone())?;
    }
    Ok(now_by)
}

/// A login belongs to one member of staff only.
fn login_free(tx: &Tx, staff: &Staff) -> anyhow::Result<()> {
    if let Some(login) = &staff.login {
        if let Some(other) = tx.staff_by_login(login)?.filter(|o| o.id != staff.id) {
            return Err(
                Problem::Usage(format!("the login '{login}' is {}'s already", other.id)).into(),
            );
        }
    }
    Ok(())
}

/// What `staff update` may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct StaffUpdate {
    pub name: Option<String>,
    pub email: Option<String>,
    pub team: Option<String>,
    pub role: Option<crate::model::Role>,
    pub login: Option<String>,
}

/// A dated change to a member of staff; `None` when it changes nothing.
pub fn update_staff(
    tx: &Tx,
    setting: &Setting,
    by: By,
    id: &str,
    update: StaffUpdate,
    reason: Option<String>,
) -> anyhow::Result<Option<Change>> {
    let before = find_staff(tx, id)?;
    let mut after = before.clone();
    if let Some(name) = update.name {
        after.name = name;
    }
    if let Some(email) = update.email {
        after.email = email;
    }
    if let Some(team) = update.team {
        after.team = Some(team);
    }
    if let Some(role) = update.role {
        after.role = role;
    }
    if let Some(login) = update.login {
        after.login = Some(login);
    }
    revise_staff(tx, setting, by, before, after, reason)
}

/// A member of staff changed from `before` (as they stand) to `after`, dated; `None` when nothing
/// differs. A new role must still fit every slot they are allocated to.
pub fn revise_staff(
    tx: &Tx,
    setting: &Setting,
    by: By,
    before: Staff,
    after: Staff,
    reason: Option<String>,
) -> anyhow::Result<Option<Change>> {
    if after.role != before.role {
        still_fits(tx, &after, by.on)?;
    }
    revise_staff_unchecked(tx, setting, by, before, after, reason)
}

/// Whether a member of staff, as `staff` says, still fits every slot they are allocated to.
pub fn still_fits(tx: &Tx, staff: &Staff, on: NaiveDate) -> anyhow::Result<()> {
    let mut misfits = Vec::new();
    let mut refused = None;
    for (child, slot) in tx.held_by(&staff.id)?.allocations {
        if let Err(r) = directory::fits(slot, staff, on) {
            misfits.push(format!("{child} ({slot})"));
            refused.get_or_insert(r);
        }
    }
    match refused {
        None => Ok(()),
        Some(r) => Err(Refusal {
            message: format!(
                "{} as {}, yet allocated to {}: reallocate them first",
                staff.id,
                staff.role.with_article(),
                misfits.join(", ")
            ),
            ..r
        }
        .into()),
    }
}

/// [`revise_staff`] without the check that a new role fits their allocations, for a caller that makes
/// it once its other changes are in (an extract that promotes someone and moves their children).
pub(super) fn revise_staff_unchecked(
    tx: &Tx,
    setting: &Setting,
    by: By,
    before: Staff,
    after: Staff,
    reason: Option<String>,
) -> anyhow::Result<Option<Change>> {
    super::identity::may_change_directory(tx, setting, by.actor)?;
    if after == before {
        return Ok(None);
    }
    let id = &before.id;
    if let Some(left) = before.left_on {
        return Err(Refusal {
            rule: Rule::Directory,
            message: format!("{id} left on {left}: their record is closed"),
        }
        .into());
    }
    login_free(tx, &after)?;
    dated(setting, by, id, tx.last_staff_change(id)?)?;
    if after.role != before.role {
        directory::after_steps(
            by.on,
            tx.last_part_taken(id)?,
            &format!("{id} took part in a step as {}", before.role.with_article()),
        )?;
    }
    let change = Change::StaffUpdated {
        before: Box::new(before),
        after: Box::new(after),
        reason,
    };
    tx.record_change(&change, by.actor, by.on, &setting.entered(tx)?)?;
    Ok(Some(change))
}

/// What a leaver's work became.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Left {
    /// Open actions that passed to the successor: (matter, action number).
    pub actions: Vec<(String, u32)>,
    /// Children reallocated to the successor, with the slots they took.
    pub children: Vec<(String, Vec<Slot>)>,
    /// Who could not be told of an action passed on, and why.
    pub warnings: Vec<String>,
}

/// A member of staff leaves on `by.on`: refused while they hold open actions or children unless a
/// successor is named, in which case each passes to the successor, dated, in the same transaction.
pub fn leave(
    tx: &Tx,
    setting: &Setting,
    by: By,
    id: &str,
    successor: Option<&str>,
    reason: Option<String>,
) -> anyhow::Result<Left> {
    super::identity::may_change_directory(tx, setting, by.actor)?;
    let leaver = find_staff(tx, id)?;
    let successor = successor.map(|s| find_staff(tx, s)).transpose()?;
    dated(setting, by, id, tx.last_staff_change(id)?)?;
    directory::after_steps(
        by.on,
        tx.last_part_taken(id)?,
        &format!("{id} took part in a step"),
    )?;
    let held = tx.held_by(id)?;
    directory::leaving(&leaver, by.on, &held, successor.as_ref())?;
    let mut left = Left::default();
    if let Some(successor) = &successor {
        for (matter_id, seq) in &held.actions {
            let matter = super::find_matter(tx, matter_id)?;
            // The owner changes on the day they left, or after the matter's last step if that is later.
            let on = by.on.max(matter.last_step_on);
            let step = Step {
                actor: by.actor.to_string(),
                on,
                event: Event::ActionReassigned {
                    seq: *seq,
                    from: leaver.id.clone(),
                    to: successor.id.clone(),
                    reason: format!("{} left on {}", leaver.id, by.on),
                },
            };
            let after = evolve(Some(matter), matter_id, &step)?;
            let steps = std::slice::from_ref(&step);
            let events = tx.record(&after, steps, &setting.entered(tx)?)?;
            // The successor owns a deadline now, and is told of it as any action's owner is (and the
            // child's IRO, of a step someone else took on their matter).
            if setting.notify {
                let child = super::child_on(tx, &after.child, on)?;
                let covers = tx.covers_on(on)?;
                left.warnings.extend(super::outbox::queue(
                    tx, setting, steps, &events, &after, &child, &covers,
                )?);
            }
            left.actions.push((matter_id.clone(), *seq));
        }
        let mut children: Vec<String> = held.allocations.iter().map(|(c, _)| c.clone()).collect();
        children.dedup();
        for reference in children {
            let before = find_child(tx, &reference)?;
            let slots: Vec<Slot> = held
                .allocations
                .iter()
                .filter(|(c, _)| *c == reference)
                .map(|(_, slot)| *slot)
                .collect();
            let mut after = before.clone();
            for slot in &slots {
                after.set_slot(*slot, Some(successor.id.clone()));
            }
            // From the day they left, or after the child's last change or step if later: a step
            // already taken keeps the allocation it was judged by.
            let on = by
                .on
                .max(tx.last_child_change(&reference)?.unwrap_or(by.on))
                .max(tx.last_step_on_child(&reference)?.unwrap_or(by.on));
            let change = Change::ChildReallocated {
                before: Box::new(before),
                after: Box::new(after),
                reason: Some(format!("{} left; {} takes over", leaver.id, successor.id)),
            };
            tx.record_change(&change, by.actor, on, &setting.entered(tx)?)?;
            left.children.push((reference, slots));
        }
    }
    let change = Change::StaffLeft {
        before: Box::new(leaver),
        successor: successor.map(|s| s.id),
        reason,
    };
    tx.record_change(&change, by.actor, by.on, &setting.entered(tx)?)?;
    Ok(left)
}

/// Every slot of a child's allocation that does not name someone in the directory whose role fits, in
/// post on the day: the slot, and why.
pub fn misallocated(
    tx: &Tx,
    child: &Child,
    on: NaiveDate,
) -> anyhow::Result<Vec<(Slot, anyhow::Error)>> {
    let mut wrong = Vec::new();
    for slot in Slot::ALL {
        let Some(id) = child.in_slot(*slot) else {
            continue;
        };
        match tx.staff(id)? {
            None => wrong.push((*slot, find_staff(tx, id).expect_err("not in the directory"))),
            Some(staff) => {
                if let Err(refusal) = directory::fits(*slot, &staff, on) {
                    wrong.push((*slot, refusal.into()));
                }
            }
        }
    }
    Ok(wrong)
}

/// Checks every slot of a child's allocation names someone in the directory whose role fits, in post
/// on the day.
fn allocation_fits(tx: &Tx, child: &Child, on: NaiveDate) -> anyhow::Result<()> {
    let Some((slot, e)) = misallocated(tx, child, on)?.into_iter().next() else {
        return Ok(());
    };
    let id = child.in_slot(slot).unwrap_or_default();
    Err(match e.downcast::<Refusal>() {
        Ok(r) => Refusal {
            message: format!("--{slot} {id}: {}", r.message),
            ..r
        }
        .into(),
        Err(e) => e.context(format!("--{slot} {id}")),
    })
}

/// A child who has become looked after, with the people allocated to them.
pub fn add_child(tx: &Tx, setting: &Setting, by: By, child: Child) -> anyhow::Result<Change> {
    super::identity::may_change_directory(tx, setting, by.actor)?;
    if tx.child(&child.reference)?.is_some() {
        return Err(
            Problem::Usage(format!("there is already a child '{}'", child.reference)).into(),
        );
    }
    dated(setting, by, &child.reference, None)?;
    allocation_fits(tx, &child, by.on)?;
    let change = Change::ChildAdded {
        child: Box::new(child),
    };
    tx.record_change(&change, by.actor, by.on, &setting.entered(tx)?)?;
    Ok(change)
}

/// What a reallocation changes: slots given a new holder (`None` empties an optional one), the team,
/// and the name the child is known by, where the case system corrected it.
#[derive(Debug, Clone, Default)]
pub struct Reallocation {
    pub slots: Vec<(Slot, Option<String>)>,
    pub team: Option<String>,
    pub name: Option<String>,
}

/// A child reallocated on `by.on`; `None` when it changes nothing.
pub fn reallocate(
    tx: &Tx,
    setting: &Setting,
    by: By,
    reference: &str,
    reallocation: Reallocation,
    reason: Option<String>,
) -> anyhow::Result<Option<Change>> {
    super::identity::may_change_directory(tx, setting, by.actor)?;
    let before = find_child(tx, reference)?;
    if let Some(ceased) = before.ceased_on {
        return Err(Refusal {
            rule: Rule::Directory,
            message: format!(
                "{reference} stopped being looked after on {ceased}: there is no allocation to change"
            ),
        }
        .into());
    }
    let mut after = before.clone();
    for (slot, id) in reallocation.slots {
        after.set_slot(slot, id);
    }
    if let Some(team) = reallocation.team {
        after.team = team;
    }
    if let Some(name) = reallocation.name {
        after.name = name;
    }
    if after == before {
        return Ok(None);
    }
    dated(setting, by, reference, tx.last_child_change(reference)?)?;
    directory::after_steps(
        by.on,
        tx.last_step_on_child(reference)?,
        &format!("a matter of {reference} had a step"),
    )?;
    allocation_fits(tx, &after, by.on)?;
    let change = Change::ChildReallocated {
        before: Box::new(before),
        after: Box::new(after),
        reason,
    };
    tx.record_change(&change, by.actor, by.on, &setting.entered(tx)?)?;
    Ok(Some(change))
}

/// A child stops being looked after on `by.on`; gives their matters still open, which stay open.
pub fn cease(
    tx: &Tx,
    setting: &Setting,
    by: By,
    reference: &str,
    reason: String,
) -> anyhow::Result<Vec<String>> {
    super::identity::may_change_directory(tx, setting, by.actor)?;
    let before = find_child(tx, reference)?;
    if let Some(ceased) = before.ceased_on {
        return Err(Refusal {
            rule: Rule::Directory,
            message: format!("{reference} stopped being looked after already, on {ceased}"),
        }
        .into());
    }
    dated(setting, by, reference, tx.last_child_change(reference)?)?;
    tx.record_change(
        &Change::ChildCeased {
            before: Box::new(before),
            reason,
        },
        by.actor,
        by.on,
        &setting.entered(tx)?,
    )?;
    let open = tx
        .matters(&crate::store::MatterFilter {
            child: Some(reference.to_string()),
            ..Default::default()
        })?
        .into_iter()
        .filter(|l| !l.matter.state.is_finished())
        .map(|l| l.matter.id)
        .collect();
    Ok(open)
}

/// One member of staff acting for another for a period.
pub fn set_cover(tx: &Tx, setting: &Setting, by: By, cover: Cover) -> anyhow::Result<()> {
    super::identity::may_change_directory(tx, setting, by.actor)?;
    let absent = find_staff(tx, &cover.absent)?;
    let covering = find_staff(tx, &cover.by).map_err(|e| e.context("--by"))?;
    // Arranged today (or on `--on`); the period it covers may lie ahead.
    dated(setting, by, &cover.absent, None)?;
    let mut existing = tx.covers_of(&absent.id)?;
    existing.extend(tx.covers_of(&covering.id)?);
    directory::cover(&cover, &absent, &covering, &existing)?;
    tx.record_change(
        &Change::CoverSet { cover },
        by.actor,
        by.on,
        &setting.entered(tx)?,
    )?;
    Ok(())
}

/// A day the service does not work; false if it was one already.
pub fn add_closure_day(
    tx: &Tx,
    setting: &Setting,
    by: By,
    day: NaiveDate,
    reason: String,
) -> anyhow::Result<bool> {
    super::identity::may_change_directory(tx, setting, by.actor)?;
    if tx.closure_day(day)?.is_some() {
        return Ok(false);
    }
    let change = Change::ClosureDayAdded { day, reason };
    tx.record_change(&change, by.actor, by.on, &setting.entered(tx)?)?;
    Ok(true)
}
