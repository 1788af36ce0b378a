//! Refusals: the rule that stopped a step, and the facts and dates that decided it.

use std::fmt;

use crate::calendar::CalendarError;

/// The rules of the protocol, numbered as `docs/protocol.md` numbers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    WorkingDays,
    RaisingQap,
    Consultation,
    Meeting,
    ChallengeWindow,
    Extension,
    EnteringDrp,
    StageOrder,
    Resolution,
    Cafcass,
    WhoMayAct,
    EffectiveDate,
    Finished,
    Actions,
    Directory,
    Identity,
    Corrections,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rule::WorkingDays => "rule 1: working days",
            Rule::RaisingQap => "rule 2: raising a QAP",
            Rule::Actions => "rule 2: actions",
            Rule::ChallengeWindow => "rule 3: challenge window",
            Rule::Extension => "rule 4: new timescales",
            Rule::EnteringDrp => "rule 5: entering EPCP/DRP",
            Rule::StageOrder => "rule 6: stage order",
            Rule::Resolution => "rule 7: resolution",
            Rule::Cafcass => "rule 8: CAFCASS",
            Rule::Consultation => "rule 9: pre-review consultation",
            Rule::Meeting => "rule 9: formal meetings",
            Rule::EffectiveDate => "rule 11: effective dates",
            Rule::Finished => "rule 11: finished matters",
            Rule::WhoMayAct => "rule 12: who may act",
            Rule::Directory => "rule 13: the directory",
            Rule::Identity => "rule 14: identity",
            Rule::Corrections => "rule 15: corrections",
        })
    }
}

/// A step the protocol does not allow: the rule, and the facts and dates that decided it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} [{rule}]")]
pub struct Refusal {
    pub rule: Rule,
    pub message: String,
}

impl Refusal {
    pub fn new(rule: Rule, message: impl Into<String>) -> Refusal {
        Refusal {
            rule,
            message: message.into(),
        }
    }
}

pub(super) fn refuse<T>(rule: Rule, message: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal {
        rule,
        message: message.into(),
    })
}

impl From<CalendarError> for Refusal {
    fn from(err: CalendarError) -> Refusal {
        Refusal {
            rule: Rule::WorkingDays,
            message: err.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Rule;

    #[test]
    fn every_rule_cited_has_its_section_in_the_protocol() {
        let protocol =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/protocol.md"))
                .expect("docs/protocol.md");
        for rule in [
            Rule::WorkingDays,
            Rule::RaisingQap,
            Rule::Actions,
            Rule::ChallengeWindow,
            Rule::Extension,
            Rule::EnteringDrp,
            Rule::StageOrder,
            Rule::Resolution,
            Rule::Cafcass,
            Rule::Consultation,
            Rule::Meeting,
            Rule::EffectiveDate,
            Rule::Finished,
            Rule::WhoMayAct,
            Rule::Directory,
            Rule::Identity,
            Rule::Corrections,
        ] {
            let cited = rule.to_string();
            let number = cited
                .strip_prefix("rule ")
                .and_then(|rest| rest.split(':').next())
                .expect("rule N: ...");
            assert!(
                protocol.contains(&format!("## Rule {number}:")),
                "{cited} has no section in docs/protocol.md"
            );
        }
    }
}
