//! The directory as a dated history (rule 13): the changes people make to who works in the service,
//! which children are looked after and who is allocated to them, and who covers for whom; and the pure
//! judgements each change must pass before it is recorded.
//!
//! A change is an event on the same chain as the steps, so the directory can be replayed from its
//! events and the record shows who changed it, when it took effect and when it was recorded.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::{Child, Cover, Role, Slot, Staff};

use super::refusal::{refuse, Refusal, Rule};

/// One change to the directory, as recorded: what it was, with the record before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Change {
    StaffAdded {
        staff: Box<Staff>,
    },
    StaffUpdated {
        before: Box<Staff>,
        after: Box<Staff>,
        reason: Option<String>,
    },
    /// They left on the change's day; what they held passed to `successor`.
    StaffLeft {
        before: Box<Staff>,
        successor: Option<String>,
        reason: Option<String>,
    },
    ChildAdded {
        child: Box<Child>,
    },
    ChildReallocated {
        before: Box<Child>,
        after: Box<Child>,
        reason: Option<String>,
    },
    /// The child stopped being looked after on the change's day.
    ChildCeased {
        before: Box<Child>,
        reason: String,
    },
    CoverSet {
        cover: Cover,
    },
    ClosureDayAdded {
        day: NaiveDate,
        reason: String,
    },
}

/// Every kind of directory change, as the `kind` column stores it.
pub const CHANGE_KINDS: &[&str] = &[
    "staff-added",
    "staff-updated",
    "staff-left",
    "child-added",
    "child-reallocated",
    "child-ceased",
    "cover-set",
    "closure-day-added",
];

