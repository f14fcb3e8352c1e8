import type { Db, Queryable } from '../../db/client.js'
import type { AdverseEventVersionRow, AuditRow, DmcDecisionRow } from '../../db/schema.js'
import { readAeVersionsPage, readAuditPage, readChainAnchor, readDmcDecisions } from '../../db/repos/audit.js'
import { readDecisionsPage } from '../../db/repos/decisions.js'
import { canonicalJson } from '../lib/canonical-json.js'
import type { AuditBreak, AuditVerdict } from '../schemas/audit.js'
import { auditHash, auditKeyOf, decisionDigest, GENESIS, isoInstant, KEYED, SEAL_ACTION, sha256, UNKEYED } from './audit.js'

const PAGE = 1000
/** Breaks listed in one verdict at most; `breakCount` counts them all. */
export const MAX_LISTED_BREAKS = 1000

const AE_ACTIONS = new Set(['ae_created', 'ae_updated', 'ae_nullified', 'ae_adjudicated'])

/** What an audit row says of a clinical row, digested, and where the chain says it. */
interface Vouched { seq: number, auditId: string, digest: string }

// The content of a clinical row and of its audit row, in one form: equal digests, same content.
const aeVersionDigest = (v: Pick<AdverseEventVersionRow, 'snapshot' | 'changedBy' | 'role' | 'reason' | 'correction' | 'changedAt'>) =>
  sha256(canonicalJson({ snapshot: v.snapshot, changedBy: v.changedBy, role: v.role, reason: v.reason ?? null, correction: v.correction, changedAt: isoInstant(v.changedAt) }))
// An audit row's `after` is whatever was stored: a malformed one differs, it does not stop the verification.
const dmcDigest = (d: Partial<DmcDecisionRow> | null) => {
  const signedAt = Date.parse(String(d?.signedAt))
  return sha256(canonicalJson({ ...d, signedAt: Number.isNaN(signedAt) ? d?.signedAt : new Date(signedAt).toISOString() }))
}

/** The AE version an AE's audit row vouches for: its `after` is the AE as it then stood, plus what the write added. */
function aeVersionOf (row: AuditRow): { key: string, digest: string } | null {
  const after = row.after as Record<string, unknown> | null
  if (!AE_ACTIONS.has(row.action) || after === null || typeof after.version !== 'number') return null
  const { correction, adjudication: _, ...snapshot } = after
  return {
    key: `${row.entityId} ${after.version}`,
    digest: aeVersionDigest({ snapshot, changedBy: row.actor, role: row.role, reason: row.reason, correction: correction === true, changedAt: row.at })
  }
}

/**
 * Verifies a trial's audit trail and reports every break with its position:
 * each row's hash (HMAC for keyed rows) and link to its predecessor, the
 * sequence, that unkeyed rows (from before the key) only precede keyed ones,
 * the chain's end against the anchor on the trial row (rows deleted from the
 * end), and the clinical tables against their audit rows: every AE version,
 * decision and DMC decision must have the audit row written with it, saying
 * the same, and every such audit row its clinical row.
 */
export async function verifyChain (db: Db, trialId: string): Promise<AuditVerdict> {
  const key = auditKeyOf(db)
  // One snapshot: a write committed meanwhile would otherwise move the anchor past the rows read.
  return await db.transaction(async (tx) => await verifyInSnapshot(tx, key, trialId), { isolationLevel: 'repeatable read', accessMode: 'read only' })
}

async function verifyInSnapshot (db: Queryable, key: Buffer, trialId: string): Promise<AuditVerdict> {
  const breaks: AuditBreak[] = []
  let breakCount = 0
  const report = (b: AuditBreak) => {
    breakCount++
    if (breaks.length < MAX_LISTED_BREAKS) breaks.push(b)
  }
  const aeAudits = new Map<string, Vouched>()
  const decisionAudits = new Map<string, Vouched>()
  const dmcAudits = new Map<string, Vouched>()

  let last = GENESIS
  let checked = 0
  let intact = true
  let rows = 0
  let keyedFrom: number | null = null
  for (let afterSeq = 0; ;) {
    const page = await readAuditPage(db, { trialId, afterSeq }, PAGE)
    for (const row of page) {
      const at = { seq: row.seq, auditId: row.auditId, record: null }
      const before = breakCount
      if (row.seq !== last.seq + 1) {
        report({ kind: 'sequence', seq: last.seq + 1, auditId: null, record: null, problem: `rows ${last.seq + 1} to ${row.seq - 1} are missing` })
      }
      if (row.prevHash !== last.hash) report({ ...at, kind: 'link', problem: 'prevHash does not match the previous row' })
      if (row.chain === KEYED) {
        keyedFrom ??= row.seq
        if (auditHash(key, row) !== row.hash) {
          const plain = auditHash(key, { ...row, chain: UNKEYED }) === row.hash
          report({ ...at, kind: 'content', problem: plain ? 'content does not match its hash: recomputed without the audit key' : 'content does not match its hash' })
        }
      } else if (keyedFrom !== null) {
        report({ ...at, kind: 'unkeyed', problem: `an unkeyed row after the chain was keyed (from row ${keyedFrom})` })
      } else if (auditHash(key, row) !== row.hash) {
        report({ ...at, kind: 'content', problem: 'content does not match its hash' })
      }
      if (breakCount > before) intact = false
      if (intact) checked++
      rows++
      vouch(row, aeAudits, decisionAudits, dmcAudits)
      last = { seq: row.seq, hash: row.hash }
      afterSeq = row.seq
    }
    if (page.length < PAGE) break
  }
  if (rows > 0 && keyedFrom === null) {
    report({ kind: 'unkeyed', seq: last.seq, auditId: null, record: null, problem: `no keyed row seals the unkeyed rows 1 to ${last.seq} (chains are sealed when an instance starts)` })
  }

  const anchor = (await readChainAnchor(db, trialId))!
  if (anchor.count > last.seq) {
    report({ kind: 'anchor', seq: last.seq + 1, auditId: null, record: null, problem: `the chain ends at row ${last.seq} but the trial's anchor counts ${anchor.count}: rows ${last.seq + 1} to ${anchor.count} were removed` })
  } else if (anchor.count < last.seq) {
    report({ kind: 'anchor', seq: anchor.count + 1, auditId: null, record: null, problem: `rows ${anchor.count + 1} to ${last.seq} are past the trial's anchor (${anchor.count}): not appended by the service` })
  } else if (anchor.head !== last.hash) {
    report({ kind: 'anchor', seq: last.seq, auditId: null, record: null, problem: 'the last row\'s hash is not the one the trial anchored' })
  }

  await crossCheck(db, trialId, { aeAudits, decisionAudits, dmcAudits }, report)
  return {
    trialId,
    valid: breakCount === 0,
    checked,
    rows,
    anchor,
    firstBroken: breaks[0] === undefined ? null : { seq: breaks[0].seq, auditId: breaks[0].auditId, problem: breaks[0].problem },
    breakCount,
    breaks
  }
}

