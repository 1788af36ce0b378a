//! Privacy: a database others can read is flagged; shared reports can leave the child's name out.

use crate::common::Service;

fn scenario() -> (Service, String) {
    let service = Service::new();
    let m = service.ok(&[
        "--as",
        "asmith",
        "raise-qap",
        "LCS-104233",
        "--category",
        "permanence",
        "--summary",
        "Plan drifting",
        "--action",
        "Assess",
        "--owner",
        "bking",
        "--within",
        "5",
        "--on",
        "2026-11-02",
    ]);
    let m = m.trim().to_string();
    service.ok(&[
        "--as",
        "asmith",
        "escalate",
        &m,
        "--stage",
        "1",
        "--on",
        "2026-11-03",
    ]);
    (service, m)
}

#[cfg(unix)]
#[test]
fn a_database_others_can_read_is_flagged_on_every_use() {
    if crate::common::file_only("the file's permissions") {
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let (service, _) = scenario();
    let quiet = service.iro().args(["list"]).output().expect("run");
    assert!(quiet.status.success());
    assert!(
        !String::from_utf8_lossy(&quiet.stderr).contains("warning"),
        "a private file draws no warning"
    );
    std::fs::set_permissions(&service.db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let warned = service.iro().args(["list"]).output().expect("run");
    assert!(
        warned.status.success(),
        "the warning does not stop the work"
    );
    let stderr = String::from_utf8_lossy(&warned.stderr);
    assert!(
        stderr.contains("can be read by other users (mode 644)"),
        "{stderr}"
    );
    assert!(stderr.contains("chmod 600"), "{stderr}");
}

#[test]
fn redacted_reports_name_the_child_by_reference_only() {
    let (service, m) = scenario();
    let name = "Sam Jones";
    let chronology = service.ok(&["report", "chronology", "--child", "LCS-104233"]);
    assert!(chronology.contains(name), "{chronology}");
    let redacted = service.ok(&["report", "chronology", "--child", "LCS-104233", "--redact"]);
    assert!(!redacted.contains(name), "{redacted}");
    assert!(redacted.contains("LCS-104233"), "{redacted}");
    let form = service.ok(&["report", "alert-form", &m]);
    assert!(form.contains(name), "{form}");
    for format in ["markdown", "json"] {
        let redacted = service.ok(&["report", "alert-form", &m, "--redact", "--format", format]);
        assert!(!redacted.contains(name), "{redacted}");
    }
    // Exports carry references, never names.
    for what in ["matters", "actions", "events"] {
        for format in ["csv", "json"] {
            let export = service.ok(&["export", what, "--format", format]);
            assert!(!export.contains(name), "export {what} {format}: {export}");
            assert!(export.contains("LCS-104233"), "export {what} {format}");
        }
    }
}