impl Change {
    /// The kebab-case word stored in the `kind` column.
    pub fn kind(&self) -> &'static str {
        match self {
            Change::StaffAdded { .. } => "staff-added",
            Change::StaffUpdated { .. } => "staff-updated",
            Change::StaffLeft { .. } => "staff-left",
            Change::ChildAdded { .. } => "child-added",
            Change::ChildReallocated { .. } => "child-reallocated",
            Change::ChildCeased { .. } => "child-ceased",
            Change::CoverSet { .. } => "cover-set",
            Change::ClosureDayAdded { .. } => "closure-day-added",
        }
    }

    /// The child a change is about, for the event's `child` column.
    pub fn child(&self) -> Option<&str> {
        match self {
            Change::ChildAdded { child } => Some(&child.reference),
            Change::ChildReallocated { after, .. } => Some(&after.reference),
            Change::ChildCeased { before, .. } => Some(&before.reference),
            _ => None,
        }
    }

    /// The member of staff a change is about, if it is about one.
    pub fn staff(&self) -> Option<&str> {
        match self {
            Change::StaffAdded { staff } => Some(&staff.id),
            Change::StaffUpdated { after, .. } => Some(&after.id),
            Change::StaffLeft { before, .. } => Some(&before.id),
            Change::CoverSet { cover } => Some(&cover.absent),
            _ => None,
        }
    }

    /// The row a change leaves in force from its day `on`: the staff or child record as it stands after
    /// it, the cover it sets or the closure day it adds. The store writes it and the audit's replay
    /// folds it, so the two cannot disagree about what a change means.
    pub fn leaves(&self, on: NaiveDate) -> Leaves {
        match self {
            Change::StaffAdded { staff } => Leaves::Staff((**staff).clone()),
            Change::StaffUpdated { after, .. } => Leaves::Staff((**after).clone()),
            Change::StaffLeft { before, .. } => Leaves::Staff(Staff {
                left_on: Some(on),
                ..(**before).clone()
            }),
            Change::ChildAdded { child } => Leaves::Child((**child).clone()),
            Change::ChildReallocated { after, .. } => Leaves::Child((**after).clone()),
            Change::ChildCeased { before, reason } => Leaves::Child(Child {
                ceased_on: Some(on),
                cease_reason: Some(reason.clone()),
                ..(**before).clone()
            }),
            Change::CoverSet { cover } => Leaves::Cover(cover.clone()),
            Change::ClosureDayAdded { day, reason } => Leaves::ClosureDay(*day, reason.clone()),
        }
    }

    /// One line for people, as the history and the chronology print it.
    pub fn describe(&self) -> String {
        match self {
            Change::StaffAdded { staff } => format!(
                "{} ({}) joined as {}{}",
                staff.name,
                staff.id,
                staff.role.with_article(),
                staff
                    .team
                    .as_deref()
                    .map(|t| format!(" in {t}"))
                    .unwrap_or_default()
            ),
            Change::StaffUpdated {
                before,
                after,
                reason,
            } => {
                let mut changed = Vec::new();
                let mut field = |name: &str, was: String, now: String| {
                    if was != now {
                        changed.push(format!("{name} {was} to {now}"));
                    }
                };
                field("name", before.name.clone(), after.name.clone());
                field("role", before.role.to_string(), after.role.to_string());
                field("e-mail", before.email.clone(), after.email.clone());
                field(
                    "team",
                    before.team.clone().unwrap_or_default(),
                    after.team.clone().unwrap_or_default(),
                );
                field(
                    "login",
                    before.login.clone().unwrap_or_default(),
                    after.login.clone().unwrap_or_default(),
                );
                let what = if changed.is_empty() {
                    "nothing".to_string()
                } else {
                    changed.join(", ")
                };
                format!("{} changed: {what}{}", after.id, because(reason))
            }
            Change::StaffLeft {
                before,
                successor,
                reason,
            } => format!(
                "{} ({}) left{}{}",
                before.name,
                before.id,
                successor
                    .as_deref()
                    .map(|s| format!("; their work passed to {s}"))
                    .unwrap_or_default(),
                because(reason)
            ),
            Change::ChildAdded { child } => format!(
                "{} became looked after, in team {}, IRO {}",
                child.reference, child.team, child.iro
            ),
            Change::ChildReallocated {
                before,
                after,
                reason,
            } => {
                let mut changed: Vec<String> = crate::model::Slot::ALL
                    .iter()
                    .filter(|slot| before.in_slot(**slot) != after.in_slot(**slot))
                    .map(|slot| {
                        format!(
                            "{slot} {} to {}",
                            before.in_slot(*slot).unwrap_or("(none)"),
                            after.in_slot(*slot).unwrap_or("(none)")
                        )
                    })
                    .collect();
                if before.team != after.team {
                    changed.insert(0, format!("team {} to {}", before.team, after.team));
                }
                if before.name != after.name {
                    // Not the names themselves: a chronology is shared redacted.
                    changed.insert(0, "name changed".to_string());
                }
                format!(
                    "{} reallocated: {}{}",
                    after.reference,
                    changed.join(", "),
                    because(reason)
                )
            }
            Change::ChildCeased { before, reason } => {
                format!("{} stopped being looked after: {reason}", before.reference)
            }
            Change::CoverSet { cover } => format!(
                "{} covers for {} from {}{}{}",
                cover.by,
                cover.absent,
                cover.from,
                cover
                    .to
                    .map(|to| format!(" to {to}"))
                    .unwrap_or_else(|| " until further notice".to_string()),
                because(&cover.reason)
            ),
            Change::ClosureDayAdded { day, reason } => {
                format!("{day} became a closure day: {reason}")
            }
        }
    }
}

fn because(reason: &Option<String>) -> String {
    reason
        .as_deref()
        .map(|r| format!(" ({r})"))
        .unwrap_or_default()
}

/// What a change leaves in force: one directory row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leaves {
    Staff(Staff),
    Child(Child),
    Cover(Cover),
    ClosureDay(NaiveDate, String),
}

/// One version of a record with the day it took effect and the event that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version<T> {
    pub key: String,
    pub from_on: NaiveDate,
    pub event: i64,
    pub record: T,
}

/// The directory as its changes leave it, every table of it: what the state tables must hold if nothing
/// has been edited behind the record's back. Built by folding the changes in the order recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replayed {
    pub staff: std::collections::BTreeMap<String, Staff>,
    pub staff_versions: Vec<Version<Staff>>,
    pub children: std::collections::BTreeMap<String, Child>,
    pub allocations: Vec<Version<Child>>,
    /// Each cover with the event that set it.
    pub covers: Vec<(i64, Cover)>,
    /// Each closure day with its reason and the event that added it.
    pub closure_days: std::collections::BTreeMap<NaiveDate, (String, i64)>,
}

