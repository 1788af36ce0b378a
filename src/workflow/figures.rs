//! The figures of a period, tallied from the facts the store gives: `report stats` and the annual report
//! render this one computation.

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use chrono::{Datelike, NaiveDate};

use crate::calendar::Calendar;
use crate::model::{CafcassDecision, ReferralKind, Stage};
use crate::render::{Figures, Spread, Stats};
use crate::store::reports::{ChildrenOverTime, OpenSpan, ReferralFact, StepFact, StepKind};
use crate::store::Tx;

/// The figures from `from` to `to` (both included) as the record stands, voided steps left out;
/// categories shown in `category_order`.
pub fn period(
    tx: &Tx,
    calendar: &Calendar,
    from: NaiveDate,
    to: NaiveDate,
    category_order: &[String],
) -> anyhow::Result<Stats> {
    // Read once: every fact is counted under the child's IRO team manager of its matter's first day.
    let history = tx.children_over_time()?;
    period_under(tx, &history, calendar, from, to, category_order)
}

/// As [`period`], with what the figures look up about each child already read (two periods read it
/// once).
pub fn period_under(
    tx: &Tx,
    history: &ChildrenOverTime,
    calendar: &Calendar,
    from: NaiveDate,
    to: NaiveDate,
    category_order: &[String],
) -> anyhow::Result<Stats> {
    let mut tally = Tally::new(from, to);
    let managers = &history.managers;
    tx.each_step_fact(from, to, history, |fact| tally.step(fact, calendar))?;
    for referral in tx.referral_facts(from, to, managers)? {
        tally.referral(&referral);
    }
    tx.each_open_span(from, to, managers, |span| {
        tally.open(span);
        Ok::<(), crate::store::StoreError>(())
    })?;
    let mut stats = tally.finish();
    stats.category_order = category_order.to_vec();
    Ok(stats)
}

/// What a group gathers before its figures are finished: the working-day counts for the spreads, the
/// children and the matters extended.
#[derive(Default)]
struct Group {
    figures: Figures,
    days_to_resolution: Vec<i64>,
    qap_days_to_resolution: Vec<i64>,
    days_at_stage: [Vec<i64>; 3],
    /// Each child a concern was raised about: how many in the period, and whether one came before.
    /// By the child's number in `Tally::children`.
    children: HashMap<u32, (u32, bool)>,
    extended: HashSet<String>,
}

/// The groups a matter's figures count in, one of each breakdown.
struct Keys<'a> {
    category: &'a str,
    team: &'a str,
    iro: &'a str,
    iro_team_manager: &'a str,
}

/// The figures as they are counted: hundreds of thousands of steps count five times each, so a group is
/// found by hashing the text it is keyed by, allocated once per group, not once per step.
struct Tally {
    from: NaiveDate,
    to: NaiveDate,
    months: Vec<(NaiveDate, NaiveDate)>,
    totals: Group,
    by_category: HashMap<String, Group>,
    by_team: HashMap<String, Group>,
    by_iro: HashMap<String, Group>,
    by_iro_team_manager: HashMap<String, Group>,
    /// By the month's first day.
    by_month: HashMap<NaiveDate, Group>,
    /// Each child a concern was raised about, numbered: a group keeps the number, not the reference.
    children: HashMap<String, u32>,
}

/// The group `key` names, made the first time it is named.
fn group<'g>(groups: &'g mut HashMap<String, Group>, key: &str) -> &'g mut Group {
    if !groups.contains_key(key) {
        groups.insert(key.to_string(), Group::default());
    }
    groups.get_mut(key).expect("inserted above")
}

impl Tally {
    fn new(from: NaiveDate, to: NaiveDate) -> Tally {
        let months = months(from, to);
        Tally {
            from,
            to,
            // Every month of the period is shown, a quiet one too.
            by_month: months
                .iter()
                .map(|(first, _)| (first_of_month(*first), Group::default()))
                .collect(),
            months,
            totals: Group::default(),
            by_category: HashMap::default(),
            by_team: HashMap::default(),
            by_iro: HashMap::default(),
            by_iro_team_manager: HashMap::default(),
            children: HashMap::default(),
        }
    }

    /// Counts `add` in the totals, in each of the matter's groups, and in the month of `on`.
    fn count(&mut self, keys: &Keys, on: NaiveDate, add: impl Fn(&mut Group)) {
        for g in self.groups_of(keys, on) {
            add(g);
        }
    }
}

