//! A service's spreadsheet tracker brought in as if every step had been typed: each row becomes the
//! requests a person would have made, each judged by [`step_in`] on the row's own dates, in the caller's
//! transaction, so a file goes in whole or not at all.
//!
//! Two shapes of sheet. A **matter sheet** has a row per concern (`child`, `category`, `summary`,
//! `raised_on`, its QAP actions, challenge, stages, CAFCASS referral and resolution). A **steps sheet**
//! (it has a `step` column) has a row per later step on a matter: further actions, a challenge, an
//! extension, a completed action, a note, a formal meeting.
//!
//! Taken as services keep them: dates in the order `--dates` names, Excel's date-times, categories by
//! their words or the policy's aliases, people by id, login or exact name; every error of every row in
//! one pass, each with the row and column as the spreadsheet numbers them. Each row has a source key (its
//! `source_id`, else a digest of its values) that every event it writes carries with the file's name and
//! digest, so importing a row again adds nothing.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use super::sheet::{Cells, Columns, RowError, Sheet};
use super::{step_in, Asked, Setting};
use crate::dates::{parse_date_as, DateOrder};
use crate::engine::{Concern, NewAction, Opening, Request, Timescale};
use crate::model::{Child, MatterState, Role, Staff, Stage};
use crate::store::Tx;
use crate::text::{parse_id, parse_text};

/// The columns of a matter sheet.
const MATTER_NAMES: &[&str] = &[
    "source_id",
    "child",
    "iro",
    "category",
    "summary",
    "raised_on",
    "action",
    "action_owner",
    "action_due",
    "action_done_on",
    "action_2",
    "action_2_owner",
    "action_2_due",
    "action_2_done_on",
    "action_3",
    "action_3_owner",
    "action_3_due",
    "action_3_done_on",
    "challenged_on",
    "challenge_reason",
    "stage_1_on",
    "stage_2_on",
    "stage_3_on",
    "stage_reason",
    "cafcass_referred_on",
    "cafcass_reason",
    "cafcass_formal",
    "outcome",
    "resolved_on",
    "resolved_by",
];

/// The columns of a steps sheet.
const STEP_NAMES: &[&str] = &[
    "source_id",
    "matter",
    "step",
    "on",
    "by",
    "action",
    "action_text",
    "owner",
    "due",
    "agreed_by",
    "reason",
    "text",
    "chair",
    "attendees",
];

/// The numbered QAP actions of a matter sheet: text, owner, due and done-on columns.
const ACTION_COLUMNS: [[&str; 4]; 3] = [
    ["action", "action_owner", "action_due", "action_done_on"],
    [
        "action_2",
        "action_2_owner",
        "action_2_due",
        "action_2_done_on",
    ],
    [
        "action_3",
        "action_3_owner",
        "action_3_due",
        "action_3_done_on",
    ],
];

/// The shape of a sheet, told by its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Matters,
    Steps,
}

impl Shape {
    /// The shape a header's headings make: a steps sheet has a `step` column.
    pub fn of(headings: &[String]) -> Shape {
        if headings.iter().any(|h| h == "step") {
            Shape::Steps
        } else {
            Shape::Matters
        }
    }

    /// The columns the shape reads; with `strict`, a heading iro does not read refuses the file.
    pub fn columns(self, strict: bool) -> Columns {
        match self {
            Shape::Matters => Columns {
                names: MATTER_NAMES,
                aliases: &[("tracker_id", "source_id"), ("row_id", "source_id")],
                required: &["child", "category", "summary", "raised_on"],
                others_ignored: !strict,
            },
            Shape::Steps => Columns {
                names: STEP_NAMES,
                aliases: &[("step_id", "source_id"), ("row_id", "source_id")],
                required: &["matter", "step", "on"],
                others_ignored: !strict,
            },
        }
    }

    fn word(self) -> &'static str {
        match self {
            Shape::Matters => "matter",
            Shape::Steps => "step",
        }
    }
}

