//! A deterministic generator of believable IRO service data, at any scale, for benchmarks.
//!
//! ```sh
//! cargo run --release --example synth -- --db /tmp/iro-1m.db --children 80000 --matters 1000000 --seed 7
//! ```
//!
//! Every matter is built step by step through `iro::workflow::step_in`, the path the workflow commands
//! take (the rule engine, the store's writes, the hash chain and the outbox), with many steps to one
//! transaction. The directory (staff, teams, children, closure days) is written through the store as
//! `iro demo` writes it. Matters are raised over the ten years before today (`--today`, else
//! `IRO_TODAY`, else 2026-11-26) in date order, and run through the protocol: pre-review consultations
//! settled or turned into QAPs; QAPs resolved, challenged, extended or escalated; matters entering
//! EPCP/DRP at each stage, going up, with formal meetings, legal advice and notes, resolved by the
//! manager the stage needs, referred to CAFCASS and decided; a share left drifting, so some are overdue
//! as of today. Every state and stage is present. The same arguments give the same database.
//!
//! Steps are committed every `--batch` (10,000) steps, on a connection tuned by `Store::tune_for_bulk`;
//! a progress bar shows on a terminal. 1,000,000 matters (about 3.8 million steps) take about five
//! minutes on two cores.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context as _};
use chrono::{Datelike, Days, NaiveDate, NaiveTime, TimeZone, Utc};
use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use iro::calendar::Calendar;
use iro::engine::{Concern, NewAction, Opening, Policy, Request, Timescale};
use iro::model::{CafcassDecision, Child, Matter, MatterState, Role, Staff, Stage};
use iro::policy;
use iro::store::{Store, Tx};
use iro::workflow::{directory, step_in, Asked, Clock, Setting};

/// Generate a believable IRO service database through the store code the commands use
#[derive(Debug, Parser)]
#[command(name = "synth")]
pub struct Args {
    /// The database to write (must not exist)
    #[arg(long)]
    pub db: PathBuf,
    /// Looked-after children (a large authority: a few thousand; England: 80,000)
    #[arg(long, default_value_t = 3_000)]
    pub children: usize,
    /// Matters, raised over the ten years before today
    #[arg(long, default_value_t = 10_000)]
    pub matters: usize,
    /// The seed of the pseudo-random choices
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Today: no step is dated after it
    #[arg(long, env = "IRO_TODAY", default_value = "2026-11-26")]
    pub today: NaiveDate,
    /// Steps per transaction
    #[arg(long, default_value_t = 10_000)]
    pub batch: usize,
    /// The page cache of the writing connection, in MiB
    #[arg(long, default_value_t = 256)]
    pub cache_mib: u32,
    /// No progress bar
    #[arg(long)]
    pub quiet: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    let summary = generate(&args)?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{}: {} staff, {} children, {} matters, {} steps ({} not told: missing recipients) in {secs:.1} s \
         ({:.0} matters/s, {:.0} steps/s), today {}",
        args.db.display(),
        summary.staff,
        args.children,
        summary.matters,
        summary.steps,
        summary.warnings,
        summary.matters as f64 / secs,
        summary.steps as f64 / secs,
        args.today,
    );
    Ok(())
}

/// What a run wrote.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    pub staff: usize,
    pub matters: usize,
    pub steps: u64,
    pub warnings: u64,
}

