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
import { dltPeriodCount } from './schedule.js'
import { POINTER_PATTERN, pointer, resolvePointer } from '../lib/json-pointer.js'

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

// Planned administrations, as days from the first administration (day 0).
const allowedDays = z.number().int().min(0).max(365)
const dltPeriodAdministrations = posInt(1000).optional()
  .describe('how many of the planned administrations (the first ones) are in the DLT period; default all')
// One of `administrations` or `frequency`: one strict object (not a union) so
// that a malformed schedule is reported at the field that is wrong.
const scheduleSchema = z.strictObject({
  administrations: z.array(z.strictObject({
    day: z.number().int().min(0).max(3650).describe('days after the first administration; the first is day 0'),
    windowDays: allowedDays.optional().describe('allowed deviation, +/- days [0]')
  })).min(1).max(1000).superRefine((list, ctx) => {
    if (list.length > 0 && list[0]!.day !== 0) ctx.addIssue({ code: 'custom', path: [0, 'day'], message: 'the first planned administration is day 0' })
    list.forEach((a, i) => {
      if (i > 0 && !(a.day > list[i - 1]!.day)) ctx.addIssue({ code: 'custom', path: [i, 'day'], message: 'planned days must be strictly increasing' })
    })
  }).optional(),
  frequency: z.strictObject({ perWeek: posInt(7), weeks: posInt(104) }).optional()
    .describe('perWeek administrations in each of `weeks` weeks, on day 7*week + floor(7*j/perWeek)'),
  windowDays: allowedDays.optional().describe('with frequency: allowed deviation of every administration, +/- days [0]'),
  dltPeriodAdministrations
}).superRefine((s, ctx) => {
  if ((s.administrations === undefined) === (s.frequency === undefined)) {
    ctx.addIssue({ code: 'custom', path: [], message: 'a schedule gives either administrations or frequency' })
    return
  }
  if (s.administrations !== undefined && s.windowDays !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['windowDays'], message: 'with administrations, give windowDays on each administration' })
  }
  const planned = s.administrations?.length ?? s.frequency!.perWeek * s.frequency!.weeks
  if (s.dltPeriodAdministrations !== undefined && s.dltPeriodAdministrations > planned) {
    ctx.addIssue({ code: 'custom', path: ['dltPeriodAdministrations'], message: `dltPeriodAdministrations must not exceed the ${planned} planned administrations` })
  }
}).describe('planned administrations, e.g. {"administrations": [{"day": 0}, {"day": 7, "windowDays": 1}, {"day": 21, "windowDays": 3}]} or {"frequency": {"perWeek": 2, "weeks": 4}, "windowDays": 1, "dltPeriodAdministrations": 6}')
export type Schedule = z.output<typeof scheduleSchema>

const doseLevelSchema = z.strictObject({
  level: z.number().int().min(0).max(MAX_LEVEL),
  label: text(200),
  dose: z.strictObject({ value: z.number().min(0).max(1e30), unit: text(32) }).optional(),
  schedule: scheduleSchema.optional()
})

const armSchema = z.strictObject({
  armId: z.string().regex(idPattern, 'armId must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  label: text(200),
  doseLevel: z.number().int().min(0).max(MAX_LEVEL),
  schedule: scheduleSchema.optional()
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
  windowStart: z.enum(['first_administration', 'each_administration', 'course'])
    .describe("'course': from the first administration until windowDays after the last planned administration of the DLT period (needs a schedule for every group)"),
  minGrade: grade,
  attributions: attributionList,
  modifiedDoseCountsAt: z.enum(['highest_given', 'enrolled']).optional()
    .describe('at which level a DLT of a participant dosed at another level than enrolled counts: the highest level given in the DLT period (default) or the enrolled level'),
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
  }).optional(),
  minExposure: z.union([
    z.strictObject({ administrations: posInt(1000) }),
    z.strictObject({ fraction: z.number().gt(0).max(1) })
  ]).optional().describe('minimum administrations received in the DLT period for a participant without a DLT to be evaluable, e.g. {"administrations": 6} or {"fraction": 0.75} (of the planned ones; needs schedules)'),
  requireAssessment: z.boolean().optional()
    .describe('a participant without a DLT is evaluable only once the site recorded, after the window ended, that all its AEs are entered'),
  escalationWindow: z.strictObject({ start: z.literal('first_administration'), days: posInt(365) }).optional()
    .describe('what gates escalation when it differs from what counts as a DLT, e.g. {"start": "first_administration", "days": 28}')
})
export type DltDefinition = z.output<typeof dltDefinitionSchema>

