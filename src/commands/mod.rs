//! One file per subcommand: its clap arguments (whose `///` comments are the help) and its `run`.
//!
//! A command parses its arguments, resolves them into values, calls an operation of [`crate::workflow`]
//! (or reads the store) and renders what comes back. This module holds the command enum and its
//! dispatch, the context every command runs with, and the thin wrappers through which a command takes a
//! step. It may import anything below it; nothing below it imports `commands` or `cli`.

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
pub mod copy;
pub mod correct;
pub mod cover;
pub mod demo;
pub mod directory;
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

use chrono::{DateTime, NaiveDate, Utc};
use clap::{ArgMatches, Parser, Subcommand};

use crate::engine::{Opening, Policy, Request};
use crate::environment::Environment;
use crate::error::{Problem, Status};
use crate::model::Matter;
use crate::store::{Location, Store, Tx};
use crate::workflow::{self, Asked, Clock, Setting};

pub use crate::text::{parse_id, parse_name, parse_text, MAX_TEXT};
pub use crate::workflow::{find_child, find_matter, find_staff};

/// Escalation monitoring for Independent Reviewing Officer services: QAP actions, EPCP/DRP stages and
/// CAFCASS referrals, with every deadline counted in working days of England and Wales.
#[derive(Debug, Parser)]
#[command(name = "iro", version, about, max_term_width = 100)]
#[command(
    after_help = "Example:\n  iro --db service.db report overdue --format csv\n\n\
Exit status: 0 done, 1 other failure, 2 usage, 3 refused by a rule, 4 not found, 5 database problem,\n\
6 overdue (report overdue --fail-if-any), 7 record does not check out."
)]
pub struct Cli {
    /// The database: a file, or a postgres:// URL [env: IRO_DB; default: iro.db in the user's data directory]
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// The member of staff taking the step [env: IRO_USER; default: the login name]
    #[arg(long = "as", global = true, value_name = "STAFF")]
    pub acting_as: Option<String>,

    /// The policy file [env: IRO_CONFIG; default: iro.toml beside the database]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// No messages on stderr, only errors
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// More messages on stderr: the database and the policy file in use
    #[arg(long, short, global = true)]
    pub verbose: bool,

    /// Go ahead without asking for confirmation (escalate, resolve, refer-cafcass at a terminal)
    #[arg(long, short, global = true)]
    pub yes: bool,

    /// Start CSV output with a byte-order mark, for Excel [env: IRO_CSV_BOM=1; policy: csv_bom]
    #[arg(long, global = true)]
    pub bom: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// The command tree: for the shell to parse with, and for completions, the manual and clap's own
/// consistency test.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// Every subcommand.
#[derive(Debug, Subcommand)]
pub enum Command {
    Init(init::InitArgs),
    Staff(staff::StaffArgs),
    Child(child::ChildArgs),
    Closure(closure::ClosureArgs),
    Cover(cover::CoverArgs),
    Directory(directory::DirectoryArgs),
    RaiseQap(raise_qap::RaiseQapArgs),
    Challenge(challenge::ChallengeArgs),
    Extend(extend::ExtendArgs),
    CompleteAction(complete_action::CompleteActionArgs),
    Escalate(escalate::EscalateArgs),
    Resolve(resolve::ResolveArgs),
    ReferCafcass(refer_cafcass::ReferCafcassArgs),
    CafcassDecision(cafcass_decision::CafcassDecisionArgs),
    LegalAdvice(legal_advice::LegalAdviceArgs),
    BriefSenior(brief_senior::BriefSeniorArgs),
    Consult(consult::ConsultArgs),
    Meeting(meeting::MeetingArgs),
    Note(note::NoteArgs),
    Void(correct::VoidArgs),
    Amend(correct::AmendArgs),
    Action(correct::ActionArgs),
    Show(show::ShowArgs),
    List(list::ListArgs),
    Calendar(calendar::CalendarArgs),
    Report(report::ReportArgs),
    Export(export::ExportArgs),
    Demo(demo::DemoArgs),
    Audit(audit::AuditArgs),
    Backup(backup::BackupArgs),
    Copy(copy::CopyArgs),
    Outbox(outbox::OutboxArgs),
    Policy(policy::PolicyArgs),
    Import(import::ImportArgs),
    Completions(completions::CompletionsArgs),
    Man(man::ManArgs),
}

impl Command {
    /// Whether the command needs the policy file (everything but completions and the manual).
    pub fn reads_policy(&self) -> bool {
        !matches!(self, Command::Completions(_) | Command::Man(_))
    }

