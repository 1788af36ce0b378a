//! Who may take each step: one table. The engine judges every step against it, and the help and the
//! protocol document name the same roles because they are read from it.

use crate::model::{Role, Staff};

use super::refusal::{refuse, Refusal, Rule};

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
    BriefSenior,
    Meeting,
    SupervisionNote,
    Note,
}

/// One row of the table: who may take a kind of step, and how the refusal says what it is.
#[derive(Debug, Clone, Copy)]
pub struct Authority {
    pub act: Act,
    /// The roles that may take it; empty for anyone in the directory.
    pub roles: &'static [Role],
    /// What the step is, in the words of a refusal: "only ... may {what}".
    pub what: &'static str,
}

use Role::*;

const IRO_SERVICE: &[Role] = &[Iro, IroTeamManager];

/// Who may take each step (rule 12).
pub const WHO_MAY: &[Authority] = &[
    Authority {
        act: Act::Consult,
        roles: IRO_SERVICE,
        what: "open a pre-review consultation",
    },
    Authority {
        act: Act::RaiseQap,
        roles: IRO_SERVICE,
        what: "raise a QAP",
    },
    Authority {
        act: Act::Challenge,
        roles: &[TeamManager],
        what: "challenge QAP actions",
    },
    Authority {
        act: Act::Extend,
        roles: IRO_SERVICE,
        what: "record a new timescale",
    },
    Authority {
        act: Act::CompleteAction,
        roles: IRO_SERVICE,
        what: "record an action as done",
    },
    Authority {
        act: Act::Escalate,
        roles: IRO_SERVICE,
        what: "enter or escalate EPCP/DRP",
    },
    Authority {
        act: Act::ResolveQap,
        roles: IRO_SERVICE,
        what: "resolve a QAP",
    },
    Authority {
        act: Act::RecordDrpResolution,
        roles: &[IroTeamManager],
        what: "decide that an EPCP/DRP matter is resolved",
    },
    Authority {
        act: Act::ReferCafcass,
        roles: &[Iro],
        what: "refer a matter to CAFCASS",
    },
    Authority {
        act: Act::RecordCafcassDecision,
        roles: IRO_SERVICE,
        what: "record CAFCASS's decision",
    },
    Authority {
        act: Act::LegalAdvice,
        roles: IRO_SERVICE,
        what: "record legal advice",
    },
    Authority {
        act: Act::BriefSenior,
        roles: &[IroTeamManager],
        what: "record that the senior IRO manager was briefed",
    },
    Authority {
        act: Act::Meeting,
        roles: &[Iro, IroTeamManager, SeniorIroManager],
        what: "record a formal meeting",
    },
    Authority {
        act: Act::SupervisionNote,
        roles: IRO_SERVICE,
        what: "record a supervision discussion",
    },
    Authority {
        act: Act::Note,
        roles: &[],
        what: "add a note",
    },
];

/// The table's row for a kind of step.
pub fn authority(act: Act) -> &'static Authority {
    WHO_MAY
        .iter()
        .find(|a| a.act == act)
        .unwrap_or(&WHO_MAY[WHO_MAY.len() - 1])
}

/// Whether `actor`'s role lets them take a step of this kind.
pub fn may(actor: &Staff, act: Act) -> Result<(), Refusal> {
    let entry = authority(act);
    if entry.roles.is_empty() || entry.roles.contains(&actor.role) {
        return Ok(());
    }
    let allowed: Vec<&str> = entry.roles.iter().map(|r| r.as_str()).collect();
    refuse(
        Rule::WhoMayAct,
        format!(
            "{} is {}: only {} may {}",
            actor.id,
            actor.role.with_article(),
            allowed.join(" or "),
            entry.what
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
            Act::BriefSenior,
            Act::Meeting,
            Act::SupervisionNote,
            Act::Note,
        ] {
            assert_eq!(
                WHO_MAY.iter().filter(|a| a.act == act).count(),
                1,
                "{act:?}"
            );
        }
        assert_eq!(WHO_MAY.len(), 15);
    }
}
