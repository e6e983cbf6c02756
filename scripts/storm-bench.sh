#!/usr/bin/env bash
# The DESIGN.md §6 (revision 2) figures, by the method of ../shared/bench/ (the scripts the
# project's owners run; this script calls them as they are): a release build of flightdeck
# following container `fdbar-storm` (label fdbar=storm) or N containers (label fdbar=scale).
# Everything is bounded in time; containers use --network none (FROM-scratch busybox images,
# nothing is pulled) and are removed afterwards.
#
#   storm-compare.sh  lag at ~7k lines/s, CPU against `docker logs -f` in the same 15 s window,
#                     dockerd's cost, lag in the maximum storm, RSS
#   tty-bytes.sh      bytes per second to a 200x50 terminal (under script(1)), ~7k/s, max, idle
#   keypress.py       `?` to the help screen under the maximum storm (median p90 max, ms)
#   scale-compare.sh  N containers at 20 lines/s each: listed after (s), CPU against N
#                     `docker logs -f`, RSS
#
# Usage: scripts/storm-bench.sh [storm] [keys] [tty] [scale]   (default: all four)
#   FLIGHTDECK_BIN=path  a prebuilt binary (else `cargo build --release`)
#   BENCH=dir            the bench scripts (default ../shared/bench beside the checkout)
#   N=100                containers for the scale run;  FPS=n  adds `--fps n` (default: none)
#   PRESSES=20           key presses for keypress.py
#   SOAK=300             instead: flightdeck alone under the maximum storm for 300 s, RSS
#                        every 30 s (the "RSS after 5 minutes" figure)
# Prints each script's line, prefixed with its name, the date and the load average.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=${BENCH:-$(cd "$ROOT/.." && pwd)/shared/bench}
[[ -d $BENCH ]] || { echo "no bench scripts at $BENCH (set BENCH=)" >&2; exit 2; }
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
N=${N:-100}
WORK=$(mktemp -d)
# The process the bench scripts measure is found by name (pgrep -x): a copy with a name no
# other process has, so a test run elsewhere on the machine is not measured instead.
PNAME=fdbench$$
PNAME=${PNAME:0:15}

# A cockpit whose terminal was taken away under script(1) (tty-bytes.sh kills script) can stay
# behind and would follow the next case's storm: end this run's copies (their name is unique).
leftovers() { pgrep -x "$PNAME" | xargs -r kill 2>/dev/null || true; sleep 1; }
cleanup() {
    leftovers
    tmux kill-session -t "keys-$$" 2>/dev/null || true
    docker rm -f fdbar-storm >/dev/null 2>&1 || true
    docker ps -aq --filter label=fdbar=scale | xargs -r docker rm -f >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

if [[ -z ${FLIGHTDECK_BIN:-} ]]; then
    (cd "$ROOT" && cargo build --release --quiet --bin flightdeck)
    FLIGHTDECK_BIN=$CARGO_TARGET_DIR/release/flightdeck
fi
cp "$FLIGHTDECK_BIN" "$WORK/$PNAME"
BIN=$WORK/$PNAME
bash "$BENCH/images.sh"

# One runbook per case: a service matching the bench's label, with its logs followed.
for k in storm scale; do
    mkdir -p "$WORK/$k"
    cat >"$WORK/$k/flightdeck.toml" <<TOML
[release]
name = "$k"
environment = "bench"
version = "1"
[[services]]
name = "$k"
match = { label = "fdbar=$k" }
logs = true
[[steps]]
id = "wait"
kind = "manual"
title = "wait"
TOML
done
FPSARG=${FPS:+--fps $FPS}
cmd() { echo "$BIN run $FPSARG --state-dir $WORK/state-$1-$RANDOM"; }
say() { printf '%-8s %s  [%s UTC, load %s]\n' "$1" "$2" "$(date -u +%FT%T)" "$(cut -d' ' -f1-3 /proc/loadavg)"; }

storm() { say storm "$(bash "$BENCH/storm-compare.sh" "$(cmd storm)" "$PNAME" "$WORK/storm")"; }
tty() { say tty "$(bash "$BENCH/tty-bytes.sh" "$(cmd tty)" "$WORK/storm")"; }
scale() {
    # Listed: the host line's `N containers` (or the service row's `N/N`).
    say scale "$(READY="(^|[^0-9])$N (containers|/ ?$N)|$N/$N" bash "$BENCH/scale-compare.sh" "$(cmd scale)" "$PNAME" "$N" "$WORK/scale")"
}
# The cockpit under the maximum storm (the bench's own storm line), then keypress.py.
keys() {
    docker rm -f fdbar-storm >/dev/null 2>&1 || true
    docker run -d --network none --name fdbar-storm --label fdbar=storm fdbar-storm:1 \
        'i=0; while true; do echo "2026-11-24T00:00:00Z INFO request handled path=/api/v1/orders status=200 latency_ms=12 seq=$i"; i=$((i+1)); done' >/dev/null
    tmux new-session -d -s "keys-$$" -x 200 -y 50 "cd $WORK/storm && $(cmd keys)"
    sleep 8
    say keys "median_p90_max_ms=$(python3 "$BENCH/keypress.py" "keys-$$" "${PRESSES:-20}" | tr ' ' /)"
    tmux kill-session -t "keys-$$" 2>/dev/null || true
    docker rm -f fdbar-storm >/dev/null 2>&1 || true
}
soak() {
    docker rm -f fdbar-storm >/dev/null 2>&1 || true
    docker run -d --network none --name fdbar-storm --label fdbar=storm fdbar-storm:1 \
        'i=0; while true; do echo "2026-11-24T00:00:00Z INFO soak line seq=$i"; i=$((i+1)); done' >/dev/null
    tmux new-session -d -s "keys-$$" -x 200 -y 50 "cd $WORK/storm && $(cmd soak)"
    sleep 3
    local pid; pid=$(pgrep -n -x "$PNAME")
    for ((t = 30; t <= SOAK; t += 30)); do
        sleep 30
        say soak "elapsed_s=$t rss_mb=$(($(awk '/^VmRSS/ {print $2}' "/proc/$pid/status") / 1024))"
    done
    tmux kill-session -t "keys-$$" 2>/dev/null || true
    docker rm -f fdbar-storm >/dev/null 2>&1 || true
}

say setup "bin=$FLIGHTDECK_BIN bench=$BENCH ${FPS:+fps=$FPS}"
if [[ -n ${SOAK:-} ]]; then
    soak
    exit 0
fi
for what in "${@:-storm keys tty scale}"; do
    for w in $what; do
        case $w in
            storm | tty | keys | scale) "$w"; leftovers ;;
            *) echo "unknown case: $w (storm, tty, keys, scale)" >&2; exit 2 ;;
        esac
    done
done
