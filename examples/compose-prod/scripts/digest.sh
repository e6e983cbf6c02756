#!/bin/sh
# Promotion 3, the digest for the release ticket: the repo digest (`repo@sha256:…`, what the
# registry serves and `docker pull` pins) when the image has been pushed; an image built on this
# host and never pushed has none, and then its local image Id is recorded, labelled as such.
# With REGISTRY, the image was pushed there (scripts/push.sh): its repo digest in that registry
# is recorded, and having none is an error.
#   scripts/digest.sh IMAGE:TAG [REGISTRY]
set -eu
ref=$1
registry=${2:-}
digests=$(docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$ref")
if [ -n "$registry" ]; then
    repo=$(printf '%s\n' "$digests" | grep -F "$registry/${ref%:*}@" | head -n 1 || true)
    if [ -z "$repo" ]; then
        echo "no repo digest of $ref in $registry although it was pushed there" >&2
        exit 1
    fi
else
    repo=$(printf '%s\n' "$digests" | head -n 1)
fi
if [ -n "$repo" ]; then
    echo "digest: $repo (repo digest)"
else
    id=$(docker image inspect --format '{{.Id}}' "$ref")
    echo "digest: $id (image id: $ref was never pushed to a registry, so it has no repo digest)"
fi
