#!/bin/sh
# The image's entry point. With MIGRATION_DATABASE_URL (the schema owner's
# URL) the migrations and the runtime role's grants (db/roles.sql) are applied
# as that owner first; the command (the service) then runs as DATABASE_URL's
# user, a member of dlt_runtime, and does not migrate (the image sets
# MIGRATE_ON_START=false). Without it nothing is migrated here: run
# `node dist/db/migrate-cli.js --grants` with the owner's DATABASE_URL as a
# release step, or set MIGRATE_ON_START=true to migrate as the service's
# user (which then owns the tables: the append-only triggers still hold, the
# grants separate nothing).
set -eu
if [ -n "${MIGRATION_DATABASE_URL:-}" ]; then
  DATABASE_URL="$MIGRATION_DATABASE_URL" node dist/db/migrate-cli.js --grants
fi
exec "$@"
