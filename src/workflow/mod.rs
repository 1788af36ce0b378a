//! The operations: every workflow step, its messages and their delivery, and the documents built from
//! the record, as a library that knows nothing of clap, the terminal or the environment.
//!
//! A command parses its arguments, calls an operation here and renders what comes back; the import,
//! the demo, the data generator and the benchmarks call the same operations, so every step, however it
//! arrives, goes through the same rules and writes.
//!
//! - [`step_in`]: one step inside a transaction the caller owns: resolve, judge (the engine), fold,
//!   record (the store), queue its messages ([`outbox`]). [`take_step`] is it in a transaction of its
//!   own; [`preview_step`] judges and rolls back.
//! - [`calendar`]: the service's working-day calendar, with its closure days.
//! - [`directory`]: the changes to who works here, which children are looked after and who covers;
//!   [`extracts`] brings them in from the case-management system's CSV extracts ([`sheet`]).
//! - [`remind`]: each person's daily digest of what is due soon or overdue.
//! - [`outbox`]: who is told of a step, queued with it; `.eml` files and SMTP to deliver them once.
//! - [`corrections`]: a step voided or amended, an action withdrawn (rule 15).
//! - [`identity`]: who is acting, and whether the login running may act as them.
//! - [`as_of`]: the record as it stood at the end of a day, for reports re-run for a day gone.
//! - [`alert_form`], [`pack`]: the alert form at any revision and the CAFCASS pack.
//! - [`audit`]: the state tables replayed from the record and compared with what is stored.
//!
//! Below it: `engine`, `notify`, `store`, `render`, `files`, `policy`. It must not import `commands`,
//! `cli`, `prompt` or anything that reads the environment or the clock: today and now are values in
//! [`Clock`].

pub mod alert_form;
pub mod annual;
pub mod as_of;
pub mod audit;
pub mod calendar;
pub mod copy;
pub mod corrections;
pub mod directory;
pub mod extracts;
pub mod figures;
pub mod identity;
pub mod outbox;
pub mod pack;
pub mod remind;
pub mod sheet;
pub mod tracker;

use anyhow::Context as _;
use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::engine::{self, Judge, Opening, Policy, Request, Step};
use crate::error::Problem;
use crate::model::{Child, Matter, Staff};
use crate::store::{Entered, Store, Tx};

pub use calendar::Calendars;

/// Today (for the rules) and now (for `recorded_at`), as the shell read them.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// The day the rules count from: the system's, unless `IRO_TODAY` moves it.
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
    /// The system clock's own date. `IRO_TODAY` may move today back (a re-run, a test), never past
    /// this: no step is ever dated after the real day it is recorded on.
    pub real_today: NaiveDate,
}

impl Clock {
    /// The latest day a step or change may take effect: today, and never after the real day.
    pub fn latest(&self) -> NaiveDate {
        self.today.min(self.real_today)
    }
}

/// What every operation runs with: the authority's policy, the closure days its file adds, the clock,
/// who is entering it, and whether steps are news to tell people of.
pub struct Setting {
    pub policy: Policy,
    /// Closure days the policy file adds to the database's.
    pub policy_closures: Vec<NaiveDate>,
    /// The policy's canonical text and its digest, which every event records.
    pub policy_text: String,
    pub policy_digest: String,
    pub clock: Clock,
    /// The login running the command (the operating-system account), recorded as `entered_by`.
    pub login: String,
    /// Queue the rule table's messages in the outbox. Off for history brought in by `import` or made by
    /// the generator: mail about steps taken months ago would tell people nothing and alarm them.
    pub notify: bool,
    /// The working-day calendar, built once and rebuilt only when the closure days change.
    pub calendars: Calendars,
    /// Where the steps written come from when they were not typed: an import's file, row and source
    /// key, as JSON, which every event they write carries.
    pub source: Option<String>,
    /// A first directory import is setting the directory up: until it ends, anyone may (rule 13).
    pub setting_up: std::cell::Cell<bool>,
}

impl Setting {
    /// The setting of a run under the policy `loaded`, at `clock`, by the login `login`.
    pub fn new(loaded: &crate::policy::Loaded, clock: Clock, login: &str) -> Setting {
        Setting {
            policy: loaded.policy.clone(),
            policy_closures: loaded.closure_days.iter().map(|(day, _)| *day).collect(),
            policy_text: loaded.canonical(),
            policy_digest: loaded.digest(),
            clock,
            login: login.to_string(),
            notify: true,
            calendars: Calendars::default(),
            source: None,
            setting_up: std::cell::Cell::new(false),
        }
    }

    /// What the events written in `tx` carry: now, the login, the policy's digest (whose text the
    /// record keeps).
    pub fn entered(&self, tx: &Tx) -> anyhow::Result<Entered<'_>> {
        let entered = Entered {
            at: self.clock.now,
            by: &self.login,
            policy: &self.policy_digest,
            source: self.source.as_deref(),
        };
        tx.keep_policy(
            &self.policy_digest,
            &self.policy_text,
            &entered.recorded_at(),
        )?;
        Ok(entered)
    }

    /// The service's working-day calendar as the database stands in `tx`.
    pub fn calendar(&self, tx: &Tx) -> anyhow::Result<crate::calendar::Calendar> {
        self.calendars.of(tx, &self.policy_closures)
    }
}

/// A step someone asks for: to open a matter about a child, or a step on a matter.
#[derive(Debug, Clone)]
pub enum Asked {
    Open {
        child: String,
        opening: Opening<'static>,
    },
    On {
        matter: String,
        request: Request<'static>,
    },
}

