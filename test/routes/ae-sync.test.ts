import t from 'tap'
import { and, asc, eq } from 'drizzle-orm'
import { adverseEvents, adverseEventVersions, auditLog } from '../../db/schema.js'
import { openDatabase } from '../../db/client.js'
import { buildApp, type App } from '../../src/app.js'
import { verifyChain } from '../../src/services/audit-verify.js'
import { singleCohort } from '../helpers/dosing.js'
import { bearer, build } from '../helpers/build.js'
import { SEED_SITE, createTrial, daysAgo, dltAe, enrol, enrolDosed, mildAe } from '../helpers/fixtures.js'

// EDC synchronisation (issue 19): batches, upsert by externalId, the change feed.
const { app, config, databaseUrl } = await build()
const admin = bearer('admin')
const edc = bearer('edc', { sites: [SEED_SITE], sub: 'edc-sync' })

const protocol = singleCohort
const onset = daysAgo(3).date

let trialNo = 0
/** A fresh trial with `n` participants of the seed site, dosed 5 days ago, and P-OTHER at another site. */
async function trial (n = 2): Promise<string> {
  const trialId = `SYNC-T${++trialNo}`
  await createTrial(app, trialId, protocol, [{ siteId: 'other-site', name: 'Another hospital' }])
  for (let i = 1; i <= n; i++) await enrolDosed(app, trialId, `P${i}`, 1, 5)
  await enrol(app, trialId, 'P-OTHER', 'other-site', 1, daysAgo(5).date)
  return trialId
}

const batch = (trialId: string, payload: object, headers: Record<string, string> = edc, via: App = app) =>
  via.inject({ method: 'POST', url: `/v1/trials/${trialId}/adverse-events/batch`, headers, payload })
const put = (trialId: string, externalId: string, payload: object, headers: Record<string, string> = edc) =>
  app.inject({ method: 'PUT', url: `/v1/trials/${trialId}/adverse-events/by-external-id/${externalId}`, headers, payload })
const changes = (trialId: string, cursor?: string, headers: Record<string, string> = admin, limit = 100) =>
  app.inject({ method: 'GET', url: `/v1/trials/${trialId}/adverse-events/changes?limit=${limit}${cursor === undefined ? '' : `&cursor=${cursor}`}`, headers })

async function counts (trialId: string) {
  return {
    aes: await app.db.$count(adverseEvents, eq(adverseEvents.trialId, trialId)),
    versions: await app.db.$count(adverseEventVersions, eq(adverseEventVersions.trialId, trialId)),
    audit: await app.db.$count(auditLog, eq(auditLog.trialId, trialId))
  }
}

t.test('atomic: one bad item stores nothing, and the 422 names every bad item by index and JSON pointer', async (t) => {
  const trialId = await trial()
  const before = await counts(trialId)
  const res = await batch(trialId, {
    mode: 'atomic',
    items: [mildAe('P1', onset), { ...mildAe('P2', onset), grade: 9 }, { ...mildAe('P1', onset), colour: 'red' }, dltAe('P2', onset)]
  })
  t.equal(res.statusCode, 422, res.body)
  t.match(res.json(), { type: 'urn:dlt-safety:problem:batch-refused', status: 422 })
  t.same(res.json().errors.map((e: { path: string }) => e.path), ['/items/1/grade', '/items/2/colour'])
  t.same(res.json().items.map((i: { index: number }) => i.index), [1, 2])
  t.same(await counts(trialId), before, 'nothing stored')

  // A refusal found under the lock (an externalId already stored) also stores nothing of the batch.
  t.equal((await batch(trialId, { mode: 'atomic', items: [{ ...mildAe('P1', onset), externalId: 'X1' }] })).statusCode, 200)
  const stored = await counts(trialId)
  const dup = await batch(trialId, { mode: 'atomic', items: [mildAe('P2', onset), { ...mildAe('P1', onset), externalId: 'X1' }] })
  t.equal(dup.statusCode, 422, dup.body)
  t.match(dup.json().items, [{ index: 1, status: 409, problem: { type: 'urn:dlt-safety:problem:duplicate-external-id' } }])
  t.match(dup.json().errors, [{ path: '/items/1', message: /already exists/ }])
  t.same(await counts(trialId), stored, 'nothing of the refused batch stored')
})

