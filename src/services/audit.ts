import { createHash } from 'node:crypto'
import { uuidv7 } from 'uuidv7'
import type { AuditRow } from '../../db/schema.js'
import type { Queryable, Tx } from '../../db/client.js'
import { insertAuditRowNow, readAuditPage, readChainHead } from '../../db/repos/audit.js'
import { canonicalJson } from '../lib/canonical-json.js'
import type { Principal } from '../auth/roles.js'

export interface AuditEntry {
  action: string
  entity: string
  entityId: string
  before?: unknown
  after?: unknown
  reason?: string | null
}

export const GENESIS_HASH = '0'.repeat(64)

/** Timestamps come back from PostgreSQL in its own format: hash the instant, not the spelling. */
const isoInstant = (at: string) => new Date(at).toISOString()

/** SHA-256 over the row's content and the previous row's hash: the trial's tamper-evident chain. */
export function auditHash (row: Omit<AuditRow, 'hash' | 'auditId'>): string {
  return createHash('sha256').update(canonicalJson({
    trialId: row.trialId,
    seq: row.seq,
    at: isoInstant(row.at),
    actor: row.actor,
    role: row.role,
    action: row.action,
    entity: row.entity,
    entityId: row.entityId,
    before: row.before ?? null,
    after: row.after ?? null,
    reason: row.reason ?? null,
    prevHash: row.prevHash
  })).digest('hex')
}

/** The last link of a trial's chain: what the next row points back to. */
export interface ChainHead { seq: number, hash: string }

export const GENESIS: ChainHead = { seq: 0, hash: GENESIS_HASH }

export const parseChainHead = (head: string | null): ChainHead => {
  if (head === null) return GENESIS
  const [seq, hash] = head.split(' ')
  return { seq: Number(seq), hash: hash! }
}

/** The next row of the chain after `head`, and the new head. */
export function chainRow (trialId: string, principal: Principal, entry: AuditEntry, at: string, head: ChainHead) {
  const row = {
    trialId,
    seq: head.seq + 1,
    at,
    actor: principal.sub,
    role: principal.role,
    action: entry.action,
    entity: entry.entity,
    entityId: entry.entityId,
    before: entry.before ?? null,
    after: entry.after ?? null,
    reason: entry.reason ?? null,
    prevHash: head.hash
  }
  const hash = auditHash(row)
  return { row: { ...row, auditId: uuidv7(), hash }, head: { seq: row.seq, hash } }
}

/**
 * Appends one audit row to a new trial's chain (its first write, before the
 * trial row can be locked). Every later write goes through clinicalWrite,
 * which reads the chain head with the trial's lock, so the chain has no forks
 * and a rejected write leaves no audit behind.
 */
export async function appendAudit (tx: Tx, trialId: string, principal: Principal, entry: AuditEntry, at = new Date().toISOString()): Promise<void> {
  const head = await readChainHead(tx, trialId)
  await insertAuditRowNow(tx, chainRow(trialId, principal, entry, at, parseChainHead(head)).row)
}

export interface ChainVerdict {
  trialId: string
  valid: boolean
  checked: number
  firstBroken: { seq: number, auditId: string, problem: string } | null
}

/** Recomputes a trial's chain in pages and names the first row whose hash or link does not hold. */
export async function verifyChain (db: Queryable, trialId: string): Promise<ChainVerdict> {
  let prevHash = GENESIS_HASH
  let checked = 0
  let after = 0
  for (;;) {
    const page = await readAuditPage(db, { trialId, afterSeq: after }, 1000)
    for (const row of page) {
      const problem = row.seq !== checked + 1
        ? `sequence gap: expected ${checked + 1}`
        : row.prevHash !== prevHash
          ? 'prevHash does not match the previous row'
          : auditHash(row) !== row.hash ? 'content does not match its hash' : null
      if (problem !== null) return { trialId, valid: false, checked, firstBroken: { seq: row.seq, auditId: row.auditId, problem } }
      prevHash = row.hash
      checked++
      after = row.seq
    }
    if (page.length < 1000) return { trialId, valid: true, checked, firstBroken: null }
  }
}
