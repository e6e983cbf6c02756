#!/bin/sh
# Stand-in for `npm run deploy:staging` / `npm run deploy:production` (a Render deploy): serves
# VERSION for ENVIRONMENT on 127.0.0.1:PORT with `flightdeck demo-service`, replacing what ran
# there. Faults of a bad build, each a file in faults/: `VERSION` holds the share of requests
# that fail, `VERSION.down` makes /health answer 503 while it exists, `VERSION.delay_ms` holds
# how long /slow takes.
#   scripts/deploy.sh ENVIRONMENT VERSION PORT
set -eu
env=$1
version=$2
port=$3
state=.deploy/$env
mkdir -p "$state"
if [ -f "$state/pid" ]; then
    kill "$(cat "$state/pid")" 2>/dev/null || true
    i=0
    while kill -0 "$(cat "$state/pid")" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
fi
delay=0
[ -f "faults/$version.delay_ms" ] && delay=$(cat "faults/$version.delay_ms")
setsid nohup "${FLIGHTDECK:-flightdeck}" demo-service --port "$port" --version "$version" \
    --environment "$env" --fail-rate-file "faults/$version" --down-file "faults/$version.down" \
    --delay-ms "$delay" \
    </dev/null >"$state/service.log" 2>&1 &
echo $! >"$state/pid"
i=0
until grep -q listening "$state/service.log" 2>/dev/null; do
    i=$((i + 1))
    [ $i -gt 100 ] && { echo "deploy of $version to $env did not start" >&2; cat "$state/service.log" >&2; exit 1; }
    sleep 0.1
done
echo "deployed $version to $env on 127.0.0.1:$port"
