//! Who is told (design rule 10): each step queues its message in the outbox, `outbox send` hands it to a
//! real SMTP server on loopback (a small sink started by the test), and `outbox write` writes `.eml`
//! files a mail parser reads back.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::common::Service;

/// What the sink refuses, changed by the test between runs.
#[derive(Debug, Default)]
struct Refusals {
    /// Answer 550 to RCPT TO for this address.
    rcpt: Option<String>,
    /// Answer 550 to DATA.
    data: bool,
    /// Take the whole message, then never answer (as a server would that dies after DATA).
    stall: bool,
}

/// One message the sink accepted.
#[derive(Debug, Clone)]
struct Received {
    mail_from: String,
    rcpt: Vec<String>,
    data: String,
}

/// An SMTP server on 127.0.0.1 that speaks just enough SMTP, records what it accepts, and refuses
/// what it is told to.
struct Sink {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
    refuse: Arc<Mutex<Refusals>>,
}

impl Sink {
    fn start() -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the sink");
        let url = format!("smtp://{}", listener.local_addr().expect("sink address"));
        let received = Arc::new(Mutex::new(Vec::new()));
        let refuse = Arc::new(Mutex::new(Refusals::default()));
        let (r, f) = (Arc::clone(&received), Arc::clone(&refuse));
        // Detached: it lives as long as the test process.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = serve(stream, &r, &f);
            }
        });
        Sink {
            url,
            received,
            refuse,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().expect("sink lock").clone()
    }

    fn refuse_rcpt(&self, address: Option<&str>) {
        self.refuse.lock().expect("sink lock").rcpt = address.map(str::to_string);
    }

    fn refuse_data(&self, refuse: bool) {
        self.refuse.lock().expect("sink lock").data = refuse;
    }

    fn stall_after_data(&self, stall: bool) {
        self.refuse.lock().expect("sink lock").stall = stall;
    }
}

/// The address inside `<...>` of a MAIL FROM or RCPT TO line.
fn angle(line: &str) -> String {
    line.split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(address, _)| address.to_string())
        .unwrap_or_default()
}

fn serve(
    stream: TcpStream,
    received: &Mutex<Vec<Received>>,
    refuse: &Mutex<Refusals>,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut w = stream;
    w.write_all(b"220 sink.test ESMTP test sink\r\n")?;
    let (mut from, mut rcpt) = (String::new(), Vec::new());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let verb = line.to_ascii_uppercase();
        let reply = if verb.starts_with("EHLO") || verb.starts_with("HELO") {
            "250 sink.test".to_string()
        } else if verb.starts_with("MAIL FROM:") {
            from = angle(&line);
            rcpt.clear();
            "250 2.1.0 OK".to_string()
        } else if verb.starts_with("RCPT TO:") {
            let to = angle(&line);
            if refuse.lock().expect("sink lock").rcpt.as_deref() == Some(to.as_str()) {
                format!("550 5.1.1 <{to}>: no such mailbox here")
            } else {
                rcpt.push(to);
                "250 2.1.5 OK".to_string()
            }
        } else if verb.starts_with("DATA") {
            if refuse.lock().expect("sink lock").data {
                "550 5.7.1 message refused by the test".to_string()
            } else {
                w.write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n")?;
                let mut data = String::new();
                loop {
                    let mut l = String::new();
                    if reader.read_line(&mut l)? == 0 {
                        return Ok(());
                    }
                    if l == ".\r\n" {
                        break;
                    }
                    data.push_str(l.strip_prefix('.').unwrap_or(&l));
                }
                received.lock().expect("sink lock").push(Received {
                    mail_from: from.clone(),
                    rcpt: std::mem::take(&mut rcpt),
                    data,
                });
                if refuse.lock().expect("sink lock").stall {
                    // Hold the connection open, unanswered, until the client goes away.
                    let mut rest = String::new();
                    let _ = reader.read_line(&mut rest);
                    return Ok(());
                }
                "250 2.0.0 queued".to_string()
            }
        } else if verb.starts_with("RSET") {
            rcpt.clear();
            "250 2.0.0 OK".to_string()
        } else if verb.starts_with("NOOP") {
            "250 2.0.0 OK".to_string()
        } else if verb.starts_with("QUIT") {
            w.write_all(b"221 2.0.0 bye\r\n")?;
            return Ok(());
        } else {
            "502 5.5.2 not implemented".to_string()
        };
        w.write_all(format!("{reply}\r\n").as_bytes())?;
    }
}

