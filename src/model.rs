//! The domain types the engine, the store and the commands share.
//!
//! Plain values only: no SQL, no terminal, no clock. Every enum has one spelling, the kebab-case word the
//! command line, the database and the JSON output all use.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Spells an enum both ways with one table, so the CLI, SQL and JSON words can never drift apart.
macro_rules! words {
    ($ty:ident, $what:literal, { $($variant:ident => $word:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The word the command line, the database and JSON use.
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $word),+ }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl FromStr for $ty {
            type Err = String;
            fn from_str(text: &str) -> Result<Self, String> {
                match text {
                    $($word => Ok($ty::$variant),)+
                    _ => Err(format!(
                        "'{text}' is not a {}: expected one of {}",
                        $what,
                        [$($word),+].join(", ")
                    )),
                }
            }
        }
    };
}

/// The one role a member of staff holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Iro,
    IroTeamManager,
    SeniorIroManager,
    SocialWorker,
    PracticeSupervisor,
    TeamManager,
    ServiceManager,
    AssistantDirector,
    Admin,
}

words!(Role, "role", {
    Iro => "iro",
    IroTeamManager => "iro-team-manager",
    SeniorIroManager => "senior-iro-manager",
    SocialWorker => "social-worker",
    PracticeSupervisor => "practice-supervisor",
    TeamManager => "team-manager",
    ServiceManager => "service-manager",
    AssistantDirector => "assistant-director",
    Admin => "admin",
});

/// Where a matter is in the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatterState {
    /// Before a review: the IRO consults the social worker and tries to settle the concern informally.
    Consultation,
    /// Informal Quality Assurance Process: actions with timescales.
    Qap,
    /// Formal Escalation of Professional Concerns / Dispute Resolution Process, at a stage.
    Drp,
    /// Formally referred to CAFCASS, waiting on its decision.
    Cafcass,
    /// The concern was settled.
    Resolved,
    /// Ended without being settled here (CAFCASS decided on a formal referral).
    Closed,
}

words!(MatterState, "matter state", {
    Consultation => "consultation",
    Qap => "qap",
    Drp => "drp",
    Cafcass => "cafcass",
    Resolved => "resolved",
    Closed => "closed",
});

impl MatterState {
    /// Resolved and closed matters take no further step that changes them.
    pub fn is_finished(self) -> bool {
        matches!(self, MatterState::Resolved | MatterState::Closed)
    }
}

/// A stage of EPCP/DRP: who resolves it rises with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "u8")]
pub enum Stage {
    One = 1,
    Two = 2,
    Three = 3,
}

impl Stage {
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The role of the manager who resolves a matter at this stage (design rule 7).
    pub fn resolving_role(self) -> Role {
        match self {
            Stage::One => Role::TeamManager,
            Stage::Two => Role::ServiceManager,
            Stage::Three => Role::AssistantDirector,
        }
    }
}

impl From<Stage> for u8 {
    fn from(stage: Stage) -> u8 {
        stage.number()
    }
}

impl TryFrom<u8> for Stage {
    type Error = String;
    fn try_from(n: u8) -> Result<Stage, String> {
        match n {
            1 => Ok(Stage::One),
            2 => Ok(Stage::Two),
            3 => Ok(Stage::Three),
            _ => Err(format!("'{n}' is not a stage: expected 1, 2 or 3")),
        }
    }
}

impl FromStr for Stage {
    type Err = String;
    fn from_str(text: &str) -> Result<Stage, String> {
        text.parse::<u8>()
            .map_err(|_| format!("'{text}' is not a stage: expected 1, 2 or 3"))
            .and_then(Stage::try_from)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}

/// Whether a QAP or alert-form action is still to be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionStatus {
    Open,
    Done,
}

words!(ActionStatus, "action status", {
    Open => "open",
    Done => "done",
});

/// A CAFCASS referral made alongside an open EPCP/DRP, or the formal one once it has failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReferralKind {
    Concurrent,
    Formal,
}

words!(ReferralKind, "referral kind", {
    Concurrent => "concurrent",
    Formal => "formal",
});

/// CAFCASS's decision on whether the criteria for a breach of the child's rights are met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CafcassDecision {
    /// Criteria met: the case is allocated for judicial review.
    CriteriaMet,
    CriteriaNotMet,
}

words!(CafcassDecision, "CAFCASS decision", {
    CriteriaMet => "criteria-met",
    CriteriaNotMet => "criteria-not-met",
});

/// A member of staff, known by a short login-style id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Staff {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub email: String,
    pub team: Option<String>,
}

/// A looked-after child and the people allocated to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Child {
    pub reference: String,
    pub name: String,
    pub team: String,
    pub social_worker: String,
    pub practice_supervisor: Option<String>,
    pub team_manager: String,
    pub service_manager: String,
    pub iro: String,
    pub iro_team_manager: String,
}

/// One action with an owner and a timescale, on a QAP or an alert form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub seq: u32,
    pub text: String,
    pub owner: String,
    pub due: NaiveDate,
    pub status: ActionStatus,
    pub completed_on: Option<NaiveDate>,
}

/// A stage a matter entered, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageEntry {
    pub stage: Stage,
    pub entered_on: NaiveDate,
    pub reason: Option<String>,
    /// The stage's own response deadline, where the authority's policy sets one.
    pub response_deadline: Option<NaiveDate>,
}

/// A referral to CAFCASS and, once made, its decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    pub kind: ReferralKind,
    pub referred_on: NaiveDate,
    pub reason: String,
    pub decision: Option<CafcassDecision>,
    pub decided_on: Option<NaiveDate>,
}

/// One concern about one child, as the record stands: the state every rule is judged against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matter {
    pub id: String,
    pub child: String,
    pub iro: String,
    pub team: String,
    pub category: String,
    pub summary: String,
    pub state: MatterState,
    pub stage: Option<Stage>,
    pub raised_on: NaiveDate,
    pub raised_by: String,
    /// When QAP actions were raised: the day the matter opened, or later for a consultation turned QAP.
    pub qap_raised_on: Option<NaiveDate>,
    pub challenge_deadline: Option<NaiveDate>,
    pub challenged_on: Option<NaiveDate>,
    pub drp_entered_on: Option<NaiveDate>,
    pub drp_deadline: Option<NaiveDate>,
    pub resolved_on: Option<NaiveDate>,
    pub resolved_by: Option<String>,
    pub outcome: Option<String>,
    /// The effective date of the latest step: no later step may be dated before it.
    pub last_step_on: NaiveDate,
    pub actions: Vec<Action>,
    pub stages: Vec<StageEntry>,
    pub referrals: Vec<Referral>,
}

impl Matter {
    pub fn action(&self, seq: u32) -> Option<&Action> {
        self.actions.iter().find(|a| a.seq == seq)
    }

    /// The earliest deadline still running: an open action's due date or the resolution deadline.
    pub fn next_deadline(&self) -> Option<NaiveDate> {
        if self.state.is_finished() {
            return None;
        }
        let actions = self
            .actions
            .iter()
            .filter(|a| a.status == ActionStatus::Open)
            .map(|a| a.due);
        let (drp, stage) = if self.state == MatterState::Drp {
            let stage = self.stages.last().and_then(|s| s.response_deadline);
            (self.drp_deadline, stage)
        } else {
            (None, None)
        };
        actions.chain(drp).chain(stage).min()
    }
}
