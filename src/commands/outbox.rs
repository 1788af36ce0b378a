//! `iro outbox`: the messages the steps tell people (design rule 10), and the queueing every workflow
//! step does through `take_step`.
//!
//! `list` shows them, `write DIR` writes pending ones as RFC 5322 `.eml` files, `send --smtp URL` hands
//! pending ones to an SMTP server. The two are deliveries a service chooses between: a written message is
//! not sent unless asked. A send claims each message (`uncertain`) in its own committed transaction
//! before the server sees it, so concurrent runs never send one twice, and marks it `sent` once the
//! server has accepted it for every recipient; a run killed in between leaves it `uncertain`, sent again
//! only with `--resend-uncertain`, under the same Message-ID.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand, ValueEnum};
use comfy_table::{presets, Cell, ContentArrangement, Table};
use lettre::address::Envelope;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Address, SmtpTransport, Transport};

use super::Context;
use crate::engine::{Policy, Step};
use crate::error::{Problem, Status};
use crate::files;
use crate::model::{Child, Matter, Role, Staff};
use crate::notify::{self, Recipient};
use crate::store::outbox::{OutboxMessage, OutboxStatus, Which};
use crate::store::Tx;
use crate::text::{parse_email, shown};

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
    /// The From address
    #[arg(
        long = "from",
        value_name = "ADDR",
        env = "IRO_MAIL_FROM",
        default_value = "iro@localhost",
        value_parser = parse_mailbox
    )]
    pub address: Mailbox,
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

