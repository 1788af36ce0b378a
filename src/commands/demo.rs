//! `iro demo`: a new database holding a believable IRO service, then tonight's overdue report.
//!
//! Every step goes through `take_step`, the path the workflow commands take, back-dated in working days
//! from today; so the demo shows matters in every state and stage, some overdue, whatever day it runs.
//! Nothing is random: the same today gives the same database.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;

use super::{report, service_calendar, take, Context};
use crate::calendar::Calendar;
use crate::engine::{Concern, NewAction, Opening, Request, Timescale};
use crate::error::{Problem, Status};
use crate::model::{CafcassDecision, Child, Role, Staff, Stage};
use crate::render::Format;
use crate::store::reports::DueFilter;
use crate::store::{Location, Store};
use crate::workflow::Asked;

/// Build a demo database of a believable IRO service and print its overdue report
#[derive(Debug, Args)]
#[command(
    after_help = "Writes a new file: --db / IRO_DB, else iro-demo.db in the current directory.\n\
It refuses to touch a file that exists, but replaces the iro-demo.db a previous run made.\n\n\
Example:\n  iro demo && iro --db iro-demo.db report open"
)]
pub struct DemoArgs {}

/// Where the demo writes when no database is named.
pub const DEMO_DB: &str = "iro-demo.db";

const TEAMS: [&str; 3] = ["North-CLA", "South-CLA", "Disabled-Children"];

/// (id, name, role, team)
const STAFF: &[(&str, &str, Role, &str)] = &[
    (
        "pmorgan",
        "Priya Morgan",
        Role::SeniorIroManager,
        "IRO-Service",
    ),
    ("jwhite", "Jo White", Role::IroTeamManager, "IRO-Service"),
    (
        "dokafor",
        "Daniel Okafor",
        Role::IroTeamManager,
        "IRO-Service",
    ),
    ("asmith", "Alex Smith", Role::Iro, "IRO-Service"),
    ("rpatel", "Ravi Patel", Role::Iro, "IRO-Service"),
    ("lnowak", "Lena Nowak", Role::Iro, "IRO-Service"),
    ("tbaker", "Tom Baker", Role::Iro, "IRO-Service"),
    ("efrancis", "Emma Francis", Role::Iro, "IRO-Service"),
    (
        "rcollins",
        "Ruth Collins",
        Role::AssistantDirector,
        "Childrens-Services",
    ),
    (
        "mblack",
        "Martin Black",
        Role::ServiceManager,
        "Childrens-Services",
    ),
    (
        "hsingh",
        "Harpreet Singh",
        Role::ServiceManager,
        "Childrens-Services",
    ),
    ("tgreen", "Tanya Green", Role::TeamManager, "North-CLA"),
    ("kosei", "Kwame Osei", Role::TeamManager, "South-CLA"),
    (
        "ljames",
        "Laura James",
        Role::TeamManager,
        "Disabled-Children",
    ),
    ("cdoe", "Chris Doe", Role::PracticeSupervisor, "North-CLA"),
    (
        "amurphy",
        "Aoife Murphy",
        Role::PracticeSupervisor,
        "South-CLA",
    ),
    (
        "bwong",
        "Bella Wong",
        Role::PracticeSupervisor,
        "Disabled-Children",
    ),
    ("bking", "Ben King", Role::SocialWorker, "North-CLA"),
    ("shussain", "Sara Hussain", Role::SocialWorker, "North-CLA"),
    ("gevans", "Gareth Evans", Role::SocialWorker, "South-CLA"),
    ("nadeyemi", "Ngozi Adeyemi", Role::SocialWorker, "South-CLA"),
    (
        "frossi",
        "Francesca Rossi",
        Role::SocialWorker,
        "Disabled-Children",
    ),
    (
        "mclarke",
        "Mark Clarke",
        Role::SocialWorker,
        "Disabled-Children",
    ),
];

