//! `[[notifications]]` end to end (DESIGN.md §10) with a real HTTP receiver on 127.0.0.1:
//! a trip delivers `trigger-tripped` and `rollback-armed`, the Slack format is `{"text": …}`,
//! every attempt is journaled without the URL's path or the secret (which the receiver gets),
//! and a receiver that is down neither blocks nor fails the release.

use std::time::{Duration, Instant};

use flightdeck::journal::Record;
use flightdeck::release::{ReleaseOutcome, ReleasePhase};

use crate::run::{Dir, out};
use crate::watch::{Service, free_port};
use crate::webhook::{Hook as Receiver, Post};

const TOKEN: &str = "tok-s3cr3t-4711";

fn notifications(records: &[Record]) -> Vec<&Record> {
    records
        .iter()
        .filter(|r| r.kind.as_str() == "notification")
        .collect()
}

/// The deploy raises the error rate; the watch trips; two receivers' entries.
fn trip_runbook(svc: u16, hook: u16, remind: &str, auto_delay: &str) -> String {
    format!(
        r#"
[release]
name = "app"
environment = "staging"
version = "2.0.0"

[secrets]
env = ["HOOK_TOKEN"]

[[gates]]
id = "errors"
kind = "http"
url = "http://127.0.0.1:{svc}/stats"
json = {{ path = "$.error_rate", condition = "result <= 0.05" }}
interval = "300ms"

[[notifications]]
url = "http://127.0.0.1:{hook}/hook/{{{{ env.HOOK_TOKEN }}}}"
on = ["trigger-tripped", "rollback-armed", "release-rolled-back"]
{remind}
headers = {{ Authorization = "Bearer {{{{ env.HOOK_TOKEN }}}}" }}

[[notifications]]
url = "http://127.0.0.1:{hook}/slack"
on = ["trigger-tripped"]
format = "slack"

[[steps]]
id = "deploy"
kind = "run"
run = "echo 0.2 > rate"

[[steps]]
id = "soak"
kind = "watch"
duration = "20s"
triggers = ["errors"]

[rollback]
auto = true
auto_delay = "{auto_delay}"

[[rollback.steps]]
kind = "run"
run = "echo 0.0 > rate"
"#
    )
}

#[test]
fn a_trip_delivers_trigger_tripped_and_rollback_armed_in_json_and_slack() {
    let d = Dir::new("");
    d.write("rate", "0.0");
    let svc = Service::start(d.path(), "rate");
    let hook = Receiver::start();
    d.write(
        "flightdeck.toml",
        &trip_runbook(svc.port, hook.port, "", "1s"),
    );
    let o = d
        .cmd(&["run", "--plain", "--auto-approve"])
        .env("HOOK_TOKEN", TOKEN)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));

    let posts = hook.collect(4);
    let json: Vec<&Post> = posts.iter().filter(|p| p.path != "/slack").collect();
    let events: Vec<&str> = json
        .iter()
        .map(|p| p.body["event"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(
        events,
        ["trigger-tripped", "rollback-armed", "release-rolled-back"],
        "{posts:?}"
    );
    for p in &json {
        // The receiver gets the secret: in the path and the header.
        assert_eq!(p.path, format!("/hook/{TOKEN}"));
        assert_eq!(p.header("authorization"), Some(&*format!("Bearer {TOKEN}")));
        for k in ["release_id", "ts", "message"] {
            assert!(p.body[k].is_string(), "{k}: {:?}", p.body);
        }
        assert_eq!(p.body["release"], "app");
        assert_eq!(p.body["environment"], "staging");
        assert_eq!(p.body["version"], "2.0.0");
    }
    assert_eq!(json[0].body["step"], "soak");
    assert!(
        json[0].body["message"]
            .as_str()
            .unwrap()
            .starts_with("trigger errors tripped:"),
        "{:?}",
        json[0].body
    );
    let slack: Vec<&Post> = posts.iter().filter(|p| p.path == "/slack").collect();
    assert_eq!(slack.len(), 1, "{posts:?}");
    let obj = slack[0].body.as_object().expect("an object");
    assert_eq!(obj.len(), 1, "only `text`: {obj:?}");
    let text = obj["text"].as_str().expect("text");
    assert!(
        text.starts_with(
            "[trigger-tripped] app 2.0.0 → staging · step soak: trigger errors tripped:"
        ),
        "{text}"
    );

    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::RolledBack));
    let sent = notifications(&records);
    assert_eq!(sent.len(), 4, "{sent:?}");
    for r in &sent {
        assert_eq!(r.data["delivered"], true, "{r:?}");
        assert_eq!(r.data["status"], 200);
        assert_eq!(r.data["attempt"], 1);
        assert_eq!(r.data["url"], format!("http://127.0.0.1:{}", hook.port));
    }
    // Journal first: each notification follows the record it is about.
    let at = |kind: &str| {
        records
            .iter()
            .position(|r| r.kind.as_str() == kind)
            .unwrap_or_else(|| panic!("no {kind}"))
    };
    let first_note = records
        .iter()
        .position(|r| r.kind.as_str() == "notification")
        .expect("a notification");
    assert!(at("trigger-tripped") < first_note);
    // The secret reached the receiver but not the journal.
    let journal =
        std::fs::read_to_string(d.state().resolve("latest").expect("journal")).expect("readable");
    assert!(
        !journal.contains(TOKEN),
        "the token leaked into the journal"
    );
    d.verify_latest();
}

