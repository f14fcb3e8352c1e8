// Issue #16 acceptance, through the HTTP API, on each seed's own protocol: what a DMC expects of
// the five seed trials once they follow their records. Participants are dosed as planned 120 days
// ago (every seed's DLT window has closed since), at 04:00 UTC, which is noon in the sites' time
// zone (Asia/Shanghai): the same calendar day in UTC and in China.
import t from 'tap'
import { parseProtocol, type Protocol } from '../../src/domain/protocol.js'
import { resolvePointer } from '../../src/lib/json-pointer.js'
import { dltPeriodCount, plannedAdministrations, scheduleFor } from '../../src/domain/schedule.js'
import { loadSeeds } from '../../seeds/load.js'
import trials, { type TrialSeed } from '../../seeds/trials/index.js'
import { bearer, build } from '../helpers/build.js'
import type { App } from '../../src/app.js'

const admin = bearer('admin')
const DAY_MS = 86_400_000
const START_MS = Date.parse(`${new Date(Date.now() - 120 * DAY_MS).toISOString().slice(0, 10)}T04:00:00.000Z`)
const at = (day: number) => new Date(START_MS + day * DAY_MS).toISOString()
const dateOf = (day: number) => at(day).slice(0, 10)

interface Row { doseLevel: number, armId?: string, open: boolean, evaluable: number, dlts: number }
interface Status { state: string, decision: { action: string, nextDoseLevel: number | null, rules: string[] }, doseLevels: Row[] }

function parsed (seed: TrialSeed): Protocol {
  const r = parseProtocol(seed.protocol)
  if (!r.ok) throw new Error(`${seed.trialId}: ${JSON.stringify(r.errors)}`)
  return r.protocol
}

const levelsOf = (p: Protocol) => p.doseLevels.map((d) => d.level).filter((l) => l > 0).sort((a, b) => a - b)

async function send (app: App, method: 'POST' | 'GET', url: string, payload?: unknown) {
  return await app.inject({ method, url, headers: admin, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) })
}

async function ok (what: string, res: { statusCode: number, body: string }): Promise<void> {
  if (res.statusCode !== 200 && res.statusCode !== 201) throw new Error(`${what}: ${res.statusCode} ${res.body}`)
}

/** A trial under `trialId` with the seed's title, sites and protocol. */
async function createFrom (app: App, seed: TrialSeed, trialId: string): Promise<void> {
  await ok(`create ${trialId}`, await send(app, 'POST', '/v1/trials', {
    trialId, title: seed.title, sites: seed.sites.map(({ siteId, name }) => ({ siteId, name })), protocol: seed.protocol
  }))
}

const status = async (app: App, trialId: string) => (await send(app, 'GET', `/v1/trials/${trialId}/status`)).json() as Status

/** A GD007-style trial enrols by arm; the others by dose level. */
const target = (p: Protocol, doseLevel: number) => {
  const arm = p.arms?.find((a) => a.doseLevel === doseLevel)
  return arm === undefined ? { doseLevel } : { armId: arm.armId }
}

async function enrol (app: App, seed: TrialSeed, trialId: string, participantId: string, doseLevel: number) {
  return await send(app, 'POST', `/v1/trials/${trialId}/participants`, {
    participantId, siteId: seed.sites[0]!.siteId, enrolledOn: dateOf(0), ...target(parsed(seed), doseLevel)
  })
}

/** The DLT period's planned administrations, on their planned days (one infusion where the record plans none). */
async function dose (app: App, p: Protocol, trialId: string, participantId: string, doseLevel: number): Promise<void> {
  const schedule = scheduleFor(p, { doseLevel, armId: p.arms?.find((a) => a.doseLevel === doseLevel)?.armId ?? null })
  const days = schedule === undefined ? [0] : plannedAdministrations(schedule).slice(0, dltPeriodCount(schedule)).map((a) => a.day)
  for (const day of days) {
    await ok(`dose ${participantId} day ${day}`, await send(app, 'POST', `/v1/trials/${trialId}/participants/${participantId}/administrations`, { administeredAt: at(day), doseLevel }))
  }
}

/** Where the trial has a DMC the site confirms, after the window, that every AE is entered. */
async function assess (app: App, p: Protocol, trialId: string, participantId: string): Promise<void> {
  if (p.dltDefinition.requireAssessment !== true) return
  await ok(`assess ${participantId}`, await send(app, 'POST', `/v1/trials/${trialId}/participants/${participantId}/dlt-assessment`, { allAdverseEventsEntered: true }))
}

