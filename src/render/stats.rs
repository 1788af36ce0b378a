//! The year's figures: in all, by category and by team, as JSON, CSV or tables.

use std::collections::BTreeMap;
use std::io::Write;

use chrono::NaiveDate;
use serde::Serialize;

use super::{json, spreadsheet_safe, table, Field, Format};

/// The year's figures for one group of matters (all, one category, one team, one IRO, one IRO team
/// manager, or one month).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    pub concerns: ConcernFigures,
    pub consultation: ConsultationFigures,
    pub qap: QapFigures,
    pub drp: DrpFigures,
    pub cafcass: CafcassFigures,
    pub challenges: ChallengeFigures,
    pub extensions: ExtensionFigures,
    pub actions: ActionFigures,
    pub activity: ActivityFigures,
    pub children: ChildrenFigures,
    pub open: OpenFigures,
}

/// New concerns: matters opened, by a consultation, a QAP or an entry straight into EPCP/DRP.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConcernFigures {
    /// Concerns raised in the period.
    pub raised: u32,
}

/// Concerns taken up at pre-review consultation: the lowest level a concern can be settled at.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConsultationFigures {
    /// Consultations opened in the period.
    pub opened: u32,
    /// Concerns settled at consultation, without a QAP or EPCP/DRP.
    pub settled: u32,
    /// Consultations turned into a QAP.
    pub to_qap: u32,
    /// Consultations entered straight into EPCP/DRP.
    pub to_drp: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QapFigures {
    /// QAPs raised in the period.
    pub raised: u32,
    /// QAPs resolved in the period without ever entering EPCP/DRP.
    pub resolved: u32,
    /// QAPs that entered EPCP/DRP in the period.
    pub escalated: u32,
    /// Working days from raising to resolution of the QAPs resolved.
    pub working_days_to_resolution: Spread,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ByStage {
    pub total: u32,
    pub stage_1: u32,
    pub stage_2: u32,
    pub stage_3: u32,
}

impl ByStage {
    pub fn count(&mut self, stage: Option<crate::model::Stage>) {
        use crate::model::Stage;
        self.total += 1;
        match stage {
            Some(Stage::One) => self.stage_1 += 1,
            Some(Stage::Two) => self.stage_2 += 1,
            Some(Stage::Three) => self.stage_3 += 1,
            None => {}
        }
    }
}

/// A spread of working days for each stage of EPCP/DRP.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SpreadByStage {
    pub stage_1: Spread,
    pub stage_2: Spread,
    pub stage_3: Spread,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DrpFigures {
    /// Entries to EPCP/DRP in the period, by the stage entered at.
    pub entered: ByStage,
    /// Stages reached in the period: entered at, or moved up to.
    pub reached: ByStage,
    /// EPCP/DRP matters resolved in the period, by the stage resolved at.
    pub resolved: ByStage,
    /// Of those, resolved on or before their resolution deadline.
    pub resolved_within_timescale: u32,
    /// That as a percentage of those resolved, to one decimal place; null when none were resolved.
    pub resolved_within_timescale_percent: Option<f64>,
    /// Working days from entry to resolution of those resolved.
    pub working_days_to_resolution: Spread,
    /// Working days spent at each stage, of the stays that ended in the period (moved up, or resolved).
    pub working_days_at_stage: SpreadByStage,
    /// How many of those resolved took how many working days from entry, in bands.
    pub working_days_to_resolution_bands: ResolutionBands,
}

/// Working days from entry to EPCP/DRP to resolution, in bands: the 20-day timescale in fours of five,
/// then beyond it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ResolutionBands {
    #[serde(rename = "0-5")]
    pub up_to_5: u32,
    #[serde(rename = "6-10")]
    pub up_to_10: u32,
    #[serde(rename = "11-15")]
    pub up_to_15: u32,
    #[serde(rename = "16-20")]
    pub up_to_20: u32,
    #[serde(rename = "21-30")]
    pub up_to_30: u32,
    #[serde(rename = "31-40")]
    pub up_to_40: u32,
    #[serde(rename = "41+")]
    pub over_40: u32,
}