/// Writes a new database as `args` says.
pub fn generate(args: &Args) -> anyhow::Result<Summary> {
    if args.db.exists() {
        bail!(
            "{} exists already: synth writes a new database",
            args.db.display()
        );
    }
    if args.children == 0 {
        bail!("--children must be at least 1");
    }
    let set_up = Utc.from_utc_datetime(&args.today.and_time(NaiveTime::MIN));
    let (mut store, _) = Store::create(&args.db, false, set_up)?;
    store.tune_for_bulk(args.cache_mib)?;
    let directory = Directory::new(args.children, args.seed);
    let tx = store.write()?;
    let mut setting = Setting::new(
        &policy::Loaded::defaults(policy::Source::Defaults(None)),
        Clock {
            today: args.today,
            // Each step sets its own time of recording; the directory is recorded at this one.
            now: set_up,
            real_today: args.today,
        },
        "synth",
    );
    // The service's people and children, in post since before the first matter (ten years back).
    let by = directory::By {
        actor: "synth",
        on: args.today - Days::new(3_700),
    };
    let by = directory::set_up(&tx, &setting, by, &directory.staff, &directory.children)?;
    for day in christmas_closures(args.today) {
        directory::add_closure_day(&tx, &setting, by, day, "Christmas shutdown".into())?;
    }
    setting.notify = false;
    let calendar = setting.calendar(&tx)?;
    tx.commit()?;

    let progress = if args.quiet {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::with_draw_target(
            Some(args.matters as u64),
            ProgressDrawTarget::stderr_with_hz(4),
        );
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {elapsed_precise} [{wide_bar}] {human_pos}/{human_len} matters \
                 {per_sec} eta {eta} {msg}",
            )
            .expect("a valid template")
            .progress_chars("=> "),
        );
        bar
    };
    let mut synth = Synth {
        rng: Rng::new(args.seed),
        calendar,
        policy: Policy::default(),
        setting,
        today: args.today,
        directory: &directory,
        steps: 0,
        warnings: 0,
    };
    let first = args
        .today
        .checked_sub_days(Days::new(3_652))
        .context("today is too early")?;
    let span = (args.today - first).num_days() as u64;
    let mut done = 0;
    while done < args.matters {
        let tx = store.write()?;
        let start = synth.steps;
        while done < args.matters && synth.steps - start < args.batch as u64 {
            // Raised in date order, so matter ids rise with the day they were raised.
            let raised = first + Days::new(done as u64 * span / args.matters as u64);
            synth.matter(&tx, raised)?;
            done += 1;
            if done % 256 == 0 {
                progress.set_position(done as u64);
            }
        }
        tx.commit()?;
        progress.set_position(done as u64);
        progress.set_message(format!("{} steps", synth.steps));
    }
    progress.finish();
    Ok(Summary {
        staff: directory.staff.len(),
        matters: args.matters,
        steps: synth.steps,
        warnings: synth.warnings,
    })
}

/// The working days between Christmas and New Year, for each of the eleven years up to today.
fn christmas_closures(today: NaiveDate) -> Vec<NaiveDate> {
    let mut days = Vec::new();
    for year in today.year() - 10..=today.year() {
        for day in 27..=31 {
            let date = NaiveDate::from_ymd_opt(year, 12, day).expect("a December day");
            if date.weekday().number_from_monday() <= 5 {
                days.push(date);
            }
        }
    }
    days
}

