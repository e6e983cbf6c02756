//! Seals and the operator's terminal: a hang-up mid-step is sealed, and the cockpit (in tmux)
//! runs steps while a slow seal signs.

// Tests unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::many_single_char_names)]

use std::time::{Duration, Instant};

use flightdeck::journal::{Kind, Record};

use super::{Fixture, RUNBOOK, of_kind};
use crate::run::out;

#[test]
fn a_hang_up_mid_step_journals_a_seal_after_the_disconnect() {
    let f = Fixture::new(
        &RUNBOOK
            .replace("[journal]\nanchor = \"git\"\nremote = \"origin\"\n", "")
            .replace(
                "run = \"echo deployed\"",
                "run = \"touch started; sleep 2; echo deployed\"",
            ),
    );
    let bin = assert_cmd::cargo::cargo_bin("flightdeck");
    let mut child = std::process::Command::new(bin)
        .args(["run", "--plain", "--auto-approve", "--operator", "alice"])
        .current_dir(f.dir.path())
        .env("FLIGHTDECK_KEY", f.key())
        .env_remove("FLIGHTDECK_JOURNAL_KEY")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let marker = f.dir.path().join("started");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !marker.exists() {
        assert!(Instant::now() < deadline, "the step never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGHUP).unwrap();
    let status = child.wait().unwrap();
    assert!(status.code().is_some(), "{status:?}");
    let records = f.records();
    let gone = records
        .iter()
        .position(|r| r.kind == Kind::OperatorDisconnected)
        .expect("the disconnect is journaled");
    let after: Vec<&Record> = records[gone..]
        .iter()
        .filter(|r| matches!(r.kind, Kind::Seal | Kind::SealSkipped))
        .collect();
    assert!(
        after.iter().any(|r| r.data["point"] == "hang-up"),
        "{records:#?}"
    );
    // The step finished after the hang-up, and a seal covers its outcome too.
    let finished = records
        .iter()
        .rposition(|r| r.kind == Kind::StepFinished && r.step.as_deref() == Some("deploy"))
        .expect("the step's outcome is journaled");
    assert!(
        after
            .iter()
            .any(|r| r.data["count"].as_u64().unwrap() > finished as u64),
        "{records:#?}"
    );
    let v = f.cmd(&["journal", "verify"]).output().unwrap();
    assert_eq!(v.status.code(), Some(0), "{}", out(&v));
}

#[test]
fn the_cockpit_runs_steps_while_a_slow_seal_signs() {
    if !crate::skip::need(crate::skip::Component::Tmux) {
        return;
    }
    let f =
        Fixture::new(&RUNBOOK.replace("[journal]\nanchor = \"git\"\nremote = \"origin\"\n", ""));
    // The real ssh-keygen, slow to sign as a hardware key waiting for a touch.
    let real = String::from_utf8(
        std::process::Command::new("sh")
            .args(["-c", "command -v ssh-keygen"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let wrap = f.dir.path().join("slow-bin");
    std::fs::create_dir(&wrap).unwrap();
    let script = wrap.join("ssh-keygen");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ncase \" $* \" in *\" sign \"*) sleep 6;; esac\nexec {} \"$@\"\n",
            real.trim()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let cmd = format!(
        "PATH={}:$PATH FLIGHTDECK_KEY={} {} run --operator alice; echo $? > exit.txt",
        wrap.display(),
        f.key().display(),
        crate::tmux::bin()
    );
    let t = crate::tmux::Tmux::start(f.dir.path(), &cmd, 120, 32);
    t.wait_for("⏎ runs step");
    let pressed = Instant::now();
    t.keys(&["Enter"]);
    // The step runs and is journaled while the start seal is still being signed.
    let journal = f.dir.path().join(".flightdeck/journal");
    loop {
        let done = std::fs::read_dir(&journal)
            .ok()
            .and_then(|mut d| d.next())
            .is_some()
            && f.records()
                .iter()
                .any(|r| r.kind == Kind::StepFinished && r.step.as_deref() == Some("build"));
        if done {
            break;
        }
        assert!(pressed.elapsed() < Duration::from_secs(5), "{}", t.screen());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        of_kind(&f.records(), Kind::Seal).is_empty(),
        "the seal is still signing"
    );
    t.wait_for("Checklist 1/2 done");
    t.keys(&["Enter"]);
    t.wait_for("completed");
    t.keys(&["q"]);
    // Leaving waits for the seals still signing (each takes 6 s here), and says so.
    t.wait_for("sealing the journal");
    let exit = f.dir.path().join("exit.txt");
    let deadline = Instant::now() + Duration::from_secs(30);
    let code = loop {
        match std::fs::read_to_string(&exit) {
            Ok(c) if !c.is_empty() => break c,
            _ => {}
        }
        assert!(Instant::now() < deadline, "{}", t.screen());
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(code.trim(), "0");
    let records = f.records();
    let finished = records
        .iter()
        .position(|r| r.kind == Kind::StepFinished)
        .unwrap();
    let start = records
        .iter()
        .position(|r| r.kind == Kind::Seal && r.data["point"] == "start")
        .expect("the start seal is journaled once signed");
    assert!(finished < start, "{records:#?}");
    assert!(
        records
            .iter()
            .any(|r| r.kind == Kind::Seal && r.data["point"] == "completed"),
        "{records:#?}"
    );
    let v = f.cmd(&["journal", "verify"]).output().unwrap();
    assert_eq!(v.status.code(), Some(0), "{}", out(&v));
}