impl ResolutionBands {
    /// Each band's label and count, in order.
    pub fn bands(&self) -> [(&'static str, u32); 7] {
        [
            ("0-5", self.up_to_5),
            ("6-10", self.up_to_10),
            ("11-15", self.up_to_15),
            ("16-20", self.up_to_20),
            ("21-30", self.up_to_30),
            ("31-40", self.up_to_40),
            ("41+", self.over_40),
        ]
    }

    pub fn count(&mut self, days: i64) {
        let band = match days {
            ..=5 => &mut self.up_to_5,
            6..=10 => &mut self.up_to_10,
            11..=15 => &mut self.up_to_15,
            16..=20 => &mut self.up_to_20,
            21..=30 => &mut self.up_to_30,
            31..=40 => &mut self.up_to_40,
            _ => &mut self.over_40,
        };
        *band += 1;
    }
}

/// The middle and the 90th percentile of a set of working-day counts; null when the set is empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Spread {
    /// The median (the mean of the two middle values when there is an even number).
    pub median: Option<f64>,
    /// The 90th percentile by nearest rank: the smallest value at least 90% of the set are at or below.
    pub p90: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CafcassFigures {
    /// Referrals made in the period.
    pub referrals: CafcassReferrals,
    /// Decisions CAFCASS made in the period.
    pub decisions: CafcassDecisions,
    /// Matters CAFCASS's decision on a formal referral closed in the period: settled by CAFCASS.
    pub closed: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CafcassReferrals {
    pub concurrent: u32,
    pub formal: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CafcassDecisions {
    pub criteria_met: u32,
    pub criteria_not_met: u32,
}

/// Team managers' challenges of QAP actions (rule 3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChallengeFigures {
    /// Challenges made in the period.
    pub made: u32,
    /// Of those, on matters that went on to EPCP/DRP by the end of the period: the IRO held to the
    /// concern. (The protocol records no decision on a challenge itself.)
    pub followed_by_drp: u32,
}

/// New timescales agreed for actions (rule 4).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ExtensionFigures {
    /// Extensions agreed in the period.
    pub agreed: u32,
    /// Matters with an extension agreed in the period.
    pub matters: u32,
    /// Extensions per matter extended, to one decimal place; null when none were.
    pub per_matter: Option<f64>,
}

/// QAP and alert-form actions completed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ActionFigures {
    /// Actions completed in the period.
    pub completed: u32,
    /// Of those, completed by their due date (as extended).
    pub completed_on_time: u32,
    /// That as a percentage, to one decimal place; null when none were completed.
    pub completed_on_time_percent: Option<f64>,
}

/// The other steps of the process.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ActivityFigures {
    /// Formal meetings held at stage 2 or 3.
    pub meetings: u32,
    /// Times independent legal advice was sought.
    pub legal_advice: u32,
    /// Times the senior IRO manager was briefed.
    pub senior_manager_briefings: u32,
}

/// The children concerns were raised about. A child counts once in each group, so these do not add up
/// across groups.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChildrenFigures {
    /// Children with a concern raised in the period.
    pub distinct: u32,
    /// Of those, children with more than one concern: another in the group, or one raised on an earlier day.
    pub repeat: u32,
}

/// Matters open (not resolved or closed) as the period began and as it ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OpenFigures {
    /// Open at the end of the day before the period.
    pub at_start: u32,
    /// Open at the end of the period's last day.
    pub at_end: u32,
}

/// One figure: its CSV column, its label for people, and its value.
pub type Measure = (&'static str, &'static str, Field);

