//! What iro writes and shows is safe: files that cannot be hijacked or left half-written, packs whose
//! typed text never becomes a link, an image or a script, terminals that are never sent an escape
//! sequence, look-alike and invisible characters refused, and exit statuses the same everywhere.

use std::path::Path;

use crate::common::Service;

/// A matter in EPCP/DRP referred to CAFCASS, whose texts are all hostile.
fn hostile_referral(service: &Service) -> String {
    let m = service
        .ok(&[
            "--as",
            "asmith",
            "raise-qap",
            "LCS-104233",
            "--category",
            "permanence",
            "--summary",
            "[Open the plan](javascript:alert(document.cookie)) <script>alert(1)</script>",
            "--action",
            "![pixel](https://tracker.example/p.png) <img src=https://tracker.example/i.png>",
            "--owner",
            "bking",
            "--within",
            "5",
            "--on",
            "2026-10-26",
        ])
        .trim()
        .to_string();
    service.ok(&[
        "--as",
        "asmith",
        "escalate",
        &m,
        "--stage",
        "1",
        "--on",
        "2026-11-02",
    ]);
    service.ok(&[
        "--as",
        "asmith",
        "legal-advice",
        &m,
        "--note",
        "[council.gov.uk](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) <a href=\"https://evil.example\">the plan</a> <https://evil.example/autolink> www.evil.example",
        "--on",
        "2026-11-03",
    ]);
    service.ok(&[
        "--as",
        "asmith",
        "refer-cafcass",
        &m,
        "--reason",
        "<iframe src=\"https://evil.example\"></iframe> **urgent** `code`",
        "--on",
        "2026-11-04",
    ]);
    m
}

fn pack(service: &Service, m: &str, out: &Path) -> std::process::Output {
    service
        .iro()
        .args(["report", "cafcass-pack", m, "--out"])
        .arg(out)
        .output()
        .expect("run iro")
}

#[test]
fn a_pack_built_from_hostile_text_holds_no_link_image_script_or_external_resource() {
    let service = Service::new();
    let m = hostile_referral(&service);
    let out = service.dir.path().join("pack");
    let output = pack(&service, &m, &out);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let html = std::fs::read_to_string(out.join("cafcass-pack.html")).expect("html");
    let markdown = std::fs::read_to_string(out.join("cafcass-pack.md")).expect("md");
    for made in [
        "<a ", "<a>", "<img", "<script", "<iframe", "<strong", "<code",
    ] {
        assert!(!html.contains(made), "{made} in the pack's HTML");
    }
    for made in [
        "<a ",
        "<img",
        "<script",
        "<iframe",
        "<https",
        "](javascript",
        "](data",
        "](https",
    ] {
        assert!(!markdown.contains(made), "{made} in the pack's Markdown");
    }
    assert!(html.contains("Content-Security-Policy") && html.contains("default-src 'none'"));
    // What was typed is all there, as text.
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "typed text lost"
    );
    assert!(html.contains("javascript"), "typed text lost");
    // No attribute anywhere names a place to load from or go to.
    for attribute in html
        .split('<')
        .skip(1)
        .map(|tag| tag.split('>').next().unwrap_or_default())
    {
        assert!(
            !attribute.contains("http") || attribute.starts_with("meta http-equiv"),
            "a tag reaches out: <{attribute}>"
        );
    }
}