/// How the file is read and where it came from.
#[derive(Debug, Clone)]
pub struct Options {
    pub dates: DateOrder,
    /// The file's name and the SHA-256 of its bytes, which every imported step carries.
    pub file: String,
    pub digest: String,
}

/// What became of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowDone {
    pub row: usize,
    /// The matter the row is about.
    pub matter: String,
    /// The steps recorded; none when the row was imported before.
    pub steps: usize,
    pub already: bool,
}

/// The whole file's outcome: each row's, or every error met.
pub type Imported = Result<Vec<RowDone>, Vec<RowError>>;

/// The SHA-256 of a file's bytes, in hex: how an imported step names the file it came from.
pub fn digest(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// Imports every row of `sheet` in `tx`, judged as typed; `each` is called after each row (a progress
/// bar). Rows already imported add nothing. Nothing is committed here: the caller commits when the
/// whole file passed, or rolls back.
pub fn import(
    tx: &Tx,
    setting: &mut Setting,
    sheet: &Sheet,
    shape: Shape,
    options: &Options,
    mut each: impl FnMut(),
) -> anyhow::Result<Imported> {
    let staff = tx.all_staff()?;
    let people = People { staff: &staff };
    let mut errors: Vec<RowError> = Vec::new();
    let mut keys: HashMap<String, usize> = HashMap::new();
    let rows = sheet.rows(&mut errors, |cells| {
        let (key, values) = source_key(cells, shape);
        if let Some(first) = keys.get(&key) {
            let (column, why) = if cells.raw("source_id").is_some() {
                ("source_id", format!("the same source_id as row {first}"))
            } else {
                ("(row)", format!("the same values as row {first}"))
            };
            cells.fail(column, format!("{why}: it would be imported twice"));
            return None;
        }
        keys.insert(key.clone(), cells.row);
        let read = match shape {
            Shape::Matters => read_matter(cells, tx, setting, &people, options.dates)
                .map(|m| Row::Matter(Box::new(m))),
            Shape::Steps => {
                read_step(cells, tx, &people, options.dates).map(|s| Row::Step(Box::new(s)))
            }
        };
        read.map(|row| (key, values, row))
    });
    let mut done = Vec::with_capacity(rows.len());
    for (key, values, row) in rows {
        each();
        let number = row.number();
        let before = match tx.imported_row(&key)? {
            Some(found) => Some(found),
            // A row without a source_id is known by its values; the same concern with other values
            // is the row changed since, not a new one.
            None => match (&row, key.contains(":sha256:")) {
                (Row::Matter(m), true) => {
                    tx.imported_like(&m.child.reference, &m.category, m.raised_on)?
                }
                _ => None,
            },
        };
        let before = before.and_then(|(matter, source)| {
            let source: serde_json::Value = serde_json::from_str(&source).unwrap_or_default();
            // A concern like it from this very file is another row of it, not this one before.
            let same_file = source["digest"].as_str() == Some(options.digest.as_str());
            (!same_file || source["key"].as_str() == Some(key.as_str())).then_some((matter, source))
        });
        if let Some((matter, source)) = before {
            if source["values"].as_str() == Some(values.as_str()) {
                done.push(RowDone {
                    row: number,
                    matter,
                    steps: 0,
                    already: true,
                });
            } else {
                errors.push(RowError::new(
                    number,
                    if key.contains(":id:") { "source_id" } else { "(row)" },
                    format!(
                        "was imported before (as {matter}, from {} row {}) with other values: a changed row is not imported again; correct the record with the commands, or give the row a new source_id",
                        source["file"].as_str().unwrap_or("a file"),
                        source["row"]
                    ),
                ));
            }
            continue;
        }
        setting.source = Some(
            serde_json::json!({
                "file": options.file,
                "digest": options.digest,
                "row": number,
                "key": key,
                "values": values,
            })
            .to_string(),
        );
        let outcome = match &row {
            Row::Matter(m) => import_matter(tx, setting, m),
            Row::Step(s) => import_step(tx, setting, s),
        };
        setting.source = None;
        match outcome {
            Ok((matter, steps)) => done.push(RowDone {
                row: number,
                matter,
                steps,
                already: false,
            }),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(Ok(done))
    } else {
        errors.sort_by_key(|e| e.row);
        Ok(Err(errors))
    }
}

enum Row {
    Matter(Box<MatterRow>),
    Step(Box<StepRow>),
}

impl Row {
    fn number(&self) -> usize {
        match self {
            Row::Matter(m) => m.row,
            Row::Step(s) => s.row,
        }
    }
}

/// A row's source key (its `source_id`, else the SHA-256 of the values it gives) and the SHA-256 of
/// those values, which tells the same row from one changed since. Only the columns iro reads count, so a
/// column it passes over, edited since, changes neither.
fn source_key(cells: &Cells, shape: Shape) -> (String, String) {
    let names = match shape {
        Shape::Matters => MATTER_NAMES,
        Shape::Steps => STEP_NAMES,
    };
    let values: Vec<(&str, &str)> = names
        .iter()
        .filter(|c| **c != "source_id")
        .filter_map(|c| Some((*c, cells.raw(c)?)))
        .collect();
    let canonical = serde_json::to_string(&values).unwrap_or_default();
    let values = digest(canonical.as_bytes());
    let key = match cells.raw("source_id") {
        Some(id) => format!("{}:id:{id}", shape.word()),
        None => format!("{}:sha256:{values}", shape.word()),
    };
    (key, values)
}

/// The directory's staff, found as a tracker names them.
struct People<'a> {
    staff: &'a [Staff],
}

impl People<'_> {
    /// A member of staff by id, login or exact name (case aside); an ambiguous name is refused.
    fn find(&self, written: &str) -> Result<Staff, String> {
        if let Some(s) = self.staff.iter().find(|s| s.id == written) {
            return Ok(s.clone());
        }
        if let Some(s) = self
            .staff
            .iter()
            .find(|s| s.login.as_deref() == Some(written))
        {
            return Ok(s.clone());
        }
        let named: Vec<&Staff> = self
            .staff
            .iter()
            .filter(|s| s.name.trim().eq_ignore_ascii_case(written.trim()))
            .collect();
        match named.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(format!(
                "no member of staff with the id, login or name '{written}' (see `iro staff list`)"
            )),
            many => Err(format!(
                "'{written}' is the name of {}: give the id",
                many.iter()
                    .map(|s| s.id.as_str())
                    .collect::<Vec<_>>()
                    .join(" and ")
            )),
        }
    }
}

