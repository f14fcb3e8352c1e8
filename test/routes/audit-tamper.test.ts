// What an insider with database rights does to the audit trail, and what
// GET /v1/audit/verify must then report (issue #17): a rewrite re-chained with
// recomputed hashes, rows deleted from the end, edits scattered along the
// chain, clinical rows forged, altered or deleted beside their audit rows, and
// the chains kept from before the key. The insider has the tables' owner
// rights (past the append-only triggers) but not the server's audit key.
import t from 'tap'
import { and, asc, eq, gt, sql } from 'drizzle-orm'
import { uuidv7 } from 'uuidv7'
import { adverseEventVersions, auditLog, decisions, dmcDecisions, trials, type AuditRow } from '../../db/schema.js'
import type { Tx } from '../../db/client.js'
import { auditHash, KEYED, sealUnkeyedChains, UNKEYED } from '../../src/services/audit.js'
import { bearer, build } from '../helpers/build.js'
import { createTrial, dltAe, enrolDosed, reportAe, daysAgo } from '../helpers/fixtures.js'
import { dmcDecide } from '../helpers/dosing.js'
import { asTableOwner } from '../helpers/insider.js'

const { app } = await build()

interface Break { kind: string, seq: number | null, auditId: string | null, record: { table: string, id: string } | null, problem: string }
interface Verdict { valid: boolean, checked: number, rows: number, anchor: { count: number, head: string }, breakCount: number, breaks: Break[] }

async function verify (trialId: string): Promise<Verdict> {
  const res = await app.inject({ method: 'GET', url: `/v1/audit/verify?trialId=${trialId}`, headers: bearer('safety_monitor') })
  if (res.statusCode !== 200) throw new Error(`verify ${trialId}: ${res.statusCode} ${res.body}`)
  return res.json()
}

const chainOf = async (db: typeof app.db | Tx, trialId: string): Promise<AuditRow[]> =>
  await db.select().from(auditLog).where(eq(auditLog.trialId, trialId)).orderBy(asc(auditLog.seq))

/** A trial with every kind of audited clinical row: AE versions, decisions, a DMC decision. */
async function trialWithClinicalHistory (trialId: string): Promise<{ aeId: string }> {
  await createTrial(app, trialId)
  await enrolDosed(app, trialId, 'P1', 1, 5)
  const { aeId } = await reportAe(app, trialId, dltAe('P1', daysAgo(3).date))
  const followUp = await app.inject({
    method: 'PATCH', url: `/v1/trials/${trialId}/adverse-events/${aeId}`, headers: { ...bearer('admin'), 'if-match': '"1"' }, payload: { grade: 4, reason: 'worsened' }
  })
  if (followUp.statusCode !== 200) throw new Error(followUp.body)
  await dmcDecide(app, trialId, 'continue')
  return { aeId }
}

/** The unkeyed SHA-256 an insider without the key can compute for a row: all they can recompute. */
const plainHash = (row: AuditRow) => auditHash(Buffer.alloc(0), { ...row, chain: UNKEYED })

/** Rewrites rows from `from` on as an insider would: `edit` the content, recompute every hash and link after it, move the anchor. */
async function rechain (trialId: string, from: number, edit: (row: AuditRow) => AuditRow): Promise<void> {
  await asTableOwner(app.db, async (tx) => {
    const rows = await chainOf(tx, trialId)
    let prevHash = rows[from - 2]?.hash ?? '0'.repeat(64)
    for (const row of rows.slice(from - 1)) {
      const rewritten = { ...edit(row), prevHash }
      rewritten.hash = plainHash(rewritten)
      await tx.update(auditLog).set({ after: rewritten.after, prevHash, hash: rewritten.hash, chain: rewritten.chain })
        .where(and(eq(auditLog.trialId, trialId), eq(auditLog.seq, row.seq)))
      prevHash = rewritten.hash
    }
    await tx.update(trials).set({ auditHead: prevHash }).where(eq(trials.trialId, trialId))
  })
}

