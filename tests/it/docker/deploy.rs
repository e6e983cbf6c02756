//! `docker-deploy` and `docker-rollback` against the shared daemon: busybox httpd images
//! v1/v3 (healthy) and v2 (no `/health`), deployed by a headless `flightdeck run --plain`
//! and rolled back by `flightdeck rollback --yes`; `retain` and a missing image through the
//! executor directly.

use std::time::Duration;

use bollard::Docker;
use flightdeck::exec::docker::Target;
use flightdeck::exec::docker::deploy::{self, DeploySpec};
use flightdeck::release::{Msg, Phase};
use flightdeck::runbook::{DeployOrder, DockerHost, Service, ServiceMatch};
use flightdeck::watch::docker::Matchers;
use tokio::sync::mpsc;

use flightdeck::ui::panes::services::{ServiceStyles, services_lines_with, to_plain};

use super::images::{self, free_port};
use super::pane as px;
use super::support::{self, Cleanup, unique};
use crate::run::{Dir, out};

/// A test's images: `<repo>:v1` … tagged for this run; removed on drop.
pub struct Images {
    pub docker: Docker,
    pub repo: String,
    pub tags: Vec<String>,
}

impl Images {
    pub fn tag(&self, v: &str) -> String {
        format!("{}:{v}", self.repo)
    }

    /// Build `v` (healthy unless `health` is false) as `<repo>:<v>`.
    pub async fn build(&mut self, v: &str, health: bool) -> Option<String> {
        let tag = self.tag(v);
        let dockerfile = format!(
            "FROM scratch\nCOPY busybox /bin/busybox\nCOPY www /www\nENV PORT=18080\n\
             LABEL flightdeck.test.version={v}\nSTOPSIGNAL SIGKILL\n\
             HEALTHCHECK --interval=1s --timeout=2s --retries=1 CMD [\"/bin/busybox\", \"sh\", \
             \"-c\", \"/bin/busybox wget -q -O- http://127.0.0.1:$PORT/health\"]\n\
             ENTRYPOINT [\"/bin/busybox\", \"sh\", \"-c\", \"echo web {v} starting on $PORT; \
             exec /bin/busybox httpd -f -vv -p 127.0.0.1:$PORT -h /www\"]\n"
        );
        images::build_tag(&self.docker, &tag, &dockerfile, health).await?;
        self.tags.push(tag.clone());
        Some(tag)
    }
}

impl Drop for Images {
    fn drop(&mut self) {
        let docker = self.docker.clone();
        let tags = std::mem::take(&mut self.tags);
        let t = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for cleanup");
            rt.block_on(async {
                for tag in tags {
                    let _ = tokio::time::timeout(
                        Duration::from_secs(10),
                        docker.remove_image(
                            &tag,
                            None::<bollard::query_parameters::RemoveImageOptions>,
                            None,
                        ),
                    )
                    .await;
                }
            });
        });
        let _ = t.join();
    }
}

/// One deploy scenario: a container `fd-<run>-web` on v1, labelled `flightdeck.svc=<run>`.
pub struct Scene {
    pub host: DockerHost,
    pub docker: Docker,
    pub run: String,
    pub name: String,
    /// Dropped first: the containers go before their images.
    pub _cleanup: Cleanup,
    pub images: Images,
}

impl Scene {
    pub async fn start() -> Option<Scene> {
        let (host, docker) = support::shared().await?;
        let run = unique();
        let mut images = Images {
            docker: docker.clone(),
            repo: format!("flightdeck-test/deploy-{run}"),
            tags: Vec::new(),
        };
        let cleanup = Cleanup {
            docker: docker.clone(),
            run: run.clone(),
        };
        for (v, ok) in [("v1", true), ("v2", false), ("v3", true)] {
            images.build(v, ok).await?;
        }
        let name = format!("fd-{run}-web");
        let v1 = images.tag("v1");
        images::run_tag(
            &docker,
            &v1,
            &name,
            &run,
            &[("flightdeck.svc", &run)],
            Some(free_port()),
        )
        .await;
        Some(Scene {
            host,
            docker,
            run,
            name,
            _cleanup: cleanup,
            images,
        })
    }

