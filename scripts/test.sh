#!/usr/bin/env bash
# Runs flightdeck's whole test suite. As root, it installs (Debian packages) what the tests need
# (dockerd, tmux, prometheus, busybox-static, docker-compose, openssh-server and -client, git,
# postgresql and its clients, curl, docker-registry) and starts dockerd (no bridge, no iptables); tests that need
# Prometheus, sshd, PostgreSQL or a registry start their own (sshd on 127.0.0.1, a high port, key-only:
# tests/it/sshd.rs; PostgreSQL as user postgres on 127.0.0.1: tests/it/postgres.rs). Without
# root it says what to install; tests needing a missing part skip (or fail, under FLIGHTDECK_REQUIRE_DOCKER=1, as CI sets).
# At the end: the skipped tests by name, `N passed, N failed, N skipped` and the wall time.
set -uo pipefail
cd "$(dirname "$0")/.."

pkgs="docker.io busybox-static tmux prometheus docker-compose openssh-server openssh-client git postgresql postgresql-client curl librsvg2-bin docker-registry"
missing=""
for bin in dockerd busybox tmux prometheus docker-compose /usr/sbin/sshd ssh ssh-keygen ssh-agent git psql pg_dump pg_restore curl rsvg-convert docker-registry; do
  command -v "$bin" >/dev/null 2>&1 || missing="$missing $bin"
done
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing initdb"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing:$missing"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >/dev/null \
      || echo "!! apt-get install failed; tests that need$missing will skip or fail"
  else
    echo "!! missing:$missing — install them with: sudo apt-get install $pkgs"
  fi
fi

state="${TMPDIR:-/tmp}/flightdeck-test-services"
mkdir -p "$state"

# dockerd: the shared daemon on the default socket.
if command -v dockerd >/dev/null 2>&1 && ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "== starting dockerd (--bridge=none --iptables=false --ip-masq=false)"
    dockerd --bridge=none --iptables=false --ip-masq=false >"$state/dockerd.log" 2>&1 &
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    docker info >/dev/null 2>&1 || { echo "!! dockerd did not start:"; tail -20 "$state/dockerd.log"; }
  else
    echo "!! dockerd is not running and this is not root: Docker tests will skip"
  fi
fi

echo "== cargo test"
# This run's files (other runs may share $state).
run=$(mktemp -d "$state/run.XXXXXX")
log="$run/cargo-test.log"
# Each real-component test that skips appends `test: component: why` here (tests/it/skip.rs).
export FLIGHTDECK_SKIP_LOG="$run/skipped.log"
: >"$FLIGHTDECK_SKIP_LOG"
started=$SECONDS
cargo test --all-targets --no-fail-fast 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
wall=$((SECONDS - started))
ran=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed;' "$log" | awk '{s+=$1} END {print s+0}')
# `#[ignore]`d tests are skipped too; a test skipping for a missing component passed in
# cargo's count.
grep -E '^test .* \.\.\. ignored' "$log" | sed -E 's/^test (.*) \.\.\. ignored.*/\1: ignored: #[ignore]/' \
  >>"$FLIGHTDECK_SKIP_LOG"
ignored=$(grep -Eo '[0-9]+ ignored;' "$log" | awk '{s+=$1} END {print s+0}')
component_skips=$(grep -v ': ignored: #\[ignore\]$' "$FLIGHTDECK_SKIP_LOG" | awk -F': ' '{print $1}' | sort -u | grep -c .)
skipped_names=$(awk -F': ' '{print $1}' "$FLIGHTDECK_SKIP_LOG" | sort -u)
skipped=$(printf '%s' "$skipped_names" | grep -c .)
passed=$((ran - component_skips))
echo "== skipped"
if [ "$skipped" = 0 ]; then
  echo "none"
else
  echo "$component_skips real-component test(s) skipped, $ignored ignored:"
  sort -u "$FLIGHTDECK_SKIP_LOG" | sed 's/^/  /'
fi
echo "== totals"
echo "$passed passed, $failed failed, $skipped skipped"
printf 'wall time: %dm%02ds\n' $((wall / 60)) $((wall % 60))
# CI has 90 minutes on 2 cores; the suite's budget is 30 (FLIGHTDECK_TEST_BUDGET, seconds).
budget=${FLIGHTDECK_TEST_BUDGET:-1800}
[ "$wall" -le "$budget" ] || echo "!! the suite took longer than its budget of ${budget}s"
if [ "$status" = 0 ] && [ "$ran" = 0 ]; then
  echo "!! no test ran"
  status=1
fi
exit "$status"
