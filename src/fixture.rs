//! The test service's directory, shared by every unit test: the same staff and children the black-box
//! tests add (`tests/fixtures/staff.csv` and `children.csv`), so one cast plays every test.

use crate::model::{Child, Staff};

const STAFF: &str = include_str!("../tests/fixtures/staff.csv");
const CHILDREN: &str = include_str!("../tests/fixtures/children.csv");

fn rows(text: &str) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("a fixture row"))
        .collect()
}

/// Every member of staff.
pub fn staff() -> Vec<Staff> {
    rows(STAFF)
        .iter()
        .map(|r| Staff {
            id: r[0].to_string(),
            name: r[1].to_string(),
            role: r[2].parse().expect("a role"),
            email: r[3].to_string(),
            team: Some(r[4].to_string()),
            login: None,
            left_on: None,
        })
        .collect()
}

/// One member of staff by id.
pub fn person(id: &str) -> Staff {
    staff()
        .into_iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("no {id} in the test directory"))
}

/// Every child.
pub fn children() -> Vec<Child> {
    rows(CHILDREN)
        .iter()
        .map(|r| {
            let given = |i: usize| Some(r[i].to_string()).filter(|v| !v.is_empty());
            Child {
                reference: r[0].to_string(),
                name: r[1].to_string(),
                team: r[2].to_string(),
                social_worker: r[3].to_string(),
                practice_supervisor: given(4),
                team_manager: r[5].to_string(),
                service_manager: r[6].to_string(),
                assistant_director: None,
                iro: r[7].to_string(),
                iro_team_manager: r[8].to_string(),
                ceased_on: None,
                cease_reason: None,
            }
        })
        .collect()
}

/// The child most tests are about: LCS-104233.
pub fn child() -> Child {
    children().remove(0)
}

/// The moment the tests record things at.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    chrono::Utc
        .with_ymd_and_hms(2026, 11, 26, 9, 30, 0)
        .single()
        .expect("a time")
}

/// The day the test directory took effect: before every step a test takes.
pub fn joined() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("a date")
}