#[cfg(unix)]
#[test]
fn planted_symlinks_are_refused_and_what_they_point_to_is_unchanged() {
    use std::os::unix::fs::symlink;
    let service = Service::new();
    let m = hostile_referral(&service);
    let victim = service.dir.path().join("victim.txt");
    std::fs::write(&victim, "precious").expect("write");

    // The pack's --out is a symlink to a directory, or to a file.
    let elsewhere = service.dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).expect("mkdir");
    for (name, target) in [("pack-dir", &elsewhere), ("pack-file", &victim)] {
        let out = service.dir.path().join(name);
        symlink(target, &out).expect("plant");
        let output = pack(&service, &m, &out);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(String::from_utf8_lossy(&output.stderr).contains("exists already"));
    }
    assert_eq!(std::fs::read_dir(&elsewhere).expect("list").count(), 0);

    // The outbox's directory is a symlink; then, in a real directory, its file names are.
    let linked = service.dir.path().join("mail-link");
    symlink(&elsewhere, &linked).expect("plant");
    let err = service.fails(2, &["outbox", "write", linked.to_str().expect("utf-8")]);
    assert!(err.contains("symbolic link"), "{err}");
    let mail = service.dir.path().join("mail");
    std::fs::create_dir(&mail).expect("mkdir");
    let peek = crate::common::Peek::open(&service.db);
    let database_id = peek
        .texts("SELECT value FROM meta WHERE key = 'database_id'", &[])
        .remove(0)
        .expect("the database id");
    let ids: Vec<String> = peek
        .texts("SELECT CAST(id AS TEXT) FROM outbox ORDER BY id", &[])
        .into_iter()
        .map(|id| id.expect("an id"))
        .collect();
    drop(peek);
    for id in &ids {
        symlink(
            &victim,
            mail.join(format!("iro-{}-{id}.eml", &database_id[..16])),
        )
        .expect("plant");
    }
    let output = service
        .iro()
        .args(["outbox", "write"])
        .arg(&mail)
        .output()
        .expect("run iro");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&victim).expect("read"), "precious");
    let outbox: serde_json::Value =
        serde_json::from_str(&service.ok(&["outbox", "list", "--format", "json"])).expect("json");
    for message in outbox.as_array().expect("array") {
        assert_eq!(message["status"], "pending");
        assert!(message["error"]
            .as_str()
            .is_some_and(|e| e.contains("exists already")));
    }
}

#[cfg(unix)]
#[test]
fn directories_iro_makes_are_private_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let service = Service::new();
    let m = hostile_referral(&service);
    let mail = service.dir.path().join("new").join("mail");
    let output = service
        .process()
        .args(["outbox", "write"])
        .arg(&mail)
        .output()
        .expect("run");
    assert!(output.status.success());
    let out = service.dir.path().join("packs").join(&m);
    assert!(pack(&service, &m, &out).status.success());
    for dir in [
        mail.parent().expect("parent"),
        &mail,
        out.parent().expect("parent"),
        &out,
    ] {
        let mode = std::fs::metadata(dir).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", dir.display());
    }
    // A directory others may write is not written into.
    let shared = service.dir.path().join("shared");
    std::fs::create_dir(&shared).expect("mkdir");
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let err = service.fails(2, &["outbox", "write", shared.to_str().expect("utf-8")]);
    assert!(err.contains("other users"), "{err}");
}

#[test]
fn a_pack_that_runs_out_of_disk_leaves_nothing_and_can_be_made_again() {
    let service = Service::new();
    let m = hostile_referral(&service);
    let disk = service.dir.path().join("small");
    std::fs::create_dir(&disk).expect("mkdir");
    // A 16 KiB disk in a mount namespace of the test's own; where the machine allows none, the unit
    // test of `files::Staging` injects the write error instead.
    let script = format!(
        "mount -t tmpfs -o size=16k tmpfs '{disk}' && '{iro}' report cafcass-pack {m} --out '{disk}/pack'; \
         echo \"status=$?\"; ls -A '{disk}'",
        disk = disk.display(),
        iro = env!("CARGO_BIN_EXE_iro"),
    );
    let mut unshare = std::process::Command::new("unshare");
    unshare.args(["-rm", "sh", "-c", &script]);
    unshare
        .env_clear()
        .env("IRO_DB", &service.db)
        .env("IRO_TODAY", &service.today)
        .env("PATH", "/usr/bin:/bin");
    let Ok(output) = unshare.output() else {
        eprintln!("no unshare here: the full-disk case is covered by files::tests only");
        return;
    };
    let said = String::from_utf8_lossy(&output.stdout);
    let err = String::from_utf8_lossy(&output.stderr);
    if !said.contains("status=") || err.contains("mount:") {
        eprintln!(
            "no private tmpfs here ({err}): the full-disk case is covered by files::tests only"
        );
        return;
    }
    assert!(said.contains("status=1"), "{said} {err}");
    assert!(err.contains("No space left on device"), "{err}");
    let left: Vec<&str> = said.lines().filter(|l| !l.starts_with("status=")).collect();
    assert!(
        left.is_empty(),
        "nothing is left on the full disk: {left:?}"
    );
    // With room, the same --out is written.
    let out = service.dir.path().join("pack");
    assert!(pack(&service, &m, &out).status.success());
    assert!(out.join("manifest.json").is_file());
}