t.test('independent: exactly the good items are stored, each result in input order', async (t) => {
  const trialId = await trial()
  const before = await counts(trialId)
  const res = await batch(trialId, {
    mode: 'independent',
    items: [
      { ...mildAe('P1', onset), externalId: 'E1' },
      { ...mildAe('P2', onset), grade: 9 },
      { ...dltAe('P2', onset), externalId: 'E1' },
      mildAe('P-OTHER', onset),
      mildAe('NOBODY', onset),
      { ...dltAe('P2', onset), externalId: 'E2' },
      { externalId: 'E1', patch: { grade: 2 }, reason: 'worsened' },
      { externalId: 'NOPE', patch: { grade: 2 }, reason: 'x' }
    ]
  })
  t.equal(res.statusCode, 200, res.body)
  const body = res.json()
  t.same(body.items.map((i: { index: number, status: number }) => [i.index, i.status]),
    [[0, 201], [1, 422], [2, 409], [3, 422], [4, 422], [5, 201], [6, 200], [7, 404]])
  t.same(body.items[3].problem.errors, body.items[4].problem.errors, 'another site\'s participant is answered as one the trial does not have')
  t.match(body.items[1].problem, { status: 422, errors: [{ path: '/grade' }] })
  t.equal(body.items[6].body.version, 2, 'the follow-up of an AE created earlier in the batch')
  t.equal(body.items[6].aeId, body.items[0].aeId)
  t.same(await counts(trialId), { aes: 2, versions: 3, audit: before.audit + 4 }, 'two AEs, three versions, one audit row per change and one for the decision')
  t.equal(body.status.doseLevels[0].dlts, 1, 'the DLT of the batch is in the status it returns')
  t.ok((await verifyChain(app.db, trialId)).valid, 'the audit chain holds')
})

t.test('a replayed batch (same Idempotency-Key) returns the first response and stores nothing more', async (t) => {
  const trialId = await trial()
  const payload = { mode: 'independent', items: [mildAe('P1', onset), { ...dltAe('P2', onset), externalId: 'R1' }] }
  const headers = { ...edc, 'idempotency-key': 'sync-2025-01-10' }
  const first = await batch(trialId, payload, headers)
  t.equal(first.statusCode, 200, first.body)
  const stored = await counts(trialId)
  const again = await batch(trialId, payload, headers)
  t.equal(again.statusCode, 200)
  t.equal(again.headers['idempotent-replayed'], 'true')
  t.same(again.json(), first.json())
  t.same(await counts(trialId), stored)
  const other = await batch(trialId, { ...payload, mode: 'atomic' }, headers)
  t.equal(other.statusCode, 422, 'the key with another body')
})

t.test('upsert by externalId: created, unchanged (nothing written), changed (one version with its reason), If-Match honoured', async (t) => {
  const trialId = await trial()
  const ae = { ...dltAe('P1', onset), reason: 'EDC sync' }
  const created = await put(trialId, 'EDC-7', ae)
  t.equal(created.statusCode, 201, created.body)
  t.equal(created.headers.etag, '"1"')
  t.match(created.json(), { externalId: 'EDC-7', version: 1, dlt: { isDlt: true } })
  const afterCreate = await counts(trialId)

  const same = await put(trialId, 'EDC-7', { ...ae, reason: 'sent again' })
  t.equal(same.statusCode, 200)
  t.equal(same.json().version, 1)
  t.same(await counts(trialId), afterCreate, 'an unchanged upsert writes no version and no audit row')

  const changed = await put(trialId, 'EDC-7', { ...ae, grade: 4, reason: 'grade 4 on day 5' })
  t.equal(changed.statusCode, 200, changed.body)
  t.equal(changed.json().version, 2)
  t.same(await counts(trialId), { ...afterCreate, versions: afterCreate.versions + 1, audit: afterCreate.audit + 1 })
  const [v2] = await app.db.select().from(adverseEventVersions)
    .where(and(eq(adverseEventVersions.trialId, trialId), eq(adverseEventVersions.version, 2)))
  t.equal(v2!.reason, 'grade 4 on day 5', 'the version keeps its reason')

  t.equal((await put(trialId, 'EDC-7', { ...ae, grade: 5, outcome: 'fatal' }, { ...edc, 'if-match': '"1"' })).statusCode, 412, 'stale If-Match')
  t.equal((await put(trialId, 'EDC-7', { ...ae, grade: 5, outcome: 'fatal' }, { ...edc, 'if-match': 'W/"2"' })).statusCode, 412, 'weak If-Match')
  t.equal((await put(trialId, 'EDC-NEW', ae, { ...edc, 'if-match': '"1"' })).statusCode, 412, 'If-Match on an AE not stored yet')
  t.equal((await put(trialId, 'EDC-7', { ...ae, participantId: 'P2' })).statusCode, 422, 'the participant does not change by follow-up')
  t.equal((await put(trialId, 'EDC-7', { ...ae, externalId: 'EDC-8' })).statusCode, 422, 'the body names another externalId')
  t.same(await counts(trialId), { ...afterCreate, versions: afterCreate.versions + 1, audit: afterCreate.audit + 1 }, 'refusals store nothing')

  // The same in a batch: half unchanged, half changed.
  const res = await batch(trialId, {
    mode: 'atomic',
    items: [{ ...ae, grade: 4, reason: 'again', upsert: true, externalId: 'EDC-7' }, { ...mildAe('P2', onset), upsert: true, externalId: 'EDC-9', reason: 'new' }]
  })
  t.equal(res.statusCode, 200, res.body)
  t.same(res.json().items.map((i: { status: number }) => i.status), [200, 201])
  t.equal(res.json().items[0].body.version, 2, 'unchanged: no new version')
})