impl Replayed {
    /// Folds in the change recorded as `event`, in force from `on`.
    pub fn apply(&mut self, event: i64, on: NaiveDate, change: &Change) {
        match change.leaves(on) {
            Leaves::Staff(staff) => {
                self.staff_versions.push(Version {
                    key: staff.id.clone(),
                    from_on: on,
                    event,
                    record: staff.clone(),
                });
                self.staff.insert(staff.id.clone(), staff);
            }
            Leaves::Child(child) => {
                self.allocations.push(Version {
                    key: child.reference.clone(),
                    from_on: on,
                    event,
                    record: child.clone(),
                });
                self.children.insert(child.reference.clone(), child);
            }
            Leaves::Cover(cover) => self.covers.push((event, cover)),
            Leaves::ClosureDay(day, reason) => {
                self.closure_days.insert(day, (reason, event));
            }
        }
    }
}

/// A change takes effect on a day that is not in the future and not before the last change to the same
/// person or child, so each one's history runs in one order.
pub fn dated(
    on: NaiveDate,
    today: NaiveDate,
    subject: &str,
    last_change: Option<NaiveDate>,
) -> Result<(), Refusal> {
    if on > today {
        return refuse(
            Rule::Directory,
            format!("the change is dated {on}, which is in the future (today is {today})"),
        );
    }
    if let Some(last) = last_change.filter(|last| on < *last) {
        return refuse(
            Rule::Directory,
            format!("{subject} last changed on {last}: a change cannot be dated before it ({on})"),
        );
    }
    Ok(())
}

/// A change that re-reads who someone was (a leaving date, a new role, a reallocation) cannot be dated
/// before a step that was judged and told by how things were: the record of each step stays true.
pub fn after_steps(on: NaiveDate, last_step: Option<NaiveDate>, what: &str) -> Result<(), Refusal> {
    match last_step {
        Some(last) if on < last => refuse(
            Rule::Directory,
            format!("{what} on {last}, judged by the directory as it stood: a change cannot be dated before it ({on})"),
        ),
        _ => Ok(()),
    }
}

/// Whether `staff` may be allocated in `slot` on `on`: their role fits and they are in post.
pub fn fits(slot: Slot, staff: &Staff, on: NaiveDate) -> Result<(), Refusal> {
    if !slot.roles().contains(&staff.role) {
        return refuse(
            Rule::Directory,
            format!(
                "{} is {}, not {}: they cannot be a child's {slot}",
                staff.id,
                staff.role.with_article(),
                slot.roles()
                    .iter()
                    .map(|r| r.with_article())
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        );
    }
    if !staff.in_post_on(on) {
        return refuse(
            Rule::Directory,
            format!(
                "{} left on {}: they cannot be allocated to a child on {on}",
                staff.id,
                staff.left_on.map(|d| d.to_string()).unwrap_or_default()
            ),
        );
    }
    Ok(())
}

/// What a leaver holds that must pass to someone: open actions on running matters (matter, action
/// number) and children allocated to them (child, slot).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Held {
    pub actions: Vec<(String, u32)>,
    pub allocations: Vec<(String, Slot)>,
}

/// Whether `leaver` may leave on `on`: with nothing held, or with a successor in post who may take
/// each slot they held.
pub fn leaving(
    leaver: &Staff,
    on: NaiveDate,
    held: &Held,
    successor: Option<&Staff>,
) -> Result<(), Refusal> {
    if leaver.left_on.is_some() {
        return refuse(
            Rule::Directory,
            format!(
                "{} left already, on {}",
                leaver.id,
                leaver.left_on.map(|d| d.to_string()).unwrap_or_default()
            ),
        );
    }
    let Some(successor) = successor else {
        if held.actions.is_empty() && held.allocations.is_empty() {
            return Ok(());
        }
        let mut what = Vec::new();
        if !held.actions.is_empty() {
            let actions: Vec<String> = held
                .actions
                .iter()
                .map(|(m, seq)| format!("{m} action {seq}"))
                .collect();
            what.push(format!("open actions {}", actions.join(", ")));
        }
        if !held.allocations.is_empty() {
            let children: Vec<String> = held
                .allocations
                .iter()
                .map(|(c, slot)| format!("{c} ({slot})"))
                .collect();
            what.push(format!("children {}", children.join(", ")));
        }
        return refuse(
            Rule::Directory,
            format!(
                "{} still holds {}: name who takes them over with --successor",
                leaver.id,
                what.join(" and ")
            ),
        );
    };
    if successor.id == leaver.id {
        return refuse(Rule::Directory, "a leaver cannot be their own successor");
    }
    for (_, slot) in &held.allocations {
        fits(*slot, successor, on)?;
    }
    if !successor.in_post_on(on) {
        return refuse(
            Rule::Directory,
            format!("the successor {} has left", successor.id),
        );
    }
    Ok(())
}

