//! `iro outbox`: the messages the steps tell people (rule 10): list them, write them as `.eml`
//! files, or send them by SMTP. The delivery itself is `workflow::outbox`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use comfy_table::{presets, Cell, ContentArrangement, Table};
use lettre::message::Mailbox;

use super::Context;
use crate::error::{Problem, Status};
use crate::notify::Recipient;
use crate::store::outbox::Which;
use crate::text::shown;
use crate::workflow::outbox::{self, Delivered, SendAlso};

/// The messages steps tell people: list them, write them as .eml files, or send them by SMTP
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  iro outbox list --pending\n  \
iro outbox write ./mail --from iro@council.gov.uk\n  \
IRO_SMTP_USER=iro IRO_SMTP_PASSWORD=... iro outbox send --smtp 'smtp://mail.council.gov.uk:587?tls=required'")]
pub struct OutboxArgs {
    #[command(subcommand)]
    pub command: OutboxCommand,
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// List the messages, oldest first
    #[command(after_help = "Example:\n  iro outbox list --pending")]
    List {
        /// Only messages not yet delivered (pending, uncertain or failed)
        #[arg(long)]
        pending: bool,
        #[arg(long, value_enum, default_value = "table")]
        format: OutboxFormat,
    },
    /// Write each pending message as an .eml file in DIR and mark it written
    #[command(
        after_help = "Example:\n  iro outbox write /srv/iro/mail --from iro@example.gov.uk\n\n\
DIR is created readable by its owner only when missing; an existing DIR must be a directory of this user\n\
that no one else may write. A file is never written over: its name carries this database's id."
    )]
    Write {
        /// The directory to write into
        dir: PathBuf,
        #[command(flatten)]
        from: Sender,
    },
    /// Send each pending message; credentials come from IRO_SMTP_USER and IRO_SMTP_PASSWORD
    #[command(
        after_help = "Example:\n  iro outbox send --smtp smtps://mail.example.gov.uk --from iro@example.gov.uk\n\n\
A message whose send was interrupted is `uncertain`: the server may have it. It is sent again, under\n\
the same Message-ID, only with --resend-uncertain."
    )]
    Send(SendArgs),
    /// Queue one digest per person of what they own or manage that is overdue or falls due within
    /// remind_days working days (iro.toml, default 5); once per person per day
    #[command(
        after_help = "Run it each morning before `outbox send` or `outbox write`; a second run the same day queues nothing.\n\n\
Example:\n  iro outbox remind && iro outbox send --smtp smtps://mail.example.gov.uk"
    )]
    Remind {
        /// The day to remind as of [default: today]
        #[arg(long, value_name = "DATE", value_parser = crate::dates::parse_date)]
        as_of: Option<chrono::NaiveDate>,
    },
}

/// What `outbox send` takes.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// smtp://HOST[:PORT] (plain), smtp://HOST[:PORT]?tls=required (STARTTLS) or smtps://HOST[:PORT]
    #[arg(long, value_name = "URL")]
    pub smtp: String,
    #[command(flatten)]
    pub from: Sender,
    /// Also send the messages whose send was interrupted (the server may already have them)
    #[arg(long)]
    pub resend_uncertain: bool,
    /// Also send the messages already written as .eml files
    #[arg(long)]
    pub include_written: bool,
    /// Also send again the messages the server refused for good (once their cause is put right)
    #[arg(long)]
    pub retry_failed: bool,
}

