//! `ssh://` Docker hosts through the test sshd (tests/it/sshd.rs) and the shared daemon: the
//! operator's ssh (`FLIGHTDECK_SSH_COMMAND` carries the test's key and `known_hosts`) running
//! `docker system dial-stdio` on 127.0.0.1. `status` shows the host live with its containers,
//! a `docker-deploy` goes through it, and an unreachable host says why (status, services pane).

use std::time::Duration;

use flightdeck::runbook::DockerHost;
use flightdeck::watch::docker::HostStatus;

use super::deploy::Scene;
use super::images::free_port;
use super::pane as px;
use super::support::{Fold, by_name};
use crate::run::{Dir, out};
use crate::sshd::Sshd;

/// `runbook` with one Docker host, `remote`, at `url`.
fn on_host(runbook: &str, url: &str) -> String {
    format!("{runbook}\n[[docker.hosts]]\nname = \"remote\"\nurl = \"{url}\"\n")
}

fn ssh_url(port: u16) -> String {
    format!("ssh://root@127.0.0.1:{port}")
}

fn status_json(d: &Dir, ssh: Option<&str>) -> serde_json::Value {
    let mut c = d.cmd(&["status", "--json"]);
    c.timeout(Duration::from_secs(60));
    match ssh {
        Some(s) => c.env("FLIGHTDECK_SSH_COMMAND", s),
        None => c.env_remove("FLIGHTDECK_SSH_COMMAND"),
    };
    let o = c.output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    serde_json::from_slice(&o.stdout).expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_and_a_deploy_go_through_an_ssh_docker_host() {
    super::bounded(Box::pin(async {
        let Some(sshd) = Sshd::start() else { return };
        let Some(s) = Scene::start().await else {
            return;
        };
        let ssh = sshd.git_ssh_command();
        let dir = Dir::new(&on_host(&s.runbook(&s.images.tag("v3")), &ssh_url(sshd.port)));
        let v = status_json(&dir, Some(&ssh));
        assert_eq!(
            v["hosts"],
            serde_json::json!([{"name": "remote", "url": ssh_url(sshd.port), "state": "live", "error": null}]),
            "{v}\n{}",
            sshd.log()
        );
        let listed = &v["services"][0]["containers"][0];
        assert_eq!(listed["name"], s.name.as_str(), "{v}");
        assert_eq!(listed["host"], "remote");
        assert_eq!(listed["state"], "running");
        assert!(sshd.log().contains("Accepted publickey for root"));

        let o = dir
            .cmd(&["run", "--plain"])
            .env("FLIGHTDECK_SSH_COMMAND", &ssh)
            .timeout(Duration::from_secs(120))
            .output()
            .expect("runs");
        assert_eq!(o.status.code(), Some(0), "{}", out(&o));
        assert_eq!(
            s.state_of(&s.name).await,
            Some((s.images.tag("v3"), true)),
            "v3 runs, deployed through ssh"
        );
    }))
    .await;
}

#[test]
fn an_unreachable_ssh_host_says_why_in_status() {
    let Some(mut sshd) = Sshd::start() else {
        return;
    };
    let url = ssh_url(sshd.port);
    let runbook = "[release]\nname = \"app\"\nenvironment = \"staging\"\nversion = \"1\"\n\
                   [[services]]\nname = \"web\"\nmatch = { name = \"fd-none-*\" }\n";
    let d = Dir::new(&on_host(runbook, &url));
    // The operator's own ssh does not know this host key: refused, never a prompt.
    let v = status_json(&d, None);
    let h = &v["hosts"][0];
    assert_eq!(
        (&h["name"], &h["state"]),
        (&"remote".into(), &"unreachable".into()),
        "{v}"
    );
    let why = h["error"].as_str().unwrap_or_default();
    assert!(
        why.starts_with(&format!("{url}: ")) && why.contains("Host key verification failed"),
        "{v}"
    );
    // Nothing listens: ssh's reason, in the table too.
    let ssh = sshd.git_ssh_command();
    sshd.stop();
    let o = d
        .cmd(&["status"])
        .env("FLIGHTDECK_SSH_COMMAND", &ssh)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("runs");
    let text = out(&o);
    assert!(
        text.contains(&format!(
            "docker host remote ({url}): ✖ remote unreachable: {url}: \
             ssh: connect to host 127.0.0.1 port {}: Connection refused",
            sshd.port
        )),
        "{text}"
    );
    assert!(
        text.contains("service web: unknown: docker host remote unreachable"),
        "{text}"
    );
    assert!(!text.contains("no matching containers"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_services_pane_says_why_an_ssh_host_is_unreachable() {
    super::bounded(async {
        if !crate::skip::need(crate::skip::Component::Sshd) {
            return;
        }
        let port = free_port();
        let host = DockerHost {
            name: "remote".into(),
            url: ssh_url(port),
            tls: None,
        };
        let services = [by_name("web", "fd-none-")];
        let mut f = Fold::start(vec![host], &services);
        f.until(Duration::from_secs(15), "unreachable", |m| {
            matches!(m.hosts[0].status, HostStatus::Unreachable { .. })
        })
        .await;
        let text = px::text(&f.model, &services, None, 160);
        assert!(
            text.contains(&format!(
                "✖ remote  remote unreachable: ssh://root@127.0.0.1:{port}: \
                 ssh: connect to host 127.0.0.1 port {port}: Connection refused"
            )),
            "{text}"
        );
        let refusal = f.model.check_actionable("remote").unwrap_err();
        assert!(refusal.contains("Connection refused"), "{refusal}");
    })
    .await;
}
