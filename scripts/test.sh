#!/usr/bin/env bash
# Runs flightdeck's whole test suite. As root, it installs (Debian packages) and starts what the
# tests need: dockerd (no bridge, no iptables), Prometheus on 127.0.0.1, tmux, busybox-static and
# docker-compose. Without root it says what to install; tests needing a missing part skip with a
# message (or fail, under FLIGHTDECK_REQUIRE_DOCKER=1, as CI sets).
set -uo pipefail
cd "$(dirname "$0")/.."

pkgs="docker.io busybox-static tmux prometheus docker-compose"
missing=""
for bin in dockerd busybox tmux prometheus docker-compose; do
  command -v "$bin" >/dev/null 2>&1 || missing="$missing $bin"
done
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

# Prometheus on 127.0.0.1:19090. Tests add scrape targets by writing JSON files into
# $FLIGHTDECK_PROMETHEUS_TARGETS (file_sd, refreshed every second).
export FLIGHTDECK_PROMETHEUS_URL="http://127.0.0.1:19090"
export FLIGHTDECK_PROMETHEUS_TARGETS="$state/prom-targets"
if command -v prometheus >/dev/null 2>&1 && ! curl -fsS "$FLIGHTDECK_PROMETHEUS_URL/-/ready" >/dev/null 2>&1; then
  mkdir -p "$FLIGHTDECK_PROMETHEUS_TARGETS" "$state/prom-data"
  cat >"$state/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: flightdeck-tests
    scrape_interval: 1s
    file_sd_configs:
      - files: ['$FLIGHTDECK_PROMETHEUS_TARGETS/*.json']
        refresh_interval: 1s
YML
  echo "== starting prometheus on 127.0.0.1:19090"
  prometheus --config.file="$state/prometheus.yml" --storage.tsdb.path="$state/prom-data" \
    --web.listen-address=127.0.0.1:19090 >"$state/prometheus.log" 2>&1 &
  for _ in $(seq 1 60); do curl -fsS "$FLIGHTDECK_PROMETHEUS_URL/-/ready" >/dev/null 2>&1 && break; sleep 0.5; done
fi

echo "== cargo test"
log="$state/cargo-test.log"
cargo test --all-targets 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
passed=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed;' "$log" | awk '{s+=$1} END {print s+0}')
echo "== totals"
echo "tests: $passed passed, $failed failed"
exit "$status"
