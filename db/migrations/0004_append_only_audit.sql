-- 21 CFR 11.10(e): the records a decision rests on are never rewritten. UPDATE, DELETE and TRUNCATE are refused
-- by trigger on them for every role, the tables' owner included (privileges alone do not bind an owner, and with
-- MIGRATE_ON_START=true the service's user owns every table), except inside a migration: db/migrate.ts sets
-- dlt.migrating for its transaction, and only a member of the table's owner role may use it.
CREATE OR REPLACE FUNCTION dlt_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('dlt.migrating', true) = 'on'
     AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['protocol_versions', 'adverse_event_versions', 'decisions', 'dmc_decisions', 'audit_log'] LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION dlt_append_only()', t || '_append_only', t);
    EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION dlt_append_only()', t || '_no_truncate', t);
  END LOOP;
END
$$;
--> statement-breakpoint
-- The anchor of each trial's audit chain (trials.audit_count, audit_head), moved by every insert in its
-- transaction: rows deleted from the chain's end leave the anchor pointing past it (GET /v1/audit/verify).
CREATE OR REPLACE FUNCTION dlt_anchor_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE trials SET audit_count = NEW.seq, audit_head = NEW.hash WHERE trial_id = NEW.trial_id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_anchor AFTER INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION dlt_anchor_audit();
--> statement-breakpoint
-- Chains from before the anchor: anchored where they stand.
UPDATE trials t SET audit_count = h.seq, audit_head = h.hash
FROM (SELECT DISTINCT ON (trial_id) trial_id, seq, hash FROM audit_log ORDER BY trial_id, seq DESC) h
WHERE h.trial_id = t.trial_id;
