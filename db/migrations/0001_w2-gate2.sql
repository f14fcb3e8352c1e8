ALTER TABLE "participants" ADD COLUMN "backfill" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "trials" ADD COLUMN "amendment_limit" jsonb;