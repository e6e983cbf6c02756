//! Gates on this host: env templates, file freshness and writability, tcp, command, git.

use std::fs::File;
use std::time::{Duration, Instant, SystemTime};

use flightdeck::exec::gates::GateState;
use serde_json::json;

use super::support::{closed_port, commit, cx, eval, git_repo, tag};

#[tokio::test]
async fn env_template_names_the_missing_keys() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("env")).unwrap();
    std::fs::write(
        tmp.path().join("env/prod.env.template"),
        "# secrets\nDATABASE_URL=\nexport JWT_SECRET=changeme\nEMPTY_ONE=\n",
    )
    .unwrap();
    let g = "[[gates]]\nid = \"secrets\"\nkind = \"env\"\ntemplate = \"env/prod.env.template\"\n";
    let mut cx = cx(tmp.path());
    cx.ctx
        .env
        .insert("DATABASE_URL".into(), "postgres://x".into());
    cx.ctx.env.insert("EMPTY_ONE".into(), String::new());
    let o = eval(g, &cx).await;
    assert_eq!(o.state, GateState::Fail, "{o:?}");
    assert_eq!(
        o.message,
        "2 of 3 missing or empty (from env/prod.env.template): EMPTY_ONE, JWT_SECRET"
    );
    assert_eq!(o.value, json!(2));
    assert!(!o.message.contains("postgres"), "values never appear");

    cx.ctx.env.insert("JWT_SECRET".into(), "s".into());
    cx.ctx.env.insert("EMPTY_ONE".into(), "1".into());
    let o = eval(g, &cx).await;
    assert_eq!(o.state, GateState::Pass, "{o:?}");

    let names =
        "[[gates]]\nid = \"n\"\nkind = \"env\"\nnames = [\"JWT_SECRET\", \"NOT_SET_ANYWHERE\"]\n";
    let o = eval(names, &cx).await;
    assert_eq!(o.message, "1 of 2 missing or empty: NOT_SET_ANYWHERE");
}

fn age(path: &std::path::Path, hours: u64) {
    let f = File::options().write(true).open(path).unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(hours * 3600))
        .unwrap();
}

#[tokio::test]
async fn file_freshness_uses_the_newest_match() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("backups");
    std::fs::create_dir_all(dir.join("old")).unwrap();
    for (name, hours) in [
        ("a.dump", 30),
        ("b.dump", 2),
        ("old/c.dump", 1),
        ("d.txt", 0),
    ] {
        std::fs::write(dir.join(name), "x").unwrap();
        age(&dir.join(name), hours);
    }
    let g = "[[gates]]\nid = \"fresh\"\nkind = \"file\"\npath = \"backups\"\nnewest = \"*.dump\"\nmax_age = \"26h\"\n";
    let cx = cx(tmp.path());
    let o = eval(g, &cx).await;
    assert_eq!(o.state, GateState::Pass, "{o:?}");
    assert!(
        o.message.starts_with("newest b.dump is 2h old"),
        "{}",
        o.message
    );

    age(&dir.join("b.dump"), 27);
    let o = eval(g, &cx).await;
    assert_eq!(o.state, GateState::Fail, "{o:?}");
    assert_eq!(o.message, "newest b.dump is 27h old > max_age 26h");
    assert!(o.value.as_u64().is_some_and(|s| s >= 27 * 3600), "{o:?}");

    let deep = "[[gates]]\nid = \"fresh\"\nkind = \"file\"\npath = \"backups\"\nnewest = \"**/*.dump\"\nmax_age = \"26h\"\n";
    let o = eval(deep, &cx).await;
    assert_eq!(o.state, GateState::Pass, "{o:?}");
    assert!(o.message.starts_with("newest old/c.dump"), "{}", o.message);

    let itself =
        "[[gates]]\nid = \"fresh\"\nkind = \"file\"\npath = \"backups/a.dump\"\nmax_age = \"1d\"\n";
    let o = eval(itself, &cx).await;
    assert_eq!(o.state, GateState::Fail, "{o:?}");
    assert_eq!(o.message, "backups/a.dump is 30h old > max_age 24h");

    let none =
        "[[gates]]\nid = \"fresh\"\nkind = \"file\"\npath = \"backups\"\nnewest = \"*.tar\"\n";
    let o = eval(none, &cx).await;
    assert_eq!(o.state, GateState::Fail);
    assert_eq!(o.message, "no file matches *.tar in backups");
}

#[tokio::test]
async fn file_exists_and_writable() {
    let tmp = tempfile::tempdir().unwrap();
    let cx = cx(tmp.path());
    let w = "[[gates]]\nid = \"w\"\nkind = \"file\"\npath = \".\"\nwritable = true\n";
    let o = eval(w, &cx).await;
    assert_eq!(o.state, GateState::Pass, "{o:?}");
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "probe removed"
    );
    let missing = "[[gates]]\nid = \"m\"\nkind = \"file\"\npath = \"nope/x\"\n";
    let o = eval(missing, &cx).await;
    assert_eq!(
        (o.state, o.message.as_str()),
        (GateState::Fail, "nope/x does not exist")
    );
    let nw = "[[gates]]\nid = \"w\"\nkind = \"file\"\npath = \"nope\"\nwritable = true\n";
    assert_eq!(eval(nw, &cx).await.state, GateState::Fail);
}

