// The protocol document (contract: "Protocol document", "Design parameters"):
// the zod schema with structural bounds, plus the semantic checks a trial
// statistician applies before a protocol version may drive dose decisions.
//
// Error paths are JSON Pointers (RFC 6901): '' is the document itself,
// '/design/targetToxicity', '/doseLevels/1/level'; '~' and '/' inside a key
// are escaped as '~0' and '~1'. An unknown key is reported at its own path
// ('/design/foo') with the message 'unknown field'.
//
// Design-parameter defaults (phi1, epsilon1, ...) are left absent here and
// applied by the design engines, so a stored protocol stays as it was written.
// Stopping-rule defaults are applied here (id, prior, attributions, action).
import { z } from 'zod'

const MAX_LEVEL = 99
const idPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

import { ATTRIBUTIONS, type Attribution } from './vocabulary.js'

export type { Attribution }
const attribution = z.enum(ATTRIBUTIONS)

const RELATED: Attribution[] = ['possible', 'probable', 'definite']

const text = (max: number) => z.string().trim().min(1).max(max)
const probability = z.number().gt(0).lt(1)
const grade = z.number().int().min(1).max(5)
const posInt = (max: number) => z.number().int().min(1).max(max)
const hours = z.number().min(0).max(24 * 366)
const uniqueList = <T extends z.ZodType>(item: T, max: number) =>
  z.array(item).min(1).max(max).superRefine((list, ctx) => {
    const seen = new Set<unknown>()
    list.forEach((v, i) => {
      if (seen.has(v)) ctx.addIssue({ code: 'custom', path: [i], message: `duplicate value ${String(v)}` })
      seen.add(v)
    })
  })
const attributionList = uniqueList(attribution, 5)

const doseLevelSchema = z.strictObject({
  level: z.number().int().min(0).max(MAX_LEVEL),
  label: text(200),
  dose: z.strictObject({ value: z.number().min(0).max(1e30), unit: text(32) }).optional()
})

const armSchema = z.strictObject({
  armId: z.string().regex(idPattern, 'armId must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  label: text(200),
  doseLevel: z.number().int().min(0).max(MAX_LEVEL)
})

// What an AE must be to match an entry: any listed term, MedDRA code or SOC.
const selector = {
  terms: uniqueList(text(200), 100).optional(),
  meddraCodes: uniqueList(z.string().regex(/^\d{8}$/, 'MedDRA code must be 8 digits'), 100).optional(),
  socs: uniqueList(text(200), 50).optional()
}
type Selector = { terms?: string[], meddraCodes?: string[], socs?: string[] }
const hasSelector = (s: Selector) => s.terms !== undefined || s.meddraCodes !== undefined || s.socs !== undefined

const concurrentSchema = z.strictObject({ ...selector, minGrade: grade }).superRefine((c, ctx) => {
  if (!hasSelector(c)) ctx.addIssue({ code: 'custom', path: [], message: 'withConcurrent needs at least one of terms, meddraCodes, socs' })
})

const criteriaSchema = z.strictObject({
  ...selector,
  grade: grade.optional(),
  minGrade: grade.optional(),
  attributions: attributionList.optional(),
  maxDurationHours: hours.optional(),
  minDurationHours: hours.optional(),
  withConcurrent: concurrentSchema.optional()
}).superRefine((c, ctx) => {
  if (c.grade !== undefined && c.minGrade !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['minGrade'], message: 'give either grade or minGrade, not both' })
  }
  if (c.minDurationHours !== undefined && c.maxDurationHours !== undefined && c.minDurationHours > c.maxDurationHours) {
    ctx.addIssue({ code: 'custom', path: ['minDurationHours'], message: 'minDurationHours must not exceed maxDurationHours' })
  }
})
export type DltCriteria = z.output<typeof criteriaSchema>

