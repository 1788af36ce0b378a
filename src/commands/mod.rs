//! One file per subcommand: its clap arguments (whose `///` comments are the help) and its `run`.
//!
//! A command parses, resolves names to records, asks the engine, hands the events to the store and
//! renders. This module holds what they share: the context, the value parsers and the one path every
//! workflow step takes through engine and store.

pub mod actions;
pub mod audit;
pub mod backup;
pub mod brief_senior;
pub mod cafcass_decision;
pub mod calendar;
pub mod challenge;
pub mod child;
pub mod closure;
pub mod complete_action;
pub mod completions;
pub mod consult;
pub mod demo;
pub mod escalate;
pub mod export;
pub mod extend;
pub mod import;
pub mod init;
pub mod legal_advice;
pub mod list;
pub mod man;
pub mod meeting;
pub mod note;
pub mod outbox;
pub mod pack;
pub mod policy;
#[cfg(test)]
mod properties;
pub mod raise_qap;
pub mod refer_cafcass;
pub mod report;
pub mod resolve;
pub mod show;
pub mod staff;
pub mod supervision;

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;
use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::calendar::Calendar;
use crate::cli::Command;
use crate::engine::{self, Judge, Policy, Request, Step};
use crate::error::{Problem, Status};
use crate::model::{Child, Matter, Staff};
use crate::store::{Store, Tx};

/// What every command runs with: where the database is, who is acting, today, and the output streams.
pub struct Context<'a> {
    pub db: Option<PathBuf>,
    pub acting_as: Option<String>,
    pub today: NaiveDate,
    /// When the step is recorded (the `recorded_at` of its events).
    pub now: DateTime<Utc>,
    /// Data: what scripts read.
    pub out: &'a mut dyn Write,
    /// Messages for people.
    pub err: &'a mut dyn Write,
    /// The authority's timescales and lists.
    pub policy: Policy,
    /// Where the policy came from (`iro.toml`, or the defaults).
    pub policy_source: crate::policy::Source,
    /// Closure days the policy file adds to the database's.
    pub policy_closures: Vec<(NaiveDate, String)>,
    /// A person is at a terminal (stdin and stdout): missing values are asked for, steps confirmed.
    pub interactive: bool,
    /// `--yes`: go ahead without asking for confirmation.
    pub yes: bool,
    /// `--verbose`: say more on stderr.
    pub verbose: bool,
    /// `--quiet`: nothing on stderr but errors (`err` is a sink; no progress bars either).
    pub quiet: bool,
}

impl Context<'_> {
    /// The database path: `--db`, else `IRO_DB`, else `iro.db` in the user's data directory.
    pub fn db_path(&self) -> anyhow::Result<PathBuf> {
        if let Some(path) = &self.db {
            // `postgres://host/db` would otherwise become directories named `postgres:` here.
            let text = path.to_string_lossy();
            if text.contains("://") {
                return Err(crate::store::StoreError::Url(text.into_owned()).into());
            }
            return Ok(path.clone());
        }
        dirs::data_dir()
            .map(|dir| dir.join("iro").join("iro.db"))
            .ok_or_else(|| {
                Problem::Usage(
                    "no data directory is known for this user: give --db or IRO_DB".into(),
                )
                .into()
            })
    }

    /// Opens the database, warning when others on the machine can read it: it holds special-category
    /// data about children.
    pub fn open(&mut self) -> anyhow::Result<Store> {
        let store = Store::open(&self.db_path()?)?;
        if let Some(mode) = store.readable_by_others() {
            let path = store.path().display().to_string();
            tell(
                self,
                format_args!("warning: {path} can be read by other users (mode {mode:o}): run chmod 600 {path}"),
            );
        }
        Ok(store)
    }

    /// The login name of whoever is acting: `--as`, else `IRO_USER`, else the login name.
    fn actor_id(&self) -> anyhow::Result<String> {
        self.acting_as
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .or_else(|| std::env::var("USERNAME").ok())
            .filter(|id| !id.trim().is_empty())
            .ok_or_else(|| {
                Problem::Usage("who is acting? give --as STAFF or set IRO_USER".into()).into()
            })
    }
}

