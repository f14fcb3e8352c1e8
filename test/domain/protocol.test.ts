import t from 'tap'
import { parseProtocol, protocolSchema, type ProtocolError } from '../../src/domain/protocol.js'

// NCT07295067 (ClinicalTrials.gov record in /work/shared/trials): 3+3 over
// 1e11, 2e11, 3e11 particles; DLT = grade >= 3, possibly/probably/definitely
// related, with clinical symptoms, requiring medical treatment, within 14 days
// of administration; escalation stops when > 33% have DLT; any related SAE
// stops the trial (cessation criteria).
const nct07295067 = {
  doseLevels: [
    { level: 1, label: '1e11 particles', dose: { value: 1e11, unit: 'particles' } },
    { level: 2, label: '2e11 particles', dose: { value: 2e11, unit: 'particles' } },
    { level: 3, label: '3e11 particles', dose: { value: 3e11, unit: 'particles' } }
  ],
  dltDefinition: {
    windowDays: 14,
    windowStart: 'first_administration',
    minGrade: 3,
    attributions: ['possible', 'probable', 'definite'],
    requireClinicalSymptoms: true,
    requireMedicalTreatment: true
  },
  design: { type: '3+3', startDoseLevel: 1, cohortSize: 3 },
  stoppingRules: [
    { type: 'dlt_rate_above', threshold: 0.33, minEvaluable: 6, scope: 'dose_level', action: 'stop_escalation' },
    { type: 'related_sae', attributions: ['possible', 'probable', 'definite'], action: 'halt_trial' }
  ]
}

const clone = <T>(x: T): T => structuredClone(x)
const levels = (n: number) => Array.from({ length: n }, (_, i) => ({ level: i + 1, label: `DL${i + 1}` }))
const withDesign = (design: object, extra: object = {}) => ({ ...clone(nct07295067), doseLevels: levels(4), design, ...extra })
const errorsOf = (input: unknown): ProtocolError[] => {
  const r = parseProtocol(input)
  return r.ok ? [] : r.errors
}
const paths = (input: unknown) => errorsOf(input).map((e) => e.path)

t.test('NCT07295067 parses, stopping-rule ids default to their type', async (t) => {
  const r = parseProtocol(nct07295067)
  t.ok(r.ok)
  if (!r.ok) return
  t.same(r.protocol.stoppingRules.map((s) => s.id), ['dlt_rate_above', 'related_sae'])
  t.equal(r.protocol.design.type, '3+3')
  t.equal(r.protocol.dltDefinition.windowDays, 14)
})

t.test('each design type with its parameters parses', async (t) => {
  const designs = [
    { type: '3+3', startDoseLevel: 1, allowDeEscalation: false, maxSampleSize: 24, sentinel: { participants: 1, days: 2 } },
    { type: 'rolling6', startDoseLevel: 2, maxSampleSize: 24 },
    // Liu & Yuan 2015 (BOIN): target 0.3, phi1 = 0.6 x target, phi2 = 1.4 x target
    { type: 'boin', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.3, phi1: 0.18, phi2: 0.42, eliminationCutoff: 0.95, nEarlyStop: 12, maxSampleSize: 36 },
    { type: 'mtpi2', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.3, epsilon1: 0.05, epsilon2: 0.05, eliminationCutoff: 0.95, maxSampleSize: 30 },
    { type: 'i3+3', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.25 },
    { type: 'crm', startDoseLevel: 1, cohortSize: 1, targetToxicity: 0.25, skeleton: [0.05, 0.12, 0.25, 0.4], model: 'logistic', intercept: 3, priorVariance: 1.34, noSkipEscalation: true, safetyStop: { threshold: 0.25, probability: 0.9 } }
  ]
  for (const design of designs) {
    const r = parseProtocol(withDesign(design))
    t.ok(r.ok, design.type)
  }
  const none = parseProtocol({
    ...clone(nct07295067),
    doseLevels: [{ level: 0, label: 'placebo' }, ...levels(2)],
    arms: [{ armId: 'control', label: 'Placebo', doseLevel: 0 }, { armId: 'low', label: 'Low', doseLevel: 1 }, { armId: 'high', label: 'High', doseLevel: 2 }],
    design: { type: 'none' },
    dmcUnblinded: false
  })
  t.ok(none.ok, 'parallel arms with a control level 0')
})