const sentinelSchema = z.strictObject({ participants: posInt(12), days: posInt(90) })
const level = z.number().int().min(1).max(MAX_LEVEL)
const cohortSize = posInt(12)
const maxSampleSize = posInt(1000)
const backfillSchema = z.strictObject({ maxPerLevel: posInt(1000) })
  .describe('cleared levels below the current one take enrolment only with backfill, up to maxPerLevel participants in all at each level')
const common = { startDoseLevel: level, sentinel: sentinelSchema.optional(), maxSampleSize: maxSampleSize.optional(), backfill: backfillSchema.optional() }
const safetyStopSchema = z.union([
  z.strictObject({ threshold: probability, probability }),
  z.strictObject({ disabled: z.literal(true), reason: text(2000) })
]).describe('stop when Pr(DLT rate at the lowest level > threshold) > probability; default: threshold = targetToxicity, probability = 0.9 (Beta(1, 1) prior for the interval designs, the model posterior for CRM), judged once 3 are evaluable at the lowest level (a safetyStop written in a CRM protocol applies as written, as before); {disabled: true, reason} turns it off')
const boundedInterval = { epsilon1: probability.optional(), epsilon2: probability.optional(), eliminationCutoff: probability.optional(), safetyStop: safetyStopSchema.optional() }

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
    nEarlyStop: posInt(1000).optional(),
    safetyStop: safetyStopSchema.optional()
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
    safetyStop: safetyStopSchema.optional()
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

const action = z.enum(['stop_escalation', 'halt_trial', 'pause_for_review'])
  .describe('pause_for_review: the trial is on hold from the rule firing until a DMC decision taken on a status that shows that firing')
const scope = z.enum(['dose_level', 'trial'])
// The fields every stopping rule may carry besides its own.
const ruleId = {
  id: z.string().regex(idPattern, 'id must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$').optional(),
  source: text(2000).optional()
    .describe('the words of the trial record this rule implements, quoted; a rule without one should be explained by an assumption pointing at it')
}

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

// What the protocol fixes that its trial record does not state, each value named
// by its JSON Pointer, so a DMC reads which parts are the record and which a choice.
const assumptionSchema = z.strictObject({
  path: z.string().max(500).regex(POINTER_PATTERN, 'path must be a JSON Pointer (RFC 6901)')
    .describe('JSON Pointer (RFC 6901) to the value assumed, inside this protocol document, e.g. /dltDefinition/windowDays'),
  statement: text(2000).describe('what is assumed, e.g. "the DLT window is 28 days from the first infusion"'),
  rationale: text(2000).describe('why this value, given what the record says and does not say'),
  source: text(2000).optional().describe('the words of the trial record the assumption reads, quoted, where there are any')
})
const assumptionsSchema = z.array(assumptionSchema).max(500).optional()
  .describe('every value of this document the trial record does not state, with its statement and rationale')

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

interface ScheduleParts {
  doseLevels: { level: number, schedule?: Schedule | undefined }[]
  arms?: { armId: string, doseLevel: number, schedule?: Schedule | undefined }[] | undefined
  dltDefinition: DltDefinition
  schedule?: Schedule | undefined
}