/// Per team: social workers, practice supervisor, team manager, service manager.
const ALLOCATION: [([&str; 2], &str, &str, &str); 3] = [
    (["bking", "shussain"], "cdoe", "tgreen", "mblack"),
    (["gevans", "nadeyemi"], "amurphy", "kosei", "mblack"),
    (["frossi", "mclarke"], "bwong", "ljames", "hsingh"),
];

/// IROs and their IRO team manager.
const IROS: [(&str, &str); 5] = [
    ("asmith", "jwhite"),
    ("rpatel", "jwhite"),
    ("lnowak", "jwhite"),
    ("tbaker", "dokafor"),
    ("efrancis", "dokafor"),
];

const FIRST_NAMES: [&str; 20] = [
    "Amelia", "Jayden", "Olivia", "Kai", "Isla", "Mohammed", "Ruby", "Tyler", "Maisie", "Callum",
    "Aisha", "Leo", "Freya", "Reggie", "Poppy", "Zain", "Lily", "Harvey", "Skye", "Dylan",
];

const SURNAMES: [&str; 20] = [
    "Walker", "Begum", "Hughes", "Kowalski", "Taylor", "Ahmed", "Robinson", "O'Neill", "Wright",
    "Mensah", "Thompson", "Khan", "Lewis", "Nguyen", "Price", "Ali", "Morris", "Campbell",
    "Jackson", "Shah",
];

const CHILDREN: usize = 40;

pub fn run(ctx: &mut Context, _args: &DemoArgs) -> anyhow::Result<Status> {
    let path = ctx.db.clone().unwrap_or_else(|| PathBuf::from(DEMO_DB));
    let location = Location::from_argument(&path);
    if let Location::Server(_) = location {
        // A server's database is never the demo's to drop: it must be empty, as `iro init` finds it.
        if Store::open_at(&location, ctx.now, &mut |_, _| {}).is_ok() {
            return Err(Problem::Usage(format!(
                "{location} holds an iro database already: the demo only fills an empty one"
            ))
            .into());
        }
        let acting_as = ctx.acting_as.take();
        let built = build(ctx);
        ctx.acting_as = acting_as;
        return show(ctx, &location, built?);
    }
    // Running the README's command twice should just work: the default demo file is ours to replace,
    // but only when it is an iro database; a file named on the command line is never touched.
    if ctx.db.is_none() && path.is_file() && Store::open(&path, ctx.now).is_ok() {
        crate::store::sqlite::remove_files(&path);
        writeln!(
            ctx.err,
            "replacing the previous demo database {}",
            path.display()
        )?;
    }
    if path.exists() {
        return Err(Problem::Usage(format!(
            "{} exists already: the demo only writes a new database (remove it, or give another --db)",
            path.display()
        ))
        .into());
    }
    // The steps act on the new file as its own staff, whoever runs the demo.
    let (db, acting_as) = (ctx.db.replace(path.clone()), ctx.acting_as.take());
    let built = build(ctx);
    ctx.db = db;
    ctx.acting_as = acting_as;
    let built = match built {
        Ok(built) => built,
        Err(e) => {
            // Half a demo is no use and would block the next try; the file is ours to remove.
            crate::store::sqlite::remove_files(&path);
            return Err(e);
        }
    };
    show(ctx, &location, built)
}

/// Says what the demo wrote, and shows its overdue report.
fn show(
    ctx: &mut Context,
    location: &Location,
    (calendar, matters, example): (Calendar, usize, String),
) -> anyhow::Result<Status> {
    writeln!(
        ctx.err,
        "demo database written to {location}: {} staff, {CHILDREN} children, {matters} matters, as of {}",
        STAFF.len(),
        ctx.today
    )?;
    let mut store = Store::open_at(location, ctx.now, &mut |_, _| {})?;
    let tx = store.read()?;
    let query = report::OverdueQuery {
        as_stood: None,
        as_of: ctx.today,
        due_within: None,
        filter: DueFilter {
            resolving_roles: ctx.policy.resolving_roles,
            ..DueFilter::default()
        },
    };
    writeln!(ctx.out, "Overdue as of {}:", ctx.today)?;
    let (_, overdue) = report::write_overdue(
        &tx,
        &calendar,
        &query,
        Format::Table,
        false,
        ctx.colour,
        &mut *ctx.out,
    )?;
    writeln!(ctx.out, "{overdue} overdue")?;
    let db = match location {
        Location::File(path) => path.display().to_string(),
        Location::Server(_) => "\"$IRO_DB\"".to_string(),
    };
    writeln!(
        ctx.err,
        "try: iro --db {db} report open; iro --db {db} report alert-form {example}"
    )?;
    Ok(Status::Done)
}