#[test]
fn escape_sequences_from_the_policy_file_or_the_database_are_shown_not_obeyed() {
    let service = Service::new();
    let policy = service.dir.path().join("iro.toml");
    std::fs::write(
        &policy,
        "[[closure_days]]\ndate = 2026-12-29\nreason = \"Shut \\u001b]52;c;aGVsbG8=\\u0007 \\u001b[2J\"\n",
    )
    .expect("write");
    let output = service
        .iro()
        .args(["policy", "show", "--format", "table"])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        !err.contains('\u{1b}') && !err.contains('\u{7}'),
        "raw escape reached the terminal: {err:?}"
    );
    assert!(
        err.contains("closure_days.reason") && err.contains("U+001B"),
        "{err}"
    );
    std::fs::remove_file(&policy).expect("remove");
    // A reason written into the database behind the tool's back is shown escaped.
    service.ok(&["closure", "add", "2026-12-29", "--reason", "Christmas"]);
    crate::common::Peek::open(&service.db).edit(
        "UPDATE closure_days SET reason = 'Shut ' || char(27) || '[2J'",
        "UPDATE closure_days SET reason = 'Shut ' || chr(27) || '[2J'",
    );
    let listed = service.ok(&["closure", "list"]);
    assert!(!listed.contains('\u{1b}'), "{listed:?}");
    assert!(listed.contains("\\u{1b}[2J"), "{listed}");
}

#[test]
fn look_alike_ids_and_invisible_characters_are_refused_naming_the_character() {
    let service = Service::new();
    let before = service.dump();
    let add = |id: &str, name: &str, email: &str| {
        service.fails(
            2,
            &[
                "staff", "add", id, "--name", name, "--role", "iro", "--email", email,
            ],
        )
    };
    let err = add("\u{0430}smith", "Alex Smith", "a.smith@example.gov.uk");
    assert!(err.contains("U+0430"), "{err}");
    let err = add("asmith2", "Alex\u{202e}htimS", "a.smith@example.gov.uk");
    assert!(
        err.contains("U+202E") && err.contains("RIGHT-TO-LEFT OVERRIDE"),
        "{err}"
    );
    let err = add("asmith2", "Alex\u{200b}Smith", "a.smith@example.gov.uk");
    assert!(err.contains("ZERO WIDTH SPACE"), "{err}");
    let err = add("asmith2", "\u{0410}lex Smith", "a.smith@example.gov.uk");
    assert!(err.contains("mixes letters of different scripts"), "{err}");
    let err = add("asmith2", "Alex Smith", "a.sm\u{0456}th@example.gov.uk");
    assert!(err.contains("--email"), "{err}");
    let err = service.fails(
        2,
        &[
            "--as",
            "asmith",
            "note",
            "Q-2026-0001",
            "--text",
            "see \u{2067}the plan",
        ],
    );
    assert!(err.contains("RIGHT-TO-LEFT ISOLATE"), "{err}");
    assert_eq!(service.dump(), before);
    // Real names in any script, and teams with spaces, go in.
    service.ok(&[
        "staff",
        "add",
        "zjohnson",
        "--name",
        "Zoë Johnson",
        "--role",
        "social-worker",
        "--email",
        "zoe.johnson@example.gov.uk",
        "--team",
        "Children in Care 1",
    ]);
}

