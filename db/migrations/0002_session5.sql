CREATE TABLE "stream_tickets" (
	"trial_id" text NOT NULL,
	"ticket_hash" text NOT NULL,
	"principal" jsonb NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "stream_tickets_trial_id_ticket_hash_pk" PRIMARY KEY("trial_id","ticket_hash")
);
--> statement-breakpoint
DROP INDEX "adverse_events_external_id";--> statement-breakpoint
DROP INDEX "outbox_due";--> statement-breakpoint
ALTER TABLE "adverse_event_versions" ADD COLUMN "seq" bigint NOT NULL GENERATED ALWAYS AS IDENTITY (sequence name "adverse_event_versions_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1);--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "chain" smallint DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "sequence" bigint;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "last_attempt_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "dead_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "trials" ADD COLUMN "audit_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "trials" ADD COLUMN "audit_head" text DEFAULT '0000000000000000000000000000000000000000000000000000000000000000' NOT NULL;--> statement-breakpoint
ALTER TABLE "webhooks" ADD COLUMN "previous_secret" text;--> statement-breakpoint
ALTER TABLE "webhooks" ADD COLUMN "previous_secret_until" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "outbox_by_webhook" ON "outbox" USING btree ("trial_id","webhook_id","created_at","outbox_id");--> statement-breakpoint
CREATE INDEX "outbox_sequence" ON "outbox" USING btree ("trial_id","sequence");--> statement-breakpoint
CREATE INDEX "trial_status_next_change" ON "trial_status" USING btree ("next_change_at") WHERE "trial_status"."next_change_at" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "adverse_events_external_id" ON "adverse_events" USING btree ("trial_id","external_id","site_id");--> statement-breakpoint
CREATE INDEX "outbox_due" ON "outbox" USING btree ("next_attempt_at") WHERE "outbox"."delivered_at" is null and "outbox"."dead_at" is null;