/// A message as a mail parser reads it back.
#[derive(Debug)]
struct Mail {
    from: Vec<String>,
    to: Vec<String>,
    cc: Vec<String>,
    subject: String,
    body: String,
}

fn parse(raw: &[u8]) -> Mail {
    let message = mail_parser::MessageParser::default()
        .parse(raw)
        .expect("an RFC 5322 message");
    let addresses = |a: Option<&mail_parser::Address>| -> Vec<String> {
        a.map(|a| {
            a.iter()
                .filter_map(|addr| addr.address().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
    };
    Mail {
        from: addresses(message.from()),
        to: addresses(message.to()),
        cc: addresses(message.cc()),
        subject: message.subject().unwrap_or_default().to_string(),
        body: message
            .body_text(0)
            .map(|b| b.replace("\r\n", "\n"))
            .unwrap_or_default(),
    }
}

/// The test directory's address of a member of staff.
fn at(ids: &[&str]) -> Vec<String> {
    ids.iter()
        .map(|id| format!("{id}@example.gov.uk"))
        .collect()
}

/// `outbox send` against the sink: its exit code and stderr.
fn send(service: &Service, sink: &Sink) -> (i32, String) {
    let output = service
        .iro()
        .args(["outbox", "send", "--smtp", &sink.url])
        .output()
        .expect("run iro");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `outbox send` against the sink with more flags.
fn send_with(service: &Service, sink: &Sink, more: &[&str]) -> (i32, String) {
    let output = service
        .iro()
        .args(["outbox", "send", "--smtp", &sink.url])
        .args(more)
        .output()
        .expect("run iro");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn outbox(service: &Service) -> Vec<Value> {
    let json = service.ok(&["outbox", "list", "--format", "json"]);
    serde_json::from_str::<Value>(&json)
        .expect("outbox json")
        .as_array()
        .expect("an array")
        .clone()
}

#[test]
fn every_row_of_the_rule_table_reaches_the_smtp_server_as_the_table_says() {
    let service = Service::new();
    let q = service.raise_qap("asmith", "LCS-104233", None);
    let step = |actor: &str, args: &[&str]| {
        let mut all = vec!["--as", actor];
        all.extend_from_slice(args);
        service.ok(&all);
    };
    step(
        "asmith",
        &[
            "extend",
            &q,
            "--action",
            "1",
            "--within",
            "10",
            "--agreed-by",
            "jwhite",
            "--reason",
            "Assessor ill",
        ],
    );
    // A note tells no one.
    step("asmith", &["note", &q, "--text", "Spoke to the team"]);
    step("asmith", &["escalate", &q, "--stage", "1"]);
    step("asmith", &["escalate", &q, "--stage", "2"]);
    step("asmith", &["escalate", &q, "--stage", "3"]);
    step(
        "asmith",
        &["refer-cafcass", &q, "--reason", "Rights at risk"],
    );
    step(
        "asmith",
        &["legal-advice", &q, "--note", "Counsel consulted"],
    );
    step(
        "jwhite",
        &[
            "resolve",
            &q,
            "--outcome",
            "Placement agreed",
            "--resolved-by",
            "adir",
        ],
    );
    let q2 = service.raise_qap("asmith", "LCS-200001", None);
    step("asmith", &["resolve", &q2, "--outcome", "Assessment done"]);

    let queued = outbox(&service);
    assert_eq!(queued.len(), 10, "{queued:#?}");
    assert!(queued
        .iter()
        .all(|m| m["status"] == "pending" && m["missing"] == serde_json::json!([])));

    let sink = Sink::start();
    let output = service
        .iro()
        .env("IRO_MAIL_FROM", "IRO Service <iro@council.example>")
        .args(["outbox", "send", "--smtp", &sink.url])
        .output()
        .expect("run iro");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let received = sink.received();
    assert_eq!(received.len(), 10);

    let qap_to = ["bking", "cdoe"];
    let qap_cc = ["tgreen", "jwhite"];
    let stage_3_cc = ["mblack", "senior", "tgreen", "jwhite"];
    let expected: [(&str, &[&str], &[&str], &str); 10] = [
        (
            "QAP raised",
            &qap_to,
            &qap_cc,
            "1. Complete viability assessment (owner Name of bking (social worker), due Thursday 3 December 2026, to do)",
        ),
        (
            "QAP action 1 extended",
            &qap_to,
            &qap_cc,
            "action 1 was due Thursday 3 December 2026; it is now due Thursday 10 December 2026, agreed by Name of jwhite (IRO team manager): Assessor ill",
        ),
        (
            "EPCP/DRP stage 1",
            &["tgreen"],
            &["jwhite", "senior"],
            "Resolution deadline: Thursday 24 December 2026 (20 working days from Thursday 26 November 2026)",
        ),
        (
            "EPCP/DRP stage 2",
            &["mblack", "tgreen"],
            &["jwhite", "senior"],
            "Stage: 2",
        ),
        ("EPCP/DRP stage 3", &["adir"], &stage_3_cc, "Stage: 3"),
        (
            "CAFCASS referral (concurrent)",
            &["jwhite"],
            &["senior"],
            "a concurrent referral to CAFCASS: Rights at risk",
        ),
        (
            "legal advice sought",
            &["jwhite"],
            &["senior"],
            "independent legal advice was sought: Counsel consulted",
        ),
        // The child's IRO is told of a step another took on their matter.
        (
            "resolved",
            &["adir", "asmith"],
            &stage_3_cc,
            "Resolved on Thursday 26 November 2026 by Name of adir (assistant director): Placement agreed",
        ),
        (
            "QAP raised",
            &qap_to,
            &qap_cc,
            "QAP actions and timescales:",
        ),
        (
            "resolved",
            &qap_to,
            &qap_cc,
            "Resolved on Thursday 26 November 2026 by Name of asmith (IRO): Assessment done",
        ),
    ];
    for (i, ((step, to, cc, said), got)) in expected.iter().zip(&received).enumerate() {
        let mail = parse(got.data.as_bytes());
        let (matter, child) = if i < 8 {
            (q.as_str(), "LCS-104233")
        } else {
            (q2.as_str(), "LCS-200001")
        };
        assert_eq!(
            mail.subject,
            format!("[iro] {matter} {child} (permanence): {step}")
        );
        // A MIME message whose replies reach the child's IRO.
        assert!(got.data.contains("MIME-Version: 1.0"), "{}", got.data);
        assert!(got.data.contains("Reply-To: "), "{}", got.data);
        assert!(got.data.contains("asmith@example.gov.uk>"), "{}", got.data);
        assert_eq!(mail.to, at(to), "{step}");
        assert_eq!(mail.cc, at(cc), "{step}");
        assert_eq!(mail.from, ["iro@council.example"]);
        assert_eq!(got.mail_from, "iro@council.example");
        let mut envelope = got.rcpt.clone();
        envelope.sort();
        let mut named = at(to);
        named.extend(at(cc));
        named.sort();
        assert_eq!(envelope, named, "{step}: the envelope is to and cc");
        assert!(mail.body.contains(said), "{step}: {}", mail.body);
        assert!(mail.body.contains(&format!("Matter: {matter}")));
        assert!(
            !mail.body.contains("Sam Jones"),
            "the child's name stays out of e-mail"
        );
    }
    let outbox = outbox(&service);
    assert!(outbox
        .iter()
        .all(|m| m["status"] == "sent" && m["sent_at"].is_string() && m["error"].is_null()));
}

#[test]
fn a_refused_message_is_failed_with_its_error_and_nothing_is_sent_twice() {
    let service = Service::new();
    let q = service.raise_qap("asmith", "LCS-104233", None);
    service.ok(&["--as", "asmith", "escalate", &q, "--stage", "1"]);

    // No server listening: nothing is claimed, so nothing is left uncertain.
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("smtp://{}", listener.local_addr().expect("address"))
    };
    let output = service
        .iro()
        .args(["outbox", "send", "--smtp", &closed])
        .output()
        .expect("run iro");
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot reach the SMTP server") && err.contains("nothing was sent"),
        "{err}"
    );
    assert!(outbox(&service).iter().all(|m| m["status"] == "pending"));

    let sink = Sink::start();

    // The server refuses a recipient of the QAP message: it is failed, not sent to the others either.
    sink.refuse_rcpt(Some("cdoe@example.gov.uk"));
    let (code, err) = send(&service, &sink);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("1 message(s) could not be sent"), "{err}");
    assert_eq!(sink.received().len(), 1);
    let stage_1 = parse(sink.received()[0].data.as_bytes());
    assert!(stage_1.subject.ends_with("EPCP/DRP stage 1"));
    let rows = outbox(&service);
    assert_eq!(rows[0]["status"], "failed");
    assert!(rows[0]["sent_at"].is_null());
    let error = rows[0]["error"].as_str().expect("an error");
    assert!(error.contains("550"), "{error}");
    assert_eq!(rows[1]["status"], "sent");

    // A failed message is not tried again on the nightly run; the sent one is not sent again.
    let (code, err) = send(&service, &sink);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("nothing to send"), "{err}");
    assert_eq!(sink.received().len(), 1);

    // Asked to retry, while the server refuses the message itself at DATA.
    sink.refuse_rcpt(None);
    sink.refuse_data(true);
    let (code, _) = send_with(&service, &sink, &["--retry-failed"]);
    assert_eq!(code, 1);
    assert_eq!(sink.received().len(), 1);
    let error = outbox(&service)[0]["error"]
        .as_str()
        .expect("an error")
        .to_string();
    assert!(error.contains("refused by the test"), "{error}");

    // Accepted at last; a further run sends nothing new.
    sink.refuse_data(false);
    let (code, err) = send_with(&service, &sink, &["--retry-failed"]);
    assert_eq!(code, 0, "{err}");
    let received = sink.received();
    assert_eq!(received.len(), 2);
    assert!(parse(received[1].data.as_bytes())
        .subject
        .ends_with("QAP raised"));
    let (code, err) = send(&service, &sink);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("0 message(s) sent"), "{err}");
    assert_eq!(sink.received().len(), 2);
    let rows = outbox(&service);
    assert!(rows
        .iter()
        .all(|m| m["status"] == "sent" && m["error"].is_null()));

    // Credentials never come from the command line.
    let err = service.fails(
        2,
        &["outbox", "send", "--smtp", "smtp://me:secret@127.0.0.1:25"],
    );
    assert!(err.contains("IRO_SMTP_USER"), "{err}");
}

