//! Unit tests of the rule engine: every state against every request, then each rule at its edges.

use chrono::NaiveDate;
use std::borrow::Cow;

use super::*;
use crate::model::{CafcassDecision, Child, Matter, MatterState, ReferralKind, Role, Staff};

fn day(text: &str) -> NaiveDate {
    text.parse().expect("test dates are valid")
}

fn staff(id: &str, role: Role) -> Staff {
    Staff {
        id: id.into(),
        name: id.into(),
        role,
        email: format!("{id}@example.gov.uk"),
        team: None,
        login: None,
        left_on: None,
    }
}

use crate::fixture::person;

fn iro() -> Staff {
    person("asmith")
}
fn iro_tm() -> Staff {
    person("jwhite")
}
fn team_manager() -> Staff {
    person("tgreen")
}
fn service_manager() -> Staff {
    person("mblack")
}
fn director() -> Staff {
    person("adir")
}
fn social_worker() -> Staff {
    person("bking")
}

fn child() -> Child {
    crate::fixture::child()
}

/// What a test asks: to open a matter, or a step on one.
#[derive(Debug, Clone)]
enum Ask {
    Open(Opening<'static>),
    On(Request<'static>),
}

impl From<Opening<'static>> for Ask {
    fn from(opening: Opening<'static>) -> Ask {
        Ask::Open(opening)
    }
}

impl From<Request<'static>> for Ask {
    fn from(request: Request<'static>) -> Ask {
        Ask::On(request)
    }
}

/// Judges a request and, if allowed, folds its events into the matter as the store would.
fn step(
    matter: Option<&Matter>,
    ask: impl Into<Ask>,
    actor: &Staff,
    on: NaiveDate,
    today: NaiveDate,
) -> Result<Matter, Refusal> {
    step_with(matter, ask, actor, on, today, &Policy::default())
}

fn step_with(
    matter: Option<&Matter>,
    ask: impl Into<Ask>,
    actor: &Staff,
    on: NaiveDate,
    today: NaiveDate,
    policy: &Policy,
) -> Result<Matter, Refusal> {
    step_covered(matter, ask, actor, on, today, policy, &[])
}

/// A step judged with these covers in force.
fn step_covered(
    matter: Option<&Matter>,
    ask: impl Into<Ask>,
    actor: &Staff,
    on: NaiveDate,
    today: NaiveDate,
    policy: &Policy,
    covers: &[crate::model::Cover],
) -> Result<Matter, Refusal> {
    let child = child();
    let calendar = Calendar::england_and_wales();
    let judge = Judge {
        actor,
        child: &child,
        on,
        today,
        policy,
        calendar: &calendar,
        covers,
        told_on: None,
    };
    let events = match (matter, ask.into()) {
        (None, Ask::Open(opening)) => open(&opening, &judge)?,
        (Some(m), Ask::On(request)) => decide(m, &request, &judge)?,
        // Raising a QAP on a matter that exists is the step that turns a consultation into one.
        (Some(m), Ask::Open(Opening::RaiseQap { actions, .. })) => {
            decide(m, &Request::RaiseQap { actions }, &judge)?
        }
        (matter, ask) => panic!("a test asked {ask:?} of {matter:?}"),
    };
    assert!(
        !events.is_empty(),
        "an accepted step records at least one event"
    );
    let mut state = matter.cloned();
    for event in events {
        let step = Step {
            actor: actor.id.clone(),
            on,
            event,
        };
        state = Some(evolve(state, "Q-2026-0001", &step).expect("engine events always apply"));
    }
    Ok(state.expect("folded"))
}

const RAISED: &str = "2026-11-02"; // a Monday
const TODAY: &str = "2026-11-26";

fn raise_request() -> Opening<'static> {
    Opening::RaiseQap {
        concern: Concern {
            category: "permanence".into(),
            summary: "Permanence plan has drifted".into(),
        },
        actions: vec![
            NewAction {
                text: "Complete viability assessment".into(),
                owner: Cow::Owned(social_worker()),
                due: Timescale::Within(5),
            },
            NewAction {
                text: "Book panel".into(),
                owner: Cow::Owned(team_manager()),
                due: Timescale::By(day("2026-12-18")),
            },
        ],
    }
}

fn qap() -> Matter {
    step(None, raise_request(), &iro(), day(RAISED), day(TODAY)).expect("raise")
}

fn escalate(stage: Stage, reason: Option<&str>) -> Request<'static> {
    Request::Escalate {
        stage,
        reason: reason.map(String::from),
    }
}

fn drp(stage: Stage) -> Matter {
    let mut m = step(
        Some(&qap()),
        escalate(Stage::One, None),
        &iro(),
        day("2026-11-03"),
        day(TODAY),
    )
    .expect("enter");
    for (target, on) in [(Stage::Two, "2026-11-04"), (Stage::Three, "2026-11-05")] {
        if stage >= target {
            m = step(
                Some(&m),
                escalate(target, None),
                &iro(),
                day(on),
                day(TODAY),
            )
            .expect("raise stage");
        }
    }
    m
}

fn cafcass() -> Matter {
    let refer = Request::ReferCafcass {
        reason: "rights at risk".into(),
        formal: true,
    };
    step(
        Some(&drp(Stage::Three)),
        refer,
        &iro(),
        day("2026-11-06"),
        day(TODAY),
    )
    .expect("formal referral")
}

fn resolved() -> Matter {
    let resolve = Request::Resolve {
        outcome: "assessment done".into(),
        resolved_by: None,
    };
    step(Some(&qap()), resolve, &iro(), day("2026-11-06"), day(TODAY)).expect("resolve")
}

fn closed() -> Matter {
    let decision = Request::CafcassDecision {
        decision: CafcassDecision::CriteriaMet,
        note: None,
    };
    step(
        Some(&cafcass()),
        decision,
        &iro(),
        day("2026-11-09"),
        day(TODAY),
    )
    .expect("decision")
}

