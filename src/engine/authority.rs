//! Who may take each step: one table. The engine judges every step against it, and the help and the
//! protocol document name the same roles because they are read from it.
//!
//! A role is not enough: authority follows the child (rule 12). An IRO acts on the children allocated
//! to them, a challenge is the child's own team manager's, an EPCP/DRP resolution is recorded by the
//! child's own IRO team manager; whoever covers for one of them that day acts in their place.

use crate::model::{Child, Cover, Role, Staff};

use super::directory::rank;
use super::refusal::{refuse, Refusal, Rule};
use super::Judge;

/// A kind of step, as the table of who may take it knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    Consult,
    RaiseQap,
    Challenge,
    Extend,
    CompleteAction,
    Escalate,
    ResolveQap,
    /// Record that an EPCP/DRP matter is resolved (the manager who resolved it is named apart).
    RecordDrpResolution,
    ReferCafcass,
    RecordCafcassDecision,
    LegalAdvice,
    ProvidePack,
    BriefSenior,
    Meeting,
    AddActions,
    SupervisionNote,
    Note,
    /// Change the directory: staff, children, their allocation, cover, closure days.
    ChangeDirectory,
    /// Void, amend or withdraw a step someone else took (a step's author may correct their own).
    Correct,
}

/// Whose step it is on a child's matter, beyond the role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whose {
    /// Anyone in a role the row names.
    AnyInRole,
    /// An IRO acts on the children allocated to them (or to whoever they cover for); an IRO team
    /// manager or the senior IRO manager on any child.
    ChildsIro,
    /// Only the child's own social work team manager, or whoever covers for them.
    ChildsTeamManager,
    /// The child's own IRO team manager, whoever covers for them, or the senior IRO manager.
    ChildsIroTeamManager,
}

/// One row of the table: who may take a kind of step, and how the refusal says what it is.
#[derive(Debug, Clone, Copy)]
pub struct Authority {
    pub act: Act,
    /// The roles that may take it; empty for anyone in the directory.
    pub roles: &'static [Role],
    /// Which of them, for this child.
    pub whose: Whose,
    /// What the step is, in the words of a refusal: "only ... may {what}".
    pub what: &'static str,
}

use Role::*;

/// The IRO service: a senior IRO manager may do whatever an IRO team manager may.
const IRO_SERVICE: &[Role] = &[Iro, IroTeamManager, SeniorIroManager];
const IRO_MANAGERS: &[Role] = &[IroTeamManager, SeniorIroManager];

/// Who may take each step (rule 12).
pub const WHO_MAY: &[Authority] = &[
    Authority {
        act: Act::Consult,
        roles: IRO_SERVICE,
        whose: Whose::ChildsIro,
        what: "open a pre-review consultation",
    },
    Authority {
        act: Act::RaiseQap,
        roles: IRO_SERVICE,
        whose: Whose::ChildsIro,
        what: "raise a QAP",
    },
    Authority {
        act: Act::Challenge,
        roles: &[TeamManager],
        whose: Whose::ChildsTeamManager,
        what: "challenge QAP actions",
    },
    Authority {
        act: Act::Extend,
        roles: IRO_SERVICE,
        whose: Whose::ChildsIro,
        what: "record a new timescale",
    },
    Authority {
        act: Act::CompleteAction,
        roles: IRO_SERVICE,
        whose: Whose::ChildsIro,
        what: "record an action as done",
    },
    Authority {
        act: Act::Escalate,
        roles: IRO_SERVICE,
        whose: Whose::ChildsIro,
        what: "enter or escalate EPCP/DRP",
    },
    Authority {
        act: Act::ResolveQap,
        roles: IRO_SERVICE,
        whose: Whose::ChildsIro,
        what: "resolve a QAP",
    },
    Authority {
        act: Act::RecordDrpResolution,
        roles: IRO_MANAGERS,
        whose: Whose::ChildsIroTeamManager,
        what: "decide that an EPCP/DRP matter is resolved",
    },
    Authority {
        act: Act::ReferCafcass,
        roles: &[Iro],
        whose: Whose::ChildsIro,
        what: "refer a matter to CAFCASS",
    },
    Authority {
        act: Act::RecordCafcassDecision,
        roles: IRO_SERVICE,
        whose: Whose::ChildsIro,
        what: "record CAFCASS's decision",
    },
    Authority {
        act: Act::LegalAdvice,
        roles: IRO_SERVICE,
        whose: Whose::ChildsIro,
        what: "record legal advice",
    },
    Authority {
        act: Act::ProvidePack,
        roles: IRO_SERVICE,
        whose: Whose::ChildsIro,
        what: "record that the CAFCASS pack was provided",
    },
    Authority {
        act: Act::BriefSenior,
        roles: IRO_MANAGERS,
        whose: Whose::AnyInRole,
        what: "record that the senior IRO manager was briefed",
    },
    Authority {
        act: Act::Meeting,
        roles: IRO_SERVICE,
        whose: Whose::ChildsIro,
        what: "record a formal meeting",
    },
    Authority {
        act: Act::AddActions,
        roles: IRO_SERVICE,
        whose: Whose::ChildsIro,
        what: "add actions to a QAP or the alert form",
    },
    Authority {
        act: Act::SupervisionNote,
        roles: &[
            Iro,
            IroTeamManager,
            SeniorIroManager,
            SocialWorker,
            PracticeSupervisor,
        ],
        whose: Whose::ChildsIro,
        what: "record a supervision discussion",
    },
    Authority {
        act: Act::Note,
        roles: &[],
        whose: Whose::AnyInRole,
        what: "add a note",
    },
    Authority {
        act: Act::ChangeDirectory,
        roles: &[Admin, IroTeamManager, SeniorIroManager],
        whose: Whose::AnyInRole,
        what: "change the directory",
    },
    Authority {
        act: Act::Correct,
        roles: IRO_MANAGERS,
        whose: Whose::AnyInRole,
        what: "void, amend or withdraw another's step",
    },
];

