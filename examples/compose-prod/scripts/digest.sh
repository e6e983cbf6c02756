#!/bin/sh
# Promotion 3, the digest for the release ticket: the repo digest (`repo@sha256:…`, what the
# registry serves and `docker pull` pins) when the image has been pushed; an image built on this
# host and never pushed has none, and then its local image Id is recorded, labelled as such.
#   scripts/digest.sh IMAGE:TAG
set -eu
ref=$1
repo=$(docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$ref" | head -n 1)
if [ -n "$repo" ]; then
    echo "digest: $repo (repo digest)"
else
    id=$(docker image inspect --format '{{.Id}}' "$ref")
    echo "digest: $id (image id: $ref was never pushed to a registry, so it has no repo digest)"
fi
