//! The authority's policy: timescales, stage names, resolving roles and concern categories.

use crate::model::{Role, Stage};

/// The authority's local variant of the protocol: timescales in working days, stage names, who resolves
/// each stage, and the concern categories. Deadlines already set are stored, so a changed policy never
/// rewrites them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// How long the social work team manager has to challenge QAP actions.
    pub challenge_days: u32,
    /// The EPCP/DRP resolution period, fixed when the matter enters it.
    pub resolution_days: u32,
    /// A response deadline at each stage, counted from the day the matter enters it (none by default).
    pub stage_response_days: Option<u32>,
    /// What the authority calls stages 1, 2 and 3.
    pub stage_names: [String; 3],
    /// The role of the manager who resolves a matter at stages 1, 2 and 3 (rule 7).
    pub resolving_roles: [Role; 3],
    /// The concern categories a matter may be raised under.
    pub categories: Vec<String>,
    /// Other words a service's tracker uses for a category (`PEP` for `personal-education-plan`), as
    /// `[category_aliases]` in the policy file lists them: each a written form and the category.
    pub category_aliases: Vec<(String, String)>,
    /// `report drift`: a running matter with no step for this many working days has drifted.
    pub drift_days: u32,
    /// `report drift`: an action extended this many times or more.
    pub max_extensions: u32,
    /// `report drift`: a consultation open this many working days.
    pub consultation_days: u32,
    /// `outbox remind`: what falls due within this many working days is in a person's digest.
    pub remind_days: u32,
    /// Where a referral to CAFCASS is sent, when the service has an address for it.
    pub cafcass_email: Option<String>,
    /// CSV output starts with a byte-order mark, for the service's spreadsheets.
    pub csv_bom: bool,
}

impl Policy {
    /// The category a tracker means by `written`: one of the policy's, matched on its words (case,
    /// spaces, hyphens and underscores do not matter), or an alias of one.
    pub fn category_named(&self, written: &str) -> Option<&str> {
        let words = |text: &str| -> String {
            text.to_lowercase()
                .split([' ', '-', '_'])
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join("-")
        };
        let wanted = words(written);
        self.categories
            .iter()
            .find(|c| words(c) == wanted)
            .map(String::as_str)
            .or_else(|| {
                self.category_aliases
                    .iter()
                    .find(|(alias, _)| words(alias) == wanted)
                    .and_then(|(_, c)| self.categories.iter().find(|k| *k == c))
                    .map(String::as_str)
            })
    }

    /// The role of the manager who resolves a matter at this stage.
    pub fn resolving_role(&self, stage: Stage) -> Role {
        self.resolving_roles[usize::from(stage.number() - 1)]
    }

    /// The authority's name for a stage.
    pub fn stage_name(&self, stage: Stage) -> &str {
        &self.stage_names[usize::from(stage.number() - 1)]
    }
}

/// The concern categories a service starts with.
pub const DEFAULT_CATEGORIES: [&str; 12] = [
    "care-planning-drift-and-delay",
    "permanence",
    "care-plan-not-updated",
    "review-timeliness",
    "health-assessment",
    "personal-education-plan",
    "placement-stability-or-suitability",
    "contact",
    "pathway-plan",
    "social-worker-allocation-and-visits",
    "child-participation",
    "other",
];

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            challenge_days: 5,
            resolution_days: 20,
            // The IRO Handbook (6.2) asks for a timescale for a response at each stage.
            stage_response_days: Some(5),
            stage_names: ["Stage 1".into(), "Stage 2".into(), "Stage 3".into()],
            resolving_roles: Stage::ALL.map(Stage::resolving_role),
            categories: DEFAULT_CATEGORIES.iter().map(|c| c.to_string()).collect(),
            category_aliases: Vec::new(),
            drift_days: 20,
            max_extensions: 3,
            consultation_days: 20,
            remind_days: 5,
            cafcass_email: None,
            csv_bom: false,
        }
    }
}