/// Whether two covers share a day.
fn overlap(a: &Cover, b: &Cover) -> bool {
    let ends_before = |x: &Cover, y: &Cover| x.to.is_some_and(|to| to < y.from);
    !ends_before(a, b) && !ends_before(b, a)
}

/// Whether a cover may be set: someone in post covers someone else in post, over days in order, with
/// one cover at a time for anyone away and no one covering for someone who covers for them.
/// `existing` is every cover already set for or by either of them.
pub fn cover(cover: &Cover, absent: &Staff, by: &Staff, existing: &[Cover]) -> Result<(), Refusal> {
    if absent.id == by.id {
        return refuse(
            Rule::Directory,
            format!("{} cannot cover for themselves", by.id),
        );
    }
    if !absent.in_post_on(cover.from) {
        return refuse(
            Rule::Directory,
            format!(
                "{} left on {}: there is no one to cover for from {}",
                absent.id,
                absent.left_on.map(|d| d.to_string()).unwrap_or_default(),
                cover.from
            ),
        );
    }
    for other in existing.iter().filter(|other| overlap(cover, other)) {
        let until = other
            .to
            .map(|to| format!("to {to}"))
            .unwrap_or_else(|| "until further notice".to_string());
        if other.absent == cover.absent {
            return refuse(
                Rule::Directory,
                format!(
                    "{} is covered already, by {} from {} {until}: one cover at a time",
                    cover.absent, other.by, other.from
                ),
            );
        }
        if other.absent == cover.by && other.by == cover.absent {
            return refuse(
                Rule::Directory,
                format!(
                    "{} covers for {} from {} {until}: they cannot cover for each other",
                    cover.absent, cover.by, other.from
                ),
            );
        }
        if other.absent == cover.by {
            return refuse(
                Rule::Directory,
                format!(
                    "{} is away then themselves (covered by {} from {} {until})",
                    cover.by, other.by, other.from
                ),
            );
        }
    }
    if let Some(to) = cover.to.filter(|to| *to < cover.from) {
        return refuse(
            Rule::Directory,
            format!(
                "a cover ends on or after the day it starts: {to} is before {}",
                cover.from
            ),
        );
    }
    if !by.in_post_on(cover.from) {
        return refuse(
            Rule::Directory,
            format!(
                "{} left on {}: they cannot cover from {}",
                by.id,
                by.left_on.map(|d| d.to_string()).unwrap_or_default(),
                cover.from
            ),
        );
    }
    // A cover acts for the absent person, so holds a role that could.
    let can = match absent.role {
        Role::Iro => matches!(
            by.role,
            Role::Iro | Role::IroTeamManager | Role::SeniorIroManager
        ),
        Role::IroTeamManager => matches!(by.role, Role::IroTeamManager | Role::SeniorIroManager),
        other => by.role == other || rank(by.role) > rank(other),
    };
    if !can {
        return refuse(
            Rule::Directory,
            format!(
                "{} is {}: they cannot act for {}, {}",
                by.id,
                by.role.with_article(),
                absent.id,
                absent.role.with_article()
            ),
        );
    }
    Ok(())
}

