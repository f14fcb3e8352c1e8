import { getTableName, is } from 'drizzle-orm'
import { PgTable } from 'drizzle-orm/pg-core'
import * as schema from '../../db/schema.js'
import type { App } from '../../src/app.js'
import type { ProtocolInput } from '../../src/domain/protocol.js'
import { nct07295067 } from './reference-trials.js'
import { bearer } from './build.js'

// Shared by the security tests: a trial with two sites and records at each,
// made through the API, and a row count of every table of the schema.

export const SITE_A = 'site-a'
export const SITE_B = 'site-b'
const ADMIN = bearer('admin')

export const TABLES = Object.values(schema).filter((v) => is(v, PgTable)) as PgTable[]

/** Rows in every table of db/schema.ts, by table name. */
export async function rowCounts (app: App): Promise<Record<string, number>> {
  const counts = await Promise.all(TABLES.map(async (table) => [getTableName(table), await app.db.$count(table)] as const))
  return Object.fromEntries(counts)
}

export interface TwoSiteTrial {
  trialId: string
  /** participant and AE at site A */
  participantA: string
  aeA: string
  /** participant and AE at site B */
  participantB: string
  aeB: string
}

async function created (what: string, res: { statusCode: number, body: string }): Promise<Record<string, unknown>> {
  if (res.statusCode !== 201) throw new Error(`${what}: expected 201, got ${res.statusCode}: ${res.body}`)
  return JSON.parse(res.body) as Record<string, unknown>
}

/** A grade 1 nausea, unrelated: not a DLT, so the trial stays open for the next enrolment. */
export const aeBody = (participantId: string) => ({
  participantId, term: 'Nausea', grade: 1, onsetDate: '2025-01-08', serious: false, attribution: 'unrelated'
})

/**
 * A trial under the NCT07295067 protocol (3+3) unless another is given, with
 * sites A and B, one participant enrolled and dosed at each, and one AE each.
 */
export async function twoSiteTrial (app: App, trialId: string, protocol: ProtocolInput = nct07295067.protocol): Promise<TwoSiteTrial> {
  await created(`trial ${trialId}`, await app.inject({
    method: 'POST',
    url: '/v1/trials',
    headers: ADMIN,
    payload: { trialId, title: `Security test ${trialId}`, sites: [{ siteId: SITE_A, name: 'Site A' }, { siteId: SITE_B, name: 'Site B' }], protocol }
  }))
  const aes: string[] = []
  for (const [participantId, siteId] of [['A-001', SITE_A], ['B-001', SITE_B]] as const) {
    await created(`enrol ${participantId}`, await app.inject({
      method: 'POST', url: `/v1/trials/${trialId}/participants`, headers: ADMIN, payload: { participantId, siteId, doseLevel: 1, enrolledOn: '2025-01-06' }
    }))
    await created(`administer ${participantId}`, await app.inject({
      method: 'POST', url: `/v1/trials/${trialId}/participants/${participantId}/administrations`, headers: ADMIN, payload: { administeredAt: '2025-01-06T09:00:00Z', doseLevel: 1 }
    }))
    const ae = await created(`AE of ${participantId}`, await app.inject({
      method: 'POST', url: `/v1/trials/${trialId}/adverse-events`, headers: ADMIN, payload: aeBody(participantId)
    }))
    aes.push(ae.aeId as string)
  }
  return { trialId, participantA: 'A-001', aeA: aes[0]!, participantB: 'B-001', aeB: aes[1]! }
}
