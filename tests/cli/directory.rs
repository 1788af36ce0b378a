//! The directory as a dated history: leavers, reallocation, cover, children who leave care, and the
//! case-management extracts; each step read against the directory of its own day.

use serde_json::Value;

use crate::common::Service;

/// `outbox list --format json`, parsed.
fn outbox(service: &Service) -> Vec<Value> {
    let listed: Value =
        serde_json::from_str(&service.ok(&["outbox", "list", "--format", "json"])).expect("json");
    listed.as_array().expect("messages").clone()
}

/// The ids a message went to and was copied to, for the last message queued for `matter`.
fn last_told(service: &Service, matter: &str) -> (Vec<String>, Vec<String>) {
    let messages = outbox(service);
    let message = messages
        .iter()
        .rev()
        .find(|m| m["matter"] == matter)
        .unwrap_or_else(|| panic!("a message for {matter}"));
    let ids = |field: &str| -> Vec<String> {
        message[field]
            .as_array()
            .expect("recipients")
            .iter()
            .map(|r| r["id"].as_str().expect("id").to_string())
            .collect()
    };
    (ids("to"), ids("cc"))
}

fn strings(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// The matter ids in `report supervision --iro IRO --format json`.
fn caseload(service: &Service, iro: &str) -> Vec<String> {
    let report: Value = serde_json::from_str(&service.ok(&[
        "report",
        "supervision",
        "--iro",
        iro,
        "--format",
        "json",
    ]))
    .expect("json");
    let mut ids: Vec<String> = report
        .as_array()
        .expect("matters")
        .iter()
        .map(|m| m["matter"].as_str().expect("id").to_string())
        .collect();
    ids.sort();
    ids
}

fn add_staff(service: &Service, id: &str, role: &str, team: &str) {
    add_staff_on(service, id, role, team, &service.today);
}

fn add_staff_on(service: &Service, id: &str, role: &str, team: &str, on: &str) {
    service.ok(&[
        "staff",
        "add",
        id,
        "--name",
        &format!("Name of {id}"),
        "--role",
        role,
        "--email",
        &format!("{id}@example.gov.uk"),
        "--team",
        team,
        "--on",
        on,
    ]);
}

#[test]
fn a_month_of_people_changing_keeps_every_step_with_the_people_in_post_that_day() {
    let mut service = Service::new();
    service.today = "2026-11-02".into();
    add_staff(&service, "nworker", "social-worker", "North");
    add_staff(&service, "ssouth", "social-worker", "Children in Care 2");
    add_staff(&service, "msouth", "service-manager", "Children in Care 2");

    // Mon 2: a QAP, its action owned by the social worker.
    let first = service.raise_qap("asmith", "LCS-104233", None);
    assert_eq!(
        last_told(&service, &first),
        (strings(&["bking", "cdoe"]), strings(&["tgreen", "jwhite"]))
    );

    // Tue 3: the social worker leaves; her action and her children pass to her successor.
    service.today = "2026-11-03".into();
    let before = service.dump();
    let err = service.fails(3, &["staff", "leave", "bking", "--on", "2026-11-03"]);
    assert!(err.contains(&format!("{first} action 1")), "{err}");
    assert!(err.contains("LCS-104233 (social-worker)"), "{err}");
    assert!(err.contains("LCS-200001 (social-worker)"), "{err}");
    assert!(err.contains("--successor"), "{err}");
    assert_eq!(service.dump(), before, "a refused leaver changes nothing");
    service.ok(&[
        "staff",
        "leave",
        "bking",
        "--on",
        "2026-11-03",
        "--successor",
        "nworker",
    ]);
    assert_eq!(service.show(&first)["actions"][0]["owner"], "nworker");
    for child in ["LCS-104233", "LCS-200001"] {
        let shown: Value =
            serde_json::from_str(&service.ok(&["child", "show", child, "--format", "json"]))
                .expect("json");
        assert_eq!(shown["social_worker"], "nworker", "{child}");
    }

    // Wed 4: a new QAP cannot give an action to the leaver, and tells the successor.
    service.today = "2026-11-04".into();
    let err = service.refused(&[
        "--as",
        "asmith",
        "raise-qap",
        "LCS-200001",
        "--category",
        "contact",
        "--summary",
        "Contact not arranged",
        "--action",
        "Arrange contact",
        "--owner",
        "bking",
        "--within",
        "5",
    ]);
    assert!(err.contains("bking left on 2026-11-03"), "{err}");
    let second = service
        .ok(&[
            "--as",
            "asmith",
            "raise-qap",
            "LCS-200001",
            "--category",
            "contact",
            "--summary",
            "Contact not arranged",
            "--action",
            "Arrange contact",
            "--owner",
            "nworker",
            "--within",
            "5",
        ])
        .trim()
        .to_string();
    assert_eq!(
        last_told(&service, &second),
        (
            strings(&["nworker", "cdoe"]),
            strings(&["tgreen", "jwhite"])
        )
    );

    // Tue 10: the first matter enters EPCP/DRP; the North team manager is told.
    service.today = "2026-11-10".into();
    service.ok(&["--as", "asmith", "escalate", &first, "--stage", "1"]);
    assert_eq!(
        last_told(&service, &first),
        (strings(&["tgreen"]), strings(&["jwhite", "senior"]))
    );

    // Wed 11: the IRO and the team manager go on sick leave; colleagues cover 12 to 20 November.
    service.today = "2026-11-11".into();
    service.ok(&[
        "cover",
        "asmith",
        "--by",
        "pother",
        "--from",
        "2026-11-12",
        "--to",
        "2026-11-20",
        "--reason",
        "Sick leave",
    ]);
    service.ok(&[
        "cover",
        "tgreen",
        "--by",
        "tother",
        "--from",
        "2026-11-12",
        "--to",
        "2026-11-20",
    ]);
    assert!(caseload(&service, "pother").is_empty(), "not covering yet");

    // Thu 12: the cover's supervision view is the covered caseload.
    service.today = "2026-11-12".into();
    let mut both = vec![first.clone(), second.clone()];
    both.sort();
    assert_eq!(caseload(&service, "pother"), both);
    let listed: Value =
        serde_json::from_str(&service.ok(&["list", "--iro", "pother", "--format", "json"]))
            .expect("json");
    assert_eq!(listed.as_array().expect("rows").len(), 2);

    // Fri 13: the cover escalates the second matter; the team manager's cover is told in her place.
    service.today = "2026-11-13".into();
    service.ok(&["--as", "pother", "escalate", &second, "--stage", "1"]);
    assert_eq!(
        last_told(&service, &second),
        (strings(&["tother"]), strings(&["jwhite", "senior"]))
    );
    let messages = outbox(&service);
    let covering = &messages.last().expect("a message")["to"][0];
    assert_eq!(covering["covering_for"], "tgreen");

    // Mon 16: the first child moves team.
    service.today = "2026-11-16".into();
    service.ok(&[
        "child",
        "reallocate",
        "LCS-104233",
        "--team",
        "Children in Care 2",
        "--social-worker",
        "ssouth",
        "--no-practice-supervisor",
        "--team-manager",
        "tother",
        "--service-manager",
        "msouth",
        "--reason",
        "Moved to a placement in the south",
    ]);

    // Tue 17: stage 2 goes to the new team's managers, not the old ones.
    service.today = "2026-11-17".into();
    service.ok(&[
        "--as",
        "pother",
        "escalate",
        &first,
        "--stage",
        "2",
        "--reason",
        "No progress",
    ]);
    assert_eq!(
        last_told(&service, &first),
        (
            strings(&["msouth", "tother"]),
            strings(&["jwhite", "senior"])
        )
    );

    // Mon 23: the cover is over: the team manager is told herself, and the cover's view is empty.
    service.today = "2026-11-23".into();
    service.ok(&[
        "--as",
        "asmith",
        "escalate",
        &second,
        "--stage",
        "2",
        "--reason",
        "No progress",
    ]);
    assert_eq!(
        last_told(&service, &second),
        (
            strings(&["mblack", "tgreen"]),
            strings(&["jwhite", "senior"])
        )
    );
    assert!(caseload(&service, "pother").is_empty());
    assert_eq!(caseload(&service, "asmith"), both);

    // Tue 24: the second child leaves care; the open matter stays open and is named.
    service.today = "2026-11-24".into();
    let ceased = service
        .iro()
        .args([
            "child",
            "cease",
            "LCS-200001",
            "--on",
            "2026-11-24",
            "--reason",
            "Returned home",
        ])
        .output()
        .expect("run");
    assert!(ceased.status.success());
    let said = String::from_utf8_lossy(&ceased.stderr);
    assert!(said.contains(&second), "{said}");
    assert_eq!(service.show(&second)["state"], "drp");

    // Wed 25: no new matter for a child no longer looked after.
    service.today = "2026-11-25".into();
    let err = service.refused(&[
        "--as",
        "asmith",
        "raise-qap",
        "LCS-200001",
        "--category",
        "contact",
        "--summary",
        "Again",
        "--action",
        "Arrange contact",
        "--owner",
        "nworker",
        "--within",
        "5",
    ]);
    assert!(err.contains("2026-11-24"), "{err}");

    // The alert form of the first matter names who was told at each stage, as they were then.
    let form: Value =
        serde_json::from_str(&service.ok(&["report", "alert-form", &first, "--format", "json"]))
            .expect("json");
    let notified = form["notified"].as_array().expect("notified");
    let to = |i: usize| -> Vec<&str> {
        notified[i]["to"]
            .as_array()
            .expect("to")
            .iter()
            .map(|p| p["id"].as_str().expect("id"))
            .collect()
    };
    assert_eq!(to(0), ["tgreen"], "stage 1, before the move");
    assert_eq!(to(1), ["msouth", "tother"], "stage 2, after it");

    // Each change is in the history, and the record checks out.
    let history = service.ok(&["child", "show", "LCS-104233", "--history"]);
    for said in [
        "LCS-104233 reallocated: social-worker bking to nworker",
        "team North to Children in Care 2",
        "Moved to a placement in the south",
    ] {
        assert!(history.contains(said), "{said}: {history}");
    }
    let history = service.ok(&["staff", "show", "bking", "--history"]);
    assert!(
        history.contains("left; their work passed to nworker"),
        "{history}"
    );
    let history = service.ok(&["staff", "show", "pother", "--history"]);
    assert!(
        history.contains("pother covers for asmith from 2026-11-12 to 2026-11-20"),
        "{history}"
    );
    assert!(service.ok(&["audit", "verify"]).starts_with("ok "));
}

#[test]
fn a_leaver_with_nothing_held_needs_no_successor_and_cannot_be_allocated_after() {
    let service = Service::new();
    add_staff_on(&service, "temp", "social-worker", "North", "2026-11-02");
    service.ok(&[
        "staff",
        "leave",
        "temp",
        "--on",
        "2026-11-20",
        "--reason",
        "Contract ended",
    ]);
    let err = service.refused(&["staff", "leave", "temp", "--on", "2026-11-26"]);
    assert!(err.contains("temp left already, on 2026-11-20"), "{err}");
    let err = service.refused(&[
        "child",
        "reallocate",
        "LCS-104233",
        "--social-worker",
        "temp",
    ]);
    assert!(err.contains("temp left on 2026-11-20"), "{err}");
    let before = service.dump();
    let err = service.fails(
        4,
        &[
            "staff",
            "leave",
            "cdoe",
            "--on",
            "2026-11-26",
            "--successor",
            "nobody-here",
        ],
    );
    assert!(err.contains("nobody-here"), "{err}");
    assert_eq!(service.dump(), before);
    // A successor must be able to take each slot: a team manager cannot be a practice supervisor.
    let err = service.refused(&[
        "staff",
        "leave",
        "cdoe",
        "--on",
        "2026-11-26",
        "--successor",
        "tother",
    ]);
    assert!(err.contains("practice-supervisor"), "{err}");
}

#[test]
fn a_cover_must_be_in_order_and_by_someone_who_can_act_for_them() {
    let service = Service::new();
    for (args, says) in [
        (
            vec![
                "cover",
                "asmith",
                "--by",
                "pother",
                "--from",
                "2026-11-20",
                "--to",
                "2026-11-10",
            ],
            "2026-11-10 is before 2026-11-20",
        ),
        (
            vec!["cover", "asmith", "--by", "asmith", "--from", "2026-11-20"],
            "cannot cover for themselves",
        ),
        (
            vec!["cover", "asmith", "--by", "cdoe", "--from", "2026-11-20"],
            "cannot act for asmith",
        ),
        (
            vec!["cover", "tgreen", "--by", "bking", "--from", "2026-11-20"],
            "cannot act for tgreen",
        ),
    ] {
        let err = service.refused(&args);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    // A manager above may cover; the cover shows in both people's histories.
    service.ok(&["cover", "tgreen", "--by", "mblack", "--from", "2026-11-20"]);
    for id in ["tgreen", "mblack"] {
        let history = service.ok(&["staff", "show", id, "--history"]);
        assert!(
            history.contains("mblack covers for tgreen from 2026-11-20 until further notice"),
            "{id}: {history}"
        );
    }
}

#[test]
fn directory_changes_are_dated_in_order_and_never_ahead() {
    let service = Service::new();
    let err = service.refused(&[
        "staff",
        "update",
        "tgreen",
        "--team",
        "South",
        "--on",
        "2026-11-27",
    ]);
    assert!(err.contains("in the future"), "{err}");
    service.ok(&[
        "staff",
        "update",
        "tgreen",
        "--team",
        "Children in Care 1",
        "--on",
        "2026-11-10",
    ]);
    let err = service.refused(&[
        "staff",
        "update",
        "tgreen",
        "--name",
        "T Green",
        "--on",
        "2026-11-09",
    ]);
    assert!(err.contains("tgreen last changed on 2026-11-10"), "{err}");
    // A team name is free text.
    let shown: Value =
        serde_json::from_str(&service.ok(&["staff", "show", "tgreen", "--format", "json"]))
            .expect("json");
    assert_eq!(shown["team"], "Children in Care 1");
}

// ---------------------------------------------------------------------------------------------------
// directory import
// ---------------------------------------------------------------------------------------------------

const STAFF_EXTRACT: &str = "\u{feff}Staff ID,Name,Role,E-mail,Team,Login\r\n\
asmith,Alex Smith,iro,asmith@example.gov.uk,IRO Service,\r\n\
jwhite,Jo White,iro-team-manager,jwhite@example.gov.uk,IRO Service,\r\n\
nworker, Nia Worker ,social-worker,nworker@example.gov.uk,Children in Care 1,nworker\r\n\
tgreen,Tanya Green,team-manager,tgreen@example.gov.uk,Children in Care 1,\r\n\
mblack,Martin Black,service-manager,mblack@example.gov.uk,Children's Services,\r\n";

const CHILDREN_EXTRACT: &str = "Ref,Name,Team,Social worker,Practice supervisor,Team manager,Service manager,IRO,IRO team manager\r\n\
LCS-104233,Sam Jones,Children in Care 1,nworker,,tgreen,mblack,asmith,jwhite\r\n\
LCS-300001,Zoë Brown,Children in Care 1,nworker,,tgreen,mblack,asmith,jwhite\r\n\
LCS-300002,Ciarán O'Neill,Children in Care 1,nworker,,tgreen,mblack,asmith,jwhite\r\n";

/// Writes the extracts into the service's directory; returns their paths.
fn extracts(service: &Service, staff: &str, children: &str) -> (String, String) {
    let staff_path = service.dir.path().join("staff.csv");
    let children_path = service.dir.path().join("children.csv");
    std::fs::write(&staff_path, staff).expect("write staff.csv");
    std::fs::write(&children_path, children).expect("write children.csv");
    (
        staff_path.display().to_string(),
        children_path.display().to_string(),
    )
}

fn directory_events(service: &Service) -> i64 {
    crate::common::Peek::open(&service.db).count("SELECT COUNT(*) FROM events WHERE matter IS NULL")
}

#[test]
fn an_extract_adds_and_updates_as_dated_changes_and_lists_who_is_missing() {
    let service = Service::new();
    let (staff, children) = extracts(&service, STAFF_EXTRACT, CHILDREN_EXTRACT);
    let args = [
        "directory",
        "import",
        "--staff",
        &staff,
        "--children",
        &children,
    ];

    // A dry run prints the changes and writes nothing.
    let before = service.dump();
    let mut dry = args.to_vec();
    dry.push("--dry-run");
    let output = service.iro().args(&dry).output().expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8_lossy(&output.stdout).to_string();
    assert_eq!(service.dump(), before, "a dry run writes nothing");

    let output = service.iro().args(args).output().expect("run");
    let said = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(output.status.success(), "{said}");
    let recorded = String::from_utf8_lossy(&output.stdout).to_string();
    assert_eq!(printed, recorded, "the dry run said what the import did");
    for line in [
        "staff-added: Nia Worker (nworker) joined as a social-worker in Children in Care 1",
        "staff-updated: asmith changed: name Name of asmith to Alex Smith, team IRO-North to IRO Service",
        "child-added: LCS-300002 became looked after, in team Children in Care 1, IRO asmith",
        "child-reallocated: LCS-104233 reallocated: team North to Children in Care 1, social-worker bking to nworker, practice-supervisor cdoe to (none) (from the children extract children.csv)",
    ] {
        assert!(recorded.contains(line), "{line}\n{recorded}");
    }
    // Nobody is removed for being missing: they are listed.
    assert!(said.contains("not in the staff extract, left as they are (7): adir, bking, cdoe, pother, senior, support, tother"), "{said}");
    assert!(
        said.contains("not in the children extract, left as they are (1): LCS-200001"),
        "{said}"
    );
    assert!(service.ok(&["staff", "show", "bking"]).contains("bking"));
    let shown: Value =
        serde_json::from_str(&service.ok(&["staff", "show", "nworker", "--format", "json"]))
            .expect("json");
    assert_eq!(shown["name"], "Nia Worker", "values are trimmed");
    assert_eq!(shown["login"], "nworker");
    assert!(service.ok(&["audit", "verify"]).starts_with("ok "));

    // The same extracts again change nothing.
    let events = directory_events(&service);
    let output = service.iro().args(args).output().expect("run");
    assert!(output.status.success());
    assert!(output.stdout.is_empty());
    assert_eq!(directory_events(&service), events);

    // Three changed rows record exactly three changes.
    let staff_changed = STAFF_EXTRACT
        .replace("jwhite@example.gov.uk", "jo.white@example.gov.uk")
        .replace("Tanya Green,", "Tanya Green-Hall,");
    let children_changed = CHILDREN_EXTRACT.replace(
        "LCS-300001,Zoë Brown,Children in Care 1,",
        "LCS-300001,Zoë Brown,Children in Care 2,",
    );
    extracts(&service, &staff_changed, &children_changed);
    let output = service.iro().args(args).output().expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 3);
    assert_eq!(directory_events(&service), events + 3);
    let history = service.ok(&["staff", "show", "jwhite", "--history"]);
    assert!(
        history.contains("e-mail jwhite@example.gov.uk to jo.white@example.gov.uk (from the staff extract staff.csv)"),
        "{history}"
    );
    assert!(service.ok(&["audit", "verify"]).starts_with("ok "));
}

#[test]
fn a_bad_extract_lists_every_error_by_row_and_column_and_records_nothing() {
    let service = Service::new();
    let children =
        "ref,name,team,social_worker,team_manager,service_manager,iro,iro_team_manager\n\
LCS-300001,Zoë Brown,North,nobody,tgreen,mblack,asmith,jwhite\n\
LCS-300002,,North,bking,tgreen,mblack,asmith,jwhite\n\
LCS-300003,A Child,North,bking,bking,mblack,asmith,bking\n\
LCS-300004,A Child,North,bking,tgreen,mblack,asmith,jwhite,extra\n\
LCS 300005,A Child,North,bking,tgreen,mblack,asmith,jwhite\n\
LCS-300001,Zoë Brown,North,bking,tgreen,mblack,asmith,jwhite\n\
LCS-300006,Fine Child,North,bking,tgreen,mblack,asmith,jwhite\n";
    let (_, children) = extracts(&service, "", children);
    let before = service.dump();
    let output = service
        .iro()
        .args(["directory", "import", "--children", &children])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    let said = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = said.lines().collect();
    // Every error, each with its file, row and column; both wrong slots of row 4.
    let expected = [
        "row 2, column social_worker: no member of staff 'nobody' (see `iro staff list`)",
        "row 3, column name: is empty; every row needs it",
        "row 4, column team_manager: bking is a social-worker, not a team-manager: they cannot be a child's team-manager [rule 13: the directory]",
        "row 4, column iro_team_manager: bking is a social-worker, not an iro-team-manager: they cannot be a child's iro-team-manager [rule 13: the directory]",
        "row 5, column (row): has 9 cells, more than the header's 8 columns",
        "row 6, column ref: contains a space: an id is ASCII letters, digits, '-', '_' and '.' only",
        "row 7, column ref: LCS-300001 is on row 2 already",
    ]
    .map(|line| format!("{children} {line}"));
    assert_eq!(lines[..7], expected, "{said}");
    assert!(
        lines[7].ends_with("children.csv: 7 error(s) in 6 row(s); nothing was imported"),
        "{said}"
    );
    assert_eq!(service.dump(), before, "all rows or none");

    // Every problem of a header at once, with the file; columns iro does not read are passed over.
    let (staff, _) = extracts(&service, "Staff  ID,Phone,Full name\n", "");
    let err = service.fails(2, &["directory", "import", "--staff", &staff]);
    assert!(
        err.contains("staff.csv: row 1: the header lacks the column(s) name, role, email"),
        "{err}"
    );
    let err = service.fails(2, &["directory", "import"]);
    assert!(err.contains("--staff FILE, --children FILE"), "{err}");
    // A day ahead is said once, not for every row.
    let (staff, _) = extracts(
        &service,
        "id,name,role,email\nnew1,N One,iro,n1@example.gov.uk\nnew2,N Two,iro,n2@example.gov.uk\n",
        "",
    );
    let err = service.fails(
        3,
        &[
            "directory",
            "import",
            "--staff",
            &staff,
            "--on",
            "2026-11-27",
        ],
    );
    assert!(err.contains("in the future"), "{err}");
    assert_eq!(service.dump(), before);
}

#[test]
fn an_extract_is_read_as_a_case_system_writes_it() {
    let service = Service::new();
    // Extra columns, doubled spaces in headings, roles as people write them.
    let staff = "Staff  ID,Name,Job Title,Role,E-mail,Phone\n\
nnew,Nia New,Senior Practitioner,Social Worker,nnew@example.gov.uk,0113 000\n\
mnew,Max New,Head of Service,service_manager,mnew@example.gov.uk,0113 001\n";
    let (staff, _) = extracts(&service, staff, "");
    let output = service
        .iro()
        .args(["directory", "import", "--staff", &staff])
        .output()
        .expect("run");
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{said}");
    assert!(
        said.contains("passed over the columns iro does not read: Job Title, Phone"),
        "{said}"
    );
    for (id, role) in [("nnew", "social-worker"), ("mnew", "service-manager")] {
        let shown = json_of(&service.ok(&["staff", "show", id, "--format", "json"]));
        assert_eq!(shown["role"], role);
    }
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).expect("json")
}

