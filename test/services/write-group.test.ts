import { and, asc, desc, eq } from 'drizzle-orm'
import { sql } from 'drizzle-orm'
import tap from 'tap'
import { rows, type Db } from '../../db/client.js'
import { adverseEvents, adverseEventVersions, auditLog, decisions } from '../../db/schema.js'
import type { Principal } from '../../src/auth/roles.js'
import { clinicalWrite, waitingWrites, type WriteContext } from '../../src/services/clinical-write.js'
import { bearer, build } from '../helpers/build.js'
import { createTrial, daysAgo, dltAe, enrolDosed, mildAe } from '../helpers/fixtures.js'

// Writes to one trial that wait at the same time are committed as one group
// (one transaction, each write in a savepoint of its own). Here the trial's
// turn is held by a write that waits on a gate while the others queue behind
// it, so they are known to form one group when it is released.

const { app } = await build()
const admin: Principal = { sub: 'group-admin', role: 'admin', sites: null, trials: null, issuedAt: null }

await app.db.execute(sql`create table write_group_probe (trial_id text, name text)`)

/** Takes the trial's turn until `release` is called. */
function hold (db: Db, trialId: string) {
  let release = () => {}
  const gate = new Promise<void>((resolve) => { release = resolve })
  const done = clinicalWrite(db, trialId, admin, null, async () => { await gate })
  return { release, done }
}