impl Figures {
    /// Every figure with its CSV column name and its label for people, in report order.
    pub fn measures(&self) -> Vec<Measure> {
        let (k, q, d, c) = (&self.consultation, &self.qap, &self.drp, &self.cafcass);
        let bands = &d.working_days_to_resolution_bands;
        let tenths = |v: Option<f64>| Field::opt(v.map(|p| format!("{p:.1}")));
        let n = |v: u32| Field::value(v);
        let spread = |s: &Spread| (tenths(s.median), Field::opt(s.p90));
        let (qap_median, qap_p90) = spread(&q.working_days_to_resolution);
        let (drp_median, drp_p90) = spread(&d.working_days_to_resolution);
        let at = &d.working_days_at_stage;
        let (s1_median, s1_p90) = spread(&at.stage_1);
        let (s2_median, s2_p90) = spread(&at.stage_2);
        let (s3_median, s3_p90) = spread(&at.stage_3);
        // The first release's columns first, in its order; every later figure after them.
        vec![
            ("consultation_opened", "Consultations opened", n(k.opened)),
            (
                "consultation_settled",
                "  settled at consultation",
                n(k.settled),
            ),
            ("consultation_to_qap", "  turned into a QAP", n(k.to_qap)),
            (
                "consultation_to_drp",
                "  entered into EPCP/DRP",
                n(k.to_drp),
            ),
            ("qap_raised", "QAPs raised", n(q.raised)),
            ("qap_resolved", "QAPs resolved (no EPCP/DRP)", n(q.resolved)),
            (
                "qap_escalated",
                "QAPs escalated to EPCP/DRP",
                n(q.escalated),
            ),
            ("drp_entered", "EPCP/DRP entered", n(d.entered.total)),
            ("drp_entered_stage_1", "  at stage 1", n(d.entered.stage_1)),
            ("drp_entered_stage_2", "  at stage 2", n(d.entered.stage_2)),
            ("drp_entered_stage_3", "  at stage 3", n(d.entered.stage_3)),
            ("drp_resolved", "EPCP/DRP resolved", n(d.resolved.total)),
            (
                "drp_resolved_stage_1",
                "  at stage 1",
                n(d.resolved.stage_1),
            ),
            (
                "drp_resolved_stage_2",
                "  at stage 2",
                n(d.resolved.stage_2),
            ),
            (
                "drp_resolved_stage_3",
                "  at stage 3",
                n(d.resolved.stage_3),
            ),
            (
                "drp_resolved_within_timescale",
                "  within timescale",
                n(d.resolved_within_timescale),
            ),
            (
                "drp_resolved_within_timescale_percent",
                "  within timescale (%)",
                tenths(d.resolved_within_timescale_percent),
            ),
            (
                "drp_working_days_to_resolution_median",
                "  working days to resolve, median",
                drp_median,
            ),
            (
                "drp_working_days_to_resolution_p90",
                "  working days to resolve, 90th pc",
                drp_p90,
            ),
            (
                "cafcass_referrals_concurrent",
                "CAFCASS referrals, concurrent",
                n(c.referrals.concurrent),
            ),
            (
                "cafcass_referrals_formal",
                "CAFCASS referrals, formal",
                n(c.referrals.formal),
            ),
            (
                "cafcass_decisions_criteria_met",
                "CAFCASS: criteria met",
                n(c.decisions.criteria_met),
            ),
            (
                "cafcass_decisions_criteria_not_met",
                "CAFCASS: criteria not met",
                n(c.decisions.criteria_not_met),
            ),
            ("open_at_start", "Open at the start", n(self.open.at_start)),
            ("open_at_end", "Open at the end", n(self.open.at_end)),
            (
                "children_distinct",
                "Children with a concern",
                n(self.children.distinct),
            ),
            (
                "children_repeat",
                "  with a repeat concern",
                n(self.children.repeat),
            ),
            (
                "qap_working_days_to_resolution_median",
                "    working days to resolve, median",
                qap_median,
            ),
            (
                "qap_working_days_to_resolution_p90",
                "    working days to resolve, 90th pc",
                qap_p90,
            ),
            (
                "challenges_made",
                "Challenges made",
                n(self.challenges.made),
            ),
            (
                "challenges_followed_by_drp",
                "  followed by EPCP/DRP",
                n(self.challenges.followed_by_drp),
            ),
            (
                "drp_reached_stage_1",
                "Reached stage 1",
                n(d.reached.stage_1),
            ),
            (
                "drp_reached_stage_2",
                "Reached stage 2",
                n(d.reached.stage_2),
            ),
            (
                "drp_reached_stage_3",
                "Reached stage 3",
                n(d.reached.stage_3),
            ),
            (
                "drp_working_days_at_stage_1_median",
                "  working days at it, median",
                s1_median,
            ),
            (
                "drp_working_days_at_stage_1_p90",
                "  working days at it, 90th pc",
                s1_p90,
            ),
            (
                "drp_working_days_at_stage_2_median",
                "  working days at it, median",
                s2_median,
            ),
            (
                "drp_working_days_at_stage_2_p90",
                "  working days at it, 90th pc",
                s2_p90,
            ),
            (
                "drp_working_days_at_stage_3_median",
                "  working days at it, median",
                s3_median,
            ),
            (
                "drp_working_days_at_stage_3_p90",
                "  working days at it, 90th pc",
                s3_p90,
            ),
            (
                "extensions_agreed",
                "Extensions agreed",
                n(self.extensions.agreed),
            ),
            (
                "extensions_matters",
                "  matters extended",
                n(self.extensions.matters),
            ),
            (
                "extensions_per_matter",
                "  per matter extended",
                tenths(self.extensions.per_matter),
            ),
            (
                "actions_completed",
                "Actions completed",
                n(self.actions.completed),
            ),
            (
                "actions_completed_on_time",
                "  on time",
                n(self.actions.completed_on_time),
            ),
            (
                "actions_completed_on_time_percent",
                "  on time (%)",
                tenths(self.actions.completed_on_time_percent),
            ),
            ("meetings", "Formal meetings", n(self.activity.meetings)),
            (
                "legal_advice",
                "Legal advice sought",
                n(self.activity.legal_advice),
            ),
            (
                "senior_manager_briefings",
                "Senior manager briefings",
                n(self.activity.senior_manager_briefings),
            ),
            (
                "concerns_raised",
                "Concerns raised",
                n(self.concerns.raised),
            ),
            (
                "cafcass_closed",
                "Closed by CAFCASS's decision",
                n(c.closed),
            ),
            (
                "drp_resolved_in_0_5_working_days",
                "  in 0-5 working days",
                n(bands.up_to_5),
            ),
            (
                "drp_resolved_in_6_10_working_days",
                "  in 6-10",
                n(bands.up_to_10),
            ),
            (
                "drp_resolved_in_11_15_working_days",
                "  in 11-15",
                n(bands.up_to_15),
            ),
            (
                "drp_resolved_in_16_20_working_days",
                "  in 16-20",
                n(bands.up_to_20),
            ),
            (
                "drp_resolved_in_21_30_working_days",
                "  in 21-30",
                n(bands.up_to_30),
            ),
            (
                "drp_resolved_in_31_40_working_days",
                "  in 31-40",
                n(bands.up_to_40),
            ),
            (
                "drp_resolved_in_41_or_more_working_days",
                "  in 41 or more",
                n(bands.over_40),
            ),
        ]
    }
}