/// SplitMix64: small, fast and the same everywhere.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        ((self.next() >> 11) % n as u64) as usize
    }

    /// A number in `lo..=hi`.
    fn between(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below((hi - lo + 1) as usize) as u32
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const FIRST_NAMES: [&str; 40] = [
    "Amelia", "Jayden", "Olivia", "Kai", "Isla", "Mohammed", "Ruby", "Tyler", "Maisie", "Callum",
    "Aisha", "Leo", "Freya", "Reggie", "Poppy", "Zain", "Lily", "Harvey", "Skye", "Dylan", "Grace",
    "Oscar", "Evie", "Theo", "Hannah", "Arjun", "Chloe", "Ethan", "Maya", "Noah", "Sophie",
    "Ibrahim", "Ella", "Louis", "Zara", "Finley", "Anya", "Jack", "Mia", "Rory",
];

const SURNAMES: [&str; 40] = [
    "Walker", "Begum", "Hughes", "Kowalski", "Taylor", "Ahmed", "Robinson", "O'Neill", "Wright",
    "Mensah", "Thompson", "Khan", "Lewis", "Nguyen", "Price", "Ali", "Morris", "Campbell",
    "Jackson", "Shah", "Evans", "Patel", "Davies", "Okafor", "Murphy", "Wilson", "Hussain",
    "Clarke", "Green", "Baker", "Singh", "Edwards", "Roberts", "Kaur", "Harris", "Turner",
    "Phillips", "Cooper", "Ward", "Adeyemi",
];

const AREAS: [&str; 8] = [
    "North",
    "South",
    "East",
    "West",
    "Central",
    "Disabled-Children",
    "Leaving-Care",
    "Adolescent",
];

/// Staff and children, with each child's allocation and each IRO's team manager.
struct Directory {
    staff: Vec<Staff>,
    children: Vec<Child>,
    by_id: HashMap<String, usize>,
    assistant_directors: Vec<String>,
    senior_iro_managers: Vec<String>,
}

impl Directory {
    /// A service sized for `children`: social work teams of six social workers with a practice
    /// supervisor and a team manager, five teams to a service manager, an IRO to about 65 children and an
    /// IRO team manager to eight IROs.
    fn new(children: usize, seed: u64) -> Directory {
        let mut rng = Rng::new(seed.wrapping_mul(31).wrapping_add(17));
        let mut staff = Vec::new();
        let mut add = |prefix: &str, n: usize, role: Role, team: &str, rng: &mut Rng| {
            let id = format!("{prefix}{n:05}");
            let name = format!("{} {}", rng.pick(&FIRST_NAMES), rng.pick(&SURNAMES));
            let email = format!(
                "{}.{id}@example.gov.uk",
                name.to_lowercase().replace([' ', '\''], ".")
            );
            staff.push(Staff {
                id: id.clone(),
                name,
                role,
                email,
                team: Some(team.to_string()),
                login: None,
                left_on: None,
            });
            id
        };
        let teams = children.div_ceil(90).max(3);
        let service_managers: Vec<String> = (0..teams.div_ceil(5))
            .map(|i| {
                add(
                    "sm",
                    i,
                    Role::ServiceManager,
                    "Childrens-Services",
                    &mut rng,
                )
            })
            .collect();
        let assistant_directors: Vec<String> = (0..1 + children / 20_000)
            .map(|i| {
                add(
                    "ad",
                    i,
                    Role::AssistantDirector,
                    "Childrens-Services",
                    &mut rng,
                )
            })
            .collect();
        let senior_iro_managers: Vec<String> = (0..1 + children / 20_000)
            .map(|i| add("sim", i, Role::SeniorIroManager, "IRO-Service", &mut rng))
            .collect();
        struct Team {
            name: String,
            social_workers: Vec<String>,
            supervisor: String,
            manager: String,
            service_manager: String,
        }
        let teams: Vec<Team> = (0..teams)
            .map(|t| {
                let name = format!("{}-{:03}", AREAS[t % AREAS.len()], t / AREAS.len() + 1);
                let social_workers = (0..6)
                    .map(|k| add("sw", t * 6 + k, Role::SocialWorker, &name, &mut rng))
                    .collect();
                let supervisor = add("ps", t, Role::PracticeSupervisor, &name, &mut rng);
                let manager = add("tm", t, Role::TeamManager, &name, &mut rng);
                Team {
                    name,
                    social_workers,
                    supervisor,
                    manager,
                    service_manager: service_managers[t / 5].clone(),
                }
            })
            .collect();
        let iros = children.div_ceil(65).max(2);
        let iro_managers: Vec<String> = (0..iros.div_ceil(8))
            .map(|i| add("itm", i, Role::IroTeamManager, "IRO-Service", &mut rng))
            .collect();
        let iros: Vec<(String, String)> = (0..iros)
            .map(|i| {
                (
                    add("iro", i, Role::Iro, "IRO-Service", &mut rng),
                    iro_managers[i / 8].clone(),
                )
            })
            .collect();
        let children = (0..children)
            .map(|n| {
                let team = &teams[rng.below(teams.len())];
                let (iro, iro_team_manager) = rng.pick(&iros).clone();
                Child {
                    // Issued over years, not in a row: a bijection of n onto six digits.
                    reference: format!(
                        "LCS-{}",
                        100_000 + (n as u64 * 611_953 + 104_233) % 900_000
                    ),
                    name: format!("{} {}", rng.pick(&FIRST_NAMES), rng.pick(&SURNAMES)),
                    team: team.name.clone(),
                    social_worker: rng.pick(&team.social_workers).clone(),
                    practice_supervisor: (!rng.chance(0.05)).then(|| team.supervisor.clone()),
                    team_manager: team.manager.clone(),
                    service_manager: team.service_manager.clone(),
                    assistant_director: None,
                    iro,
                    iro_team_manager,
                    ceased_on: None,
                    cease_reason: None,
                }
            })
            .collect();
        let by_id = staff
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        Directory {
            staff,
            children,
            by_id,
            assistant_directors,
            senior_iro_managers,
        }
    }

    fn staff(&self, id: &str) -> &Staff {
        &self.staff[self.by_id[id]]
    }
}

const SUMMARIES: [&str; 12] = [
    "Care plan has drifted since the last review",
    "Permanence plan not progressed",
    "Care plan not updated after a change of placement",
    "Review held late without the child's views",
    "Initial health assessment not arranged",
    "Personal education plan not held this term",
    "Placement at risk without a support package",
    "Contact arrangements changed without review",
    "Pathway plan not started",
    "Social worker visits not within timescale",
    "Child not supported to take part in the review",
    "Recommendations of the last review not actioned",
];

const ACTIONS: [&str; 10] = [
    "Update the care plan and share it with the IRO",
    "Complete the viability assessment",
    "Book the health assessment",
    "Hold the personal education plan meeting",
    "Arrange a placement stability meeting",
    "Agree a contact plan with the carers",
    "Start the pathway plan with the young person",
    "Visit the child and record their wishes",
    "Present the plan at supervision",
    "Book the permanence panel",
];

const REASONS: [&str; 4] = [
    "Previous QAP on the same issue failed",
    "Risk of harm: needs a senior decision now",
    "Drift across three reviews",
    "Team manager agreed it needs the next level",
];

/// The generator's state: the choices, the service's calendar and the counters.
struct Synth<'d> {
    rng: Rng,
    calendar: Calendar,
    policy: Policy,
    /// The setting every step is taken in: generated history, like imported history, tells no one.
    setting: Setting,
    today: NaiveDate,
    directory: &'d Directory,
    steps: u64,
    warnings: u64,
}