/// Creates the database at `ctx.db` and takes every step; gives the calendar, the number of matters
/// and the id of one whose alert form is worth a look.
fn build(ctx: &mut Context) -> anyhow::Result<(Calendar, usize, String)> {
    let (mut store, _) = Store::create_at(&ctx.db_location()?, false, ctx.now)?;
    // On a server, the demo's steps are entered by the role the server authenticated, as any others.
    if let Some(login) = store.authenticated_login()? {
        ctx.env.login = login;
    }
    let (staff, children) = directory();
    let tx = store.write()?;
    // The service's people were in post a year before today, before any of its steps.
    let by = crate::workflow::directory::By {
        actor: "iro-demo",
        on: ctx.today - chrono::Days::new(365),
    };
    let setting = super::setting(ctx);
    let in_order: Vec<Staff> = STAFF.iter().map(|(id, ..)| staff[id].clone()).collect();
    crate::workflow::directory::set_up(&tx, &setting, by, &in_order, &children)?;
    let calendar = service_calendar(ctx, &tx)?;
    tx.commit()?;
    drop(store);
    let mut demo = Demo {
        ctx,
        calendar: calendar.clone(),
        staff,
        plan: Vec::new(),
        matters: 0,
    };
    let example = demo.service(&children);
    let ids = demo.take_steps()?;
    Ok((calendar, ids.len(), ids[example].clone()))
}

/// The staff directory and the children, with their allocations.
fn directory() -> (HashMap<&'static str, Staff>, Vec<Child>) {
    let staff = STAFF
        .iter()
        .map(|&(id, name, role, team)| {
            let email = format!("{}@example.gov.uk", name.to_lowercase().replace(' ', "."));
            let staff = Staff {
                id: id.to_string(),
                name: name.to_string(),
                role,
                email,
                team: Some(team.to_string()),
                login: None,
                left_on: None,
            };
            (id, staff)
        })
        .collect();
    // A fixed Lehmer sequence gives file references that look issued over years, not in a row.
    let mut seed: u64 = 104_233;
    let mut seen = std::collections::HashSet::new();
    let mut children = Vec::with_capacity(CHILDREN);
    let mut i = 0;
    while children.len() < CHILDREN {
        let reference = if i == 0 {
            104_233
        } else {
            seed = seed * 48_271 % 2_147_483_647;
            100_000 + seed % 900_000
        };
        if !seen.insert(reference) {
            i += 1;
            continue;
        }
        let n = children.len();
        let team = n % TEAMS.len();
        let (social_workers, supervisor, team_manager, service_manager) = ALLOCATION[team];
        let (iro, iro_team_manager) = IROS[n % IROS.len()];
        children.push(Child {
            reference: format!("LCS-{reference}"),
            name: format!("{} {}", FIRST_NAMES[n % 20], SURNAMES[(n * 7 + 3) % 20]),
            team: TEAMS[team].to_string(),
            social_worker: social_workers[(n / TEAMS.len()) % 2].to_string(),
            practice_supervisor: Some(supervisor.to_string()),
            team_manager: team_manager.to_string(),
            service_manager: service_manager.to_string(),
            assistant_director: None,
            iro: iro.to_string(),
            iro_team_manager: iro_team_manager.to_string(),
            ceased_on: None,
            cease_reason: None,
        });
        i += 1;
    }
    (staff, children)
}

/// A matter the demo opens, by its place in the plan, and the child it is about.
struct Opened {
    slot: usize,
    child: Child,
}