/** Grade 3 hypertension two days after the first administration, probably related, with symptoms and treatment: a DLT in every seed. */
const dltAe = (participantId: string) => ({
  participantId, term: 'Hypertension', grade: 3, onsetDate: dateOf(2), serious: false, attribution: 'probable', clinicalSymptoms: true, requiredMedicalTreatment: true
})

/** Three participants at a level, dosed as planned, `dlts` of them with a DLT, the rest assessed. */
async function cohort (app: App, seed: TrialSeed, trialId: string, level: number, dlts: number): Promise<void> {
  const p = parsed(seed)
  const ids = [1, 2, 3].map((i) => `L${level}-${i}`)
  for (const id of ids) await ok(`enrol ${id}`, await enrol(app, seed, trialId, id, level))
  for (const id of ids) await dose(app, p, trialId, id, level)
  for (const [i, id] of ids.entries()) {
    if (i < dlts) await ok(`AE of ${id}`, await send(app, 'POST', `/v1/trials/${trialId}/adverse-events`, dltAe(id)))
    else await assess(app, p, trialId, id)
  }
}

const { app } = await build()

t.test('every seed shows its protocol with its assumptions, each path resolving inside it, and a decision table with boundaries', async (t) => {
  await loadSeeds(app.db)
  for (const seed of trials) {
    const res = await send(app, 'GET', `/v1/trials/${seed.trialId}`)
    t.equal(res.statusCode, 200)
    const protocol = res.json().protocol
    t.ok(protocol.assumptions.length > 0, `${seed.trialId}: assumptions listed`)
    for (const a of protocol.assumptions) t.ok(resolvePointer(protocol, a.path).found, `${seed.trialId}: ${a.path} resolves in the served document`)
    // A DMC checks every decision by hand: from 3 evaluable on, some count of DLTs acts, and 2 of 3 does.
    const table = (await send(app, 'GET', `/v1/trials/${seed.trialId}/decision-table`)).json()
    const boundaries = (row: Record<string, unknown> & { rules: Array<{ actsIfDltsAtLeast: number | null }> }) =>
      [row.deEscalateIfDltsAtLeast, row.eliminateIfDltsAtLeast, ...row.rules.map((r) => r.actsIfDltsAtLeast)].filter((b): b is number => b !== null)
    const rows = table.rows.filter((r: { n: number }) => r.n >= 3)
    t.ok(rows.length > 0 && rows.every((r: never) => boundaries(r).length > 0), `${seed.trialId}: non-null boundaries from n = 3`)
    t.ok(Math.min(...boundaries(table.rows.find((r: { n: number }) => r.n === 3))) <= 2, `${seed.trialId}: at n = 3, 2 DLTs act`)
  }
})

t.test('every seed site is in the Asia/Shanghai time zone', async (t) => {
  for (const seed of trials) {
    const sites = (await send(app, 'GET', `/v1/trials/${seed.trialId}`)).json().sites
    t.same(sites.map((s: { timeZone?: string }) => s.timeZone), seed.sites.map(() => 'Asia/Shanghai'), seed.trialId)
  }
})