t.test('an intact trail with AE versions, decisions and a DMC decision verifies', async (t) => {
  await trialWithClinicalHistory('TAMPER-0')
  const verdict = await verify('TAMPER-0')
  t.match(verdict, { valid: true, breakCount: 0, breaks: [] })
  t.equal(verdict.checked, verdict.rows)
  t.same(verdict.anchor, { count: verdict.rows, head: (await chainOf(app.db, 'TAMPER-0')).at(-1)!.hash }, 'the trial row anchors the chain\'s end')
  t.ok((await chainOf(app.db, 'TAMPER-0')).some((r) => r.entity === 'decision'), 'the decisions are in the chain')
})

t.test('a re-chained rewrite (hashes recomputed, links and anchor made to agree) is detected at every rewritten row', async (t) => {
  const trialId = 'TAMPER-1'
  const { aeId } = await trialWithClinicalHistory(trialId)
  const rows = await chainOf(app.db, trialId)
  const created = rows.find((r) => r.action === 'ae_created')!
  // The AE's first version now reads grade 1: not a DLT.
  await rechain(trialId, created.seq, (r) => r.seq === created.seq ? { ...r, after: { ...(r.after as object), grade: 1 } } : r)
  const verdict = await verify(trialId)
  t.equal(verdict.valid, false)
  t.equal(verdict.checked, created.seq - 1, 'the rows before the rewrite verify')
  const content = verdict.breaks.filter((b) => b.kind === 'content')
  t.same(content.map((b) => b.seq), rows.slice(created.seq - 1).map((r) => r.seq), 'every rewritten row is named, to the end of the chain')
  t.ok(content.every((b) => b.problem === 'content does not match its hash: recomputed without the audit key'))
  t.notOk(verdict.breaks.some((b) => b.kind === 'link' || b.kind === 'anchor'), 'the links and the anchor were made to agree')
  t.match(verdict.breaks.filter((b) => b.kind === 'clinical'), [{ seq: created.seq, record: { table: 'adverse_event_versions', id: `${aeId}/1` }, problem: /differs from its audit row/ }],
    'the AE version no longer says what its rewritten audit row says')
  t.equal(verdict.breakCount, verdict.breaks.length)
})

t.test('a rewrite re-chained as unkeyed rows (the pre-key hash) is detected at every row', async (t) => {
  const trialId = 'TAMPER-2'
  await trialWithClinicalHistory(trialId)
  const rows = await chainOf(app.db, trialId)
  await rechain(trialId, 3, (r) => ({ ...r, chain: UNKEYED }))
  const verdict = await verify(trialId)
  t.equal(verdict.valid, false)
  t.same(verdict.breaks.filter((b) => b.kind === 'unkeyed').map((b) => b.seq), rows.slice(2).map((r) => r.seq))
  t.match(verdict.breaks[0], { kind: 'unkeyed', seq: 3, problem: 'an unkeyed row after the chain was keyed (from row 1)' })
})

t.test('rows deleted from the end (a truncation) are detected against the trial\'s anchor', async (t) => {
  const trialId = 'TAMPER-3'
  await trialWithClinicalHistory(trialId)
  const rows = await chainOf(app.db, trialId)
  const n = rows.length
  await asTableOwner(app.db, async (tx) => {
    await tx.delete(auditLog).where(and(eq(auditLog.trialId, trialId), gt(auditLog.seq, n - 2)))
  })
  const verdict = await verify(trialId)
  t.equal(verdict.valid, false)
  t.equal(verdict.checked, n - 2, 'what is left verifies row by row')
  t.same(verdict.anchor.count, n)
  const anchor = verdict.breaks.find((b) => b.kind === 'anchor')
  t.match(anchor, { seq: n - 1, problem: `the chain ends at row ${n - 2} but the trial's anchor counts ${n}: rows ${n - 1} to ${n} were removed` })
  // The last two rows were the follow-up's and the DMC decision's: both clinical rows lost their audit rows.
  t.same(rows.slice(-2).map((r) => r.action), ['ae_updated', 'create'])
  t.same(verdict.breaks.filter((b) => b.kind === 'clinical').map((b) => [b.record?.table, b.problem.endsWith('has no audit row')]),
    [['adverse_event_versions', true], ['dmc_decisions', true]])
})

