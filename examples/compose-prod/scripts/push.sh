#!/bin/sh
# Deploy 1 / Promotion 2, "push it to the registry": tag IMAGE:TAG as REGISTRY/IMAGE:TAG and
# push it, so production can pull the immutable tag and the digest step records the repo digest
# the registry serves. With no registry configured (REGISTRY empty, the runbook's default
# `vars.registry = ""`), nothing is pushed and the step says so: the image stays on this host and
# the digest recorded is its local image Id, labelled.
#   scripts/push.sh IMAGE:TAG REGISTRY
set -eu
ref=$1
registry=${2:-}
if [ -z "$registry" ]; then
    echo "push skipped: no registry configured (vars.registry is empty); $ref stays on this host, so the digest recorded is its image Id"
    exit 0
fi
remote="$registry/$ref"
docker tag "$ref" "$remote"
docker push "$remote"
echo "pushed: $remote"
