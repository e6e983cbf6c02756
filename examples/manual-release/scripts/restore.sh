#!/bin/sh
# Restore the newest backup of ENVIRONMENT into its data dir.
#   scripts/restore.sh ENVIRONMENT
set -eu
latest=$(ls -t backups/"$1"/*.dump | head -n 1)
cp "$latest" "data/$1/db.sql"
echo "restored $latest"