/// The ways the figures are broken down, as `--by` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Breakdown {
    Category,
    Team,
    Iro,
    IroTeamManager,
    Month,
}

impl Breakdown {
    /// The word in the CSV's `breakdown` column.
    pub fn word(self) -> &'static str {
        match self {
            Breakdown::Category => "category",
            Breakdown::Team => "team",
            Breakdown::Iro => "iro",
            Breakdown::IroTeamManager => "iro-team-manager",
            Breakdown::Month => "month",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Breakdown::Category => "category",
            Breakdown::Team => "team",
            Breakdown::Iro => "IRO",
            Breakdown::IroTeamManager => "IRO team manager",
            Breakdown::Month => "month",
        }
    }

    pub const ALL: &'static [Breakdown] = &[
        Breakdown::Category,
        Breakdown::Team,
        Breakdown::Iro,
        Breakdown::IroTeamManager,
        Breakdown::Month,
    ];
}

/// The figures for a period: in all, and broken down by category, team, IRO, IRO team manager and
/// month. Every step counts in exactly one group of each breakdown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub totals: Figures,
    pub by_category: BTreeMap<String, Figures>,
    pub by_team: BTreeMap<String, Figures>,
    /// By the matter's IRO (the one it was raised by, whoever holds the child now).
    pub by_iro: BTreeMap<String, Figures>,
    /// By the child's IRO team manager when the matter was raised.
    pub by_iro_team_manager: BTreeMap<String, Figures>,
    /// By calendar month (`2026-03`), each step in the month it took effect; a month's open figures
    /// are those at its own start and end.
    pub by_month: BTreeMap<String, Figures>,
    /// The policy's categories in its order: the order categories are shown in (any other after).
    #[serde(skip)]
    pub category_order: Vec<String>,
}

impl Stats {
    /// The categories' figures in the policy's order, then any category it no longer lists.
    pub fn categories(&self) -> Vec<(&str, &Figures)> {
        let mut ordered: Vec<(&str, &Figures)> = self
            .category_order
            .iter()
            .filter_map(|c| self.by_category.get(c).map(|f| (c.as_str(), f)))
            .collect();
        ordered.extend(
            self.by_category
                .iter()
                .filter(|(c, _)| !self.category_order.contains(c))
                .map(|(c, f)| (c.as_str(), f)),
        );
        ordered
    }

