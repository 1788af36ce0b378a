//! The annual report to the corporate parenting board: the headline figures beside the previous
//! period's, and charts of them (inline SVG in the HTML, files beside the Markdown), each chart's numbers
//! in a table beneath it and a note of how they are counted. The figures are `report stats`'s own.
//!
//! The Markdown is built with typed text escaped (`markdown::text`, `cell`) and made into HTML by
//! `markdown::to_html`, which drops links and images and shows raw HTML as text; each chart's SVG then
//! takes the place of its marker paragraph. No child is named or referred to anywhere: the figures hold
//! none.

use std::fmt::Write as _;

use super::charts::{self, Series};
use super::markdown::{cell, text, to_html};
use super::{Figures, Stats};

/// What the report is made of: the period's figures, the previous period's, and how teams are named.
pub struct AnnualFigures<'a> {
    pub current: &'a Stats,
    pub previous: &'a Stats,
    /// The day the record's first step took effect.
    pub record_began: Option<chrono::NaiveDate>,
    /// Each team's name as the report shows it (a letter when teams are redacted).
    pub team_name: &'a dyn Fn(&str) -> String,
}

/// The documents of the report.
pub struct AnnualReport {
    pub markdown: String,
    pub html: String,
    /// Each chart as a file beside the Markdown: its file name and SVG.
    pub charts: Vec<(String, String)>,
}

/// One chart: its file, its title, its SVG, its table and how it is counted.
struct Chart {
    file: &'static str,
    title: String,
    svg: String,
    table: String,
    note: &'static str,
}

fn marker(file: &str) -> String {
    format!("CHART-{}", file.trim_end_matches(".svg"))
}

fn headline(f: &Figures) -> Vec<(&'static str, String)> {
    let d = &f.drp;
    let opt = |v: Option<f64>| v.map_or_else(|| "–".to_string(), |v| format!("{v:.1}"));
    let opt_i = |v: Option<i64>| v.map_or_else(|| "–".to_string(), |v| v.to_string());
    vec![
        ("Concerns raised", f.concerns.raised.to_string()),
        (
            "Settled at consultation",
            f.consultation.settled.to_string(),
        ),
        ("Resolved as a QAP", f.qap.resolved.to_string()),
        (
            "Resolved at EPCP/DRP stage 1",
            d.resolved.stage_1.to_string(),
        ),
        (
            "Resolved at EPCP/DRP stage 2",
            d.resolved.stage_2.to_string(),
        ),
        (
            "Resolved at EPCP/DRP stage 3",
            d.resolved.stage_3.to_string(),
        ),
        ("Closed by CAFCASS's decision", f.cafcass.closed.to_string()),
        ("Reached stage 1", d.reached.stage_1.to_string()),
        ("Reached stage 2", d.reached.stage_2.to_string()),
        ("Reached stage 3", d.reached.stage_3.to_string()),
        (
            "EPCP/DRP resolved within timescale",
            d.resolved_within_timescale.to_string(),
        ),
        (
            "  as a share of those resolved (%)",
            opt(d.resolved_within_timescale_percent),
        ),
        (
            "Working days to resolution, median",
            opt(d.working_days_to_resolution.median),
        ),
        (
            "Working days to resolution, 90th percentile",
            opt_i(d.working_days_to_resolution.p90),
        ),
        (
            "CAFCASS referrals, concurrent",
            f.cafcass.referrals.concurrent.to_string(),
        ),
        (
            "CAFCASS referrals, formal",
            f.cafcass.referrals.formal.to_string(),
        ),
        (
            "CAFCASS decisions, criteria met",
            f.cafcass.decisions.criteria_met.to_string(),
        ),
        (
            "CAFCASS decisions, criteria not met",
            f.cafcass.decisions.criteria_not_met.to_string(),
        ),
        ("Challenges by team managers", f.challenges.made.to_string()),
        ("Extensions agreed", f.extensions.agreed.to_string()),
    ]
}

/// A Markdown table: a header and rows whose first cell is a name (typed text, escaped) and whose
/// other cells are figures iro wrote (digits, a point, a dash), written as they are.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "| {} |",
        header
            .iter()
            .map(|h| cell(h))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let _ = writeln!(t, "|{}", " --- |".repeat(header.len()));
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let figure = i > 0
                    && c.chars()
                        .all(|c| c.is_ascii_digit() || c == '.' || c == '–');
                if figure {
                    c.clone()
                } else {
                    cell(c)
                }
            })
            .collect();
        let _ = writeln!(t, "| {} |", cells.join(" | "));
    }
    t
}

/// A month key (`2026-03`) as a chart's axis says it: `Mar 2026`.
fn month_label(key: &str) -> String {
    chrono::NaiveDate::parse_from_str(&format!("{key}-01"), "%Y-%m-%d")
        .map(|d| d.format("%b %Y").to_string())
        .unwrap_or_else(|_| key.to_string())
}

