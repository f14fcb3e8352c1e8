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
  JWT_ISSUER: optionalString,
  JWT_AUDIENCE: optionalString,
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
  REQUEST_TIMEOUT_MS: wholeNumber(1000, 3_600_000, 30_000)
})

export type Config = z.output<typeof configSchema>

export class ConfigError extends Error {}

/** Parses the environment; throws ConfigError with one line naming the first bad variable. */
export function loadConfig (env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  const result = configSchema.safeParse(present)
  if (!result.success) {
    const issue = result.error.issues[0]!
    throw new ConfigError(`Invalid configuration: ${issue.path.join('.')}: ${issue.message}`)
  }
  return result.data
}

export const isEmbedded = (config: Config): boolean => config.DATABASE_URL === undefined

/** For entry points: the configuration, or exit 1 after one line naming the bad variable. */
export function loadConfigOrExit (): Config {
  try {
    return loadConfig()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(error.message + '\n')
    process.exit(1)
  }
}