/// The last day of `day`'s month, or the period's last day if that comes first.
fn month_end(day: NaiveDate, to: NaiveDate) -> NaiveDate {
    months(first_of_month(day), to)
        .first()
        .map_or(to, |(_, last)| *last)
}

fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).expect("the first of a month")
}

fn month(first: NaiveDate) -> String {
    format!("{:04}-{:02}", first.year(), first.month())
}

/// The months a period touches, each with its first and last day inside the period.
fn months(from: NaiveDate, to: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    let mut spans = Vec::new();
    let mut first = from;
    while first <= to {
        let next_month = if first.month() == 12 {
            NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
        }
        .expect("the first of a month");
        let last = next_month.pred_opt().expect("a day").min(to);
        spans.push((first, last));
        first = next_month;
    }
    spans
}

fn stage_index(stage: Option<Stage>) -> Option<usize> {
    match stage? {
        Stage::One => Some(0),
        Stage::Two => Some(1),
        Stage::Three => Some(2),
    }
}

/// Adds up the figures of a period from facts in hand (the tests'); each fact counts in exactly one
/// group of each breakdown, so a breakdown's counts always sum to the totals.
#[cfg(test)]
pub(crate) fn tally(
    steps: &[StepFact],
    referrals: &[ReferralFact],
    open: &[OpenSpan],
    from: NaiveDate,
    to: NaiveDate,
    calendar: &Calendar,
) -> anyhow::Result<Stats> {
    let mut tally = Tally::new(from, to);
    for fact in steps {
        tally.step(fact, calendar)?;
    }
    for referral in referrals {
        tally.referral(referral);
    }
    for span in open {
        tally.open(span);
    }
    Ok(tally.finish())
}

impl Tally {
    /// The groups a fact counts in: the totals, one of each breakdown, and last, its month's.
    /// Found once for each step, however many of its figures the step adds to.
    fn groups_of(&mut self, keys: &Keys, on: NaiveDate) -> [&mut Group; 6] {
        [
            &mut self.totals,
            group(&mut self.by_category, keys.category),
            group(&mut self.by_team, keys.team),
            group(&mut self.by_iro, keys.iro),
            group(&mut self.by_iro_team_manager, keys.iro_team_manager),
            self.by_month.entry(first_of_month(on)).or_default(),
        ]
    }

