// Parallel-group trials without dose escalation: only the protocol's stopping
// rules (evaluated elsewhere) act, so the design itself opens no level.
import type { DecisionTableRow, DesignDecision } from './types.js'

export type NoneParams = Record<string, never>

export function decideNone (): DesignDecision {
  return { action: 'stay', nextDoseLevel: null, eliminated: [], reasons: ['no escalation design: stopping rules only'] }
}

export function noneDecisionTable (maxN: number): DecisionTableRow[] {
  return Array.from({ length: maxN }, (_, i) => ({ n: i + 1, escalateIfDltsAtMost: null, deEscalateIfDltsAtLeast: null, eliminateIfDltsAtLeast: null }))
}