// One table over the five seeds and each of their levels, the design 'none' and single-level ones included.
for (const seed of trials) {
  const p = parsed(seed)
  for (const level of levelsOf(p)) {
    t.test(`${seed.trialId} level ${level}: 2 DLTs among the first 3 evaluable leave that level closed or the trial on hold`, async (t) => {
      const trialId = `${seed.trialId}-L${level}`
      await createFrom(app, seed, trialId)
      // Escalation designs reach the level through the levels below it, each cleared by 3 without a DLT.
      for (const below of p.design.type === 'none' ? [] : levelsOf(p).filter((l) => l < level)) {
        await cohort(app, seed, trialId, below, 0)
        const s = await status(app, trialId)
        t.equal(s.decision.nextDoseLevel, below + 1, `level ${below} cleared 0/3: the design names level ${below + 1}`)
      }
      await cohort(app, seed, trialId, level, 2)
      const s = await status(app, trialId)
      const row = s.doseLevels.find((d) => d.doseLevel === level)!
      t.match(row, { evaluable: 3, dlts: 2 }, '3 evaluable, 2 with a DLT')
      t.notOk(row.open, `level ${level} is closed (state ${s.state}, ${s.decision.action})`)
      t.ok(s.state !== 'go' || (s.decision.nextDoseLevel !== null && s.decision.nextDoseLevel < level), 'never "go" at that level or above')
      const again = await enrol(app, seed, trialId, 'NEXT', level)
      t.equal(again.statusCode, 409, 'an enrolment at the level is refused')
    })
  }

  t.test(`${seed.trialId}: a definitely related, life-threatening SAE puts the trial on hold or stops it`, async (t) => {
    const trialId = `${seed.trialId}-SAE`
    await createFrom(app, seed, trialId)
    const start = p.design.type === 'none' ? levelsOf(p)[0]! : p.design.startDoseLevel
    await ok('enrol', await enrol(app, seed, trialId, 'P1', start))
    await dose(app, p, trialId, 'P1', start)
    t.equal((await status(app, trialId)).state, 'go', 'open before the SAE')
    const sae = await send(app, 'POST', `/v1/trials/${trialId}/adverse-events`, {
      participantId: 'P1', term: 'Hypertension', grade: 4, onsetDate: dateOf(1), serious: true, seriousnessCriteria: ['life_threatening'], attribution: 'definite'
    })
    t.equal(sae.statusCode, 201, sae.body)
    const s = await status(app, trialId)
    t.ok(s.state === 'hold' || s.state === 'stop', `state ${s.state}`)
    t.ok(s.decision.rules.includes('related_sae'), 'the related-SAE rule fired')
    t.equal((await enrol(app, seed, trialId, 'P2', start)).statusCode, 409, 'no one else is enrolled')
  })
}

const nct07101484 = trials.find((s) => s.trialId === 'NCT07101484')!

t.test('NCT07101484: SEQUENTIAL: no first enrolment into mid or high while low is not cleared; the control is enrolled alongside', async (t) => {
  const trialId = 'NCT07101484-SEQ'
  await createFrom(app, nct07101484, trialId)
  for (const armId of ['mid', 'high']) {
    const res = await send(app, 'POST', `/v1/trials/${trialId}/participants`, { participantId: `first-${armId}`, siteId: nct07101484.sites[0]!.siteId, armId, enrolledOn: dateOf(0) })
    t.equal(res.statusCode, 409, `${armId} refused: ${res.json().detail}`)
    t.equal(res.json().type, 'urn:dlt-safety:problem:dose-level-closed')
  }
  for (const armId of ['control', 'low']) {
    const res = await send(app, 'POST', `/v1/trials/${trialId}/participants`, { participantId: `first-${armId}`, siteId: nct07101484.sites[0]!.siteId, armId, enrolledOn: dateOf(0) })
    t.equal(res.statusCode, 201, `${armId} accepted`)
  }
})

t.test('NCT07101484: a control-group AE changes no DLT count, and a control SAE does not hold GD007', async (t) => {
  const trialId = 'NCT07101484-CTL'
  const p = parsed(nct07101484)
  await createFrom(app, nct07101484, trialId)
  await ok('enrol low', await enrol(app, nct07101484, trialId, 'LOW-1', 1))
  await ok('enrol control', await enrol(app, nct07101484, trialId, 'CTL-1', 0))
  await dose(app, p, trialId, 'LOW-1', 1)
  await dose(app, p, trialId, 'CTL-1', 0)
  const before = await status(app, trialId)
  await ok('control AE', await send(app, 'POST', `/v1/trials/${trialId}/adverse-events`, { ...dltAe('CTL-1'), attribution: 'definite' }))
  await ok('control SAE', await send(app, 'POST', `/v1/trials/${trialId}/adverse-events`, {
    participantId: 'CTL-1', term: 'Sepsis', grade: 4, onsetDate: dateOf(3), serious: true, seriousnessCriteria: ['life_threatening'], attribution: 'possible'
  }))
  const after = await status(app, trialId)
  const dlts = (s: Status) => s.doseLevels.map((d) => [d.doseLevel, d.dlts])
  t.same(dlts(after), dlts(before), 'no DLT count changed')
  t.same([after.state, after.decision.action, after.decision.nextDoseLevel], [before.state, before.decision.action, before.decision.nextDoseLevel], 'the decision is unchanged')
  t.notOk(after.decision.rules.includes('related_sae'), 'a control SAE is not a GD007 signal (controlCanBeRelated: false)')
})
