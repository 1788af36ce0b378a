//! `iro report cafcass-pack`: "All EPCP/DRP reports are provided to CAFCASS". For a matter referred to
//! CAFCASS, one Markdown document and one printable HTML file holding the chronology, every alert form
//! revision, the legal advice and meeting records and the messages sent, with a manifest of SHA-256
//! digests and the audit head hash at the time.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use chrono::NaiveDate;
use clap::Args;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::report::build_alert_form;
use super::{find_child, find_matter, Context};
use crate::dates::parse_date;
use crate::engine::{Event, Refusal, Rule};
use crate::error::{Problem, Status};
use crate::render;

/// Write the CAFCASS pack of a referred matter: Markdown, printable HTML and a manifest
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  iro report cafcass-pack Q-2026-0042 --out /srv/iro/packs/Q-2026-0042"
)]
pub struct PackArgs {
    pub matter: String,
    /// The directory to write into (created if missing; existing pack files are never overwritten)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The day deadlines are counted from [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
}

/// One file of the pack and its digest.
#[derive(Debug, Serialize)]
struct PackFile {
    name: String,
    sha256: String,
    bytes: usize,
}

/// What the manifest says: which files, their digests, and the record's head hash when it was made.
#[derive(Debug, Serialize)]
struct Manifest {
    matter: String,
    child: String,
    as_of: NaiveDate,
    made_at: String,
    audit_head: String,
    events: usize,
    files: Vec<PackFile>,
}

const MARKDOWN: &str = "cafcass-pack.md";
const HTML: &str = "cafcass-pack.html";
const MANIFEST: &str = "manifest.json";

pub fn run(ctx: &mut Context, args: &PackArgs) -> anyhow::Result<Status> {
    let as_of = args.as_of.unwrap_or(ctx.today);
    let mut store = ctx.open()?;
    let tx = store.read()?;
    let m = find_matter(&tx, &args.matter)?;
    if m.referrals.is_empty() {
        return Err(Refusal {
            rule: Rule::Cafcass,
            message: format!(
                "matter {} was never referred to CAFCASS: a pack is made for a referred matter",
                m.id
            ),
        }
        .into());
    }
    for name in [MARKDOWN, HTML, MANIFEST] {
        let path = args.out.join(name);
        if path.exists() {
            return Err(Problem::Usage(format!(
                "{} exists already: a pack is never overwritten; choose another --out",
                path.display()
            ))
            .into());
        }
    }
    let child = find_child(&tx, &m.child)?;
    let log = tx.matter_events(&m.id)?;
    let current = build_alert_form(&tx, &m, None, as_of, false)?;
    let mut md = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(
        md,
        "# CAFCASS pack: matter {} for {} {}\n",
        m.id, child.reference, child.name
    );
    let _ = writeln!(
        md,
        "Prepared {as_of} by the IRO service. Concern ({}): {}\n",
        m.category, m.summary
    );
    let _ = writeln!(md, "## CAFCASS referrals\n");
    for r in &m.referrals {
        let decision = match (r.decision, r.decided_on) {
            (Some(d), Some(on)) => format!("{d} on {on}"),
            _ => "awaiting decision".to_string(),
        };
        let _ = writeln!(
            md,
            "- {} referral on {}: {} ({decision})",
            r.kind, r.referred_on, r.reason
        );
    }
    let _ = writeln!(md, "\n## Chronology\n");
    let _ = writeln!(
        md,
        "| Date | Who | What | Recorded |\n| --- | --- | --- | --- |"
    );
    let mut ordered: Vec<_> = log.iter().collect();
    ordered.sort_by_key(|e| (e.effective_on, e.id));
    for e in &ordered {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} |",
            e.effective_on,
            cell(&e.actor),
            cell(&e.event.describe()),
            e.recorded_at
        );
    }
    let _ = writeln!(md, "\n## Legal advice and formal meetings\n");
    let records: Vec<_> = ordered
        .iter()
        .filter(|e| {
            matches!(
                e.event,
                Event::LegalAdviceSought { .. }
                    | Event::MeetingHeld { .. }
                    | Event::SeniorManagerBriefed { .. }
            )
        })
        .collect();
    if records.is_empty() {
        let _ = writeln!(md, "None recorded.");
    }
    for e in records {
        let _ = writeln!(
            md,
            "- {} ({}): {}",
            e.effective_on,
            cell(&e.actor),
            cell(&e.event.describe())
        );
    }
    let _ = writeln!(md, "\n## Alert form: every revision\n");
    for number in 1..=current.revisions {
        let form = build_alert_form(&tx, &m, Some(number), as_of, false)?;
        let mut text = Vec::new();
        render::alert_form(&form, true, &mut text)?;
        // Each form's headings sit one level below the pack's.
        for line in String::from_utf8_lossy(&text).lines() {
            if line.starts_with('#') {
                let _ = writeln!(md, "##{line}");
            } else {
                let _ = writeln!(md, "{line}");
            }
        }
        let _ = writeln!(md);
    }
    let _ = writeln!(md, "## Messages\n");
    let messages = tx.outbox_for_matter(&m.id)?;
    if messages.is_empty() {
        let _ = writeln!(md, "None.");
    }
    for msg in messages {
        let to: Vec<String> = msg
            .to
            .iter()
            .map(|r| format!("{} <{}>", r.name, r.email))
            .collect();
        let cc: Vec<String> = msg
            .cc
            .iter()
            .map(|r| format!("{} <{}>", r.name, r.email))
            .collect();
        let _ = writeln!(md, "### {}\n", cell(&msg.subject));
        let _ = writeln!(
            md,
            "Queued {}; {}. To: {}. Copy: {}.\n",
            msg.created_at,
            msg.status,
            to.join(", "),
            if cc.is_empty() {
                "none".to_string()
            } else {
                cc.join(", ")
            }
        );
        for line in msg.body.lines() {
            let _ = writeln!(md, "    {line}");
        }
        let _ = writeln!(md);
    }
    let html = to_html(&format!("CAFCASS pack: {}", m.id), &md);
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let mut files = Vec::new();
    for (name, body) in [(MARKDOWN, md.as_bytes()), (HTML, html.as_bytes())] {
        write_new(&args.out.join(name), body)?;
        files.push(PackFile {
            name: name.to_string(),
            sha256: format!("{:x}", Sha256::digest(body)),
            bytes: body.len(),
        });
    }
    let manifest = Manifest {
        matter: m.id.clone(),
        child: child.reference.clone(),
        as_of,
        made_at: ctx.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        audit_head: tx.head_hash()?,
        events: log.len(),
        files,
    };
    let mut json = serde_json::to_vec_pretty(&manifest)?;
    json.push(b'\n');
    write_new(&args.out.join(MANIFEST), &json)?;
    writeln!(ctx.out, "{}", args.out.display())?;
    writeln!(
        ctx.err,
        "CAFCASS pack for {} written to {} ({MARKDOWN}, {HTML}, {MANIFEST})",
        m.id,
        args.out.display()
    )?;
    Ok(Status::Done)
}