/// The Message-ID header of a message the sink received.
fn message_id(data: &str) -> String {
    mail_parser::MessageParser::default()
        .parse(data.as_bytes())
        .and_then(|m| m.message_id().map(str::to_string))
        .expect("a Message-ID")
}

#[test]
fn two_sends_at_once_deliver_each_message_once() {
    let service = Service::new();
    // Twenty messages: ten QAPs raised, each then extended.
    for _ in 0..10 {
        let q = service.raise_qap("asmith", "LCS-104233", None);
        service.extend(&q, "9", None);
    }
    assert_eq!(outbox(&service).len(), 20);
    // On a file each trial starts again from every message pending, the file's bytes put back; a
    // server's database cannot be put back so, and has the one trial.
    let database = (!crate::common::on_server())
        .then(|| std::fs::read(&service.db).expect("read the database"));
    for trial in 0..if database.is_some() { 4 } else { 1 } {
        if let Some(database) = &database {
            drop(std::fs::remove_file(service.db.with_extension("db-wal")));
            drop(std::fs::remove_file(service.db.with_extension("db-shm")));
            std::fs::write(&service.db, database).expect("restore the database");
        }
        let sink = Sink::start();
        let runs: Vec<_> = (0..2)
            .map(|_| {
                service
                    .process()
                    .args(["outbox", "send", "--smtp", &sink.url])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("start iro")
            })
            .collect();
        for run in runs {
            let output = run.wait_with_output().expect("iro ran");
            assert!(
                output.status.success(),
                "trial {trial}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let mut ids: Vec<String> = sink
            .received()
            .iter()
            .map(|r| message_id(&r.data))
            .collect();
        assert_eq!(
            ids.len(),
            20,
            "trial {trial}: every message once, none twice"
        );
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 20, "trial {trial}: no Message-ID twice");
        assert!(
            outbox(&service).iter().all(|m| m["status"] == "sent"),
            "trial {trial}"
        );
    }
}

#[test]
fn a_send_killed_after_the_server_took_the_message_leaves_it_uncertain() {
    let service = Service::new();
    service.raise_qap("asmith", "LCS-104233", None);
    let sink = Sink::start();
    sink.stall_after_data(true);
    let mut run = service
        .process()
        .args(["outbox", "send", "--smtp", &sink.url])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start iro");
    // The server has the whole message; iro waits for its answer, and is killed.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while sink.received().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the sink never got the message"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    run.kill().expect("kill iro");
    run.wait().expect("reaped");
    let first_id = message_id(&sink.received()[0].data);
    let rows = outbox(&service);
    assert_eq!(rows[0]["status"], "uncertain", "{rows:?}");
    assert!(rows[0]["claimed_at"].is_string());

    // The nightly run does not send it again, and says there is one to look at.
    sink.stall_after_data(false);
    let (code, err) = send(&service, &sink);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("1 message(s) are uncertain"), "{err}");
    assert_eq!(sink.received().len(), 1);
    let listed = service.ok(&["outbox", "list", "--pending"]);
    assert!(listed.contains("uncertain"), "{listed}");

    // Sent again only when asked, under the same Message-ID.
    let (code, err) = send_with(&service, &sink, &["--resend-uncertain"]);
    assert_eq!(code, 0, "{err}");
    let received = sink.received();
    assert_eq!(received.len(), 2);
    assert_eq!(message_id(&received[1].data), first_id);
    assert_eq!(outbox(&service)[0]["status"], "sent");
}