t.test('issue #21/#15 design additions: safetyStop, backfill, modifiedDoseCountsAt', async (t) => {
  const ok = [
    { type: 'boin', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.3, safetyStop: { threshold: 0.3, probability: 0.85 }, backfill: { maxPerLevel: 12 } },
    { type: 'mtpi2', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.3, safetyStop: { disabled: true, reason: 'stopping reviewed by the DMC' } },
    { type: 'i3+3', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.25, safetyStop: { threshold: 0.4, probability: 0.9 } },
    { type: 'crm', startDoseLevel: 1, cohortSize: 1, targetToxicity: 0.25, skeleton: [0.05, 0.12, 0.25, 0.4], safetyStop: { disabled: true, reason: 'healthy volunteers' } },
    { type: '3+3', startDoseLevel: 1, backfill: { maxPerLevel: 6 } }
  ]
  for (const design of ok) t.ok(parseProtocol(withDesign(design)).ok, design.type)
  t.same(paths(withDesign({ type: 'boin', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.3, safetyStop: { disabled: true } })), ['/design/safetyStop'], 'disabling needs its reason')
  t.same(paths(withDesign({ type: '3+3', startDoseLevel: 1, safetyStop: { threshold: 0.3, probability: 0.9 } })), ['/design/safetyStop'], 'no safety stop in rule-based designs')
  t.same(paths(withDesign({ type: '3+3', startDoseLevel: 1, backfill: { maxPerLevel: 0 } })), ['/design/backfill/maxPerLevel'])
  const counts = parseProtocol({ ...clone(nct07295067), dltDefinition: { ...clone(nct07295067).dltDefinition, modifiedDoseCountsAt: 'enrolled' } })
  t.ok(counts.ok && counts.protocol.dltDefinition.modifiedDoseCountsAt === 'enrolled')
  t.same(paths({ ...clone(nct07295067), dltDefinition: { ...clone(nct07295067).dltDefinition, modifiedDoseCountsAt: 'lowest' } }), ['/dltDefinition/modifiedDoseCountsAt'])
})

t.test('stopping rules: defaults, ids and bounds', async (t) => {
  const r = parseProtocol({
    ...clone(nct07295067),
    stoppingRules: [
      { type: 'dlt_rate_above', threshold: 0.33, minEvaluable: 3, scope: 'dose_level', action: 'stop_escalation' },
      { type: 'dlt_rate_above', threshold: 0.5, minEvaluable: 6, scope: 'trial', action: 'halt_trial' },
      { type: 'grade5_related', action: 'halt_trial' },
      { type: 'posterior_toxicity_above', theta: 0.3, cutoff: 0.95, scope: 'dose_level', action: 'stop_escalation' },
      { type: 'max_sample_size', id: 'cap', n: 18 }
    ]
  })
  t.ok(r.ok)
  if (!r.ok) return
  const [a, b, g5, post, max] = r.protocol.stoppingRules
  t.same([a!.id, b!.id, g5!.id, post!.id, max!.id], ['dlt_rate_above#0', 'dlt_rate_above#1', 'grade5_related', 'posterior_toxicity_above', 'cap'])
  t.same(g5!.type === 'grade5_related' && g5!.attributions, ['possible', 'probable', 'definite'])
  t.same(post!.type === 'posterior_toxicity_above' && post!.prior, { a: 1, b: 1 })
  t.equal(max!.type === 'max_sample_size' && max!.action, 'complete')

  t.same(errorsOf({
    ...clone(nct07295067),
    stoppingRules: [
      { type: 'dlt_rate_above', threshold: 1, minEvaluable: 0, scope: 'arm', action: 'stop_escalation' },
      { type: 'posterior_toxicity_above', theta: 0.3, cutoff: 0, prior: { a: 0, b: 1 }, scope: 'trial', action: 'halt_trial' },
      { type: 'related_sae', attributions: ['possible', 'possible'], action: 'halt_trial' }
    ]
  }).map((e) => e.path), [
    '/stoppingRules/0/threshold', '/stoppingRules/0/minEvaluable', '/stoppingRules/0/scope',
    '/stoppingRules/1/cutoff', '/stoppingRules/1/prior/a',
    '/stoppingRules/2/attributions/1'
  ])
  t.same(errorsOf({
    ...clone(nct07295067),
    stoppingRules: [
      { type: 'related_sae', id: 'sae', attributions: ['definite'], action: 'halt_trial' },
      { type: 'grade5_related', id: 'sae', action: 'halt_trial' }
    ]
  }), [{ path: '/stoppingRules/1/id', message: 'duplicate stopping rule id sae' }])
})

