import { z } from 'zod'

export const ROLES = ['edc', 'investigator', 'safety_monitor', 'dmc', 'admin'] as const
export const roleSchema = z.enum(ROLES)
export type Role = z.infer<typeof roleSchema>

/** Client-chosen identifiers (contract: trialId, participantId, siteId). */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/**
 * The claims a token may carry (contract: Auth), and no others: a claim this
 * service does not know could be a restriction it would silently ignore.
 * iss, aud, nbf and jti are RFC 7519's registered claims, checked by the
 * verifier where configured.
 */
export const claimsSchema = z.strictObject({
  sub: z.string().min(1).max(256),
  role: roleSchema,
  sites: z.array(z.string().regex(ID_PATTERN)).max(1000).optional(),
  trials: z.array(z.string().regex(ID_PATTERN)).max(1000).optional(),
  iat: z.number().int().optional(),
  exp: z.number().int(),
  iss: z.string().optional(),
  aud: z.union([z.string(), z.array(z.string())]).optional(),
  nbf: z.number().int().optional(),
  jti: z.string().max(256).optional()
})

export type Claims = z.infer<typeof claimsSchema>

export interface Principal {
  sub: string
  role: Role
  /** site scope; null = every site (roles that are not site-scoped) */
  sites: string[] | null
  /** trial scope; null = every trial */
  trials: string[] | null
  /** when the token was issued (epoch seconds), for fresh-authentication checks */
  issuedAt: number | null
}

/** Roles whose reach is limited to the sites named in their token. */
export const SITE_SCOPED: ReadonlySet<Role> = new Set(['edc', 'investigator'])

export function toPrincipal (claims: Claims): Principal {
  return {
    sub: claims.sub,
    role: claims.role,
    sites: SITE_SCOPED.has(claims.role) ? (claims.sites ?? []) : null,
    trials: claims.trials ?? null,
    issuedAt: claims.iat ?? null
  }
}

/**
 * Whether the principal sees every participant of its trials: not a
 * site-scoped role, and not the DMC (which sees participant-level records only
 * through the routes that check the protocol's dmcUnblinded).
 */
export const seesEveryParticipant = (principal: Principal): boolean => principal.sites === null && principal.role !== 'dmc'