fn charts(a: &AnnualFigures) -> anyhow::Result<Vec<Chart>> {
    let s = a.current;
    let months: Vec<(&String, &Figures)> = s.by_month.iter().collect();
    let month_labels: Vec<String> = months.iter().map(|(k, _)| month_label(k)).collect();
    let mut out = Vec::new();

    let by_stage = |pick: fn(&Figures) -> [u32; 3]| -> Vec<Series> {
        (0..3)
            .map(|i| Series {
                values: months.iter().map(|(_, f)| pick(f)[i]).collect(),
            })
            .collect()
    };
    let reached = by_stage(|f| {
        let r = &f.drp.reached;
        [r.stage_1, r.stage_2, r.stage_3]
    });
    let rows: Vec<Vec<String>> = months
        .iter()
        .zip(&month_labels)
        .enumerate()
        .map(|(i, (_, label))| {
            let mut row = vec![label.clone()];
            row.extend(reached.iter().map(|s| s.values[i].to_string()));
            row
        })
        .collect();
    out.push(Chart {
        file: "escalations-by-month.svg",
        title: "Escalations by month and stage".into(),
        svg: charts::stacked_bars(
            "Escalations by month and stage",
            &month_labels,
            &reached,
            "stages reached",
        )?,
        table: table(&["month", "stage 1 (blue)", "stage 2 (orange)", "stage 3 (red)"], &rows),
        note: "Each entry to EPCP/DRP counts at the stage entered, and each move up a stage at the stage \
               reached, in the month the step took effect; a matter moving 1→2→3 counts once at each.",
    });

    let within: Vec<Option<f64>> = months
        .iter()
        .map(|(_, f)| f.drp.resolved_within_timescale_percent)
        .collect();
    let rows: Vec<Vec<String>> = months
        .iter()
        .zip(&month_labels)
        .map(|((_, f), label)| {
            let d = &f.drp;
            vec![
                label.clone(),
                d.resolved.total.to_string(),
                d.resolved_within_timescale.to_string(),
                d.resolved_within_timescale_percent
                    .map_or_else(|| "–".to_string(), |p| format!("{p:.1}")),
            ]
        })
        .collect();
    out.push(Chart {
        file: "within-timescale-by-month.svg",
        title: "EPCP/DRP resolved within timescale, by month".into(),
        svg: charts::percent_line(
            "EPCP/DRP resolved within timescale (%)",
            &month_labels,
            &within,
        )?,
        table: table(&["month", "resolved", "within timescale", "share (%)"], &rows),
        note: "Of the EPCP/DRP matters resolved in the month, those resolved on or before their \
               resolution deadline (20 working days from entry, or as the policy sets). A month with none \
               resolved has no point.",
    });

    let bands = s.totals.drp.working_days_to_resolution_bands.bands();
    let labels: Vec<String> = bands.iter().map(|(l, _)| l.to_string()).collect();
    let values: Vec<u32> = bands.iter().map(|(_, n)| *n).collect();
    out.push(Chart {
        file: "working-days-to-resolution.svg",
        title: "Working days to resolution".into(),
        svg: charts::stacked_bars(
            "Working days from entry to EPCP/DRP to resolution",
            &labels,
            &[Series {
                values: values.clone(),
            }],
            "matters resolved",
        )?,
        table: table(
            &["working days", "matters resolved"],
            &labels
                .iter()
                .zip(&values)
                .map(|(l, v)| vec![l.clone(), v.to_string()])
                .collect::<Vec<_>>(),
        ),
        note: "Working days (weekends, bank holidays and the service's closure days left out) from the \
               day the matter entered EPCP/DRP to the day it was resolved, for each EPCP/DRP matter \
               resolved in the period.",
    });

    let categories: Vec<(String, u32)> = s
        .categories()
        .into_iter()
        .map(|(c, f)| (c.to_string(), f.concerns.raised))
        .collect();
    out.push(bars_chart(
        "concerns-by-category.svg",
        "Concerns raised by category",
        "category",
        &categories,
        "Each concern raised in the period (a consultation, a QAP or an entry straight into EPCP/DRP \
         opening a new matter) counts once, in its category; categories in the policy's order.",
    )?);
    let teams: Vec<(String, u32)> = s
        .by_team
        .iter()
        .map(|(t, f)| ((a.team_name)(t), f.concerns.raised))
        .collect();
    out.push(bars_chart(
        "concerns-by-team.svg",
        "Concerns raised by team",
        "team",
        &teams,
        "Each concern raised in the period counts once, in the social work team of the child when it \
         was raised.",
    )?);
    let t = &s.totals;
    let settled = vec![
        ("consultation".to_string(), t.consultation.settled),
        ("QAP".to_string(), t.qap.resolved),
        ("stage 1".to_string(), t.drp.resolved.stage_1),
        ("stage 2".to_string(), t.drp.resolved.stage_2),
        ("stage 3".to_string(), t.drp.resolved.stage_3),
        ("CAFCASS".to_string(), t.cafcass.closed),
    ];
    out.push(bars_chart(
        "where-settled.svg",
        "Where concerns were settled",
        "settled at",
        &settled,
        "Each matter resolved in the period counts once, at the level it was settled: at consultation, \
         as a QAP (never in EPCP/DRP), at the EPCP/DRP stage it was resolved at, or closed by CAFCASS's \
         decision on a formal referral.",
    )?);
    Ok(out)
}