/// Where a role stands in the social work line of management (0 outside it).
pub fn rank(role: Role) -> u8 {
    match role {
        Role::SocialWorker => 1,
        Role::PracticeSupervisor => 2,
        Role::TeamManager => 3,
        Role::ServiceManager => 4,
        Role::AssistantDirector => 5,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::person;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("a date")
    }

    #[test]
    fn changes_run_in_order_and_never_ahead_of_today() {
        assert!(dated(
            day("2026-11-20"),
            day("2026-11-26"),
            "bking",
            Some(day("2026-11-01"))
        )
        .is_ok());
        let ahead = dated(day("2026-11-27"), day("2026-11-26"), "bking", None).unwrap_err();
        assert!(ahead.message.contains("future"));
        let before = dated(
            day("2026-10-01"),
            day("2026-11-26"),
            "bking",
            Some(day("2026-11-01")),
        )
        .unwrap_err();
        assert!(
            before.message.contains("last changed on 2026-11-01"),
            "{}",
            before.message
        );
    }

    #[test]
    fn a_leaver_with_work_needs_a_successor_who_can_take_it() {
        let leaver = person("bking");
        let held = Held {
            actions: vec![("Q-2026-0001".into(), 1)],
            allocations: vec![("LCS-104233".into(), Slot::SocialWorker)],
        };
        let refused = leaving(&leaver, day("2026-11-20"), &held, None).unwrap_err();
        assert_eq!(refused.rule, Rule::Directory);
        assert!(
            refused.message.contains("Q-2026-0001 action 1"),
            "{}",
            refused.message
        );
        assert!(
            refused.message.contains("LCS-104233 (social-worker)"),
            "{}",
            refused.message
        );
        let wrong =
            leaving(&leaver, day("2026-11-20"), &held, Some(&person("tgreen"))).unwrap_err();
        assert!(
            wrong.message.contains("cannot be a child's social-worker"),
            "{}",
            wrong.message
        );
        let mut new_worker = person("bking");
        new_worker.id = "nworker".into();
        assert!(leaving(&leaver, day("2026-11-20"), &held, Some(&new_worker)).is_ok());
        assert!(leaving(&leaver, day("2026-11-20"), &Held::default(), None).is_ok());
    }

    #[test]
    fn a_cover_is_someone_else_who_could_act_over_days_in_order() {
        let cover_of = |to| Cover {
            absent: "asmith".into(),
            by: "pother".into(),
            from: day("2026-11-02"),
            to,
            reason: None,
        };
        let (asmith, pother) = (person("asmith"), person("pother"));
        assert!(cover(&cover_of(Some(day("2026-11-30"))), &asmith, &pother, &[]).is_ok());
        let backwards = cover(&cover_of(Some(day("2026-11-01"))), &asmith, &pother, &[]);
        assert!(backwards.unwrap_err().message.contains("before"));
        let by_a_social_worker = cover(&cover_of(None), &asmith, &person("bking"), &[]);
        assert!(by_a_social_worker
            .unwrap_err()
            .message
            .contains("cannot act for asmith"));
        assert!(cover(&cover_of(None), &asmith, &asmith, &[]).is_err());
        // Someone who has left has no one to cover for.
        let left = Staff {
            left_on: Some(day("2026-10-30")),
            ..asmith.clone()
        };
        assert!(cover(&cover_of(None), &left, &pother, &[])
            .unwrap_err()
            .message
            .contains("asmith left on 2026-10-30"));
    }

    #[test]
    fn covers_do_not_overlap_for_one_person_or_cross() {
        let set = |absent: &str, by: &str, from: &str, to: Option<&str>| Cover {
            absent: absent.into(),
            by: by.into(),
            from: day(from),
            to: to.map(day),
            reason: None,
        };
        let (asmith, pother, jwhite) = (person("asmith"), person("pother"), person("jwhite"));
        let existing = [set("asmith", "pother", "2026-11-02", Some("2026-11-13"))];
        // A second cover for asmith on any shared day is refused; on the days after, it is fine.
        let second = set("asmith", "jwhite", "2026-11-13", None);
        let refused = cover(&second, &asmith, &jwhite, &existing).unwrap_err();
        assert!(
            refused
                .message
                .contains("asmith is covered already, by pother"),
            "{}",
            refused.message
        );
        assert!(cover(
            &set("asmith", "jwhite", "2026-11-16", None),
            &asmith,
            &jwhite,
            &existing
        )
        .is_ok());
        // Nor may they cover for each other, nor may someone away cover.
        let back = set("pother", "asmith", "2026-11-09", Some("2026-11-10"));
        assert!(cover(&back, &pother, &asmith, &existing)
            .unwrap_err()
            .message
            .contains("cannot cover for each other"));
        let away = set("jwhite", "asmith", "2026-11-05", Some("2026-11-06"));
        assert!(cover(&away, &jwhite, &asmith, &existing)
            .unwrap_err()
            .message
            .contains("asmith is away then themselves"));
    }
}