/// Runs one parsed command.
pub fn run(ctx: &mut Context, command: &Command) -> anyhow::Result<Status> {
    match command {
        Command::Init(args) => init::run(ctx, args),
        Command::Staff(args) => staff::run(ctx, args),
        Command::Child(args) => child::run(ctx, args),
        Command::Closure(args) => closure::run(ctx, args),
        Command::RaiseQap(args) => raise_qap::run(ctx, args),
        Command::Challenge(args) => challenge::run(ctx, args),
        Command::Extend(args) => extend::run(ctx, args),
        Command::CompleteAction(args) => complete_action::run(ctx, args),
        Command::Escalate(args) => escalate::run(ctx, args),
        Command::Resolve(args) => resolve::run(ctx, args),
        Command::ReferCafcass(args) => refer_cafcass::run(ctx, args),
        Command::CafcassDecision(args) => cafcass_decision::run(ctx, args),
        Command::LegalAdvice(args) => legal_advice::run(ctx, args),
        Command::BriefSenior(args) => brief_senior::run(ctx, args),
        Command::Consult(args) => consult::run(ctx, args),
        Command::Meeting(args) => meeting::run(ctx, args),
        Command::Note(args) => note::run(ctx, args),
        Command::Show(args) => show::run(ctx, args),
        Command::List(args) => list::run(ctx, args),
        Command::Calendar(args) => calendar_command(ctx, args),
        Command::Report(args) => report::run(ctx, args),
        Command::Export(args) => export::run(ctx, args),
        Command::Demo(args) => demo::run(ctx, args),
        Command::Audit(args) => audit::run(ctx, args),
        Command::Backup(args) => backup::run(ctx, args),
        Command::Outbox(args) => outbox::run(ctx, args),
        Command::Policy(args) => policy::run(ctx, args),
        Command::Import(args) => import::run(ctx, args),
        Command::Completions(args) => completions::run(ctx, args),
        Command::Man(args) => man::run(ctx, args),
    }
}

/// The calendar needs no database, but honours the service's closure days when there is one.
fn calendar_command(ctx: &mut Context, args: &calendar::CalendarArgs) -> anyhow::Result<Status> {
    let path = ctx.db_path().ok();
    let calendar = match path.filter(|p| p.is_file()) {
        Some(path) => {
            let mut store = Store::open(&path)?;
            let tx = store.read()?;
            service_calendar(&tx)?
        }
        None => match crate::policy::closure_days() {
            policy_closures if policy_closures.is_empty() => Calendar::england_and_wales(),
            policy_closures => Calendar::with_closures(policy_closures),
        },
    };
    calendar::run(args, &calendar, ctx.out)?;
    Ok(Status::Done)
}

/// The working-day calendar of this service: bank holidays and its closure days.
///
/// The closure days are read in the caller's transaction every time; the tables built from them (a
/// fraction of a millisecond) are kept with the closure days they were built from and reused while those
/// are the same, so a bulk import or generator taking many steps in one process builds them once.
pub fn service_calendar(tx: &Tx) -> anyhow::Result<Calendar> {
    type Built = (String, Vec<NaiveDate>, Calendar);
    static LAST: std::sync::Mutex<Option<Built>> = std::sync::Mutex::new(None);
    let key = tx.closure_days_key()?;
    let from_policy = crate::policy::closure_days();
    let mut last = LAST
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, _, calendar)) = last
        .as_ref()
        .filter(|(db, policy, _)| *db == key && *policy == from_policy)
    {
        return Ok(calendar.clone());
    }
    let closures = tx.closure_days()?;
    let calendar = Calendar::with_closures(
        closures
            .into_iter()
            .map(|(day, _)| day)
            .chain(from_policy.iter().copied()),
    );
    *last = Some((key, from_policy, calendar.clone()));
    Ok(calendar)
}

/// What a workflow step acts on.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// An existing matter, by id.
    Matter(&'a str),
    /// A new matter about a child; its id takes this prefix (`Q` for a QAP, `E` for an escalation).
    NewMatter {
        child: &'a str,
        prefix: &'static str,
    },
}

/// The one path of every workflow step: resolve, judge, fold, record, all in one transaction.
///
/// `request` resolves the staff it names inside the same transaction. Returns the matter as it now stands.
pub fn take_step(
    ctx: &mut Context,
    target: Target,
    on: Option<NaiveDate>,
    request: impl FnOnce(&Tx) -> anyhow::Result<Request>,
) -> anyhow::Result<Matter> {
    let mut store = ctx.open()?;
    let tx = store.write()?;
    let actor = ctx.actor_id()?;
    let clock = Clock {
        today: ctx.today,
        now: ctx.now,
        notify: true,
    };
    let (after, warnings) = step_in(&tx, &actor, clock, &ctx.policy, target, on, request)?;
    tx.commit()?;
    for warning in &warnings {
        tell(ctx, format_args!("warning: {warning}"));
    }
    Ok(after)
}