#[test]
fn addresses_that_cannot_be_sent_to_are_refused_when_staff_are_added() {
    let service = Service::new();
    let before = service.dump();
    for bad in [
        "x@[127.0.0.1]",
        "\"a>b\"@example.gov.uk",
        "\"a,b\"@example.gov.uk",
        "a,b@example.gov.uk",
        "a<b>@example.gov.uk",
    ] {
        let err = service.fails(
            2,
            &[
                "staff",
                "add",
                "newsw",
                "--name",
                "New Worker",
                "--role",
                "social-worker",
                "--email",
                bad,
            ],
        );
        assert!(err.contains("--email"), "{bad}: {err}");
    }
    assert_eq!(service.dump(), before);
}

#[test]
fn a_message_to_an_address_stored_before_it_was_checked_fails_naming_the_person() {
    let service = Service::new();
    service.raise_qap("asmith", "LCS-104233", None);
    // An address an older iro accepted, as the file may still hold it.
    crate::common::Peek::open(&service.db).edit(
        "UPDATE outbox SET to_addrs = json_set(to_addrs, '$[0].email', 'x@[127.0.0.1]')",
        "UPDATE outbox SET to_addrs = jsonb_set(to_addrs::jsonb, '{0,email}', '\"x@[127.0.0.1]\"')::text",
    );
    let sink = Sink::start();
    let (code, err) = send(&service, &sink);
    assert_eq!(code, 1, "{err}");
    assert!(
        sink.received().is_empty(),
        "nothing sent with a recipient dropped"
    );
    let rows = outbox(&service);
    assert_eq!(rows[0]["status"], "failed");
    let error = rows[0]["error"].as_str().expect("an error");
    assert!(
        error.contains("bking") && error.contains("cannot be sent to"),
        "{error}"
    );
}

