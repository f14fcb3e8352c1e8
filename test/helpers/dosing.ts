import type { App } from '../../src/app.js'
import type { ProtocolInput } from '../../src/domain/protocol.js'
import { nct07295067 } from './reference-trials.js'
import { bearer } from './build.js'
import { daysAgo, SEED_SITE } from './fixtures.js'

// Requests of the dose-gate tests (issue #21): the trial's status, DMC
// decisions, and enrolments and administrations as any role makes them.

/**
 * The seed's DLT definition (14-day window, grade >= 3 possibly related with
 * symptoms and treatment) over `levels` dose levels, under `design`, with no
 * stopping rule unless given: what the design alone decides.
 */
export function protocolWith (levels: number, design: ProtocolInput['design'], stoppingRules: ProtocolInput['stoppingRules'] = []): ProtocolInput {
  return {
    doseLevels: Array.from({ length: levels }, (_, i) => ({ level: i + 1, label: `level ${i + 1}` })),
    dltDefinition: nct07295067.protocol.dltDefinition,
    design,
    stoppingRules
  }
}

/**
 * One cohort of parallel-group participants under the seed's DLT definition:
 * no escalation rule holds enrolment back (every participant can be dosed at
 * level 1), and a related death halts the trial. The concurrency and fault
 * tests write into it.
 */
export const singleCohort: ProtocolInput = {
  ...nct07295067.protocol,
  assumptions: undefined, // the seed's assumptions name its own rules, replaced here
  doseLevels: [{ level: 1, label: 'single dose' }],
  design: { type: 'none' },
  stoppingRules: [{ type: 'grade5_related', action: 'halt_trial' }]
}

export interface StatusView {
  state: 'go' | 'hold' | 'stop'
  decisionId: string
  decision: { action: string, nextDoseLevel: number | null, mtdDoseLevel?: number | null, reasons: string[], rules: string[] }
  doseLevels: Array<{ doseLevel: number, enrolled: number, dlts: number, open: boolean, eliminated: boolean, capacity: number | null }>
}

export async function statusOf (app: App, trialId: string): Promise<StatusView> {
  const res = await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/status`, headers: bearer('dmc') })
  if (res.statusCode !== 200) throw new Error(`status of ${trialId}: ${res.statusCode} ${res.body}`)
  return res.json()
}

export const levelOf = (status: StatusView, doseLevel: number) => status.doseLevels.find((d) => d.doseLevel === doseLevel)!

/** A signed DMC decision on the trial's current status. */
export async function dmcDecide (app: App, trialId: string, decision: 'continue' | 'modify' | 'pause' | 'terminate') {
  const { decisionId } = await statusOf(app, trialId)
  const res = await app.inject({
    method: 'POST',
    url: `/v1/trials/${trialId}/dmc-decisions`,
    headers: bearer('dmc'),
    payload: { decision, rationale: `DMC: ${decision}`, statusDecisionId: decisionId, signature: { meaning: 'approved' } }
  })
  if (res.statusCode !== 201) throw new Error(`DMC ${decision} on ${trialId}: ${res.statusCode} ${res.body}`)
  return res.json()
}

export type Headers = Record<string, string>

export const enrolAs = async (app: App, headers: Headers, trialId: string, participantId: string, doseLevel: number, extra: Record<string, unknown> = {}) =>
  await app.inject({
    method: 'POST',
    url: `/v1/trials/${trialId}/participants`,
    headers,
    payload: { participantId, siteId: SEED_SITE, doseLevel, enrolledOn: daysAgo(30).date, ...extra }
  })

export const administerAs = async (
  app: App, headers: Headers, trialId: string, participantId: string, administeredAt: string, doseLevel: number, extra: Record<string, unknown> = {}
) => await app.inject({
  method: 'POST',
  url: `/v1/trials/${trialId}/participants/${participantId}/administrations`,
  headers,
  payload: { administeredAt, doseLevel, ...extra }
})