t.test('dose levels: unique, contiguous from 1, start level exists', async (t) => {
  const p = clone(nct07295067)
  p.doseLevels = [{ level: 1, label: 'a' }, { level: 1, label: 'b' }, { level: 3, label: 'c' }] as typeof p.doseLevels
  t.same(errorsOf(p), [
    { path: '/doseLevels/1/level', message: 'duplicate dose level 1' },
    { path: '/doseLevels', message: 'escalation dose levels must be contiguous from 1; missing 2' }
  ])
  const start = clone(nct07295067)
  start.design.startDoseLevel = 4
  t.same(errorsOf(start), [{ path: '/design/startDoseLevel', message: 'startDoseLevel 4 is not one of the dose levels' }])
  const onlyControl = { ...clone(nct07295067), doseLevels: [{ level: 0, label: 'placebo' }] }
  t.same(paths(onlyControl), ['/doseLevels', '/design/startDoseLevel'])
  t.same(paths({ ...clone(nct07295067), doseLevels: [] }), ['/doseLevels', '/doseLevels', '/design/startDoseLevel'])
})

t.test('arms refer to existing levels with unique ids; none needs stopping rules', async (t) => {
  t.same(errorsOf({
    ...clone(nct07295067),
    design: { type: 'none' },
    arms: [{ armId: 'a', label: 'A', doseLevel: 1 }, { armId: 'a', label: 'B', doseLevel: 7 }, { armId: '-bad', label: 'C', doseLevel: 1 }]
  }).map((e) => e.path), ['/arms/2/armId', '/arms/1/armId', '/arms/1/doseLevel'])
  t.same(errorsOf({
    ...clone(nct07295067),
    design: { type: 'none' },
    stoppingRules: [],
    arms: [{ armId: 'a', label: 'A', doseLevel: 1 }, { armId: 'a', label: 'B', doseLevel: 7 }]
  }), [
    { path: '/stoppingRules', message: "design 'none' is governed by stopping rules only: give at least one" },
    { path: '/arms/1/armId', message: 'duplicate armId a' },
    { path: '/arms/1/doseLevel', message: 'arm dose level 7 is not one of the dose levels' }
  ])
})

