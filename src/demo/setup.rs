//! The demo's temporary directory: the runbook, a git repository tagged v1.0.0, and v1 of the
//! demo service running. Dropping it stops the service and removes the directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use color_eyre::eyre::{Result, WrapErr, eyre};

const RUNBOOK: &str = include_str!("runbook.toml");
const RUNBOOK_DOCKER: &str = include_str!("runbook_docker.toml");
const IMAGE: &str = "flightdeck-demo/shop";

/// The demo's directory; stops the service (process or container) and removes everything
/// when dropped.
#[derive(Debug)]
pub struct DemoDir {
    root: PathBuf,
    /// With `--docker`: the container and the images to remove.
    container: Option<String>,
    images: Vec<String>,
}

fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").wrap_err("no free port on 127.0.0.1")?;
    Ok(l.local_addr()?.port())
}

fn git_repo(root: &Path) -> Result<()> {
    let repo = git2::Repository::init(root)?;
    let sig = git2::Signature::now("flightdeck demo", "demo@localhost")?;
    let commit = |msg: &str| -> Result<git2::Oid> {
        let mut index = repo.index()?;
        index.add_path(Path::new("flightdeck.toml"))?;
        index.write()?;
        let tree = repo.find_tree(index.write_tree()?)?;
        let parents: Vec<git2::Commit<'_>> = repo
            .head()
            .ok()
            .and_then(|h| h.peel_to_commit().ok())
            .into_iter()
            .collect();
        let parents: Vec<&git2::Commit<'_>> = parents.iter().collect();
        Ok(repo.commit(Some("HEAD"), &sig, &sig, msg, &tree, &parents)?)
    };
    let v1 = commit("demo shop 1.0.0")?;
    let obj = repo.find_object(v1, None)?;
    repo.tag("v1.0.0", &obj, &sig, "demo shop 1.0.0", false)?;
    commit("demo shop 2.0.0")?;
    Ok(())
}

impl DemoDir {
    /// Write everything and start v1; waits until it listens.
    pub fn create() -> Result<DemoDir> {
        let root = std::env::temp_dir().join(format!("flightdeck-demo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root)?;
        let demo = DemoDir {
            root,
            container: None,
            images: Vec::new(),
        };
        let exe = std::env::current_exe().wrap_err("cannot find the flightdeck binary")?;
        let port = free_port()?;
        let text = RUNBOOK
            .replace("@FLIGHTDECK@", &exe.display().to_string())
            .replace("@PORT@", &port.to_string());
        std::fs::write(demo.runbook(), text)?;
        git_repo(&demo.root)?;
        let log = std::fs::File::create(demo.root.join("app.log"))?;
        let child = Command::new(&exe)
            .args([
                "demo-service",
                "--port",
                &port.to_string(),
                "--version",
                "1.0.0",
            ])
            .current_dir(&demo.root)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .wrap_err("cannot start the demo service")?;
        std::fs::write(demo.root.join("app.pid"), child.id().to_string())?;
        wait_port(port)?;
        Ok(demo)
    }

    /// The Docker variant: images FROM scratch with busybox, v1 running as a container.
    pub fn create_docker() -> Result<DemoDir> {
        let daemon = Command::new("docker")
            .args(["version", "--format", "{{.Server.Version}}"])
            .output();
        if !daemon.as_ref().is_ok_and(|o| o.status.success()) {
            let at = std::env::var("DOCKER_HOST")
                .unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
            return Err(eyre!(
                "no Docker daemon found at {at}: start dockerd (or set DOCKER_HOST), or run `flightdeck demo` without --docker"
            ));
        }
        let busybox = Path::new("/bin/busybox");
        if !busybox.is_file() {
            return Err(eyre!(
                "the Docker demo builds its images FROM scratch with a static busybox: install busybox-static (/bin/busybox)"
            ));
        }
        let id = std::process::id();
        let root = std::env::temp_dir().join(format!("flightdeck-demo-{id}"));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root)?;
        let mut demo = DemoDir {
            root,
            container: None,
            images: Vec::new(),
        };
        let port = free_port()?;
        for (version, rate) in [("1.0.0", "0.0"), ("2.0.0", "0.2")] {
            let ctx = demo.root.join(format!("image-{version}"));
            std::fs::create_dir_all(ctx.join("www/api/system"))?;
            std::fs::copy(busybox, ctx.join("busybox"))?;
            std::fs::write(ctx.join("www/health"), "ok\n")?;
            std::fs::write(
                ctx.join("www/api/system/version"),
                format!(
                    "{{\"version\": \"{version}\", \"sha\": \"demo\", \"environment\": \"staging\"}}\n"
                ),
            )?;
            std::fs::write(
                ctx.join("www/stats"),
                format!("{{\"error_rate\": {rate}, \"requests\": 1000}}\n"),
            )?;
            std::fs::write(
                ctx.join("Dockerfile"),
                "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\nCOPY www /www\n\
                 HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD wget -q -O- http://127.0.0.1:$PORT/health\n\
                 CMD [\"/bin/sh\", \"-c\", \"exec httpd -f -v -p 127.0.0.1:$PORT -h /www\"]\n",
            )?;
            let tag = format!("{IMAGE}:{version}");
            // No build cache: a cached layer belongs to whichever image made it first, and
            // removing that image (another demo's cleanup) mid-build fails this one.
            let built = Command::new("docker")
                .args(["build", "--no-cache", "-q", "-t", &tag])
                .arg(&ctx)
                .output()
                .wrap_err("docker build")?;
            if !built.status.success() {
                return Err(eyre!(
                    "building {tag} failed: {}",
                    String::from_utf8_lossy(&built.stderr).trim()
                ));
            }
            demo.images.push(tag);
        }
        let container = format!("flightdeck-demo-{id}");
        let label = format!("flightdeck.demo={id}");
        let text = RUNBOOK_DOCKER
            .replace("@PORT@", &port.to_string())
            .replace("@CONTAINER@", &container)
            .replace("@IMAGE@", IMAGE)
            .replace("@LABEL@", &label);
        std::fs::write(demo.runbook(), text)?;
        git_repo(&demo.root)?;
        let started = Command::new("docker")
            .args([
                "run",
                "-d",
                "--name",
                &container,
                "--network",
                "host",
                "--label",
                &label,
            ])
            .args(["-e", &format!("PORT={port}"), &format!("{IMAGE}:1.0.0")])
            .output()
            .wrap_err("docker run")?;
        demo.container = Some(container);
        if !started.status.success() {
            return Err(eyre!(
                "starting v1 failed: {}",
                String::from_utf8_lossy(&started.stderr).trim()
            ));
        }
        wait_port(port)?;
        Ok(demo)
    }

    pub fn runbook(&self) -> PathBuf {
        self.root.join("flightdeck.toml")
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

fn wait_port(port: u16) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return Err(eyre!("the demo service did not start on 127.0.0.1:{port}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

impl Drop for DemoDir {
    fn drop(&mut self) {
        if let Some(c) = &self.container {
            let _ = Command::new("docker").args(["rm", "-f", c]).output();
        }
        for image in &self.images {
            let _ = Command::new("docker").args(["rmi", "-f", image]).output();
        }
        if let Ok(pid) = std::fs::read_to_string(self.root.join("app.pid"))
            && let Ok(pid) = pid.trim().parse::<i32>()
        {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGTERM,
            );
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
