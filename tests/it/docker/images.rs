//! Test images built FROM scratch with /bin/busybox (nothing can be pulled), and containers
//! run from them: a sleeper (`--network none`) and a busybox httpd on 127.0.0.1 (`--network
//! host`) with a HEALTHCHECK, in a healthy and an unhealthy version.

use std::collections::HashMap;

use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{BuildImageOptions, CreateContainerOptions};
use futures::StreamExt;

use crate::skip::Component;

use super::support::{TEST_LABEL, skip};

pub const BUSYBOX: &str = "/bin/busybox";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Image {
    Sleep,
    Healthy,
    Unhealthy,
}

impl Image {
    pub fn tag(self) -> &'static str {
        match self {
            Image::Sleep => "flightdeck-test/sleep:1",
            Image::Healthy => "flightdeck-test/httpd:healthy",
            Image::Unhealthy => "flightdeck-test/httpd:unhealthy",
        }
    }

    fn dockerfile(self) -> &'static str {
        match self {
            Image::Sleep => {
                "FROM scratch\nCOPY busybox /bin/busybox\n\
                 ENTRYPOINT [\"/bin/busybox\", \"sleep\", \"3600\"]\n"
            }
            Image::Healthy | Image::Unhealthy => {
                "FROM scratch\nCOPY busybox /bin/busybox\nCOPY www /www\nENV PORT=18080\n\
                 HEALTHCHECK --interval=1s --timeout=2s --retries=1 CMD [\"/bin/busybox\", \
                 \"sh\", \"-c\", \"/bin/busybox wget -q -O- http://127.0.0.1:$PORT/health\"]\n\
                 ENTRYPOINT [\"/bin/busybox\", \"sh\", \"-c\", \
                 \"exec /bin/busybox httpd -f -p 127.0.0.1:$PORT -h /www\"]\n"
            }
        }
    }
}

fn add(tar: &mut tar::Builder<Vec<u8>>, path: &str, data: &[u8], mode: u32) {
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(mode);
    h.set_cksum();
    tar.append_data(&mut h, path, data).expect("tar entry");
}

/// Build `image` into `docker` (cached layers make repeats quick). `None` (skipped) without
/// busybox.
pub async fn build(docker: &Docker, image: Image) -> Option<&'static str> {
    build_tag(
        docker,
        image.tag(),
        image.dockerfile(),
        image == Image::Healthy,
    )
    .await?;
    Some(image.tag())
}

/// Build `dockerfile` (with `busybox`, `www/index.html` and, when `health`, `www/health` in
/// its context) as `tag`. `None` (skipped) without busybox.
pub async fn build_tag(docker: &Docker, tag: &str, dockerfile: &str, health: bool) -> Option<()> {
    let Ok(busybox) = std::fs::read(BUSYBOX) else {
        return skip(
            Component::Busybox,
            &format!("{BUSYBOX} is missing (install busybox-static)"),
        );
    };
    let mut tar = tar::Builder::new(Vec::new());
    add(&mut tar, "Dockerfile", dockerfile.as_bytes(), 0o644);
    add(&mut tar, "busybox", &busybox, 0o755);
    add(&mut tar, "www/index.html", b"flightdeck test\n", 0o644);
    if health {
        add(&mut tar, "www/health", b"ok\n", 0o644);
    }
    let body = tar.into_inner().expect("tar");
    let opts = BuildImageOptions {
        t: Some(tag.to_owned()),
        rm: true,
        forcerm: true,
        // No build cache: concurrent tests remove their images, and removing an image also
        // removes the untagged parent layers a cached build of another test was about to
        // reuse ("No such image: sha256:…", "failed to get digest"). Each build makes its own
        // layers (a busybox copy), so no test's build depends on another test's images.
        nocache: true,
        ..Default::default()
    };
    // Kept as a bound on what is left of the daemon's own races: try again (bounded).
    for attempt in 1..=3 {
        let mut out = docker.build_image(
            opts.clone(),
            None,
            Some(bollard::body_full(body.clone().into())),
        );
        let mut failed = None;
        while let Some(item) = out.next().await {
            let e = match item {
                Ok(info) => info.error_detail.and_then(|d| d.message),
                Err(e) => Some(e.to_string()),
            };
            if let Some(e) = e {
                failed = Some(e);
                break;
            }
        }
        match failed {
            None => return Some(()),
            Some(e)
                if attempt < 3
                    && (e.contains("failed to get digest")
                        || e.contains("no such file")
                        || e.contains("No such image")) =>
            {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            Some(e) => panic!("building {tag}: {e}"),
        }
    }
    Some(())
}

/// Create and start a container from `image`, labelled `flightdeck.test=<run>` plus `labels`.
/// httpd images run with `--network host` on `port` (127.0.0.1 only); the sleeper with none.
pub async fn run(
    docker: &Docker,
    image: Image,
    name: &str,
    run: &str,
    labels: &[(&str, &str)],
    port: Option<u16>,
) -> String {
    run_tag(docker, image.tag(), name, run, labels, port).await
}

/// [`run`] for any image tag.
pub async fn run_tag(
    docker: &Docker,
    image: &str,
    name: &str,
    run: &str,
    labels: &[(&str, &str)],
    port: Option<u16>,
) -> String {
    let mut all: HashMap<String, String> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    all.insert(TEST_LABEL.to_owned(), run.to_owned());
    let network = if port.is_some() { "host" } else { "none" };
    let body = ContainerCreateBody {
        image: Some(image.to_owned()),
        labels: Some(all),
        env: port.map(|p| vec![format!("PORT={p}")]),
        host_config: Some(HostConfig {
            network_mode: Some(network.to_owned()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let opts = CreateContainerOptions {
        name: Some(name.to_owned()),
        ..Default::default()
    };
    let id = docker
        .create_container(Some(opts), body)
        .await
        .unwrap_or_else(|e| panic!("creating {name}: {e}"))
        .id;
    docker
        .start_container(&id, None)
        .await
        .unwrap_or_else(|e| panic!("starting {name}: {e}"));
    id
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local addr").port()
}