    /// Counts one step.
    fn step(&mut self, fact: &StepFact, calendar: &Calendar) -> anyhow::Result<()> {
        let to = self.to;
        let keys = Keys {
            category: fact.category,
            team: fact.team,
            iro: fact.iro,
            iro_team_manager: fact.iro_team_manager,
        };
        // The child's number, before the groups are borrowed: a group keeps the number, not the text.
        let child = fact.opens.then(|| {
            let next = self.children.len() as u32;
            match self.children.get(fact.child) {
                Some(number) => *number,
                None => *self.children.entry(fact.child.to_string()).or_insert(next),
            }
        });
        // What the step adds needs the calendar first, which may refuse a day outside its range.
        let days = |from: Option<NaiveDate>| -> anyhow::Result<Option<i64>> {
            Ok(match from {
                Some(from) => Some(calendar.working_days_between(from, fact.on)?),
                None => None,
            })
        };
        let (stayed, waited) = match fact.kind {
            StepKind::StageRaised => (days(fact.stage_reached_on)?, None),
            StepKind::Resolved => match fact.drp_entered_on {
                // Entry to EPCP/DRP and raising a QAP are never undone: a matter with neither was
                // settled at consultation, one with a QAP but no EPCP/DRP was resolved as a QAP.
                None if fact.qap_raised => (None, days(fact.qap_raised_on)?),
                None => (None, None),
                Some(entered) => (days(fact.stage_reached_on)?, days(Some(entered))?),
            },
            _ => (None, None),
        };
        let mut groups = self.groups_of(&keys, fact.on);
        let mut count = |add: &dyn Fn(&mut Group)| groups.iter_mut().for_each(|g| add(g));
        if let Some(number) = child {
            count(&|g| {
                g.figures.concerns.raised += 1;
                let child = g.children.entry(number).or_default();
                child.0 += 1;
                child.1 |= fact.earlier_concern;
            });
        }
        match fact.kind {
            StepKind::ConsultationOpened => count(&|g| g.figures.consultation.opened += 1),
            StepKind::QapRaised => count(&|g| {
                g.figures.qap.raised += 1;
                if fact.from_consultation {
                    g.figures.consultation.to_qap += 1;
                }
            }),
            StepKind::DrpEntered => count(&|g| {
                g.figures.drp.entered.count(fact.entry_stage);
                g.figures.drp.reached.count(fact.entry_stage);
                if fact.from_qap {
                    g.figures.qap.escalated += 1;
                }
                if fact.from_consultation {
                    g.figures.consultation.to_drp += 1;
                }
            }),
            StepKind::StageRaised => {
                // The stage left, which is not always the one below the stage reached (1 to 3).
                let left = stage_index(fact.stage_left);
                count(&|g| {
                    g.figures.drp.reached.count(fact.entry_stage);
                    if let (Some(days), Some(i)) = (stayed, left) {
                        g.days_at_stage[i].push(days);
                    }
                })
            }
            StepKind::Resolved => match fact.drp_entered_on {
                None if fact.qap_raised => count(&|g| {
                    g.figures.qap.resolved += 1;
                    g.qap_days_to_resolution.extend(waited);
                }),
                None => count(&|g| g.figures.consultation.settled += 1),
                Some(_) => {
                    let at = stage_index(fact.stage);
                    let in_time = fact.drp_deadline.is_some_and(|d| fact.on <= d);
                    count(&|g| {
                        g.figures.drp.resolved.count(fact.stage);
                        g.figures.drp.resolved_within_timescale += u32::from(in_time);
                        if let Some(days) = waited {
                            g.days_to_resolution.push(days);
                            g.figures.drp.working_days_to_resolution_bands.count(days);
                        }
                        if let (Some(days), Some(i)) = (stayed, at) {
                            g.days_at_stage[i].push(days);
                        }
                    });
                }
            },
            StepKind::Challenged => {
                // Followed by EPCP/DRP by the end of the period, or for a month's figures, of the
                // month: a month reads as that month alone would.
                let by = |end: NaiveDate| u32::from(fact.drp_entered_on.is_some_and(|d| d <= end));
                let (in_period, in_month) = (by(to), by(month_end(fact.on, to)));
                let [groups @ .., month] = &mut groups;
                for g in groups.iter_mut() {
                    g.figures.challenges.made += 1;
                    g.figures.challenges.followed_by_drp += in_period;
                }
                month.figures.challenges.made += 1;
                month.figures.challenges.followed_by_drp += in_month;
            }
            StepKind::ActionExtended => count(&|g| {
                g.figures.extensions.agreed += 1;
                if !g.extended.contains(fact.matter) {
                    g.extended.insert(fact.matter.to_string());
                }
            }),
            StepKind::ActionCompleted => count(&|g| {
                g.figures.actions.completed += 1;
                g.figures.actions.completed_on_time += u32::from(fact.on_time);
            }),
            StepKind::MeetingHeld => count(&|g| g.figures.activity.meetings += 1),
            StepKind::LegalAdviceSought => count(&|g| g.figures.activity.legal_advice += 1),
            StepKind::SeniorManagerBriefed => {
                count(&|g| g.figures.activity.senior_manager_briefings += 1)
            }
        }
        Ok(())
    }

    /// Counts one referral to CAFCASS: made, or decided, in the period.
    fn referral(&mut self, r: &ReferralFact) {
        let (from, to) = (self.from, self.to);
        let in_period = |day: NaiveDate| from <= day && day <= to;
        let tally = self;
        {
            let keys = Keys {
                category: &r.category,
                team: &r.team,
                iro: &r.iro,
                iro_team_manager: &r.iro_team_manager,
            };
            if in_period(r.referred_on) {
                tally.count(&keys, r.referred_on, |g| match r.kind {
                    ReferralKind::Concurrent => g.figures.cafcass.referrals.concurrent += 1,
                    ReferralKind::Formal => g.figures.cafcass.referrals.formal += 1,
                });
            }
            if let (Some(decision), Some(on)) = (r.decision, r.decided_on) {
                if in_period(on) {
                    tally.count(&keys, on, |g| {
                        match decision {
                            CafcassDecision::CriteriaMet => {
                                g.figures.cafcass.decisions.criteria_met += 1
                            }
                            CafcassDecision::CriteriaNotMet => {
                                g.figures.cafcass.decisions.criteria_not_met += 1
                            }
                        }
                        // A formal referral CAFCASS decided, and not back in EPCP/DRP, settled it.
                        g.figures.cafcass.closed += u32::from(r.closed);
                    });
                }
            }
        }
    }
}

