//! Property tests of the whole write path (engine, fold, store) over random sequences of commands on
//! random matters: what the protocol promises must hold whatever is asked, in whatever order.

use chrono::{Days, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use std::borrow::Cow;

use super::find_staff;
use crate::engine::{Concern, NewAction, Opening, Request, Timescale};
use crate::model::{CafcassDecision, Matter, Stage};
use crate::store::{Store, Tx};
use crate::workflow::audit::replay_mismatch;
use crate::workflow::{step_in, Asked, Clock, Setting};

const ACTORS: [&str; 5] = ["asmith", "jwhite", "tgreen", "bking", "senior"];
const RESOLVERS: [&str; 4] = ["tgreen", "mblack", "adir", "asmith"];

/// The shared test directory (`crate::fixture`), and a second child of the same people.
fn directory(tx: &Tx) {
    let children: Vec<_> = ["LCS-1", "LCS-2"]
        .into_iter()
        .map(|reference| {
            let mut child = crate::fixture::child();
            child.reference = reference.into();
            child
        })
        .collect();
    crate::store::conformance::record_fixture(tx, &children);
}

fn event_count(tx: &Tx) -> u64 {
    tx.walk_chain().expect("chain").events
}

/// One random command: which kind, which matter, which stage or person, and a coin.
#[derive(Debug, Clone)]
struct Command {
    kind: u8,
    matter: usize,
    pick: usize,
    coin: bool,
    days: u64,
}

fn command() -> impl Strategy<Value = Command> {
    (0u8..12, 0usize..4, 0usize..5, any::<bool>(), 0u64..6).prop_map(
        |(kind, matter, pick, coin, days)| Command {
            kind,
            matter,
            pick,
            coin,
            days,
        },
    )
}

/// Mostly the person entitled to the step, sometimes someone who is not.
fn actor(c: &Command) -> &'static str {
    if c.pick >= 3 {
        return ACTORS[(c.pick + usize::from(c.kind)) % ACTORS.len()];
    }
    match c.kind {
        2 => "tgreen",
        6 if c.coin => "jwhite",
        10 => "jwhite",
        11 => "bking",
        _ => "asmith",
    }
}

fn stage(pick: usize) -> Stage {
    [Stage::One, Stage::Two, Stage::Three][pick % 3]
}

/// The opening a command stands for, resolving the people it names in the transaction.
fn opening(tx: &Tx, c: &Command) -> anyhow::Result<Opening<'static>> {
    let reason = c.coin.then(|| "because".to_string());
    Ok(match c.kind {
        0 => Opening::RaiseQap {
            concern: Concern {
                category: "permanence".into(),
                summary: "drift".into(),
            },
            actions: vec![NewAction {
                text: "assess".into(),
                owner: Cow::Owned(find_staff(tx, "bking")?),
                due: Timescale::Within(1 + c.days as u32),
            }],
        },
        _ => Opening::EnterDrp {
            concern: Concern {
                category: "contact".into(),
                summary: "contact stopped".into(),
            },
            stage: stage(c.pick),
            reason,
        },
    })
}

/// The request a command stands for, resolving the people it names in the transaction.
fn request(tx: &Tx, c: &Command) -> anyhow::Result<Request<'static>> {
    let reason = c.coin.then(|| "because".to_string());
    Ok(match c.kind {
        2 => Request::Challenge {
            reason: "booked".into(),
        },
        3 => Request::Extend {
            seq: 1,
            due: Timescale::Within(3 + c.days as u32),
            agreed_by: find_staff(tx, if c.coin { "jwhite" } else { "asmith" })?,
            reason: "ill".into(),
        },
        4 => Request::CompleteAction { seq: 1, note: None },
        5 => Request::Escalate {
            stage: stage(c.pick),
            reason,
        },
        6 => Request::Resolve {
            outcome: "settled".into(),
            resolved_by: if c.coin {
                Some(find_staff(tx, RESOLVERS[c.pick % 4])?)
            } else {
                None
            },
        },
        7 => Request::ReferCafcass {
            reason: "rights".into(),
            formal: c.coin,
        },
        8 => Request::CafcassDecision {
            decision: if c.coin {
                CafcassDecision::CriteriaMet
            } else {
                CafcassDecision::CriteriaNotMet
            },
            note: None,
        },
        9 => Request::LegalAdvice {
            note: "chambers".into(),
        },
        10 => Request::BriefSenior {
            note: "briefed".into(),
        },
        _ => Request::Note {
            text: "spoke".into(),
            supervision: c.coin && c.pick == 0,
        },
    })
}