async function until (condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 20_000) throw new Error(`gave up waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

const probe = async (ctx: WriteContext, trialId: string, name: string) => {
  await ctx.tx.execute(sql`insert into write_group_probe values (${trialId}, ${name})`)
}
const txid = async (ctx: WriteContext) => rows<{ id: string }>(await ctx.tx.execute(sql`select txid_current()::text as id`))[0]!.id
const coalesce = { coalesce: true }

tap.test('a failing write in a group fails alone and leaves nothing of itself', async (t) => {
  const trialId = 'GROUP-FAIL'
  await createTrial(app, trialId)
  const turn = hold(app.db, trialId)
  const entry = (name: string) => ({ action: 'probe', entity: 'probe', entityId: name })
  const writes = {
    first: clinicalWrite(app.db, trialId, admin, null, async (ctx) => {
      ctx.audit(entry('first'))
      await probe(ctx, trialId, 'first')
      return await txid(ctx)
    }, undefined, coalesce),
    // Its deferred write fails after the change returned: the failure is its own, not the group's.
    deferredFails: clinicalWrite(app.db, trialId, admin, null, async (ctx) => {
      ctx.audit(entry('deferredFails'))
      await probe(ctx, trialId, 'deferredFails')
      ctx.defer(ctx.tx.execute(sql`select 1 / 0`).execute())
    }, undefined, coalesce),
    throws: clinicalWrite(app.db, trialId, admin, null, async (ctx) => {
      ctx.audit(entry('throws'))
      await probe(ctx, trialId, 'throws')
      throw new Error('refused by its change')
    }, undefined, coalesce),
    // One branch throws while the other still has statements to issue: they are refused, not run in the next write.
    straggles: clinicalWrite(app.db, trialId, admin, null, async (ctx) => {
      await Promise.all([
        (async () => {
          await ctx.tx.execute(sql`select pg_sleep(0.05)`)
          await probe(ctx, trialId, 'straggler')
          ctx.audit(entry('straggler'))
        })(),
        Promise.reject(new Error('a sibling threw first'))
      ])
    }, undefined, coalesce),
    last: clinicalWrite(app.db, trialId, admin, null, async (ctx) => {
      // Sleeps past the straggler's wake-up, so a straggling statement would have landed here.
      await ctx.tx.execute(sql`select pg_sleep(0.1)`)
      ctx.audit(entry('last'))
      await probe(ctx, trialId, 'last')
      return await txid(ctx)
    }, undefined, coalesce)
  }
  await until(() => waitingWrites(app.db, trialId) === 5, 'the five writes to queue')
  turn.release()
  await turn.done
  const settled = Object.fromEntries(await Promise.all(Object.entries(writes).map(async ([name, write]) =>
    [name, await write.then((r) => ({ ok: true, value: r.value }), (e: unknown) => ({ ok: false, error: e as Error & { cause?: { code?: string } } }))] as const)))

  t.ok(settled.first!.ok && settled.last!.ok, 'the writes around the failing ones succeed')
  t.equal((settled.first as { value: string }).value, (settled.last as { value: string }).value, 'in one transaction')
  const failure = (name: string) => (settled[name] as { error: Error & { code?: string, cause?: { code?: string } } }).error
  t.equal(failure('deferredFails').cause?.code ?? failure('deferredFails').code, '22012', 'the deferred write that failed is its error')
  t.equal(failure('throws').message, 'refused by its change')
  t.equal(failure('straggles').message, 'a sibling threw first')

  const kept = await app.db.select({ entityId: auditLog.entityId, seq: auditLog.seq }).from(auditLog)
    .where(and(eq(auditLog.trialId, trialId), eq(auditLog.entity, 'probe'))).orderBy(asc(auditLog.seq))
  t.same(kept.map((r) => r.entityId), ['first', 'last'], 'only the writes that succeeded have audit rows')
  const probes = rows<{ name: string }>(await app.db.execute(sql`select name from write_group_probe where trial_id = ${trialId} order by name`))
  t.same(probes.map((p) => p.name), ['first', 'last'], 'and only their rows')
  const verify = await app.inject({ method: 'GET', url: `/v1/audit/verify?trialId=${trialId}`, headers: bearer('admin') })
  t.match(verify.json(), { valid: true }, 'the chain has no gap where the failed writes were')
})

tap.test('every write of a group receives the status after the group, with a DLT any of them committed', async (t) => {
  const trialId = 'GROUP-STATUS'
  await createTrial(app, trialId)
  await enrolDosed(app, trialId, 'GS-1', 1, 5)
  const turn = hold(app.db, trialId)
  // Queued before the AE: its status is still the one after the AE, evaluated once for both.
  const before = clinicalWrite(app.db, trialId, admin, { type: 'probe', change: 'a write queued before the DLT' }, async () => 'probe', undefined, coalesce)
  const report = app.inject({ method: 'POST', url: `/v1/trials/${trialId}/adverse-events`, headers: bearer('admin'), payload: dltAe('GS-1', daysAgo(2).date) })
  await until(() => waitingWrites(app.db, trialId) === 2, 'the probe and the AE to queue')
  turn.release()
  const [probed, reported] = await Promise.all([before, report])
  t.equal(reported.statusCode, 201)
  const ae = reported.json() as { aeId: string, dlt: { isDlt: boolean } }
  t.ok(ae.dlt.isDlt)
  const level = probed.status!.doseLevels.find((d) => d.doseLevel === 1)!
  t.equal(level.dlts, 1, 'the probe\'s status counts the DLT committed after it in its group')

  const [decision] = await app.db.select().from(decisions).where(eq(decisions.trialId, trialId)).orderBy(desc(decisions.at), desc(decisions.decisionId)).limit(1)
  t.equal(decision!.decisionId, probed.status!.decisionId, 'one re-evaluation, one decision')
  t.match(decision!.trigger, { type: 'ae_created', entityId: ae.aeId, coalesced: [{ type: 'probe', actor: admin.sub }] },
    'recorded with the last write\'s trigger, the one before it listed')
  const status = (await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/status`, headers: bearer('dmc') })).json()
  t.equal(status.decisionId, decision!.decisionId)
})

