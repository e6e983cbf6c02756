#!/bin/sh
# Backup of the database and message queues (stand-in: the data dir) into backups/.
#   scripts/backup.sh ENVIRONMENT
set -eu
mkdir -p "data/$1" "backups/$1"
[ -f "data/$1/db.sql" ] || echo "-- empty database" >"data/$1/db.sql"
out="backups/$1/$(date -u +%Y%m%dT%H%M%SZ).dump"
cp "data/$1/db.sql" "$out"
echo "backup written: $out"
