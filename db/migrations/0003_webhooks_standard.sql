-- Deliveries the earlier code parked after its last attempt are dead letters (visible, replayable).
UPDATE "outbox" SET "dead_at" = "next_attempt_at" WHERE "delivered_at" IS NULL AND "attempts" >= 12;--> statement-breakpoint
-- Earlier payloads become the Standard Webhooks envelope, numbered per trial in the order of their decisions (uuidv7 ids).
UPDATE "outbox" o SET
  "sequence" = s.n,
  "payload" = jsonb_build_object('type', 'trial.decision', 'timestamp', o."payload"->'at', 'data', (o."payload" - 'event') || jsonb_build_object('sequence', s.n))
FROM (SELECT "trial_id", "outbox_id", dense_rank() OVER (PARTITION BY "trial_id" ORDER BY "payload"->>'decisionId') AS n FROM "outbox" WHERE "payload" ? 'event') s
WHERE o."trial_id" = s."trial_id" AND o."outbox_id" = s."outbox_id";--> statement-breakpoint
-- Secrets chosen by clients become Standard Webhooks secrets with the same HMAC key: whsec_ + base64 of their bytes.
UPDATE "webhooks" SET "secret" = 'whsec_' || replace(encode(convert_to("secret", 'UTF8'), 'base64'), E'\n', '') WHERE "secret" NOT LIKE 'whsec\_%';