/// Composes the messages the steps of one command tell people and queues them in its transaction.
///
/// Returns a warning for each person the rule table names who could not be told.
pub fn queue(
    tx: &Tx,
    steps: &[Step],
    after: &Matter,
    child: &Child,
    policy: &Policy,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<String>> {
    if !steps
        .iter()
        .any(|s| notify::who_is_told(&s.event, after).is_some())
    {
        return Ok(Vec::new());
    }
    let allocated = [
        Some(&child.social_worker),
        child.practice_supervisor.as_ref(),
        Some(&child.team_manager),
        Some(&child.service_manager),
        Some(&child.iro_team_manager),
    ];
    // The holders of the two roles named by role (index `staff_role`), then the people allocated or
    // present, by id: a handful of rows however large the directory, in the directory's order (role, id).
    let mut staff: Vec<Staff> = tx.staff_in_role(Role::SeniorIroManager)?;
    staff.extend(tx.staff_in_role(Role::AssistantDirector)?);
    let present = steps.iter().flat_map(|step| notify::present(&step.event));
    for id in allocated
        .into_iter()
        .flatten()
        .map(String::as_str)
        .chain(present)
    {
        if !staff.iter().any(|s| s.id == id) {
            staff.extend(tx.staff(id)?);
        }
    }
    staff.sort_by(|a, b| (a.role.as_str(), &a.id).cmp(&(b.role.as_str(), &b.id)));
    let composed = notify::compose(steps, after, child, &staff, policy);
    for message in &composed.messages {
        tx.queue_message(&after.id, &after.child, message, now)?;
    }
    Ok(composed.warnings)
}

pub fn run(ctx: &mut Context, args: &OutboxArgs) -> anyhow::Result<Status> {
    match &args.command {
        OutboxCommand::List { pending, format } => list(ctx, *pending, *format),
        OutboxCommand::Write { dir, from } => write(ctx, dir, &from.address),
        OutboxCommand::Send(args) => send(ctx, args),
    }
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

/// The Message-ID of an outbox message: the same whichever way and however often it is delivered, and
/// never the same as another database's.
pub fn message_id(m: &OutboxMessage, database_id: &str) -> String {
    format!("<{}.{database_id}@iro>", m.id)
}

/// The file an outbox message is written to: named by this database and the message, so files of two
/// databases sharing a directory never collide.
pub fn file_name(m: &OutboxMessage, database_id: &str) -> String {
    let short = database_id.get(..16).unwrap_or(database_id);
    format!("iro-{short}-{}.eml", m.id)
}

/// The RFC 5322 message for an outbox row, dated when the step was taken, and the SMTP envelope built
/// from the same parsed addresses, so the server is given exactly the people the message names.
pub fn email(
    m: &OutboxMessage,
    from: &Mailbox,
    database_id: &str,
) -> anyhow::Result<(lettre::Message, Envelope)> {
    let created = DateTime::parse_from_rfc3339(&m.created_at)
        .with_context(|| format!("outbox {}: created_at '{}'", m.id, m.created_at))?;
    let mut builder = lettre::Message::builder()
        .from(from.clone())
        .subject(m.subject.clone())
        .date(SystemTime::from(created))
        .message_id(Some(message_id(m, database_id)))
        .header(ContentType::TEXT_PLAIN);
    let mut recipients = Vec::new();
    for r in &m.to {
        let mailbox = mailbox(r)?;
        recipients.push(mailbox.email.clone());
        builder = builder.to(mailbox);
    }
    for r in &m.cc {
        let mailbox = mailbox(r)?;
        recipients.push(mailbox.email.clone());
        builder = builder.cc(mailbox);
    }
    if recipients.is_empty() {
        anyhow::bail!("outbox {}: the message names no one to send it to", m.id);
    }
    let envelope = Envelope::new(Some(from.email.clone()), recipients)
        .with_context(|| format!("outbox {}: the envelope", m.id))?;
    Ok((builder.body(m.body.clone())?, envelope))
}

/// A recipient's mailbox, parsed as `staff add` checks addresses: one that cannot be sent to is an
/// error naming the person, never a recipient silently dropped.
fn mailbox(r: &Recipient) -> anyhow::Result<Mailbox> {
    let checked = parse_email(&r.email)
        .map_err(|why| anyhow::anyhow!("{} ({}) cannot be sent to: {why}", r.id, r.name))?;
    let address: Address = checked
        .parse()
        .with_context(|| format!("{} has no usable e-mail address '{}'", r.id, r.email))?;
    Ok(Mailbox::new(Some(r.name.clone()), address))
}

/// An error and its causes, on one line.
fn said(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = c.source();
    }
    text
}

fn write(ctx: &mut Context, dir: &Path, from: &Mailbox) -> anyhow::Result<Status> {
    let mut store = ctx.open()?;
    let (pending, database_id) = {
        let tx = store.read()?;
        (
            tx.outbox(Which::Only(vec![OutboxStatus::Pending]))?,
            tx.database_id()?,
        )
    };
    files::private_dir(dir)?;
    let (mut written, mut failed) = (0, 0);
    for m in &pending {
        let name = file_name(m, &database_id);
        let path = dir.join(&name);
        let result = email(m, from, &database_id)
            .and_then(|(message, _)| Ok(files::write_new(dir, &name, &message.formatted())?));
        let tx = store.write()?;
        match result {
            Ok(_) => {
                // Another run may have written and marked it meanwhile: then this run adds nothing.
                if tx.mark_written(m.id, ctx.now, &path.display().to_string())? {
                    written += 1;
                    writeln!(ctx.out, "{}", path.display())?;
                }
                tx.commit()?;
            }
            Err(e) => {
                let error = crate::error::one_line(&e);
                tx.mark_failed(m.id, &error)?;
                tx.commit()?;
                failed += 1;
                let _ = writeln!(ctx.err, "outbox {}: not written: {error}", m.id);
            }
        }
    }
    let _ = writeln!(ctx.err, "{written} message(s) written to {}", dir.display());
    if failed > 0 {
        anyhow::bail!(
            "{failed} message(s) could not be written; they stay pending with their error"
        );
    }
    Ok(Status::Done)
}

/// How one claimed message's send ended.
enum Ended {
    Sent,
    /// Not delivered; it goes back to this status with the error.
    NotSent(OutboxStatus, String),
    /// Whether the server has it, nobody can say.
    Unknown(String),
}

fn send(ctx: &mut Context, args: &SendArgs) -> anyhow::Result<Status> {
    let url = args.smtp.as_str();
    let authority = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .split(['/', '?'])
        .next()
        .unwrap_or_default();
    if authority.contains('@') {
        return Err(Problem::Usage(
            "--smtp must not carry credentials: set IRO_SMTP_USER and IRO_SMTP_PASSWORD".into(),
        )
        .into());
    }
    let mut builder = SmtpTransport::from_url(url)
        .map_err(|e| Problem::Usage(format!("--smtp '{url}': {}", said(&e))))?
        .timeout(Some(Duration::from_secs(30)));
    match (
        std::env::var("IRO_SMTP_USER")
            .ok()
            .filter(|u| !u.is_empty()),
        std::env::var("IRO_SMTP_PASSWORD").ok(),
    ) {
        (Some(user), Some(password)) => {
            builder = builder.credentials(Credentials::new(user, password));
        }
        (Some(_), None) => {
            return Err(
                Problem::Usage("IRO_SMTP_USER is set but IRO_SMTP_PASSWORD is not".into()).into(),
            )
        }
        (None, _) => {}
    }
    let transport = builder.build();
    let mut taken = vec![OutboxStatus::Pending];
    if args.include_written {
        taken.push(OutboxStatus::Written);
    }
    if args.resend_uncertain {
        taken.push(OutboxStatus::Uncertain);
    }
    if args.retry_failed {
        taken.push(OutboxStatus::Failed);
    }
    let mut store = ctx.open()?;
    let (candidates, database_id, left_uncertain) = {
        let tx = store.read()?;
        let uncertain = if args.resend_uncertain {
            0
        } else {
            tx.outbox(Which::Only(vec![OutboxStatus::Uncertain]))?.len()
        };
        (tx.outbox(Which::Only(taken))?, tx.database_id()?, uncertain)
    };
    if left_uncertain > 0 {
        let _ = writeln!(
            ctx.err,
            "warning: {left_uncertain} message(s) are uncertain (a send was interrupted; the server may have them): \
             see `iro outbox list --pending`, then send them with --resend-uncertain"
        );
    }
    if candidates.is_empty() {
        let _ = writeln!(ctx.err, "0 message(s) sent: nothing to send");
        return Ok(Status::Done);
    }
    // Reach the server before claiming anything, so a server that is down leaves nothing uncertain.
    match transport.test_connection() {
        Ok(true) => {}
        Ok(false) => anyhow::bail!("the SMTP server at {url} did not answer: nothing was sent"),
        Err(e) => anyhow::bail!(
            "cannot reach the SMTP server at {url}: {}: nothing was sent",
            said(&e)
        ),
    }
    let (mut sent, mut failed, mut unknown) = (0, 0, 0);
    for (i, m) in candidates.iter().enumerate() {
        // Claimed in its own committed transaction: from here no other run will take it.
        let claimed = {
            let tx = store.write()?;
            let claimed = tx.claim_for_send(m.id, m.status, ctx.now)?;
            tx.commit()?;
            claimed
        };
        if !claimed {
            continue;
        }
        let ended = match email(m, &args.from.address, &database_id) {
            Err(e) => Ended::NotSent(OutboxStatus::Failed, crate::error::one_line(&e)),
            Ok((message, envelope)) => match transport.send_raw(&envelope, &message.formatted()) {
                Ok(_) => Ended::Sent,
                // The server answered with a refusal: it does not have the message.
                Err(e) if e.is_permanent() => Ended::NotSent(OutboxStatus::Failed, said(&e)),
                Err(e) if e.is_transient() => Ended::NotSent(m.status, said(&e)),
                // The connection broke or timed out mid-send: the server may have it.
                Err(e) => Ended::Unknown(said(&e)),
            },
        };
        let tx = store.write()?;
        let stop = match &ended {
            Ended::Sent => {
                tx.mark_sent(m.id, ctx.now)?;
                sent += 1;
                let _ = writeln!(ctx.err, "outbox {}: sent: {}", m.id, shown(&m.subject));
                false
            }
            Ended::NotSent(to, error) => {
                tx.release_claim(m.id, *to, error)?;
                failed += 1;
                let _ = writeln!(ctx.err, "outbox {}: not sent ({to}): {error}", m.id);
                // A refusal of one message (5xx) says nothing of the next; a server asking to try
                // later is asked again on the next run, not for every message now.
                *to != OutboxStatus::Failed
            }
            Ended::Unknown(error) => {
                tx.release_claim(m.id, OutboxStatus::Uncertain, error)?;
                unknown += 1;
                let _ = writeln!(
                    ctx.err,
                    "outbox {}: uncertain: the send broke off ({error}); the server may have it",
                    m.id
                );
                true
            }
        };
        tx.commit()?;
        if stop {
            let left = candidates.len() - (i + 1);
            let _ = writeln!(
                ctx.err,
                "the server is not taking messages now: stopped, {left} more left for the next run"
            );
            failed += left;
            break;
        }
    }
    let _ = writeln!(ctx.err, "{sent} message(s) sent");
    if failed + unknown > 0 {
        anyhow::bail!(
            "{failed} message(s) could not be sent and {unknown} may or may not have been; \
             see `iro outbox list --pending`"
        );
    }
    Ok(Status::Done)
}
