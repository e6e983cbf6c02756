#!/usr/bin/env bash
# Log storm benchmark (DESIGN §6), bounded in time, 127.0.0.1 / --network none only.
# For each storm (max speed, and throttled to ~7k lines/s) a busybox container (FROM scratch)
# writes lines; flightdeck (the cockpit in tmux, --release build) follows it, then
# `docker logs -f` follows it. Printed side by side:
#   - lag of the newest line shown behind the wall clock (flightdeck: its pane, read with
#     tmux capture-pane with timestamps on; docker logs -f: its output's newest timestamp),
#   - CPU of the follower, CPU of dockerd while it follows, flightdeck RSS after the storm,
#   - keypress-to-screen latency under the storm (scripts/keypress.py: `?` sent with tmux
#     send-keys, the pane polled until the help shows or hides), and once with no storm.
# Usage: scripts/storm-bench.sh [SECONDS_PER_PHASE]   (default 20; FPS=N sets flightdeck's --fps)
#        SOAK=300 scripts/storm-bench.sh   flightdeck alone under the max storm for 300 s: RSS
#                                          every 30 s, then keypress-to-screen
set -euo pipefail

SECS=${1:-20}
FPS=${FPS:-30}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
# FLIGHTDECK_BIN: a prebuilt binary (a dry run of the script itself); else the --release build.
BIN=${FLIGHTDECK_BIN:-$CARGO_TARGET_DIR/release/flightdeck}
RUN=storm-$$
WORK=$(mktemp -d)
SOCK=$WORK/tmux.sock
IMAGE=flightdeck-test/shell:1
TICK=$(getconf CLK_TCK)

