import type { App } from '../../src/app.js'
import type { ProtocolInput } from '../../src/domain/protocol.js'
import { nct07295067 } from './reference-trials.js'
import { bearer } from './build.js'

// Test data made through the public API, as a client would make it.

export const SEED_SITE = nct07295067.sites[0]!.siteId

async function expectCreated (what: string, res: { statusCode: number, body: string }): Promise<unknown> {
  if (res.statusCode !== 201) throw new Error(`${what}: expected 201, got ${res.statusCode}: ${res.body}`)
  return JSON.parse(res.body)
}

/**
 * A trial with the NCT07295067 seed protocol (3+3, 14-day DLT window, grade >= 3
 * possibly related with symptoms and treatment) unless another is given, under a
 * fresh trialId, with the seed's site plus `sites`.
 */
export async function createTrial (
  app: App, trialId: string, protocol: ProtocolInput = nct07295067.protocol, sites: { siteId: string, name: string }[] = []
): Promise<unknown> {
  return await expectCreated(`create trial ${trialId}`, await app.inject({
    method: 'POST',
    url: '/v1/trials',
    headers: bearer('admin'),
    payload: { trialId, title: `${nct07295067.title} (test ${trialId})`, sites: [...nct07295067.sites, ...sites], protocol }
  }))
}

export async function enrol (
  app: App, trialId: string, participantId: string, siteId: string, doseLevel: number, enrolledOn: string
): Promise<unknown> {
  return await expectCreated(`enrol ${participantId}`, await app.inject({
    method: 'POST',
    url: `/v1/trials/${trialId}/participants`,
    headers: bearer('admin'),
    payload: { participantId, siteId, doseLevel, enrolledOn }
  }))
}

export async function administer (
  app: App, trialId: string, participantId: string, administeredAt: string, doseLevel: number
): Promise<unknown> {
  return await expectCreated(`administer to ${participantId}`, await app.inject({
    method: 'POST',
    url: `/v1/trials/${trialId}/participants/${participantId}/administrations`,
    headers: bearer('admin'),
    payload: { administeredAt, doseLevel }
  }))
}

/** 'YYYY-MM-DD' and an RFC 3339 instant (09:00 UTC) `days` days before now: past DLT windows without waiting. */
export function daysAgo (days: number): { date: string, at: string } {
  const date = new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10)
  return { date, at: `${date}T09:00:00.000Z` }
}

/** A grade 3 Anemia possibly related, with symptoms and treatment: a DLT under the seed's definition when in the window. */
export const dltAe = (participantId: string, onsetDate: string) => ({
  participantId, term: 'Anemia', grade: 3, onsetDate, serious: false, attribution: 'possible', clinicalSymptoms: true, requiredMedicalTreatment: true
})

/** A grade 1 Nausea, unrelated: never a DLT. */
export const mildAe = (participantId: string, onsetDate: string) => ({
  participantId, term: 'Nausea', grade: 1, onsetDate, serious: false, attribution: 'unrelated'
})

export async function reportAe (app: App, trialId: string, payload: Record<string, unknown>): Promise<{ aeId: string, dlt: { isDlt: boolean } }> {
  return await expectCreated(`report AE for ${String(payload.participantId)}`, await app.inject({
    method: 'POST',
    url: `/v1/trials/${trialId}/adverse-events`,
    headers: bearer('admin'),
    payload
  })) as { aeId: string, dlt: { isDlt: boolean } }
}

/** Enrols and doses a participant `days` days ago. */
export async function enrolDosed (app: App, trialId: string, participantId: string, doseLevel: number, days: number): Promise<void> {
  const { date, at } = daysAgo(days)
  await enrol(app, trialId, participantId, SEED_SITE, doseLevel, date)
  await administer(app, trialId, participantId, at, doseLevel)
}
