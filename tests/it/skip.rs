//! The one skip rule for tests that need a real component (dockerd, Prometheus, tmux,
//! docker-compose, busybox, root, sshd, postgresql, curl, docker-registry): a test whose component is missing
//! returns early, and the skip is never silent. Each skip appends `test-name: component: why`
//! to the file named by `FLIGHTDECK_SKIP_LOG` (scripts/test.sh sets it, counts and names the
//! skips) and prints a SKIP line; under `FLIGHTDECK_REQUIRE_DOCKER=1` (CI) every
//! real-component test must run, so a skip panics instead.
//!
//! Use: `if !skip::need(Component::Tmux) { return; }` (the component is probed once per
//! process), or `skip::skip(Component::Dockerd, "why")` when the test finds out itself. A new
//! component is a variant, its name and its probe below.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// A real component tests need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    /// A Docker daemon (the shared one answers, or `dockerd` to start a private one).
    Dockerd,
    Prometheus,
    Tmux,
    DockerCompose,
    /// `/bin/busybox` (busybox-static).
    Busybox,
    /// Root privileges (a private dockerd, mounting a tmpfs).
    Root,
    /// OpenSSH: `/usr/sbin/sshd` (openssh-server), `ssh` and `ssh-keygen`, run as root
    /// (`crate::sshd` starts one per test).
    Sshd,
    /// OpenSSH's client tools (`ssh-keygen -Y`, `ssh-agent`, `ssh-add`: openssh-client).
    OpenSsh,
    /// PostgreSQL: the server (`initdb`, `pg_ctl` under /usr/lib/postgresql/N/bin: postgresql),
    /// `psql`, `pg_dump`, `pg_restore` (postgresql-client), user `postgres`, `runuser`, run as
    /// root (`crate::postgres` starts one per test).
    Postgres,
    /// `curl` (the seed 004 example times requests with it).
    Curl,
    /// librsvg's `rsvg-convert` (librsvg2-bin), to render the report's SVG charts.
    Rsvg,
    /// An image registry: `docker-registry` (Debian's package of distribution 2.8;
    /// `crate::registry` starts one per test on 127.0.0.1).
    Registry,
}

const ALL: [Component; 12] = [
    Component::Dockerd,
    Component::Prometheus,
    Component::Tmux,
    Component::DockerCompose,
    Component::Busybox,
    Component::Root,
    Component::Sshd,
    Component::OpenSsh,
    Component::Postgres,
    Component::Curl,
    Component::Rsvg,
    Component::Registry,
];

impl Component {
    pub fn name(self) -> &'static str {
        match self {
            Component::Dockerd => "dockerd",
            Component::Prometheus => "prometheus",
            Component::Tmux => "tmux",
            Component::DockerCompose => "docker-compose",
            Component::Busybox => "busybox",
            Component::Root => "root",
            Component::Sshd => "sshd",
            Component::OpenSsh => "openssh-client",
            Component::Postgres => "postgresql",
            Component::Curl => "curl",
            Component::Rsvg => "rsvg-convert",
            Component::Registry => "docker-registry",
        }
    }

    /// Whether it is here, or why not (not cached: see [`need`]).
    fn probe(self) -> Result<(), String> {
        match self {
            Component::Dockerd => runs("docker", &["info", "--format", "{{.ServerVersion}}"]),
            Component::Prometheus => runs("prometheus", &["--version"]),
            Component::Tmux => runs("tmux", &["-V"]),
            Component::Rsvg => runs("rsvg-convert", &["--version"]),
            Component::DockerCompose => runs("docker-compose", &["version"]),
            Component::Busybox => {
                if Path::new("/bin/busybox").exists() {
                    Ok(())
                } else {
                    Err("/bin/busybox is missing (install busybox-static)".into())
                }
            }
            Component::OpenSsh => runs(
                "sh",
                &[
                    "-c",
                    "command -v ssh-keygen && command -v ssh-agent && command -v ssh-add",
                ],
            ),
            Component::Root => {
                if nix::unistd::geteuid().is_root() {
                    Ok(())
                } else {
                    Err("not running as root".into())
                }
            }
            Component::Curl => runs("curl", &["--version"]),
            Component::Registry => runs("docker-registry", &["--version"])
                .map_err(|e| format!("{e} (install docker-registry)")),
            Component::Postgres => {
                let bin = crate::postgres::bin_dir().ok_or_else(|| {
                    "no /usr/lib/postgresql/N/bin/initdb (install postgresql)".to_owned()
                })?;
                runs(&bin.join("pg_ctl").display().to_string(), &["--version"])?;
                for client in ["psql", "pg_dump", "pg_restore"] {
                    runs(client, &["--version"])?;
                }
                runs("runuser", &["--version"])?;
                runs("id", &["postgres"])?;
                if nix::unistd::geteuid().is_root() {
                    Ok(())
                } else {
                    Err(
                        "not running as root (the test server runs as `postgres` via runuser)"
                            .into(),
                    )
                }
            }
            Component::Sshd => {
                runs(crate::sshd::SSHD, &["-V"])?;
                runs("ssh", &["-V"])?;
                runs("ssh-keygen", &["-l", "-f", "/dev/null"]).or_else(|e| {
                    // `-l` of an empty file fails; only a missing binary matters.
                    if e.contains("cannot run") {
                        Err(e)
                    } else {
                        Ok(())
                    }
                })?;
                if nix::unistd::geteuid().is_root() {
                    Ok(())
                } else {
                    Err("not running as root (the test sshd logs in as root)".into())
                }
            }
        }
    }
}