/// How a matter's run goes on: `Err(Halt::Stop)` when the next step would fall after today or the matter
/// has drifted (the matter stays as it is), `Err(Halt::Failed)` when a step was refused or failed.
type Flow<T> = Result<T, Halt>;

enum Halt {
    Stop,
    Failed(anyhow::Error),
}

impl From<anyhow::Error> for Halt {
    fn from(e: anyhow::Error) -> Halt {
        Halt::Failed(e)
    }
}

/// One matter as it is being built.
struct Run<'c> {
    child: &'c Child,
    id: String,
    day: NaiveDate,
    /// Steps left before the matter drifts, if it does.
    budget: Option<u32>,
    matter: Option<Matter>,
}

impl<'d> Synth<'d> {
    /// The concern of a matter in the policy's category `category`.
    fn concern(&self, category: usize) -> Concern {
        Concern {
            category: self.policy.categories[category].clone(),
            summary: SUMMARIES[category % SUMMARIES.len()].to_string(),
        }
    }

    /// `n` working days after `day`.
    fn after(&self, day: NaiveDate, n: u32) -> anyhow::Result<NaiveDate> {
        Ok(self.calendar.add_working_days(day, n)?)
    }

    /// Between `lo` and `hi` working days after `day`, by chance.
    fn later(&mut self, day: NaiveDate, lo: u32, hi: u32) -> anyhow::Result<NaiveDate> {
        let n = self.rng.between(lo, hi);
        self.after(day, n)
    }

