import t from 'tap'
import { nct07295067 } from '../helpers/reference-trials.js'
import { parseProtocol, type ProtocolInput } from '../../src/domain/protocol.js'
import { evaluateStatus } from '../../src/domain/status.js'
import type { ParticipantSummary } from '../../src/domain/evaluability.js'
import { bearer, build } from '../helpers/build.js'
import { createTrial, daysAgo, dltAe, enrolDosed, reportAe } from '../helpers/fixtures.js'

// Replays outcome sequences through the HTTP API (enrol, dose, report AEs,
// with DLT windows already closed) and checks after every cohort that the
// server's status is what the engines compute from the same histories: the
// persisted per-participant facts, the locking and the re-evaluation add
// nothing and lose nothing.

const designs: Record<string, ProtocolInput['design']> = {
  boin: { type: 'boin', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.3, maxSampleSize: 18 },
  mtpi2: { type: 'mtpi2', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.3, maxSampleSize: 18 },
  'i3+3': { type: 'i3+3', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.3, maxSampleSize: 18 },
  crm: { type: 'crm', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.25, skeleton: [0.1, 0.25, 0.4], maxSampleSize: 18 },
  '3+3': { type: '3+3', startDoseLevel: 1, cohortSize: 3 }
}

/** A fixed pseudo-random DLT pattern per design (mulberry32), so a failure replays identically. */
function outcomes (seed: number): () => boolean {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296 < 0.15
  }
}

for (const [index, [name, design]] of Object.entries(designs).entries()) {
  t.test(`${name}: the server's decisions are the engine's, cohort after cohort`, async (t) => {
    const { app } = await build()
    const trialId = `ENG-${name.replace('+', 'p')}`
    // without the seed's assumptions: they name its own design and rules, replaced here
    const protocol: ProtocolInput = { ...nct07295067.protocol, assumptions: undefined, design, stoppingRules: [] }
    const parsed = parseProtocol(protocol)
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors))
    await createTrial(app, trialId, protocol)

    const history: ParticipantSummary[] = []
    const isDlt = outcomes(index + 1)
    let current: number | null = null
    for (let c = 0; c < 6; c++) {
      const status = (await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/status`, headers: bearer('safety_monitor') })).json()
      const expected = evaluateStatus(parsed.protocol, { participants: history, signals: [], currentDoseLevel: current }, status.asOf)
      t.same(status.decision, expected.decision, `cohort ${c}: decision ${expected.decision.action} ${String(expected.decision.nextDoseLevel)}`)
      t.same(status.doseLevels, expected.doseLevels, `cohort ${c}: counts per level`)
      t.equal(status.state, expected.state)
      if (status.state !== 'go') break

      const doseLevel: number = status.decision.nextDoseLevel
      const open = status.doseLevels.find((d: { doseLevel: number }) => d.doseLevel === doseLevel)
      const size = Math.min(3, open.capacity ?? 3)
      const days = 60 - c * 5
      // The whole cohort is dosed before its outcomes are reported.
      const ids = Array.from({ length: size }, (_, i) => `${name.replace('+', 'p')}-${c}-${i}`)
      for (const participantId of ids) await enrolDosed(app, trialId, participantId, doseLevel, days)
      const { at } = daysAgo(days)
      for (const participantId of ids) {
        const dlt = isDlt()
        if (dlt) await reportAe(app, trialId, dltAe(participantId, daysAgo(days - 3).date))
        history.push({
          participantId,
          doseLevel,
          armId: null,
          status: 'enrolled',
          withdrawnAt: null,
          firstAdministrationAt: at,
          lastAdministrationAt: at,
          dltCount: dlt ? 1 : 0,
          pendingDltCount: 0
        })
      }
      current = doseLevel
    }
  })
}