#[test]
fn an_extract_can_promote_someone_once_their_children_move() {
    let service = Service::new();
    // cdoe becomes a team manager; the children extract moves her children on the same run.
    let staff = "id,name,role,email\ncdoe,Name of cdoe,team-manager,cdoe@example.gov.uk\n";
    let children = "ref,name,team,social_worker,practice_supervisor,team_manager,service_manager,iro,iro_team_manager\n\
LCS-104233,Sam Jones,North,bking,,cdoe,mblack,asmith,jwhite\n\
LCS-200001,Sam Jones,North,bking,,tgreen,mblack,asmith,jwhite\n";
    let (staff, children) = extracts(&service, staff, children);
    service.ok(&[
        "directory",
        "import",
        "--staff",
        &staff,
        "--children",
        &children,
    ]);
    let shown: Value =
        serde_json::from_str(&service.ok(&["child", "show", "LCS-104233", "--format", "json"]))
            .expect("json");
    assert_eq!(shown["team_manager"], "cdoe");
    assert_eq!(shown["practice_supervisor"], Value::Null);
    assert!(service.ok(&["audit", "verify"]).starts_with("ok "));
}

#[test]
fn the_alert_form_of_imported_history_says_nobody_was_notified_by_iro() {
    let service = Service::new();
    let tracker = service.dir.path().join("tracker.csv");
    std::fs::write(
        &tracker,
        "child,category,summary,raised_on,stage_1_on\n\
         LCS-104233,contact,Contact lapsed,2026-10-05,2026-10-05\n",
    )
    .expect("write");
    let id = service.ok(&["import", tracker.to_str().expect("path")]);
    let id = id.trim();
    assert!(
        outbox(&service).is_empty(),
        "imported history queues no mail"
    );
    let form: Value =
        serde_json::from_str(&service.ok(&["report", "alert-form", id, "--format", "json"]))
            .expect("json");
    let notice = &form["notified"][0];
    assert_eq!(notice["to"], Value::Array(Vec::new()));
    assert_eq!(notice["delivery"], Value::Null);
    assert!(
        notice["note"]
            .as_str()
            .expect("a note")
            .contains("imported or generated): nobody was notified by iro"),
        "{notice}"
    );
    let markdown = service.ok(&["report", "alert-form", id]);
    assert!(
        markdown.contains("nobody was notified by iro"),
        "{markdown}"
    );
}

