#!/bin/sh
# Stand-in for .ops/scripts/smoke-check.sh: every endpoint must answer 200. A revision that was
# just restarted gets three tries per endpoint, a second apart (a busy host may be slow to answer
# its first request); a bad build fails all three.
#   .ops/scripts/smoke-check.sh BASE_URL
base=$1
rc=0
for path in /health /api/system/version; do
    ok=0
    for try in 1 2 3; do
        if timeout 5 busybox wget -q -O /dev/null "$base$path" 2>/dev/null; then
            ok=1
            break
        fi
        [ "$try" = 3 ] || sleep 1
    done
    if [ $ok = 1 ]; then
        echo "PASS $path"
    else
        echo "FAIL $path"
        rc=1
    fi
done
exit $rc
