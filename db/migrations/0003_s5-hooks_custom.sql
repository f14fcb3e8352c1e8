-- Deliveries the earlier code parked after its last attempt are dead letters (visible, replayable).
UPDATE "outbox" SET "dead_at" = "next_attempt_at" WHERE "delivered_at" IS NULL AND "attempts" >= 12;--> statement-breakpoint
-- Secrets chosen by clients become Standard Webhooks secrets with the same HMAC key: whsec_ + base64 of their bytes.
UPDATE "webhooks" SET "secret" = 'whsec_' || replace(encode(convert_to("secret", 'UTF8'), 'base64'), E'\n', '') WHERE "secret" NOT LIKE 'whsec\_%';