t.test('design parameters are checked for the chosen design', async (t) => {
  t.same(paths(withDesign({ type: 'boin', startDoseLevel: 1, cohortSize: 3 })), ['/design/targetToxicity'])
  t.same(paths(withDesign({ type: 'boin', startDoseLevel: 1, cohortSize: 3, targetToxicity: 1 })), ['/design/targetToxicity'])
  t.same(paths(withDesign({ type: 'boin', startDoseLevel: 1, cohortSize: 0, targetToxicity: 0.3 })), ['/design/cohortSize'])
  t.same(errorsOf(withDesign({ type: 'boin', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.3, phi1: 0.3, phi2: 0.25 })), [
    { path: '/design/phi1', message: 'phi1 0.3 must be below targetToxicity 0.3' },
    { path: '/design/phi2', message: 'phi2 0.25 must be above targetToxicity 0.3 and below 1' }
  ])
  // the default phi2 = 1.4 x 0.75 = 1.05 is not a probability
  t.same(paths(withDesign({ type: 'boin', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.75 })), ['/design/phi2'])
  t.same(paths(withDesign({ type: 'boin', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.3, nEarlyStop: 40, maxSampleSize: 30 })), ['/design/nEarlyStop'])
  t.same(paths(withDesign({ type: 'boin', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.3, maxSampleSize: 2 })), ['/design/maxSampleSize'])
  t.same(paths(withDesign({ type: 'rolling6', startDoseLevel: 1, maxSampleSize: 5, sentinel: { participants: 7, days: 1 } })), ['/design/maxSampleSize', '/design/sentinel'])
  t.same(paths(withDesign({ type: 'rolling6', startDoseLevel: 1, maxSampleSize: 5, sentinel: { participants: 13, days: 1 } })), ['/design/sentinel/participants'])
  t.same(paths(withDesign({ type: 'rolling6', startDoseLevel: 1, sentinel: { participants: 6, days: 3 } })), [])
  t.same(paths(withDesign({ type: 'rolling6', startDoseLevel: 1, maxSampleSize: 5 })), ['/design/maxSampleSize'])
  t.same(paths(withDesign({ type: '3+3', startDoseLevel: 1, sentinel: { participants: 4, days: 1 } })), ['/design/sentinel'])
  t.same(paths(withDesign({ type: '3+3', startDoseLevel: 1, cohortSize: 4 })), ['/design/cohortSize'])
  t.same(errorsOf(withDesign({ type: 'mtpi2', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.04 })), [
    { path: '/design/epsilon1', message: 'targetToxicity - epsilon1 = -0.010000000000000002 must be above 0' }
  ])
  t.same(paths(withDesign({ type: 'i3+3', startDoseLevel: 1, cohortSize: 3, targetToxicity: 0.5, epsilon2: 0.6 })), ['/design/epsilon2'])
  t.same(paths(withDesign({ type: 'crm', startDoseLevel: 1, cohortSize: 1, targetToxicity: 0.25, skeleton: [0.05, 0.2, 0.2, 0.4], intercept: 3 })),
    ['/design/skeleton/2', '/design/intercept'])
  t.same(errorsOf(withDesign({ type: 'crm', startDoseLevel: 1, cohortSize: 1, targetToxicity: 0.25, skeleton: [0.1, 0.2, 1.2] })).map((e) => e.path),
    ['/design/skeleton/2', '/design/skeleton'])
  t.same(errorsOf(withDesign({ type: 'crm', startDoseLevel: 1, cohortSize: 1, targetToxicity: 0.25, skeleton: [0.1, 0.2, 0.3] })), [
    { path: '/design/skeleton', message: 'skeleton needs one probability per escalation dose level (4), got 3' }
  ])
  t.same(paths(withDesign({ type: 'simon', startDoseLevel: 1 })), ['/design/type'])
  t.same(paths(withDesign({ type: 'none', startDoseLevel: 1 })), ['/design/startDoseLevel'])
})

t.test('DLT definition: bounds and criteria entries', async (t) => {
  const p = clone(nct07295067) as Record<string, unknown> & typeof nct07295067
  p.dltDefinition = {
    ...p.dltDefinition,
    windowDays: 0,
    minGrade: 6,
    attributions: ['related'],
    exclusions: [{ terms: ['Nausea'], grade: 3, maxDurationHours: 72 }, { grade: 3 }],
    inclusions: [{ meddraCodes: ['10029366'], minGrade: 4, minDurationHours: 168 }, { minGrade: 4 }, { meddraCodes: ['1002936'] }],
    alwaysDlt: [{ minGrade: 5, attributions: ['possible', 'probable', 'definite'] }, { attributions: ['definite'] }],
    windowStart: 'first_administration'
  } as typeof p.dltDefinition
  t.same(errorsOf(p), [
    { path: '/dltDefinition/windowDays', message: 'Too small: expected number to be >=1' },
    { path: '/dltDefinition/minGrade', message: 'Too big: expected number to be <=5' },
    { path: '/dltDefinition/attributions/0', message: 'Invalid option: expected one of "unrelated"|"unlikely"|"possible"|"probable"|"definite"' },
    { path: '/dltDefinition/exclusions/1', message: 'exclusion entry needs at least one of terms, meddraCodes, socs' },
    { path: '/dltDefinition/inclusions/2/meddraCodes/0', message: 'MedDRA code must be 8 digits' },
    { path: '/dltDefinition/inclusions/1', message: 'inclusion entry needs at least one of terms, meddraCodes, socs' },
    { path: '/dltDefinition/alwaysDlt/1', message: 'alwaysDlt entry needs terms, meddraCodes, socs, grade or minGrade' }
  ])
  const q = clone(nct07295067) as typeof p
  q.dltDefinition = {
    ...q.dltDefinition,
    inclusions: [{ socs: ['Investigations'] }, { minGrade: 4 }],
    exclusions: [{
      terms: ['Nausea'],
      grade: 3,
      minGrade: 3,
      minDurationHours: 80,
      maxDurationHours: 72,
      withConcurrent: { minGrade: 2 }
    }]
  } as typeof q.dltDefinition
  t.same(errorsOf(q), [
    { path: '/dltDefinition/exclusions/0/withConcurrent', message: 'withConcurrent needs at least one of terms, meddraCodes, socs' },
    { path: '/dltDefinition/exclusions/0/minGrade', message: 'give either grade or minGrade, not both' },
    { path: '/dltDefinition/exclusions/0/minDurationHours', message: 'minDurationHours must not exceed maxDurationHours' },
    { path: '/dltDefinition/inclusions/1', message: 'inclusion entry needs at least one of terms, meddraCodes, socs' }
  ])
  const ok = clone(nct07295067) as typeof p
  ok.dltDefinition = {
    ...ok.dltDefinition,
    exclusions: [{ terms: ['Nausea', 'Vomiting'], grade: 3, maxDurationHours: 72 }],
    inclusions: [{ meddraCodes: ['10029366'], minGrade: 3, withConcurrent: { terms: ['Fever'], minGrade: 1 } }],
    alwaysDlt: [{ minGrade: 5 }]
  } as typeof ok.dltDefinition
  t.ok(parseProtocol(ok).ok)
})

