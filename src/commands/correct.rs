//! `iro void`, `iro amend`, `iro action withdraw`: mistakes corrected, never erased (rule 15).

use chrono::NaiveDate;
use clap::{Args, Subcommand};

use super::{parse_text, with_setting, Context};
use crate::dates::parse_date;
use crate::engine::Correction;
use crate::error::Status;
use crate::model::Matter;
use crate::workflow;

/// Void a step entered in error: it no longer counts (state, deadlines, reports), and both stay on the record
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  iro --as asmith void 1042 --reason \"The meeting was recorded twice\"\n\n\
The event id of each step is in `iro show MATTER` and `iro report chronology MATTER`. Voiding a void\n\
restores the step."
)]
pub struct VoidArgs {
    /// The event id of the step entered in error
    pub event: i64,
    /// Why it was entered in error
    #[arg(long, value_parser = parse_text)]
    pub reason: String,
    /// The day, if not today
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub on: Option<NaiveDate>,
}

/// Correct the summary, reason, outcome or note of a step; the old text stays on the record
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  iro --as mgreen amend 1077 --text \"Resolved by jpatel at the stage 2 meeting\" --reason \"Wrong manager named\""
)]
pub struct AmendArgs {
    /// The event id of the step to correct
    pub event: i64,
    /// The corrected text
    #[arg(long, value_parser = parse_text)]
    pub text: String,
    /// Why it is corrected
    #[arg(long, value_parser = parse_text)]
    pub reason: String,
    /// The day, if not today
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub on: Option<NaiveDate>,
}

/// The actions of a matter
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  iro --as asmith action withdraw Q-2026-0042 --action 3 --reason \"Agreed twice at the meeting\""
)]
pub struct ActionArgs {
    #[command(subcommand)]
    pub command: ActionCommand,
}

#[derive(Debug, Subcommand)]
pub enum ActionCommand {
    /// Add actions to a QAP, or to the alert form at any stage of EPCP/DRP
    #[command(
        after_help = "Example:\n  iro --as asmith action add Q-2026-0042 --action \"Book the PEP meeting\" --owner bking --within 10"
    )]
    Add(AddArgs),
    /// Withdraw an action that no longer needs doing: it stops running and is not counted as done
    #[command(
        after_help = "Example:\n  iro --as asmith action withdraw Q-2026-0042 --action 3 --reason \"Agreed twice at the meeting\""
    )]
    Withdraw(WithdrawArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The matter (a QAP, or one in EPCP/DRP)
    pub matter: String,
    #[command(flatten)]
    pub agreed: super::actions::ActionArgs,
    /// The day, if not today
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub on: Option<NaiveDate>,
}

#[derive(Debug, Args)]
pub struct WithdrawArgs {
    /// The matter the action is on
    pub matter: String,
    /// The action's number on the matter
    #[arg(long = "action", value_name = "N")]
    pub seq: u32,
    /// Why it no longer needs doing
    #[arg(long, value_parser = parse_text)]
    pub reason: String,
    /// The day, if not today
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub on: Option<NaiveDate>,
}

pub fn void(ctx: &mut Context, args: &VoidArgs) -> anyhow::Result<Status> {
    let correction = Correction::Void {
        event: args.event,
        reason: args.reason.clone(),
    };
    let matter = correct(ctx, args.on, &correction, None)?;
    writeln!(
        ctx.err,
        "{}: event {} voided; it no longer counts, and stays on the record",
        matter.id, args.event
    )?;
    Ok(Status::Done)
}

pub fn amend(ctx: &mut Context, args: &AmendArgs) -> anyhow::Result<Status> {
    let correction = Correction::Amend {
        event: args.event,
        text: args.text.clone(),
        reason: args.reason.clone(),
    };
    let matter = correct(ctx, args.on, &correction, None)?;
    writeln!(
        ctx.err,
        "{}: event {} amended; the old text stays on the record",
        matter.id, args.event
    )?;
    Ok(Status::Done)
}

pub fn action(ctx: &mut Context, args: &ActionArgs) -> anyhow::Result<Status> {
    match &args.command {
        ActionCommand::Add(args) => {
            args.agreed.check()?;
            let matter = super::step(ctx, &args.matter, args.on, |tx| {
                Ok(crate::engine::Request::AddActions {
                    actions: args.agreed.resolve(tx)?,
                })
            })?;
            let added: Vec<String> = matter
                .actions
                .iter()
                .rev()
                .take(args.agreed.actions.len())
                .rev()
                .map(|a| a.seq.to_string())
                .collect();
            let said = match added.as_slice() {
                [one] => format!("action {one} added"),
                many => format!("actions {} added", many.join(", ")),
            };
            writeln!(ctx.err, "{}: {said}", matter.id)?;
            Ok(Status::Done)
        }
        ActionCommand::Withdraw(args) => {
            let correction = Correction::Withdraw {
                seq: args.seq,
                reason: args.reason.clone(),
            };
            let matter = correct(ctx, args.on, &correction, Some(&args.matter))?;
            writeln!(ctx.err, "{}: action {} withdrawn", matter.id, args.seq)?;
            Ok(Status::Done)
        }
    }
}

/// One correction in its own transaction.
fn correct(
    ctx: &mut Context,
    on: Option<NaiveDate>,
    correction: &Correction,
    matter: Option<&str>,
) -> anyhow::Result<Matter> {
    let mut store = ctx.open()?;
    let actor = ctx.actor_id(&store.read()?)?;
    let taken = with_setting(ctx, |setting| -> anyhow::Result<_> {
        let tx = store.write()?;
        let taken =
            workflow::corrections::correct_in(&tx, setting, &actor, on, correction, matter)?;
        tx.commit()?;
        Ok(taken)
    })?;
    Ok(taken.matter)
}
