#!/usr/bin/env bash
# Idle CPU and RSS of the cockpit (DESIGN.md §6: at most 0.2 % CPU with 5 containers and nothing
# changing). Builds a FROM-scratch busybox sleeper image locally, starts five sleepers
# (--network none) matched by one service, runs the release build of flightdeck in a private
# tmux server for ${IDLE_SECS:-30} s with nothing changing, and prints its CPU % (from
# /proc/<pid>/stat) and RSS (from /proc/<pid>/status). Containers, tmux and temp files are
# removed on every exit path.
#
#   scripts/idle-bench.sh                # builds with `cargo build --release` when needed
#   FLIGHTDECK_BIN=path/to/flightdeck scripts/idle-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${IDLE_SECS:-30}"
warmup="${IDLE_WARMUP_SECS:-5}"
run_id="idle-bench-$$-$(date +%s)"
label="flightdeck.idle-bench=$run_id"
image="flightdeck-idle-bench/sleep:1"
work="$(mktemp -d)"

cleanup() {
  tmux -S "$work/tmux.sock" kill-server >/dev/null 2>&1 || true
  ids="$(docker ps -aq --filter "label=$label" 2>/dev/null || true)"
  [ -n "$ids" ] && docker rm -f $ids >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

for need in docker tmux; do
  command -v "$need" >/dev/null || { echo "idle-bench: $need is not installed" >&2; exit 1; }
done
docker info >/dev/null 2>&1 || { echo "idle-bench: the Docker daemon is not reachable" >&2; exit 1; }
busybox="$(command -v busybox || true)"
[ -n "$busybox" ] || { echo "idle-bench: busybox (busybox-static) is not installed" >&2; exit 1; }

bin="${FLIGHTDECK_BIN:-}"
if [ -z "$bin" ]; then
  cargo build --release --quiet --bin flightdeck
  bin="${CARGO_TARGET_DIR:-target}/release/flightdeck"
fi
bin="$(readlink -f "$bin")"
[ -x "$bin" ] || { echo "idle-bench: no flightdeck binary at $bin" >&2; exit 1; }

# The image: FROM scratch, busybox only; nothing is pulled.
mkdir -p "$work/image"
cp "$busybox" "$work/image/busybox"
printf 'FROM scratch\nCOPY busybox /bin/busybox\nENTRYPOINT ["/bin/busybox", "sleep", "86400"]\n' \
  >"$work/image/Dockerfile"
docker build -q -t "$image" "$work/image" >/dev/null 2>"$work/build.log" \
  || { cat "$work/build.log" >&2; exit 1; }

for i in 1 2 3 4 5; do
  docker run -d --network none --label "$label" \
    --name "$run_id-$i" "$image" >/dev/null
done

mkdir -p "$work/release"
cat >"$work/release/flightdeck.toml" <<TOML
[release]
name = "idle"
environment = "staging"
version = "1.0.0"

[[services]]
name = "sleepers"
match = { label = "$label" }

[[steps]]
id = "qa"
kind = "manual"
title = "Nothing happens while this waits"
TOML

tmux -S "$work/tmux.sock" -f /dev/null new-session -d -s bench -x 200 -y 60 -c "$work/release" \
  "exec '$bin' run --operator bench"
pid="$(tmux -S "$work/tmux.sock" display-message -p -t bench '#{pane_pid}')"

# Let it connect, list the containers and draw, then measure with nothing changing.
sleep "$warmup"
[ -d "/proc/$pid" ] || { echo "idle-bench: flightdeck exited early" >&2; exit 1; }
screen="$(tmux -S "$work/tmux.sock" capture-pane -p -t bench)"
shown="$(grep -oE '[0-9]+ containers' <<<"$screen" | head -1 || true)"
[ -n "${IDLE_SHOW_SCREEN:-}" ] && printf '%s\n' "$screen"

ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz="$(getconf CLK_TCK)"
t0="$(ticks)"; s0="$(date +%s.%N)"
sleep "$secs"
t1="$(ticks)"; s1="$(date +%s.%N)"
rss_kb="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")"
hwm_kb="$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")"

cpu="$(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s0="$s0" -v s1="$s1" \
  'BEGIN { printf "%.3f", 100 * (b - a) / hz / (s1 - s0) }')"
echo "idle-bench: 5 containers (the cockpit shows: ${shown:-none}), ${secs} s idle after ${warmup} s warm-up"
echo "cpu_percent=$cpu"
echo "cpu_ticks=$((t1 - t0)) (CLK_TCK=$hz)"
echo "rss_kb=$rss_kb"
echo "rss_peak_kb=$hwm_kb"
awk -v c="$cpu" 'BEGIN { exit !(c <= 0.2) }' && echo "target <= 0.2 %: met" || echo "target <= 0.2 %: MISSED"
