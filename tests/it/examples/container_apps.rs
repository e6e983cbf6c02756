//! `examples/container-apps` (seed 002): the pre-promotion checklist (CI via the `gh` fixture,
//! no SEV-1/2 from a busybox stand-in, previous release stable via a `release` gate after a
//! completed baseline release), the promotion (`flightdeck demo-service` as the new revision),
//! `az` revisions, smoke with the 500 ms SLO, the trigger table with real Prometheus, the
//! evidence report; then 1.10.1 whose workflow made no new revision (the old one keeps 100 %
//! of traffic): the new-revision check fails and the release rolls back; then 1.10.1 on a new
//! revision with 30 % 5xx, whose error-rate trigger trips, and the rollback script brings
//! 1.10.0 back; then 1.10.2 and 1.10.3, whose `/health` goes down during the watch: the health
//! trigger, then the smoke trigger, trips and rolls it back (`container_apps/trips.rs`). A
//! webhook receiver on 127.0.0.1 is `RELEASE_WEBHOOK`: it gets the `approval-waiting`, and for
//! each trip `trigger-tripped`, `rollback-armed` and `release-rolled-back`.

mod trips;

use flightdeck::release::{ReleaseOutcome, ReleasePhase};

use super::support::{
    PidFile, bin_dir, copy_example, fixture_path, get, httpd, prometheus, prometheus_ready, secs,
    wait_for,
};
use super::team::Receiver;
use crate::run::{Dir, out};
use crate::watch::free_port;

const ANSWERS: &str = r#"
[approvals.pr-approval]
name = "bob"
reason = "PR #482 approved by bob"

[evidence]
breaking-changes = "none: PR #482 description lists no breaking changes"
p0 = "login, order entry and portfolio walked"
incident-note = "incident note posted on PR #482"

[rollback]
confirm = "production"
"#;

/// The first release, already in production (the release gate needs a finished one).
const BASELINE: &str = r#"
[release]
name = "trade-nexus-backend"
environment = "production"
version = "1.9.0"

[vars]
port = "8000"

[[steps]]
id = "promote"
kind = "run"
run = ".ops/scripts/deploy.sh {{ version }} {{ vars.port }}"
"#;

struct Ports {
    app: u16,
    incidents: u16,
    prom: u16,
    hook: Receiver,
}

fn run(d: &Dir, p: &Ports, file: &str, extra: &[&str]) -> std::process::Output {
    run_env(d, p, file, extra, &[])
}

