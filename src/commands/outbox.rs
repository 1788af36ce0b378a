//! `iro outbox`: the messages the steps tell people (design rule 10), and the queueing every workflow
//! step does through `take_step`.
//!
//! `list` shows them, `write DIR` writes pending ones as RFC 5322 `.eml` files, `send --smtp URL` hands
//! unsent ones to an SMTP server. Each message is marked in its own committed transaction right after it
//! is written or accepted, so a run that is interrupted and run again never sends a message twice.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand, ValueEnum};
use comfy_table::{presets, Cell, ContentArrangement, Table};
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{SmtpTransport, Transport};

use super::Context;
use crate::engine::{Policy, Step};
use crate::error::{Problem, Status};
use crate::model::{Child, Matter, Role, Staff};
use crate::notify::{self, Recipient};
use crate::store::outbox::{OutboxMessage, Which};
use crate::store::Tx;

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
        /// Only messages not yet sent (pending or written)
        #[arg(long)]
        pending: bool,
        #[arg(long, value_enum, default_value = "table")]
        format: OutboxFormat,
    },
    /// Write each pending message as DIR/ID.eml and mark it written
    #[command(after_help = "Example:\n  iro outbox write /srv/iro/mail --from iro@example.gov.uk")]
    Write {
        /// The directory to write into (created if missing)
        dir: PathBuf,
        #[command(flatten)]
        from: Sender,
    },
    /// Send each message not yet sent; credentials come from IRO_SMTP_USER and IRO_SMTP_PASSWORD
    #[command(
        after_help = "Example:\n  iro outbox send --smtp smtps://mail.example.gov.uk --from iro@example.gov.uk"
    )]
    Send {
        /// smtp://HOST[:PORT] (plain), smtp://HOST[:PORT]?tls=required (STARTTLS) or smtps://HOST[:PORT]
        #[arg(long, value_name = "URL")]
        smtp: String,
        #[command(flatten)]
        from: Sender,
    },
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
        OutboxCommand::Send { smtp, from } => send(ctx, smtp, &from.address),
    }
}

fn list(ctx: &mut Context, pending: bool, format: OutboxFormat) -> anyhow::Result<Status> {
    let mut store = ctx.open()?;
    let messages = store
        .read()?
        .outbox(if pending { Which::Unsent } else { Which::All })?;
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
                table.add_row(vec![
                    m.id.to_string(),
                    m.created_at.get(..10).unwrap_or(&m.created_at).to_string(),
                    m.matter.clone(),
                    m.event_kind.clone(),
                    m.status.to_string(),
                    emails(&m.to),
                    emails(&m.cc),
                    m.missing.join("\n"),
                    m.subject.clone(),
                    m.error.clone().unwrap_or_default(),
                ]);
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

/// The RFC 5322 message for an outbox row, dated when the step was taken.
pub fn email(m: &OutboxMessage, from: &Mailbox) -> anyhow::Result<lettre::Message> {
    let created = DateTime::parse_from_rfc3339(&m.created_at)
        .with_context(|| format!("outbox {}: created_at '{}'", m.id, m.created_at))?;
    let mut builder = lettre::Message::builder()
        .from(from.clone())
        .subject(m.subject.clone())
        .date(SystemTime::from(created))
        .message_id(Some(format!(
            "<iro-outbox-{}.{}@{}>",
            m.id,
            created.timestamp_micros(),
            from.email.domain()
        )))
        .header(ContentType::TEXT_PLAIN);
    for r in &m.to {
        builder = builder.to(mailbox(r)?);
    }
    for r in &m.cc {
        builder = builder.cc(mailbox(r)?);
    }
    Ok(builder.body(m.body.clone())?)
}

fn mailbox(r: &Recipient) -> anyhow::Result<Mailbox> {
    let address = r
        .email
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
    let pending = store.read()?.outbox(Which::Pending)?;
    std::fs::create_dir_all(dir).with_context(|| format!("{}", dir.display()))?;
    let mut failed = 0;
    for m in &pending {
        let path = dir.join(format!("{}.eml", m.id));
        let written = email(m, from).and_then(|message| {
            // Through a temporary name, so a file named by an outbox id is always whole.
            let partial = dir.join(format!(".{}.eml.partial", m.id));
            write_private(&partial, &message.formatted())
                .and_then(|()| std::fs::rename(&partial, &path))
                .with_context(|| format!("{}", path.display()))
        });
        let tx = store.write()?;
        match written {
            Ok(()) => {
                tx.mark_written(m.id, ctx.now)?;
                tx.commit()?;
                writeln!(ctx.out, "{}", path.display())?;
            }
            Err(e) => {
                let error = format!("{e:#}");
                tx.mark_failed(m.id, &error)?;
                tx.commit()?;
                failed += 1;
                let _ = writeln!(ctx.err, "outbox {}: not written: {error}", m.id);
            }
        }
    }
    let _ = writeln!(
        ctx.err,
        "{} message(s) written to {}",
        pending.len() - failed,
        dir.display()
    );
    if failed > 0 {
        anyhow::bail!(
            "{failed} message(s) could not be written; they stay pending with their error"
        );
    }
    Ok(Status::Done)
}

/// Writes a file only its owner can read: the messages are about children.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(path)?, bytes)
}

fn send(ctx: &mut Context, url: &str, from: &Mailbox) -> anyhow::Result<Status> {
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
    let mut store = ctx.open()?;
    let unsent = store.read()?.outbox(Which::Unsent)?;
    let (mut sent, mut failed) = (0, 0);
    for (i, m) in unsent.iter().enumerate() {
        // Another run may have sent it since the list was read.
        let still_unsent = store
            .read()?
            .outbox_message(m.id)?
            .is_some_and(|now| now.sent_at.is_none());
        if !still_unsent {
            continue;
        }
        // A server that refuses this message (5xx) is told of the next one; a server that cannot be
        // reached or asks to try later is not, so a run against a down server fails once, not per message.
        let mut stop = false;
        let result = email(m, from).and_then(|message| {
            transport.send(&message).map_err(|e| {
                stop = !e.is_permanent();
                anyhow::anyhow!(said(&e))
            })
        });
        // Marked in its own committed transaction, right away: a message is never sent twice.
        let tx = store.write()?;
        match result {
            Ok(_) => {
                tx.mark_sent(m.id, ctx.now)?;
                tx.commit()?;
                sent += 1;
                let _ = writeln!(ctx.err, "outbox {}: sent: {}", m.id, m.subject);
            }
            Err(e) => {
                let error = format!("{e:#}");
                tx.mark_failed(m.id, &error)?;
                tx.commit()?;
                failed += 1;
                let _ = writeln!(ctx.err, "outbox {}: not sent: {error}", m.id);
            }
        }
        if stop {
            let left = unsent.len() - (i + 1);
            let _ = writeln!(
                ctx.err,
                "the server is not taking messages now: stopped, {left} more left for the next run"
            );
            failed += left;
            break;
        }
    }
    let _ = writeln!(ctx.err, "{sent} message(s) sent");
    if failed > 0 {
        anyhow::bail!(
            "{failed} message(s) could not be sent; they stay unsent with their error (iro outbox list --pending)"
        );
    }
    Ok(Status::Done)
}