    /// Takes one step dated `on` through `step_in`, or stops the run when `on` is after today or the
    /// matter has drifted.
    fn step(
        &mut self,
        tx: &Tx,
        run: &mut Run,
        actor: &str,
        on: NaiveDate,
        ask: impl Into<Ask>,
    ) -> Flow<()> {
        let ask = ask.into();
        let on = on.max(run.day);
        if on > self.today || run.budget == Some(0) {
            return Err(Halt::Stop);
        }
        if let Some(left) = &mut run.budget {
            *left -= 1;
        }
        // Recorded on the day it took effect, during office hours, a second apart.
        let at = NaiveTime::from_num_seconds_from_midnight_opt(
            9 * 3600 + (self.steps % 28_800) as u32,
            0,
        )
        .expect("a time of day");
        let clock = Clock {
            today: self.today,
            now: Utc.from_utc_datetime(&on.and_time(at)),
            real_today: self.today,
        };
        let what = describe(&ask);
        let asked = match ask {
            Ask::Open(opening) => Asked::Open {
                child: run.child.reference.clone(),
                opening,
            },
            Ask::On(request) => Asked::On {
                matter: run.id.clone(),
                request,
            },
        };
        self.setting.clock = clock;
        let taken = step_in(tx, &self.setting, actor, Some(on), |_| Ok(asked))
            .with_context(|| format!("step on {on} by {actor} on matter '{}': {what}", run.id))?;
        self.steps += 1;
        self.warnings += taken.warnings.len() as u64;
        run.id.clone_from(&taken.matter.id);
        run.day = on;
        run.matter = Some(taken.matter);
        Ok(())
    }

    /// Raises one matter on `raised` (or the next working day) and takes it as far as it goes.
    fn matter(&mut self, tx: &Tx, raised: NaiveDate) -> anyhow::Result<()> {
        let directory = self.directory;
        let child = &directory.children[self.rng.below(directory.children.len())];
        let raised = self.after(raised.pred_opt().unwrap_or(raised), 1)?;
        let mut run = Run {
            child,
            id: String::new(),
            day: raised,
            // About one matter in forty drifts: nobody takes the next step.
            budget: self.rng.chance(0.025).then(|| self.rng.between(1, 3)),
            matter: None,
        };
        let category = self.rng.below(self.policy.categories.len());
        let path = self.rng.below(100);
        let outcome = if path < 10 {
            self.consultation(tx, &mut run, category)
        } else if path < 75 {
            self.qap(tx, &mut run, category)
        } else {
            let stage = match self.rng.below(10) {
                0..=6 => Stage::One,
                7..=8 => Stage::Two,
                _ => Stage::Three,
            };
            let reason = (stage != Stage::One).then(|| self.rng.pick(&REASONS).to_string());
            let opening = Opening::EnterDrp {
                concern: self.concern(category),
                stage,
                reason,
            };
            self.step(tx, &mut run, &child.iro, raised, opening)
                .and_then(|()| self.drp(tx, &mut run))
        };
        match outcome {
            Ok(()) | Err(Halt::Stop) => Ok(()),
            Err(Halt::Failed(e)) => Err(e),
        }
    }

    /// A pre-review consultation with the social worker: settled there, or QAP actions raised on it, or
    /// (rarely) straight into EPCP/DRP.
    fn consultation(&mut self, tx: &Tx, run: &mut Run, category: usize) -> Flow<()> {
        let child = run.child;
        let opening = Opening::Consult {
            concern: self.concern(category),
            with: vec![self.directory.staff(&child.social_worker).clone()],
        };
        let opened = run.day;
        self.step(tx, run, &child.iro, opened, opening)?;
        match self.rng.below(10) {
            0..=4 => {
                run.day = self.later(opened, 2, 10)?;
                self.qap(tx, run, category)
            }
            5..=8 => {
                let on = self.later(opened, 2, 10)?;
                let request = Request::Resolve {
                    outcome: "Settled with the social worker before the review".to_string(),
                    resolved_by: None,
                };
                self.step(tx, run, &child.iro, on, request)
            }
            _ => {
                let on = self.later(opened, 3, 10)?;
                let request = Request::Escalate {
                    stage: Stage::One,
                    reason: None,
                };
                self.step(tx, run, &child.iro, on, request)?;
                self.drp(tx, run)
            }
        }
    }