/// A matter sheet's row, read and checked cell by cell.
struct MatterRow {
    row: usize,
    child: Child,
    iro: Option<Staff>,
    category: String,
    summary: String,
    raised_on: NaiveDate,
    /// QAP actions: text, owner (none: the social worker), due, done on.
    actions: Vec<(String, Option<Staff>, NaiveDate, Option<NaiveDate>)>,
    challenge: Option<(NaiveDate, String)>,
    stages: Vec<(Stage, NaiveDate, &'static str)>,
    stage_reason: Option<String>,
    cafcass: Option<(NaiveDate, String, bool)>,
    resolution: Option<(String, NaiveDate, Option<Staff>)>,
}

fn yes_no(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "1" => Ok(true),
        "no" | "n" | "false" | "0" => Ok(false),
        _ => Err(format!("'{text}' is not yes or no")),
    }
}

/// Every cell of a row checked, each whether or not another failed, so one pass names every error.
fn read_matter(
    cells: &mut Cells,
    tx: &Tx,
    setting: &Setting,
    people: &People,
    dates: DateOrder,
) -> Option<MatterRow> {
    let date =
        |cells: &mut Cells, column: &'static str| cells.parsed(column, |t| parse_date_as(t, dates));
    let person = |cells: &mut Cells, column: &'static str| cells.parsed(column, |t| people.find(t));
    let child =
        cells
            .required("child", parse_id)
            .and_then(|reference| match tx.child(&reference) {
                Ok(Some(child)) => Some(child),
                Ok(None) => {
                    cells.fail(
                        "child",
                        format!("no child '{reference}' (see `iro child list`)"),
                    );
                    None
                }
                Err(e) => {
                    cells.fail("child", e.to_string());
                    None
                }
            });
    let iro = person(cells, "iro");
    let category = cells.required("category", |t| {
        setting
            .policy
            .category_named(t)
            .map(str::to_string)
            .ok_or_else(|| {
                format!(
                    "'{t}' is not one of this service's categories ({}), nor an alias of one in the policy's [category_aliases]",
                    setting.policy.categories.join(", ")
                )
            })
    });
    let summary = cells.required("summary", parse_text);
    let raised_on = match cells.raw("raised_on") {
        None => {
            cells.fail("raised_on", "is empty; every row needs it");
            None
        }
        Some(_) => date(cells, "raised_on"),
    };
    let mut actions = Vec::new();
    for [text, owner, due, done] in ACTION_COLUMNS {
        let given = [text, owner, due, done].map(|c| cells.raw(c).is_some());
        let (t, o, d, f) = (
            cells.parsed(text, parse_text),
            person(cells, owner),
            date(cells, due),
            date(cells, done),
        );
        if !given[0] {
            if given[1..].iter().any(|g| *g) {
                cells.fail(
                    text,
                    "an owner, due date or completion is given but no action",
                );
            }
            continue;
        }
        if !given[2] {
            cells.fail(due, "a QAP action needs its due date");
        }
        if let (Some(t), Some(d)) = (t, d) {
            actions.push((t, o, d, f));
        }
    }
    let challenged_on = date(cells, "challenged_on");
    let challenge_reason = cells.parsed("challenge_reason", parse_text);
    let challenge = match (challenged_on, cells.raw("challenged_on"), challenge_reason) {
        (Some(on), _, Some(reason)) => Some((on, reason)),
        (Some(_), _, None) if cells.raw("challenge_reason").is_none() => {
            cells.fail(
                "challenge_reason",
                "a challenge is given without its reason",
            );
            None
        }
        (None, None, Some(_)) => {
            cells.fail(
                "challenged_on",
                "a challenge reason is given without the day it was made",
            );
            None
        }
        _ => None,
    };
    let mut stages = Vec::new();
    for (stage, column) in [
        (Stage::One, "stage_1_on"),
        (Stage::Two, "stage_2_on"),
        (Stage::Three, "stage_3_on"),
    ] {
        if let Some(on) = date(cells, column) {
            stages.push((stage, on, column));
        }
    }
    let stage_reason = cells.parsed("stage_reason", parse_text);
    if stage_reason.is_some() && stages.is_empty() && !stage_dates_given(cells) {
        cells.fail(
            "stage_reason",
            "a stage reason is given but no stage's date",
        );
    }
    let referred_on = date(cells, "cafcass_referred_on");
    let cafcass_reason = cells.parsed("cafcass_reason", parse_text);
    let formal = cells.parsed("cafcass_formal", yes_no);
    let cafcass = match referred_on {
        Some(on) => Some((
            on,
            cafcass_reason.unwrap_or_else(|| {
                "Referred to CAFCASS (recorded in the service's tracker)".into()
            }),
            formal.unwrap_or(false),
        )),
        None if cells.raw("cafcass_referred_on").is_none() => {
            for column in ["cafcass_reason", "cafcass_formal"] {
                if cells.raw(column).is_some() {
                    cells.fail(
                        column,
                        "is given but not the day of the referral (cafcass_referred_on)",
                    );
                }
            }
            None
        }
        None => None,
    };
    let outcome = cells.parsed("outcome", parse_text);
    let resolved_on = date(cells, "resolved_on");
    let resolved_by = person(cells, "resolved_by");
    let resolution = match (outcome, resolved_on) {
        (Some(outcome), Some(on)) => Some((outcome, on, resolved_by)),
        (Some(_), None) if cells.raw("resolved_on").is_none() => {
            cells.fail(
                "resolved_on",
                "an outcome is given but not the day it was resolved",
            );
            None
        }
        (None, Some(_)) if cells.raw("outcome").is_none() => {
            cells.fail("outcome", "a resolution date is given but no outcome");
            None
        }
        (None, None) if cells.raw("resolved_by").is_some() && cells.raw("outcome").is_none() => {
            cells.fail("resolved_by", "is given but no outcome or resolution date");
            None
        }
        _ => None,
    };
    if actions.is_empty()
        && stages.is_empty()
        && cells.raw("action").is_none()
        && !stage_dates_given(cells)
    {
        cells.fail(
            "action",
            "the row has neither a QAP action nor a stage: nothing to record",
        );
    }
    if cells.failed() {
        return None;
    }
    Some(MatterRow {
        row: cells.row,
        child: child?,
        iro,
        category: category?,
        summary: summary?,
        raised_on: raised_on?,
        actions,
        challenge,
        stages,
        stage_reason,
        cafcass,
        resolution,
    })
}