#[test]
fn a_cover_ends_when_either_leaves_and_a_leaver_is_not_written_to() {
    let service = Service::new();
    let first = service.raise_qap("asmith", "LCS-104233", Some("2026-11-02"));
    let second = service.raise_qap("asmith", "LCS-200001", Some("2026-11-02"));
    service.ok(&["cover", "asmith", "--by", "pother", "--from", "2026-11-09"]);
    // One cover at a time, and none for someone who has left.
    let err = service.refused(&["cover", "asmith", "--by", "jwhite", "--from", "2026-11-16"]);
    assert!(
        err.contains("asmith is covered already, by pother"),
        "{err}"
    );
    service.ok(&[
        "staff",
        "leave",
        "pother",
        "--on",
        "2026-11-20",
        "--reason",
        "Moved away",
    ]);
    let err = service.refused(&["cover", "pother", "--by", "jwhite", "--from", "2026-11-23"]);
    assert!(err.contains("pother left on 2026-11-20"), "{err}");
    let caseload = |on: &str| -> usize {
        let report = json_of(&service.ok(&[
            "report",
            "supervision",
            "--iro",
            "pother",
            "--as-of",
            on,
            "--format",
            "json",
        ]));
        report.as_array().expect("matters").len()
    };
    assert_eq!(caseload("2026-11-19"), 2, "covering, before leaving");
    assert_eq!(caseload("2026-11-23"), 0, "the cover ended when they left");
    let _ = (first, second);

    // The team manager leaves; a step recorded late, dated while she was in post, is not mailed to her.
    service.ok(&[
        "staff",
        "add",
        "tnew",
        "--name",
        "T New",
        "--role",
        "team-manager",
        "--email",
        "tnew@example.gov.uk",
        "--on",
        "2026-11-02",
    ]);
    let third = service.raise_qap("asmith", "LCS-200001", Some("2026-11-16"));
    service.ok(&[
        "staff",
        "leave",
        "tgreen",
        "--on",
        "2026-11-24",
        "--successor",
        "tnew",
    ]);
    service.ok(&[
        "--as",
        "asmith",
        "escalate",
        &third,
        "--stage",
        "1",
        "--on",
        "2026-11-23",
    ]);
    let messages = json_of(&service.ok(&["outbox", "list", "--format", "json"]));
    let last = messages
        .as_array()
        .expect("messages")
        .last()
        .expect("a message")
        .clone();
    assert_eq!(last["matter"], third.as_str());
    let to: Vec<&str> = last["to"]
        .as_array()
        .expect("to")
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    assert!(!to.contains(&"tgreen"), "{last}");
    assert!(
        last["missing"]
            .as_array()
            .expect("missing")
            .iter()
            .any(|m| m
                .as_str()
                .is_some_and(|m| m.contains("tgreen: left on 2026-11-24"))),
        "{last}"
    );
}