    /// One breakdown's groups, in the order they are shown.
    pub fn groups(&self, by: Breakdown) -> Vec<(&str, &Figures)> {
        fn listed(groups: &BTreeMap<String, Figures>) -> Vec<(&str, &Figures)> {
            groups.iter().map(|(k, f)| (k.as_str(), f)).collect()
        }
        match by {
            Breakdown::Category => self.categories(),
            Breakdown::Team => listed(&self.by_team),
            Breakdown::Iro => listed(&self.by_iro),
            Breakdown::IroTeamManager => listed(&self.by_iro_team_manager),
            Breakdown::Month => listed(&self.by_month),
        }
    }
}

/// The order a table reads its figures in, by CSV column: what was raised first, then each level of the
/// process with what happened at it. (The CSV keeps the first release's columns first, the rest after.)
const TABLE_ORDER: &[&str] = &[
    "concerns_raised",
    "children_distinct",
    "children_repeat",
    "open_at_start",
    "open_at_end",
    "consultation_opened",
    "consultation_settled",
    "consultation_to_qap",
    "consultation_to_drp",
    "qap_raised",
    "qap_resolved",
    "qap_working_days_to_resolution_median",
    "qap_working_days_to_resolution_p90",
    "qap_escalated",
    "challenges_made",
    "challenges_followed_by_drp",
    "drp_entered",
    "drp_entered_stage_1",
    "drp_entered_stage_2",
    "drp_entered_stage_3",
    "drp_reached_stage_1",
    "drp_working_days_at_stage_1_median",
    "drp_working_days_at_stage_1_p90",
    "drp_reached_stage_2",
    "drp_working_days_at_stage_2_median",
    "drp_working_days_at_stage_2_p90",
    "drp_reached_stage_3",
    "drp_working_days_at_stage_3_median",
    "drp_working_days_at_stage_3_p90",
    "drp_resolved",
    "drp_resolved_stage_1",
    "drp_resolved_stage_2",
    "drp_resolved_stage_3",
    "drp_resolved_within_timescale",
    "drp_resolved_within_timescale_percent",
    "drp_working_days_to_resolution_median",
    "drp_working_days_to_resolution_p90",
    "drp_resolved_in_0_5_working_days",
    "drp_resolved_in_6_10_working_days",
    "drp_resolved_in_11_15_working_days",
    "drp_resolved_in_16_20_working_days",
    "drp_resolved_in_21_30_working_days",
    "drp_resolved_in_31_40_working_days",
    "drp_resolved_in_41_or_more_working_days",
    "cafcass_referrals_concurrent",
    "cafcass_referrals_formal",
    "cafcass_decisions_criteria_met",
    "cafcass_decisions_criteria_not_met",
    "cafcass_closed",
    "extensions_agreed",
    "extensions_matters",
    "extensions_per_matter",
    "actions_completed",
    "actions_completed_on_time",
    "actions_completed_on_time_percent",
    "meetings",
    "legal_advice",
    "senior_manager_briefings",
];

/// How wide a statistics table may be: a terminal's usual width, whatever the number of groups.
pub const TABLE_WIDTH: usize = 100;
/// The widest a group's column grows; longer names wrap.
const GROUP_WIDTH: usize = 14;

/// Statistics as JSON; as CSV, one row per group (`all`, then each group of each breakdown) with a
/// column per figure; or as tables with a row per figure and the groups across, in pages that fit in
/// [`TABLE_WIDTH`] columns, one set of pages per breakdown in `shown`.
pub fn stats(
    stats: &Stats,
    shown: &[Breakdown],
    format: Format,
    colour: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match format {
        Format::Json => json(stats, out),
        Format::Xlsx => {
            let measures = stats.totals.measures();
            let header: Vec<&str> = ["breakdown", "group"]
                .into_iter()
                .chain(measures.iter().map(|(name, _, _)| *name))
                .chain(PERIOD)
                .collect();
            let mut sheet = super::xlsx::Sheet::new("stats", &header)?;
            let same = |_: Breakdown, group: &str| group.to_string();
            for (breakdown, group, figures) in named_groups(stats, Breakdown::ALL, &same) {
                let cells: Vec<Field> = [Field::value(breakdown), Field::text(group)]
                    .into_iter()
                    .chain(figures.measures().into_iter().map(|(_, _, f)| f))
                    .chain([Field::value(stats.from), Field::value(stats.to)])
                    .collect();
                sheet.row(&cells)?;
            }
            sheet.finish(out)
        }
        Format::Csv => stats_csv(stats, Breakdown::ALL, &|_, group| group.to_string(), out),
        Format::Table => {
            writeln!(
                out,
                "Figures for {} to {} (by the date each step took effect; voided steps left out)",
                stats.from, stats.to
            )?;
            for by in shown {
                let groups = stats.groups(*by);
                if groups.is_empty() {
                    writeln!(out, "\nBy {}: nothing in the period.", by.title())?;
                    continue;
                }
                let pages = pages(&stats.totals, &groups);
                let count = pages.len();
                for (n, page) in pages.into_iter().enumerate() {
                    let heading = if count > 1 {
                        format!("By {} ({} of {count})", by.title(), n + 1)
                    } else {
                        format!("By {}", by.title())
                    };
                    writeln!(
                        out,
                        "\n{heading}:\n{}",
                        page_table(&stats.totals, &page, colour)
                    )?;
                }
            }
            Ok(())
        }
    }
}