t.test('site scope holds inside a batch: another site\'s participant or AE is as if it did not exist', async (t) => {
  const trialId = await trial()
  const elsewhere = await batch(trialId, { mode: 'independent', items: [{ ...mildAe('P-OTHER', onset), externalId: 'O1' }] }, admin)
  const otherAe = elsewhere.json().items[0].aeId as string
  const before = await counts(trialId)
  const res = await batch(trialId, {
    mode: 'independent',
    items: [
      mildAe('P-OTHER', onset),
      { aeId: otherAe, patch: { grade: 2 }, reason: 'x' },
      { externalId: 'O1', patch: { grade: 2 }, reason: 'x' },
      { ...mildAe('P-OTHER', onset), externalId: 'O1', upsert: true, reason: 'x' },
      { aeId: '0190b4a2-0000-7000-8000-000000000000', patch: { grade: 2 }, reason: 'x' },
      mildAe('NOBODY', onset)
    ]
  })
  t.equal(res.statusCode, 200, res.body)
  // Another site's participant is as unknown as one never enrolled (422 on participantId); its externalId
  // names nothing for this site, so the upsert is a new report of that unknown participant (422 too).
  t.same(res.json().items.map((i: { status: number }) => i.status), [422, 404, 404, 422, 404, 422])
  const answer = (i: number) => { const { instance: _, ...problem } = res.json().items[i].problem; return problem }
  t.same(answer(1), answer(4), 'another site\'s AE is answered as a nonexistent one')
  t.same(answer(0), answer(5), 'another site\'s participant is answered as one never enrolled')
  t.same(await counts(trialId), before, 'nothing stored')
  const atomic = await batch(trialId, { mode: 'atomic', items: [mildAe('P1', onset), mildAe('P-OTHER', onset)] })
  t.equal(atomic.statusCode, 422)
  t.same(await counts(trialId), before)

  const feed = (await changes(trialId, undefined, edc)).json()
  t.same(feed.items, [], 'the feed shows a site-scoped token its sites\' AEs only')
  t.equal((await changes(trialId, undefined, admin)).json().items.length, 1)
  t.equal((await changes(trialId, undefined, bearer('dmc'))).statusCode, 403, 'blinded to the DMC as AE reads are')
})

