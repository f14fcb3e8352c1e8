import { createPublicKey, type JsonWebKey } from 'node:crypto'

/** Fetches of the key set are at least this far apart, however many unknown `kid`s arrive (forged tokens cost no fetch). */
export const JWKS_MIN_REFETCH_MS = 30_000
const FETCH_TIMEOUT_MS = 5_000

export interface JwksOptions {
  url: string
  /** how long a fetched key set is used before it is fetched again, so that a removed key stops working */
  maxAgeMs: number
  now?: () => number
  /** told when a fetch fails (the keys of the last good fetch stay in use) */
  onError?: (error: unknown) => void
}

/** The identity provider's signing keys, as the verifier needs them. */
export interface JwksKeys {
  /** the PEM of the key a token's header names; throws when the key set has no such key (or not for that alg) */
  resolve: (header: { kid?: string | undefined, alg?: string | undefined }) => Promise<string>
  /**
   * Which key set a verification used: it changes when a fetch changes the
   * keys and while the set is due for a fetch, so a verification remembered
   * under an older value must be made again.
   */
  generation: () => number
}

interface Key { pem: string, alg: string | undefined }

function parse (body: unknown): Map<string, Key> {
  const list = (body as { keys?: unknown } | null)?.keys
  if (!Array.isArray(list)) throw new Error('the JWKS document has no keys array')
  const keys = new Map<string, Key>()
  for (const jwk of list as Array<JsonWebKey & { kid?: unknown, use?: unknown, alg?: unknown }>) {
    // Encryption keys and keys without a kid cannot be named by a token header.
    if (typeof jwk.kid !== 'string' || (jwk.use !== undefined && jwk.use !== 'sig')) continue
    keys.set(jwk.kid, {
      pem: createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString(),
      alg: typeof jwk.alg === 'string' ? jwk.alg : undefined
    })
  }
  return keys
}

const fingerprint = (keys: Map<string, Key>) => [...keys].map(([kid, k]) => `${kid} ${k.alg ?? ''} ${k.pem}`).sort().join('\n')

/**
 * The key set behind JWKS_URL. Fetched at first use, again when older than
 * maxAgeMs, and on an unknown `kid` (a rotation): never more often than once
 * per JWKS_MIN_REFETCH_MS. Each fetch replaces the whole set, so a key the
 * provider no longer lists is refused from then on (RFC 7517 has no
 * revocation; the set is the truth).
 */
export function jwksKeys (options: JwksOptions): JwksKeys {
  const now = options.now ?? Date.now
  let keys = new Map<string, Key>()
  let fetchedAt = -Infinity
  let attemptedAt = -Infinity
  let generation = 0
  let inFlight: Promise<void> | undefined

  async function fetchKeys (): Promise<void> {
    attemptedAt = now()
    try {
      const res = await fetch(options.url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), headers: { accept: 'application/json' } })
      if (!res.ok) throw new Error(`JWKS_URL answered ${res.status}`)
      const fetched = parse(await res.json())
      if (fingerprint(fetched) !== fingerprint(keys)) generation++
      keys = fetched
      fetchedAt = now()
    } catch (error) {
      options.onError?.(error)
    }
  }

  /** One fetch at a time, and none sooner than JWKS_MIN_REFETCH_MS after the last attempt. */
  async function refresh (): Promise<void> {
    if (inFlight === undefined && now() - attemptedAt >= JWKS_MIN_REFETCH_MS) {
      inFlight = fetchKeys().finally(() => { inFlight = undefined })
    }
    await inFlight
  }

  const due = () => now() - fetchedAt >= options.maxAgeMs

  return {
    async resolve ({ kid, alg }) {
      if (due() || (kid !== undefined && !keys.has(kid))) await refresh()
      const key = kid === undefined ? undefined : keys.get(kid)
      if (key === undefined) throw new Error('no key of the identity provider has this kid')
      if (key.alg !== undefined && alg !== key.alg) throw new Error(`the key ${kid!} is for ${key.alg}, not ${alg ?? 'no alg'}`)
      return key.pem
    },
    generation: () => due() ? -1 : generation
  }
}