#[tokio::test]
async fn tcp_connects_or_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let cx = cx(tmp.path());
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let g = format!("[[gates]]\nid = \"db\"\nkind = \"tcp\"\naddress = \"127.0.0.1:{port}\"\n");
    let o = eval(&g, &cx).await;
    assert_eq!(o.state, GateState::Pass, "{o:?}");
    assert!(
        o.message
            .starts_with(&format!("connected to 127.0.0.1:{port} in "))
    );
    drop(l);
    let port = closed_port();
    let g = format!("[[gates]]\nid = \"db\"\nkind = \"tcp\"\naddress = \"127.0.0.1:{port}\"\n");
    let o = eval(&g, &cx).await;
    assert_eq!(o.state, GateState::Fail, "{o:?}");
    assert_eq!(o.message, format!("127.0.0.1:{port}: Connection refused"));
}

#[tokio::test]
async fn command_keeps_the_last_lines_and_is_killed_at_the_timeout() {
    let tmp = tempfile::tempdir().unwrap();
    let cx = cx(tmp.path());
    let ok = "[[gates]]\nid = \"smoke\"\nkind = \"command\"\nrun = \"echo one; echo two; echo {{ version }}\"\n";
    let o = eval(ok, &cx).await;
    assert_eq!(
        (o.state, o.message.as_str()),
        (GateState::Pass, "exit 0: one · two · 1.2.0")
    );
    let bad = "[[gates]]\nid = \"smoke\"\nkind = \"command\"\nrun = \"echo checking; echo 'smoke failed' >&2; exit 3\"\n";
    let o = eval(bad, &cx).await;
    assert_eq!(o.state, GateState::Fail);
    assert_eq!(o.value, json!(3));
    assert_eq!(o.message, "exit 3: checking · smoke failed");
    let slow = "[[gates]]\nid = \"smoke\"\nkind = \"command\"\nrun = \"sleep 30 & echo $! > bg.pid; sleep 30\"\ntimeout = \"300ms\"\n";
    let started = Instant::now();
    let o = eval(slow, &cx).await;
    assert_eq!(o.state, GateState::Error, "{o:?}");
    assert!(
        o.message.contains("did not finish within 300ms"),
        "{}",
        o.message
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    let pid = std::fs::read_to_string(tmp.path().join("bg.pid")).unwrap();
    let gone = (0..50).any(|_| {
        std::thread::sleep(Duration::from_millis(20));
        !std::path::Path::new(&format!("/proc/{}", pid.trim())).exists()
            || std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()))
                .is_ok_and(|s| s.contains(") Z "))
    });
    assert!(gone, "the whole process group is killed");
}

#[tokio::test]
async fn git_clean_branch_and_tagged_on_a_real_repo() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = git_repo(tmp.path());
    let branch = repo.head().unwrap().shorthand().unwrap().to_owned();
    let cx = cx(tmp.path());
    let g = format!(
        "[[gates]]\nid = \"git\"\nkind = \"git\"\nclean = true\nbranch = \"{branch}\"\nhead_tagged = true\n"
    );
    let o = eval(&g, &cx).await;
    assert_eq!(o.state, GateState::Fail, "{o:?}");
    assert!(o.message.ends_with("has no tag"), "{}", o.message);

    tag(&repo, "ga-1.2.0");
    let mut only_v = cx.clone();
    only_v.release_tags = Some("v*".into());
    let o = eval(&g, &only_v).await;
    assert_eq!(o.state, GateState::Fail, "{o:?}");
    assert!(o.message.ends_with("has no release tag"), "{}", o.message);
    tag(&repo, "v1.2.0");
    assert_eq!(eval(&g, &only_v).await.state, GateState::Pass);
    let o = eval(&g, &cx).await;
    assert_eq!(o.state, GateState::Pass, "{o:?}");
    assert!(
        o.message.contains("clean") && o.message.contains("tagged ga-1.2.0, v1.2.0"),
        "{}",
        o.message
    );

    std::fs::write(tmp.path().join("untracked.txt"), "x").unwrap();
    assert_eq!(
        eval(&g, &cx).await.state,
        GateState::Pass,
        "untracked files do not count"
    );
    std::fs::write(tmp.path().join("README"), "changed\n").unwrap();
    let o = eval(&g, &cx).await;
    assert_eq!(o.state, GateState::Fail);
    assert_eq!(o.message, "1 changed file(s): README");

    commit(&repo, "README", "changed\n", "second");
    let other = "[[gates]]\nid = \"git\"\nkind = \"git\"\nbranch = \"release\"\n";
    let o = eval(other, &cx).await;
    assert_eq!(o.message, format!("on branch {branch}, expected release"));
}