#[test]
fn a_receiver_that_is_down_does_not_block_the_release_and_every_attempt_is_journaled() {
    let d = Dir::new("");
    let dead = free_port();
    let rb = format!(
        r#"
[release]
name = "app"
environment = "staging"
version = "2.0.0"

[[notifications]]
url = "http://127.0.0.1:{dead}/hook"
on = ["approval-waiting", "release-finished"]

[[steps]]
id = "go"
kind = "approval"

[[steps]]
id = "deploy"
kind = "run"
run = "true"
"#
    );
    d.write("flightdeck.toml", &rb);
    let started = Instant::now();
    let o = d
        .cmd(&["run", "--plain", "--auto-approve"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "bounded retries: {:?}",
        started.elapsed()
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("notification approval-waiting to http://127.0.0.1:"),
        "{text}"
    );

    let (records, st) = d.latest();
    assert_eq!(st.phase, ReleasePhase::Finished(ReleaseOutcome::Completed));
    let sent = notifications(&records);
    for event in ["approval-waiting", "release-finished"] {
        let attempts: Vec<&&Record> = sent.iter().filter(|r| r.data["event"] == event).collect();
        let numbers: Vec<u64> = attempts
            .iter()
            .map(|r| r.data["attempt"].as_u64().unwrap())
            .collect();
        assert_eq!(numbers, [1, 2, 3], "{event}: {attempts:?}");
        for r in &attempts {
            assert_eq!(r.data["delivered"], false);
            assert!(
                r.data["error"].as_str().unwrap().contains("cannot connect"),
                "{r:?}"
            );
            assert!(r.data.get("status").is_none());
        }
    }
    // The release moved on while the approval's notification was still being retried.
    let deploy_started = records
        .iter()
        .position(|r| r.kind.as_str() == "step-started" && r.step.as_deref() == Some("deploy"))
        .expect("deploy started");
    let last_waiting = records
        .iter()
        .rposition(|r| r.kind.as_str() == "notification" && r.data["event"] == "approval-waiting")
        .expect("attempts");
    assert!(
        deploy_started < last_waiting,
        "the release did not wait for the webhook"
    );
    d.verify_latest();
}

#[test]
fn remind_repeats_rollback_armed_while_the_auto_rollback_countdown_runs() {
    let d = Dir::new("");
    d.write("rate", "0.0");
    let svc = Service::start(d.path(), "rate");
    let hook = Receiver::start();
    let rb = trip_runbook(svc.port, hook.port, "remind = \"1s\"", "3500ms");
    d.write("flightdeck.toml", &rb);
    let o = d
        .cmd(&["run", "--plain", "--auto-approve"])
        .env("HOOK_TOKEN", TOKEN)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    let (records, _) = d.latest();
    let delivered = notifications(&records)
        .iter()
        .filter(|r| r.data["delivered"] == true)
        .count();
    let posts = hook.collect(delivered);
    let armed: Vec<&str> = posts
        .iter()
        .filter(|p| p.body["event"] == "rollback-armed")
        .map(|p| p.body["message"].as_str().unwrap_or("?"))
        .collect();
    // The arming, then a reminder every second of the 3.5 s countdown (up to 3; a loaded
    // machine may fire the third after the rollback started, when none is sent), then none.
    assert!((3..=4).contains(&armed.len()), "{armed:?}");
    assert!(armed[0].starts_with("rollback armed"), "{armed:?}");
    for m in &armed[1..] {
        assert!(
            m.starts_with("reminder: the rollback is still armed: trigger errors tripped"),
            "{m}"
        );
    }
}

#[test]
fn plan_lists_the_webhooks_without_their_paths_and_run_refuses_an_unset_token() {
    let d = Dir::new(&format!(
        r#"
[release]
name = "app"
environment = "staging"
version = "2.0.0"

[secrets]
env = ["HOOK_TOKEN"]

[[notifications]]
url = "http://127.0.0.1:{port}/hook/{{{{ env.HOOK_TOKEN }}}}"
on = ["approval-waiting", "rollback-armed"]
format = "slack"
remind = "5m"

[[steps]]
id = "deploy"
kind = "run"
run = "true"
"#,
        port = free_port()
    ));
    let o = d
        .cmd(&["plan"])
        .env("HOOK_TOKEN", TOKEN)
        .output()
        .expect("plan runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("(slack) on approval-waiting, rollback-armed · remind every 5m"),
        "{text}"
    );
    assert!(!text.contains(TOKEN) && !text.contains("/hook"), "{text}");

    let o = d
        .cmd(&["plan"])
        .env_remove("HOOK_TOKEN")
        .output()
        .expect("plan runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "[[notifications]] 1: flightdeck.toml:11:7: undefined variable `env.HOOK_TOKEN`"
        ),
        "{err}"
    );
    let o = d
        .cmd(&["run", "--plain", "--auto-approve"])
        .env_remove("HOOK_TOKEN")
        .output()
        .expect("run runs");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("undefined variable `env.HOOK_TOKEN`") && err.contains("run: 1 problem(s)"),
        "{err}"
    );
    assert!(d.state().resolve("latest").is_err(), "no release started");
}