#[test]
fn a_database_url_or_a_missing_directory_is_refused_and_nothing_is_made() {
    let service = Service::empty();
    for url in ["mysql://host/db", "sqlite://iro.db"] {
        let output = service
            .iro()
            .current_dir(service.dir.path())
            .args(["--db", url, "init"])
            .output()
            .expect("run");
        assert_eq!(output.status.code(), Some(2), "{url}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("URL"));
    }
    // A server that is not there is a database problem, named without the password.
    let output = service
        .iro()
        .current_dir(service.dir.path())
        .args([
            "--db",
            "postgres://iro:secret@%2Fno-such-socket-dir/iro",
            "init",
        ])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("postgres database iro on /no-such-socket-dir"),
        "{stderr}"
    );
    assert!(!stderr.contains("secret"), "{stderr}");
    let missing = service.dir.path().join("no-such-dir").join("iro.db");
    let output = service
        .iro()
        .arg("--db")
        .arg(&missing)
        .arg("init")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("does not exist"));
    let output = service
        .iro()
        .env("IRO_DB", &missing)
        .arg("init")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        std::fs::read_dir(service.dir.path()).expect("list").count(),
        0,
        "no directory or file made"
    );
    // The default place, in the user's data directory, is made, readable by its owner only.
    let home = service.dir.path().join("home");
    std::fs::create_dir(&home).expect("mkdir");
    let output = service
        .iro()
        .env_remove("IRO_DB")
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join("data"))
        .arg("init")
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let db = home.join("data").join("iro").join("iro.db");
    assert!(db.is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(db.parent().expect("dir"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }
}

#[test]
fn exit_statuses_are_the_same_everywhere() {
    let service = Service::new();
    service.raise_qap("asmith", "LCS-104233", None);
    // A reader that has gone away (`| head`) is not a failure, whichever command it was reading.
    for args in [
        &["export", "events", "--format", "csv"][..],
        &["export", "matters", "--format", "json"],
        &["export", "actions", "--format", "csv"],
        &["list", "--format", "csv"],
        &[
            "report",
            "chronology",
            "--child",
            "LCS-104233",
            "--format",
            "csv",
        ],
        &[
            "report",
            "overdue",
            "--format",
            "json",
            "--due-within",
            "20",
        ],
        &["calendar", "holidays", "2026"],
    ] {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        // Closed before iro writes a byte: its first write meets a broken pipe.
        drop(reader);
        let output = service
            .process()
            .args(args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .expect("run iro");
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // An impossible date is a usage error in a step and in the calendar alike.
    service.fails(2, &["calendar", "add", "2300-01-01", "1"]);
    service.fails(
        2,
        &[
            "--as",
            "asmith",
            "raise-qap",
            "LCS-104233",
            "--category",
            "permanence",
            "--summary",
            "s",
            "--action",
            "a",
            "--owner",
            "bking",
            "--due",
            "2300-01-01",
        ],
    );
    // A file where a new one is asked for is a usage error naming the path.
    let taken = service.dir.path().join("taken.db");
    std::fs::write(&taken, "x").expect("write");
    let err = service.fails(2, &["backup", taken.to_str().expect("utf-8")]);
    assert!(
        err.contains("taken.db") && err.contains("exists already"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&taken).expect("read"), "x");
}

#[test]
fn two_databases_writing_into_one_directory_never_overwrite_each_other() {
    let (north, south) = (Service::new(), Service::new());
    north.raise_qap("asmith", "LCS-104233", None);
    south.raise_qap("asmith", "LCS-104233", None);
    let mail = north.dir.path().join("mail");
    let from_north = north.ok(&["outbox", "write", mail.to_str().expect("utf-8")]);
    let from_south = south.ok(&["outbox", "write", mail.to_str().expect("utf-8")]);
    assert_eq!(
        (from_north.lines().count(), from_south.lines().count()),
        (1, 1)
    );
    assert_ne!(from_north, from_south, "each database names its own files");
    assert_eq!(std::fs::read_dir(&mail).expect("list").count(), 2);
    for file in [from_north.trim(), from_south.trim()] {
        let text = std::fs::read_to_string(file).expect("read");
        assert!(
            text.contains("Subject: [iro] Q-2026-0001 LCS-104233 (permanence): QAP raised"),
            "{text}"
        );
    }
}