/// The request of each kind with the actor who would be entitled to make it in the right state.
fn requests(matter: &Matter) -> Vec<(&'static str, Ask, Staff)> {
    let mut all: Vec<(&'static str, Ask, Staff)> =
        vec![("raise-qap", raise_request().into(), iro())];
    all.extend(
        step_requests(matter)
            .into_iter()
            .map(|(name, request, actor)| (name, request.into(), actor)),
    );
    all
}

fn step_requests(matter: &Matter) -> Vec<(&'static str, Request<'static>, Staff)> {
    // A QAP is resolved by its IRO or an IRO manager; EPCP/DRP names the stage's manager.
    let resolver = match matter.stage {
        Some(Stage::One) => team_manager(),
        Some(Stage::Two) => service_manager(),
        Some(Stage::Three) => director(),
        None => iro(),
    };
    vec![
        (
            "challenge",
            Request::Challenge {
                reason: "already done".into(),
            },
            team_manager(),
        ),
        (
            "extend",
            Request::Extend {
                seq: 2,
                due: Timescale::By(day("2027-01-29")),
                agreed_by: iro_tm(),
                reason: "panel postponed".into(),
            },
            iro(),
        ),
        (
            "complete-action",
            Request::CompleteAction { seq: 1, note: None },
            iro(),
        ),
        (
            "escalate",
            escalate(Stage::Three, Some("no progress")),
            iro(),
        ),
        (
            "resolve",
            Request::Resolve {
                outcome: "settled".into(),
                resolved_by: Some(resolver),
            },
            iro_tm(),
        ),
        (
            "refer-cafcass",
            Request::ReferCafcass {
                reason: "rights at risk".into(),
                formal: false,
            },
            iro(),
        ),
        (
            "cafcass-decision",
            Request::CafcassDecision {
                decision: CafcassDecision::CriteriaNotMet,
                note: None,
            },
            iro(),
        ),
        (
            "legal-advice",
            Request::LegalAdvice {
                note: "chambers".into(),
            },
            iro(),
        ),
        (
            "brief-senior",
            Request::BriefSenior {
                note: "briefed".into(),
            },
            iro_tm(),
        ),
        (
            "note",
            Request::Note {
                text: "spoke to SW".into(),
                supervision: false,
            },
            social_worker(),
        ),
    ]
}

#[test]
fn every_state_against_every_request() {
    use Rule::*;
    // What each request meets in each state: None = accepted, Some(rule) = refused by that rule.
    // Columns: raise-qap, challenge, extend, complete-action, escalate, resolve, refer-cafcass,
    // cafcass-decision, legal-advice, brief-senior, note.
    let f = Some(Finished);
    #[rustfmt::skip]
    let table: [(&str, Matter, [Option<Rule>; 11]); 7] = [
        ("qap", qap(), [Some(RaisingQap), None, None, None, None, None, Some(Cafcass), Some(Cafcass), None, None, None]),
        ("drp 1", drp(Stage::One), [Some(RaisingQap), Some(ChallengeWindow), None, None, None, None, None, Some(Cafcass), None, None, None]),
        ("drp 2", drp(Stage::Two), [Some(RaisingQap), Some(ChallengeWindow), None, None, None, None, None, Some(Cafcass), None, None, None]),
        ("drp 3", drp(Stage::Three), [Some(RaisingQap), Some(ChallengeWindow), None, None, Some(StageOrder), None, None, Some(Cafcass), None, None, None]),
        ("cafcass", cafcass(), [Some(RaisingQap), Some(ChallengeWindow), Some(Actions), None, Some(StageOrder), Some(Resolution), Some(Cafcass), None, None, None, None]),
        ("resolved", resolved(), [f, f, f, f, f, f, f, Some(Cafcass), f, f, None]),
        ("closed", closed(), [f, f, f, f, f, f, f, Some(Cafcass), f, f, None]),
    ];
    for (state, matter, expected) in table {
        for ((name, request, actor), want) in requests(&matter).into_iter().zip(expected) {
            let on = matter.last_step_on;
            let got = step(Some(&matter), request, &actor, on, day(TODAY))
                .map(|_| ())
                .map_err(|r| r.rule);
            assert_eq!(got, want.map_or(Ok(()), Err), "{name} on a matter {state}");
        }
    }
}

#[test]
fn raising_a_qap_sets_due_dates_and_the_challenge_window_in_working_days() {
    let m = qap();
    assert_eq!(m.state, MatterState::Qap);
    assert_eq!(m.stage, None);
    assert_eq!(m.iro, "asmith");
    assert_eq!(m.team, "North");
    assert_eq!(m.challenge_deadline, Some(day("2026-11-09")));
    assert_eq!(m.actions[0].due, day("2026-11-09"));
    assert_eq!(m.actions[1].due, day("2026-12-18"));
    assert_eq!((m.actions[0].seq, m.actions[1].seq), (1, 2));
    // Over Christmas the bank holidays do not count.
    let christmas = Opening::RaiseQap {
        concern: Concern {
            category: "contact".into(),
            summary: "Contact plan not followed".into(),
        },
        actions: vec![NewAction {
            text: "Reinstate contact".into(),
            owner: Cow::Owned(social_worker()),
            due: Timescale::Within(5),
        }],
    };
    let m = step(
        None,
        christmas,
        &iro(),
        day("2026-12-24"),
        day("2026-12-24"),
    )
    .expect("raise");
    assert_eq!(m.challenge_deadline, Some(day("2027-01-05")));
    assert_eq!(m.actions[0].due, day("2027-01-05"));
}

#[test]
fn only_iros_and_iro_team_managers_raise_qaps_and_each_needs_an_action() {
    let refused = step(
        None,
        raise_request(),
        &social_worker(),
        day(RAISED),
        day(TODAY),
    )
    .unwrap_err();
    assert_eq!(refused.rule, Rule::WhoMayAct);
    assert!(
        refused.message.contains("bking is a social-worker"),
        "{}",
        refused.message
    );
    assert!(step(None, raise_request(), &iro_tm(), day(RAISED), day(TODAY)).is_ok());
    let empty = Opening::RaiseQap {
        concern: Concern {
            category: "contact".into(),
            summary: "x".into(),
        },
        actions: vec![],
    };
    assert_eq!(
        step(None, empty, &iro(), day(RAISED), day(TODAY))
            .unwrap_err()
            .rule,
        Rule::RaisingQap
    );
}

#[test]
fn due_dates_fall_after_the_step_and_timescales_are_at_least_a_day() {
    for due in [
        Timescale::By(day(RAISED)),
        Timescale::By(day("2026-11-01")),
        Timescale::Within(0),
    ] {
        let request = Opening::RaiseQap {
            concern: Concern {
                category: "contact".into(),
                summary: "x".into(),
            },
            actions: vec![NewAction {
                text: "x".into(),
                owner: Cow::Owned(social_worker()),
                due,
            }],
        };
        assert_eq!(
            step(None, request, &iro(), day(RAISED), day(TODAY))
                .unwrap_err()
                .rule,
            Rule::WorkingDays
        );
    }
}

#[test]
fn the_challenge_window_closes_after_five_working_days() {
    let challenge = || Request::Challenge {
        reason: "booked".into(),
    };
    assert!(step(
        Some(&qap()),
        challenge(),
        &team_manager(),
        day("2026-11-09"),
        day(TODAY)
    )
    .is_ok());
    let late = step(
        Some(&qap()),
        challenge(),
        &team_manager(),
        day("2026-11-10"),
        day(TODAY),
    )
    .unwrap_err();
    assert_eq!(late.rule, Rule::ChallengeWindow);
    assert_eq!(
        late.message,
        "challenge window closed on 2026-11-09 (5 working days after the QAP was raised on 2026-11-02)"
    );
    // Only the child's own social work team manager may challenge.
    let other = staff("otm", Role::TeamManager);
    assert_eq!(
        step(Some(&qap()), challenge(), &other, day(RAISED), day(TODAY))
            .unwrap_err()
            .rule,
        Rule::WhoMayAct
    );
    assert_eq!(
        step(Some(&qap()), challenge(), &iro(), day(RAISED), day(TODAY))
            .unwrap_err()
            .rule,
        Rule::WhoMayAct
    );
    // Once only.
    let challenged = step(
        Some(&qap()),
        challenge(),
        &team_manager(),
        day("2026-11-03"),
        day(TODAY),
    )
    .expect("challenge");
    assert_eq!(challenged.challenged_on, Some(day("2026-11-03")));
    let again = step(
        Some(&challenged),
        challenge(),
        &team_manager(),
        day("2026-11-04"),
        day(TODAY),
    )
    .unwrap_err();
    assert_eq!(again.rule, Rule::ChallengeWindow);
}

#[test]
fn the_policy_sets_the_challenge_window() {
    let policy = Policy {
        challenge_days: 10,
        ..Policy::default()
    };
    let m = step_with(
        None,
        raise_request(),
        &iro(),
        day(RAISED),
        day(TODAY),
        &policy,
    )
    .expect("raise");
    assert_eq!(m.challenge_deadline, Some(day("2026-11-16")));
}

#[test]
fn extensions_need_an_iro_team_managers_agreement_and_a_later_date() {
    let extend = |agreed_by: Staff, due: Timescale| Request::Extend {
        seq: 1,
        due,
        agreed_by,
        reason: "assessor ill".into(),
    };
    let m = step(
        Some(&qap()),
        extend(iro_tm(), Timescale::Within(10)),
        &iro(),
        day("2026-11-10"),
        day(TODAY),
    )
    .expect("extend");
    assert_eq!(m.actions[0].due, day("2026-11-24"));
    let refused = step(
        Some(&qap()),
        extend(iro(), Timescale::Within(10)),
        &iro(),
        day("2026-11-10"),
        day(TODAY),
    )
    .unwrap_err();
    assert_eq!(refused.rule, Rule::Extension);
    assert!(refused.message.contains("IRO team manager"));
    let earlier = step(
        Some(&qap()),
        extend(iro_tm(), Timescale::By(day("2026-11-05"))),
        &iro(),
        day(RAISED),
        day(TODAY),
    )
    .unwrap_err();
    assert_eq!(earlier.rule, Rule::Extension);
    assert!(
        earlier.message.contains("2026-11-09"),
        "{}",
        earlier.message
    );
    let by_social_worker = step(
        Some(&qap()),
        extend(iro_tm(), Timescale::Within(10)),
        &social_worker(),
        day(RAISED),
        day(TODAY),
    )
    .unwrap_err();
    assert_eq!(by_social_worker.rule, Rule::WhoMayAct);
    let missing = Request::Extend {
        seq: 9,
        due: Timescale::Within(3),
        agreed_by: iro_tm(),
        reason: "x".into(),
    };
    assert_eq!(
        step(Some(&qap()), missing, &iro(), day(RAISED), day(TODAY))
            .unwrap_err()
            .rule,
        Rule::Actions
    );
}

#[test]
fn completed_actions_cannot_be_completed_or_extended_again() {
    let done = step(
        Some(&qap()),
        Request::CompleteAction { seq: 1, note: None },
        &iro(),
        day("2026-11-04"),
        day(TODAY),
    )
    .expect("complete");
    assert_eq!(done.actions[0].status, ActionStatus::Done);
    assert_eq!(done.actions[0].completed_on, Some(day("2026-11-04")));
    assert_eq!(done.next_deadline().map(|d| d.due), Some(day("2026-12-18")));
    let again = step(
        Some(&done),
        Request::CompleteAction { seq: 1, note: None },
        &iro(),
        day("2026-11-04"),
        day(TODAY),
    )
    .unwrap_err();
    assert_eq!(again.rule, Rule::Actions);
}

#[test]
fn entering_epcp_fixes_the_resolution_deadline_and_needs_a_reason_above_stage_one() {
    let entered = drp(Stage::One);
    assert_eq!(entered.state, MatterState::Drp);
    assert_eq!(entered.drp_entered_on, Some(day("2026-11-03")));
    assert_eq!(entered.drp_deadline, Some(day("2026-12-01")));
    let no_reason = step(
        Some(&qap()),
        escalate(Stage::Two, None),
        &iro(),
        day("2026-11-03"),
        day(TODAY),
    )
    .unwrap_err();
    assert_eq!(no_reason.rule, Rule::EnteringDrp);
    let blank = step(
        Some(&qap()),
        escalate(Stage::Three, Some("  ")),
        &iro(),
        day("2026-11-03"),
        day(TODAY),
    )
    .unwrap_err();
    assert_eq!(blank.rule, Rule::EnteringDrp);
    let at_three = step(
        Some(&qap()),
        escalate(Stage::Three, Some("urgent")),
        &iro(),
        day("2026-11-03"),
        day(TODAY),
    )
    .expect("enter at 3");
    assert_eq!(at_three.stage, Some(Stage::Three));
    // Raising the stage later leaves the deadline fixed at entry.
    assert_eq!(drp(Stage::Three).drp_deadline, Some(day("2026-12-01")));
    assert_eq!(drp(Stage::Three).stages.len(), 3);
}

#[test]
fn a_new_matter_can_enter_epcp_directly() {
    let request = Opening::EnterDrp {
        concern: Concern {
            category: "placement".into(),
            summary: "Placement unsuitable".into(),
        },
        stage: Stage::Two,
        reason: Some("placement breaking down".into()),
    };
    let m = step(None, request, &iro(), day("2026-11-24"), day(TODAY)).expect("open at 2");
    assert_eq!((m.state, m.stage), (MatterState::Drp, Some(Stage::Two)));
    assert_eq!(m.challenge_deadline, None);
    assert_eq!(m.drp_deadline, Some(day("2026-12-22")));
    assert!(m.actions.is_empty());
}

#[test]
fn stages_only_go_up_and_skipping_one_needs_a_reason() {
    let two = drp(Stage::Two);
    for (stage, reason) in [(Stage::One, Some("x")), (Stage::Two, Some("x"))] {
        let refused = step(
            Some(&two),
            escalate(stage, reason),
            &iro(),
            day("2026-11-10"),
            day(TODAY),
        )
        .unwrap_err();
        assert_eq!(refused.rule, Rule::StageOrder, "to stage {stage}");
    }
    let one = drp(Stage::One);
    let skip = step(
        Some(&one),
        escalate(Stage::Three, None),
        &iro(),
        day("2026-11-10"),
        day(TODAY),
    )
    .unwrap_err();
    assert_eq!(skip.rule, Rule::StageOrder);
    assert!(skip.message.contains("skips a stage"));
    assert!(step(
        Some(&one),
        escalate(Stage::Three, Some("no response")),
        &iro(),
        day("2026-11-10"),
        day(TODAY)
    )
    .is_ok());
}

#[test]
fn the_resolving_managers_role_fits_the_stage() {
    // The wrong one: a team manager of another team at stage 1, a manager below the stage's role at
    // 2 and 3.
    let cases = [
        (Stage::One, team_manager(), person("tother")),
        (Stage::Two, service_manager(), team_manager()),
        (Stage::Three, director(), service_manager()),
    ];
    for (stage, right, wrong) in cases {
        let resolve = |by: Staff| Request::Resolve {
            outcome: "settled".into(),
            resolved_by: Some(by),
        };
        let m = drp(stage);
        let done = step(
            Some(&m),
            resolve(right.clone()),
            &iro_tm(),
            day("2026-11-20"),
            day(TODAY),
        )
        .expect("resolve");
        assert_eq!(done.state, MatterState::Resolved);
        assert_eq!(done.resolved_by.as_deref(), Some(right.id.as_str()));
        assert_eq!(
            step(
                Some(&m),
                resolve(wrong),
                &iro_tm(),
                day("2026-11-20"),
                day(TODAY)
            )
            .unwrap_err()
            .rule,
            Rule::Resolution,
            "stage {stage}"
        );
        // The IRO does not decide an EPCP/DRP matter is resolved; an IRO team manager does.
        assert_eq!(
            step(
                Some(&m),
                resolve(right),
                &iro(),
                day("2026-11-20"),
                day(TODAY)
            )
            .unwrap_err()
            .rule,
            Rule::Resolution
        );
        let unnamed = Request::Resolve {
            outcome: "x".into(),
            resolved_by: None,
        };
        assert_eq!(
            step(Some(&m), unnamed, &iro_tm(), day("2026-11-20"), day(TODAY))
                .unwrap_err()
                .rule,
            Rule::Resolution
        );
    }
}

#[test]
fn the_policy_can_name_other_resolving_roles() {
    let policy = Policy {
        resolving_roles: [
            Role::ServiceManager,
            Role::ServiceManager,
            Role::AssistantDirector,
        ],
        ..Policy::default()
    };
    let resolve = |by: Staff| Request::Resolve {
        outcome: "settled".into(),
        resolved_by: Some(by),
    };
    let m = drp(Stage::One);
    let on = day("2026-11-20");
    assert!(step_with(
        Some(&m),
        resolve(service_manager()),
        &iro_tm(),
        on,
        day(TODAY),
        &policy
    )
    .is_ok());
    let refused = step_with(
        Some(&m),
        resolve(team_manager()),
        &iro_tm(),
        on,
        day(TODAY),
        &policy,
    )
    .unwrap_err();
    assert_eq!(refused.rule, Rule::Resolution);
}

#[test]
fn a_qap_is_resolved_by_its_own_iro_or_an_iro_team_manager() {
    let resolve = || Request::Resolve {
        outcome: "done".into(),
        resolved_by: None,
    };
    let other_iro = person("pother");
    assert_eq!(
        step(Some(&qap()), resolve(), &other_iro, day(RAISED), day(TODAY))
            .unwrap_err()
            .rule,
        Rule::WhoMayAct
    );
    let by_tm =
        step(Some(&qap()), resolve(), &iro_tm(), day(RAISED), day(TODAY)).expect("tm resolves");
    assert_eq!(by_tm.resolved_by.as_deref(), Some("jwhite"));
    assert_eq!(by_tm.outcome.as_deref(), Some("done"));
}

#[test]
fn cafcass_referrals_are_concurrent_while_epcp_runs_and_formal_once_it_has_failed() {
    let refer = |formal| Request::ReferCafcass {
        reason: "rights at risk".into(),
        formal,
    };
    // Before EPCP/DRP: refused.
    assert_eq!(
        step(Some(&qap()), refer(false), &iro(), day(RAISED), day(TODAY))
            .unwrap_err()
            .rule,
        Rule::Cafcass
    );
    // Within the period at stage 1: concurrent; the matter stays in EPCP/DRP.
    let one = drp(Stage::One);
    let concurrent = step(
        Some(&one),
        refer(false),
        &iro(),
        day("2026-11-10"),
        day(TODAY),
    )
    .expect("concurrent");
    assert_eq!(concurrent.state, MatterState::Drp);
    assert_eq!(concurrent.referrals[0].kind, ReferralKind::Concurrent);
    // A second concurrent referral while the first waits: refused.
    assert_eq!(
        step(
            Some(&concurrent),
            refer(false),
            &iro(),
            day("2026-11-11"),
            day(TODAY)
        )
        .unwrap_err()
        .rule,
        Rule::Cafcass
    );
    // --formal before stage 3 and within the period: refused.
    assert_eq!(
        step(
            Some(&one),
            refer(true),
            &iro(),
            day("2026-11-10"),
            day(TODAY)
        )
        .unwrap_err()
        .rule,
        Rule::Cafcass
    );
    // After the deadline (2026-12-01) a referral is still concurrent unless the IRO says formal: the
    // guidance allows a concurrent referral at any point in EPCP/DRP.
    let late = step(
        Some(&one),
        refer(false),
        &iro(),
        day("2026-12-02"),
        day("2026-12-02"),
    )
    .expect("concurrent, late");
    assert_eq!(late.state, MatterState::Drp);
    assert_eq!(late.referrals[0].kind, ReferralKind::Concurrent);
    let formal = step(
        Some(&concurrent),
        refer(true),
        &iro(),
        day("2026-12-02"),
        day("2026-12-02"),
    )
    .expect("formal");
    assert_eq!(formal.state, MatterState::Cafcass);
    assert_eq!(formal.referrals[1].kind, ReferralKind::Formal);
    // CAFCASS not taking a formal referral leaves the dispute unresolved: back in EPCP/DRP, where it
    // can be resolved.
    let not_met = step(
        Some(&formal),
        Request::CafcassDecision {
            decision: CafcassDecision::CriteriaNotMet,
            note: None,
        },
        &iro(),
        day("2026-12-03"),
        day("2026-12-03"),
    )
    .expect("decided");
    assert_eq!(not_met.state, MatterState::Drp);
    assert!(not_met.outcome.is_none());
    let resolved = step(
        Some(&not_met),
        Request::Resolve {
            outcome: "Agreed at stage 1 after all".into(),
            resolved_by: Some(team_manager()),
        },
        &iro_tm(),
        day("2026-12-04"),
        day("2026-12-04"),
    )
    .expect("resolvable");
    assert_eq!(resolved.state, MatterState::Resolved);
    // Only the IRO refers.
    assert_eq!(
        step(
            Some(&one),
            refer(false),
            &iro_tm(),
            day("2026-11-10"),
            day(TODAY)
        )
        .unwrap_err()
        .rule,
        Rule::WhoMayAct
    );
}

#[test]
fn cafcass_decisions_close_a_formal_referral_and_leave_a_concurrent_one_running() {
    let decide_met = Request::CafcassDecision {
        decision: CafcassDecision::CriteriaMet,
        note: None,
    };
    let closed = closed();
    assert_eq!(closed.state, MatterState::Closed);
    assert_eq!(
        closed.referrals[0].decision,
        Some(CafcassDecision::CriteriaMet)
    );
    assert!(closed
        .outcome
        .as_deref()
        .is_some_and(|o| o.contains("judicial review")));
    let one = drp(Stage::One);
    let concurrent = step(
        Some(&one),
        Request::ReferCafcass {
            reason: "x".into(),
            formal: false,
        },
        &iro(),
        day("2026-11-10"),
        day(TODAY),
    )
    .expect("refer");
    let decided = step(
        Some(&concurrent),
        decide_met.clone(),
        &iro(),
        day("2026-11-12"),
        day(TODAY),
    )
    .expect("decide");
    assert_eq!(decided.state, MatterState::Drp);
    assert_eq!(decided.referrals[0].decided_on, Some(day("2026-11-12")));
    // CAFCASS may decide on a concurrent referral after the matter was resolved here.
    let resolved_first = step(
        Some(&concurrent),
        Request::Resolve {
            outcome: "settled".into(),
            resolved_by: Some(team_manager()),
        },
        &iro_tm(),
        day("2026-11-11"),
        day(TODAY),
    )
    .expect("resolve");
    let late = step(
        Some(&resolved_first),
        decide_met.clone(),
        &iro(),
        day("2026-11-12"),
        day(TODAY),
    )
    .expect("late decision");
    assert_eq!(late.state, MatterState::Resolved);
    assert_eq!(
        late.referrals[0].decision,
        Some(CafcassDecision::CriteriaMet)
    );
    // No referral waiting: refused.
    assert_eq!(
        step(
            Some(&decided),
            decide_met,
            &iro(),
            day("2026-11-12"),
            day(TODAY)
        )
        .unwrap_err()
        .rule,
        Rule::Cafcass
    );
}

#[test]
fn steps_are_not_dated_in_the_future_nor_before_the_last_step() {
    let future = step(None, raise_request(), &iro(), day("2026-11-27"), day(TODAY)).unwrap_err();
    assert_eq!(future.rule, Rule::EffectiveDate);
    assert!(future.message.contains("today is 2026-11-26"));
    let m = drp(Stage::One); // last step 2026-11-03
    let before = step(
        Some(&m),
        Request::Note {
            text: "x".into(),
            supervision: false,
        },
        &iro(),
        day(RAISED),
        day(TODAY),
    )
    .unwrap_err();
    assert_eq!(before.rule, Rule::EffectiveDate);
    assert!(before.message.contains("2026-11-03"));
    assert!(step(
        Some(&m),
        Request::Note {
            text: "x".into(),
            supervision: false
        },
        &iro(),
        day("2026-11-03"),
        day(TODAY)
    )
    .is_ok());
}

#[test]
fn evolve_refuses_events_that_do_not_fit_the_state() {
    let note = Step {
        actor: "asmith".into(),
        on: day(RAISED),
        event: Event::Noted {
            text: "x".into(),
            supervision: false,
        },
    };
    assert!(evolve(None, "Q-2026-0001", &note).is_err());
    let decision = Step {
        actor: "asmith".into(),
        on: day(RAISED),
        event: Event::CafcassDecided {
            decision: CafcassDecision::CriteriaMet,
            note: None,
            back_in_drp: false,
        },
    };
    assert!(evolve(Some(qap()), "Q-2026-0001", &decision).is_err());
}

#[test]
fn events_round_trip_through_json_with_their_kind() {
    let m = drp(Stage::Two);
    let event = Event::StageRaised {
        from: Stage::One,
        to: Stage::Two,
        reason: None,
        response_deadline: None,
    };
    let json = serde_json::to_value(&event).expect("serialise");
    assert_eq!(json["kind"], event.kind());
    assert_eq!(json["to"], 2);
    assert_eq!(serde_json::from_value::<Event>(json).expect("parse"), event);
    assert_eq!(
        m.stages
            .iter()
            .map(|s| s.stage.number())
            .collect::<Vec<_>>(),
        [1, 2]
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn any_request() -> impl Strategy<Value = (usize, u8)> {
        (0usize..11, 0u8..4)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Whatever is asked, in whatever order: stages never go down, finished matters stay as they
        /// are, and the resolution deadline never moves once set.
        #[test]
        fn no_sequence_of_requests_breaks_the_protocols_order(script in proptest::collection::vec(any_request(), 1..20)) {
            let mut matter = qap();
            let mut on = day(RAISED);
            for (kind, days) in script {
                on = on + chrono::Days::new(u64::from(days));
                let (_, request, actor) = requests(&matter).swap_remove(kind);
                let before = matter.clone();
                if let Ok(after) = step(Some(&matter), request, &actor, on, day("2027-06-30")) {
                    prop_assert!(after.stage >= before.stage);
                    if before.state.is_finished() {
                        prop_assert_eq!(&after.state, &before.state);
                        prop_assert_eq!(&after.actions, &before.actions);
                        prop_assert_eq!(&after.stages, &before.stages);
                    }
                    if before.drp_deadline.is_some() {
                        prop_assert_eq!(after.drp_deadline, before.drp_deadline);
                    }
                    matter = after;
                }
            }
        }
    }
}

fn senior() -> Staff {
    person("senior")
}

fn consultation() -> Matter {
    let consult = Opening::Consult {
        concern: Concern {
            category: "health-assessment".into(),
            summary: "Health assessment overdue".into(),
        },
        with: vec![social_worker()],
    };
    step(None, consult, &iro(), day(RAISED), day(TODAY)).expect("consult")
}

#[test]
fn a_consultation_is_settled_informally_or_becomes_a_qap_or_epcp_keeping_its_history() {
    let c = consultation();
    assert_eq!(c.state, MatterState::Consultation);
    assert_eq!((c.challenge_deadline, c.qap_raised_on), (None, None));
    let nobody = Opening::Consult {
        concern: Concern {
            category: "contact".into(),
            summary: "x".into(),
        },
        with: vec![],
    };
    assert_eq!(
        step(None, nobody, &iro(), day(RAISED), day(TODAY))
            .unwrap_err()
            .rule,
        Rule::Consultation
    );
    // Settled informally by its IRO.
    let settle = Request::Resolve {
        outcome: "Booked after a phone call".into(),
        resolved_by: None,
    };
    let settled = step(Some(&c), settle, &iro(), day("2026-11-03"), day(TODAY)).expect("settle");
    assert_eq!(settled.state, MatterState::Resolved);
    // Turned into a QAP: the challenge window runs from the day the QAP is raised.
    let qap = step(
        Some(&c),
        raise_request(),
        &iro(),
        day("2026-11-04"),
        day(TODAY),
    )
    .expect("to QAP");
    assert_eq!(
        (qap.state, qap.raised_on, qap.qap_raised_on),
        (MatterState::Qap, day(RAISED), Some(day("2026-11-04")))
    );
    assert_eq!(qap.challenge_deadline, Some(day("2026-11-11")));
    assert_eq!(qap.actions.len(), 2);
    let late = step(
        Some(&qap),
        Request::Challenge { reason: "x".into() },
        &team_manager(),
        day("2026-11-12"),
        day(TODAY),
    )
    .unwrap_err();
    assert!(
        late.message.contains("raised on 2026-11-04"),
        "{}",
        late.message
    );
    // A QAP is raised once: not again on the QAP.
    assert_eq!(
        step(
            Some(&qap),
            raise_request(),
            &iro(),
            day("2026-11-05"),
            day(TODAY)
        )
        .unwrap_err()
        .rule,
        Rule::RaisingQap
    );
    // Or straight into EPCP/DRP.
    let drp = step(
        Some(&c),
        escalate(Stage::One, None),
        &iro(),
        day("2026-11-04"),
        day(TODAY),
    )
    .expect("to EPCP");
    assert_eq!((drp.state, drp.stage), (MatterState::Drp, Some(Stage::One)));
    // Nothing else applies to a consultation.
    assert_eq!(
        step(
            Some(&c),
            Request::Challenge { reason: "x".into() },
            &team_manager(),
            day(RAISED),
            day(TODAY)
        )
        .unwrap_err()
        .rule,
        Rule::ChallengeWindow
    );
    let refer = Request::ReferCafcass {
        reason: "x".into(),
        formal: false,
    };
    assert_eq!(
        step(Some(&c), refer, &iro(), day(RAISED), day(TODAY))
            .unwrap_err()
            .rule,
        Rule::Cafcass
    );
}

fn meeting(chair: Staff) -> Request<'static> {
    Request::Meeting {
        chair,
        attendees: vec![team_manager(), service_manager()],
        actions: vec![NewAction {
            text: "Present plan to panel".into(),
            owner: Cow::Owned(service_manager()),
            due: Timescale::Within(10),
        }],
    }
}

#[test]
fn formal_meetings_are_at_stage_two_or_three_with_a_senior_iro_manager_in_the_chair() {
    let two = drp(Stage::Two);
    let held = step(
        Some(&two),
        meeting(senior()),
        &senior(),
        day("2026-11-10"),
        day(TODAY),
    )
    .expect("meeting");
    assert_eq!(
        held.actions.len(),
        3,
        "the agreed action joins the alert form"
    );
    assert_eq!(
        (held.actions[2].seq, held.actions[2].due),
        (3, day("2026-11-24"))
    );
    assert!(step(
        Some(&drp(Stage::Three)),
        meeting(senior()),
        &iro(),
        day("2026-11-10"),
        day(TODAY)
    )
    .is_ok());
    for matter in [qap(), drp(Stage::One), cafcass(), consultation()] {
        let refused = step(
            Some(&matter),
            meeting(senior()),
            &senior(),
            day("2026-11-10"),
            day(TODAY),
        )
        .unwrap_err();
        assert_eq!(refused.rule, Rule::Meeting, "{:?}", matter.state);
    }
    let chaired_by_iro = step(
        Some(&two),
        meeting(iro()),
        &iro(),
        day("2026-11-10"),
        day(TODAY),
    )
    .unwrap_err();
    assert_eq!(chaired_by_iro.rule, Rule::Meeting);
    assert!(chaired_by_iro.message.contains("senior IRO manager"));
    assert_eq!(
        step(
            Some(&two),
            meeting(senior()),
            &social_worker(),
            day("2026-11-10"),
            day(TODAY)
        )
        .unwrap_err()
        .rule,
        Rule::WhoMayAct
    );
}

#[test]
fn a_policy_with_stage_response_days_sets_a_deadline_at_each_stage() {
    let policy = Policy {
        stage_response_days: Some(5),
        ..Policy::default()
    };
    let entered = step_with(
        Some(&qap()),
        escalate(Stage::One, None),
        &iro(),
        day("2026-11-03"),
        day(TODAY),
        &policy,
    )
    .expect("enter");
    assert_eq!(entered.stages[0].response_deadline, Some(day("2026-11-10")));
    assert_eq!(
        entered.next_deadline().map(|d| (d.due, d.item)),
        Some((day("2026-11-09"), crate::model::DueItem::QapAction)),
        "the earliest of actions, stage and resolution"
    );
    let raised = step_with(
        Some(&entered),
        escalate(Stage::Two, None),
        &iro(),
        day("2026-11-12"),
        day(TODAY),
        &policy,
    )
    .expect("raise");
    assert_eq!(raised.stages[1].response_deadline, Some(day("2026-11-19")));
    assert_eq!(
        raised.drp_deadline,
        Some(day("2026-12-01")),
        "the resolution deadline stays fixed"
    );
    // A stage raised near the end never has a response deadline past the resolution deadline; one
    // raised after it gets its own.
    let near_the_end = step_with(
        Some(&raised),
        escalate(Stage::Three, None),
        &iro(),
        day("2026-11-27"),
        day("2026-11-27"),
        &policy,
    )
    .expect("raise");
    assert_eq!(
        near_the_end.stages[2].response_deadline,
        Some(day("2026-12-01"))
    );
    let after = step_with(
        Some(&raised),
        escalate(Stage::Three, None),
        &iro(),
        day("2026-12-03"),
        day("2026-12-03"),
        &policy,
    )
    .expect("raise");
    assert_eq!(after.stages[2].response_deadline, Some(day("2026-12-10")));
    let off = Policy {
        stage_response_days: None,
        ..Policy::default()
    };
    let without = step_with(
        Some(&qap()),
        escalate(Stage::One, None),
        &iro(),
        day("2026-11-03"),
        day(TODAY),
        &off,
    )
    .expect("enter");
    assert_eq!(
        without.stages[0].response_deadline, None,
        "none when the policy turns them off"
    );
}

#[test]
fn supervision_notes_are_the_iros_and_the_childs_own_social_workers() {
    let note = |supervision| Request::Note {
        text: "Discussed".into(),
        supervision,
    };
    let m = drp(Stage::One);
    assert!(step(Some(&m), note(true), &iro(), day("2026-11-10"), day(TODAY)).is_ok());
    assert!(step(
        Some(&m),
        note(false),
        &social_worker(),
        day("2026-11-10"),
        day(TODAY)
    )
    .is_ok());
    // The child's own social worker records their supervision; another social worker may not.
    assert!(step(
        Some(&m),
        note(true),
        &social_worker(),
        day("2026-11-10"),
        day(TODAY)
    )
    .is_ok());
    let another = Staff {
        id: "sother".into(),
        ..social_worker()
    };
    assert_eq!(
        step(
            Some(&m),
            note(true),
            &another,
            day("2026-11-10"),
            day(TODAY)
        )
        .unwrap_err()
        .rule,
        Rule::WhoMayAct
    );
}

#[test]
fn an_action_is_given_only_to_someone_in_post_on_the_day() {
    let leaver = Staff {
        left_on: Some(day("2026-11-03")),
        ..social_worker()
    };
    let asking = |on: &str| {
        let request = Opening::RaiseQap {
            concern: Concern {
                category: "contact".into(),
                summary: "x".into(),
            },
            actions: vec![NewAction {
                text: "x".into(),
                owner: Cow::Owned(leaver.clone()),
                due: Timescale::Within(5),
            }],
        };
        step(None, request, &iro(), day(on), day(TODAY))
    };
    // Up to and on the day they left, they may still be given it (a step recorded late).
    assert!(asking("2026-11-03").is_ok());
    let refused = asking("2026-11-04").unwrap_err();
    assert_eq!(refused.rule, Rule::Directory);
    assert!(
        refused.message.contains("bking left on 2026-11-03"),
        "{}",
        refused.message
    );
}

/// `by` covers for `absent` from 16 to 20 November.
fn cover(absent: &str, by: &str) -> crate::model::Cover {
    crate::model::Cover {
        absent: absent.into(),
        by: by.into(),
        from: day("2026-11-16"),
        to: Some(day("2026-11-20")),
        reason: None,
    }
}

#[test]
fn authority_follows_the_child_and_passes_to_whoever_covers() {
    let policy = Policy::default();
    let on = |d: &str| day(d);
    let raise = |actor: &Staff, when: &str, covers: &[crate::model::Cover]| {
        step_covered(
            None,
            raise_request(),
            actor,
            on(when),
            day(TODAY),
            &policy,
            covers,
        )
    };
    // Another IRO is refused, naming the child's IRO and how to cover.
    let other = person("pother");
    let refused = raise(&other, "2026-11-18", &[]).unwrap_err();
    assert_eq!(refused.rule, Rule::WhoMayAct);
    for said in [
        "pother is not the IRO of LCS-104233",
        "(their IRO is asmith)",
        "iro cover asmith --by pother",
    ] {
        assert!(
            refused.message.contains(said),
            "{said}: {}",
            refused.message
        );
    }
    // As asmith's cover, on the days of the cover only.
    let covering = [cover("asmith", "pother")];
    assert!(raise(&other, "2026-11-18", &covering).is_ok());
    assert_eq!(
        raise(&other, "2026-11-23", &covering).unwrap_err().rule,
        Rule::WhoMayAct,
        "the cover ended on the 20th"
    );
    // IRO managers act on any child.
    assert!(raise(&iro_tm(), "2026-11-18", &[]).is_ok());
    assert!(raise(&person("senior"), "2026-11-18", &[]).is_ok());

    // A challenge is the child's own team manager's, or their cover's (whatever the cover's role).
    let challenge = |actor: &Staff, covers: &[crate::model::Cover]| {
        step_covered(
            Some(&qap()),
            Request::Challenge {
                reason: "Not agreed".into(),
            },
            actor,
            on("2026-11-04"),
            day(TODAY),
            &policy,
            covers,
        )
    };
    let refused = challenge(&person("tother"), &[]).unwrap_err();
    assert_eq!(refused.rule, Rule::WhoMayAct);
    assert!(refused.message.contains("(tgreen)"), "{}", refused.message);
    let in_force = |absent: &str, by: &str| crate::model::Cover {
        from: day("2026-11-03"),
        ..cover(absent, by)
    };
    assert!(challenge(&person("tother"), &[in_force("tgreen", "tother")]).is_ok());
    assert!(challenge(&service_manager(), &[in_force("tgreen", "mblack")]).is_ok());

    // An EPCP/DRP resolution is recorded by the child's own IRO team manager, their cover or the
    // senior IRO manager; not by another IRO team manager.
    let m = drp(Stage::One);
    let resolve = |actor: &Staff, named: Staff, covers: &[crate::model::Cover]| {
        step_covered(
            Some(&m),
            Request::Resolve {
                outcome: "settled".into(),
                resolved_by: Some(named),
            },
            actor,
            on("2026-11-18"),
            day(TODAY),
            &policy,
            covers,
        )
    };
    let other_manager = staff("kother", Role::IroTeamManager);
    let refused = resolve(&other_manager, team_manager(), &[]).unwrap_err();
    assert_eq!(refused.rule, Rule::WhoMayAct);
    assert!(refused.message.contains("(jwhite)"), "{}", refused.message);
    assert!(resolve(&other_manager, team_manager(), &[cover("jwhite", "kother")]).is_ok());
    assert!(resolve(&person("senior"), team_manager(), &[]).is_ok());

    // The manager named: the child's own, their cover, or one above them in the child's line.
    assert!(
        resolve(&iro_tm(), service_manager(), &[]).is_ok(),
        "a service manager may resolve stage 1"
    );
    assert!(
        resolve(&iro_tm(), director(), &[]).is_ok(),
        "any assistant director, where the child has none of their own"
    );
    let refused = resolve(&iro_tm(), person("tother"), &[]).unwrap_err();
    assert_eq!(refused.rule, Rule::Resolution);
    assert!(
        refused
            .message
            .contains("the child's own team-manager (tgreen)"),
        "{}",
        refused.message
    );
    assert!(resolve(&iro_tm(), person("tother"), &[cover("tgreen", "tother")]).is_ok());

    // A QAP is resolved by the IRO or an IRO manager, never named as a social work manager.
    let refused = step(
        Some(&qap()),
        Request::Resolve {
            outcome: "settled".into(),
            resolved_by: Some(team_manager()),
        },
        &iro(),
        on("2026-11-18"),
        day(TODAY),
    )
    .unwrap_err();
    assert_eq!(refused.rule, Rule::Resolution);
}

#[test]
fn a_login_acts_only_for_its_own_member_of_staff_unless_a_manager_enters_it() {
    use super::authority::may_enter_for;
    let bound = |id: &str, role: Role, login: &str| Staff {
        login: Some(login.into()),
        ..staff(id, role)
    };
    let alex = bound("asmith", Role::Iro, "alex");
    assert!(may_enter_for(&alex, "alex", Some(&alex)).is_ok());
    // Someone else's login: refused, naming both.
    let pat = bound("pother", Role::Iro, "pat");
    let refused = may_enter_for(&alex, "pat", Some(&pat)).unwrap_err();
    assert_eq!(refused.rule, Rule::Identity);
    for said in [
        "asmith acts through the login 'alex'",
        "this is 'pat' (pother, an iro)",
    ] {
        assert!(
            refused.message.contains(said),
            "{said}: {}",
            refused.message
        );
    }
    assert_eq!(
        may_enter_for(&alex, "stranger", None).unwrap_err().rule,
        Rule::Identity
    );
    // An admin or an IRO manager may enter a step on another's behalf.
    for role in [Role::Admin, Role::IroTeamManager, Role::SeniorIroManager] {
        let manager = bound("m", role, "mo");
        assert!(may_enter_for(&alex, "mo", Some(&manager)).is_ok(), "{role}");
    }
    // Unless they have left.
    let gone = Staff {
        left_on: Some(day("2026-11-01")),
        ..bound("m", Role::Admin, "mo")
    };
    assert!(may_enter_for(&alex, "mo", Some(&gone)).is_err());
    // Someone with no login bound can be acted as by anyone.
    assert!(may_enter_for(&iro(), "anyone", None).is_ok());
}

/// One step of every kind, each field given a value that is not its default.
fn one_step_of_each_kind() -> Vec<Event> {
    let opening = Opened {
        child: "LC-0001".into(),
        iro: "jbloggs".into(),
        team: "Team \"North\"".into(),
        category: "care-planning".into(),
        summary: "Plan drifting: no \\ permanence\nsince May".into(),
    };
    let action = crate::model::Action {
        seq: 1,
        text: "Update the plan".into(),
        owner: "asmith".into(),
        due: day("2026-03-02"),
        status: ActionStatus::Open,
        completed_on: None,
    };
    vec![
        Event::ConsultationOpened {
            opening: opening.clone(),
            with: vec!["asmith".into()],
        },
        Event::QapRaised {
            opening: Some(opening.clone()),
            challenge_deadline: day("2026-02-27"),
            actions: vec![action.clone()],
        },
        Event::ActionsAdded {
            actions: vec![action.clone()],
        },
        Event::Challenged {
            reason: "Already in hand".into(),
        },
        Event::ActionExtended {
            seq: 1,
            from: day("2026-03-02"),
            to: day("2026-03-09"),
            agreed_by: "tmiro".into(),
            reason: "Sickness".into(),
        },
        Event::ActionCompleted {
            seq: 1,
            note: Some("Done".into()),
        },
        Event::ActionReassigned {
            seq: 1,
            from: "asmith".into(),
            to: "bjones".into(),
            reason: "Left the service".into(),
        },
        Event::DrpEntered {
            opening: Some(opening),
            stage: Stage::Two,
            deadline: day("2026-03-20"),
            reason: Some("No response".into()),
            response_deadline: Some(day("2026-03-06")),
        },
        Event::StageRaised {
            from: Stage::Two,
            to: Stage::Three,
            reason: Some("Still no plan".into()),
            response_deadline: Some(day("2026-03-13")),
        },
        Event::MeetingHeld {
            chair: "smiro".into(),
            attendees: vec!["asmith".into(), "bjones".into()],
            actions: vec![action],
        },
        Event::Resolved {
            outcome: "Plan agreed".into(),
            resolved_by: "smiro".into(),
        },
        Event::ReferredToCafcass {
            referral: ReferralKind::Formal,
            reason: "Rights breached".into(),
        },
        Event::CafcassDecided {
            decision: CafcassDecision::CriteriaNotMet,
            note: Some("Not taken".into()),
            back_in_drp: true,
        },
        Event::CafcassPackProvided {
            manifest: "ab".repeat(32),
        },
        Event::LegalAdviceSought {
            note: "Asked".into(),
        },
        Event::SeniorManagerBriefed {
            note: "Briefed".into(),
        },
        Event::Noted {
            text: "Discussed".into(),
            supervision: true,
        },
        Event::ActionWithdrawn {
            seq: 1,
            reason: "Entered twice".into(),
        },
        Event::Voided {
            event: 12,
            reason: "Wrong child".into(),
        },
        Event::Amended {
            event: 12,
            text: "Plan drifting".into(),
            reason: "Typo".into(),
        },
    ]
}

#[test]
fn every_kind_of_step_reads_back_as_written_wherever_its_kind_comes() {
    let steps = one_step_of_each_kind();
    let kinds: std::collections::BTreeSet<_> = steps.iter().map(Event::kind).collect();
    assert_eq!(kinds.len(), 20, "one step of each of the twenty kinds");
    for step in &steps {
        let written = serde_json::to_string(step).expect("serialise");
        let kind = format!("{{\"kind\":\"{}\"", step.kind());
        assert!(written.starts_with(&kind), "written kind first: {written}");
        assert_eq!(
            serde_json::from_str::<Event>(&written).expect("read"),
            *step
        );
        // The kind last, as a store that orders keys its own way might give it back.
        let mut object: Vec<(String, serde_json::Value)> =
            match serde_json::from_str::<serde_json::Value>(&written).expect("value") {
                serde_json::Value::Object(object) => object.into_iter().collect(),
                other => panic!("not an object: {other}"),
            };
        object.sort_by_key(|(key, _)| key == "kind");
        let mut reordered = Vec::new();
        serde::Serializer::collect_map(
            &mut serde_json::Serializer::new(&mut reordered),
            object.iter().map(|(key, value)| (key, value)),
        )
        .expect("serialise");
        let reordered = String::from_utf8(reordered).expect("utf-8");
        assert!(!reordered.starts_with(&kind), "{reordered}");
        assert_eq!(
            serde_json::from_str::<Event>(&reordered).expect("read"),
            *step
        );
        assert_eq!(
            serde_json::from_str::<Entry>(&written).expect("entry"),
            Entry::Step(step.clone())
        );
    }
}

#[test]
fn a_step_that_is_not_one_is_refused_naming_what_is_wrong() {
    let refused = |text: &str| {
        serde_json::from_str::<Event>(text)
            .expect_err(text)
            .to_string()
    };
    assert!(refused(r#"{"kind":"promoted","seq":1}"#).contains("unknown variant `promoted`"));
    assert!(refused(r#"{"seq":1,"kind":"promoted"}"#).contains("unknown variant `promoted`"));
    assert!(refused(r#"{"seq":1,"note":null}"#).contains("missing field `kind`"));
    assert!(refused(r#"{"kind":"action-completed","note":null}"#).contains("missing field `seq`"));
    assert!(refused(r#"{"kind":"action-completed","seq":"one"}"#).contains("invalid type"));
    assert!(refused(r#"{"kind":7,"seq":1}"#).contains("invalid type"));
    assert!(refused(r#"{"seq":1,"kind":7}"#).contains("invalid type: 7, expected a string kind"));
    assert!(refused(r#"["action-completed",1]"#).contains("internally tagged enum Event"));
}
