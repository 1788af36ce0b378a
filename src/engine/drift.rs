//! Drift: what the overdue report cannot see on a running matter, judged from the matter as it stood
//! and the steps that made it. `report drift --as-of` a day gone reads this; the store's `DRIFT`
//! statement reads the same for the record as it stands, and a test holds the two to the same rows.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{Event, Logged};
use crate::model::{ActionStatus, Matter, MatterState, ReferralKind};

/// The thresholds a drift is judged by, in calendar days back from the as-of day (the working-day
/// count is the report's to decide, as it is for the store's rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub as_of: NaiveDate,
    /// A running matter with no step since this day.
    pub idle_by: NaiveDate,
    /// A consultation raised by this day.
    pub consulting_by: NaiveDate,
    /// An open action extended this many times.
    pub max_extensions: u32,
}

/// One way a matter drifts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// `no-step`, `extended`, `all-done`, `long-consultation`, `past-deadline`, `awaiting-cafcass`.
    pub kind: &'static str,
    /// Since when: the last step, the last extension, the last completion, the day raised, the
    /// deadline, the referral.
    pub since: NaiveDate,
    pub action: Option<u32>,
    /// How many extensions (`extended`) or actions done (`all-done`).
    pub count: Option<u32>,
}

/// How `m` drifts, given the steps that still count on it (`counting`, corrections applied).
pub fn drifting(m: &Matter, counting: &[Logged], t: &Thresholds) -> Vec<Drift> {
    let mut found = Vec::new();
    let running = matches!(
        m.state,
        MatterState::Consultation | MatterState::Qap | MatterState::Drp | MatterState::Cafcass
    );
    if !running {
        return found;
    }
    if m.last_step_on <= t.idle_by {
        found.push(Drift {
            kind: "no-step",
            since: m.last_step_on,
            action: None,
            count: None,
        });
    }
    if matches!(
        m.state,
        MatterState::Qap | MatterState::Drp | MatterState::Cafcass
    ) {
        // Each open action's agreed extensions: how many, and the last.
        let mut extended: BTreeMap<u32, (u32, NaiveDate)> = BTreeMap::new();
        for l in counting {
            if let Event::ActionExtended { seq, .. } = &l.step.event {
                let entry = extended.entry(*seq).or_insert((0, l.step.on));
                entry.0 += 1;
                entry.1 = entry.1.max(l.step.on);
            }
        }
        for (seq, (times, last)) in extended {
            let open = m
                .action(seq)
                .is_some_and(|a| a.status == ActionStatus::Open);
            if open && times >= t.max_extensions {
                found.push(Drift {
                    kind: "extended",
                    since: last,
                    action: Some(seq),
                    count: Some(times),
                });
            }
        }
    }
    if m.state == MatterState::Qap {
        let open = m.actions.iter().any(|a| a.status == ActionStatus::Open);
        let done: Vec<NaiveDate> = m
            .actions
            .iter()
            .filter(|a| a.status == ActionStatus::Done)
            .filter_map(|a| a.completed_on)
            .collect();
        if !open && !done.is_empty() {
            found.push(Drift {
                kind: "all-done",
                since: *done.iter().max().expect("one at least"),
                action: None,
                count: Some(done.len() as u32),
            });
        }
    }
    if m.state == MatterState::Consultation && m.raised_on <= t.consulting_by {
        found.push(Drift {
            kind: "long-consultation",
            since: m.raised_on,
            action: None,
            count: None,
        });
    }
    if let (MatterState::Drp, Some(deadline)) = (m.state, m.drp_deadline) {
        let moved = m.stages.iter().any(|s| s.entered_on > deadline)
            || m.referrals.iter().any(|r| r.referred_on > deadline);
        if deadline < t.as_of && !moved {
            found.push(Drift {
                kind: "past-deadline",
                since: deadline,
                action: None,
                count: None,
            });
        }
    }
    if m.state == MatterState::Cafcass {
        for r in m
            .referrals
            .iter()
            .filter(|r| r.kind == ReferralKind::Formal && r.decision.is_none())
        {
            found.push(Drift {
                kind: "awaiting-cafcass",
                since: r.referred_on,
                action: None,
                count: None,
            });
        }
    }
    found
}