fn stage_dates_given(cells: &Cells) -> bool {
    ["stage_1_on", "stage_2_on", "stage_3_on"]
        .iter()
        .any(|c| cells.raw(c).is_some())
}

/// A step on a matter that exists, as a steps sheet gives it.
struct StepRow {
    row: usize,
    /// The matter: its id, or the source id of the matter sheet's row that opened it.
    matter: String,
    on: NaiveDate,
    by: Option<Staff>,
    step: PlannedStep,
}

enum PlannedStep {
    Actions(Vec<NewAction<'static>>),
    Challenge(String),
    Extension {
        seq: u32,
        due: NaiveDate,
        agreed_by: Staff,
        reason: String,
    },
    Completed {
        seq: u32,
        note: Option<String>,
    },
    Note(String),
    Meeting {
        chair: Staff,
        attendees: Vec<Staff>,
        actions: Vec<NewAction<'static>>,
    },
}

const STEP_WORDS: &str = "action, challenge, extension, completed, note, meeting";

fn read_step(cells: &mut Cells, tx: &Tx, people: &People, dates: DateOrder) -> Option<StepRow> {
    let date =
        |cells: &mut Cells, column: &'static str| cells.parsed(column, |t| parse_date_as(t, dates));
    let person = |cells: &mut Cells, column: &'static str| cells.parsed(column, |t| people.find(t));
    let matter = cells.required("matter", |t| Ok::<_, String>(t.to_string()));
    let matter = matter.and_then(|written| match tx.matter(&written.to_ascii_uppercase()) {
        Ok(Some(m)) => Some(m.id),
        Ok(None) => match tx.imported_as(&format!("matter:id:{written}")) {
            Ok(Some(id)) => Some(id),
            Ok(None) => {
                cells.fail(
                    "matter",
                    format!("no matter '{written}', nor a matter sheet's row with that source_id imported"),
                );
                None
            }
            Err(e) => {
                cells.fail("matter", e.to_string());
                None
            }
        },
        Err(e) => {
            cells.fail("matter", e.to_string());
            None
        }
    });
    let kind = cells.required("step", |t| {
        let t = t.to_ascii_lowercase();
        match t.as_str() {
            "action" | "actions" | "challenge" | "extension" | "completed" | "note" | "meeting" => {
                Ok(t)
            }
            _ => Err(format!(
                "'{t}' is not a step iro imports: one of {STEP_WORDS}"
            )),
        }
    });
    let on = match cells.raw("on") {
        None => {
            cells.fail("on", "is empty; every row needs it");
            None
        }
        Some(_) => date(cells, "on"),
    };
    let by = person(cells, "by");
    let seq = cells.parsed("action", |t| {
        t.parse::<u32>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| format!("'{t}' is not an action's number"))
    });
    let action_text = cells.parsed("action_text", parse_text);
    let owner = person(cells, "owner");
    let due = date(cells, "due");
    let agreed_by = person(cells, "agreed_by");
    let reason = cells.parsed("reason", parse_text);
    let text = cells.parsed("text", parse_text);
    let chair = person(cells, "chair");
    let attendees: Vec<Staff> = match cells.raw("attendees").map(str::to_string) {
        None => Vec::new(),
        Some(list) => {
            let mut found = Vec::new();
            for written in list
                .split([';', ','])
                .map(str::trim)
                .filter(|w| !w.is_empty())
            {
                match people.find(written) {
                    Ok(s) => found.push(s),
                    Err(e) => cells.fail("attendees", e),
                }
            }
            found
        }
    };
    let new_action = |cells: &mut Cells| -> Vec<NewAction> {
        match (&action_text, &owner, due) {
            (Some(t), Some(o), Some(d)) => vec![NewAction {
                text: t.clone(),
                owner: Cow::Owned(o.clone()),
                due: Timescale::By(d),
            }],
            (None, None, None) => Vec::new(),
            _ => {
                for (column, given) in [
                    ("action_text", cells.raw("action_text").is_some()),
                    ("owner", cells.raw("owner").is_some()),
                    ("due", cells.raw("due").is_some()),
                ] {
                    if !given {
                        cells.fail(column, "a new action needs its text, owner and due date");
                    }
                }
                Vec::new()
            }
        }
    };
    let needs = |cells: &mut Cells, column: &'static str, present: bool, what: &str| {
        if !present && cells.raw(column).is_none() {
            cells.fail(column, format!("a{what} needs it"));
        }
    };
    let step = match kind.as_deref() {
        Some("action" | "actions") => {
            let actions = new_action(cells);
            if actions.is_empty() && cells.raw("action_text").is_none() {
                cells.fail(
                    "action_text",
                    "an action step needs the action's text, owner and due date",
                );
            }
            Some(PlannedStep::Actions(actions))
        }
        Some("challenge") => {
            needs(cells, "reason", reason.is_some(), " challenge");
            reason.clone().map(PlannedStep::Challenge)
        }
        Some("extension") => {
            needs(cells, "action", seq.is_some(), "n extension");
            needs(cells, "due", due.is_some(), "n extension");
            needs(cells, "agreed_by", agreed_by.is_some(), "n extension");
            needs(cells, "reason", reason.is_some(), "n extension");
            match (seq, due, agreed_by.clone(), reason.clone()) {
                (Some(seq), Some(due), Some(agreed_by), Some(reason)) => {
                    Some(PlannedStep::Extension {
                        seq,
                        due,
                        agreed_by,
                        reason,
                    })
                }
                _ => None,
            }
        }
        Some("completed") => {
            needs(cells, "action", seq.is_some(), " completed action");
            seq.map(|seq| PlannedStep::Completed {
                seq,
                note: text.clone(),
            })
        }
        Some("note") => {
            needs(cells, "text", text.is_some(), " note");
            text.clone().map(PlannedStep::Note)
        }
        Some("meeting") => {
            needs(cells, "chair", chair.is_some(), " meeting");
            let actions = new_action(cells);
            chair.clone().map(|chair| PlannedStep::Meeting {
                chair,
                attendees: attendees.clone(),
                actions,
            })
        }
        _ => None,
    };
    if cells.failed() {
        return None;
    }
    Some(StepRow {
        row: cells.row,
        matter: matter?,
        on: on?,
        by,
        step: step?,
    })
}