    pub fn service(&self) -> Service {
        support::service(
            "web",
            ServiceMatch::Label {
                key: "flightdeck.svc".into(),
                value: Some(self.run.clone()),
            },
        )
    }

    /// A runbook deploying `image`, rolled back by `docker-rollback`.
    pub fn runbook(&self, image: &str) -> String {
        format!(
            r#"
[release]
name = "web"
environment = "staging"
version = "1.0.0"

[[services]]
name = "web"
match = {{ label = "flightdeck.svc={run}" }}

[[steps]]
id = "deploy"
kind = "docker-deploy"
service = "web"
image = "{image}"
wait_healthy = "20s"

[[rollback.steps]]
id = "undeploy"
kind = "docker-rollback"
service = "web"
"#,
            run = self.run
        )
    }

    /// The image reference and running state of the container named `name`.
    pub async fn state_of(&self, name: &str) -> Option<(String, bool)> {
        let i = self.docker.inspect_container(name, None).await.ok()?;
        Some((
            i.config.and_then(|c| c.image).unwrap_or_default(),
            i.state.and_then(|s| s.running).unwrap_or(false),
        ))
    }

    /// Wait (at most 20 s) until the container `name` is healthy.
    pub async fn wait_healthy(&self, name: &str) {
        for _ in 0..80 {
            let i = self.docker.inspect_container(name, None).await.ok();
            let status = i
                .and_then(|i| i.state)
                .and_then(|s| s.health)
                .and_then(|h| h.status)
                .map(|s| s.to_string());
            if status.as_deref() == Some("healthy") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        panic!("{name} is not healthy within 20 s");
    }

    pub fn spec(&self, image: &str, retain: u32) -> DeploySpec {
        DeploySpec {
            target: Target {
                phase: Phase::Main,
                step: "deploy".into(),
                service: "web".into(),
                matchers: Matchers::new(&[self.service()]).expect("matchers"),
                hosts: vec![self.host.clone()],
            },
            image: image.to_owned(),
            wait_healthy: Duration::from_secs(20),
            health_url: None,
            order: DeployOrder::StopFirst,
            retain,
            pull: false,
        }
    }
}

/// The services pane for this scene's containers, with fixed ids, times and digests (the run
/// id becomes `RUN`), the release deploying `target`.
async fn pane_text(s: &Scene, target: &str) -> String {
    let matchers = Matchers::new(&[s.service()]).expect("matchers");
    let mut list = flightdeck::watch::docker::list(&s.docker, &matchers)
        .await
        .expect("lists");
    let norm = |x: &str| x.replace(&s.run, "RUN");
    for c in &mut list {
        c.name = norm(&c.name);
        c.id = format!("id-{}", c.name);
        c.image = norm(&c.image);
        c.started_at = Some(px::at(10, 27, 0));
        c.finished_at = c.finished_at.map(|_| px::at(10, 28, 0));
        c.image_digest = match c.image.rsplit(':').next() {
            Some("v1") => "1111aaaa".repeat(5),
            Some("v3") => "3333cccc".repeat(5),
            _ => "0000".repeat(10),
        };
    }
    let model = px::live(vec![("local", list)]);
    let lines = services_lines_with(
        &model,
        &[s.service()],
        &[("web".to_owned(), norm(target))],
        None,
        px::now(),
        110,
        &ServiceStyles::default(),
    );
    to_plain(&lines).join("\n")
}

fn headless(d: &Dir, args: &[&str]) -> std::process::Output {
    let mut c = d.cmd(args);
    c.timeout(Duration::from_secs(120));
    c.output().expect("runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_deploy_restores_the_old_container_and_journals_its_logs() {
    super::bounded(Box::pin(async {
        let Some(s) = Scene::start().await else {
            return;
        };
        let d = Dir::new(&s.runbook(&s.images.tag("v2")));
        let o = headless(&d, &["run", "--plain"]);
        assert_eq!(o.status.code(), Some(1), "{}", out(&o));
        let (image, running) = s.state_of(&s.name).await.expect("the container is back");
        assert_eq!(image, s.images.tag("v1"), "{}", out(&o));
        assert!(running, "v1 runs again");
        let (records, _) = d.latest();
        let failed = records
            .iter()
            .find(|r| r.kind.as_str() == "docker-action" && r.data["action"] == "deploy-failed")
            .expect("a deploy-failed docker-action");
        let logs = failed.data["detail"]["logs"].to_string();
        assert!(logs.contains("web v2 starting"), "{}", failed.data);
        assert!(
            failed.data["detail"]["to"]["id"].is_string(),
            "{}",
            failed.data
        );
        let shown = records.iter().any(|r| {
            r.kind.as_str() == "output" && r.data["lines"].to_string().contains("web v2 starting")
        });
        assert!(
            shown,
            "the failing log lines reach the log pane (and the journal)"
        );
        assert!(s.state_of(&format!("{}.prev-v1", s.name)).await.is_none());
        d.verify_latest();
    }))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_then_rollback_through_the_binary() {
    super::bounded(Box::pin(async {
        let Some(s) = Scene::start().await else {
            return;
        };
        let d = Dir::new(&s.runbook(&s.images.tag("v3")));
        let o = headless(&d, &["run", "--plain"]);
        assert_eq!(o.status.code(), Some(0), "{}", out(&o));
        assert_eq!(
            s.state_of(&s.name).await,
            Some((s.images.tag("v3"), true)),
            "v3 runs"
        );
        let prev = format!("{}.prev-v1", s.name);
        assert_eq!(
            s.state_of(&prev).await,
            Some((s.images.tag("v1"), false)),
            "v1 is retained, stopped"
        );
        insta::assert_snapshot!("after_deploy", pane_text(&s, &s.images.tag("v3")).await);
        let o = headless(&d, &["rollback", "--yes"]);
        assert_eq!(o.status.code(), Some(0), "{}", out(&o));
        assert_eq!(
            s.state_of(&s.name).await,
            Some((s.images.tag("v1"), true)),
            "v1 runs under the original name"
        );
        assert!(s.state_of(&prev).await.is_none());
        s.wait_healthy(&s.name).await;
        insta::assert_snapshot!("after_rollback", pane_text(&s, &s.images.tag("v3")).await);
        let (records, _) = d.latest();
        let rb = records
            .iter()
            .find(|r| r.kind.as_str() == "docker-action" && r.data["action"] == "rollback")
            .expect("a rollback docker-action");
        assert_eq!(rb.data["detail"]["from"]["image"], s.images.tag("v3"));
        assert_eq!(rb.data["detail"]["to"]["image"], s.images.tag("v1"));
        d.verify_latest();
    }))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retain_is_honoured_and_a_missing_image_stops_nothing() {
    super::bounded(Box::pin(async {
        let Some(s) = Scene::start().await else {
            return;
        };
        let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
        let before = s.docker.inspect_container(&s.name, None).await.unwrap().id;
        let missing = s.images.tag("nope");
        let err = deploy::run(&s.spec(&missing, 2), &tx)
            .await
            .expect_err("a missing image fails");
        assert!(
            err.contains("not present") && err.contains("nothing was stopped"),
            "{err}"
        );
        let now = s.docker.inspect_container(&s.name, None).await.unwrap();
        assert_eq!(now.id, before);
        assert_eq!(now.state.and_then(|x| x.running), Some(true));
        for v in ["v3", "v1", "v3", "v1"] {
            deploy::run(&s.spec(&s.images.tag(v), 2), &tx)
                .await
                .unwrap_or_else(|e| panic!("deploying {v}: {e}"));
        }
        assert_eq!(s.state_of(&s.name).await, Some((s.images.tag("v1"), true)));
        let prev = flightdeck::exec::docker::ops::retained(&s.docker, &s.name)
            .await
            .unwrap();
        let names: Vec<&str> = prev.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(prev.len(), 2, "{names:?}");
        assert_eq!(prev[0].image, s.images.tag("v3"), "newest first: {names:?}");
        assert!(prev.iter().all(|f| !f.running));
        let mut prunes = 0;
        while let Ok(m) = rx.try_recv() {
            if let Msg::Record(flightdeck::release::Event::DockerAction { action, .. }) = m {
                prunes += usize::from(action == "prune");
            }
        }
        assert_eq!(prunes, 2, "two older previous containers were removed");
    }))
    .await;
}