    /// What clap's derive cannot give: the repeated `--due`/`--within` flags in the order typed, each
    /// paired with its `--action`.
    pub fn pair_repeated_flags(&mut self, matches: &ArgMatches) {
        let Some((_, sub)) = matches.subcommand() else {
            return;
        };
        match self {
            Command::RaiseQap(args) => args.agreed.timescales = actions::timescales_in_order(sub),
            Command::Meeting(args) => args.agreed.timescales = actions::timescales_in_order(sub),
            Command::Action(correct::ActionArgs {
                command: correct::ActionCommand::Add(args),
            }) => {
                if let Some((_, add)) = sub.subcommand() {
                    args.agreed.timescales = actions::timescales_in_order(add);
                }
            }
            _ => {}
        }
    }
}

/// Runs one parsed command.
pub fn run(ctx: &mut Context, command: &Command) -> anyhow::Result<Status> {
    match command {
        Command::Init(args) => init::run(ctx, args),
        Command::Staff(args) => staff::run(ctx, args),
        Command::Child(args) => child::run(ctx, args),
        Command::Closure(args) => closure::run(ctx, args),
        Command::Cover(args) => cover::run(ctx, args),
        Command::Directory(args) => directory::run(ctx, args),
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
        Command::Void(args) => correct::void(ctx, args),
        Command::Amend(args) => correct::amend(ctx, args),
        Command::Action(args) => correct::action(ctx, args),
        Command::Show(args) => show::run(ctx, args),
        Command::List(args) => list::run(ctx, args),
        Command::Calendar(args) => calendar::command(ctx, args),
        Command::Report(args) => report::run(ctx, args),
        Command::Export(args) => export::run(ctx, args),
        Command::Demo(args) => demo::run(ctx, args),
        Command::Audit(args) => audit::run(ctx, args),
        Command::Backup(args) => backup::run(ctx, args),
        Command::Copy(args) => copy::run(ctx, args),
        Command::Outbox(args) => outbox::run(ctx, args),
        Command::Policy(args) => policy::run(ctx, args),
        Command::Import(args) => import::run(ctx, args),
        Command::Completions(args) => completions::run(ctx, args),
        Command::Man(args) => man::run(ctx, args),
    }
}

/// What every command runs with: where the database is, who is acting, today, the policy, the output
/// streams, and what the environment said.
pub struct Context<'a> {
    pub db: Option<PathBuf>,
    pub acting_as: Option<String>,
    pub today: NaiveDate,
    /// When the step is recorded (the `recorded_at` of its events).
    pub now: DateTime<Utc>,
    /// The system clock's date, which no step may be dated after.
    pub real_today: NaiveDate,
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
    /// Tables are coloured (stdout is a terminal and `NO_COLOR` is not set).
    pub colour: bool,
    /// `--yes`: go ahead without asking for confirmation.
    pub yes: bool,
    /// `--verbose`: say more on stderr.
    pub verbose: bool,
    /// `--quiet`: nothing on stderr but errors (`err` is a sink; no progress bars either).
    pub quiet: bool,
    /// What the environment said, read once by the shell.
    pub env: Environment,
    /// The database a lookup before a step opened, kept for the step: on a server, one connection
    /// (a server process of its own) per command rather than one per lookup.
    pub kept: Option<Store>,
}