/// One step of the plan: who takes it, how many working days before today, on which matter.
struct Planned {
    ago: u32,
    actor: String,
    slot: usize,
    step: Plan,
}

/// A planned step: opening the matter in its slot, or a step on it.
enum Plan {
    Open {
        child: String,
        opening: Opening<'static>,
    },
    On(Request<'static>),
}

struct Demo<'c, 'a> {
    ctx: &'c mut Context<'a>,
    calendar: Calendar,
    staff: HashMap<&'static str, Staff>,
    plan: Vec<Planned>,
    matters: usize,
}

impl Demo<'_, '_> {
    /// The working day `n` working days before today (today itself for 0).
    fn ago(&self, n: u32) -> anyhow::Result<NaiveDate> {
        let mut day = self.ctx.today;
        let mut left = n;
        while left > 0 {
            day = day
                .pred_opt()
                .ok_or_else(|| anyhow::anyhow!("the demo runs before the calendar"))?;
            if self.calendar.is_working_day(day)? {
                left -= 1;
            }
        }
        Ok(day)
    }

    /// Takes the planned steps in date order, so matter ids rise with the day each matter was opened.
    fn take_steps(&mut self) -> anyhow::Result<Vec<String>> {
        let mut plan = std::mem::take(&mut self.plan);
        // Stable: a matter's steps on the same day keep the order they were planned in.
        plan.sort_by_key(|p| std::cmp::Reverse(p.ago));
        let mut ids = vec![String::new(); self.matters];
        let today = self.ctx.today;
        for p in plan {
            let on = self.ago(p.ago)?;
            // Each step as if typed on its own day, so the people it concerns hear of it that day.
            self.ctx.today = on;
            self.ctx.acting_as = Some(p.actor);
            let asked = match p.step {
                Plan::Open { child, opening } => Asked::Open { child, opening },
                Plan::On(request) => Asked::On {
                    matter: ids[p.slot].clone(),
                    request,
                },
            };
            let matter = take(self.ctx, Some(on), |_| Ok(asked));
            self.ctx.today = today;
            ids[p.slot] = matter?.id;
        }
        Ok(ids)
    }

    fn staff(&self, id: &str) -> Staff {
        self.staff[id].clone()
    }

    fn open(&mut self, child: &Child, ago: u32, opening: Opening<'static>) -> Opened {
        let slot = self.matters;
        self.matters += 1;
        self.plan.push(Planned {
            ago,
            actor: child.iro.clone(),
            slot,
            step: Plan::Open {
                child: child.reference.clone(),
                opening,
            },
        });
        Opened {
            slot,
            child: child.clone(),
        }
    }

    /// The child's IRO raises a QAP `ago` working days back; each action is (text, owner, within N).
    fn qap(
        &mut self,
        child: &Child,
        category: &str,
        summary: &str,
        actions: &[(&str, &str, u32)],
        ago: u32,
    ) -> Opened {
        let actions = actions
            .iter()
            .map(|&(text, owner, within)| NewAction {
                text: text.to_string(),
                owner: Cow::Owned(self.staff(owner)),
                due: Timescale::Within(within),
            })
            .collect();
        let opening = Opening::RaiseQap {
            concern: concern(category, summary),
            actions,
        };
        self.open(child, ago, opening)
    }

    /// The child's IRO opens a matter straight into EPCP/DRP.
    fn enter(
        &mut self,
        child: &Child,
        category: &str,
        summary: &str,
        stage: Stage,
        reason: Option<&str>,
        ago: u32,
    ) -> Opened {
        let opening = Opening::EnterDrp {
            concern: concern(category, summary),
            stage,
            reason: reason.map(str::to_string),
        };
        self.open(child, ago, opening)
    }

    fn on(&mut self, m: &Opened, actor: &str, ago: u32, request: Request<'static>) {
        self.plan.push(Planned {
            ago,
            actor: actor.to_string(),
            slot: m.slot,
            step: Plan::On(request),
        });
    }

