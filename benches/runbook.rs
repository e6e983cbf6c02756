//! Loading and checking a 200-step runbook (target: under 5 ms) and a 2,000-step one (target:
//! under 50 ms).

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use flightdeck::runbook::load_str;

/// A runbook with 10 gates, `steps` steps of every common kind (with templates, captures and gate
/// references) and 5 rollback steps.
fn runbook(steps: usize) -> String {
    let mut s = String::from(
        "[release]\nname = \"bench\"\nenvironment = \"staging\"\nversion = \"1.0.0\"\n\n\
         [vars]\ncompose = \"docker-compose.yml\"\nwatch = \"15m\"\nbase = \"http://127.0.0.1:8080\"\n\n\
         [[services]]\nname = \"backend\"\nmatch = { label = \"com.docker.compose.service=backend\" }\n",
    );
    for g in 0..10 {
        write!(
            s,
            "\n[[gates]]\nid = \"gate-{g}\"\nkind = \"http\"\nurl = \"{{{{ vars.base }}}}/health/{g}\"\n\
             expect_status = 200\nmax_latency = \"500ms\"\njson = {{ path = \"$.status\", condition = \"result == 'ok'\" }}\n"
        )
        .expect("writing to a String");
    }
    for i in 0..steps {
        let body = match i % 5 {
            0 => format!(
                "kind = \"run\"\nrun = \"docker-compose -f {{{{ vars.compose }}}} up -d svc{i}\"\n\
                 capture = {{ out{i} = 'id: ([0-9a-f]+)' }}\ntimeout = \"5m\"\n"
            ),
            1 => format!("kind = \"manual\"\ninstructions = \"Check {{{{ captures.out{} }}}}\"\n", i - 1),
            2 => format!("kind = \"gates\"\ngates = [\"gate-{}\", \"gate-{}\"]\n", i % 10, (i + 1) % 10),
            3 => "kind = \"watch\"\nduration = \"{{ vars.watch }}\"\ntriggers = [\"gate-1\", \"gate-2\"]\n".into(),
            _ => "kind = \"docker-deploy\"\nservice = \"backend\"\nimage = \"acme/backend:{{ version }}\"\n".into(),
        };
        write!(s, "\n[[steps]]\nid = \"step-{i}\"\n{body}").expect("writing to a String");
    }
    s.push_str("\n[rollback]\ntarget = \"previous\"\n");
    for _ in 0..5 {
        s.push_str(
            "\n[[rollback.steps]]\nkind = \"run\"\nrun = \"deploy {{ rollback.version }}\"\n",
        );
    }
    s
}

fn bench(c: &mut Criterion) {
    let src = runbook(200);
    let loaded = load_str(&src, Path::new("bench.toml")).expect("the bench runbook is valid");
    assert_eq!(loaded.runbook.steps.len(), 200);
    c.bench_function("load_and_check_200_steps", |b| {
        b.iter(|| load_str(black_box(&src), Path::new("bench.toml")));
    });
    let big = runbook(2_000);
    let loaded = load_str(&big, Path::new("bench.toml")).expect("the big runbook is valid");
    assert_eq!(loaded.runbook.steps.len(), 2_000);
    c.bench_function("load_and_check_2000_steps", |b| {
        b.iter(|| load_str(black_box(&big), Path::new("bench.toml")));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