    /// A QAP: raised with one to three actions, perhaps challenged, actions extended and completed, then
    /// resolved or escalated when an action runs past its due date.
    fn qap(&mut self, tx: &Tx, run: &mut Run, category: usize) -> Flow<()> {
        let child = run.child;
        let directory = self.directory;
        let count = match self.rng.below(20) {
            0..=9 => 1,
            10..=16 => 2,
            _ => 3,
        };
        let owners = [
            Some(&child.social_worker),
            child.practice_supervisor.as_ref(),
            Some(&child.team_manager),
        ];
        let actions = (0..count)
            .map(|k| {
                let owner = owners[k].unwrap_or(&child.social_worker);
                NewAction {
                    text: self.rng.pick(&ACTIONS).to_string(),
                    owner: Cow::Owned(directory.staff(owner).clone()),
                    due: Timescale::Within(self.rng.between(5, 20)),
                }
            })
            .collect();
        // A consultation's matter is already open: the QAP is raised on it.
        let ask = if run.id.is_empty() {
            Ask::Open(Opening::RaiseQap {
                concern: self.concern(category),
                actions,
            })
        } else {
            Ask::On(Request::RaiseQap { actions })
        };
        // Not before today's step: the run may be past `run.day` only when the matter has stopped.
        let raised = run.day;
        self.step(tx, run, &child.iro, raised, ask)?;
        if self.rng.chance(0.06) {
            let on = self.later(raised, 1, 4)?;
            let reason = "The timescale cannot be met before the assessment starts".to_string();
            self.step(
                tx,
                run,
                &child.team_manager,
                on,
                Request::Challenge { reason },
            )?;
        }
        let fate = self.rng.below(100);
        if fate < 24 {
            // An action runs past its due date without agreement: into EPCP/DRP.
            let due = first_open_due(run).unwrap_or(run.day);
            if self.rng.chance(0.3) {
                let on = self.later(raised, 2, 6)?;
                self.complete(tx, run, count as u32, on)?;
            }
            let on = self.later(due, 1, 8)?;
            let request = Request::Escalate {
                stage: Stage::One,
                reason: None,
            };
            self.step(tx, run, &child.iro, on, request)?;
            return self.drp(tx, run);
        }
        for seq in 1..=count as u32 {
            let due = current_due(run, seq).unwrap_or(run.day);
            if self.rng.chance(0.15) {
                // A later timescale agreed with the IRO team manager shortly before the due date.
                let on = self.after(due, 0)?.pred_opt().unwrap_or(due).max(run.day);
                let to = self.later(due.max(on), 5, 15)?;
                let request = Request::Extend {
                    seq,
                    due: Timescale::By(to),
                    agreed_by: directory.staff(&child.iro_team_manager).clone(),
                    reason: "Carer unwell; assessment rescheduled".to_string(),
                };
                self.step(tx, run, &child.iro, on, request)?;
            }
            if fate >= 96 {
                // Resolved in discussion before the actions were done.
                break;
            }
            let due = current_due(run, seq).unwrap_or(run.day);
            let late = self.rng.chance(0.2);
            let on = if late {
                self.later(due, 1, 4)?
            } else {
                self.later(run.day, 1, 4)?.min(due)
            };
            self.complete(tx, run, seq, on)?;
        }
        let on = self.later(run.day, 0, 5)?;
        let request = Request::Resolve {
            outcome: "Actions completed; the plan is back on track".to_string(),
            resolved_by: None,
        };
        self.step(tx, run, &child.iro, on, request)
    }

    fn complete(&mut self, tx: &Tx, run: &mut Run, seq: u32, on: NaiveDate) -> Flow<()> {
        let request = Request::CompleteAction {
            seq,
            note: self
                .rng
                .chance(0.5)
                .then(|| "Done and recorded on the child's file".to_string()),
        };
        let iro = run.child.iro.clone();
        self.step(tx, run, &iro, on, request)
    }