/** Files what an audit row vouches for, by the clinical row it names. */
function vouch (row: AuditRow, ae: Map<string, Vouched>, decisions: Map<string, Vouched>, dmc: Map<string, Vouched>): void {
  const at = { seq: row.seq, auditId: row.auditId }
  if (row.entity === 'adverse_event') {
    const version = aeVersionOf(row)
    if (version !== null) ae.set(version.key, { ...at, digest: version.digest })
  } else if (row.entity === 'decision' && row.action === 'decide') {
    decisions.set(row.entityId, { ...at, digest: String((row.after as { digest?: unknown } | null)?.digest) })
  } else if (row.action === SEAL_ACTION && row.chain === KEYED) {
    // The decisions recorded before the chain was keyed, listed by the keyed row that sealed it.
    for (const d of (row.after as { decisions?: Array<{ decisionId: string, digest: string }> }).decisions ?? []) decisions.set(d.decisionId, { ...at, digest: d.digest })
  } else if (row.entity === 'dmc_decision' && row.action === 'create') {
    dmc.set(row.entityId, { ...at, digest: dmcDigest(row.after as Partial<DmcDecisionRow> | null) })
  }
}

interface Vouchers { aeAudits: Map<string, Vouched>, decisionAudits: Map<string, Vouched>, dmcAudits: Map<string, Vouched> }

async function crossCheck (db: Queryable, trialId: string, v: Vouchers, report: (b: AuditBreak) => void): Promise<void> {
  const compare = (table: string, id: string, digest: string, vouchers: Map<string, Vouched>, key = id) => {
    const audit = vouchers.get(key)
    vouchers.delete(key)
    if (audit === undefined) {
      report({ kind: 'clinical', seq: null, auditId: null, record: { table, id }, problem: `${table} ${id} has no audit row` })
    } else if (audit.digest !== digest) {
      report({ kind: 'clinical', seq: audit.seq, auditId: audit.auditId, record: { table, id }, problem: `${table} ${id} differs from its audit row` })
    }
  }
  for (let after: [string, number] | undefined; ;) {
    const page = await readAeVersionsPage(db, trialId, after, PAGE)
    for (const version of page) {
      compare('adverse_event_versions', `${version.aeId}/${version.version}`, aeVersionDigest(version), v.aeAudits, `${version.aeId} ${version.version}`)
    }
    if (page.length < PAGE) break
    after = [page.at(-1)!.aeId, page.at(-1)!.version]
  }
  for (let before: string | undefined; ;) {
    const page = await readDecisionsPage(db, trialId, before, PAGE)
    for (const decision of page) compare('decisions', decision.decisionId, decisionDigest(decision), v.decisionAudits)
    if (page.length < PAGE) break
    before = page.at(-1)!.decisionId
  }
  for (const dmc of await readDmcDecisions(db, trialId)) compare('dmc_decisions', dmc.dmcDecisionId, dmcDigest(dmc), v.dmcAudits)
  // What is left was audited but is no longer there.
  const missing = (table: string, vouchers: Map<string, Vouched>, id: (key: string) => string = (k) => k) => {
    for (const [key, audit] of vouchers) {
      report({ kind: 'clinical', seq: audit.seq, auditId: audit.auditId, record: { table, id: id(key) }, problem: `${table} ${id(key)} is audited but missing` })
    }
  }
  missing('adverse_event_versions', v.aeAudits, (k) => k.replace(' ', '/'))
  missing('decisions', v.decisionAudits)
  missing('dmc_decisions', v.dmcAudits)
}