/// `cmd args` runs and succeeds.
fn runs(cmd: &str, args: &[&str]) -> Result<(), String> {
    match Command::new(cmd).args(args).stdin(Stdio::null()).output() {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(format!(
            "`{cmd} {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Err(format!("`{cmd}` cannot run: {e}")),
    }
}

/// Whether `c` is here (probed once per process); when not, the current test is skipped
/// ([`skip`]: recorded, or a panic under the requirement) and this is false.
pub fn need(c: Component) -> bool {
    static PROBED: [OnceLock<Result<(), String>>; ALL.len()] =
        [const { OnceLock::new() }; ALL.len()];
    let i = ALL.iter().position(|x| *x == c).expect("listed in ALL");
    match PROBED[i].get_or_init(|| c.probe()) {
        Ok(()) => true,
        Err(why) => {
            skip(c, why);
            false
        }
    }
}

/// [`need`] for each of `cs`, in order, stopping at the first missing one.
pub fn need_all(cs: &[Component]) -> bool {
    cs.iter().all(|c| need(*c))
}

/// Skip the current test for want of `c` (`why`): panics under
/// `FLIGHTDECK_REQUIRE_DOCKER=1`, else records the skip and prints a SKIP line. Call it from
/// the test's own thread (its name is the test's name).
pub fn skip(c: Component, why: &str) {
    let require = std::env::var("FLIGHTDECK_REQUIRE_DOCKER").as_deref() == Ok("1");
    let log = std::env::var_os("FLIGHTDECK_SKIP_LOG");
    let test = test_name();
    if let Err(e) = record(&test, c, why, require, log.as_deref().map(Path::new)) {
        panic!("{e}");
    }
}

/// The current test's name: libtest runs each test on a thread named after it.
fn test_name() -> String {
    let t = std::thread::current();
    match t.name() {
        Some(n) if n != "main" && !n.starts_with("tokio-") => n.to_owned(),
        other => format!("<unknown test on thread {}>", other.unwrap_or("unnamed")),
    }
}

/// The rule itself: `Err` (the panic message) when required or the log cannot be written;
/// else the line `test: component: why` is appended to `log` (when set).
fn record(
    test: &str,
    c: Component,
    why: &str,
    require: bool,
    log: Option<&Path>,
) -> Result<(), String> {
    let why = why.replace('\n', " ");
    if require {
        return Err(format!(
            "{test} needs {} ({why}), required by FLIGHTDECK_REQUIRE_DOCKER=1",
            c.name()
        ));
    }
    eprintln!("SKIP {test}: {} is not available: {why}", c.name());
    let Some(log) = log else {
        return Ok(());
    };
    let line = format!("{test}: {}: {why}\n", c.name());
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .and_then(|mut f| f.write_all(line.as_bytes()))
        .map_err(|e| format!("cannot record a skip in {}: {e}", log.display()))
}

#[test]
fn a_skip_is_recorded_with_the_test_name_or_fails_when_required() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("skips.log");
    record("a::b", Component::Tmux, "gone\nreally", false, Some(&log)).expect("recorded");
    record("a::c", Component::Dockerd, "down", false, Some(&log)).expect("recorded");
    let text = std::fs::read_to_string(&log).expect("the log");
    assert_eq!(text, "a::b: tmux: gone really\na::c: dockerd: down\n");
    let err = record("a::d", Component::Busybox, "missing", true, Some(&log)).unwrap_err();
    assert!(err.contains("a::d needs busybox (missing)"), "{err}");
    assert_eq!(std::fs::read_to_string(&log).expect("log"), text, "no line");
    assert!(
        test_name().ends_with("a_skip_is_recorded_with_the_test_name_or_fails_when_required"),
        "{}",
        test_name()
    );
}

#[test]
fn no_test_prints_its_own_skip_line() {
    fn scan(dir: &Path, found: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).expect("tests/it") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                scan(&p, found);
            } else if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("it/skip.rs") {
                let text = std::fs::read_to_string(&p).expect("source");
                if text.contains("\"SKIP") {
                    found.push(p.display().to_string());
                }
            }
        }
    }
    let mut found = Vec::new();
    scan(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it"),
        &mut found,
    );
    assert!(found.is_empty(), "skips that bypass crate::skip: {found:?}");
}
