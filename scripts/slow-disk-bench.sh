#!/usr/bin/env bash
# Slow-disk benchmark (DESIGN §2.1, issue 18): keypress-to-screen latency of the cockpit while
# every fsync and fdatasync of the process takes an extra 300 ms, and a step prints 20 lines/s
# (so the journal gets an `output` record every 100 ms). The command runs under
#   strace -f --seccomp-bpf -e trace=fsync,fdatasync -e inject=fsync:delay_enter=300000
#          -e inject=fdatasync:delay_enter=300000
# in a private tmux server; once the step's output shows, `?` is pressed PRESSES times with the
# method of scripts/keypress.py (tmux send-keys, poll capture-pane until the help's title line
# shows or hides). It runs twice: under strace with no delay (the baseline), then with the
# delay. Prints p50 / p90 / max in ms for both, and how many fsyncs the process made.
#
# Usage: scripts/slow-disk-bench.sh [CMD...]
#   CMD runs (via sh -c) in a temp dir holding the generated runbook `flightdeck.toml`; it
#   must open the cockpit on it (the script presses Enter at "runs step" to start the step);
#   default: `$BIN run -f flightdeck.toml --state-dir state`, BIN from FLIGHTDECK_BIN or the
#   --release build. Environment: DELAY_US (default 300000), PRESSES (default 20),
#   SETTLE (seconds the step runs before measuring; default 3), ONLY_SLOW=1 skips the baseline.
# Bounded: each press gives up after 5 s; the step stops itself after 10 minutes.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
DELAY_US=${DELAY_US:-300000}
PRESSES=${PRESSES:-20}
SETTLE=${SETTLE:-3}
WORK=$(mktemp -d)
SOCK=$WORK/tmux.sock

# Every process under strace (pid in $WORK/pid): the cockpit, and the step it runs in a
# process group of its own, which a tmux hang-up alone would leave running (DESIGN §5).
descendants() { local p; for p in $(pgrep -P "$1"); do echo "$p"; descendants "$p"; done; }
stop_cmd() {
    local pid
    pid=$(cat "$WORK/pid" 2>/dev/null) || return 0
    # shellcheck disable=SC2046
    kill -9 $(descendants "$pid") "$pid" 2>/dev/null || true
    rm -f "$WORK/pid"
    tmux -S "$SOCK" kill-server 2>/dev/null || true
}
cleanup() {
    stop_cmd
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

command -v strace >/dev/null || { apt-get update -qq && apt-get install -y -qq strace >/dev/null; }
command -v tmux >/dev/null || { echo "slow-disk-bench: tmux is required" >&2; exit 1; }

if (($# > 0)); then
    CMD="$*"
else
    BIN=${FLIGHTDECK_BIN:-$CARGO_TARGET_DIR/release/flightdeck}
    [[ -n ${FLIGHTDECK_BIN:-} ]] || (cd "$ROOT" && cargo build --release --quiet --bin flightdeck)
    CMD="$BIN run -f flightdeck.toml --state-dir state"
fi

# A step printing 20 lines a second (output is journaled in batches of up to 100 ms).
cat >"$WORK/flightdeck.toml" <<'TOML'
[release]
name = "slowdisk"
environment = "bench"
version = "1"
[[steps]]
id = "chatty"
kind = "run"
run = "i=0; while [ $i -lt 12000 ]; do echo \"chatty line $i\"; i=$((i+1)); sleep 0.05; done"
timeout = "11m"
[[steps]]
id = "after"
kind = "manual"
title = "after"
TOML

# Text on screen: waits up to $2 seconds for $1 to appear in the pane.
wait_screen() {
    local end=$((SECONDS + $2))
    until tmux -S "$SOCK" capture-pane -p -t fd 2>/dev/null | grep -qF -- "$1"; do
        if ((SECONDS >= end)); then
            echo "slow-disk-bench: '$1' never showed; the screen:" >&2
            tmux -S "$SOCK" capture-pane -p -t fd >&2 || true
            return 1
        fi
        sleep 0.1
    done
}

# keypress.py's method (its tmux and help-title check), with p50 / p90 / max.
measure() {
    python3 - "$SOCK" fd "$PRESSES" "$ROOT/scripts" <<'PY'
import sys, time
sock, target, presses = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, sys.argv[4])
from keypress import GIVE_UP, shown, tmux

if shown(sock, target):
    tmux(sock, "send-keys", "-t", target, "?")
    time.sleep(0.5)
samples, timeouts = [], 0
for i in range(presses):
    want = i % 2 == 0
    start = time.monotonic()
    tmux(sock, "send-keys", "-t", target, "?")
    while shown(sock, target) != want:
        if time.monotonic() - start > GIVE_UP:
            timeouts += 1
            break
    else:
        samples.append((time.monotonic() - start) * 1000)
    time.sleep(0.15)
if not samples:
    print(f"no sample ({presses} presses, {timeouts} timed out)")
    sys.exit(0)
samples.sort()
rank = lambda p: samples[max(0, -(-p * len(samples) // 100) - 1)]  # nearest rank
print(f"p50 {rank(50):.0f}, p90 {rank(90):.0f}, max {samples[-1]:.0f} "
      f"({len(samples)} presses, {timeouts} timed out)")
PY
}

# One phase: the command under strace with `inject` delays of $2 µs; prints one result line.
phase() {
    local label=$1 delay=$2 inject=()
    if ((delay > 0)); then
        inject=(-e "inject=fsync:delay_enter=$delay" -e "inject=fdatasync:delay_enter=$delay")
    fi
    rm -rf "$WORK/state"
    SOCK=$WORK/tmux-$delay.sock # a fresh server: a new one on a just-killed socket can fail
    local trace="$WORK/strace-$delay.log"
    local strace="strace -f --seccomp-bpf -qq -o $trace -e trace=fsync,fdatasync ${inject[*]}"
    tmux -S "$SOCK" -f /dev/null new-session -d -s fd -x 160 -y 48 -c "$WORK" \
        "echo \$\$ >$WORK/pid; exec $strace -- sh -c '$CMD'"
    wait_screen "runs step" 30
    tmux -S "$SOCK" send-keys -t fd Enter
    wait_screen "chatty line" 30
    sleep "$SETTLE"
    local result fsyncs
    result=$(measure)
    fsyncs=$(grep -cE '(^|[[:space:]])f(data)?sync\(' "$trace" || true)
    printf '%-28s keypress to help screen (ms): %s; fsync+fdatasync calls: %s\n' \
        "$label" "$result" "$fsyncs"
    stop_cmd
    sleep 0.5
}

printf 'slow-disk-bench: %s\n' "$CMD"
[[ -n ${ONLY_SLOW:-} ]] || phase "no delay (strace only)" 0
phase "fsync +$((DELAY_US / 1000)) ms" "$DELAY_US"