// Exclusions and inclusions must name what they apply to; an alwaysDlt entry
// may instead be a grade alone (contract example: "any related grade 5").
const needsSelector = (kind: string) => (list: DltCriteria[], ctx: z.RefinementCtx) => {
  list.forEach((c, i) => {
    if (!hasSelector(c)) ctx.addIssue({ code: 'custom', path: [i], message: `${kind} entry needs at least one of terms, meddraCodes, socs` })
  })
}

const dltDefinitionSchema = z.strictObject({
  windowDays: posInt(365),
  windowStart: z.enum(['first_administration', 'each_administration']),
  minGrade: grade,
  attributions: attributionList,
  requireClinicalSymptoms: z.boolean().optional(),
  requireMedicalTreatment: z.boolean().optional(),
  exclusions: z.array(criteriaSchema).max(100).superRefine(needsSelector('exclusion')).optional(),
  inclusions: z.array(criteriaSchema).max(100).superRefine(needsSelector('inclusion')).optional(),
  alwaysDlt: z.array(criteriaSchema).max(100).superRefine((list, ctx) => {
    list.forEach((c, i) => {
      if (!hasSelector(c) && c.grade === undefined && c.minGrade === undefined) {
        ctx.addIssue({ code: 'custom', path: [i], message: 'alwaysDlt entry needs terms, meddraCodes, socs, grade or minGrade' })
      }
    })
  }).optional()
})
export type DltDefinition = z.output<typeof dltDefinitionSchema>

const sentinelSchema = z.strictObject({ participants: posInt(12), days: posInt(90) })
const level = z.number().int().min(1).max(MAX_LEVEL)
const cohortSize = posInt(12)
const maxSampleSize = posInt(1000)
const common = { startDoseLevel: level, sentinel: sentinelSchema.optional(), maxSampleSize: maxSampleSize.optional() }
const boundedInterval = { epsilon1: probability.optional(), epsilon2: probability.optional(), eliminationCutoff: probability.optional() }

const designSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('3+3'), ...common, cohortSize: z.literal(3).optional(), allowDeEscalation: z.boolean().optional() }),
  z.strictObject({ type: z.literal('rolling6'), ...common }),
  z.strictObject({
    type: z.literal('boin'),
    ...common,
    cohortSize,
    targetToxicity: probability,
    phi1: probability.optional(),
    phi2: probability.optional(),
    eliminationCutoff: probability.optional(),
    nEarlyStop: posInt(1000).optional()
  }),
  z.strictObject({ type: z.literal('mtpi2'), ...common, cohortSize, targetToxicity: probability, ...boundedInterval }),
  z.strictObject({ type: z.literal('i3+3'), ...common, cohortSize, targetToxicity: probability, ...boundedInterval }),
  z.strictObject({
    type: z.literal('crm'),
    ...common,
    cohortSize,
    targetToxicity: probability,
    skeleton: z.array(probability).min(1).max(50),
    model: z.enum(['empiric', 'logistic']).optional(),
    priorVariance: z.number().gt(0).max(100).optional(),
    intercept: z.number().min(-100).max(100).optional(),
    noSkipEscalation: z.boolean().optional(),
    safetyStop: z.strictObject({ threshold: probability, probability }).optional()
  }),
  z.strictObject({ type: z.literal('none'), sentinel: sentinelSchema.optional() })
]).superRefine((d, ctx) => {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message })
  if (d.type === 'none') return
  const size = d.type === '3+3' ? 3 : d.type === 'rolling6' ? 6 : d.cohortSize
  if (d.maxSampleSize !== undefined && d.maxSampleSize < size) issue('maxSampleSize', `maxSampleSize must be at least the cohort size ${size}`)
  if (d.sentinel !== undefined && d.sentinel.participants > size) issue('sentinel', `sentinel participants must not exceed the cohort size ${size}`)
  if (d.type === 'boin') {
    const phi1 = d.phi1 ?? 0.6 * d.targetToxicity
    const phi2 = d.phi2 ?? 1.4 * d.targetToxicity
    if (!(phi1 < d.targetToxicity)) issue('phi1', `phi1 ${phi1} must be below targetToxicity ${d.targetToxicity}`)
    if (!(phi2 > d.targetToxicity && phi2 < 1)) issue('phi2', `phi2 ${phi2} must be above targetToxicity ${d.targetToxicity} and below 1`)
    if (d.nEarlyStop !== undefined && d.maxSampleSize !== undefined && d.nEarlyStop > d.maxSampleSize) issue('nEarlyStop', 'nEarlyStop must not exceed maxSampleSize')
  }
  if (d.type === 'mtpi2' || d.type === 'i3+3') {
    const lo = d.targetToxicity - (d.epsilon1 ?? 0.05)
    const hi = d.targetToxicity + (d.epsilon2 ?? 0.05)
    if (!(lo > 0)) issue('epsilon1', `targetToxicity - epsilon1 = ${lo} must be above 0`)
    if (!(hi < 1)) issue('epsilon2', `targetToxicity + epsilon2 = ${hi} must be below 1`)
  }
  if (d.type === 'crm') {
    d.skeleton.forEach((p, i) => {
      if (i > 0 && !(p > d.skeleton[i - 1]!)) ctx.addIssue({ code: 'custom', path: ['skeleton', i], message: 'skeleton must be strictly increasing' })
    })
    if (d.intercept !== undefined && d.model !== 'logistic') issue('intercept', 'intercept applies to the logistic model only')
  }
}, { when: (payload) => payload.issues.length === 0 }) // derived checks on out-of-range values would only add noise
export type DesignProtocol = z.output<typeof designSchema>

