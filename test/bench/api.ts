// The few API calls the harness makes itself (creating trials, enrolling,
// dosing), with tokens signed by the service's own secret.
import { createSigner } from 'fast-jwt'
import type { Role } from '../../src/auth/roles.js'

export const SITES = ['site-1', 'site-2', 'site-3']

export function signer (secret: string) {
  const sign = createSigner({ key: secret, algorithm: 'HS256', noTimestamp: true })
  return (role: Role, sub = `bench-${role}`): string => {
    const now = Math.floor(Date.now() / 1000)
    return sign({ sub, role, ...(role === 'edc' || role === 'investigator' ? { sites: SITES } : {}), iat: now, exp: now + 12 * 3600 })
  }
}

export class Api {
  constructor (readonly base: string, private readonly token: string) {}

  async call (method: string, path: string, body?: unknown): Promise<{ status: number, body: unknown }> {
    const res = await fetch(this.base + path, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(60_000)
    })
    const text = await res.text()
    return { status: res.status, body: text === '' ? null : JSON.parse(text) }
  }

  /** The call, which must answer `expected`; otherwise throws with the problem document. */
  async must (expected: number, method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await this.call(method, path, body)
    if (res.status !== expected) throw new Error(`${method} ${path}: ${res.status} (expected ${expected}): ${JSON.stringify(res.body).slice(0, 800)}`)
    return res.body
  }

  async createTrial (trialId: string, protocol: unknown): Promise<void> {
    await this.must(201, 'POST', '/v1/trials', {
      trialId,
      title: `Benchmark trial ${trialId}`,
      phase: 'PHASE1',
      sites: SITES.map((siteId) => ({ siteId, name: `Benchmark ${siteId}` })),
      protocol
    })
  }

  /**
   * Enrols (as admin, overriding the escalation decision so that any dose
   * level is accepted) and records one administration: two clinical writes
   * through the real service, each re-evaluating the trial's status.
   */
  async enrolAndDose (trialId: string, p: { participantId: string, siteId: string, doseLevel: number, enrolledOn: string, administeredAt: string }): Promise<void> {
    await this.must(201, 'POST', `/v1/trials/${trialId}/participants`, {
      participantId: p.participantId,
      siteId: p.siteId,
      doseLevel: p.doseLevel,
      enrolledOn: p.enrolledOn,
      override: { reason: 'benchmark dataset' }
    })
    const path = `/v1/trials/${trialId}/participants/${p.participantId}/administrations`
    const dose = { administeredAt: p.administeredAt, doseLevel: p.doseLevel }
    const first = await this.call('POST', path, dose)
    // Dosing is refused only while the trial is halted: the dataset doses anyway, as an audited override.
    if (first.status === 409) await this.must(201, 'POST', path, { ...dose, override: { reason: 'benchmark dataset' } })
    else if (first.status !== 201) throw new Error(`POST ${path}: ${first.status}: ${JSON.stringify(first.body).slice(0, 800)}`)
  }
}