/// Text for a Markdown table cell or list item: pipes escaped, lines joined.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\r', '\n'], " ")
}

/// Writes a new file readable by its owner only; never replaces one.
fn write_new(path: &Path, body: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(body)?;
    file.sync_all()?;
    Ok(())
}

/// The Markdown as one self-contained printable HTML page. Raw HTML in the record's text is shown as
/// text, never interpreted: the pack holds what people typed.
pub fn to_html(title: &str, markdown: &str) -> String {
    use pulldown_cmark::{html, Event as Md, Options, Parser};
    let parser = Parser::new_ext(markdown, Options::ENABLE_TABLES).map(|event| match event {
        Md::Html(text) | Md::InlineHtml(text) => Md::Text(text),
        other => other,
    });
    let mut body = String::new();
    html::push_html(&mut body, parser);
    let mut title_text = String::new();
    html::push_html(
        &mut title_text,
        Parser::new(title).map(|e| match e {
            Md::Html(t) | Md::InlineHtml(t) => Md::Text(t),
            other => other,
        }),
    );
    let title_text = title_text
        .trim()
        .trim_start_matches("<p>")
        .trim_end_matches("</p>");
    format!(
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title_text}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n"
    )
}

/// Print-ready styling, inline so the file needs nothing else.
const STYLE: &str = "body { font-family: Arial, Helvetica, sans-serif; font-size: 11pt; line-height: 1.4; max-width: 60em; margin: 2em auto; color: #111; }
h1 { font-size: 18pt; border-bottom: 2px solid #333; }
h2 { font-size: 14pt; margin-top: 1.6em; border-bottom: 1px solid #999; }
h3, h4 { font-size: 12pt; }
table { border-collapse: collapse; width: 100%; margin: 0.6em 0; }
th, td { border: 1px solid #999; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
td:first-child { white-space: nowrap; }
th { background: #eee; }
blockquote { border-left: 3px solid #999; margin-left: 0; padding-left: 1em; color: #333; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: 0.5em; }
@media print { body { margin: 0; max-width: none; } h2 { page-break-after: avoid; } tr { page-break-inside: avoid; } }
";
