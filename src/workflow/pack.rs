//! The CAFCASS pack: "All EPCP/DRP reports are provided to CAFCASS" (rule 8). For a matter referred
//! to CAFCASS, one Markdown document and one printable HTML file holding the chronology, every alert
//! form revision, the legal advice and meeting records and the messages sent, with a manifest of SHA-256
//! digests and the audit head hash at the time.
//!
//! Every typed text goes into the Markdown escaped (`render::markdown`), the HTML holds no link, image,
//! script or external resource, and the files are written into a private staging directory renamed to
//! the output directory only once all three are whole: a full disk or a crash leaves nothing there.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{alert_form, find_child, find_matter};
use crate::calendar::Calendar;
use crate::engine::{Event, Refusal, Rule};
use crate::files;
use crate::render;
use crate::render::markdown::{cell, lines, text, to_html};
use crate::store::Tx;

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

/// What a pack written says of itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Made {
    pub matter: String,
    pub out: PathBuf,
    pub files: Vec<&'static str>,
    /// The SHA-256 of the manifest, which names every file's: the pack in one digest.
    pub manifest_sha256: String,
}

/// Writes the CAFCASS pack of matter `id` into the new directory `out`, whole or not at all.
pub fn write(
    tx: &Tx,
    calendar: &Calendar,
    id: &str,
    out: &Path,
    as_of: NaiveDate,
    now: DateTime<Utc>,
) -> anyhow::Result<Made> {
    let m = find_matter(tx, id)?;
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
    // Refused before anything is read or written when something is already at --out.
    let staging = files::Staging::new(out)?;
    let child = find_child(tx, &m.child)?;
    let log = tx.matter_events(&m.id)?;
    let current = alert_form::build(tx, calendar, &m, None, as_of, false)?;
    let mut md = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(
        md,
        "# CAFCASS pack: matter {} for {} {}\n",
        text(&m.id),
        text(&child.reference),
        text(&child.name)
    );
    let _ = writeln!(
        md,
        "Prepared {as_of} by the IRO service. Concern ({}): {}\n",
        text(&m.category),
        text(&m.summary)
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
            r.kind,
            r.referred_on,
            text(&r.reason)
        );
    }
    let _ = writeln!(md, "\n## Chronology\n");
    let _ = writeln!(
        md,
        "| Date | Who | What | Recorded |\n| --- | --- | --- | --- |"
    );
    let corrected =
        crate::engine::corrections::corrected_events(log.iter().map(|e| (e.id, &e.event)));
    let mut ordered: Vec<_> = log.iter().collect();
    ordered.sort_by_key(|e| (e.effective_on, e.id));
    for e in &ordered {
        let shown = corrected.show(e.id, &e.event);
        // A voided step stays in the chronology, struck through, with the void's reason (rule 15).
        let what = match (&shown.voided, &shown.amended) {
            (Some((by, reason)), _) => format!(
                "~~{}~~ (event {}; voided by event {by}: {})",
                cell(&shown.what),
                e.id,
                cell(reason)
            ),
            (None, Some((by, reason, first))) => format!(
                "{} (event {}; amended by event {by}: {}; first recorded as: {})",
                cell(&shown.what),
                e.id,
                cell(reason),
                cell(first)
            ),
            (None, None) => format!("{} (event {})", cell(&shown.what), e.id),
        };
        let _ = writeln!(
            md,
            "| {} | {} | {what} | {} |",
            e.effective_on,
            cell(&e.actor),
            text(&e.recorded_at)
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
        let form = alert_form::build(tx, calendar, &m, Some(number), as_of, false)?;
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
        let _ = writeln!(md, "### {}\n", text(&msg.subject));
        let _ = writeln!(
            md,
            "Queued {}; {}. To: {}. Copy: {}.\n",
            text(&msg.created_at),
            msg.status,
            text(&to.join(", ")),
            if cc.is_empty() {
                "none".to_string()
            } else {
                text(&cc.join(", "))
            }
        );
        let _ = writeln!(md, "{}\n", lines(&msg.body));
    }
    let html = to_html(&format!("CAFCASS pack: {}", m.id), &md);
    let mut files = Vec::new();
    for (name, body) in [(MARKDOWN, md.as_bytes()), (HTML, html.as_bytes())] {
        staging.write(name, body)?;
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
        made_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        audit_head: tx.head_hash()?,
        events: log.len(),
        files,
    };
    let mut json = serde_json::to_vec_pretty(&manifest)?;
    json.push(b'\n');
    staging.write(MANIFEST, &json)?;
    staging.finish()?;
    Ok(Made {
        matter: m.id,
        out: out.to_path_buf(),
        files: vec![MARKDOWN, HTML, MANIFEST],
        manifest_sha256: format!("{:x}", Sha256::digest(&json)),
    })
}