t.test('every break is reported with its position, not only the first', async (t) => {
  const trialId = 'TAMPER-4'
  await trialWithClinicalHistory(trialId)
  await asTableOwner(app.db, async (tx) => {
    for (const seq of [1, 3]) await tx.update(auditLog).set({ reason: 'edited' }).where(and(eq(auditLog.trialId, trialId), eq(auditLog.seq, seq)))
  })
  const verdict = await verify(trialId)
  t.same(verdict.breaks.map((b) => [b.kind, b.seq]), [['content', 1], ['content', 3]])
  t.equal(verdict.breakCount, 2)
  t.equal(verdict.checked, 0)
})

t.test('cross-check: a decision without its audit row, an altered AE version, a deleted DMC decision', async (t) => {
  const trialId = 'TAMPER-5'
  const { aeId } = await trialWithClinicalHistory(trialId)
  const [latest] = await app.db.select().from(decisions).where(eq(decisions.trialId, trialId)).orderBy(sql`${decisions.decisionId} desc`).limit(1)
  // Inserted the way the service's own user could: a "go" no write made.
  const forged = uuidv7()
  await app.db.insert(decisions).values({ ...latest!, decisionId: forged, state: 'go', action: 'escalate', nextDoseLevel: 2 })
  const [dmc] = await app.db.select().from(dmcDecisions).where(eq(dmcDecisions.trialId, trialId))
  await asTableOwner(app.db, async (tx) => {
    const [v2] = await tx.select().from(adverseEventVersions).where(and(eq(adverseEventVersions.trialId, trialId), eq(adverseEventVersions.aeId, aeId), eq(adverseEventVersions.version, 2)))
    await tx.update(adverseEventVersions).set({ snapshot: { ...(v2!.snapshot as object), grade: 2 } })
      .where(and(eq(adverseEventVersions.trialId, trialId), eq(adverseEventVersions.aeId, aeId), eq(adverseEventVersions.version, 2)))
    await tx.delete(dmcDecisions).where(eq(dmcDecisions.trialId, trialId))
  })
  const rows = await chainOf(app.db, trialId)
  const verdict = await verify(trialId)
  t.equal(verdict.valid, false)
  t.equal(verdict.checked, rows.length, 'the chain itself is intact')
  const updated = rows.find((r) => r.action === 'ae_updated')!
  const dmcRow = rows.find((r) => r.entity === 'dmc_decision')!
  t.same(verdict.breaks.map(({ kind, seq, record, problem }) => ({ kind, seq, record, problem })), [
    { kind: 'clinical', seq: updated.seq, record: { table: 'adverse_event_versions', id: `${aeId}/2` }, problem: `adverse_event_versions ${aeId}/2 differs from its audit row` },
    { kind: 'clinical', seq: null, record: { table: 'decisions', id: forged }, problem: `decisions ${forged} has no audit row` },
    { kind: 'clinical', seq: dmcRow.seq, record: { table: 'dmc_decisions', id: dmc!.dmcDecisionId }, problem: `dmc_decisions ${dmc!.dmcDecisionId} is audited but missing` }
  ])
})