t.test('unknown fields, wrong types and all issues at once', async (t) => {
  const p = { ...clone(nct07295067), extra: 1, 'a/b~c': 2, design: { ...nct07295067.design, foo: true } }
  t.same(errorsOf(p), [
    { path: '/design/foo', message: 'unknown field' },
    { path: '/extra', message: 'unknown field' },
    { path: '/a~1b~0c', message: 'unknown field' }
  ])
  t.same(errorsOf(null), [{ path: '', message: 'Invalid input: expected object, received null' }])
  // a broken DLT definition does not hide the cross-field checks
  const q = clone(nct07295067)
  q.dltDefinition.windowDays = 1.5
  q.design.startDoseLevel = 9
  t.same(paths(q), ['/dltDefinition/windowDays', '/design/startDoseLevel'])
  // a broken design part skips them instead of reporting nonsense
  const r = clone(nct07295067) as Record<string, unknown>
  r.design = { type: '3+3' }
  t.same(paths(r), ['/design/startDoseLevel'])
  t.ok(protocolSchema.safeParse(nct07295067).success, 'the schema is exported for OpenAPI generation')
})

// Issue #15: planned schedules, exposure, course windows and confirmed assessments. The record of the
// example: administrations at weeks 0, 1 (+/- 1 d), 3, 5, 7 (+/- 3 d), the first four in the DLT period.
const weeks = {
  administrations: [{ day: 0 }, { day: 7, windowDays: 1 }, { day: 21, windowDays: 3 }, { day: 35, windowDays: 3 }, { day: 49, windowDays: 3 }],
  dltPeriodAdministrations: 4
}
const withDlt = (dlt: object, extra: object = {}) => ({ ...clone(nct07295067), dltDefinition: { ...nct07295067.dltDefinition, ...dlt }, ...extra })

t.test('schedules, exposure, course window, assessment: valid documents', async (t) => {
  const valid: [string, object][] = [
    ['a protocol-level schedule with course window, exposure and assessment',
      withDlt({ windowStart: 'course', minExposure: { fraction: 0.75 }, requireAssessment: true }, { schedule: weeks })],
    ['a frequency per dose level', {
      ...withDlt({ minExposure: { administrations: 4 } }),
      doseLevels: nct07295067.doseLevels.map((d) => ({ ...d, schedule: { frequency: { perWeek: 2, weeks: 2 }, windowDays: 1 } }))
    }],
    ['arms override the protocol schedule', {
      ...withDlt({ windowStart: 'course' }, { schedule: { frequency: { perWeek: 1, weeks: 4 } } }),
      arms: [{ armId: 'bw', label: 'twice weekly', doseLevel: 1, schedule: { frequency: { perWeek: 2, weeks: 4 }, dltPeriodAdministrations: 8 } }]
    }],
    ['an escalation window', withDlt({ windowStart: 'each_administration', windowDays: 7, escalationWindow: { start: 'first_administration', days: 28 } })],
    ['minimum exposure without a schedule', withDlt({ minExposure: { administrations: 2 } })],
    ['exactly the DLT period', withDlt({ minExposure: { administrations: 4 } }, { schedule: weeks })]
  ]
  for (const [name, doc] of valid) t.same(errorsOf(doc), [], name)
  const r = parseProtocol(valid[0]![1])
  t.ok(r.ok && r.protocol.schedule?.dltPeriodAdministrations === 4 && r.protocol.dltDefinition.windowStart === 'course')
})