/// The table's row for a kind of step.
pub fn authority(act: Act) -> &'static Authority {
    WHO_MAY
        .iter()
        .find(|a| a.act == act)
        .unwrap_or(&WHO_MAY[WHO_MAY.len() - 1])
}

/// Whether `actor`'s role lets them take a step of this kind at all.
pub fn may_in_role(actor: &Staff, act: Act) -> Result<(), Refusal> {
    let entry = authority(act);
    if entry.roles.is_empty() || entry.roles.contains(&actor.role) {
        return Ok(());
    }
    let allowed: Vec<String> = entry.roles.iter().map(|r| r.with_article()).collect();
    let allowed = match allowed.as_slice() {
        [rest @ .., last] if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => allowed.join(""),
    };
    refuse(
        Rule::WhoMayAct,
        format!(
            "{} is {}: only {allowed} may {}",
            actor.id,
            actor.role.with_article(),
            entry.what
        ),
    )
}

/// Whether the login running a command may enter a step on behalf of `actor` (rule 14): a member of
/// staff bound to a login acts only through it, unless the login running is bound to an admin, an IRO
/// team manager or the senior IRO manager (`entering`), who may enter steps for others. Someone bound
/// to no login can be acted as by anyone; the record and `audit identities` show it.
pub fn may_enter_for(actor: &Staff, login: &str, entering: Option<&Staff>) -> Result<(), Refusal> {
    let Some(bound) = actor.login.as_deref() else {
        return Ok(());
    };
    if bound == login {
        return Ok(());
    }
    match entering {
        Some(e) if e.left_on.is_none() && matches!(e.role, Admin | IroTeamManager | SeniorIroManager) => {
            Ok(())
        }
        _ => refuse(
            Rule::Identity,
            format!(
                "{} acts through the login '{bound}', and this is '{login}'{}: only an admin, an IRO team manager or the senior IRO manager may enter a step on another's behalf",
                actor.id,
                match entering {
                    Some(e) => format!(" ({}, {})", e.id, e.role.with_article()),
                    None => ", bound to no member of staff".to_string(),
                }
            ),
        ),
    }
}

/// Whether `by` covers for `absent` on the day of the step.
fn covers(covers: &[Cover], by: &str, absent: &str, on: chrono::NaiveDate) -> bool {
    covers
        .iter()
        .any(|c| c.by == by && c.absent == absent && c.in_force_on(on))
}

/// Whether the judge's actor may take a step of this kind on the judge's child, on the step's day: by
/// role and by whose child it is, or as the cover of the child's own person that day.
pub fn may(act: Act, judge: &Judge) -> Result<(), Refusal> {
    let entry = authority(act);
    let (actor, child) = (judge.actor, judge.child);
    let holder = match entry.whose {
        Whose::AnyInRole => None,
        Whose::ChildsIro => Some(child.iro.as_str()),
        Whose::ChildsTeamManager => Some(child.team_manager.as_str()),
        Whose::ChildsIroTeamManager => Some(child.iro_team_manager.as_str()),
    };
    // Whoever covers for the child's own person acts in their place.
    if holder.is_some_and(|h| covers(judge.covers, &actor.id, h, judge.on)) {
        return Ok(());
    }
    may_in_role(actor, act)?;
    let (Some(holder), false) = (holder, holder == Some(actor.id.as_str())) else {
        return Ok(());
    };
    // Made only for a refusal: re-judging a national record asks this millions of times.
    let cover_hint = || {
        format!(
            "`iro cover {holder} --by {} --from DATE` lets them act for {holder}",
            actor.id
        )
    };
    // The child's own social worker and practice supervisor record their supervision discussions of
    // the child's QAP and EPCP/DRP actions, as the guidance asks.
    if act == Act::SupervisionNote && matches!(actor.role, SocialWorker | PracticeSupervisor) {
        let theirs = [
            Some(child.social_worker.as_str()),
            child.practice_supervisor.as_deref(),
        ];
        if theirs.contains(&Some(actor.id.as_str())) {
            return Ok(());
        }
        return refuse(
            Rule::WhoMayAct,
            format!(
                "{} is not the social worker or practice supervisor of {}: only the child's own may {}",
                actor.id, child.reference, entry.what
            ),
        );
    }
    match entry.whose {
        Whose::ChildsIro if actor.role == Iro => refuse(
            Rule::WhoMayAct,
            format!(
                "{} is not the IRO of {} (their IRO is {holder}): an IRO may {} only for the children allocated to them, an IRO team manager or the senior IRO manager for any; {}",
                actor.id, child.reference, entry.what, cover_hint()
            ),
        ),
        Whose::ChildsTeamManager => refuse(
            Rule::WhoMayAct,
            format!(
                "only the social work team manager of {} ({holder}), or whoever covers for them, may {}; {} is {}; {}",
                child.reference,
                entry.what,
                actor.id,
                actor.role.with_article(),
                cover_hint()
            ),
        ),
        Whose::ChildsIroTeamManager if actor.role == IroTeamManager => refuse(
            Rule::WhoMayAct,
            format!(
                "only the IRO team manager of {} ({holder}), whoever covers for them, or the senior IRO manager may {}; {}",
                child.reference, entry.what, cover_hint()
            ),
        ),
        _ => Ok(()),
    }
}