#[test]
fn a_change_cannot_be_dated_before_a_step_that_relied_on_how_things_were() {
    let service = Service::new();
    let m = service.raise_qap("asmith", "LCS-104233", Some("2026-11-10"));
    // bking was given an action on the 10th: she cannot have left on the 5th.
    let err = service.refused(&[
        "staff",
        "leave",
        "bking",
        "--on",
        "2026-11-05",
        "--successor",
        "cdoe",
    ]);
    assert!(
        err.contains("bking took part in a step on 2026-11-10"),
        "{err}"
    );
    // A step on the child's matter on the 12th was told the team manager of the 12th.
    service.ok(&[
        "--as",
        "asmith",
        "note",
        &m,
        "--text",
        "Seen",
        "--on",
        "2026-11-12",
    ]);
    let err = service.refused(&[
        "child",
        "reallocate",
        "LCS-104233",
        "--team-manager",
        "tother",
        "--on",
        "2026-11-11",
    ]);
    assert!(
        err.contains("a matter of LCS-104233 had a step on 2026-11-12"),
        "{err}"
    );
    service.ok(&[
        "child",
        "reallocate",
        "LCS-104233",
        "--team-manager",
        "tother",
        "--on",
        "2026-11-12",
    ]);
    // A role cannot change before a step taken in the old one.
    let err = service.refused(&[
        "staff",
        "update",
        "asmith",
        "--role",
        "iro-team-manager",
        "--on",
        "2026-11-11",
    ]);
    assert!(
        err.contains("asmith took part in a step as an iro on 2026-11-12"),
        "{err}"
    );
    // A child who has left care keeps the allocation they left with: a leaver needs no successor for them.
    service.ok(&[
        "child",
        "cease",
        "LCS-200001",
        "--on",
        "2026-11-13",
        "--reason",
        "Adopted",
    ]);
    service.ok(&[
        "staff",
        "add",
        "cnew",
        "--name",
        "C New",
        "--role",
        "practice-supervisor",
        "--email",
        "cnew@example.gov.uk",
        "--on",
        "2026-11-02",
    ]);
    service.ok(&[
        "staff",
        "leave",
        "cdoe",
        "--on",
        "2026-11-20",
        "--successor",
        "cnew",
    ]);
    let ceased = json_of(&service.ok(&["child", "show", "LCS-200001", "--format", "json"]));
    assert_eq!(
        ceased["practice_supervisor"], "cdoe",
        "left as it was when they ceased"
    );
    assert!(service.ok(&["audit", "verify"]).starts_with("ok "));
}

#[test]
fn a_first_import_sets_the_whole_directory_up_whoever_runs_it() {
    // A new database: no admin or IRO manager yet. The extract's second row adds one; the rows after
    // it still go in, as the setting up of the directory.
    let service = Service::empty();
    service.ok(&["init"]);
    let (staff, children) = extracts(&service, STAFF_EXTRACT, CHILDREN_EXTRACT);
    service.ok(&[
        "directory",
        "import",
        "--staff",
        &staff,
        "--children",
        &children,
        "--on",
        "2026-01-05",
    ]);
    let listed: Value =
        serde_json::from_str(&service.ok(&["staff", "list", "--format", "json"])).expect("json");
    assert_eq!(listed.as_array().map(Vec::len), Some(5));
    // Once set up, a login bound to no manager changes nothing more.
    let err = service.refused(&[
        "staff",
        "add",
        "late",
        "--name",
        "Late",
        "--role",
        "iro",
        "--email",
        "late@example.gov.uk",
        "--team",
        "IRO Service",
        "--on",
        "2026-01-06",
    ]);
    assert!(err.contains("is not in the directory"), "{err}");
}