t.test('schedules, exposure, course window: errors at their JSON pointers', async (t) => {
  const rows: [string, object, ProtocolError[]][] = [
    ['course without any schedule', withDlt({ windowStart: 'course' }), [1, 2, 3].map((l, i) => (
      { path: `/doseLevels/${i}/schedule`, message: `windowStart 'course' needs a planned schedule for dose level ${l}` }))],
    ['a fraction without a schedule for an arm', {
      ...withDlt({ minExposure: { fraction: 0.5 } }),
      doseLevels: nct07295067.doseLevels.map((d) => ({ ...d, schedule: weeks })),
      arms: [{ armId: 'a', label: 'A', doseLevel: 1 }, { armId: 'b', label: 'B', doseLevel: 9 }]
    }, [
      { path: '/arms/1/doseLevel', message: 'arm dose level 9 is not one of the dose levels' },
      { path: '/arms/1/schedule', message: 'minExposure.fraction needs a planned schedule for arm b' }
    ]],
    ['more administrations than the DLT period holds', withDlt({ minExposure: { administrations: 5 } }, { schedule: weeks }), [
      { path: '/dltDefinition/minExposure/administrations', message: 'minExposure of 5 administrations exceeds the 4 planned in the DLT period of dose level 1' },
      { path: '/dltDefinition/minExposure/administrations', message: 'minExposure of 5 administrations exceeds the 4 planned in the DLT period of dose level 2' },
      { path: '/dltDefinition/minExposure/administrations', message: 'minExposure of 5 administrations exceeds the 4 planned in the DLT period of dose level 3' }
    ]],
    ['a DLT period longer than the schedule', withDlt({}, { schedule: { frequency: { perWeek: 2, weeks: 2 }, dltPeriodAdministrations: 5 } }), [
      { path: '/schedule/dltPeriodAdministrations', message: 'dltPeriodAdministrations must not exceed the 4 planned administrations' }
    ]],
    ['days not from 0, not increasing', withDlt({}, { schedule: { administrations: [{ day: 1 }, { day: 7 }, { day: 7 }] } }), [
      { path: '/schedule/administrations/0/day', message: 'the first planned administration is day 0' },
      { path: '/schedule/administrations/2/day', message: 'planned days must be strictly increasing' }
    ]],
    ['both forms', withDlt({}, { schedule: { ...weeks, frequency: { perWeek: 1, weeks: 1 } } }), [
      { path: '/schedule', message: 'a schedule gives either administrations or frequency' }
    ]],
    ['neither form', withDlt({}, { schedule: { dltPeriodAdministrations: 1 } }), [
      { path: '/schedule', message: 'a schedule gives either administrations or frequency' }
    ]],
    ['a common windowDays with listed days', withDlt({}, { schedule: { administrations: [{ day: 0 }], windowDays: 1 } }), [
      { path: '/schedule/windowDays', message: 'with administrations, give windowDays on each administration' }
    ]]
  ]
  for (const [name, doc, errors] of rows) t.same(errorsOf(doc), errors, name)
  const bounds: [string, object, string][] = [
    ['perWeek above 7', { schedule: { frequency: { perWeek: 8, weeks: 1 } } }, '/schedule/frequency/perWeek'],
    ['weeks above 104', { schedule: { frequency: { perWeek: 1, weeks: 105 } } }, '/schedule/frequency/weeks'],
    ['a negative allowed window', { schedule: { administrations: [{ day: 0, windowDays: -1 }] } }, '/schedule/administrations/0/windowDays'],
    ['an unknown schedule field', { schedule: { frequency: { perWeek: 1, weeks: 1 }, every: 2 } }, '/schedule/every'],
    ['a dose-level schedule', { doseLevels: [{ level: 1, label: 'L1', schedule: { administrations: [] } }] }, '/doseLevels/0/schedule/administrations']
  ]
  for (const [name, extra, path] of bounds) t.same(paths(withDlt({}, extra)), [path], name)
  const dltBounds: [string, object, string][] = [
    ['a fraction of 0', { minExposure: { fraction: 0 } }, '/dltDefinition/minExposure'],
    ['a fraction above 1', { minExposure: { fraction: 1.01 } }, '/dltDefinition/minExposure'],
    ['0 administrations', { minExposure: { administrations: 0 } }, '/dltDefinition/minExposure'],
    ['an unknown window start', { windowStart: 'last_administration' }, '/dltDefinition/windowStart'],
    ['an escalation window from elsewhere', { escalationWindow: { start: 'course', days: 28 } }, '/dltDefinition/escalationWindow/start'],
    ['requireAssessment not boolean', { requireAssessment: 'yes' }, '/dltDefinition/requireAssessment']
  ]
  for (const [name, dlt, path] of dltBounds) {
    const found = paths(withDlt(dlt, { schedule: weeks }))
    t.ok(found.length > 0 && found.every((p) => p.startsWith(path)), `${name}: ${found.join(', ')}`)
  }
  t.equal(errorsOf(withDlt({ minExposure: { fraction: 1 } }, { schedule: weeks })).length, 0, 'a fraction of 1 (all planned) is allowed')
})

