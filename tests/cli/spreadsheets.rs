//! `--format xlsx`: workbooks opened by a real reader (calamine), with names in any alphabet, dates as
//! dates, counts as numbers, typed text never a formula, and the header row frozen.

use calamine::{Data, DataType, Reader, Xlsx};

use crate::common::Service;

fn workbook(bytes: Vec<u8>) -> Xlsx<std::io::Cursor<Vec<u8>>> {
    Xlsx::new(std::io::Cursor::new(bytes)).expect("a workbook a reader opens")
}

fn bytes(service: &Service, args: &[&str]) -> Vec<u8> {
    let output = service.iro().args(args).output().expect("run iro");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// The one sheet's rows as the reader gives them.
fn rows(bytes: Vec<u8>) -> (String, Vec<Vec<Data>>) {
    let mut book = workbook(bytes);
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).expect("the sheet");
    (name, range.rows().map(|r| r.to_vec()).collect())
}

fn column(rows: &[Vec<Data>], name: &str) -> usize {
    rows[0]
        .iter()
        .position(|c| c == &Data::String(name.into()))
        .unwrap_or_else(|| panic!("a column {name}: {:?}", rows[0]))
}

#[test]
fn names_in_any_alphabet_dates_and_counts_survive_a_round_trip() {
    let service = Service::new();
    service.ok(&[
        "child",
        "add",
        "LCS-300003",
        "--name",
        "Zoë Łukasz-Ávila",
        "--team",
        "North",
        "--social-worker",
        "bking",
        "--team-manager",
        "tgreen",
        "--service-manager",
        "mblack",
        "--iro",
        "asmith",
        "--iro-team-manager",
        "jwhite",
        "--on",
        "2026-01-05",
    ]);
    let m = service
        .ok(&[
            "--as",
            "asmith",
            "raise-qap",
            "LCS-300003",
            "--category",
            "permanence",
            "--summary",
            "=HYPERLINK(\"http://x\") Zoë's plan",
            "--action",
            "Visit",
            "--owner",
            "bking",
            "--within",
            "5",
            "--on",
            "2026-11-02",
        ])
        .trim()
        .to_string();

    let (name, children) = rows(bytes(&service, &["child", "list", "--format", "xlsx"]));
    assert_eq!(name, "children");
    let names = column(&children, "name");
    assert!(
        children
            .iter()
            .any(|r| r[names] == Data::String("Zoë Łukasz-Ávila".into())),
        "{children:?}"
    );

    // The overdue report: the due date a date, the working days overdue a number.
    let (name, overdue) = rows(bytes(&service, &["report", "overdue", "--format", "xlsx"]));
    assert_eq!(name, "overdue");
    let row = overdue
        .iter()
        .find(|r| r[column(&overdue, "matter")] == Data::String(m.clone()))
        .expect("the matter's row");
    let due = &row[column(&overdue, "due")];
    assert!(matches!(due, Data::DateTime(_)), "a date: {due:?}");
    assert_eq!(due.as_date(), "2026-11-09".parse().ok(), "{due:?}");
    assert_eq!(
        row[column(&overdue, "overdue")],
        Data::Bool(true),
        "{row:?}"
    );
    let days = &row[column(&overdue, "working_days_overdue")];
    assert_eq!(days, &Data::Float(13.0), "{row:?}");

    // Typed text that looks like a formula stays text: no cell of the workbook is a formula.
    let export = bytes(&service, &["export", "matters", "--format", "xlsx"]);
    let (name, matters) = rows(export.clone());
    assert_eq!(name, "matters");
    let summary = column(&matters, "summary");
    assert!(
        matters
            .iter()
            .any(|r| r[summary] == Data::String("=HYPERLINK(\"http://x\") Zoë's plan".into())),
        "{matters:?}"
    );
    let mut book = workbook(export.clone());
    let formulas = book.worksheet_formula("matters").expect("formulas");
    assert!(
        formulas.cells().all(|(_, _, f)| f.is_empty()),
        "a formula in the sheet"
    );

    // The header row is frozen (a pane below row 1), and the columns are sized.
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(export)).expect("a zip");
    let mut xml = String::new();
    std::io::Read::read_to_string(
        &mut archive
            .by_name("xl/worksheets/sheet1.xml")
            .expect("the sheet's XML"),
        &mut xml,
    )
    .expect("XML");
    assert!(
        xml.contains(r#"ySplit="1""#) && xml.contains(r#"state="frozen""#),
        "{xml}"
    );
    assert!(xml.contains("<col "), "columns sized: {xml}");
}

#[test]
fn the_figures_are_a_workbook_too_with_every_group() {
    let service = Service::new();
    service.raise_qap("asmith", "LCS-104233", Some("2026-11-02"));
    let (name, stats) = rows(bytes(
        &service,
        &[
            "report",
            "stats",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--format",
            "xlsx",
        ],
    ));
    assert_eq!(name, "stats");
    let csv = service.ok(&[
        "report",
        "stats",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--format",
        "csv",
    ]);
    // The same rows and columns as the CSV, and the same figures.
    assert_eq!(stats.len(), csv.lines().count());
    let raised = column(&stats, "qap_raised");
    assert_eq!(stats[1][0], Data::String("all".into()));
    assert_eq!(stats[1][raised], Data::Float(1.0));
    let month = stats
        .iter()
        .find(|r| r[0] == Data::String("month".into()))
        .expect("a month row");
    // A month is a label, not a date or a sum.
    assert_eq!(month[1], Data::String("2026-11".into()));
    // Every row says which period it is of, as dates.
    let (from, to) = (column(&stats, "from"), column(&stats, "to"));
    for row in &stats[1..] {
        // A date cell, not a text that reads as one.
        assert!(
            matches!(
                (&row[from], &row[to]),
                (Data::DateTime(_), Data::DateTime(_))
            ),
            "{row:?}"
        );
        assert_eq!(row[from].as_date(), "2026-11-01".parse().ok(), "{row:?}");
        assert_eq!(row[to].as_date(), "2026-11-30".parse().ok(), "{row:?}");
    }
}
