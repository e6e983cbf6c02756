#!/usr/bin/env python3
"""Keypress-to-screen latency of the cockpit in a tmux pane (DESIGN §6: <= 100 ms under a storm).

Usage: keypress.py TMUX_SOCKET TARGET [PRESSES]

Each press sends `?` (show or hide the help) with `tmux send-keys` and polls `tmux capture-pane`
until the help's title line appears (or disappears): the time from sending the key to the pane
showing its effect, including tmux's own work, which is what an operator sees. Bounded: at most
PRESSES presses (default 20), each given up after 5 s. Prints one line:
"keypress-to-screen ms: median M, p95 P, max X (N presses, T timed out)".
"""

import statistics
import subprocess
import sys
import time

MARK = "esc close"  # on the help modal's title line only
GIVE_UP = 5.0


def tmux(sock, *args):
    return subprocess.run(["tmux", "-S", sock, *args], capture_output=True, text=True).stdout


def shown(sock, target):
    return MARK in tmux(sock, "capture-pane", "-p", "-t", target)


def main():
    sock, target = sys.argv[1], sys.argv[2]
    presses = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    if shown(sock, target):  # start with the help closed
        tmux(sock, "send-keys", "-t", target, "?")
        time.sleep(0.5)
    samples, timeouts = [], 0
    for i in range(presses):
        want = i % 2 == 0  # open, then close, ...
        start = time.monotonic()
        tmux(sock, "send-keys", "-t", target, "?")
        while shown(sock, target) != want:
            if time.monotonic() - start > GIVE_UP:
                timeouts += 1
                break
        else:
            samples.append((time.monotonic() - start) * 1000)
        time.sleep(0.15)
    if shown(sock, target):
        tmux(sock, "send-keys", "-t", target, "?")
    if not samples:
        print(f"keypress-to-screen ms: no sample ({presses} presses, {timeouts} timed out)")
        return
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    print(
        f"keypress-to-screen ms: median {statistics.median(samples):.0f}, p95 {p95:.0f}, "
        f"max {samples[-1]:.0f} ({len(samples)} presses, {timeouts} timed out)"
    )


if __name__ == "__main__":
    main()