/// The last columns of every row of the figures as CSV or a spreadsheet: the period they are of, so a
/// file kept apart from the command that made it still says.
const PERIOD: [&str; 2] = ["from", "to"];

/// The figures as CSV: `all`, then each group of the breakdowns `shown`, each group named by `name`
/// (the annual report's letters for teams).
pub fn stats_csv(
    stats: &Stats,
    shown: &[Breakdown],
    name: &dyn Fn(Breakdown, &str) -> String,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let measures = stats.totals.measures();
    let mut writer = super::csv_writer(out)?;
    let header = ["breakdown", "group"]
        .into_iter()
        .chain(measures.iter().map(|(column, _, _)| *column))
        .chain(PERIOD);
    writer.write_record(header).map_err(std::io::Error::from)?;
    let period = [stats.from.to_string(), stats.to.to_string()];
    for (breakdown, group, figures) in named_groups(stats, shown, name) {
        let cells = [breakdown.to_string(), spreadsheet_safe(&group).into_owned()]
            .into_iter()
            .chain(
                figures
                    .measures()
                    .into_iter()
                    .map(|(_, _, f)| f.as_str().to_string()),
            )
            .chain(period.iter().cloned());
        writer.write_record(cells).map_err(std::io::Error::from)?;
    }
    writer.flush()?;
    Ok(())
}

/// `all`, then each group of the breakdowns `shown`, named by `name`: the rows of the CSV and the
/// spreadsheet.
fn named_groups<'s>(
    stats: &'s Stats,
    shown: &[Breakdown],
    name: &dyn Fn(Breakdown, &str) -> String,
) -> Vec<(&'static str, String, &'s Figures)> {
    let mut rows = vec![("all", String::new(), &stats.totals)];
    for by in shown {
        for (group, figures) in stats.groups(*by) {
            rows.push((by.word(), name(*by, group), figures));
        }
    }
    rows
}

/// The width a group's column takes: its longest value, or its name up to [`GROUP_WIDTH`].
fn column_width(name: &str, figures: &Figures) -> usize {
    let widest_value = figures
        .measures()
        .iter()
        .map(|(_, _, f)| f.as_str().chars().count())
        .max()
        .unwrap_or(0);
    name.chars()
        .count()
        .min(GROUP_WIDTH)
        .max(widest_value)
        .max(5)
}