/// Takes a matter row's steps in date order; gives the matter's id and how many steps it took.
fn import_matter(
    tx: &Tx,
    setting: &Setting,
    entry: &MatterRow,
) -> Result<(String, usize), RowError> {
    let row = entry.row;
    let fail = |column: &'static str, e: anyhow::Error| RowError::from_error(row, column, &e);
    let child = &entry.child;
    let iro = entry
        .iro
        .as_ref()
        .map_or_else(|| child.iro.clone(), |s| s.id.clone());
    let concern = Concern {
        category: entry.category.clone(),
        summary: entry.summary.clone(),
    };
    let mut stages = entry.stages.clone();
    stages.sort_by_key(|(_, on, _)| *on);
    let mut taken = 0;
    // Opening: the QAP on the day raised, or straight into EPCP/DRP at the first stage.
    let opened = if entry.actions.is_empty() {
        let (stage, on, column) = stages[0];
        if on != entry.raised_on {
            return Err(RowError::new(
                row,
                "raised_on",
                format!(
                    "a matter without a QAP action is raised when it enters EPCP/DRP: raised_on {} is not {column} {on}",
                    entry.raised_on
                ),
            ));
        }
        stages.remove(0);
        let opening = Opening::EnterDrp {
            concern,
            stage,
            reason: entry.stage_reason.clone().filter(|_| stage != Stage::FIRST),
        };
        open(tx, setting, &iro, child, on, opening).map_err(|e| fail(column, e))?
    } else {
        let mut actions = Vec::new();
        for (text, owner, due, _) in &entry.actions {
            let owner = match owner {
                Some(owner) => owner.clone(),
                None => super::find_staff(tx, &child.social_worker)
                    .map_err(|e| fail("action_owner", e))?,
            };
            actions.push(NewAction {
                text: text.clone(),
                owner: Cow::Owned(owner),
                due: Timescale::By(*due),
            });
        }
        let opening = Opening::RaiseQap { concern, actions };
        open(tx, setting, &iro, child, entry.raised_on, opening)
            .map_err(|e| fail("raised_on", e))?
    };
    taken += 1;
    let mut matter = opened;

    // Then every later step, in the order of its date (on one day: a challenge, completions, a stage,
    // a referral, a resolution).
    let mut planned: Vec<(NaiveDate, u8, Planned, &'static str)> = stages
        .iter()
        .map(|(stage, on, column)| (*on, 2, Planned::Stage(*stage), *column))
        .collect();
    if let Some((on, reason)) = &entry.challenge {
        planned.push((*on, 0, Planned::Challenge(reason), "challenged_on"));
    }
    for ((_, _, _, done), (seq, [_, _, _, column])) in
        entry.actions.iter().zip((1u32..).zip(ACTION_COLUMNS))
    {
        if let Some(on) = done {
            planned.push((*on, 1, Planned::Completed(seq), column));
        }
    }
    if let Some(cafcass) = &entry.cafcass {
        planned.push((
            cafcass.0,
            3,
            Planned::Cafcass(cafcass),
            "cafcass_referred_on",
        ));
    }
    if let Some(resolution) = &entry.resolution {
        planned.push((resolution.1, 4, Planned::Resolve(resolution), "resolved_on"));
    }
    planned.sort_by_key(|(on, order, _, _)| (*on, *order));
    for (on, _, step, column) in planned {
        let (actor, request) = match step {
            Planned::Stage(stage) => {
                let goes_up_by_one = match matter.stage {
                    Some(now) => now.next() == Some(stage),
                    None => stage == Stage::FIRST,
                };
                (
                    iro.clone(),
                    Request::Escalate {
                        stage,
                        reason: entry.stage_reason.clone().filter(|_| !goes_up_by_one),
                    },
                )
            }
            Planned::Challenge(reason) => (
                child.team_manager.clone(),
                Request::Challenge {
                    reason: reason.clone(),
                },
            ),
            Planned::Completed(seq) => (iro.clone(), Request::CompleteAction { seq, note: None }),
            Planned::Cafcass((_, reason, formal)) => (
                iro.clone(),
                Request::ReferCafcass {
                    reason: reason.clone(),
                    formal: *formal,
                },
            ),
            Planned::Resolve((outcome, _, resolved_by)) => {
                if matter.state == MatterState::Qap {
                    (
                        iro.clone(),
                        Request::Resolve {
                            outcome: outcome.clone(),
                            resolved_by: None,
                        },
                    )
                } else {
                    let by = match resolved_by {
                        Some(by) => by.clone(),
                        None => {
                            let id = resolving_manager(child, &setting.policy, matter.stage)
                                .ok_or_else(|| {
                                    RowError::new(
                                        row,
                                        "resolved_by",
                                        "is empty, and the child's allocation names no manager of the role that resolves this stage",
                                    )
                                })?;
                            super::find_staff(tx, &id).map_err(|e| fail("resolved_by", e))?
                        }
                    };
                    (
                        child.iro_team_manager.clone(),
                        Request::Resolve {
                            outcome: outcome.clone(),
                            resolved_by: Some(by),
                        },
                    )
                }
            }
        };
        let asked = Asked::On {
            matter: matter.id.clone(),
            request,
        };
        matter = step_in(tx, setting, &actor, Some(on), |_| Ok(asked))
            .map_err(|e| fail(column, e))?
            .matter;
        taken += 1;
    }
    Ok((matter.id, taken))
}

fn open(
    tx: &Tx,
    setting: &Setting,
    iro: &str,
    child: &Child,
    on: NaiveDate,
    opening: Opening<'static>,
) -> anyhow::Result<crate::model::Matter> {
    let asked = Asked::Open {
        child: child.reference.clone(),
        opening,
    };
    Ok(step_in(tx, setting, iro, Some(on), |_| Ok(asked))?.matter)
}

/// A later step of a matter row: what it is, and the column its date sits in.
enum Planned<'a> {
    Stage(Stage),
    Challenge(&'a String),
    Completed(u32),
    Cafcass(&'a (NaiveDate, String, bool)),
    Resolve(&'a (String, NaiveDate, Option<Staff>)),
}

/// Takes a steps sheet's row: by whom the row names, else the child's IRO (a challenge: the child's
/// team manager).
fn import_step(tx: &Tx, setting: &Setting, entry: &StepRow) -> Result<(String, usize), RowError> {
    let row = entry.row;
    let fail = |column: &'static str, e: anyhow::Error| RowError::from_error(row, column, &e);
    let matter = super::find_matter(tx, &entry.matter).map_err(|e| fail("matter", e))?;
    let child = super::child_on(tx, &matter.child, entry.on).map_err(|e| fail("matter", e))?;
    let (default_by, request) = match &entry.step {
        PlannedStep::Actions(actions) => (
            child.iro.clone(),
            Request::AddActions {
                actions: actions.clone(),
            },
        ),
        PlannedStep::Challenge(reason) => (
            child.team_manager.clone(),
            Request::Challenge {
                reason: reason.clone(),
            },
        ),
        PlannedStep::Extension {
            seq,
            due,
            agreed_by,
            reason,
        } => (
            child.iro.clone(),
            Request::Extend {
                seq: *seq,
                due: Timescale::By(*due),
                agreed_by: agreed_by.clone(),
                reason: reason.clone(),
            },
        ),
        PlannedStep::Completed { seq, note } => (
            child.iro.clone(),
            Request::CompleteAction {
                seq: *seq,
                note: note.clone(),
            },
        ),
        PlannedStep::Note(text) => (
            child.iro.clone(),
            Request::Note {
                text: text.clone(),
                supervision: false,
            },
        ),
        PlannedStep::Meeting {
            chair,
            attendees,
            actions,
        } => (
            chair.id.clone(),
            Request::Meeting {
                chair: chair.clone(),
                attendees: attendees.clone(),
                actions: actions.clone(),
            },
        ),
    };
    let by = entry.by.as_ref().map_or(default_by, |s| s.id.clone());
    let asked = Asked::On {
        matter: matter.id.clone(),
        request,
    };
    let taken =
        step_in(tx, setting, &by, Some(entry.on), |_| Ok(asked)).map_err(|e| fail("on", e))?;
    Ok((taken.matter.id, 1))
}

/// The manager in the child's allocation whose role resolves a matter at this stage, if any.
fn resolving_manager(
    child: &Child,
    policy: &crate::engine::Policy,
    stage: Option<Stage>,
) -> Option<String> {
    match policy.resolving_role(stage?) {
        Role::TeamManager => Some(child.team_manager.clone()),
        Role::ServiceManager => Some(child.service_manager.clone()),
        Role::PracticeSupervisor => child.practice_supervisor.clone(),
        _ => None,
    }
}