// Exposure and course windows are counted on the planned schedule: every group
// they apply to must have one, and a minimum exposure must be reachable in it.
function scheduleIssues (p: ScheduleParts): Issue[] {
  const def = p.dltDefinition
  const needs = def.windowStart === 'course' ? "windowStart 'course'" : def.minExposure !== undefined && 'fraction' in def.minExposure ? 'minExposure.fraction' : null
  const groups = [
    ...p.doseLevels.map((d, i) => ({ path: ['doseLevels', i], name: `dose level ${d.level}`, schedule: d.schedule ?? p.schedule })),
    ...(p.arms ?? []).map((a, i) => ({
      path: ['arms', i],
      name: `arm ${a.armId}`,
      schedule: a.schedule ?? p.doseLevels.find((d) => d.level === a.doseLevel)?.schedule ?? p.schedule
    }))
  ]
  const issues: Issue[] = []
  for (const g of groups) {
    if (g.schedule === undefined) {
      if (needs !== null) issues.push({ path: [...g.path, 'schedule'], message: `${needs} needs a planned schedule for ${g.name}` })
      continue
    }
    const inPeriod = dltPeriodCount(g.schedule)
    if (def.minExposure !== undefined && 'administrations' in def.minExposure && def.minExposure.administrations > inPeriod) {
      issues.push({
        path: ['dltDefinition', 'minExposure', 'administrations'],
        message: `minExposure of ${def.minExposure.administrations} administrations exceeds the ${inPeriod} planned in the DLT period of ${g.name}`
      })
    }
  }
  return issues
}

export const protocolSchema = z.strictObject({
  doseLevels: doseLevelsSchema,
  arms: armsSchema,
  dltDefinition: dltDefinitionSchema,
  design: designSchema,
  stoppingRules: stoppingRulesSchema,
  dmcUnblinded: z.boolean().optional(),
  controlCanBeRelated: z.boolean().optional().describe(
    'whether the control group (dose level 0) receives something an AE can be related to (a placebo procedure, a vehicle). ' +
    'false for a blank control that receives nothing: its serious AEs and deaths do not count in related_sae and grade5_related. ' +
    'Absent: they count, as attribution is assessed blinded. Control participants never count in a design or a rate rule.'
  ),
  schedule: scheduleSchema.optional().describe('the planned schedule of every group without its own (doseLevels[].schedule, arms[].schedule)'),
  assumptions: assumptionsSchema
}).superRefine((p, ctx) => {
  for (const issue of [...crossIssues(p), ...scheduleIssues(p)]) ctx.addIssue({ code: 'custom', ...issue })
  // Resolved in the parsed document, so a pointer may name a default (a rule's id or prior).
  p.assumptions?.forEach((a, i) => {
    if (!resolvePointer(p, a.path).found) {
      ctx.addIssue({ code: 'custom', path: ['assumptions', i, 'path'], message: `${a.path} does not name a value of this protocol document` })
    }
  })
})

// The parts the cross-field checks compare, other keys ignored: zod skips the
// refinement above when any part of the document is malformed, so
// parseProtocol runs the checks itself whenever these parts are well formed.
const crossPartsSchema = z.object({ doseLevels: doseLevelsSchema, arms: armsSchema, design: designSchema, stoppingRules: stoppingRulesSchema })
const schedulePartsSchema = z.object({ doseLevels: doseLevelsSchema, arms: armsSchema, dltDefinition: dltDefinitionSchema, schedule: scheduleSchema.optional() })

export type Protocol = z.output<typeof protocolSchema>
export type ProtocolInput = z.input<typeof protocolSchema>

export interface ProtocolError { path: string, message: string }

export function parseProtocol (input: unknown): { ok: true, protocol: Protocol } | { ok: false, errors: ProtocolError[] } {
  const result = protocolSchema.safeParse(input)
  if (result.success) return { ok: true, protocol: result.data }
  const errors = result.error.issues.flatMap((issue): ProtocolError[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: pointer([...issue.path, key]), message: 'unknown field' }))
      : [{ path: pointer(issue.path), message: issue.message }])
  const parts = crossPartsSchema.safeParse(input)
  const scheduleParts = schedulePartsSchema.safeParse(input)
  const seen = new Set(errors.map((e) => `${e.path} ${e.message}`))
  const issues = [...(parts.success ? crossIssues(parts.data) : []), ...(scheduleParts.success ? scheduleIssues(scheduleParts.data) : [])]
  for (const issue of issues) {
    const error = { path: pointer(issue.path), message: issue.message }
    if (!seen.has(`${error.path} ${error.message}`)) errors.push(error)
  }
  return { ok: false, errors }
}