#[test]
fn missing_people_are_warned_of_and_eml_files_parse_back() {
    let service = Service::new();
    service.ok(&[
        "child",
        "add",
        "LCS-300003",
        "--name",
        "Alex Brown",
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
    ]);
    let output = service
        .iro()
        .args([
            "--as",
            "asmith",
            "raise-qap",
            "LCS-300003",
            "--category",
            "health-assessment",
            "--summary",
            "Health assessment late",
            "--action",
            "Book the assessment",
            "--owner",
            "bking",
            "--within",
            "5",
        ])
        .output()
        .expect("run iro");
    assert!(output.status.success(), "the step is still recorded");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "Q-2026-0001\n");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "warning: Q-2026-0001 LCS-300003: QAP raised: not told: practice supervisor: none allocated to LCS-300003"
        ),
        "{stderr}"
    );
    let e = service.ok(&[
        "--as",
        "asmith",
        "escalate",
        "--child",
        "LCS-104233",
        "--category",
        "contact",
        "--summary",
        "Contact stopped",
        "--stage",
        "2",
        "--reason",
        "Urgent",
    ]);
    assert_eq!(e.trim(), "E-2026-0001");
    let rows = outbox(&service);
    assert_eq!(
        rows[0]["missing"],
        serde_json::json!(["practice supervisor: none allocated to LCS-300003"])
    );
    assert_eq!(rows[1]["missing"], serde_json::json!([]));

    let dir = service.dir.path().join("mail");
    let dir_text = dir.to_str().expect("utf-8 path");
    let written = service.ok(&[
        "outbox",
        "write",
        dir_text,
        "--from",
        "IRO Service <iro@council.example>",
    ]);
    assert_eq!(written.lines().count(), 2, "{written}");
    let files: Vec<&str> = written.lines().collect();
    for file in &files {
        let name = std::path::Path::new(file)
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a name");
        assert!(name.starts_with("iro-") && name.ends_with(".eml"), "{name}");
    }
    let first = parse(&std::fs::read(files[0]).expect("the first .eml"));
    assert_eq!(first.from, ["iro@council.example"]);
    assert_eq!(first.to, at(&["bking"]));
    assert_eq!(first.cc, at(&["tgreen", "jwhite"]));
    assert!(
        first.subject.starts_with("[iro] Q-2026-0001 LCS-300003 (")
            && first.subject.ends_with("): QAP raised"),
        "{}",
        first.subject
    );
    assert!(first
        .body
        .contains("Could not be told: practice supervisor"));
    let second = parse(&std::fs::read(files[1]).expect("the second .eml"));
    assert_eq!(second.to, at(&["mblack", "tgreen"]));
    assert_eq!(second.cc, at(&["jwhite", "senior"]));
    assert_eq!(
        second.subject,
        "[iro] E-2026-0001 LCS-104233 (contact): EPCP/DRP stage 2"
    );
    assert!(second
        .body
        .contains("stage 2 entered on Thursday 26 November 2026: Urgent"));
    assert!(outbox(&service).iter().all(|m| m["status"] == "written"));
    assert!(!second.body.contains("Sam Jones") && !first.body.contains("Alex Brown"));

    // Written once: a second run writes nothing, and a written message is delivered, not pending.
    assert_eq!(service.ok(&["outbox", "write", dir_text]), "");
    let table = service.ok(&["outbox", "list", "--pending"]);
    assert!(!table.contains("E-2026-0001"), "{table}");
    // Nor is it sent by SMTP as well, unless asked.
    let sink = Sink::start();
    let (code, err) = send(&service, &sink);
    assert_eq!(code, 0, "{err}");
    assert!(sink.received().is_empty());
    let (code, err) = send_with(&service, &sink, &["--include-written"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(sink.received().len(), 2);
}

/// The alert form's "who was told" and the messages the steps queued come from the one rule table.
#[test]
fn the_alert_form_names_the_people_the_messages_went_to() {
    let service = Service::new();
    let q = service.raise_qap("asmith", "LCS-104233", Some("2026-11-02"));
    service.ok(&[
        "--as",
        "asmith",
        "escalate",
        &q,
        "--stage",
        "1",
        "--on",
        "2026-11-03",
    ]);
    service.ok(&[
        "--as",
        "asmith",
        "escalate",
        &q,
        "--stage",
        "3",
        "--reason",
        "No reply",
        "--on",
        "2026-11-04",
    ]);
    let form: Value =
        serde_json::from_str(&service.ok(&["report", "alert-form", &q, "--format", "json"]))
            .expect("form json");
    let ids = |people: &Value| -> Vec<String> {
        people
            .as_array()
            .expect("people")
            .iter()
            .map(|p| p["id"].as_str().expect("an id").to_string())
            .collect()
    };
    let stages: Vec<Value> = outbox(&service)
        .into_iter()
        .filter(|m| m["event_kind"] == "drp-entered" || m["event_kind"] == "stage-raised")
        .collect();
    let notified = form["notified"].as_array().expect("notified");
    assert_eq!(notified.len(), 2);
    for (notice, message) in notified.iter().zip(&stages) {
        assert_eq!(
            ids(&notice["to"]),
            ids(&message["to"]),
            "to, stage {}",
            notice["stage"]
        );
        assert_eq!(
            ids(&notice["copy"]),
            ids(&message["cc"]),
            "copy, stage {}",
            notice["stage"]
        );
    }
}