cleanup() {
    tmux -S "$SOCK" kill-server 2>/dev/null || true
    docker ps -aq --filter "label=flightdeck.test=$RUN" | xargs -r docker rm -f >/dev/null 2>&1 || true
    [[ -n ${DLPID:-} ]] && kill "$DLPID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

[[ -n ${FLIGHTDECK_BIN:-} ]] || (cd "$ROOT" && cargo build --release --quiet --bin flightdeck)

# The image: busybox from scratch, `sh -c` as entrypoint (nothing is pulled).
mkdir -p "$WORK/img"
cp /bin/busybox "$WORK/img/busybox"
printf 'FROM scratch\nCOPY busybox /bin/busybox\nENTRYPOINT ["/bin/busybox", "sh", "-c"]\n' >"$WORK/img/Dockerfile"
docker build -q -t "$IMAGE" "$WORK/img" >/dev/null

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
dockerd_pid() { pgrep -xo dockerd; }
now_s() { date -u +%s.%N; }
# Seconds between the wall clock and an HH:MM:SS.fff UTC time of today.
lag_of() {
    python3 -c '
import sys, datetime as d
n = d.datetime.now(d.timezone.utc)
try:
    h, m, s = sys.argv[1].rstrip("Z").split(":"); s = float(s)
except ValueError:
    sys.exit(0)  # a line read mid-write: no sample
shown = n.replace(hour=int(h), minute=int(m), second=int(s), microsecond=int((s % 1) * 1e6))
print(f"{(n - shown).total_seconds():.2f}")' "$1"
}
sample() { local l; l=$(lag_of "$1"); [[ -n $l ]] && lags+=("$l"); return 0; }
# Lines flightdeck has received for the shown source: kept + dropped, from the pane's title.
fd_received() {
    tmux -S "$SOCK" capture-pane -p -t fd | grep -m1 -oE '[0-9]+ lines?( · [0-9]+ dropped)?' |
        awk '{print $1 + ($4 == "" ? 0 : $4)}'
}
# dockerd CPU milliseconds per 100k lines delivered to the follower.
per_line() { python3 -c "print(f'{$1 * 1000 / $TICK / max($2, 1) * 1e5:.0f}')"; }

# Median of the numbers on stdin.
median() { sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "n/a"}'; }

pct() { # ticks over seconds, as percent of one CPU
    python3 -c "print(f'{$1 / $TICK / $2 * 100:.1f}')"
}

# The cockpit in tmux, following the container named $1, with timestamps on; sets FPID.
start_cockpit() {
    local name=$1 label=$2
    cat >"$WORK/flightdeck.toml" <<TOML
[release]
name = "storm"
environment = "bench"
version = "1"
[[services]]
name = "storm"
match = { name = "$name" }
logs = true
[[steps]]
id = "wait"
kind = "manual"
title = "wait"
TOML
    tmux -S "$SOCK" new-session -d -s fd -x 160 -y 48 \
        "cd $WORK && exec $BIN run --fps $FPS -f $WORK/flightdeck.toml --state-dir $WORK/state-$label"
    sleep 3
    tmux -S "$SOCK" send-keys -t fd t
    FPID=$(pgrep -n -f "$BIN run --fps $FPS -f $WORK/flightdeck.toml")
}
# Skip markers held in the pane's buffer: a log search (`/`) for the marker's text; the pane's
# title then counts the matches. The search is left in place (it does not stop following).
skips() {
    tmux -S "$SOCK" send-keys -t fd / && sleep 0.2
    tmux -S "$SOCK" send-keys -t fd -l 'lines skipped to stay live' && sleep 0.2
    tmux -S "$SOCK" send-keys -t fd Enter && sleep 0.5
    # The title says `/QUERY N matches`, `/QUERY 1 match` or `/QUERY P/N` (at match P).
    tmux -S "$SOCK" capture-pane -p -t fd |
        grep -m1 -oE '/lines skipped to stay live ([0-9]+/[0-9]+|[0-9]+ match)' |
        grep -oE '[0-9]+( match)?$' | grep -oE '^[0-9]+' || echo 0
}
keypress() { python3 "$ROOT/scripts/keypress.py" "$SOCK" fd "${PRESSES:-20}" | sed 's/^keypress-to-screen ms: //'; }

# SOAK: flightdeck alone under the max storm; RSS every 30 s, then keypress-to-screen.
soak() {
    local name="fd-storm-$RUN-soak"
    docker run -d --name "$name" --network none --label "flightdeck.test=$RUN" \
        --log-opt max-size=50m --log-opt max-file=2 "$IMAGE" "$MAX_STORM" >/dev/null
    start_cockpit "$name" soak
    local f0 t0; f0=$(cpu_ticks "$FPID"); t0=$(now_s)
    printf '\n== soak: flightdeck under the max storm for %ss (--fps %s) ==\n' "$SOAK" "$FPS"
    printf '%8s %10s %10s %14s\n' "elapsed" "RSS (MB)" "HWM (MB)" "newest lag (s)"
    local start=$SECONDS
    while ((SECONDS - start < SOAK)); do
        sleep 30
        local ts lag
        ts=$(tmux -S "$SOCK" capture-pane -p -t fd | grep -oE '│ [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} ' | tail -1 | tr -d '│ ') || true
        lag=$(lag_of "${ts:-x}")
        printf '%7ss %10s %10s %14s\n' $((SECONDS - start)) $(( $(rss_kb "$FPID") / 1024 )) \
            $(( $(awk '/^VmHWM/ {print $2}' "/proc/$FPID/status") / 1024 )) "${lag:--}"
    done
    local el; el=$(python3 -c "print($(now_s) - $t0)")
    printf 'flightdeck CPU over the soak: %s %% of one core\n' "$(pct $(( $(cpu_ticks "$FPID") - f0 )) "$el")"
    printf 'keypress to screen under the storm (ms): %s\n' "$(keypress)"
    tmux -S "$SOCK" kill-server 2>/dev/null || true
    docker rm -f "$name" >/dev/null
}

# A cockpit following nothing: the keypress latency of the harness and cockpit without a storm.
quiet() {
    start_cockpit "fd-none-$RUN" quiet
    printf '\n== no storm ==\nkeypress to screen (ms): %s\n' "$(keypress)"
    tmux -S "$SOCK" kill-server 2>/dev/null || true
}

run_storm() {
    local label=$1 script=$2 name="fd-storm-$RUN-$1"
    docker run -d --name "$name" --network none --label "flightdeck.test=$RUN" \
        --log-opt max-size=50m --log-opt max-file=2 "$IMAGE" "$script" >/dev/null

    # --- flightdeck following it --------------------------------------------------------
    start_cockpit "$name" "$label"
    local fpid=$FPID dpid
    dpid=$(dockerd_pid)
    local f0 d0 t0 lags=()
    f0=$(cpu_ticks "$fpid"); d0=$(cpu_ticks "$dpid"); t0=$(now_s)
    local n0; n0=$(fd_received); n0=${n0:-0}
    local end=$((SECONDS + SECS))
    while ((SECONDS < end)); do
        sleep 1
        local ts
        ts=$(tmux -S "$SOCK" capture-pane -p -t fd | grep -oE '│ [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} ' | tail -1 | tr -d '│ ') || true
        [[ -n $ts ]] && sample "$ts"
    done
    local f1 d1 t1
    f1=$(cpu_ticks "$fpid"); d1=$(cpu_ticks "$dpid"); t1=$(now_s)
    local n1; n1=$(fd_received); n1=${n1:-0}
    local el; el=$(python3 -c "print($t1 - $t0)")
    FD_CPU=$(pct $((f1 - f0)) "$el"); FD_DOCKERD=$(pct $((d1 - d0)) "$el")
    FD_RATE=$(python3 -c "print(round(($n1 - $n0) / $el))")
    FD_PER=$(per_line $((d1 - d0)) $((n1 - n0)))
    FD_RSS=$(( $(rss_kb "$fpid") / 1024 ))
    FD_LAG=$(printf '%s\n' "${lags[@]:-}" | median)
    FD_LAGMAX=$(printf '%s\n' "${lags[@]:-}" | sort -n | tail -1)
    FD_SKIPS=$(skips)
    FD_KEYS=$(keypress)
    tmux -S "$SOCK" kill-server 2>/dev/null || true

    # --- docker logs -f following it ----------------------------------------------------
    rm -f "$WORK/last" "$WORK/count"
    docker logs -f -t --tail 200 "$name" 2>&1 |
        awk 'NR % 500 == 0 { print $1 > "'"$WORK/last"'"; close("'"$WORK/last"'");
             print NR > "'"$WORK/count"'"; close("'"$WORK/count"'") }' &
    sleep 1
    DLPID=$(pgrep -n -f "docker logs -f -t --tail 200 $name")
    lags=()
    f0=$(cpu_ticks "$DLPID"); d0=$(cpu_ticks "$dpid"); t0=$(now_s)
    n0=$(cat "$WORK/count" 2>/dev/null || echo 0)
    end=$((SECONDS + SECS))
    while ((SECONDS < end)); do
        sleep 1
        [[ -s $WORK/last ]] || continue
        local iso; iso=$(cat "$WORK/last")
        sample "$(echo "$iso" | cut -c12-23)"
    done
    f1=$(cpu_ticks "$DLPID"); d1=$(cpu_ticks "$dpid"); t1=$(now_s)
    n1=$(cat "$WORK/count" 2>/dev/null || echo 0)
    el=$(python3 -c "print($t1 - $t0)")
    DL_CPU=$(pct $((f1 - f0)) "$el"); DL_DOCKERD=$(pct $((d1 - d0)) "$el")
    DL_RATE=$(python3 -c "print(round(($n1 - $n0) / $el))")
    DL_PER=$(per_line $((d1 - d0)) $((n1 - n0)))
    DL_LAG=$(printf '%s\n' "${lags[@]:-}" | median)
    DL_LAGMAX=$(printf '%s\n' "${lags[@]:-}" | sort -n | tail -1)
    kill "$DLPID" 2>/dev/null || true; DLPID=
    docker rm -f "$name" >/dev/null

    printf '\n== %s storm (%ss per follower, flightdeck --fps %s) ==\n' "$label" "$SECS" "$FPS"
    printf '%-34s %14s %16s\n' "figure" "flightdeck" "docker logs -f"
    printf '%-34s %14s %16s\n' "lag, median / max (s)" "$FD_LAG / $FD_LAGMAX" "$DL_LAG / $DL_LAGMAX"
    printf '%-34s %14s %16s\n' "follower CPU (% of one core)" "$FD_CPU" "$DL_CPU"
    printf '%-34s %14s %16s\n' "dockerd CPU while following (%)" "$FD_DOCKERD" "$DL_DOCKERD"
    printf '%-34s %14s %16s\n' "lines delivered per second" "$FD_RATE" "$DL_RATE"
    printf '%-34s %14s %16s\n' "dockerd CPU ms per 100k lines" "$FD_PER" "$DL_PER"
    printf '%-34s %14s %16s\n' "flightdeck RSS after storm (MB)" "$FD_RSS" "-"
    printf '%-34s %14s %16s\n' "skip markers in the buffer" "$FD_SKIPS" "-"
    printf '%-34s %s\n' "keypress to screen (ms)" "$FD_KEYS"
}

MAX_STORM='/bin/busybox yes "max storm line lorem ipsum dolor sit amet consectetur adipiscing"'
if [[ -n ${SOAK:-} ]]; then
    soak
    exit 0
fi
quiet
run_storm throttled 'while :; do i=0; while [ $i -lt 70 ]; do echo "throttled line $i lorem ipsum dolor sit amet consectetur"; i=$((i+1)); done; /bin/busybox usleep 10000; done'
run_storm max "$MAX_STORM"