    /// A matter in EPCP/DRP: recorded steps, stages going up, CAFCASS, and a resolution by the manager
    /// the stage needs, or CAFCASS's decision.
    fn drp(&mut self, tx: &Tx, run: &mut Run) -> Flow<()> {
        let child = run.child;
        let directory = self.directory;
        let deadline = run
            .matter
            .as_ref()
            .and_then(|m| m.drp_deadline)
            .unwrap_or(run.day);
        if self.rng.chance(0.15) {
            let on = self.later(run.day, 1, 5)?;
            let text = "Discussed with the team manager; a plan is being agreed".to_string();
            let supervision = self.rng.chance(0.3);
            let request = Request::Note { text, supervision };
            self.step(tx, run, &child.iro, on, request)?;
        }
        if self.rng.chance(0.05) {
            let on = self.later(run.day, 1, 3)?;
            let note = "Independent legal advice sought on the child's rights".to_string();
            self.step(tx, run, &child.iro, on, Request::LegalAdvice { note })?;
            let on = self.after(run.day, 1)?;
            let note = "Senior IRO manager briefed by telephone".to_string();
            let manager = &child.iro_team_manager;
            self.step(tx, run, manager, on, Request::BriefSenior { note })?;
        }
        if self.rng.chance(0.5) {
            // The QAP's actions done while the dispute runs.
            let open: Vec<u32> = run
                .matter
                .as_ref()
                .map(|m| {
                    m.actions
                        .iter()
                        .filter(|a| a.completed_on.is_none())
                        .map(|a| a.seq)
                        .collect()
                })
                .unwrap_or_default();
            for seq in open {
                let on = self.later(run.day, 1, 5)?;
                self.complete(tx, run, seq, on)?;
            }
        }
        let path = self.rng.below(100);
        if path < 27 {
            // Not resolved at this stage: up one (or, with a reason, two).
            let stage = stage_of(run);
            if stage != Stage::Three {
                let skip = stage == Stage::One && self.rng.chance(0.15);
                let to = match (stage, skip) {
                    (Stage::One, false) => Stage::Two,
                    _ => Stage::Three,
                };
                let on = self.later(run.day, 4, 14)?;
                let request = Request::Escalate {
                    stage: to,
                    reason: skip.then(|| "Stage 2 would not add anything".to_string()),
                };
                self.step(tx, run, &child.iro, on, request)?;
            }
            if self.rng.chance(0.4) {
                // A formal meeting at stage 2 or 3, chaired by a senior IRO manager.
                let on = self.later(run.day, 3, 10)?;
                let owner = directory.staff(&child.social_worker).clone();
                let chair: &String = self.rng.pick(&directory.senior_iro_managers);
                let request = Request::Meeting {
                    chair: directory.staff(chair).clone(),
                    attendees: vec![
                        directory.staff(&child.team_manager).clone(),
                        directory.staff(&child.service_manager).clone(),
                    ],
                    actions: vec![NewAction {
                        text: "Present a revised plan to the meeting's chair".to_string(),
                        owner: Cow::Owned(owner),
                        due: Timescale::Within(self.rng.between(5, 15)),
                    }],
                };
                self.step(tx, run, &child.iro, on, request)?;
                if self.rng.chance(0.6) {
                    let seq = run.matter.as_ref().map_or(1, |m| m.actions.len() as u32);
                    let on = self.later(run.day, 3, 12)?;
                    self.complete(tx, run, seq, on)?;
                }
            }
        } else if path < 37 {
            // A concurrent referral while the resolution period runs, and CAFCASS's decision.
            let on = self.later(run.day, 1, 6)?.min(deadline);
            let request = Request::ReferCafcass {
                reason: "Concern about the child's right to family life".to_string(),
                formal: false,
            };
            self.step(tx, run, &child.iro, on, request)?;
            if state_of(run) == MatterState::Cafcass {
                return self.decision(tx, run);
            }
            let on = self.later(run.day, 5, 25)?;
            self.decide(tx, run, on)?;
        } else if path < 45 {
            // Stage 3 does not resolve it, or the period passes: a formal referral.
            if stage_of(run) != Stage::Three {
                let on = self.later(run.day, 3, 10)?;
                let request = Request::Escalate {
                    stage: Stage::Three,
                    reason: Some("Lower stages exhausted".to_string()),
                };
                self.step(tx, run, &child.iro, on, request)?;
            }
            let on = self.later(run.day, 3, 25)?;
            let request = Request::ReferCafcass {
                reason: "Stage 3 has not resolved the matter".to_string(),
                formal: true,
            };
            self.step(tx, run, &child.iro, on, request)?;
            return self.decision(tx, run);
        }
        // Resolved by the manager the stage needs, mostly within the resolution period.
        let stage = stage_of(run);
        let by = match self.policy.resolving_role(stage) {
            Role::TeamManager => child.team_manager.clone(),
            Role::ServiceManager => child.service_manager.clone(),
            Role::AssistantDirector => self.rng.pick(&directory.assistant_directors).clone(),
            role => match directory.staff.iter().find(|s| s.role == role) {
                Some(s) => s.id.clone(),
                None => return Err(anyhow::anyhow!("no {role} in the directory").into()),
            },
        };
        let on = self.later(run.day, 2, 20)?;
        let request = Request::Resolve {
            outcome: "Agreed plan in place; the concern is resolved".to_string(),
            resolved_by: Some(directory.staff(&by).clone()),
        };
        self.step(tx, run, &child.iro_team_manager, on, request)
    }