/// The sender address of the messages.
#[derive(Debug, Args)]
pub struct Sender {
    /// The From address [env: IRO_MAIL_FROM; default: iro@localhost]
    #[arg(long = "from", value_name = "ADDR", value_parser = parse_mailbox)]
    pub address: Option<Mailbox>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutboxFormat {
    Table,
    Json,
}

fn parse_mailbox(text: &str) -> Result<Mailbox, String> {
    text.parse::<Mailbox>()
        .map_err(|e| format!("'{text}' is not an e-mail address: {e}"))
}

pub fn run(ctx: &mut Context, args: &OutboxArgs) -> anyhow::Result<Status> {
    match &args.command {
        OutboxCommand::List { pending, format } => list(ctx, *pending, *format),
        OutboxCommand::Write { dir, from } => write(ctx, dir, &from.address),
        OutboxCommand::Send(args) => send(ctx, args),
        OutboxCommand::Remind { as_of } => remind(ctx, *as_of),
    }
}

fn remind(ctx: &mut Context, as_of: Option<chrono::NaiveDate>) -> anyhow::Result<Status> {
    let as_of = ctx.as_of(as_of)?;
    let mut store = ctx.open()?;
    let done = super::with_setting(ctx, |setting| -> anyhow::Result<_> {
        let tx = store.write()?;
        let done = crate::workflow::remind::remind(&tx, setting, as_of)?;
        tx.commit()?;
        Ok(done)
    })?;
    let mut said = format!(
        "{} reminder(s) queued as of {as_of}, for {} item(s) due or overdue",
        done.queued, done.items
    );
    if done.already > 0 {
        said.push_str(&format!(
            "; {} person(s) reminded already today",
            done.already
        ));
    }
    if done.unreachable > 0 {
        said.push_str(&format!(
            "; {} person(s) could not be reminded (left, with no cover)",
            done.unreachable
        ));
    }
    super::tell(ctx, format_args!("{said}"));
    Ok(Status::Done)
}

fn list(ctx: &mut Context, pending: bool, format: OutboxFormat) -> anyhow::Result<Status> {
    let mut store = ctx.open()?;
    let messages = store.read()?.outbox(if pending {
        Which::Undelivered
    } else {
        Which::All
    })?;
    match format {
        OutboxFormat::Json => {
            serde_json::to_writer_pretty(&mut *ctx.out, &messages).map_err(std::io::Error::from)?;
            writeln!(ctx.out)?;
        }
        OutboxFormat::Table => {
            let mut table = Table::new();
            table
                .load_preset(presets::UTF8_FULL_CONDENSED)
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_header(
                    [
                        "id", "created", "matter", "step", "status", "to", "cc", "missing",
                        "subject", "error",
                    ]
                    .map(Cell::new),
                );
            for m in &messages {
                table.add_row(
                    [
                        m.id.to_string(),
                        m.created_at.get(..10).unwrap_or(&m.created_at).to_string(),
                        m.matter.clone().unwrap_or_default(),
                        m.event_kind.clone(),
                        m.status.to_string(),
                        emails(&m.to),
                        emails(&m.cc),
                        m.missing.join("\n"),
                        m.subject.clone(),
                        m.error.clone().unwrap_or_default(),
                    ]
                    .map(|cell| shown(&cell).into_owned()),
                );
            }
            writeln!(ctx.out, "{table}")?;
        }
    }
    Ok(Status::Done)
}

fn emails(recipients: &[Recipient]) -> String {
    recipients
        .iter()
        .map(|r| r.email.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

fn write(ctx: &mut Context, dir: &Path, from: &Option<Mailbox>) -> anyhow::Result<Status> {
    let from = sender(ctx, from)?;
    let mut store = ctx.open()?;
    let setting = super::setting(ctx);
    let (out, err) = (&mut *ctx.out, &mut *ctx.err);
    let tally = outbox::write_pending(&mut store, &setting, dir, &from, |done| match done {
        Delivered::Written { path, .. } => {
            let _ = writeln!(out, "{path}");
        }
        Delivered::NotWritten { id, error } => {
            let _ = writeln!(err, "outbox {id}: not written: {error}");
        }
        _ => {}
    })?;
    let _ = writeln!(
        ctx.err,
        "{} message(s) written to {}",
        tally.delivered,
        dir.display()
    );
    if tally.failed > 0 {
        anyhow::bail!(
            "{} message(s) could not be written; they stay pending with their error",
            tally.failed
        );
    }
    Ok(Status::Done)
}

fn send(ctx: &mut Context, args: &SendArgs) -> anyhow::Result<Status> {
    let from = sender(ctx, &args.from.address)?;
    let transport = outbox::smtp(&args.smtp, ctx.env.smtp_credentials()?)?;
    let mut store = ctx.open()?;
    let also = SendAlso {
        uncertain: args.resend_uncertain,
        written: args.include_written,
        failed: args.retry_failed,
    };
    let setting = super::setting(ctx);
    let err = &mut *ctx.err;
    let (tally, left_uncertain) = outbox::send_pending(
        &mut store,
        &setting,
        &transport,
        &args.smtp,
        &from,
        also,
        |done| {
            let _ = match done {
                Delivered::Sent { id, subject } => writeln!(err, "outbox {id}: sent: {subject}"),
                Delivered::NotSent { id, status, error } => {
                    writeln!(err, "outbox {id}: not sent ({status}): {error}")
                }
                Delivered::Uncertain { id, error } => writeln!(
                    err,
                    "outbox {id}: uncertain: the send broke off ({error}); the server may have it"
                ),
                Delivered::Stopped { left } => writeln!(
                    err,
                    "the server is not taking messages now: stopped, {left} more left for the next run"
                ),
                _ => Ok(()),
            };
        },
    )?;
    if left_uncertain > 0 {
        let _ = writeln!(
            ctx.err,
            "warning: {left_uncertain} message(s) are uncertain (a send was interrupted; the server may have them): \
             see `iro outbox list --pending`, then send them with --resend-uncertain"
        );
    }
    if tally.delivered + tally.failed + tally.uncertain == 0 {
        let _ = writeln!(ctx.err, "0 message(s) sent: nothing to send");
        return Ok(Status::Done);
    }
    let _ = writeln!(ctx.err, "{} message(s) sent", tally.delivered);
    if tally.failed + tally.uncertain > 0 {
        anyhow::bail!(
            "{} message(s) could not be sent and {} may or may not have been; \
             see `iro outbox list --pending`",
            tally.failed,
            tally.uncertain
        );
    }
    Ok(Status::Done)
}

/// The From address: `--from`, else `IRO_MAIL_FROM`, else `iro@localhost`.
fn sender(ctx: &Context, given: &Option<Mailbox>) -> anyhow::Result<Mailbox> {
    match (given, &ctx.env.mail_from) {
        (Some(from), _) => Ok(from.clone()),
        (None, Some(text)) => {
            parse_mailbox(text).map_err(|e| Problem::Usage(format!("IRO_MAIL_FROM: {e}")).into())
        }
        (None, None) => Ok(parse_mailbox("iro@localhost").map_err(anyhow::Error::msg)?),
    }
}
