#!/bin/sh
# Stand-in for `helm upgrade --install backend ./chart --set image.tag=VERSION`: serves VERSION
# on 127.0.0.1:PORT with `flightdeck demo-service`, replacing the running pods. A bad build is
# simulated by faults/VERSION.down (its /health answers 503).
#   scripts/deploy.sh VERSION PORT
set -eu
version=$1
port=$2
state=.deploy
mkdir -p "$state"
if [ -f "$state/pid" ]; then
    kill "$(cat "$state/pid")" 2>/dev/null || true
    i=0
    while kill -0 "$(cat "$state/pid")" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
fi
setsid nohup "${FLIGHTDECK:-flightdeck}" demo-service --port "$port" --version "$version" \
    --environment production --down-file "faults/$version.down" \
    </dev/null >"$state/service.log" 2>&1 &
echo $! >"$state/pid"
i=0
until grep -q listening "$state/service.log" 2>/dev/null; do
    i=$((i + 1))
    [ $i -gt 100 ] && { echo "backend $version did not start" >&2; cat "$state/service.log" >&2; exit 1; }
    sleep 0.1
done
echo "Release \"backend\" has been upgraded. Happy Helming! (image tag $version on 127.0.0.1:$port)"
