//! The steps someone may ask the engine to judge, with the people they name already resolved.

use chrono::NaiveDate;

use crate::model::{CafcassDecision, Staff, Stage};

/// A timescale as the IRO gives it: a date, or a number of working days from the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timescale {
    By(NaiveDate),
    Within(u32),
}

/// An action to add, its owner already resolved to a member of staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAction {
    pub text: String,
    pub owner: Staff,
    pub due: Timescale,
}

/// A step someone asks to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Consult people before a review about a concern, opening a matter in `consultation`.
    Consult {
        category: String,
        summary: String,
        with: Vec<Staff>,
    },
    /// Raise QAP actions: on a new matter, or on a matter in consultation.
    RaiseQap {
        category: String,
        summary: String,
        actions: Vec<NewAction>,
    },
    Challenge {
        reason: String,
    },
    Extend {
        seq: u32,
        due: Timescale,
        agreed_by: Staff,
        reason: String,
    },
    CompleteAction {
        seq: u32,
        note: Option<String>,
    },
    /// Enter EPCP/DRP or go up a stage; `opening` is set when the escalation opens a new matter.
    Escalate {
        stage: Stage,
        reason: Option<String>,
        opening: Option<(String, String)>,
    },
    Resolve {
        outcome: String,
        resolved_by: Option<Staff>,
    },
    ReferCafcass {
        reason: String,
        /// The IRO says stage 3 has not resolved the matter, before the period has run out.
        formal: bool,
    },
    CafcassDecision {
        decision: CafcassDecision,
        note: Option<String>,
    },
    LegalAdvice {
        note: String,
    },
    BriefSenior {
        note: String,
    },
    /// A formal meeting at stage 2 or 3, chaired by a senior IRO manager, with the actions it agreed.
    Meeting {
        chair: Staff,
        attendees: Vec<Staff>,
        actions: Vec<NewAction>,
    },
    Note {
        text: String,
        /// The note records a discussion in the IRO's supervision.
        supervision: bool,
    },
}

impl Request {
    /// Whether this request opens a new matter rather than acting on one.
    pub fn opens_matter(&self) -> bool {
        matches!(
            self,
            Request::Consult { .. }
                | Request::RaiseQap { .. }
                | Request::Escalate {
                    opening: Some(_),
                    ..
                }
        )
    }
}
