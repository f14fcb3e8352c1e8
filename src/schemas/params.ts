import { z } from 'zod'

/** Client-chosen identifiers (contract: trialId, participantId, siteId). */
export const clientId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$')

export const trialParams = z.strictObject({ trialId: clientId })
