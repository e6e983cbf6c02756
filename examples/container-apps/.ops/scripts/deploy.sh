#!/bin/sh
# Stand-in for the backend-deploy workflow (build, push to tradenexusacr, new Container Apps
# revision): serves VERSION on 127.0.0.1:PORT with `flightdeck demo-service`, replacing the
# running revision. A version listed in faults/ fails that share of its requests (a bad build);
# while faults/VERSION.down exists, its /health answers 503 (the revision's health is down).
#   .ops/scripts/deploy.sh VERSION PORT
set -eu
version=$1
port=$2
state=.ops/state
mkdir -p "$state"
if [ -f "$state/pid" ]; then
    kill "$(cat "$state/pid")" 2>/dev/null || true
    i=0
    while kill -0 "$(cat "$state/pid")" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
fi
if [ -f "$state/current" ] && [ "$(cat "$state/current")" != "$version" ]; then
    cp "$state/current" "$state/previous"
fi
setsid nohup "${FLIGHTDECK:-flightdeck}" demo-service --port "$port" --version "$version" \
    --environment production --fail-rate-file "faults/$version" \
    --down-file "faults/$version.down" \
    </dev/null >"$state/service.log" 2>&1 &
echo $! >"$state/pid"
echo "$version" >"$state/current"
i=0
until grep -q listening "$state/service.log" 2>/dev/null; do
    i=$((i + 1))
    [ $i -gt 100 ] && { echo "revision $version did not start" >&2; cat "$state/service.log" >&2; exit 1; }
    sleep 0.1
done
echo "revision for $version is serving 100% of traffic on 127.0.0.1:$port"
