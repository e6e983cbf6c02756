#!/bin/sh
# `helm rollback backend <revision-number>` to the helm revision that shipped VERSION (from
# `helm history -o json`), then the pods serve VERSION again.
#   scripts/helm-rollback.sh VERSION PORT
set -eu
version=$1
rev=$(helm history backend -o json | tr '{' '\n' | grep "\"app_version\":\"$version\"" |
    grep -o '"revision":[0-9]*' | tail -n 1 | cut -d: -f2)
[ -n "$rev" ] || { echo "no helm revision shipped $version" >&2; exit 1; }
echo "helm rollback backend $rev   # app version $version"
helm rollback backend "$rev"
scripts/deploy.sh "$version" "$2"
