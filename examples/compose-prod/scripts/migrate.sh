#!/bin/sh
# The migration half of the seed's scripts/docker-entrypoint.sh (`npm run db:migrate` behind the
# ALLOW_PROD_MIGRATIONS guard), run from the host with psql: the FROM-scratch backend image has
# no PostgreSQL client. With NODE_ENV=production it refuses pending migrations unless
# ALLOW_PROD_MIGRATIONS=true; otherwise it applies db/migrations/V.sql for every V above the
# recorded version up to VERSION, in one transaction with the new row of schema_version. A
# database whose schema is newer than VERSION is refused: restore the backup first.
#   DATABASE_URL=postgresql://… scripts/migrate.sh VERSION
set -eu
target=$1
: "${DATABASE_URL:?DATABASE_URL is not set}"
case $target in
'' | *[!0-9A-Za-z.+-]*) echo "not a version: '$target'" >&2; exit 2 ;;
esac
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
q() { psql -X -q -v ON_ERROR_STOP=1 -tA "$DATABASE_URL" "$@"; }
# a is newer than b (semver order)
newer() { [ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | tail -n 1)" = "$1" ]; }

current=
if [ "$(q -c "select to_regclass('schema_version') is not null")" = t ]; then
    current=$(q -c "select coalesce(max(version), '') from schema_version")
fi
if [ "$current" = "$target" ]; then
    echo "schema at $target: no pending migrations"
    exit 0
fi
if [ -n "$current" ] && newer "$current" "$target"; then
    echo "schema ${current} is newer than $target: restore the backup before running $target" >&2
    exit 1
fi
if [ "${NODE_ENV:-}" = production ] && [ "${ALLOW_PROD_MIGRATIONS:-}" != true ]; then
    echo "migrations pending (${current:-empty} -> $target) and ALLOW_PROD_MIGRATIONS is not true: aborting" >&2
    exit 1
fi
set --
for f in $(ls db/migrations/*.sql | sort -V); do
    v=$(basename "$f" .sql)
    if { [ -z "$current" ] || newer "$v" "$current"; } && ! newer "$v" "$target"; then
        echo "applying $f"
        set -- "$@" -f "$f"
    fi
done
q --single-transaction \
    -c 'create table if not exists schema_version (version text not null)' "$@" \
    -c 'delete from schema_version' -c "insert into schema_version values ('$target')"
echo "migrated schema ${current:-empty} -> $(q -c 'select version from schema_version')"