tap.test('AE reports committed together keep their own results, ETags, versions and audit rows', async (t) => {
  const trialId = 'GROUP-AES'
  await createTrial(app, trialId)
  const people = ['GA-1', 'GA-2', 'GA-3']
  for (const id of people) await enrolDosed(app, trialId, id, 1, 5)
  const onset = daysAgo(2).date
  const post = (payload: object, headers: Record<string, string> = {}) => app.inject({
    method: 'POST', url: `/v1/trials/${trialId}/adverse-events`, headers: { ...bearer('admin'), ...headers }, payload
  })
  const turn = hold(app.db, trialId)
  const requests = [
    post({ ...dltAe('GA-1', onset), externalId: 'EDC-1' }),
    post({ ...mildAe('GA-2', onset), externalId: 'EDC-2' }),
    post({ ...mildAe('GA-3', onset), externalId: 'EDC-1' }),
    post(dltAe('NOBODY', onset)),
    post(dltAe('GA-3', onset), { 'idempotency-key': 'group-key-1' }),
    post(dltAe('GA-3', onset), { 'idempotency-key': 'group-key-1' })
  ]
  await until(() => waitingWrites(app.db, trialId) === requests.length, 'the reports to queue')
  turn.release()
  const responses = await Promise.all(requests)
  const codes = responses.map((r) => r.statusCode)

  const externalOne = [responses[0]!, responses[2]!]
  t.same(externalOne.map((r) => r.statusCode).sort(), [201, 409], 'one externalId, one AE: the other is a conflict')
  const winner = externalOne.find((r) => r.statusCode === 201)!.json() as { aeId: string }
  t.equal(externalOne.find((r) => r.statusCode === 409)!.json().aeId, winner.aeId, 'naming the AE committed before it in its group')
  t.equal(codes[1], 201)
  t.equal(codes[3], 422, 'an unknown participant is refused')
  t.same([codes[4], codes[5]], [201, 201], 'a repeated key is answered with its first response')
  t.equal(responses.filter((r, i) => i >= 4 && r.headers['idempotent-replayed'] === 'true').length, 1, 'once replayed')
  t.equal(responses[4]!.json().aeId, responses[5]!.json().aeId)

  const created = responses.filter((r) => r.statusCode === 201 && r.headers['idempotent-replayed'] !== 'true')
  for (const r of created) t.equal(r.headers.etag, '"1"', 'each its own ETag')
  const ids = created.map((r) => (r.json() as { aeId: string }).aeId).sort()
  t.equal(new Set(ids).size, 3, 'three distinct AEs')
  const stored = await app.db.select({ aeId: adverseEvents.aeId }).from(adverseEvents).where(eq(adverseEvents.trialId, trialId))
  t.same(stored.map((r) => r.aeId).sort(), ids, 'exactly the AEs answered 201 are stored')
  const versions = await app.db.select({ aeId: adverseEventVersions.aeId }).from(adverseEventVersions).where(eq(adverseEventVersions.trialId, trialId))
  t.same(versions.map((r) => r.aeId).sort(), ids, 'each with its first version')
  const audited = await app.db.select({ entityId: auditLog.entityId, actor: auditLog.actor }).from(auditLog)
    .where(and(eq(auditLog.trialId, trialId), eq(auditLog.action, 'ae_created')))
  t.same(audited.map((r) => r.entityId).sort(), ids, 'and its audit row')

  const status = (await app.inject({ method: 'GET', url: `/v1/trials/${trialId}/status`, headers: bearer('dmc') })).json()
  const withDlt = new Set(created.map((r) => r.json() as { participantId: string, dlt: { isDlt: boolean } }).filter((ae) => ae.dlt.isDlt).map((ae) => ae.participantId))
  t.ok(withDlt.has('GA-3'))
  t.equal(status.doseLevels.find((d: { doseLevel: number }) => d.doseLevel === 1).dlts, withDlt.size, 'every DLT participant is in the status')
  const verify = await app.inject({ method: 'GET', url: `/v1/audit/verify?trialId=${trialId}`, headers: bearer('admin') })
  t.match(verify.json(), { valid: true })
})