    /// CAFCASS's decision on a formal referral, which closes the matter.
    fn decision(&mut self, tx: &Tx, run: &mut Run) -> Flow<()> {
        let on = self.later(run.day, 10, 40)?;
        self.decide(tx, run, on)
    }

    fn decide(&mut self, tx: &Tx, run: &mut Run, on: NaiveDate) -> Flow<()> {
        let decision = if self.rng.chance(0.35) {
            CafcassDecision::CriteriaMet
        } else {
            CafcassDecision::CriteriaNotMet
        };
        let iro = run.child.iro.clone();
        let request = Request::CafcassDecision {
            decision,
            note: None,
        };
        self.step(tx, run, &iro, on, request)
    }
}

fn stage_of(run: &Run) -> Stage {
    run.matter
        .as_ref()
        .and_then(|m| m.stage)
        .unwrap_or(Stage::One)
}

fn state_of(run: &Run) -> MatterState {
    run.matter.as_ref().map_or(MatterState::Qap, |m| m.state)
}

fn current_due(run: &Run, seq: u32) -> Option<NaiveDate> {
    run.matter.as_ref()?.action(seq).map(|a| a.due)
}

fn first_open_due(run: &Run) -> Option<NaiveDate> {
    run.matter
        .as_ref()?
        .actions
        .iter()
        .filter(|a| a.completed_on.is_none())
        .map(|a| a.due)
        .min()
}

/// A request in a word, for the message of a step that failed.
/// A step the generator takes: opening the matter, or a step on it.
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

fn describe(ask: &Ask) -> &'static str {
    let request = match ask {
        Ask::Open(Opening::Consult { .. }) => return "consult",
        Ask::Open(Opening::RaiseQap { .. }) => return "raise-qap",
        Ask::Open(Opening::EnterDrp { .. }) => return "escalate",
        Ask::On(request) => request,
    };
    match request {
        Request::RaiseQap { .. } => "raise-qap",
        Request::AddActions { .. } => "action add",
        Request::PackProvided { .. } => "report cafcass-pack --provided",
        Request::Meeting { .. } => "meeting",
        Request::Challenge { .. } => "challenge",
        Request::Extend { .. } => "extend",
        Request::CompleteAction { .. } => "complete-action",
        Request::Escalate { .. } => "escalate",
        Request::Resolve { .. } => "resolve",
        Request::ReferCafcass { .. } => "refer-cafcass",
        Request::CafcassDecision { .. } => "cafcass-decision",
        Request::LegalAdvice { .. } => "legal-advice",
        Request::BriefSenior { .. } => "brief-senior",
        Request::Note { .. } => "note",
    }
}