#[test]
fn the_audits_count_comes_to_every_event_walked() {
    // The count the audit's progress bar is drawn from: every event checked, those of the directory
    // and the outbox as well as each step replayed, so the bar ends full.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("iro.db");
    let (mut store, _) = Store::create(&path, false, crate::fixture::now()).expect("create");
    let tx = store.write().expect("tx");
    directory(&tx);
    let today = NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
    let clock = Clock {
        today,
        now: Utc
            .with_ymd_and_hms(2026, 11, 30, 12, 0, 0)
            .single()
            .expect("time"),
        real_today: today,
    };
    let setting = Setting::new(
        &crate::policy::Loaded::defaults(crate::policy::Source::Defaults(None)),
        clock,
        "tester",
    );
    for (n, child) in ["LCS-1", "LCS-2"].into_iter().enumerate() {
        let c = Command {
            kind: 0,
            matter: 0,
            pick: 0,
            coin: n == 0,
            days: 0,
        };
        step_in(&tx, &setting, "asmith", Some(today), |tx| {
            Ok(Asked::Open {
                child: child.into(),
                opening: opening(tx, &c)?,
            })
        })
        .expect("a QAP raised");
    }
    tx.commit().expect("commit");
    let mut second = store.another().expect("second");
    let mut counted = Vec::new();
    let verdict =
        crate::workflow::audit::verify_on_two(&mut store, &mut second, &mut |n| counted.push(n))
            .expect("verify");
    assert_eq!(verdict.problem, None);
    let walked = store.read().expect("tx").walk_chain().expect("walk").events;
    assert!(
        walked > 2,
        "the directory's events and the two QAPs: {walked}"
    );
    assert_eq!(verdict.events, walked);
    assert_eq!(counted.last(), Some(&walked), "{counted:?}");
    assert!(counted.windows(2).all(|w| w[0] <= w[1]), "{counted:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_commands_never_break_the_protocol_or_the_record(script in proptest::collection::vec(command(), 1..40)) {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut store, _) = Store::create(&dir.path().join("iro.db"), false, crate::fixture::now()).expect("create");
        let tx = store.write().expect("tx");
        directory(&tx);
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
        let clock = Clock {
            today,
            now: Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).single().expect("time"),
            real_today: today,
        };
        let setting = Setting::new(
            &crate::policy::Loaded::defaults(crate::policy::Source::Defaults(None)),
            clock,
            "tester",
        );
        let mut on = NaiveDate::from_ymd_opt(2026, 1, 5).expect("date");
        let mut ids: Vec<String> = Vec::new();
        for c in &script {
            on = on + Days::new(c.days);
            let opens = matches!(c.kind, 0 | 1);
            let target: Option<String> = if opens {
                None
            } else if ids.is_empty() {
                continue;
            } else {
                Some(ids[c.matter % ids.len()].clone())
            };
            let before: Option<Matter> = match &target {
                Some(id) => tx.matter(id).expect("read"),
                None => None,
            };
            let events_before = event_count(&tx);
            let actor = actor(c);
            let child = if c.coin { "LCS-1" } else { "LCS-2" };
            let result = step_in(&tx, &setting, actor, Some(on), |tx| match &target {
                None => Ok(Asked::Open { child: child.into(), opening: opening(tx, c)? }),
                Some(id) => Ok(Asked::On { matter: id.clone(), request: request(tx, c)? }),
            });
            let events_after = event_count(&tx);
            match result {
                Ok(taken) => {
                    let after = taken.matter;
                    prop_assert!(events_after > events_before, "an accepted command adds an event");
                    if let Some(before) = &before {
                        prop_assert!(after.stage >= before.stage, "a stage never goes down");
                        prop_assert!(!before.state.is_finished() || (after.state == before.state
                            && after.actions == before.actions && after.stages == before.stages
                            && after.outcome == before.outcome), "a finished matter never changes");
                    } else {
                        ids.push(after.id.clone());
                    }
                }
                Err(_) => {
                    prop_assert_eq!(events_after, events_before, "a refused command adds no event");
                    if let Some(before) = &before {
                        let now = tx.matter(&before.id).expect("read");
                        prop_assert_eq!(now.as_ref(), Some(before));
                    }
                }
            }
        }
        prop_assert_eq!(replay_mismatch(&tx).expect("replay"), None, "replaying the events gives the stored state");
    }
}
