import { claimsSchema, ROLES, type Claims } from './roles.js'

/** Where a token carries the role and the sites: a claim name, or a dotted path into nested claims. */
export interface ClaimMapping { role: string, sites: string }

/** This service's own claims (the contract's, and `npm run token`'s). */
export const OWN_CLAIMS: ClaimMapping = { role: 'role', sites: 'sites' }

export type ClaimsResult = { ok: true, claims: Claims } | { ok: false, problems: string[] }

/**
 * The value at `path`: the claim of exactly that name when there is one
 * (namespaced claims such as `https://example.org/roles` hold dots), else the
 * dotted path through nested objects (Keycloak's `realm_access.roles`).
 */
export function claimAt (payload: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path]
  let value: unknown = payload
  for (const name of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, name)) return undefined
    value = (value as Record<string, unknown>)[name]
  }
  return value
}

/**
 * The role a mapped claim names: a string, or an array (identity providers
 * send every role a user has) of which exactly one is this service's. The
 * others (offline_access, another application's roles) are not ours to judge;
 * two of ours would make the token's reach ambiguous, so it is refused.
 */
function mappedRole (value: unknown): { role: unknown } | { problem: string } {
  if (!Array.isArray(value)) return { role: value }
  const ours = [...new Set(value.filter((v) => (ROLES as readonly unknown[]).includes(v)))]
  if (ours.length === 1) return { role: ours[0] }
  return { problem: ours.length === 0 ? 'no role of this service' : `more than one role of this service (${ours.join(', ')})` }
}

const named = (issues: Array<{ code: string, path: PropertyKey[], keys?: string[] }>) =>
  issues.flatMap((i) => i.code === 'unrecognized_keys' ? (i.keys ?? []).map((k) => `unknown claim ${k}`) : [i.path.join('.')])

/**
 * The token's claims in this service's terms. With this service's own claims
 * the token may carry no other (a claim it does not know could be a
 * restriction it would silently ignore); with a mapping, the token is an
 * identity provider's, whose other claims (email, azp, scope...) are its own,
 * and only the registered claims, `trials` and the mapped ones are read.
 */
export function readClaims (payload: Record<string, unknown>, mapping: ClaimMapping): ClaimsResult {
  const own = mapping.role === OWN_CLAIMS.role && mapping.sites === OWN_CLAIMS.sites
  let candidate: Record<string, unknown> = payload
  if (!own) {
    const role = mappedRole(claimAt(payload, mapping.role))
    if ('problem' in role) return { ok: false, problems: [`${mapping.role}: ${role.problem}`] }
    const sites = claimAt(payload, mapping.sites)
    candidate = Object.fromEntries(Object.entries({
      sub: payload.sub, role: role.role, sites, trials: payload.trials, iat: payload.iat, exp: payload.exp, iss: payload.iss, aud: payload.aud, nbf: payload.nbf, jti: payload.jti
    }).filter(([, v]) => v !== undefined))
  }
  const parsed = claimsSchema.safeParse(candidate)
  if (parsed.success) return { ok: true, claims: parsed.data }
  const rename = (problem: string) => own ? problem : problem.replace(/^role/, mapping.role).replace(/^sites/, mapping.sites)
  return { ok: false, problems: named(parsed.error.issues as never).map(rename) }
}