t.test('assumptions: each path a JSON Pointer naming a value of the parsed document', async (t) => {
  const quote = 'Dose escalation will be stopped if DLTs are observed in more than 33% of the participants.'
  const doc = {
    ...clone(nct07295067),
    stoppingRules: [
      { type: 'dlt_rate_above', threshold: 0.33, minEvaluable: 6, scope: 'dose_level', action: 'stop_escalation', source: quote },
      { type: 'grade5_related', action: 'halt_trial' }
    ],
    assumptions: [
      { path: '/stoppingRules/0/minEvaluable', statement: 'the 33% is over the expanded cohort of 6', rationale: 'the record expands at 1 in 3', source: quote },
      // absent from the input: the parser fills in the attributions, and the assumption may name them
      { path: '/stoppingRules/1/attributions', statement: 'a death at least possibly related', rationale: 'the record has no death rule' },
      { path: '', statement: 'the whole document', rationale: 'an empty pointer names the document' }
    ]
  }
  const r = parseProtocol(doc)
  t.same(r.ok ? [] : r.errors, [])
  if (!r.ok) return
  t.equal(r.protocol.stoppingRules[0]!.source, quote, 'a rule keeps its source quote')
  t.same(r.protocol.assumptions, doc.assumptions, 'assumptions kept as written')
  const plain = parseProtocol(nct07295067)
  t.equal(plain.ok ? plain.protocol.assumptions : null, undefined, 'a protocol without assumptions has none')

  const bad = {
    ...doc,
    assumptions: [
      { path: '/dltDefinition/windowDays', statement: 's', rationale: 'r' },
      { path: '/dltDefinition/windowday', statement: 's', rationale: 'r' },
      { path: '/stoppingRules/2', statement: 's', rationale: 'r' },
      { path: '/doseLevels/01', statement: 's', rationale: 'r' }
    ]
  }
  t.same(errorsOf(bad), [
    { path: '/assumptions/1/path', message: '/dltDefinition/windowday does not name a value of this protocol document' },
    { path: '/assumptions/2/path', message: '/stoppingRules/2 does not name a value of this protocol document' },
    { path: '/assumptions/3/path', message: '/doseLevels/01 does not name a value of this protocol document' }
  ])
})

t.test('assumptions: malformed entries are reported at their own paths', async (t) => {
  const errors = errorsOf({
    ...clone(nct07295067),
    assumptions: [
      { path: 'dltDefinition/windowDays', statement: 's', rationale: 'r' },
      { path: '/a~2', statement: 's', rationale: 'r' },
      { path: '/design', statement: ' ', rationale: 'r', extra: 1 },
      { path: '/design', statement: 's' }
    ]
  })
  t.same(errors.map((e) => e.path), ['/assumptions/0/path', '/assumptions/1/path', '/assumptions/2/statement', '/assumptions/2/extra', '/assumptions/3/rationale'])
  t.equal(errors[0]!.message, 'path must be a JSON Pointer (RFC 6901)')
  t.same(paths({ ...clone(nct07295067), stoppingRules: [{ type: 'related_sae', attributions: ['possible'], action: 'halt_trial', source: '' }] }),
    ['/stoppingRules/0/source'], 'an empty source quote is refused')
})