fn bars_chart(
    file: &'static str,
    title: &str,
    what: &str,
    bars: &[(String, u32)],
    note: &'static str,
) -> anyhow::Result<Chart> {
    let labels: Vec<String> = bars.iter().map(|(l, _)| l.clone()).collect();
    let values: Vec<u32> = bars.iter().map(|(_, v)| *v).collect();
    Ok(Chart {
        file,
        title: title.into(),
        svg: charts::bars_across(title, &labels, &values)?,
        table: table(
            &[what, "count"],
            &bars
                .iter()
                .map(|(l, v)| vec![l.clone(), v.to_string()])
                .collect::<Vec<_>>(),
        ),
        note,
    })
}

/// The report as Markdown (charts as images beside it) and as one self-contained HTML page (charts
/// inline).
pub fn annual(a: &AnnualFigures) -> anyhow::Result<AnnualReport> {
    let (s, p) = (a.current, a.previous);
    let charts = charts(a)?;
    let document = |chart_line: &dyn Fn(&Chart) -> String| -> String {
        let mut md = String::new();
        let _ = writeln!(
            md,
            "# IRO service: escalations from {} to {}\n",
            s.from, s.to
        );
        // A period before the record began has no figures to compare with: not zeros.
        let unrecorded = a.record_began.is_none_or(|began| p.to < began);
        let began_within = a
            .record_began
            .filter(|began| p.from < *began && *began <= p.to);
        let _ = writeln!(
            md,
            "Every figure is counted by the date each step took effect; a step voided as entered in error \
             counts for nothing. The previous period is {} to {}{}. No child is named or referred to.\n",
            p.from,
            p.to,
            match (unrecorded, began_within) {
                (true, _) => ", before this record began: it has no figures (–)".to_string(),
                (false, Some(began)) =>
                    format!(", part of it before this record began on {began}"),
                (false, None) => String::new(),
            }
        );
        let _ = writeln!(md, "## Headline figures\n");
        let rows: Vec<Vec<String>> = headline(&s.totals)
            .into_iter()
            .zip(headline(&p.totals))
            .map(|((label, now), (_, before))| {
                let before = if unrecorded {
                    "–".to_string()
                } else {
                    before
                };
                vec![label.trim().to_string(), now, before]
            })
            .collect();
        let this = format!("{} to {}", s.from, s.to);
        let before = format!("{} to {}", p.from, p.to);
        md.push_str(&table(&["figure", &this, &before], &rows));
        for chart in &charts {
            let _ = writeln!(md, "\n## {}\n", text(&chart.title));
            let _ = writeln!(md, "{}\n", chart_line(chart));
            md.push_str(&chart.table);
            let _ = writeln!(md, "\n{}", text(chart.note));
        }
        md
    };
    let markdown = document(&|c| format!("![{}]({})", text(&c.title), c.file));
    let marked = document(&|c| marker(c.file));
    let mut html = to_html(
        &format!("IRO service: escalations from {} to {}", s.from, s.to),
        &marked,
    );
    for chart in &charts {
        let figure = format!(
            "<figure role=\"img\" aria-label=\"{} (the numbers are in the table below)\">\n{}</figure>",
            chart.title,
            // Inside HTML an `svg` element is SVG by itself: the file's namespace declaration, the only
            // address in it, is not needed.
            chart
                .svg
                .trim_start_matches(|c| c != '<')
                .replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
        );
        html = html.replacen(&format!("<p>{}</p>", marker(chart.file)), &figure, 1);
    }
    Ok(AnnualReport {
        markdown,
        html,
        charts: charts
            .into_iter()
            .map(|c| (c.file.to_string(), c.svg))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn stats(from: &str, to: &str, raised: u32) -> Stats {
        let mut totals = Figures::default();
        totals.concerns.raised = raised;
        Stats {
            from: from.parse().expect("a date"),
            to: to.parse().expect("a date"),
            totals,
            by_category: BTreeMap::new(),
            by_team: BTreeMap::new(),
            by_iro: BTreeMap::new(),
            by_iro_team_manager: BTreeMap::new(),
            by_month: BTreeMap::new(),
            category_order: Vec::new(),
        }
    }

    fn report(began: &str) -> String {
        let (current, previous) = (
            stats("2026-04-01", "2027-03-31", 12),
            stats("2025-04-01", "2026-03-31", 7),
        );
        let same = |team: &str| team.to_string();
        annual(&AnnualFigures {
            current: &current,
            previous: &previous,
            record_began: began.parse().ok(),
            team_name: &same,
        })
        .expect("a report")
        .markdown
    }

    #[test]
    fn the_previous_period_is_shown_when_recorded_and_marked_when_not() {
        assert!(report("2024-01-01").contains("| Concerns raised | 12 | 7 |"));
        let partly = report("2025-10-01");
        assert!(partly.contains("| Concerns raised | 12 | 7 |"));
        assert!(partly.contains("part of it before this record began on 2025-10-01"));
        let before = report("2026-05-01");
        assert!(before.contains("| Concerns raised | 12 | – |"), "{before}");
        assert!(before.contains("before this record began: it has no figures"));
    }
}