t.test('a chain from before the key verifies once sealed; unsealing it again is a break', async (t) => {
  const trialId = 'TAMPER-6'
  await createTrial(app, trialId)
  await enrolDosed(app, trialId, 'P1', 1, 5)
  // As the chain stood before this version: unkeyed rows, and no audit row for the decisions.
  await asTableOwner(app.db, async (tx) => {
    const kept = (await chainOf(tx, trialId)).filter((r) => r.entity !== 'decision')
    await tx.delete(auditLog).where(eq(auditLog.trialId, trialId))
    let prevHash = '0'.repeat(64)
    for (const [i, row] of kept.entries()) {
      const legacy = { ...row, seq: i + 1, prevHash, chain: UNKEYED }
      legacy.hash = plainHash(legacy)
      await tx.insert(auditLog).values(legacy)
      prevHash = legacy.hash
    }
  })
  const legacyRows = (await chainOf(app.db, trialId)).length
  const decisionCount = (await app.db.select().from(decisions).where(eq(decisions.trialId, trialId))).length
  const unsealed = await verify(trialId)
  t.equal(unsealed.valid, false)
  t.match(unsealed.breaks[0], { kind: 'unkeyed', seq: legacyRows, problem: `no keyed row seals the unkeyed rows 1 to ${legacyRows} (chains are sealed when an instance starts)` })
  t.equal(unsealed.breaks.filter((b) => b.kind === 'clinical' && b.record?.table === 'decisions').length, decisionCount, 'the decisions of that time had no audit row')

  t.same(await sealUnkeyedChains(app.db), [trialId], 'only the unkeyed chain is sealed')
  t.same(await sealUnkeyedChains(app.db), [], 'sealing again changes nothing')
  const sealed = await chainOf(app.db, trialId)
  t.match(sealed.at(-1), { seq: legacyRows + 1, action: 'chain_keyed', actor: 'system', chain: KEYED, after: { unkeyedRows: legacyRows } })
  await enrolDosed(app, trialId, 'P2', 1, 4)
  t.match(await verify(trialId), { valid: true, breakCount: 0 }, 'unkeyed rows, the seal, keyed rows after it')

  // Re-chaining the seal and everything after it as unkeyed rows leaves no keyed row: a break.
  await rechain(trialId, legacyRows + 1, (r) => ({ ...r, chain: UNKEYED }))
  const downgraded = await verify(trialId)
  t.equal(downgraded.valid, false)
  t.ok(downgraded.breaks.some((b) => b.kind === 'unkeyed' && /no keyed row seals/.test(b.problem)))
})

/** The SQLSTATE and message a statement fails with, or 'allowed'. */
async function attempt (statement: string): Promise<string> {
  try {
    await app.db.execute(sql.raw(statement))
    return 'allowed'
  } catch (error) {
    const cause = (error as { cause?: { code?: string, message?: string } }).cause ?? (error as { code?: string, message?: string })
    return `${cause.code ?? '?'} ${cause.message ?? String(error)}`
  }
}

t.test('append-only even for the tables\' owner (the service\'s user with MIGRATE_ON_START=true)', async (t) => {
  await trialWithClinicalHistory('TAMPER-7')
  const where = 'where trial_id = \'TAMPER-7\''
  for (const table of ['adverse_event_versions', 'decisions', 'dmc_decisions', 'audit_log', 'protocol_versions']) {
    const column = table === 'protocol_versions' || table === 'audit_log' ? 'reason' : table === 'decisions' ? 'state' : table === 'dmc_decisions' ? 'rationale' : 'reason'
    t.equal(await attempt(`update ${table} set ${column} = 'rewritten' ${where}`), `42501 ${table} is append-only: UPDATE refused`)
    t.equal(await attempt(`delete from ${table} ${where}`), `42501 ${table} is append-only: DELETE refused`)
    t.equal(await attempt(`truncate ${table} cascade`), `42501 ${table} is append-only: TRUNCATE refused`)
  }
  t.equal(await attempt(`update trials set title = 'Renamed' ${where}`), 'allowed', 'the trial row (and its anchor) stays updatable')
  t.match(await verify('TAMPER-7'), { valid: true })
})
