DROP INDEX "adverse_events_external_id";--> statement-breakpoint
CREATE UNIQUE INDEX "adverse_events_external_id" ON "adverse_events" USING btree ("trial_id","external_id","site_id");