    fn escalate(&mut self, m: &Opened, stage: Stage, reason: Option<&str>, ago: u32) {
        let request = Request::Escalate {
            stage,
            reason: reason.map(str::to_string),
        };
        self.on(m, &m.child.iro, ago, request)
    }

    fn complete(&mut self, m: &Opened, seq: u32, note: &str, ago: u32) {
        let request = Request::CompleteAction {
            seq,
            note: Some(note.to_string()),
        };
        self.on(m, &m.child.iro, ago, request)
    }

    fn extend(&mut self, m: &Opened, seq: u32, within: u32, reason: &str, ago: u32) {
        let request = Request::Extend {
            seq,
            due: Timescale::Within(within),
            agreed_by: self.staff(&m.child.iro_team_manager),
            reason: reason.to_string(),
        };
        self.on(m, &m.child.iro, ago, request)
    }

    /// A QAP resolved by its IRO; an EPCP/DRP matter by the IRO team manager, naming `by`.
    fn resolve(&mut self, m: &Opened, outcome: &str, by: Option<&str>, ago: u32) {
        let request = Request::Resolve {
            outcome: outcome.to_string(),
            resolved_by: by.map(|id| self.staff(id)),
        };
        let actor = match by {
            Some(_) => &m.child.iro_team_manager,
            None => &m.child.iro,
        };
        self.on(m, actor, ago, request)
    }

    /// A referral to CAFCASS: formal once stage 3 or the resolution period has failed, when the IRO
    /// says so.
    fn refer(&mut self, m: &Opened, reason: &str, formal: bool, ago: u32) {
        let request = Request::ReferCafcass {
            reason: reason.to_string(),
            formal,
        };
        self.on(m, &m.child.iro, ago, request)
    }

    fn decide(&mut self, m: &Opened, decision: CafcassDecision, ago: u32) {
        let request = Request::CafcassDecision {
            decision,
            note: None,
        };
        self.on(m, &m.child.iro, ago, request)
    }

