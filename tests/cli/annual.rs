//! `report annual`: the figures of the scripted autumn (see `stats`) drawn and written, checked against
//! `report stats` for the same period, every chart well-formed with one mark per data point, and nothing
//! in it that names a child or reaches outside the file.

use std::path::Path;

use serde_json::Value;

/// The series colours the charts draw marks in (`render::charts::PALETTE` and `LINE`).
const COLOURS: [&str; 4] = ["#4E79A7", "#F28E2B", "#E15759", "#59A14F"];

fn marks(svg: &str) -> usize {
    svg.lines()
        .filter(|l| l.starts_with("<rect") || l.starts_with("<circle"))
        .filter(|l| COLOURS.iter().any(|c| l.contains(&format!("fill=\"{c}\""))))
        .count()
}

fn well_formed(svg: &str) {
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut depth = 0i32;
    loop {
        match reader.read_event().expect("well-formed SVG") {
            quick_xml::events::Event::Start(_) => depth += 1,
            quick_xml::events::Event::End(_) => depth -= 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "every element closed");
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The headline table of the HTML: each row's label and its two figures.
fn headline(html: &str) -> Vec<(String, String, String)> {
    let table = html
        .split("<h2>Headline figures</h2>")
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .expect("the headline table");
    table
        .split("<tr>")
        .skip(2)
        .map(|row| {
            let cells: Vec<String> = row
                .split("<td>")
                .skip(1)
                .map(|c| c.split("</td>").next().unwrap_or_default().to_string())
                .collect();
            (cells[0].clone(), cells[1].clone(), cells[2].clone())
        })
        .collect()
}

#[test]
fn the_annual_report_is_the_stats_drawn_and_names_no_child() {
    let service = crate::stats::autumn();
    let out = service.dir.path().join("annual");
    let args = [
        "report",
        "annual",
        "--from",
        "2026-10-01",
        "--to",
        "2026-11-30",
        "--out",
        out.to_str().expect("a path"),
    ];
    service.ok(&args);
    let stats = |from: &str, to: &str| -> Value {
        serde_json::from_str(&service.ok(&[
            "report", "stats", "--from", from, "--to", to, "--format", "json",
        ]))
        .expect("json")
    };
    let now = stats("2026-10-01", "2026-11-30");

    // The CSV is report stats's own rows, by category, team and month.
    let csv = service.ok(&[
        "report",
        "stats",
        "--from",
        "2026-10-01",
        "--to",
        "2026-11-30",
        "--format",
        "csv",
    ]);
    let expected: Vec<&str> = csv
        .lines()
        .filter(|l| {
            ["breakdown,", "all,", "category,", "team,", "month,"]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .collect();
    assert_eq!(
        read(&out, "figures.csv").lines().collect::<Vec<_>>(),
        expected
    );

    // Every headline figure is the JSON's, for this period and the one before.
    let html = read(&out, "annual.html");
    let path = |label: &str| -> &'static [&'static str] {
        match label {
            "Concerns raised" => &["concerns", "raised"],
            "Settled at consultation" => &["consultation", "settled"],
            "Resolved as a QAP" => &["qap", "resolved"],
            "Resolved at EPCP/DRP stage 1" => &["drp", "resolved", "stage_1"],
            "Resolved at EPCP/DRP stage 2" => &["drp", "resolved", "stage_2"],
            "Resolved at EPCP/DRP stage 3" => &["drp", "resolved", "stage_3"],
            "Closed by CAFCASS&#x27;s decision" | "Closed by CAFCASS's decision" => {
                &["cafcass", "closed"]
            }
            "Reached stage 1" => &["drp", "reached", "stage_1"],
            "Reached stage 2" => &["drp", "reached", "stage_2"],
            "Reached stage 3" => &["drp", "reached", "stage_3"],
            "EPCP/DRP resolved within timescale" => &["drp", "resolved_within_timescale"],
            "as a share of those resolved (%)" => &["drp", "resolved_within_timescale_percent"],
            "Working days to resolution, median" => {
                &["drp", "working_days_to_resolution", "median"]
            }
            "Working days to resolution, 90th percentile" => {
                &["drp", "working_days_to_resolution", "p90"]
            }
            "CAFCASS referrals, concurrent" => &["cafcass", "referrals", "concurrent"],
            "CAFCASS referrals, formal" => &["cafcass", "referrals", "formal"],
            "CAFCASS decisions, criteria met" => &["cafcass", "decisions", "criteria_met"],
            "CAFCASS decisions, criteria not met" => &["cafcass", "decisions", "criteria_not_met"],
            "Challenges by team managers" => &["challenges", "made"],
            "Extensions agreed" => &["extensions", "agreed"],
            other => panic!("a headline figure the test does not know: {other}"),
        }
    };
    let figure = |stats: &Value, keys: &[&str]| -> String {
        let mut v = &stats["totals"];
        for k in keys {
            v = &v[*k];
        }
        match v {
            Value::Null => "–".to_string(),
            Value::Number(n) if n.is_f64() => format!("{:.1}", n.as_f64().expect("a number")),
            other => other.to_string(),
        }
    };
    let rows = headline(&html);
    assert_eq!(rows.len(), 20, "{rows:?}");
    for (label, this, previous) in &rows {
        assert_eq!(this, &figure(&now, path(label)), "{label}");
        // The same months a year before, when there was no record yet: no figures, not zeros.
        assert_eq!(previous, "–", "{label} before");
    }
    assert!(
        html.contains("2025-10-01 to 2025-11-30, before this record began"),
        "the previous period and why it has no figures"
    );

    // Each chart: a file, and inline in the page; well-formed; one mark per data point.
    let months = now["by_month"].as_object().expect("months").len();
    let resolved_months = now["by_month"]
        .as_object()
        .expect("months")
        .values()
        .filter(|m| !m["drp"]["resolved_within_timescale_percent"].is_null())
        .count();
    let categories = now["by_category"].as_object().expect("categories").len();
    let teams = now["by_team"].as_object().expect("teams").len();
    for (file, points) in [
        ("escalations-by-month.svg", months * 3),
        ("within-timescale-by-month.svg", resolved_months),
        ("working-days-to-resolution.svg", 7),
        ("concerns-by-category.svg", categories),
        ("concerns-by-team.svg", teams),
        ("where-settled.svg", 6),
    ] {
        let svg = read(&out, file);
        well_formed(&svg);
        assert_eq!(marks(&svg), points, "{file}");
    }
    let inline: Vec<&str> = html
        .split("<svg")
        .skip(1)
        .map(|s| s.split("</svg>").next().expect("closed"))
        .collect();
    assert_eq!(inline.len(), 6);
    for svg in &inline {
        well_formed(&format!("<svg{svg}</svg>"));
    }

    // Nothing runs, nothing is fetched, no child is named or referred to, in any file.
    for entry in std::fs::read_dir(&out).expect("the report") {
        let path = entry.expect("a file").path();
        let text = std::fs::read_to_string(&path).expect("text");
        let name = path.display();
        assert!(!text.contains("<script"), "{name}");
        assert!(
            !text.contains("http:") && !text.contains("https:")
                || name.to_string().ends_with(".svg"),
            "{name}"
        );
        for child in ["LCS-", "Sam Jones", "Ali Khan"] {
            assert!(!text.contains(child), "{child} in {name}");
        }
    }
    assert!(!html.contains("http:") && !html.contains("https:"));

    // Written once: a second run to the same place is refused, and leaves it as it was.
    let before_files = std::fs::read_dir(&out).expect("the report").count();
    service.fails(2, &args);
    assert_eq!(
        std::fs::read_dir(&out).expect("the report").count(),
        before_files
    );
}

#[test]
fn teams_can_be_named_by_letter() {
    let service = crate::stats::autumn();
    let out = service.dir.path().join("annual");
    service.ok(&[
        "report",
        "annual",
        "--from",
        "2026-10-01",
        "--to",
        "2026-11-30",
        "--out",
        out.to_str().expect("a path"),
        "--redact-teams",
    ]);
    for entry in std::fs::read_dir(&out).expect("the report") {
        let path = entry.expect("a file").path();
        let text = std::fs::read_to_string(&path).expect("text");
        assert!(!text.contains("North"), "{}", path.display());
    }
    assert!(read(&out, "figures.csv").contains("team,Team A,"));
    assert!(read(&out, "annual.html").contains("Team A"));
}
