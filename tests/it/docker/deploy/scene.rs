//! The deploy tests' scene: per-test images `<repo>:v1…` (removed on drop) and a container
//! on v1 labelled for one service; the services pane rendered with fixed ids and times.

use std::time::Duration;

use bollard::Docker;
use flightdeck::exec::docker::Target;
use flightdeck::exec::docker::deploy::DeploySpec;
use flightdeck::release::Phase;
use flightdeck::runbook::{DeployOrder, DockerHost, Service, ServiceMatch};
use flightdeck::ui::panes::services::{ServiceStyles, services_lines_with, to_plain};
use flightdeck::watch::docker::Matchers;

use super::super::images;
use super::super::images::free_port;
use super::super::pane as px;
use super::super::support::{self, Cleanup, unique};

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
        self.build_with(v, health, true).await
    }

    /// [`Images::build`], with or without a Docker `HEALTHCHECK` (the `/health` file is
    /// there when `health`).
    pub async fn build_with(&mut self, v: &str, health: bool, check: bool) -> Option<String> {
        let tag = self.tag(v);
        let healthcheck = if check {
            "HEALTHCHECK --interval=1s --timeout=2s --retries=1 CMD [\"/bin/busybox\", \"sh\", \
             \"-c\", \"/bin/busybox wget -q -O- http://127.0.0.1:$PORT/health\"]\n"
        } else {
            ""
        };
        let dockerfile = format!(
            "FROM scratch\nCOPY busybox /bin/busybox\nCOPY www /www\nENV PORT=18080\n\
             LABEL flightdeck.test.version={v}\nSTOPSIGNAL SIGKILL\n{healthcheck}\
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
pub async fn pane_text(s: &Scene, target: &str) -> String {
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
