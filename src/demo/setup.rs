//! The demo's temporary directory: the runbook, a git repository tagged v1.0.0, and v1 of the
//! demo service running. Dropping it stops the service and removes the directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use color_eyre::eyre::{Result, WrapErr, eyre};

const RUNBOOK: &str = include_str!("runbook.toml");

/// The demo's directory; stops the service and removes everything when dropped.
#[derive(Debug)]
pub struct DemoDir {
    root: PathBuf,
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
        let demo = DemoDir { root };
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
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return Err(eyre!("the demo service did not start on 127.0.0.1:{port}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(demo)
    }

    pub fn runbook(&self) -> PathBuf {
        self.root.join("flightdeck.toml")
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

impl Drop for DemoDir {
    fn drop(&mut self) {
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
