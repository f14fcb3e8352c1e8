import { createHash, createHmac } from 'node:crypto'
import { uuidv7 } from 'uuidv7'
import type { AuditRow, DecisionRow } from '../../db/schema.js'
import type { Db } from '../../db/client.js'
import { insertAuditRow, readChainHead, readUnkeyedChains } from '../../db/repos/audit.js'
import { readDecisionsPage } from '../../db/repos/decisions.js'
import { lockTrialId } from '../../db/repos/trials.js'
import { sendWrite, type Write } from '../../db/repos/writes.js'
import { canonicalJson } from '../lib/canonical-json.js'
import { pipelinedTransaction, type Pipeline } from './pipeline.js'

export interface AuditEntry {
  action: string
  entity: string
  entityId: string
  before?: unknown
  after?: unknown
  reason?: string | null
}

/** Who an audit row names: a token's subject and role, or the service itself (SYSTEM). */
export interface Actor { sub: string, role: string }

/** The service acting on its own: decisions that elapsed time made, the sealing of unkeyed chains. */
export const SYSTEM: Actor = { sub: 'system', role: 'system' }

export const GENESIS_HASH = '0'.repeat(64)

/** How a row's hash is made (audit_log.chain): SHA-256 before the chain was keyed, HMAC-SHA256 with the audit key since. */
export const UNKEYED = 1
export const KEYED = 2

const keys = new WeakMap<Db, Buffer>()

/** Registers the key that the audit chains on this database are keyed with (the app does, at start). */
export function useAuditKey (db: Db, key: Buffer): void {
  keys.set(db, key)
}

/** The audit key registered for this database. */
export function auditKeyOf (db: Db): Buffer {
  const key = keys.get(db)
  if (key === undefined) throw new Error('no audit key is registered for this database (useAuditKey)')
  return key
}

/** Timestamps come back from PostgreSQL in its own format: hash the instant, not the spelling. */
export const isoInstant = (at: string): string => new Date(at).toISOString()

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

/**
 * The row's hash over its content and the previous row's hash: the trial's
 * chain. A keyed row (chain 2) is an HMAC that only the holder of the audit
 * key can recompute, so a rewrite made with database rights alone, however
 * carefully re-chained, no longer verifies.
 */
export function auditHash (key: Buffer, row: Omit<AuditRow, 'hash' | 'auditId'>): string {
  const content = {
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
  }
  if (row.chain !== KEYED) return sha256(canonicalJson(content))
  return createHmac('sha256', key).update(canonicalJson({ ...content, chain: KEYED })).digest('hex')
}

/** The last link of a trial's chain: what the next row points back to. */
export interface ChainHead { seq: number, hash: string }

export const GENESIS: ChainHead = { seq: 0, hash: GENESIS_HASH }

export const parseChainHead = (head: string | null): ChainHead => {
  if (head === null) return GENESIS
  const [seq, hash] = head.split(' ')
  return { seq: Number(seq), hash: hash! }
}

/** The next (keyed) row of the chain after `head`, and the new head. */
export function chainRow (key: Buffer, trialId: string, actor: Actor, entry: AuditEntry, at: string, head: ChainHead) {
  const row = {
    trialId,
    seq: head.seq + 1,
    at,
    actor: actor.sub,
    role: actor.role,
    action: entry.action,
    entity: entry.entity,
    entityId: entry.entityId,
    before: entry.before ?? null,
    after: entry.after ?? null,
    reason: entry.reason ?? null,
    prevHash: head.hash,
    chain: KEYED
  }
  const hash = auditHash(key, row)
  return { row: { ...row, auditId: uuidv7(), hash }, head: { seq: row.seq, hash } }
}

/** Appends audit rows to a trial's chain inside a transaction (the pipeline's). */
export interface Auditor {
  /** the statement that appends the entry, for the caller to send with its other writes */
  statement: (entry: AuditEntry) => Write
  /** appends the entry (a deferred write) */
  audit: (entry: AuditEntry) => void
}

/**
 * The trial's chain from `head` on, for a transaction that holds the trial's
 * lock and read `head` under it: the chain has no forks, and a rejected write
 * leaves no audit behind.
 */
export function auditor (pipeline: Pipeline, key: Buffer, trialId: string, actor: Actor, at: string, head: ChainHead): Auditor {
  const statement = (entry: AuditEntry) => {
    const next = chainRow(key, trialId, actor, entry, at, head)
    head = next.head
    return insertAuditRow(next.row)
  }
  return { statement, audit: (entry) => { pipeline.defer(sendWrite(pipeline.tx, statement(entry))) } }
}

/** The decision as stored, digested: its audit row keeps the digest, GET /v1/audit/verify recomputes it. */
export const decisionDigest = (d: Omit<DecisionRow, 'nextDoseLevel'> & { nextDoseLevel?: number | null | undefined }): string => sha256(canonicalJson({
  trialId: d.trialId,
  decisionId: d.decisionId,
  at: isoInstant(d.at),
  trigger: d.trigger,
  protocolVersion: d.protocolVersion,
  state: d.state,
  action: d.action,
  nextDoseLevel: d.nextDoseLevel ?? null,
  snapshot: d.snapshot,
  serviceVersion: d.serviceVersion
}))

/** The audit entry of a decision the status engine recorded. */
export const decisionEntry = (d: Parameters<typeof decisionDigest>[0]): AuditEntry => ({
  action: 'decide',
  entity: 'decision',
  entityId: d.decisionId,
  after: { state: d.state, action: d.action, nextDoseLevel: d.nextDoseLevel ?? null, digest: decisionDigest(d) }
})

export const SEAL_ACTION = 'chain_keyed'

/**
 * Seals the chains that end in an unkeyed row (trials untouched since the
 * chain was keyed): a keyed row is appended whose HMAC covers the last
 * unkeyed hash, so the unkeyed rows before it can no longer be rewritten
 * either, and which lists the trial's decisions of that time (they had no
 * audit rows then) with their digests. A chain that ends unkeyed is a break
 * for GET /v1/audit/verify: without the seal, a rewrite of every keyed row
 * as unkeyed rows would pass. Run at start; idempotent, safe with several
 * instances (each trial is re-checked under its lock).
 */
export async function sealUnkeyedChains (db: Db): Promise<string[]> {
  const sealed: string[] = []
  for (const trialId of await readUnkeyedChains(db)) {
    const done = await pipelinedTransaction(db, async (pipeline) => {
      const [, head, unkeyed] = await Promise.all([
        lockTrialId(pipeline.tx, trialId),
        readChainHead(pipeline.tx, trialId),
        readUnkeyedChains(pipeline.tx, trialId)
      ])
      if (unkeyed.length === 0) return false
      const decisions: Array<{ decisionId: string, digest: string }> = []
      for (let before: string | undefined; ;) {
        const page = await readDecisionsPage(pipeline.tx, trialId, before, 1000)
        decisions.push(...page.map((d) => ({ decisionId: d.decisionId, digest: decisionDigest(d) })))
        if (page.length < 1000) break
        before = page.at(-1)!.decisionId
      }
      const chain = parseChainHead(head)
      auditor(pipeline, auditKeyOf(db), trialId, SYSTEM, new Date().toISOString(), chain)
        .audit({ action: SEAL_ACTION, entity: 'audit', entityId: trialId, after: { unkeyedRows: chain.seq, decisions } })
      return true
    })
    if (done) sealed.push(trialId)
  }
  return sealed
}
