#!/bin/sh
# Stand-in for `npm run db:migrate` / `npm run db:migrate:rollback`, with psql against
# DATABASE_URL (a real PostgreSQL; PGPASSWORD from the operator's environment). Every migration
# is reversible: db/migrations/V.up.sql and V.down.sql. Each run is one transaction with the row
# of schema_version, so the recorded version is the schema's.
#   scripts/migrate.sh up VERSION     apply V.up.sql for every V above the recorded version, up to VERSION
#   scripts/migrate.sh down VERSION   apply V.down.sql, newest first, for every V above VERSION
set -eu
dir=$1
target=$2
: "${DATABASE_URL:?DATABASE_URL is not set}"
case $target in
'' | *[!0-9A-Za-z.+-]*) echo "not a version: '$target'" >&2; exit 2 ;;
esac
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
q() { psql -X -q -v ON_ERROR_STOP=1 -tA "$DATABASE_URL" "$@"; }
# a is newer than b (semver order; empty is oldest)
newer() { [ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | tail -n 1)" = "$1" ]; }

current=
if [ "$(q -c "select to_regclass('schema_version') is not null")" = t ]; then
    current=$(q -c "select coalesce(max(version), '') from schema_version")
fi
if [ "$current" = "$target" ]; then
    echo "schema at $target: nothing to migrate"
    exit 0
fi
set --
case $dir in
up)
    if [ -n "$current" ] && newer "$current" "$target"; then
        echo "schema $current is newer than $target: migrate down first" >&2
        exit 1
    fi
    for f in $(ls db/migrations/*.up.sql | sort -V); do
        v=$(basename "$f" .up.sql)
        if { [ -z "$current" ] || newer "$v" "$current"; } && ! newer "$v" "$target"; then
            echo "applying $f"
            set -- "$@" -f "$f"
        fi
    done
    ;;
down)
    if [ -z "$current" ] || newer "$target" "$current"; then
        echo "schema ${current:-empty} is older than $target: nothing to migrate down" >&2
        exit 1
    fi
    for f in $(ls db/migrations/*.down.sql | sort -rV); do
        v=$(basename "$f" .down.sql)
        if newer "$v" "$target" && ! newer "$v" "$current"; then
            echo "applying $f"
            set -- "$@" -f "$f"
        fi
    done
    ;;
*)
    echo "usage: scripts/migrate.sh up|down VERSION" >&2
    exit 2
    ;;
esac
q --single-transaction \
    -c 'create table if not exists schema_version (version text not null)' "$@" \
    -c 'delete from schema_version' -c "insert into schema_version values ('$target')"
echo "migrated $dir: schema ${current:-empty} -> $(q -c 'select version from schema_version')"
