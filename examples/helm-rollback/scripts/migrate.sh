#!/bin/sh
# Stand-in for `npm run migrate:up` / `npm run migrate:down` (every migration is reversible):
# data/schema holds the applied schema versions, newest last.
#   scripts/migrate.sh up VERSION | scripts/migrate.sh down
set -eu
mkdir -p data
touch data/schema
case "$1" in
up)
    echo "$2" >>data/schema
    echo "migrated up to $2"
    ;;
down)
    last=$(tail -n 1 data/schema)
    [ -n "$last" ] || { echo "nothing to migrate down"; exit 0; }
    sed -i '$d' data/schema
    echo "migrated down from $last to $(tail -n 1 data/schema)"
    ;;
esac