/// The groups split into pages that fit beside the labels and the total within [`TABLE_WIDTH`].
fn pages<'a>(
    totals: &Figures,
    groups: &[(&'a str, &'a Figures)],
) -> Vec<Vec<(&'a str, &'a Figures)>> {
    let label = totals
        .measures()
        .iter()
        .map(|(_, l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    // Each column takes its width and three characters of border and padding; the table one more.
    let fixed = 1 + (label + 3) + (column_width("total", totals) + 3);
    let mut pages: Vec<Vec<(&str, &Figures)>> = vec![Vec::new()];
    let mut used = fixed;
    for group in groups {
        let width = column_width(group.0, group.1) + 3;
        let page = pages.last_mut().expect("a page");
        if !page.is_empty() && used + width > TABLE_WIDTH {
            pages.push(vec![*group]);
            used = fixed + width;
        } else {
            page.push(*group);
            used += width;
        }
    }
    pages
}

/// A group's name broken into lines of at most [`GROUP_WIDTH`], after a hyphen or at a space where it
/// can be (`placement-stability-` / `or-suitability`), mid-word only where a word is longer.
fn wrapped(name: &str) -> String {
    let mut lines: Vec<String> = vec![String::new()];
    for piece in name.split_inclusive(['-', ' ']) {
        let line = lines.last_mut().expect("a line");
        if !line.is_empty() && line.chars().count() + piece.trim_end().chars().count() > GROUP_WIDTH
        {
            lines.push(String::new());
        }
        for c in piece.chars() {
            let line = lines.last_mut().expect("a line");
            if line.chars().count() == GROUP_WIDTH {
                lines.push(String::new());
            }
            lines.last_mut().expect("a line").push(c);
        }
    }
    lines
        .iter()
        .map(|l| l.trim_end())
        .collect::<Vec<_>>()
        .join("\n")
}

fn page_table(totals: &Figures, page: &[(&str, &Figures)], colour: bool) -> comfy_table::Table {
    // Names are stored text: shown as a terminal should show them, then wrapped.
    let names: Vec<String> = page
        .iter()
        .map(|(k, _)| wrapped(&crate::text::shown(k)))
        .collect();
    let header: Vec<&str> = ["", "total"]
        .into_iter()
        .chain(names.iter().map(String::as_str))
        .collect();
    let mut t = table(&header, colour);
    t.set_width(TABLE_WIDTH as u16);
    for (i, (name, figures)) in std::iter::once(("total", totals))
        .chain(page.iter().copied())
        .enumerate()
    {
        let width = column_width(name, figures) as u16;
        if let Some(column) = t.column_mut(i + 1) {
            column.set_constraint(comfy_table::ColumnConstraint::UpperBoundary(
                comfy_table::Width::Fixed(width + 2),
            ));
        }
    }
    let columns: Vec<Vec<Measure>> = std::iter::once(totals)
        .chain(page.iter().map(|(_, f)| *f))
        .map(Figures::measures)
        .collect();
    for column in TABLE_ORDER {
        let Some(i) = columns[0].iter().position(|(name, _, _)| name == column) else {
            continue;
        };
        let row = std::iter::once(columns[0][i].1.to_string())
            .chain(columns.iter().map(|c| c[i].2.as_str().to_string()));
        t.add_row(super::terminal_cells(row.collect()));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_long_groups_page_across_within_100_columns_and_none_is_lost() {
        let mut figures = Figures::default();
        figures.qap.raised = 123_456;
        let names: Vec<String> = (1..=12)
            .map(|i| format!("placement-stability-or-suitability-{i}"))
            .collect();
        let stats = Stats {
            from: "2026-04-01".parse().expect("a date"),
            to: "2027-03-31".parse().expect("a date"),
            totals: figures.clone(),
            by_category: names.iter().map(|n| (n.clone(), figures.clone())).collect(),
            by_team: BTreeMap::new(),
            by_iro: BTreeMap::new(),
            by_iro_team_manager: BTreeMap::new(),
            by_month: BTreeMap::new(),
            category_order: names.clone(),
        };
        let mut out = Vec::new();
        super::stats(
            &stats,
            &[Breakdown::Category, Breakdown::Team],
            Format::Table,
            false,
            &mut out,
        )
        .expect("a table");
        let text = String::from_utf8(out).expect("utf-8");
        let widest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        assert!(widest <= TABLE_WIDTH, "{widest} wide:\n{text}");
        assert!(text.contains("By category (1 of "), "{text}");
        // Every group's figure is shown once, and the total once on each page.
        let pages = text.matches("By category (").count();
        assert_eq!(text.matches("123456").count(), 12 + pages, "{text}");
        assert!(text.contains("By team: nothing in the period."), "{text}");
    }

    #[test]
    fn the_table_shows_every_figure_once() {
        let mut columns: Vec<&str> = Figures::default()
            .measures()
            .iter()
            .map(|(name, _, _)| *name)
            .collect();
        let mut ordered = TABLE_ORDER.to_vec();
        columns.sort_unstable();
        ordered.sort_unstable();
        assert_eq!(ordered, columns);
    }

    #[test]
    fn a_long_name_breaks_after_its_hyphens() {
        assert_eq!(
            wrapped("placement-stability-or-suitability"),
            "placement-\nstability-or-\nsuitability"
        );
        assert_eq!(wrapped("North"), "North");
        assert_eq!(wrapped("abcdefghijklmnopqrst"), "abcdefghijklmn\nopqrst");
    }
}