impl Context<'_> {
    /// The day a report or listing shows the record as it stood at the end of: `--as-of`, else today.
    /// A day after today is refused: the record cannot say yet how it will stand, and a report for a
    /// mistyped year would call every running deadline before it overdue.
    pub fn as_of(&self, given: Option<NaiveDate>) -> anyhow::Result<NaiveDate> {
        match given {
            Some(day) if day > self.today => Err(Problem::Usage(format!(
                "--as-of {day} is after today ({}): the record is shown as it stood at the end of a day that has come",
                self.today
            ))
            .into()),
            Some(day) => Ok(day),
            None => Ok(self.today),
        }
    }

    /// Where the database is: `--db`, else `IRO_DB`, else `iro.db` in the user's data directory.
    pub fn db_location(&self) -> anyhow::Result<Location> {
        if let Some(path) = &self.db {
            let location = Location::from_argument(path);
            // `postgresql:/x` or `mysql://host/db` would otherwise become directories named so here.
            if let Location::File(_) = location {
                if path.to_string_lossy().contains("://") {
                    return Err(
                        crate::store::StoreError::Url(path.to_string_lossy().into_owned()).into(),
                    );
                }
            }
            return Ok(location);
        }
        self.env
            .default_db
            .clone()
            .map(Location::File)
            .ok_or_else(|| {
                Problem::Usage(
                    "no data directory is known for this user: give --db or IRO_DB".into(),
                )
                .into()
            })
    }

    /// The database file, for the commands that work on a file alone (the demo).
    pub fn db_path(&self) -> anyhow::Result<PathBuf> {
        match self.db_location()? {
            Location::File(path) => Ok(path),
            Location::Server(_) => Err(Problem::Usage(
                "this command works on a database file: give --db a path, not a server's URL"
                    .into(),
            )
            .into()),
        }
    }

    /// Opens the database, warning when others on the machine can read it: it holds special-category
    /// data about children. On a server, the login acting is the role the server authenticated.
    pub fn open(&mut self) -> anyhow::Result<Store> {
        if let Some(store) = self.kept.take() {
            return Ok(store);
        }
        let location = self.db_location()?;
        let now = self.now;
        let err = &mut *self.err;
        let shown = location.to_string();
        let mut store = Store::open_at(&location, now, &mut |from, to| {
            // Said before it starts: building an index over a national record takes a while.
            let _ = writeln!(
                err,
                "upgrading {shown} from schema version {from} to {to}: on a large record this takes a minute"
            );
        })?;
        if let Some(login) = store.authenticated_login()? {
            self.env.login = login;
        }
        if let Some(mode) = store.readable_by_others() {
            let path = store.place();
            tell(
                self,
                format_args!("warning: {path} can be read by other users (mode {mode:o}): run chmod 600 {path}"),
            );
        }
        Ok(store)
    }

    /// Keeps `store` for the next `open`.
    pub fn keep(&mut self, store: Store) {
        self.kept = Some(store);
    }

    /// Which matters and deadlines a report covers: those of the children of `iro` (or whoever they
    /// cover for) and `team` as allocated on `on`, with the policy's resolving roles saying who owes each
    /// stage's response.
    pub fn due_filter(
        &self,
        iro: Option<String>,
        team: Option<String>,
        on: NaiveDate,
    ) -> crate::store::reports::DueFilter {
        crate::store::reports::DueFilter {
            iro,
            team,
            on: Some(on),
            iro_team_manager: None,
            resolving_roles: self.policy.resolving_roles,
        }
    }

    /// The member of staff acting: `--as`, else `IRO_USER`, else the member of staff bound to the login
    /// running, else the login itself.
    pub fn actor_id(&self, tx: &Tx) -> anyhow::Result<String> {
        if self
            .acting_as
            .as_deref()
            .is_some_and(|id| id.trim().is_empty())
        {
            return Err(Problem::Usage(
                "--as (or IRO_USER) is empty: name a member of staff".into(),
            )
            .into());
        }
        workflow::identity::actor_id(tx, &self.env.login, self.acting_as.as_deref())
    }

    /// The login running the command, as events record it (`entered_by`).
    pub fn login(&self) -> &str {
        &self.env.login
    }

    /// The closure days the policy file adds, as dates.
    pub fn policy_closure_days(&self) -> Vec<NaiveDate> {
        self.policy_closures.iter().map(|(day, _)| *day).collect()
    }

    /// The clock as the shell read it.
    pub fn clock(&self) -> Clock {
        Clock {
            today: self.today,
            now: self.now,
            real_today: self.real_today,
        }
    }
}

/// Runs `with` with the setting of this run (policy, closure days, clock): what every operation needs.
pub fn with_setting<T>(ctx: &Context, with: impl FnOnce(&Setting) -> T) -> T {
    with(&setting(ctx))
}

/// The setting of this run (policy, closure days, clock): what every operation needs.
pub fn setting(ctx: &Context) -> Setting {
    let loaded = crate::policy::Loaded {
        policy: ctx.policy.clone(),
        closure_days: ctx.policy_closures.clone(),
        source: ctx.policy_source.clone(),
    };
    Setting::new(&loaded, ctx.clock(), ctx.login())
}

/// The service's working-day calendar as the database stands in `tx`, with the policy file's closure days.
/// A period typed as `--from` and `--to`: the first day on or before the last.
pub fn period(from: NaiveDate, to: NaiveDate) -> anyhow::Result<()> {
    if from > to {
        return Err(crate::error::Problem::Usage(format!(
            "--from {from} is after --to {to}: the period runs from the first day to the last"
        ))
        .into());
    }
    Ok(())
}

