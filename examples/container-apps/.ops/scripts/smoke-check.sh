#!/bin/sh
# Stand-in for .ops/scripts/smoke-check.sh: every endpoint must answer 200.
#   .ops/scripts/smoke-check.sh BASE_URL
base=$1
rc=0
for path in /health /api/system/version; do
    if timeout 3 busybox wget -q -O /dev/null "$base$path" 2>/dev/null; then
        echo "PASS $path"
    else
        echo "FAIL $path"
        rc=1
    fi
done
exit $rc
