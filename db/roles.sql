-- The runtime database role of the DLT safety service. The service reads and
-- writes rows; it needs no right to change the schema, to delete anything
-- (nothing clinical is ever hard-deleted), or to rewrite the audit trail
-- (audit_log is append-only: SELECT and INSERT only).
--
-- Apply as the owner of the schema, after `npm run db:migrate`; it is
-- idempotent, so apply it again after every migration (new tables are
-- granted by GRANT ... ON ALL TABLES):
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
  CREATE ROLE dlt_runtime NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL; -- already there (roles belong to the cluster, not to one database)
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
REVOKE UPDATE ON audit_log FROM dlt_runtime;
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
