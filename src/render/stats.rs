//! The year's figures: in all, by category and by team, as JSON, CSV or tables.

use std::io::Write;

use chrono::NaiveDate;
use serde::Serialize;

use super::{json, spreadsheet_safe, table, Field, Format};

/// The year's figures for one group of matters (all, one category, or one team).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    pub consultation: ConsultationFigures,
    pub qap: QapFigures,
    pub drp: DrpFigures,
    pub cafcass: CafcassFigures,
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

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QapFigures {
    /// QAPs raised in the period.
    pub raised: u32,
    /// QAPs resolved in the period without ever entering EPCP/DRP.
    pub resolved: u32,
    /// QAPs that entered EPCP/DRP in the period.
    pub escalated: u32,
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

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DrpFigures {
    /// Entries to EPCP/DRP in the period, by the stage entered at.
    pub entered: ByStage,
    /// EPCP/DRP matters resolved in the period, by the stage resolved at.
    pub resolved: ByStage,
    /// Of those, resolved on or before their resolution deadline.
    pub resolved_within_timescale: u32,
    /// That as a percentage of those resolved, to one decimal place; null when none were resolved.
    pub resolved_within_timescale_percent: Option<f64>,
    /// Working days from entry to resolution of those resolved.
    pub working_days_to_resolution: Spread,
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

impl Figures {
    /// Every figure with its CSV column name and its label for people, in report order.
    pub fn measures(&self) -> Vec<(&'static str, &'static str, Field)> {
        let (k, q, d, c) = (&self.consultation, &self.qap, &self.drp, &self.cafcass);
        let percent = d
            .resolved_within_timescale_percent
            .map(|p| format!("{p:.1}"));
        let median = d
            .working_days_to_resolution
            .median
            .map(|m| format!("{m:.1}"));
        vec![
            (
                "consultation_opened",
                "Consultations opened",
                Field::value(k.opened),
            ),
            (
                "consultation_settled",
                "  settled at consultation",
                Field::value(k.settled),
            ),
            (
                "consultation_to_qap",
                "  turned into a QAP",
                Field::value(k.to_qap),
            ),
            (
                "consultation_to_drp",
                "  entered into EPCP/DRP",
                Field::value(k.to_drp),
            ),
            ("qap_raised", "QAPs raised", Field::value(q.raised)),
            (
                "qap_resolved",
                "QAPs resolved (never in EPCP/DRP)",
                Field::value(q.resolved),
            ),
            (
                "qap_escalated",
                "QAPs escalated to EPCP/DRP",
                Field::value(q.escalated),
            ),
            (
                "drp_entered",
                "EPCP/DRP entered",
                Field::value(d.entered.total),
            ),
            (
                "drp_entered_stage_1",
                "  at stage 1",
                Field::value(d.entered.stage_1),
            ),
            (
                "drp_entered_stage_2",
                "  at stage 2",
                Field::value(d.entered.stage_2),
            ),
            (
                "drp_entered_stage_3",
                "  at stage 3",
                Field::value(d.entered.stage_3),
            ),
            (
                "drp_resolved",
                "EPCP/DRP resolved",
                Field::value(d.resolved.total),
            ),
            (
                "drp_resolved_stage_1",
                "  at stage 1",
                Field::value(d.resolved.stage_1),
            ),
            (
                "drp_resolved_stage_2",
                "  at stage 2",
                Field::value(d.resolved.stage_2),
            ),
            (
                "drp_resolved_stage_3",
                "  at stage 3",
                Field::value(d.resolved.stage_3),
            ),
            (
                "drp_resolved_within_timescale",
                "  within timescale",
                Field::value(d.resolved_within_timescale),
            ),
            (
                "drp_resolved_within_timescale_percent",
                "  within timescale (%)",
                Field::opt(percent),
            ),
            (
                "drp_working_days_to_resolution_median",
                "  working days to resolution, median",
                Field::opt(median),
            ),
            (
                "drp_working_days_to_resolution_p90",
                "  working days to resolution, 90th percentile",
                Field::opt(d.working_days_to_resolution.p90),
            ),
            (
                "cafcass_referrals_concurrent",
                "CAFCASS referrals, concurrent",
                Field::value(c.referrals.concurrent),
            ),
            (
                "cafcass_referrals_formal",
                "CAFCASS referrals, formal",
                Field::value(c.referrals.formal),
            ),
            (
                "cafcass_decisions_criteria_met",
                "CAFCASS decisions, criteria met",
                Field::value(c.decisions.criteria_met),
            ),
            (
                "cafcass_decisions_criteria_not_met",
                "CAFCASS decisions, criteria not met",
                Field::value(c.decisions.criteria_not_met),
            ),
        ]
    }
}

/// The figures for a period: in all, by category and by team.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub totals: Figures,
    pub by_category: std::collections::BTreeMap<String, Figures>,
    pub by_team: std::collections::BTreeMap<String, Figures>,
    /// By the matter's IRO (the one it was raised by, whoever holds the child now).
    pub by_iro: std::collections::BTreeMap<String, Figures>,
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
}

/// Statistics as JSON, as one CSV row per group (`all`, each category, each team) with a column per
/// figure, or as two tables (by category, by team) with a row per figure.
pub fn stats(
    stats: &Stats,
    format: Format,
    colour: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match format {
        Format::Json => json(stats, out),
        Format::Csv => {
            let measures = stats.totals.measures();
            let mut writer = super::csv_writer(out)?;
            let header = ["breakdown", "group"]
                .into_iter()
                .chain(measures.iter().map(|(name, _, _)| *name));
            writer.write_record(header).map_err(std::io::Error::from)?;
            let groups = std::iter::once(("all", "", &stats.totals))
                .chain(
                    stats
                        .categories()
                        .into_iter()
                        .map(|(k, f)| ("category", k, f)),
                )
                .chain(stats.by_team.iter().map(|(k, f)| ("team", k.as_str(), f)))
                .chain(stats.by_iro.iter().map(|(k, f)| ("iro", k.as_str(), f)));
            for (breakdown, group, figures) in groups {
                let cells = [breakdown.to_string(), spreadsheet_safe(group).into_owned()]
                    .into_iter()
                    .chain(
                        figures
                            .measures()
                            .into_iter()
                            .map(|(_, _, f)| f.as_str().to_string()),
                    );
                writer.write_record(cells).map_err(std::io::Error::from)?;
            }
            writer.flush()?;
            Ok(())
        }
        Format::Table => {
            writeln!(
                out,
                "Figures for {} to {} (by the date each step took effect)",
                stats.from, stats.to
            )?;
            let listed = |groups: &'_ std::collections::BTreeMap<String, Figures>| -> Vec<(String, Figures)> {
                groups.iter().map(|(k, f)| (k.clone(), f.clone())).collect()
            };
            let categories: Vec<(String, Figures)> = stats
                .categories()
                .into_iter()
                .map(|(k, f)| (k.to_string(), f.clone()))
                .collect();
            for (title, groups) in [
                ("category", categories),
                ("team", listed(&stats.by_team)),
                ("IRO", listed(&stats.by_iro)),
            ] {
                let header: Vec<&str> = ["", "total"]
                    .into_iter()
                    .chain(groups.iter().map(|(k, _)| k.as_str()))
                    .collect();
                let mut t = table(&header, colour);
                let columns: Vec<Vec<(&str, &str, Field)>> = std::iter::once(&stats.totals)
                    .chain(groups.iter().map(|(_, f)| f))
                    .map(Figures::measures)
                    .collect();
                for (i, (_, label, _)) in columns[0].iter().enumerate() {
                    let row = std::iter::once(label.to_string())
                        .chain(columns.iter().map(|c| c[i].2.as_str().to_string()));
                    t.add_row(super::terminal_cells(row.collect()));
                }
                writeln!(out, "\nBy {title}:\n{t}")?;
            }
            Ok(())
        }
    }
}