    /// Plans the service's matters, each matter's steps oldest first; `ago` counts working days before
    /// today. Gives the slot of a matter overdue in EPCP/DRP, whose alert form is worth a look.
    /// Gives the id of a matter overdue in EPCP/DRP, to show its alert form.
    fn service(&mut self, children: &[Child]) -> usize {
        let c = move |i: usize| &children[i];
        let sw = move |i: usize| children[i].social_worker.as_str();
        let ps = move |i: usize| {
            children[i]
                .practice_supervisor
                .as_deref()
                .unwrap_or_default()
        };
        let tm = move |i: usize| children[i].team_manager.as_str();

        // Resolved QAPs: the informal process working as meant.
        let m = self.qap(
            c(0),
            "care-planning-drift-and-delay",
            "Care plan not updated after placement move",
            &[(
                "Update the care plan to reflect the new placement",
                sw(0),
                10,
            )],
            95,
        );
        self.complete(&m, 1, "Care plan updated and shared", 88);
        self.resolve(&m, "Care plan updated; no further concern", None, 87);
        let m = self.qap(
            c(1),
            "health-assessment",
            "Initial health assessment not arranged",
            &[("Book the initial health assessment", sw(1), 5)],
            70,
        );
        self.complete(&m, 1, "Assessment held", 66);
        self.resolve(&m, "Assessment completed within timescale", None, 66);
        let m = self.qap(
            c(2),
            "personal-education-plan",
            "PEP not held this term",
            &[("Hold the personal education plan meeting", sw(2), 10)],
            48,
        );
        self.extend(&m, 1, 10, "Designated teacher on leave", 38);
        self.complete(&m, 1, "PEP held", 30);
        self.resolve(&m, "PEP held with the virtual school", None, 29);

        // Open QAPs: some on time, some due soon, some overdue, one challenged, some extended.
        self.qap(
            c(3),
            "contact",
            "Sibling contact plan not agreed",
            &[("Agree a sibling contact plan with the carers", sw(3), 10)],
            3,
        );
        self.qap(
            c(4),
            "care-planning-drift-and-delay",
            "Reunification assessment has drifted",
            &[
                ("Complete the parenting assessment", sw(4), 9),
                ("Review the plan at supervision", ps(4), 4),
            ],
            7,
        );
        let m = self.qap(
            c(5),
            "placement-stability-or-suitability",
            "Placement at risk without support package",
            &[
                ("Arrange therapeutic support for the carers", sw(5), 10),
                ("Hold a stability meeting", ps(5), 5),
            ],
            25,
        );
        self.complete(&m, 2, "Stability meeting held", 19);
        // Both actions done, and nobody has resolved it: drift the overdue report cannot see.
        self.complete(&m, 1, "Therapeutic support in place", 15);
        let m = self.qap(
            c(6),
            "permanence",
            "Permanence plan not progressed since last review",
            &[
                ("Complete the viability assessment of the aunt", sw(6), 10),
                ("Book permanence panel", tm(6), 15),
            ],
            8,
        );
        self.on(
            &m,
            tm(6),
            5,
            Request::Challenge {
                reason: "The viability assessment cannot start before the aunt's DBS check returns"
                    .into(),
            },
        );
        let m = self.qap(
            c(7),
            "pathway-plan",
            "Pathway plan not started at 16",
            &[("Start the pathway plan with the young person", sw(7), 10)],
            30,
        );
        self.extend(
            &m,
            1,
            25,
            "Young person asked to wait until after exams",
            19,
        );
        let m = self.qap(
            c(8),
            "health-assessment",
            "Dental check overdue",
            &[("Register with a dentist and book a check", sw(8), 10)],
            40,
        );
        self.extend(&m, 1, 15, "No NHS dentist taking new patients", 29);
        // Extended again and again: drift.
        self.extend(&m, 1, 15, "Dentist cancelled the appointment", 20);
        self.extend(&m, 1, 15, "Carer unable to attend", 10);
        self.qap(
            c(9),
            "personal-education-plan",
            "School place not secured after move",
            &[
                ("Secure a school place", sw(9), 5),
                ("Arrange interim tuition", ps(9), 3),
            ],
            12,
        );
        self.qap(
            c(10),
            "contact",
            "Contact with father stopped without review",
            &[("Review contact arrangements with the father", sw(10), 10)],
            11,
        );
        self.qap(
            c(11),
            "care-planning-drift-and-delay",
            "Review recommendations not actioned",
            &[("Action the recommendations of the last review", sw(11), 10)],
            13,
        );
        let m = self.qap(
            c(12),
            "placement-stability-or-suitability",
            "Unregulated placement beyond 28 days",
            &[("Identify a registered placement", tm(12), 10)],
            16,
        );
        self.on(
            &m,
            &m.child.iro.clone(),
            4,
            Request::Note {
                text: "Team manager reports two placements under consideration".into(),
                supervision: false,
            },
        );
        self.qap(
            c(13),
            "permanence",
            "Special guardianship assessment not allocated",
            &[("Allocate the SGO assessment", tm(13), 5)],
            2,
        );

        // QAPs escalated into EPCP/DRP.
        let m = self.qap(
            c(14),
            "care-planning-drift-and-delay",
            "Care plan not updated for eight months",
            &[
                ("Update the care plan", sw(14), 10),
                ("Present the plan at supervision", ps(14), 10),
            ],
            35,
        );
        self.escalate(&m, Stage::One, None, 12);
        let m = self.qap(
            c(15),
            "permanence",
            "Adoption plan stalled",
            &[("Complete the child permanence report", sw(15), 10)],
            80,
        );
        self.escalate(&m, Stage::One, None, 70);
        self.complete(&m, 1, "Report completed", 62);
        self.resolve(
            &m,
            "Child permanence report completed and panel booked",
            Some(tm(15)),
            60,
        );

        // Matters opened straight into EPCP/DRP.
        let overdue = self.enter(
            c(16),
            "contact",
            "Contact with mother suspended without a decision",
            Stage::One,
            None,
            28,
        );
        let m = self.enter(
            c(17),
            "placement-stability-or-suitability",
            "Third placement move in a year",
            Stage::One,
            None,
            15,
        );
        self.escalate(&m, Stage::Two, None, 6);
        let m = self.enter(
            c(18),
            "health-assessment",
            "Mental health referral refused twice",
            Stage::Three,
            Some("Risk of harm: needs the assistant director now"),
            10,
        );
        self.on(
            &m,
            &m.child.iro.clone(),
            7,
            Request::LegalAdvice {
                note: "Independent legal advice sought on the child's article 8 rights".into(),
            },
        );
        self.on(
            &m,
            &m.child.iro_team_manager.clone(),
            6,
            Request::BriefSenior {
                note: "Senior IRO manager briefed by telephone".into(),
            },
        );
        self.refer(&m, "Child's views not being acted on", false, 6);
        let m = self.enter(
            c(19),
            "personal-education-plan",
            "No school place for two terms",
            Stage::One,
            None,
            75,
        );
        self.escalate(&m, Stage::Two, None, 65);
        self.resolve(
            &m,
            "School place agreed by the service manager",
            Some(&m.child.service_manager.clone()),
            50,
        );
        let m = self.enter(
            c(20),
            "permanence",
            "Long-term fostering match not progressed",
            Stage::Two,
            Some("Stage 1 discussions already exhausted"),
            60,
        );
        self.escalate(&m, Stage::Three, None, 50);
        self.resolve(
            &m,
            "Match approved by the assistant director",
            Some("rcollins"),
            42,
        );

        // CAFCASS: a formal referral decided, one waiting, a concurrent one decided.
        let m = self.enter(
            c(21),
            "contact",
            "Child prevented from seeing siblings",
            Stage::Two,
            Some("Previous QAP on the same issue failed"),
            90,
        );
        self.escalate(&m, Stage::Three, None, 80);
        self.refer(&m, "Resolution period passed without agreement", true, 65);
        self.decide(&m, CafcassDecision::CriteriaMet, 45);
        let m = self.enter(
            c(22),
            "care-planning-drift-and-delay",
            "Plan for return home drifted for a year",
            Stage::Three,
            Some("Drift across three reviews"),
            45,
        );
        self.refer(&m, "Stage 3 has not resolved the matter", true, 20);
        let m = self.enter(
            c(23),
            "placement-stability-or-suitability",
            "Placement far from school and family",
            Stage::Two,
            Some("Team manager agreed it needs the service manager"),
            18,
        );
        self.refer(
            &m,
            "Concern about the child's right to family life",
            false,
            14,
        );
        self.decide(&m, CafcassDecision::CriteriaNotMet, 5);

        // Pre-review consultations: one still open, one settled on the phone, one that became a QAP.
        let sw = |child: &Child| child.social_worker.clone();
        for (child, category, summary, ago) in [
            (
                c(24),
                "health-assessment",
                "Annual health assessment not booked",
                3,
            ),
            (
                c(25),
                "child-participation",
                "Child not invited to their review",
                25,
            ),
            (c(26), "pathway-plan", "Pathway plan not started at 16", 30),
            // A consultation that never became anything.
            (
                c(27),
                "care-plan-not-updated",
                "Care plan not updated after the move",
                45,
            ),
        ] {
            let with = vec![self.staff(&sw(child))];
            let opening = Opening::Consult {
                concern: concern(category, summary),
                with,
            };
            let m = self.open(child, ago, opening);
            match ago {
                25 => self.resolve(
                    &m,
                    "Invitation sent after a call with the social worker",
                    None,
                    24,
                ),
                30 => {
                    let owner = self.staff(&sw(child));
                    let request = Request::RaiseQap {
                        actions: vec![NewAction {
                            text: "Start the pathway plan".to_string(),
                            owner: Cow::Owned(owner),
                            due: Timescale::Within(15),
                        }],
                    };
                    self.on(&m, &child.iro, 27, request);
                }
                _ => {}
            }
        }
        overdue.slot
    }
}

fn concern(category: &str, summary: &str) -> Concern {
    Concern {
        category: category.to_string(),
        summary: summary.to_string(),
    }
}