/// Open at the end of a day: raised by then and not resolved or closed by then.
fn open_on(span: &OpenSpan, day: NaiveDate) -> bool {
    span.raised_on <= day && span.resolved_on.is_none_or(|r| r > day)
}

impl Tally {
    /// Counts a matter open as the period (and each month of it) began or ended, in its groups.
    fn open(&mut self, span: &OpenSpan) {
        let tally = self;
        let (from, to) = (tally.from, tally.to);
        let before = |day: NaiveDate| day.pred_opt().expect("a day before");
        let months = tally.months.clone();
        {
            let (at_start, at_end) = (open_on(span, before(from)), open_on(span, to));
            let add = |g: &mut Group| {
                g.figures.open.at_start += u32::from(at_start);
                g.figures.open.at_end += u32::from(at_end);
            };
            add(&mut tally.totals);
            for (groups, key) in [
                (&mut tally.by_category, span.category),
                (&mut tally.by_team, span.team),
                (&mut tally.by_iro, span.iro),
                (&mut tally.by_iro_team_manager, span.iro_team_manager),
            ] {
                if at_start || at_end {
                    add(group(groups, key));
                }
            }
            for (first, last) in &months {
                let (at_start, at_end) = (open_on(span, before(*first)), open_on(span, *last));
                if at_start || at_end {
                    let g = tally.by_month.entry(first_of_month(*first)).or_default();
                    g.figures.open.at_start += u32::from(at_start);
                    g.figures.open.at_end += u32::from(at_end);
                }
            }
        }
    }
}

fn tenths(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

fn percent(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| tenths(f64::from(part) * 100.0 / f64::from(whole)))
}

impl Tally {
    fn finish(self) -> Stats {
        let (from, to) = (self.from, self.to);
        let tally = self;
        let finish = |mut g: Group| -> Figures {
            let f = &mut g.figures;
            f.drp.resolved_within_timescale_percent =
                percent(f.drp.resolved_within_timescale, f.drp.resolved.total);
            f.drp.working_days_to_resolution = spread(&mut g.days_to_resolution);
            f.qap.working_days_to_resolution = spread(&mut g.qap_days_to_resolution);
            let [one, two, three] = &mut g.days_at_stage;
            f.drp.working_days_at_stage.stage_1 = spread(one);
            f.drp.working_days_at_stage.stage_2 = spread(two);
            f.drp.working_days_at_stage.stage_3 = spread(three);
            f.actions.completed_on_time_percent =
                percent(f.actions.completed_on_time, f.actions.completed);
            f.extensions.matters = g.extended.len() as u32;
            f.extensions.per_matter = (f.extensions.matters > 0)
                .then(|| tenths(f64::from(f.extensions.agreed) / f64::from(f.extensions.matters)));
            f.children.distinct = g.children.len() as u32;
            f.children.repeat = g
                .children
                .values()
                .filter(|(in_period, before)| *in_period > 1 || *before)
                .count() as u32;
            g.figures
        };
        let finished = |groups: HashMap<String, Group>| -> BTreeMap<String, Figures> {
            groups.into_iter().map(|(k, g)| (k, finish(g))).collect()
        };
        Stats {
            from,
            to,
            totals: finish(tally.totals),
            by_category: finished(tally.by_category),
            by_team: finished(tally.by_team),
            by_iro: finished(tally.by_iro),
            by_iro_team_manager: finished(tally.by_iro_team_manager),
            by_month: tally
                .by_month
                .into_iter()
                .map(|(first, g)| (month(first), finish(g)))
                .collect(),
            category_order: Vec::new(),
        }
    }
}