pub fn service_calendar(ctx: &Context, tx: &Tx) -> anyhow::Result<crate::calendar::Calendar> {
    workflow::Calendars::default().of(tx, &ctx.policy_closure_days())
}

/// Takes a step on a matter in its own transaction, telling the warnings; gives the matter after it.
pub fn step(
    ctx: &mut Context,
    matter: &str,
    on: Option<NaiveDate>,
    request: impl FnOnce(&Tx) -> anyhow::Result<Request<'static>>,
) -> anyhow::Result<Matter> {
    take(ctx, on, |tx| {
        Ok(Asked::On {
            matter: matter.to_string(),
            request: request(tx)?,
        })
    })
}

/// Opens a matter about a child in its own transaction, telling the warnings; gives the new matter.
pub fn open(
    ctx: &mut Context,
    child: &str,
    on: Option<NaiveDate>,
    opening: impl FnOnce(&Tx) -> anyhow::Result<Opening<'static>>,
) -> anyhow::Result<Matter> {
    take(ctx, on, |tx| {
        Ok(Asked::Open {
            child: child.to_string(),
            opening: opening(tx)?,
        })
    })
}

/// Takes whatever step `build` asks for.
pub fn take(
    ctx: &mut Context,
    on: Option<NaiveDate>,
    build: impl FnOnce(&Tx) -> anyhow::Result<Asked>,
) -> anyhow::Result<Matter> {
    let mut store = ctx.open()?;
    let actor = ctx.actor_id(&store.read()?)?;
    let taken = with_setting(ctx, |setting| {
        workflow::take_step(&mut store, setting, &actor, on, build)
    })?;
    for warning in &taken.warnings {
        tell(ctx, format_args!("warning: {warning}"));
    }
    Ok(taken.matter)
}

/// Makes a directory change in one transaction, dated `on` (today when `None`).
pub fn change<T>(
    ctx: &mut Context,
    on: Option<NaiveDate>,
    make: impl FnOnce(&Tx, &Setting, workflow::directory::By) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    directory_work(ctx, on, true, make)
}

/// The same directory work, rolled back: for a dry run.
pub fn without_commit<T>(
    ctx: &mut Context,
    on: Option<NaiveDate>,
    make: impl FnOnce(&Tx, &Setting, workflow::directory::By) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    directory_work(ctx, on, false, make)
}

fn directory_work<T>(
    ctx: &mut Context,
    on: Option<NaiveDate>,
    commit: bool,
    make: impl FnOnce(&Tx, &Setting, workflow::directory::By) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let mut store = ctx.open()?;
    let actor = ctx.actor_id(&store.read()?)?;
    let setting = setting(ctx);
    let by = workflow::directory::By {
        actor: &actor,
        on: on.unwrap_or(ctx.today),
    };
    let tx = store.write()?;
    let made = make(&tx, &setting, by)?;
    if commit {
        tx.commit()?;
    }
    Ok(made)
}

/// What a step would lead to, recorded nowhere: for the confirmation a person is asked at a terminal.
pub fn preview(
    ctx: &mut Context,
    on: Option<NaiveDate>,
    build: impl FnOnce(&Tx) -> anyhow::Result<Asked>,
) -> anyhow::Result<Matter> {
    let mut store = ctx.open()?;
    let actor = ctx.actor_id(&store.read()?)?;
    with_setting(ctx, |setting| {
        workflow::preview_step(&mut store, setting, &actor, on, build)
    })
}

/// Writes a message for people (stderr); a closed stderr must not fail a recorded step.
pub fn tell(ctx: &mut Context, message: std::fmt::Arguments) {
    let _ = writeln!(ctx.err, "{}", crate::text::shown(&message.to_string()));
}

/// Work of this many rows or more shows a progress bar.
const PROGRESS_FROM: usize = 200;

/// A progress bar for long work of `total` rows, drawn on stderr at a terminal only: a pipe, a job's
/// log or `--quiet` gets nothing.
pub fn progress(ctx: &Context, total: usize, doing: &str) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if total < PROGRESS_FROM || ctx.quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template(&format!("{doing} {{bar:40}} {{pos}}/{{len}} rows"))
    {
        bar.set_style(style);
    }
    Some(bar)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_tree_is_consistent() {
        super::command().debug_assert();
    }
}
