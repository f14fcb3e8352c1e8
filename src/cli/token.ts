import { parseArgs } from 'node:util'
import { createSigner } from 'fast-jwt'
import { ConfigError, loadConfig } from '../config.js'
import { resolveJwtSecret } from '../auth/secret.js'
import { claimsSchema } from '../auth/roles.js'

// `npm run --silent token -- --role ROLE [--sub NAME] [--sites A,B] [--trials T1,T2] [--ttl SECONDS]`
// prints a token signed with the secret the server uses, and nothing else.
const list = (value: string | undefined) => value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter(Boolean)

try {
  const { values } = parseArgs({
    options: {
      role: { type: 'string' },
      sub: { type: 'string' },
      sites: { type: 'string' },
      trials: { type: 'string' },
      ttl: { type: 'string', default: '3600' }
    }
  })
  const config = loadConfig()
  const now = Math.floor(Date.now() / 1000)
  const claims = claimsSchema.parse({
    sub: values.sub ?? `${values.role ?? 'unknown'}-cli`,
    role: values.role,
    sites: list(values.sites),
    trials: list(values.trials),
    exp: now + Number(values.ttl)
  })
  const sign = createSigner({
    key: resolveJwtSecret(config),
    algorithm: 'HS256',
    // iat comes from the signer's clock (fresh authentication for DMC signatures relies on it).
    clockTimestamp: now * 1000,
    ...(config.JWT_ISSUER === undefined ? {} : { iss: config.JWT_ISSUER }),
    ...(config.JWT_AUDIENCE === undefined ? {} : { aud: config.JWT_AUDIENCE })
  })
  process.stdout.write(sign(claims) + '\n')
} catch (error) {
  const message = error instanceof ConfigError ? error.message : `token: ${(error as Error).message}`
  process.stderr.write(message + '\nusage: npm run --silent token -- --role edc|investigator|safety_monitor|dmc|admin [--sub NAME] [--sites A,B] [--trials T1,T2] [--ttl SECONDS]\n')
  process.exit(2)
}
