-- The runtime database role of the DLT safety service. The service reads and
-- writes rows; it needs no right to change the schema, to delete anything
-- (nothing clinical is ever hard-deleted), or to rewrite the history a
-- decision rests on: audit_log, adverse_event_versions, decisions,
-- dmc_decisions and protocol_versions are SELECT and INSERT only. Triggers
-- (db/migrations) refuse UPDATE, DELETE and TRUNCATE on those tables to every
-- role, their owner included, outside a migration; trials stays updatable
-- (it keeps the anchor of its audit chain).
--
-- Apply as the owner of the schema, after `npm run db:migrate`; it is
-- idempotent, so apply it again after every migration (new tables are
-- granted by GRANT ... ON ALL TABLES). `npm run db:migrate -- --grants`
-- (the Docker image's entry script, with MIGRATION_DATABASE_URL) does both, or:
--   psql "$OWNER_URL" -v ON_ERROR_STOP=1 -f db/roles.sql
-- Then give the service a login of its own, member of dlt_runtime:
--   CREATE ROLE dlt_service LOGIN PASSWORD '...' IN ROLE dlt_runtime;
-- and run it with DATABASE_URL=postgres://dlt_service:...@host/db and
-- MIGRATE_ON_START=false.
--
-- Statements are separated as in db/migrations, for tools that send one
-- statement at a time; psql runs the file as it is.

DO $$
BEGIN
  -- Roles belong to the cluster, not to one database: it may be there already
  -- (made by a DBA, when the owner may not create roles).
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dlt_runtime') THEN
    CREATE ROLE dlt_runtime NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL; -- made meanwhile by another migration job
END
$$;
--> statement-breakpoint
-- Before PostgreSQL 15 every role may create tables in public.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO dlt_runtime;
--> statement-breakpoint
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM dlt_runtime;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO dlt_runtime;
--> statement-breakpoint
REVOKE UPDATE ON audit_log, adverse_event_versions, decisions, dmc_decisions, protocol_versions FROM dlt_runtime;
--> statement-breakpoint
-- Stream tickets are short-lived credentials, not records: a used or expired one is deleted.
GRANT DELETE ON stream_tickets TO dlt_runtime;
--> statement-breakpoint
-- GET /ready reads which migrations are applied.
GRANT USAGE ON SCHEMA drizzle TO dlt_runtime;
--> statement-breakpoint
REVOKE ALL ON ALL TABLES IN SCHEMA drizzle FROM dlt_runtime;
--> statement-breakpoint
GRANT SELECT ON drizzle.__drizzle_migrations TO dlt_runtime;
