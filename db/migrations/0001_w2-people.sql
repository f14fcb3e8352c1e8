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
ALTER TABLE "participants" ADD COLUMN "treatment_ended_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "treatment_end_reason" text;--> statement-breakpoint
ALTER TABLE "trial_sites" ADD COLUMN "time_zone" text DEFAULT 'UTC' NOT NULL;