tap.test('follow-ups committed together: If-Match holds between them', async (t) => {
  const trialId = 'GROUP-PATCH'
  await createTrial(app, trialId)
  await enrolDosed(app, trialId, 'GP-1', 1, 5)
  const created = await app.inject({ method: 'POST', url: `/v1/trials/${trialId}/adverse-events`, headers: bearer('admin'), payload: mildAe('GP-1', daysAgo(2).date) })
  const { aeId } = created.json() as { aeId: string }
  const turn = hold(app.db, trialId)
  const patch = (grade: number) => app.inject({
    method: 'PATCH',
    url: `/v1/trials/${trialId}/adverse-events/${aeId}`,
    headers: { ...bearer('admin'), 'if-match': '"1"', 'content-type': 'application/merge-patch+json' },
    payload: { grade, reason: `grade ${grade} on follow-up` }
  })
  const requests = [patch(2), patch(3)]
  await until(() => waitingWrites(app.db, trialId) === 2, 'both follow-ups to queue')
  turn.release()
  const responses = await Promise.all(requests)
  t.same(responses.map((r) => r.statusCode).sort(), [200, 412], 'the second sees the version the first made')
  const won = responses.find((r) => r.statusCode === 200)!
  t.equal(won.headers.etag, '"2"')
  const versions = await app.db.select({ version: adverseEventVersions.version }).from(adverseEventVersions)
    .where(and(eq(adverseEventVersions.trialId, trialId), eq(adverseEventVersions.aeId, aeId)))
  t.same(versions.map((v) => v.version).sort(), [1, 2], 'one follow-up version')
})

tap.test('a write that makes the group\'s re-evaluation fail fails alone: the others are committed on their own', async (t) => {
  const trialId = 'GROUP-REEVAL'
  await createTrial(app, trialId)
  const turn = hold(app.db, trialId)
  const trigger = (change: string) => ({ type: 'probe', change })
  const before = clinicalWrite(app.db, trialId, admin, trigger('before'), async (ctx) => {
    ctx.audit({ action: 'probe', entity: 'probe', entityId: 'before' })
  }, undefined, coalesce)
  // Its own statements succeed; the re-evaluation after it cannot load the protocol version it names.
  const breaks = clinicalWrite(app.db, trialId, admin, trigger('breaks'), async (ctx) => {
    ctx.audit({ action: 'probe', entity: 'probe', entityId: 'breaks' })
    await ctx.tx.execute(sql`update trials set protocol_version = 99 where trial_id = ${trialId}`)
  }, undefined, coalesce)
  const after = clinicalWrite(app.db, trialId, admin, trigger('after'), async (ctx) => {
    ctx.audit({ action: 'probe', entity: 'probe', entityId: 'after' })
  }, undefined, coalesce)
  await until(() => waitingWrites(app.db, trialId) === 3, 'the three writes to queue')
  turn.release()
  const [first, broken, last] = await Promise.allSettled([before, breaks, after])
  t.equal(first.status, 'fulfilled', 'the write before it is committed')
  t.match((broken as PromiseRejectedResult).reason, { message: /protocol version 99/ }, 'it fails with the re-evaluation\'s error')
  t.equal(last.status, 'fulfilled', 'the write after it is committed')
  t.ok((first as PromiseFulfilledResult<{ status: unknown }>).value.status !== null, 'each with its status')
  const kept = await app.db.select({ entityId: auditLog.entityId }).from(auditLog)
    .where(and(eq(auditLog.trialId, trialId), eq(auditLog.entity, 'probe'))).orderBy(asc(auditLog.seq))
  t.same(kept.map((r) => r.entityId), ['before', 'after'], 'nothing of the failed write is kept')
  const [trial] = rows<{ v: number }>(await app.db.execute(sql`select protocol_version as v from trials where trial_id = ${trialId}`))
  t.equal(trial!.v, 1)
})