/// Judges a step exactly as `take_step` would and gives the matter it would lead to, recording nothing
/// (the transaction is rolled back), so a person is asked to confirm with the real consequence and a
/// step the rules refuse is refused before anyone is asked. No transaction is held while they answer.
pub fn preview_step(
    ctx: &mut Context,
    target: Target,
    on: Option<NaiveDate>,
    request: impl FnOnce(&Tx) -> anyhow::Result<Request>,
) -> anyhow::Result<Matter> {
    let mut store = ctx.open()?;
    let tx = store.write()?;
    let actor = ctx.actor_id()?;
    let clock = Clock {
        today: ctx.today,
        now: ctx.now,
        notify: true,
    };
    let (after, _) = step_in(&tx, &actor, clock, &ctx.policy, target, on, request)?;
    drop(tx);
    Ok(after)
}

/// Today (for the rules) and now (for `recorded_at`), as the shell read them, and whether the steps
/// are news to tell people of.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
    /// Queue the rule table's messages in the outbox. Off for history brought in by `import` or made by
    /// the generator: mail about steps taken months ago would tell people nothing and alarm them.
    pub notify: bool,
}

/// One workflow step inside a transaction the caller owns, so a bulk import or generator can put many
/// steps in one transaction and still go through exactly the rules and writes a typed command does.
///
/// Returns the matter as it now stands and the warnings for people (a recipient missing, say).
pub fn step_in(
    tx: &Tx,
    actor: &str,
    clock: Clock,
    policy: &Policy,
    target: Target,
    on: Option<NaiveDate>,
    request: impl FnOnce(&Tx) -> anyhow::Result<Request>,
) -> anyhow::Result<(Matter, Vec<String>)> {
    let actor = find_staff(tx, actor).context("who is acting (--as / IRO_USER)")?;
    let (matter, child, new_id) = match target {
        Target::Matter(id) => {
            let matter = find_matter(tx, id)?;
            let child = find_child(tx, &matter.child)?;
            (Some(matter), child, None)
        }
        Target::NewMatter { child, prefix } => (None, find_child(tx, child)?, Some(prefix)),
    };
    let request = request(tx)?;
    // A new matter's category must be one of the policy's; a consultation turned QAP keeps its own.
    if let Request::RaiseQap { category, .. }
    | Request::Consult { category, .. }
    | Request::Escalate {
        opening: Some((category, _)),
        ..
    } = &request
    {
        if matter.is_none() {
            crate::policy::check_category(policy, category)?;
        }
    }
    let calendar = service_calendar(tx)?;
    let on = on.unwrap_or(clock.today);
    let judge = Judge {
        actor: &actor,
        child: &child,
        on,
        today: clock.today,
        policy,
        calendar: &calendar,
    };
    let events = engine::decide(matter.as_ref(), &request, &judge)?;
    let id = match (&matter, new_id) {
        (Some(matter), _) => matter.id.clone(),
        (None, Some(prefix)) => tx.next_matter_id(prefix, on.year())?,
        (None, None) => unreachable!("a target is a matter or a new matter"),
    };
    let steps: Vec<Step> = events
        .into_iter()
        .map(|event| Step {
            actor: actor.id.clone(),
            on,
            event,
        })
        .collect();
    let mut state = matter;
    for step in &steps {
        state = Some(engine::evolve(state, &id, step)?);
    }
    let after = state.expect("the engine returns at least one event for an accepted step");
    tx.record(&after, &steps, clock.now)?;
    let warnings = if clock.notify {
        outbox::queue(tx, &steps, &after, &child, policy, clock.now)?
    } else {
        Vec::new()
    };
    Ok((after, warnings))
}

pub fn find_staff(tx: &Tx, id: &str) -> anyhow::Result<Staff> {
    tx.staff(id)?.ok_or_else(|| {
        Problem::NotFound(format!("no member of staff '{id}' (see `iro staff list`)")).into()
    })
}

pub fn find_child(tx: &Tx, reference: &str) -> anyhow::Result<Child> {
    tx.child(reference)?.ok_or_else(|| {
        Problem::NotFound(format!("no child '{reference}' (see `iro child list`)")).into()
    })
}

pub fn find_matter(tx: &Tx, id: &str) -> anyhow::Result<Matter> {
    tx.matter(&id.to_ascii_uppercase())?
        .ok_or_else(|| Problem::NotFound(format!("no matter '{id}' (see `iro list`)")).into())
}

pub use crate::text::{parse_id, parse_name, parse_text, MAX_TEXT};

/// Writes a message for people (stderr); a closed stderr must not fail a recorded step.
pub fn tell(ctx: &mut Context, message: std::fmt::Arguments) {
    let _ = writeln!(ctx.err, "{}", crate::text::shown(&message.to_string()));
}