const action = z.enum(['stop_escalation', 'halt_trial'])
const scope = z.enum(['dose_level', 'trial'])
const ruleId = { id: z.string().regex(idPattern, 'id must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$').optional() }

const stoppingRuleSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('dlt_rate_above'), ...ruleId, threshold: probability, minEvaluable: posInt(1000), scope, action }),
  z.strictObject({ type: z.literal('related_sae'), ...ruleId, attributions: attributionList, action }),
  z.strictObject({ type: z.literal('grade5_related'), ...ruleId, attributions: attributionList.default(RELATED), action }),
  z.strictObject({
    type: z.literal('posterior_toxicity_above'),
    ...ruleId,
    theta: probability,
    cutoff: probability,
    prior: z.strictObject({ a: z.number().gt(0).max(1000), b: z.number().gt(0).max(1000) }).default({ a: 1, b: 1 }),
    minEvaluable: posInt(1000).optional(),
    scope,
    action
  }),
  z.strictObject({ type: z.literal('max_sample_size'), ...ruleId, n: posInt(10000), action: z.enum(['complete', 'stop_escalation', 'halt_trial']).default('complete') })
])

// Every rule gets an id: its own, else its type, else `${type}#${index}` when
// the type occurs more than once (index = position in stoppingRules).
const stoppingRulesSchema = z.array(stoppingRuleSchema).max(50).transform((rules) => {
  const perType = new Map<string, number>()
  for (const r of rules) perType.set(r.type, (perType.get(r.type) ?? 0) + 1)
  return rules.map((r, i) => ({ ...r, id: r.id ?? (perType.get(r.type) === 1 ? r.type : `${r.type}#${i}`) }))
}).superRefine((rules, ctx) => {
  const seen = new Set<string>()
  rules.forEach((r, i) => {
    if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate stopping rule id ${r.id}` })
    seen.add(r.id)
  })
})
export type StoppingRule = z.output<typeof stoppingRulesSchema>[number]

const doseLevelsSchema = z.array(doseLevelSchema).min(1).max(MAX_LEVEL + 1).superRefine((levels, ctx) => {
  const seen = new Set<number>()
  levels.forEach((d, i) => {
    if (seen.has(d.level)) ctx.addIssue({ code: 'custom', path: [i, 'level'], message: `duplicate dose level ${d.level}` })
    seen.add(d.level)
  })
  const top = Math.max(...seen)
  const missing = Array.from({ length: top }, (_, i) => i + 1).filter((l) => !seen.has(l))
  if (missing.length > 0) {
    ctx.addIssue({ code: 'custom', path: [], message: `escalation dose levels must be contiguous from 1; missing ${missing.join(', ')}` })
  }
})

const armsSchema = z.array(armSchema).min(1).max(50).optional()

type CrossParts = {
  doseLevels: { level: number }[]
  arms?: { armId: string, doseLevel: number }[] | undefined
  design: DesignProtocol
  stoppingRules: StoppingRule[]
}
interface Issue { path: PropertyKey[], message: string }

// Checks across parts of the document: the levels the design and arms refer to.
function crossIssues (p: CrossParts): Issue[] {
  const issues: Issue[] = []
  const levels = new Set(p.doseLevels.map((d) => d.level))
  const escalation = [...levels].filter((l) => l > 0)
  const design = p.design
  if (design.type === 'none') {
    if (p.stoppingRules.length === 0) issues.push({ path: ['stoppingRules'], message: "design 'none' is governed by stopping rules only: give at least one" })
  } else {
    if (escalation.length === 0) issues.push({ path: ['doseLevels'], message: 'an escalation design needs at least one dose level >= 1' })
    if (!levels.has(design.startDoseLevel)) {
      issues.push({ path: ['design', 'startDoseLevel'], message: `startDoseLevel ${design.startDoseLevel} is not one of the dose levels` })
    }
    if (design.type === 'crm' && design.skeleton.length !== escalation.length) {
      issues.push({ path: ['design', 'skeleton'], message: `skeleton needs one probability per escalation dose level (${escalation.length}), got ${design.skeleton.length}` })
    }
  }
  const armIds = new Set<string>()
  p.arms?.forEach((a, i) => {
    if (armIds.has(a.armId)) issues.push({ path: ['arms', i, 'armId'], message: `duplicate armId ${a.armId}` })
    armIds.add(a.armId)
    if (!levels.has(a.doseLevel)) issues.push({ path: ['arms', i, 'doseLevel'], message: `arm dose level ${a.doseLevel} is not one of the dose levels` })
  })
  return issues
}

export const protocolSchema = z.strictObject({
  doseLevels: doseLevelsSchema,
  arms: armsSchema,
  dltDefinition: dltDefinitionSchema,
  design: designSchema,
  stoppingRules: stoppingRulesSchema,
  dmcUnblinded: z.boolean().optional()
}).superRefine((p, ctx) => {
  for (const issue of crossIssues(p)) ctx.addIssue({ code: 'custom', ...issue })
})

// The parts the cross-field checks compare, other keys ignored: zod skips the
// refinement above when any part of the document is malformed, so
// parseProtocol runs the checks itself whenever these parts are well formed.
const crossPartsSchema = z.object({ doseLevels: doseLevelsSchema, arms: armsSchema, design: designSchema, stoppingRules: stoppingRulesSchema })

export type Protocol = z.output<typeof protocolSchema>
export type ProtocolInput = z.input<typeof protocolSchema>

export interface ProtocolError { path: string, message: string }

const pointer = (path: PropertyKey[]) =>
  path.map((seg) => '/' + String(seg).replace(/~/g, '~0').replace(/\//g, '~1')).join('')

export function parseProtocol (input: unknown): { ok: true, protocol: Protocol } | { ok: false, errors: ProtocolError[] } {
  const result = protocolSchema.safeParse(input)
  if (result.success) return { ok: true, protocol: result.data }
  const errors = result.error.issues.flatMap((issue): ProtocolError[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: pointer([...issue.path, key]), message: 'unknown field' }))
      : [{ path: pointer(issue.path), message: issue.message }])
  const parts = crossPartsSchema.safeParse(input)
  if (parts.success) {
    const seen = new Set(errors.map((e) => `${e.path} ${e.message}`))
    for (const issue of crossIssues(parts.data)) {
      const error = { path: pointer(issue.path), message: issue.message }
      if (!seen.has(`${error.path} ${error.message}`)) errors.push(error)
    }
  }
  return { ok: false, errors }
}