/// A step as recorded: the matter as it now stands, and what people should be told of it (a person the
/// rule table names who could not be told, say).
#[derive(Debug, Clone)]
pub struct Taken {
    pub matter: Matter,
    pub warnings: Vec<String>,
}

/// One step in a transaction of its own: judged, recorded with its messages, committed.
///
/// `build` resolves the people the step names inside the same transaction.
pub fn take_step(
    store: &mut Store,
    setting: &Setting,
    actor: &str,
    on: Option<NaiveDate>,
    build: impl FnOnce(&Tx) -> anyhow::Result<Asked>,
) -> anyhow::Result<Taken> {
    let tx = store.write()?;
    let taken = step_in(&tx, setting, actor, on, build)?;
    tx.commit()?;
    Ok(taken)
}

/// Judges a step exactly as `take_step` would and gives the matter it would lead to, recording nothing
/// (the transaction is rolled back), so a person is asked to confirm with the real consequence and a
/// step the rules refuse is refused before anyone is asked. No transaction is held while they answer.
pub fn preview_step(
    store: &mut Store,
    setting: &Setting,
    actor: &str,
    on: Option<NaiveDate>,
    build: impl FnOnce(&Tx) -> anyhow::Result<Asked>,
) -> anyhow::Result<Matter> {
    let tx = store.write()?;
    let taken = step_in(&tx, setting, actor, on, build)?;
    drop(tx);
    Ok(taken.matter)
}

/// One workflow step inside a transaction the caller owns, so a bulk import or generator can put many
/// steps in one transaction and still go through exactly the rules and writes a typed command does.
pub fn step_in(
    tx: &Tx,
    setting: &Setting,
    actor: &str,
    on: Option<NaiveDate>,
    build: impl FnOnce(&Tx) -> anyhow::Result<Asked>,
) -> anyhow::Result<Taken> {
    let on = on.unwrap_or(setting.clock.today);
    // Judged, and told, by the directory as it stood on the step's own day.
    let actor = acting(tx, setting, actor, on)?;
    let asked = build(tx)?;
    let calendar = setting.calendar(tx)?;
    let covers = tx.covers_on(on)?;
    let (before, child, events, id) = match &asked {
        Asked::Open { child, opening } => {
            let child = child_on(tx, child, on)?;
            // A new matter's category must be one of the policy's.
            crate::policy::check_category(&setting.policy, &opening.concern().category)?;
            let judge = judge(&actor, &child, on, setting, &calendar, &covers);
            let events = engine::open(opening, &judge)?;
            let id = tx.next_matter_id(opening.id_prefix(), on.year())?;
            (None, child, events, id)
        }
        Asked::On { matter, request } => {
            let matter = find_matter(tx, matter)?;
            let child = child_on(tx, &matter.child, on)?;
            let judge = judge(&actor, &child, on, setting, &calendar, &covers);
            let events = engine::decide(&matter, request, &judge)?;
            let id = matter.id.clone();
            (Some(matter), child, events, id)
        }
    };
    let steps: Vec<Step> = events
        .into_iter()
        .map(|event| Step {
            actor: actor.id.clone(),
            on,
            event,
        })
        .collect();
    let mut state = before;
    for step in &steps {
        state = Some(engine::evolve(state, &id, step)?);
    }
    let Some(after) = state else {
        anyhow::bail!("the engine accepted a step on {id} but recorded nothing");
    };
    let events = tx.record(&after, &steps, &setting.entered(tx)?)?;
    let warnings = if setting.notify {
        outbox::queue(tx, setting, &steps, &events, &after, &child, &covers)?
    } else {
        Vec::new()
    };
    Ok(Taken {
        matter: after,
        warnings,
    })
}

/// Who is acting, as the directory stood on the step's day, and whether the login running may act as
/// them (rule 14).
pub(crate) fn acting(
    tx: &Tx,
    setting: &Setting,
    actor: &str,
    on: NaiveDate,
) -> anyhow::Result<Staff> {
    let actor = tx
        .staff_on(actor, on)?
        .ok_or_else(|| {
            anyhow::Error::from(Problem::NotFound(format!(
                "no member of staff '{actor}' (see `iro staff list`)"
            )))
        })
        .context("who is acting (--as / IRO_USER)")?;
    identity::may_act_as(tx, setting, &actor.id)?;
    Ok(actor)
}

pub(crate) fn judge<'a>(
    actor: &'a Staff,
    child: &'a Child,
    on: NaiveDate,
    setting: &'a Setting,
    calendar: &'a crate::calendar::Calendar,
    covers: &'a [crate::model::Cover],
) -> Judge<'a> {
    Judge {
        actor,
        child,
        on,
        today: setting.clock.latest(),
        policy: &setting.policy,
        calendar,
        covers,
        told_on: setting.notify.then(|| setting.clock.latest()),
    }
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

/// A child as allocated on `on`.
pub fn child_on(tx: &Tx, reference: &str, on: NaiveDate) -> anyhow::Result<Child> {
    tx.child_on(reference, on)?.ok_or_else(|| {
        Problem::NotFound(format!("no child '{reference}' (see `iro child list`)")).into()
    })
}

pub fn find_matter(tx: &Tx, id: &str) -> anyhow::Result<Matter> {
    if let Some(matter) = tx.matter(&id.to_ascii_uppercase())? {
        return Ok(matter);
    }
    // A child's reference where a matter's id was wanted is an easy slip: say where their matters are.
    let why = match tx.child(id)? {
        Some(child) => format!(
            "'{id}' is a child, not a matter: `iro list --child {}` lists their matters",
            child.reference
        ),
        None => format!("no matter '{id}' (see `iro list`)"),
    };
    Err(Problem::NotFound(why).into())
}
