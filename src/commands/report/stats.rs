//! `report stats`: the figures an IRO annual report gives, tallied from the facts of a period.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::super::{service_calendar, Context};
use super::StatsArgs;
use crate::calendar::Calendar;
use crate::error::{Problem, Status};
use crate::model::{CafcassDecision, ReferralKind};
use crate::render::{self, Figures};
use crate::store::reports::{StepFact, StepKind};

/// Adds up the figures of a period from its facts; each fact counts in exactly one category and one team,
/// so the breakdowns always sum to the totals.
pub fn tally(
    steps: &[StepFact],
    referrals: &[crate::store::reports::ReferralFact],
    from: NaiveDate,
    to: NaiveDate,
    calendar: &Calendar,
) -> anyhow::Result<render::Stats> {
    #[derive(Default)]
    struct Group {
        figures: Figures,
        days_to_resolution: Vec<i64>,
    }
    let mut totals = Group::default();
    let mut by_category: BTreeMap<String, Group> = BTreeMap::new();
    let mut by_team: BTreeMap<String, Group> = BTreeMap::new();
    let mut by_iro: BTreeMap<String, Group> = BTreeMap::new();
    let mut count = |category: &str, team: &str, iro: &str, add: &dyn Fn(&mut Group)| {
        add(&mut totals);
        add(by_category.entry(category.to_string()).or_default());
        add(by_team.entry(team.to_string()).or_default());
        add(by_iro.entry(iro.to_string()).or_default());
    };
    for fact in steps {
        match fact.kind {
            StepKind::ConsultationOpened => count(&fact.category, &fact.team, &fact.iro, &|g| {
                g.figures.consultation.opened += 1
            }),
            StepKind::QapRaised => count(&fact.category, &fact.team, &fact.iro, &|g| {
                g.figures.qap.raised += 1;
                if fact.from_consultation {
                    g.figures.consultation.to_qap += 1;
                }
            }),
            StepKind::DrpEntered => count(&fact.category, &fact.team, &fact.iro, &|g| {
                g.figures.drp.entered.count(fact.entry_stage);
                if fact.from_qap {
                    g.figures.qap.escalated += 1;
                }
                if fact.from_consultation {
                    g.figures.consultation.to_drp += 1;
                }
            }),
            StepKind::Resolved => match (fact.drp_entered_on, fact.drp_deadline) {
                // Entry to EPCP/DRP and raising a QAP are never undone: a matter with neither was
                // settled at consultation, one with a QAP but no EPCP/DRP was resolved as a QAP.
                (None, _) if fact.qap_raised => {
                    count(&fact.category, &fact.team, &fact.iro, &|g| {
                        g.figures.qap.resolved += 1
                    })
                }
                (None, _) => count(&fact.category, &fact.team, &fact.iro, &|g| {
                    g.figures.consultation.settled += 1
                }),
                (Some(entered), deadline) => {
                    let days = calendar.working_days_between(entered, fact.on)?;
                    let in_time = deadline.is_some_and(|d| fact.on <= d);
                    count(&fact.category, &fact.team, &fact.iro, &|g| {
                        g.figures.drp.resolved.count(fact.stage);
                        g.figures.drp.resolved_within_timescale += u32::from(in_time);
                        g.days_to_resolution.push(days);
                    });
                }
            },
        }
    }
    let in_period = |day: NaiveDate| from <= day && day <= to;
    for r in referrals {
        if in_period(r.referred_on) {
            count(&r.category, &r.team, &r.iro, &|g| match r.kind {
                ReferralKind::Concurrent => g.figures.cafcass.referrals.concurrent += 1,
                ReferralKind::Formal => g.figures.cafcass.referrals.formal += 1,
            });
        }
        if let (Some(decision), Some(on)) = (r.decision, r.decided_on) {
            if in_period(on) {
                count(&r.category, &r.team, &r.iro, &|g| match decision {
                    CafcassDecision::CriteriaMet => g.figures.cafcass.decisions.criteria_met += 1,
                    CafcassDecision::CriteriaNotMet => {
                        g.figures.cafcass.decisions.criteria_not_met += 1
                    }
                });
            }
        }
    }
    let finish = |mut g: Group| -> Figures {
        let drp = &mut g.figures.drp;
        if drp.resolved.total > 0 {
            let percent =
                f64::from(drp.resolved_within_timescale) * 100.0 / f64::from(drp.resolved.total);
            drp.resolved_within_timescale_percent = Some((percent * 10.0).round() / 10.0);
        }
        drp.working_days_to_resolution = spread(&mut g.days_to_resolution);
        g.figures
    };
    Ok(render::Stats {
        from,
        to,
        totals: finish(totals),
        by_category: by_category
            .into_iter()
            .map(|(k, g)| (k, finish(g)))
            .collect(),
        by_team: by_team.into_iter().map(|(k, g)| (k, finish(g))).collect(),
        by_iro: by_iro.into_iter().map(|(k, g)| (k, finish(g))).collect(),
        category_order: Vec::new(),
    })
}