/// The median and nearest-rank 90th percentile of working-day counts.
pub fn spread(days: &mut [i64]) -> Spread {
    if days.is_empty() {
        return Spread::default();
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
    Spread {
        median: Some(median),
        p90: Some(days[rank - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Stage;

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
        let resolved =
            |matter: &'static str, team: &'static str, stage, entered, deadline, on| StepFact {
                kind: StepKind::Resolved,
                on: day(on),
                matter,
                category: "contact",
                team,
                iro: if team == "North" {
                    "iro-North"
                } else {
                    "iro-South"
                },
                entry_stage: None,
                from_qap: false,
                from_consultation: false,
                qap_raised: false,
                drp_entered_on: Some(day(entered)),
                drp_deadline: Some(day(deadline)),
                stage: Some(stage),
                opens: false,
                child: matter,
                raised_on: day(entered),
                iro_team_manager: if team == "North" {
                    "itm-North"
                } else {
                    "itm-South"
                },
                qap_raised_on: None,
                stage_reached_on: Some(day(entered)),
                earlier_concern: false,
                on_time: false,
                stage_left: None,
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
            child: "child-E-2".into(),
            raised_on: day("2026-09-01"),
            iro_team_manager: "itm-South".into(),
            kind: ReferralKind::Concurrent,
            referred_on: day("2026-09-30"),
            decision: Some(CafcassDecision::CriteriaMet),
            decided_on: day("2026-11-02").into(),
            closed: false,
        };
        let calendar = Calendar::england_and_wales();
        let stats = tally(
            &steps,
            &[referral],
            &[],
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
        // Each was resolved at the stage it entered at, so its stay there is its whole time in EPCP/DRP.
        assert_eq!(drp.working_days_at_stage.stage_1.median, Some(14.0));
        assert_eq!(drp.working_days_at_stage.stage_2.median, Some(25.0));
        assert_eq!(
            stats.by_iro_team_manager["itm-North"].drp.resolved.stage_1,
            1
        );
        assert_eq!(stats.by_month["2026-11"].drp.resolved.total, 2);
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

#[cfg(test)]
mod steps {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("a date")
    }

    fn fact(kind: StepKind, on: &str) -> StepFact<'static> {
        StepFact {
            kind,
            on: day(on),
            matter: "E-1",
            category: "contact",
            team: "North",
            iro: "asmith",
            entry_stage: None,
            from_qap: false,
            from_consultation: false,
            qap_raised: true,
            drp_entered_on: None,
            drp_deadline: None,
            stage: None,
            opens: false,
            child: "LCS-1",
            raised_on: day("2026-09-01"),
            iro_team_manager: "jwhite",
            qap_raised_on: Some(day("2026-09-01")),
            stage_reached_on: None,
            earlier_concern: false,
            on_time: false,
            stage_left: None,
        }
    }

    #[test]
    fn a_move_from_stage_1_to_3_is_time_at_stage_1() {
        let raised = StepFact {
            entry_stage: Some(Stage::Three),
            stage_left: Some(Stage::One),
            stage_reached_on: Some(day("2026-11-02")),
            ..fact(StepKind::StageRaised, "2026-11-09")
        };
        let stats = tally(
            &[raised],
            &[],
            &[],
            day("2026-11-01"),
            day("2026-11-30"),
            &Calendar::england_and_wales(),
        )
        .expect("figures");
        let at = &stats.totals.drp.working_days_at_stage;
        assert_eq!((at.stage_1.median, at.stage_2.median), (Some(5.0), None));
        assert_eq!(stats.totals.drp.reached.stage_3, 1);
    }

    #[test]
    fn a_challenge_is_followed_by_drp_by_the_end_of_its_month_or_of_the_period() {
        let challenged = StepFact {
            drp_entered_on: Some(day("2026-11-10")),
            ..fact(StepKind::Challenged, "2026-10-20")
        };
        let stats = tally(
            &[challenged],
            &[],
            &[],
            day("2026-10-01"),
            day("2026-11-30"),
            &Calendar::england_and_wales(),
        )
        .expect("figures");
        assert_eq!(stats.totals.challenges.followed_by_drp, 1);
        assert_eq!(stats.by_team["North"].challenges.followed_by_drp, 1);
        // October alone: not followed by its end, as a report of October says.
        assert_eq!(stats.by_month["2026-10"].challenges.made, 1);
        assert_eq!(stats.by_month["2026-10"].challenges.followed_by_drp, 0);
    }
}

#[cfg(test)]
mod months {
    use super::*;

    #[test]
    fn a_period_is_cut_into_its_calendar_months_at_both_ends() {
        let day = |t: &str| t.parse::<NaiveDate>().expect("a date");
        assert_eq!(
            super::months(day("2026-11-15"), day("2027-01-10")),
            [
                (day("2026-11-15"), day("2026-11-30")),
                (day("2026-12-01"), day("2026-12-31")),
                (day("2027-01-01"), day("2027-01-10")),
            ]
        );
        assert_eq!(super::months(day("2026-02-01"), day("2026-02-01")).len(), 1);
    }
}
