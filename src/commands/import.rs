//! `iro import`: a service's spreadsheet tracker (CSV) brought in as if every step had been typed
//! (`workflow::tracker`), all in one transaction: the file goes in whole only if every row passes, a
//! row imported before adds nothing, and `--dry-run` never commits.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{tell, Context};
use crate::dates::DateOrder;
use crate::error::{Problem, Status};
use crate::workflow::sheet::{heading, RowErrors, Sheet};
use crate::workflow::tracker::{self, Shape};

/// Import a spreadsheet tracker (CSV): every row checked by the protocol's rules, all rows or none
#[derive(Debug, Args)]
#[command(
    after_help = "A matter sheet, one row per concern (first row; case, spaces and hyphens do not matter):\n  \
child, category, summary, raised_on                         required\n  \
source_id                                                   the tracker's own row id (default: a digest of the row)\n  \
iro                                                         default: the child's IRO\n  \
action, action_owner, action_due, action_done_on            QAP action 1 (owner default: the social worker)\n  \
action_2..., action_3...                                    QAP actions 2 and 3, the same four columns\n  \
challenged_on, challenge_reason                             the team manager's challenge\n  \
stage_1_on, stage_2_on, stage_3_on, stage_reason            EPCP/DRP stages and the day each was entered\n  \
cafcass_referred_on, cafcass_reason, cafcass_formal         a referral to CAFCASS (formal: yes/no)\n  \
outcome, resolved_on, resolved_by                           the resolution and the manager who resolved it\n\
A steps sheet (it has a step column), one row per later step on a matter:\n  \
matter, step, on                                            required: the matter's id or its row's source_id;\n  \
                                                            action, challenge, extension, completed, note, meeting\n  \
by, action, action_text, owner, due, agreed_by, reason, text, chair, attendees\n\
People are given by id, login or exact name; categories by their words or the policy's\n\
[category_aliases]. Rows are numbered as the spreadsheet shows them (the header is row 1, blank rows\n\
count). Every error of every row is listed with its row and column; nothing is recorded unless every\n\
row passes. A row imported before is passed over.\n\n\
Examples:\n  iro import examples/tracker.csv --dry-run\n  iro import tracker.csv --dates dmy"
)]
pub struct ImportArgs {
    /// The tracker exported as CSV, with a header row
    pub file: PathBuf,
    /// Check every row and say what would be imported; record nothing
    #[arg(long)]
    pub dry_run: bool,
    /// How the sheet writes dates that are not YYYY-MM-DD: dmy for a UK service's 07/04/2025
    #[arg(long, value_enum, default_value_t = Dates::Iso)]
    pub dates: Dates,
    /// Refuse the file when it has a column iro does not read (by default: passed over, with a warning)
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Dates {
    Iso,
    Dmy,
    Mdy,
    Ymd,
}

impl From<Dates> for DateOrder {
    fn from(dates: Dates) -> DateOrder {
        match dates {
            Dates::Iso => DateOrder::Iso,
            Dates::Dmy => DateOrder::Dmy,
            Dates::Mdy => DateOrder::Mdy,
            Dates::Ymd => DateOrder::Ymd,
        }
    }
}

pub fn run(ctx: &mut Context, args: &ImportArgs) -> anyhow::Result<Status> {
    let name = args.file.display().to_string();
    let bytes = std::fs::read(&args.file)
        .map_err(|e| Problem::Usage(format!("cannot read {name}: {e}")))?;
    let headings: Vec<String> = csv::ReaderBuilder::new()
        .from_reader(bytes.as_slice())
        .headers()
        .map(|h| h.iter().map(heading).collect())
        .unwrap_or_default();
    let shape = Shape::of(&headings);
    let sheet = Sheet::read(&name, bytes.as_slice(), &shape.columns(args.strict))?;
    if !sheet.ignored.is_empty() {
        tell(
            ctx,
            format_args!(
                "warning: {name}: column(s) {} are not ones iro reads: passed over (--strict refuses them)",
                sheet
                    .ignored
                    .iter()
                    .map(|c| format!("'{c}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    let options = tracker::Options {
        dates: args.dates.into(),
        file: args
            .file
            .file_name()
            .map_or_else(|| name.clone(), |f| f.to_string_lossy().into_owned()),
        digest: tracker::digest(&bytes),
    };
    let progress = super::progress(ctx, sheet.len(), "importing");
    let mut store = ctx.open()?;
    let tx = store.write()?;
    let mut setting = super::setting(ctx);
    // Steps taken months ago are history, not news: nobody is mailed about them.
    setting.notify = false;
    let imported = tracker::import(&tx, &mut setting, &sheet, shape, &options, || {
        if let Some(bar) = &progress {
            bar.inc(1);
        }
    })?;
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let done = match imported {
        Ok(done) => done,
        Err(errors) => {
            drop(tx);
            return Err(RowErrors::new(
                errors
                    .into_iter()
                    .map(|e| (sheet.name.clone(), e))
                    .collect(),
                "nothing was imported",
                false,
            )
            .into());
        }
    };
    let already: Vec<_> = done.iter().filter(|d| d.already).collect();
    for row in &already {
        tell(
            ctx,
            format_args!(
                "row {}: imported before (as {}): nothing added",
                row.row, row.matter
            ),
        );
    }
    let new: Vec<_> = done.iter().filter(|d| !d.already).collect();
    let steps: usize = new.iter().map(|d| d.steps).sum();
    let before = match already.len() {
        0 => String::new(),
        n => format!("; {n} row(s) imported before"),
    };
    if args.dry_run {
        drop(tx);
        tell(
            ctx,
            format_args!(
                "{name}: all {} row(s) pass ({steps} steps){before}; dry run: nothing was recorded",
                new.len()
            ),
        );
        return Ok(Status::Done);
    }
    tx.commit()?;
    // The matters a matter sheet opened, as a command that opens one prints its id; a steps sheet
    // opens none.
    if shape == Shape::Matters {
        for row in &new {
            writeln!(ctx.out, "{}", row.matter)?;
        }
    }
    tell(
        ctx,
        format_args!(
            "{name}: imported {} row(s) in {steps} steps{before}",
            new.len()
        ),
    );
    Ok(Status::Done)
}
