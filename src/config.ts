import { z } from 'zod'

// Every setting the service reads, parsed once at start. Nothing else in the
// code reads process.env, so behaviour follows explicit keys, not NODE_ENV.
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')
const optionalString = z.string().trim().min(1).optional()
const wholeNumber = (min: number, max: number, fallback: number) => {
  const error = `must be a whole number from ${min} to ${max}`
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error }).default(fallback)
}

export const configSchema = z.object({
  DATABASE_URL: z.string().trim().min(1).optional()
    .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// or postgresql:// URL'),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  PORT: wholeNumber(0, 65535, 3000),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWKS_URL: z.url().optional(),
  /** the key of the audit chain's HMAC (src/auth/secret.ts resolveAuditKey) */
  AUDIT_HMAC_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_ISSUER: optionalString,
  JWT_AUDIENCE: optionalString,
  /** where a token carries its role: a claim name (`roles`, `https://example.org/roles`) or a dotted path (`realm_access.roles`) */
  JWT_ROLE_CLAIM: z.string().trim().min(1).default('role'),
  /** where a token carries its sites, likewise */
  JWT_SITES_CLAIM: z.string().trim().min(1).default('sites'),
  /** how long a fetched JWKS is used before it is fetched again (a removed key is refused after that fetch) */
  JWKS_CACHE_SECONDS: wholeNumber(30, 86_400, 300),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DB_POOL_MAX: wholeNumber(1, 200, 10),
  MIGRATE_ON_START: bool.default(true),
  SEED_ON_START: bool.optional(),
  CORS_ORIGINS: optionalString,
  RATE_LIMIT_MAX: wholeNumber(1, 1_000_000_000, 1000),
  RATE_LIMIT_WINDOW_MS: wholeNumber(1000, 86_400_000, 60_000),
  /** items of bulk requests (AE batches) per token subject per RATE_LIMIT_WINDOW_MS; at least a full batch */
  BULK_ITEM_LIMIT_MAX: wholeNumber(1000, 1_000_000_000, 60_000),
  /** refused requests (400, 401, 403) per client address per RATE_LIMIT_WINDOW_MS */
  REFUSAL_LIMIT_MAX: wholeNumber(1, 1_000_000_000, 100),
  /** open event streams per token subject, and per instance */
  SSE_MAX_PER_SUBJECT: wholeNumber(1, 10_000, 5),
  SSE_MAX_PER_INSTANCE: wholeNumber(1, 1_000_000, 1000),
  BODY_LIMIT_BYTES: wholeNumber(1024, 10 * 1024 * 1024, 1024 * 1024),
  REQUEST_TIMEOUT_MS: wholeNumber(1000, 3_600_000, 30_000),
  /** lets webhooks target http URLs and loopback, private or link-local addresses (a closed network, tests) */
  WEBHOOK_ALLOW_PRIVATE_TARGETS: bool.default(false),
  /** how long one delivery attempt may take, connection to answer */
  WEBHOOK_TIMEOUT_MS: wholeNumber(100, 60_000, 10_000),
  /** delivery attempts in flight per instance */
  WEBHOOK_CONCURRENCY: wholeNumber(1, 256, 16),
  /** the waits before each retry, in ms (comma-separated); after the last retry a delivery is dead-lettered */
  WEBHOOK_RETRY_DELAYS_MS: z.string().regex(/^\d{1,9}(,\d{1,9}){0,19}$/, 'must be 1 to 20 comma-separated whole numbers of ms')
    .default('5000,300000,1800000,7200000,18000000,36000000,36000000')
    .transform((v) => v.split(',').map(Number))
}).superRefine((c, ctx) => {
  // Checked here, before the database is opened or migrated: a server without
  // a way to verify tokens must not get as far as writing anything.
  if (c.DATABASE_URL !== undefined && c.JWT_SECRET === undefined && c.JWKS_URL === undefined) {
    ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'required when DATABASE_URL is set (or set JWKS_URL)' })
  }
  if (c.DATABASE_URL !== undefined && c.AUDIT_HMAC_KEY === undefined) {
    ctx.addIssue({ code: 'custom', path: ['AUDIT_HMAC_KEY'], message: 'required when DATABASE_URL is set' })
  }
  // Tokens of the service's own secret (`npm run token`) carry role and sites where the contract says.
  for (const name of ['JWT_ROLE_CLAIM', 'JWT_SITES_CLAIM', 'JWKS_CACHE_SECONDS'] as const) {
    if (c.JWKS_URL === undefined && c[name] !== configSchema.shape[name].parse(undefined)) {
      ctx.addIssue({ code: 'custom', path: [name], message: 'only with JWKS_URL (an identity provider\'s tokens)' })
    }
  }
})

export type Config = z.output<typeof configSchema>

export class ConfigError extends Error {}

/** Parses the environment; throws ConfigError with one line per bad variable, naming it. */
export function loadConfig (env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  const result = configSchema.safeParse(present)
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `Invalid configuration: ${issue.path.join('.')}: ${issue.message}`).join('\n'))
  }
  return result.data
}

export const isEmbedded = (config: Config): boolean => config.DATABASE_URL === undefined

/** For entry points: the configuration, or exit 1 after one line per bad variable. */
export function loadConfigOrExit (): Config {
  try {
    return loadConfig()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(error.message + '\n')
    process.exit(1)
  }
}
