//! Log streams against the real daemon: a storm stays within the ring's bounds, a held-back
//! consumer skips ahead with a marker, a 200 KB line is truncated without a stall, colours
//! reach the buffer's styles, search and filter work on a real stream, a restarted
//! container's stream re-attaches, and a stopped container's stream says so with a marker,
//! reconnects, and stops for good once the container is removed.

use std::time::{Duration, Instant};

use flightdeck::logs::LineKind;
use flightdeck::logs::ring::{DEFAULT_BYTES, DEFAULT_LINES};
use flightdeck::watch::logs::StreamOpts;

use super::bounded;
use super::logrig::{Rig, all_text, logged, run_script, shell_image};
use super::support::{self, Cleanup, unique};

/// The shared daemon, the test's cleanup guard and run id, the shell image.
async fn setup() -> Option<(
    flightdeck::runbook::DockerHost,
    bollard::Docker,
    Cleanup,
    String,
)> {
    let (host, d) = support::shared().await?;
    shell_image(&d).await?;
    let run = unique();
    let guard = Cleanup {
        docker: d.clone(),
        run: run.clone(),
    };
    Some((host, d, guard, run))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storm_keeps_the_ring_within_both_bounds() {
    bounded(async {
        let Some((host, d, _g, run)) = setup().await else {
            return;
        };
        let name = format!("fd-logs-{run}-storm");
        let line = format!("storm {}", "x".repeat(120));
        run_script(&d, &name, &run, &format!("/bin/busybox yes '{line}'")).await;
        let mut rig = Rig::start(host, &[logged("storm", &name)], StreamOpts::default());
        let start = Instant::now();
        rig.pump_for(Duration::from_secs(8), |logs| {
            for i in 0..logs.count() {
                let (_, v) = logs.source(i).expect("source");
                assert!(v.len() <= DEFAULT_LINES, "{} lines", v.len());
                assert!(
                    v.ring().bytes() <= DEFAULT_BYTES,
                    "{} bytes",
                    v.ring().bytes()
                );
            }
        })
        .await;
        let (_, v) = rig.logs.source(0).expect("the container's source");
        assert!(v.len() > 1000, "the storm was read: {} lines", v.len());
        assert!(v.dropped() > 0, "a storm overflows the ring");
        // Live: the newest line is recent (skipping ahead when needed).
        let newest = v.line(v.end() - 1).and_then(|l| l.ts).expect("a timestamp");
        let lag = chrono::Utc::now() - newest;
        assert!(
            lag.num_milliseconds() < 3000,
            "lag {lag} after {:?}",
            start.elapsed()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_back_consumer_gets_a_skip_marker() {
    bounded(async {
        let Some((host, d, _g, run)) = setup().await else {
            return;
        };
        let name = format!("fd-logs-{run}-held");
        let script = "i=0; while true; do echo \"line $i\"; i=$((i+1)); done";
        run_script(&d, &name, &run, script).await;
        let mut rig = Rig::start(host, &[logged("held", &name)], StreamOpts::default());
        rig.until(Duration::from_secs(20), "first lines", |l| {
            all_text(l).iter().any(|t| t.starts_with("line "))
        })
        .await;
        rig.hold_for(Duration::from_secs(4)).await;
        rig.until(Duration::from_secs(20), "a skip marker", |l| {
            let Some((_, v)) = l.source(0) else {
                return false;
            };
            (v.first()..v.end()).any(|n| {
                v.line(n)
                    .is_some_and(|x| x.kind == LineKind::Marker && x.text.contains("lines skipped"))
            })
        })
        .await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_200_kb_line_is_truncated_without_a_stall() {
    bounded(async {
        let Some((host, d, _g, run)) = setup().await else {
            return;
        };
        let name = format!("fd-logs-{run}-long");
        let script = "/bin/busybox head -c 200000 /dev/zero | /bin/busybox tr '\\0' a; \
                      echo; echo after; exec /bin/busybox sleep 3600";
        run_script(&d, &name, &run, script).await;
        let mut rig = Rig::start(host, &[logged("long", &name)], StreamOpts::default());
        let t = Instant::now();
        rig.until(Duration::from_secs(20), "the long line and the next", |l| {
            all_text(l).iter().any(|t| t == "after")
        })
        .await;
        assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
        let text = all_text(&rig.logs);
        let long = text
            .iter()
            .find(|t| t.starts_with("aaaa"))
            .expect("the long line");
        assert!(long.len() < 70_000, "{}", long.len());
        assert!(long.contains("…[truncated "), "{}", &long[65_000..]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ansi_colours_reach_the_buffer_styles_and_secrets_are_masked() {
    bounded(async {
        let Some((host, d, _g, run)) = setup().await else {
            return;
        };
        let name = format!("fd-logs-{run}-ansi");
        let script = "printf '\\033[1;31mred alert\\033[0m plain\\n'; \
                      echo 'token s3cr3t-value-xyz'; exec /bin/busybox sleep 3600";
        run_script(&d, &name, &run, script).await;
        let mut rig = Rig::start(host, &[logged("ansi", &name)], StreamOpts::default());
        rig.until(Duration::from_secs(20), "both lines", |l| {
            all_text(l).len() >= 2
        })
        .await;
        let (_, v) = rig.logs.source(0).expect("source");
        let red = v.line(v.first()).expect("line");
        assert_eq!(red.text, "red alert plain");
        assert_eq!(red.runs.len(), 1);
        assert_eq!(
            red.runs[0].style.fg,
            Some(flightdeck::logs::ansi::AnsiColor::Basic(1))
        );
        assert_eq!((red.runs[0].start, red.runs[0].end), (0, 9));
        let text = all_text(&rig.logs);
        assert!(
            !text.iter().any(|t| t.contains("s3cr3t-value-xyz")),
            "{text:?}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_and_filter_work_on_a_real_stream() {
    bounded(async {
        let Some((host, d, _g, run)) = setup().await else {
            return;
        };
        let name = format!("fd-logs-{run}-search");
        let script = "i=1; while [ $i -le 50 ]; do if [ $((i % 10)) -eq 0 ]; \
                      then echo \"req $i ERROR boom\"; else echo \"req $i ok\"; fi; \
                      i=$((i+1)); done; exec /bin/busybox sleep 3600";
        run_script(&d, &name, &run, script).await;
        let mut rig = Rig::start(host, &[logged("search", &name)], StreamOpts::default());
        rig.until(Duration::from_secs(20), "50 lines", |l| {
            all_text(l).len() >= 50
        })
        .await;
        let logs = &mut rig.logs;
        logs.set_query("error");
        assert_eq!(logs.match_position(), (None, 5));
        logs.jump(false, 10).expect("a match");
        assert_eq!(logs.match_position(), (Some(5), 5));
        logs.set_filter("ERROR");
        let (_, v) = logs.shown().expect("shown");
        let shown: Vec<String> = logs
            .visible(20)
            .into_iter()
            .filter_map(|n| v.get(n).map(str::to_owned))
            .collect();
        assert_eq!(shown.len(), 5, "{shown:?}");
        assert!(shown.iter().all(|t| t.contains("ERROR")));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_container_re_attaches_its_stream() {
    bounded(async {
        let Some((host, d, _g, run)) = setup().await else {
            return;
        };
        let name = format!("fd-logs-{run}-restart");
        let id = run_script(
            &d,
            &name,
            &run,
            "echo started; exec /bin/busybox sleep 3600",
        )
        .await;
        let mut rig = Rig::start(host, &[logged("restart", &name)], StreamOpts::default());
        let started =
            |l: &flightdeck::ui::logs::Logs| all_text(l).iter().filter(|t| *t == "started").count();
        rig.until(Duration::from_secs(20), "started once", |l| started(l) == 1)
            .await;
        assert_eq!(rig.streams.streaming(), std::slice::from_ref(&id));
        let opts = bollard::query_parameters::RestartContainerOptions {
            t: Some(0),
            ..Default::default()
        };
        d.restart_container(&id, Some(opts)).await.expect("restart");
        rig.until(Duration::from_secs(30), "started twice", |l| {
            started(l) == 2
        })
        .await;
        assert_eq!(rig.streams.streaming(), [id]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_container_shows_a_marker_then_its_lines_after_a_start() {
    bounded(async {
        let Some((host, d, _g, run)) = setup().await else {
            return;
        };
        let name = format!("fd-logs-{run}-stop");
        let id = run_script(
            &d,
            &name,
            &run,
            "echo started; exec /bin/busybox sleep 3600",
        )
        .await;
        let mut rig = Rig::start(host, &[logged("stop", &name)], StreamOpts::default());
        let count = |l: &flightdeck::ui::logs::Logs, p: &str| {
            all_text(l).iter().filter(|t| t.starts_with(p)).count()
        };
        rig.until(Duration::from_secs(20), "started once", |l| {
            count(l, "started") == 1
        })
        .await;
        let stop = bollard::query_parameters::StopContainerOptions {
            t: Some(0),
            ..Default::default()
        };
        d.stop_container(&id, Some(stop)).await.expect("stop");
        rig.until(Duration::from_secs(20), "the ended marker", |l| {
            count(l, "— stream ended: ") == 1
        })
        .await;
        // Stopped, the stream keeps reconnecting (with a backoff), saying so only once.
        rig.pump_for(Duration::from_secs(3), |_| {}).await;
        assert_eq!(rig.streams.streaming(), std::slice::from_ref(&id));
        d.start_container(&id, None).await.expect("start");
        rig.until(Duration::from_secs(30), "started again", |l| {
            count(l, "started") == 2
        })
        .await;
        let text = all_text(&rig.logs);
        let marker = text.iter().position(|t| t.starts_with("— stream ended: "));
        let again = text.iter().rposition(|t| t == "started");
        assert!(marker.is_some() && marker < again, "{text:?}");
        assert!(
            text.iter()
                .any(|t| t == "— stream ended: the container exited (code 137); reconnecting —"),
            "{text:?}"
        );
        assert_eq!(count(&rig.logs, "— stream ended: "), 1, "{text:?}");
        assert_eq!(rig.streams.streaming(), std::slice::from_ref(&id));
        let rm = bollard::query_parameters::RemoveContainerOptions {
            force: true,
            ..Default::default()
        };
        d.remove_container(&id, Some(rm)).await.expect("remove");
        rig.until(Duration::from_secs(20), "the removed marker", |l| {
            count(l, "— stream stopped: the container was removed —") >= 1
        })
        .await;
        rig.pump_for(Duration::from_secs(2), |_| {}).await;
        assert!(
            rig.streams.streaming().is_empty(),
            "no reconnect once removed"
        );
        let text = all_text(&rig.logs);
        assert_eq!(count(&rig.logs, "started"), 2, "no line twice: {text:?}");
    })
    .await;
}
