CREATE TABLE "dlt_assessments" (
	"trial_id" text NOT NULL,
	"participant_id" text NOT NULL,
	"assessment_id" uuid NOT NULL,
	"all_adverse_events_entered" boolean NOT NULL,
	"comment" text,
	"recorded_by" text NOT NULL,
	"role" text NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL,
	CONSTRAINT "dlt_assessments_trial_id_participant_id_assessment_id_pk" PRIMARY KEY("trial_id","participant_id","assessment_id")
);
--> statement-breakpoint
ALTER TABLE "adjudications" ADD COLUMN "facts" jsonb;--> statement-breakpoint
ALTER TABLE "adverse_event_versions" ADD COLUMN "correction" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "adverse_events" ADD COLUMN "phase" text DEFAULT 'on_treatment' NOT NULL;--> statement-breakpoint
ALTER TABLE "adverse_events" ADD COLUMN "dlt_verdict" text DEFAULT 'not_dlt' NOT NULL;--> statement-breakpoint
ALTER TABLE "adverse_events" ADD COLUMN "dlt_missing" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "adverse_events" ADD COLUMN "dlt_grade" smallint;--> statement-breakpoint
-- Rows classified before this migration: the verdict, and the grade it was judged on, as stored.
UPDATE "adverse_events" SET "dlt_grade" = "grade", "dlt_verdict" = CASE WHEN "is_dlt" THEN 'dlt' WHEN "dlt_pending" THEN 'pending' ELSE 'not_dlt' END;--> statement-breakpoint
ALTER TABLE "adverse_events" ALTER COLUMN "dlt_grade" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "adverse_events" ADD COLUMN "dlt_adjudication_reason" text;--> statement-breakpoint
ALTER TABLE "adverse_events" ADD COLUMN "dlt_adjudication_facts" jsonb;--> statement-breakpoint
ALTER TABLE "adverse_events" ADD COLUMN "dlt_readjudicate" jsonb;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "treatment_ended_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "treatment_end_reason" text;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "backfill" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "open_queries" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "trial_sites" ADD COLUMN "time_zone" text DEFAULT 'UTC' NOT NULL;--> statement-breakpoint
ALTER TABLE "trials" ADD COLUMN "amendment_limit" jsonb;--> statement-breakpoint
CREATE INDEX "adverse_events_dlt_verdict" ON "adverse_events" USING btree ("trial_id","dlt_verdict","onset_date","ae_id");--> statement-breakpoint
CREATE INDEX "adverse_events_readjudicate" ON "adverse_events" USING btree ("trial_id","onset_date","ae_id") WHERE "adverse_events"."dlt_readjudicate" is not null;