/// `run` with `env` added (`AZ_FIXTURE_NEW_REVISION`: the `az` fixture shows the workflow's
/// new revision of that version at 100 %).
fn run_env(
    d: &Dir,
    p: &Ports,
    file: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    let sets = [
        format!("vars.port={}", p.app),
        format!(
            "vars.incidents_url=http://127.0.0.1:{}/incidents/open",
            p.incidents
        ),
        format!("vars.prometheus=http://127.0.0.1:{}", p.prom),
        "vars.stable_for=1s".to_owned(),
    ];
    let mut args = vec![
        "run",
        "--plain",
        "-f",
        file,
        "--answers",
        "answers.toml",
        "--operator",
        "alice",
    ];
    let n = if file == "baseline.toml" {
        1
    } else {
        sets.len()
    };
    for s in &sets[..n] {
        args.extend(["--set", s.as_str()]);
    }
    args.extend(extra);
    let path = format!("{}:{}", bin_dir().display(), fixture_path());
    let mut c = d.cmd(&args);
    c.env("PATH", path)
        .env("RELEASE_WEBHOOK", p.hook.url())
        .timeout(secs(180));
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn live_version(port: u16) -> Option<String> {
    let body = get(port, "/api/system/version")?;
    let v: serde_json::Value = serde_json::from_str(body.trim()).ok()?;
    v["version"].as_str().map(str::to_owned)
}

#[test]
fn container_apps_promotes_then_a_tripped_error_rate_rolls_back() {
    if !crate::skip::need(crate::skip::Component::Busybox) || !prometheus_ready() {
        return;
    }
    let d = copy_example("container-apps");
    let _app = PidFile(d.path().join(".ops/state/pid"));
    let p = Ports {
        app: free_port(),
        incidents: free_port(),
        prom: free_port(),
        hook: Receiver::start(),
    };
    let _incidents = httpd(&d.path().join("standins"), p.incidents);
    let _prom = prometheus(&d.path().join(".prom"), p.prom, &[("app", p.app)]);
    d.write("answers.toml", ANSWERS);
    d.write("baseline.toml", BASELINE);

    let o = run(&d, &p, "baseline.toml", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(live_version(p.app).as_deref(), Some("1.9.0"));
    std::thread::sleep(secs(2)); // stable_for = 1s
    wait_for(secs(60), "Prometheus has a request rate", || {
        get(
            p.prom,
            "/api/v1/query?query=sum(rate(http_requests_total%5B1m%5D))",
        )
        .is_some_and(|b| b.contains("\"value\""))
    });

    promote_1_10_0(&d, &p);
    no_new_revision_fails_the_check(&d, &p);
    bad_1_10_1_rolls_back(&d, &p);
    trips::health_down_1_10_2_rolls_back(&d, &p);
    trips::smoke_fails_1_10_3_rolls_back(&d, &p);
}

fn promote_1_10_0(d: &Dir, p: &Ports) {
    let o = run(d, p, "flightdeck.toml", &["--set", "vars.watch=5s"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let waiting = p.hook.wait("approval-waiting", "1.10.0");
    assert_eq!(waiting["step"], "pr-approval", "{waiting}");
    let text = String::from_utf8_lossy(&o.stdout);
    for want in [
        "✔ ci-green: exit 0",
        "✔ no-sev12: 200",
        "✔ previous-stable: trade-nexus-backend 1.9.0 in production completed",
        "✔ error-rate: 0",
        "captured revision=trade-nexus-backend--0000042",
    ] {
        assert!(text.contains(want), "missing `{want}`:\n{text}");
    }
    assert_eq!(live_version(p.app).as_deref(), Some("1.10.0"));
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::Completed));
    let approval = records
        .iter()
        .find(|r| r.kind.as_str() == "approval")
        .expect("approval");
    assert_eq!(approval.data["name"], "bob");
    let smoke_latency = records.iter().any(|r| {
        r.kind.as_str() == "gate-result"
            && r.step.as_deref() == Some("smoke")
            && r.data["gate"] == "version"
            && r.data["state"] == "pass"
    });
    assert!(smoke_latency, "the SLO-checked version gate passed");
    d.verify_latest();

    // The evidence record, archived with a date prefix.
    let rep = d
        .cmd(&["report", "-o", ".ops/evidence/release-1.10.0.md"])
        .timeout(secs(30))
        .output()
        .unwrap();
    assert_eq!(rep.status.code(), Some(0), "{}", out(&rep));
    let report = std::fs::read_to_string(d.path().join(".ops/evidence/release-1.10.0.md")).unwrap();
    for want in [
        "trade-nexus-backend 1.10.0",
        "PR #482 approved by bob",
        "trade-nexus-backend--0000042",
        "none: PR #482 description lists no breaking changes",
    ] {
        assert!(
            report.contains(want),
            "missing `{want}` in the report:\n{report}"
        );
    }

    // The `az` revision source, read by `status`.
    let st = d
        .cmd(&["status", "--json", "--set", &format!("vars.port={}", p.app)])
        .env("PATH", fixture_path())
        .timeout(secs(60))
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&st.stdout).unwrap_or_else(|e| {
        panic!("status --json: {e}\n{}", out(&st));
    });
    let sources = &json["revisions"]["sources"];
    assert_eq!(sources[0]["name"], "containerapp", "{sources}");
    assert_eq!(sources[0]["rows"][0]["id"], "trade-nexus-backend--0000042");
    assert_eq!(sources[1]["version"], "1.10.0", "{sources}");
    assert_eq!(sources[1]["matches"], true, "{sources}");
}

/// 1.10.1 deployed, but `az` still shows the old revision 42 (1.10.0) at 100 %: the check of
/// the new revision fails (it passed for the old one before), and the release rolls back.
fn no_new_revision_fails_the_check(d: &Dir, p: &Ports) {
    std::thread::sleep(secs(2)); // stable_for = 1s after 1.10.0
    let o = run(d, p, "flightdeck.toml", &["--release-version", "1.10.1"]);
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains(
            "100% of traffic is on trade-nexus-backend--0000042 running 1.10.0, not 1.10.1: \
             no new revision serves this release"
        ),
        "{text}"
    );
    assert!(
        text.contains("rolling back: step `revision` failed"),
        "{text}"
    );
    assert_eq!(live_version(p.app).as_deref(), Some("1.10.0"));
    let (_, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::RolledBack));
    assert!(
        !st.captures.contains_key("revision"),
        "no revision captured"
    );
    // The cause fixed, 1.10.0 is released again, so the previous release is a completed one.
    let o = run(d, p, "baseline.toml", &["--release-version", "1.10.0"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let (_, st) = d.latest();
    assert_eq!(
        (st.version.as_str(), st.phase),
        ("1.10.0", ReleasePhase::Finished(ReleaseOutcome::Completed))
    );
}

fn bad_1_10_1_rolls_back(d: &Dir, p: &Ports) {
    std::fs::write(d.path().join("faults/1.10.1"), "0.3").unwrap();
    std::thread::sleep(secs(2)); // stable_for = 1s after 1.10.0
    let o = run_env(
        d,
        p,
        "flightdeck.toml",
        &[
            "--release-version",
            "1.10.1",
            "--set",
            "vars.watch=90s",
            "--set",
            "vars.error_window=15s",
        ],
        &[("AZ_FIXTURE_NEW_REVISION", "1.10.1")],
    );
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("captured revision=trade-nexus-backend--0000043"),
        "the new revision passes the check: {text}"
    );
    assert!(text.contains("trigger error-rate tripped"), "{text}");
    assert!(
        text.contains("previous revision: trade-nexus-backend--0000042 (1.10.0)"),
        "{text}"
    );
    assert_eq!(live_version(p.app).as_deref(), Some("1.10.0"));
    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::RolledBack));
    assert!(records.iter().any(|r| r.kind.as_str() == "trigger-tripped"));
    assert!(records.iter().any(|r| r.kind.as_str() == "rollback-armed"));
    assert_eq!(
        st.steps
            .iter()
            .find(|s| s.id == "p0")
            .map(|s| s.evidence.is_some()),
        Some(false),
        "the release stopped at the watch"
    );
    d.verify_latest();
    // The on-call webhook heard the trip, the armed rollback and its end.
    let tripped = p.hook.wait("trigger-tripped", "1.10.1");
    assert_eq!(tripped["step"], "watch", "{tripped}");
    assert_eq!(tripped["release"], "trade-nexus-backend", "{tripped}");
    assert_eq!(tripped["environment"], "production", "{tripped}");
    assert!(
        tripped["message"]
            .as_str()
            .unwrap()
            .starts_with("trigger error-rate tripped"),
        "{tripped}"
    );
    // 1.10.1 was released twice (the first rolled back without a trip): this release's events.
    let id = &tripped["release_id"];
    p.hook.wait_release("rollback-armed", id);
    let done = p.hook.wait_release("release-rolled-back", id);
    assert_eq!(done["environment"], "production", "{done}");
    assert_eq!(done["release"], "trade-nexus-backend", "{done}");
    assert_eq!(done["release_id"], tripped["release_id"], "{done}");
    let delivered = records
        .iter()
        .filter(|r| r.kind.as_str() == "notification" && r.data["delivered"] == true)
        .count();
    assert!(delivered >= 3, "journaled deliveries: {delivered}");
}
