#!/bin/sh
# The seed's "latency p99 > 2s", measured: N timed requests to URL (20 at a time, curl's
# time_total; a failed request counts as 10 s), and the nearest-rank 99th percentile of their
# times. Exit 1 when it is over MAX seconds. (With a latency histogram in the service, a
# `prometheus` gate with histogram_quantile(0.99, …) measures real traffic instead.)
#   scripts/p99.sh URL N MAX
set -eu
url=$1
n=$2
max=$3
times=$(seq "$n" | xargs -P 20 -I{} sh -c 'curl -s -o /dev/null --max-time 10 -w "%{time_total}\n" "$1" || echo 10' _ "$url")
printf '%s\n' "$times" | sort -n | awk -v max="$max" '
    { t[NR] = $1 }
    END {
        k = int(0.99 * NR); if (k < 0.99 * NR) k++; if (k < 1) k = 1
        printf "p99 %.3fs over %d requests (median %.3fs, max %.3fs; limit %ss)\n", t[k], NR, t[int((NR + 1) / 2)], t[NR], max
        exit (t[k] > max) ? 1 : 0
    }'