/// Whether `manager` may be named as having resolved an EPCP/DRP matter at a stage whose resolving
/// role is `needed`: the child's own manager of that role, whoever covers for them, or a manager above
/// them in the child's own line (their service manager above their team manager, their assistant
/// director above both). Where the child has no assistant director of their own, any may.
pub fn may_resolve(
    needed: Role,
    manager: &Staff,
    child: &Child,
    cover_list: &[Cover],
    on: chrono::NaiveDate,
) -> Result<(), Refusal> {
    // The child's own line, each with its role.
    let line: Vec<(Role, Option<&str>)> = vec![
        (PracticeSupervisor, child.practice_supervisor.as_deref()),
        (TeamManager, Some(child.team_manager.as_str())),
        (ServiceManager, Some(child.service_manager.as_str())),
        (AssistantDirector, child.assistant_director.as_deref()),
    ];
    let fits = |role: Role, holder: Option<&str>| match holder {
        Some(id) => manager.id == id || covers(cover_list, &manager.id, id, on),
        // No assistant director of their own: every one is the child's.
        None => role == AssistantDirector && manager.role == AssistantDirector,
    };
    let own = line
        .iter()
        .find(|(role, _)| *role == needed)
        .map(|(_, holder)| *holder)
        .unwrap_or(None);
    if fits(needed, own) {
        return Ok(());
    }
    let above: Vec<&(Role, Option<&str>)> = line
        .iter()
        .filter(|(role, _)| rank(*role) > rank(needed))
        .collect();
    if above.iter().any(|(role, holder)| fits(*role, *holder)) {
        return Ok(());
    }
    let named = |holder: Option<&str>| holder.unwrap_or("any assistant director").to_string();
    let higher: Vec<String> = above.iter().map(|(_, h)| named(*h)).collect();
    refuse(
        Rule::Resolution,
        format!(
            "{} is resolved at this stage by the child's own {needed} ({}), whoever covers for them{}; {} is {}{}",
            child.reference,
            named(own),
            if higher.is_empty() {
                String::new()
            } else {
                format!(", or a manager above them in the child's line ({})", higher.join(", "))
            },
            manager.id,
            manager.role.with_article(),
            manager
                .team
                .as_deref()
                .map(|t| format!(" in {t}"))
                .unwrap_or_default()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_step_has_one_row() {
        for act in [
            Act::Consult,
            Act::RaiseQap,
            Act::Challenge,
            Act::Extend,
            Act::CompleteAction,
            Act::Escalate,
            Act::ResolveQap,
            Act::RecordDrpResolution,
            Act::ReferCafcass,
            Act::RecordCafcassDecision,
            Act::LegalAdvice,
            Act::ProvidePack,
            Act::BriefSenior,
            Act::Meeting,
            Act::AddActions,
            Act::SupervisionNote,
            Act::Note,
            Act::ChangeDirectory,
            Act::Correct,
        ] {
            assert_eq!(
                WHO_MAY.iter().filter(|a| a.act == act).count(),
                1,
                "{act:?}"
            );
        }
        assert_eq!(WHO_MAY.len(), 19);
    }

    #[test]
    fn the_protocol_states_the_table_row_for_row() {
        let protocol =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/protocol.md"))
                .expect("docs/protocol.md");
        let rule_12 = protocol
            .split("## Rule 12")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .expect("rule 12");
        for row in WHO_MAY {
            assert!(
                rule_12.contains(&format!("\n| {} | ", row.what)),
                "docs/protocol.md rule 12 has no row for '{}'",
                row.what
            );
        }
    }
}
