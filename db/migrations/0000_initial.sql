CREATE TABLE "adjudications" (
	"trial_id" text NOT NULL,
	"adjudication_id" uuid NOT NULL,
	"ae_id" uuid NOT NULL,
	"is_dlt" boolean NOT NULL,
	"computed_is_dlt" boolean NOT NULL,
	"reason" text NOT NULL,
	"adjudicated_by" text NOT NULL,
	"role" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "adjudications_trial_id_adjudication_id_pk" PRIMARY KEY("trial_id","adjudication_id")
);
--> statement-breakpoint
CREATE TABLE "administrations" (
	"trial_id" text NOT NULL,
	"administration_id" uuid NOT NULL,
	"participant_id" text NOT NULL,
	"administered_at" timestamp with time zone NOT NULL,
	"dose_level" integer NOT NULL,
	"dose_value" numeric,
	"dose_unit" text,
	"modification_reason" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "administrations_trial_id_administration_id_pk" PRIMARY KEY("trial_id","administration_id")
);
--> statement-breakpoint
CREATE TABLE "adverse_event_versions" (
	"trial_id" text NOT NULL,
	"ae_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"snapshot" jsonb NOT NULL,
	"changed_by" text NOT NULL,
	"role" text NOT NULL,
	"reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "adverse_event_versions_trial_id_ae_id_version_pk" PRIMARY KEY("trial_id","ae_id","version")
);
--> statement-breakpoint
CREATE TABLE "adverse_events" (
	"trial_id" text NOT NULL,
	"ae_id" uuid NOT NULL,
	"participant_id" text NOT NULL,
	"site_id" text NOT NULL,
	"dose_level" integer NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"ctcae_version" text DEFAULT '5.0' NOT NULL,
	"meddra_code" text NOT NULL,
	"term" text NOT NULL,
	"soc" text NOT NULL,
	"other_specify" text,
	"grade" smallint NOT NULL,
	"onset_date" date NOT NULL,
	"resolved_date" date,
	"serious" boolean NOT NULL,
	"seriousness_criteria" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"attribution" text NOT NULL,
	"expected" boolean,
	"clinical_symptoms" boolean,
	"required_medical_treatment" boolean,
	"outcome" text,
	"action_taken" text,
	"external_id" text,
	"aware_at" timestamp with time zone NOT NULL,
	"dlt_computed" boolean DEFAULT false NOT NULL,
	"dlt_pending" boolean DEFAULT false NOT NULL,
	"dlt_reasons" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"dlt_pending_until" timestamp with time zone,
	"dlt_protocol_version" integer NOT NULL,
	"dlt_adjudicated" boolean,
	"is_dlt" boolean DEFAULT false NOT NULL,
	"nullified_at" timestamp with time zone,
	"nullify_reason" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "adverse_events_trial_id_ae_id_pk" PRIMARY KEY("trial_id","ae_id")
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"trial_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"audit_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL,
	"role" text NOT NULL,
	"action" text NOT NULL,
	"entity" text NOT NULL,
	"entity_id" text NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"reason" text,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "audit_log_trial_id_seq_pk" PRIMARY KEY("trial_id","seq")
);
--> statement-breakpoint
CREATE TABLE "decisions" (
	"trial_id" text NOT NULL,
	"decision_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"trigger" jsonb NOT NULL,
	"protocol_version" integer NOT NULL,
	"state" text NOT NULL,
	"action" text NOT NULL,
	"next_dose_level" integer,
	"snapshot" jsonb NOT NULL,
	"service_version" text NOT NULL,
	CONSTRAINT "decisions_trial_id_decision_id_pk" PRIMARY KEY("trial_id","decision_id")
);
--> statement-breakpoint
CREATE TABLE "dmc_decisions" (
	"trial_id" text NOT NULL,
	"dmc_decision_id" uuid NOT NULL,
	"decision" text NOT NULL,
	"rationale" text NOT NULL,
	"status_decision_id" uuid NOT NULL,
	"signer" text NOT NULL,
	"meaning" text NOT NULL,
	"signed_at" timestamp with time zone NOT NULL,
	"status_hash" text NOT NULL,
	CONSTRAINT "dmc_decisions_trial_id_dmc_decision_id_pk" PRIMARY KEY("trial_id","dmc_decision_id")
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"trial_id" text NOT NULL,
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"status_code" integer NOT NULL,
	"response" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_trial_id_scope_key_pk" PRIMARY KEY("trial_id","scope","key")
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"trial_id" text NOT NULL,
	"outbox_id" uuid NOT NULL,
	"webhook_id" uuid NOT NULL,
	"payload" jsonb NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "outbox_trial_id_outbox_id_pk" PRIMARY KEY("trial_id","outbox_id")
);
--> statement-breakpoint
CREATE TABLE "participants" (
	"trial_id" text NOT NULL,
	"participant_id" text NOT NULL,
	"site_id" text NOT NULL,
	"dose_level" integer NOT NULL,
	"arm_id" text,
	"enrolled_on" date NOT NULL,
	"seq" integer NOT NULL,
	"status" text DEFAULT 'enrolled' NOT NULL,
	"withdrawn_at" timestamp with time zone,
	"withdrawal_reason" text,
	"override_reason" text,
	"version" integer DEFAULT 1 NOT NULL,
	"first_administration_at" timestamp with time zone,
	"last_administration_at" timestamp with time zone,
	"dlt_count" integer DEFAULT 0 NOT NULL,
	"pending_dlt_count" integer DEFAULT 0 NOT NULL,
	"pending_dlt_until" timestamp with time zone,
	"worst_grade" smallint,
	"term_worst" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"sae_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "participants_trial_id_participant_id_pk" PRIMARY KEY("trial_id","participant_id")
);
--> statement-breakpoint
CREATE TABLE "protocol_versions" (
	"trial_id" text NOT NULL,
	"version" integer NOT NULL,
	"document" jsonb NOT NULL,
	"reason" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "protocol_versions_trial_id_version_pk" PRIMARY KEY("trial_id","version")
);
--> statement-breakpoint
CREATE TABLE "toxicity_counts" (
	"trial_id" text NOT NULL,
	"dose_level" integer NOT NULL,
	"arm_key" text NOT NULL,
	"meddra_code" text NOT NULL,
	"grade" smallint NOT NULL,
	"soc" text NOT NULL,
	"term" text NOT NULL,
	"participants" integer NOT NULL,
	CONSTRAINT "toxicity_counts_trial_id_dose_level_arm_key_meddra_code_grade_pk" PRIMARY KEY("trial_id","dose_level","arm_key","meddra_code","grade")
);
--> statement-breakpoint
CREATE TABLE "trial_sites" (
	"trial_id" text NOT NULL,
	"site_id" text NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "trial_sites_trial_id_site_id_pk" PRIMARY KEY("trial_id","site_id")
);
--> statement-breakpoint
CREATE TABLE "trial_status" (
	"trial_id" text PRIMARY KEY NOT NULL,
	"status" jsonb NOT NULL,
	"decision_id" uuid NOT NULL,
	"evaluated_at" timestamp with time zone NOT NULL,
	"next_change_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "trials" (
	"trial_id" text PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"phase" text,
	"version" integer DEFAULT 1 NOT NULL,
	"protocol_version" integer DEFAULT 1 NOT NULL,
	"dmc_hold" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhooks" (
	"trial_id" text NOT NULL,
	"webhook_id" uuid NOT NULL,
	"url" text NOT NULL,
	"secret" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhooks_trial_id_webhook_id_pk" PRIMARY KEY("trial_id","webhook_id")
);
--> statement-breakpoint
ALTER TABLE "participants" ADD CONSTRAINT "participants_trial_id_trials_trial_id_fk" FOREIGN KEY ("trial_id") REFERENCES "public"."trials"("trial_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "protocol_versions" ADD CONSTRAINT "protocol_versions_trial_id_trials_trial_id_fk" FOREIGN KEY ("trial_id") REFERENCES "public"."trials"("trial_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trial_sites" ADD CONSTRAINT "trial_sites_trial_id_trials_trial_id_fk" FOREIGN KEY ("trial_id") REFERENCES "public"."trials"("trial_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "adjudications_ae" ON "adjudications" USING btree ("trial_id","ae_id");--> statement-breakpoint
CREATE INDEX "administrations_participant" ON "administrations" USING btree ("trial_id","participant_id","administered_at");--> statement-breakpoint
CREATE UNIQUE INDEX "adverse_events_external_id" ON "adverse_events" USING btree ("trial_id","external_id");--> statement-breakpoint
CREATE INDEX "adverse_events_onset" ON "adverse_events" USING btree ("trial_id","onset_date","ae_id");--> statement-breakpoint
CREATE INDEX "adverse_events_participant" ON "adverse_events" USING btree ("trial_id","participant_id","onset_date");--> statement-breakpoint
CREATE INDEX "adverse_events_site" ON "adverse_events" USING btree ("trial_id","site_id","onset_date","ae_id");--> statement-breakpoint
CREATE INDEX "adverse_events_signals" ON "adverse_events" USING btree ("trial_id") WHERE "adverse_events"."nullified_at" is null and ("adverse_events"."serious" or "adverse_events"."grade" = 5);--> statement-breakpoint
CREATE INDEX "audit_log_entity" ON "audit_log" USING btree ("trial_id","entity","entity_id");--> statement-breakpoint
CREATE INDEX "outbox_due" ON "outbox" USING btree ("next_attempt_at") WHERE "outbox"."delivered_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "participants_trial_seq" ON "participants" USING btree ("trial_id","seq");--> statement-breakpoint
CREATE INDEX "participants_trial_site" ON "participants" USING btree ("trial_id","site_id","participant_id");