t.test('the change feed returns every AE version exactly once, in chain order, while 4 writers write', async (t) => {
  const trialId = await trial(8)
  const WRITES = 8
  const writer = async (w: number) => {
    for (let i = 0; i < WRITES; i++) {
      const participantId = `P${1 + ((w * 2 + i) % 8)}`
      const externalId = `W${w}-${i % 4}`
      const res = i % 3 === 2
        ? await batch(trialId, { mode: 'independent', items: [{ ...mildAe(participantId, onset), externalId: `W${w}-b${i}` }, { ...mildAe(participantId, onset), externalId: `W${w}-c${i}` }] })
        : await put(trialId, externalId, { ...mildAe(`P${1 + ((w * 2) % 8)}`, onset), grade: 1 + (i % 2), reason: `write ${i}` })
      if (res.statusCode >= 300) throw new Error(`writer ${w}: ${res.statusCode} ${res.body}`)
    }
  }
  const seen: Array<{ aeId: string, version: number, position: number }> = []
  let cursor: string | undefined
  let writing = true
  const reader = (async () => {
    for (;;) {
      const done = !writing
      const res = await changes(trialId, cursor, admin, 7)
      if (res.statusCode !== 200) throw new Error(res.body)
      const page = res.json()
      seen.push(...page.items)
      cursor = page.nextCursor
      if (done && page.items.length === 0) return
      // Reads leave the writers their turns (on PGlite all share one connection).
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  })()
  await Promise.all([0, 1, 2, 3].map(writer)).finally(() => { writing = false })
  await reader
  const stored = await app.db.select({ aeId: adverseEventVersions.aeId, version: adverseEventVersions.version }).from(adverseEventVersions)
    .where(eq(adverseEventVersions.trialId, trialId)).orderBy(asc(adverseEventVersions.aeId), asc(adverseEventVersions.version))
  const key = (v: { aeId: string, version: number }) => `${v.aeId}#${v.version}`
  t.same(seen.map(key).sort(), stored.map(key).sort(), 'every version stored, each exactly once')
  t.same(seen.map((v) => v.position), [...seen.map((v) => v.position)].sort((a, b) => a - b), 'in chain order')
  t.ok(stored.length > 4 * WRITES / 2, `${stored.length} versions`)
})

t.test('a full batch of 1,000 new AEs is stored whole (more parameters than one statement may carry)', async (t) => {
  const trialId = await trial(10)
  const before = await counts(trialId)
  const items = Array.from({ length: 1000 }, (_, i) => ({ ...mildAe(`P${1 + (i % 10)}`, onset), externalId: `FULL-${i}` }))
  const res = await batch(trialId, { mode: 'atomic', items }, { ...edc, prefer: 'return=minimal' })
  t.equal(res.statusCode, 200)
  t.same(await counts(trialId), { aes: 1000, versions: 1000, audit: before.audit + 1000 })
  t.match(res.json().items[999], { index: 999, status: 201, aeId: /^[0-9a-f-]{36}$/, version: 1 })
  t.notOk(res.json().items.some((i: { body?: unknown }) => i.body !== undefined), 'Prefer: return=minimal leaves the AEs out')
  t.equal((await batch(trialId, { mode: 'atomic', items: [...items.slice(0, 999), { ...mildAe('P1', onset), externalId: 'FULL-1000' }, mildAe('P1', onset)] })).statusCode, 422, 'at most 1,000 items')
})

t.test('batch responses carry the bulk item limit headers', async (t) => {
  const trialId = await trial()
  const res = await batch(trialId, { mode: 'independent', items: [mildAe('P1', onset), mildAe('P2', onset)] }, bearer('edc', { sub: 'edc-headers' }))
  t.equal(res.headers['ratelimit-limit'], String(config.BULK_ITEM_LIMIT_MAX))
  t.equal(res.headers['ratelimit-remaining'], String(config.BULK_ITEM_LIMIT_MAX - 2), 'counted per item')
  t.match(res.headers['ratelimit-reset'], /^\d+$/)
  t.notOk(res.headers['x-ratelimit-remaining'], 'not counted against the per-request limit')
})

t.test('a batch with a DLT: the status read right after shows it (16 concurrent batches, two instances on PostgreSQL)', async (t) => {
  const trialId = await trial(16)
  let second: App = app
  if (databaseUrl !== undefined) {
    const database = await openDatabase({ url: databaseUrl, dataDir: 'unused', poolMax: 10 })
    second = await buildApp({ ...config, MIGRATE_ON_START: false }, { database, logLevel: 'silent' })
    t.teardown(async () => { await second.close(); await database.close() })
  }
  const results = await Promise.all(Array.from({ length: 16 }, async (_, i) => {
    const via = i % 2 === 0 ? app : second
    const res = await batch(trialId, { mode: 'atomic', items: [mildAe(`P${i + 1}`, onset), dltAe(`P${i + 1}`, onset), mildAe(`P${(i + 1) % 16 + 1}`, onset)] }, edc, via)
    const status = await (i % 2 === 0 ? second : app).inject({ method: 'GET', url: `/v1/trials/${trialId}/status`, headers: admin })
    return { batch: res.json().status.doseLevels[0].dlts as number, read: status.json().doseLevels[0].dlts as number, code: res.statusCode }
  }))
  t.same(results.map((r) => r.code), Array(16).fill(200))
  t.same(results.filter((r) => r.read < r.batch), [], 'a status read right after each batch counts its DLTs')
  t.same(results.map((r) => r.batch).sort((a, b) => a - b), Array.from({ length: 16 }, (_, i) => i + 1), 'each batch saw every DLT committed before it')
})
