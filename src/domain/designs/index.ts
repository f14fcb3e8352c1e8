// One entry point for every dose-escalation design named in the protocol's
// `design` object (contract: "Design parameters").
import { boinDecisionTable, decideBoin, type BoinParams } from './boin.js'
import { crmDecisionTable, decideCrm, type CrmParams } from './crm.js'
import { decideI3plus3, i3plus3DecisionTable, type I3plus3Params } from './i3plus3.js'
import { decideMtpi2, mtpi2DecisionTable, type Mtpi2Params } from './mtpi2.js'
import { decideNone, noneDecisionTable } from './none.js'
import { decideRolling6, rolling6DecisionTable, type Rolling6Params } from './rolling6.js'
import { decideThreePlusThree, threePlusThreeDecisionTable, type ThreePlusThreeParams } from './three-plus-three.js'
import type { DecisionTableRow, DesignDecision, DesignInput } from './types.js'

export type DesignParams =
  | ({ type: '3+3' } & ThreePlusThreeParams)
  | ({ type: 'rolling6' } & Rolling6Params)
  | ({ type: 'boin' } & BoinParams)
  | ({ type: 'mtpi2' } & Mtpi2Params)
  | ({ type: 'i3+3' } & I3plus3Params)
  | ({ type: 'crm' } & CrmParams)
  | { type: 'none' }

export type DesignType = DesignParams['type']

export function decide (params: DesignParams, input: DesignInput): DesignDecision {
  switch (params.type) {
    case '3+3': return decideThreePlusThree(params, input)
    case 'rolling6': return decideRolling6(input)
    case 'boin': return decideBoin(params, input)
    case 'mtpi2': return decideMtpi2(params, input)
    case 'i3+3': return decideI3plus3(params, input)
    case 'crm': return decideCrm(params, input)
    case 'none': return decideNone()
  }
}

/**
 * The design's decision table for n = 1 up to maxN (default: the design's
 * maximum sample size, else 30); the rule-based designs list the sample sizes
 * their rules name (3+3: 3 and 6; rolling six: 2 to 6). For CRM the rows are
 * for participants at the start level with no other data; doseLevels (default
 * 1..number of skeleton values) places the start level.
 */
export function decisionTable (params: DesignParams, maxN?: number, doseLevels?: number[]): { design: string, rows: DecisionTableRow[] } {
  const n = maxN ?? ('maxSampleSize' in params && params.maxSampleSize !== undefined ? params.maxSampleSize : 30)
  const rows = ((): DecisionTableRow[] => {
    switch (params.type) {
      case '3+3': return threePlusThreeDecisionTable(params)
      case 'rolling6': return rolling6DecisionTable()
      case 'boin': return boinDecisionTable(params, n)
      case 'mtpi2': return mtpi2DecisionTable(params, n)
      case 'i3+3': return i3plus3DecisionTable(params, n)
      case 'crm': return crmDecisionTable(params, n, doseLevels)
      case 'none': return noneDecisionTable(n)
    }
  })()
  return { design: params.type, rows }
}