/// The median and nearest-rank 90th percentile of working-day counts.
fn spread(days: &mut [i64]) -> render::Spread {
    if days.is_empty() {
        return render::Spread::default();
    }
    days.sort_unstable();
    let n = days.len();
    let median = if n % 2 == 1 {
        days[n / 2] as f64
    } else {
        (days[n / 2 - 1] + days[n / 2]) as f64 / 2.0
    };
    // Nearest rank: the ceil(0.9 n)-th value, counting from 1.
    let rank = (9 * n).div_ceil(10);
    render::Spread {
        median: Some(median),
        p90: Some(days[rank - 1]),
    }
}

pub(super) fn stats(ctx: &mut Context, args: &StatsArgs) -> anyhow::Result<Status> {
    if args.from > args.to {
        return Err(Problem::Usage(format!(
            "--from {} is after --to {}: the period runs from the first day to the last",
            args.from, args.to
        ))
        .into());
    }
    let mut store = ctx.open()?;
    let tx = store.read()?;
    let calendar = service_calendar(ctx, &tx)?;
    let steps = tx.step_facts(args.from, args.to)?;
    let referrals = tx.referral_facts(args.from, args.to)?;
    let mut stats = tally(&steps, &referrals, args.from, args.to, &calendar)?;
    stats.category_order = ctx.policy.categories.clone();
    render::stats(&stats, args.format, ctx.colour, ctx.out)?;
    Ok(Status::Done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Stage;
    use crate::store::reports::ReferralFact;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("a date")
    }

    #[test]
    fn spread_is_the_median_and_the_nearest_rank_90th_percentile() {
        let spread_of = |mut days: Vec<i64>| {
            let s = spread(&mut days);
            (s.median, s.p90)
        };
        assert_eq!(spread_of(vec![]), (None, None));
        assert_eq!(spread_of(vec![7]), (Some(7.0), Some(7)));
        assert_eq!(spread_of((1..=10).rev().collect()), (Some(5.5), Some(9)));
        assert_eq!(spread_of((1..=11).collect()), (Some(6.0), Some(10)));
    }

    #[test]
    fn a_drp_resolution_counts_at_its_stage_and_against_its_deadline() {
        let resolved = |matter: &str, team: &str, stage, entered, deadline, on| StepFact {
            kind: StepKind::Resolved,
            on: day(on),
            matter: matter.into(),
            category: "contact".into(),
            team: team.into(),
            iro: format!("iro-{team}"),
            entry_stage: None,
            from_qap: false,
            from_consultation: false,
            qap_raised: false,
            drp_entered_on: Some(day(entered)),
            drp_deadline: Some(day(deadline)),
            stage: Some(stage),
        };
        let steps = [
            resolved(
                "E-1",
                "North",
                Stage::One,
                "2026-11-02",
                "2026-11-30",
                "2026-11-20",
            ),
            resolved(
                "E-2",
                "South",
                Stage::Two,
                "2026-10-01",
                "2026-10-29",
                "2026-11-05",
            ),
        ];
        let referral = ReferralFact {
            matter: "E-2".into(),
            category: "contact".into(),
            team: "South".into(),
            iro: "iro-South".into(),
            kind: ReferralKind::Concurrent,
            referred_on: day("2026-09-30"),
            decision: Some(CafcassDecision::CriteriaMet),
            decided_on: day("2026-11-02").into(),
        };
        let calendar = Calendar::england_and_wales();
        let stats = tally(
            &steps,
            &[referral],
            day("2026-11-01"),
            day("2026-11-30"),
            &calendar,
        )
        .expect("figures");
        let drp = &stats.totals.drp;
        assert_eq!(
            (
                drp.resolved.total,
                drp.resolved.stage_1,
                drp.resolved.stage_2
            ),
            (2, 1, 1)
        );
        assert_eq!(drp.resolved_within_timescale, 1);
        assert_eq!(drp.resolved_within_timescale_percent, Some(50.0));
        assert_eq!(drp.working_days_to_resolution.median, Some(19.5));
        // Referred before the period, decided within it: only the decision counts.
        assert_eq!(stats.totals.cafcass.referrals.concurrent, 0);
        assert_eq!(stats.totals.cafcass.decisions.criteria_met, 1);
        assert_eq!(stats.by_team["South"].cafcass.decisions.criteria_met, 1);
        // By IRO too: each matter's figures count for its IRO.
        assert_eq!(stats.by_iro["iro-South"].cafcass.decisions.criteria_met, 1);
        assert_eq!(stats.by_iro["iro-North"].drp.resolved.total, 1);
        assert_eq!(
            stats.by_team["North"].drp.resolved_within_timescale_percent,
            Some(100.0)
        );
    }
}
